"""``backfill-tui export postgres|inngest``: send the mirror's observations to production.

Each is a dry run unless ``--apply`` is given: the dry run reads the mirror and the destination,
prints how many observations would be written and skipped, with a sample, and changes nothing.
The export core is :mod:`backfill_tui.export` (imported lazily: psycopg loads only when used).

Exit statuses: 0 when every observation was written or already there (and for any dry run
that could read both sides); 1 when the destination failed after the input was accepted, could
not be reached (a PostgreSQL server refusing connections, as an Inngest that never answers), or
refused some rows (each reason is printed; the rest were written); 2 for bad input found before
anything was sent (no such workspace or run, an unsuitable destination, such as a wrong
password, an unknown host or a table with a NOT NULL column the export cannot fill, or
observations of simulated runs without ``--include-simulated``: made-up data, which the dry run
names on its second line).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from ..secrets_registry import redact
from ..terms import APP, export_verb, plural, were
from ..textsafe import clean
from .options import (
    EXIT_INCOMPLETE,
    EXIT_OK,
    Parser,
    add_apply_options,
    add_db_option,
    db_path,
    run_id_arg,
    url_arg,
)

if TYPE_CHECKING:
    from ..engine.export import ExportPlan, ExportProgress, ExportResult, ExportTarget, Tally

EVENT_KEY_ENV = "INNGEST_EVENT_KEY"

#: ``export``'s targets, each a subcommand, with what it sends to.
TARGETS = {"postgres": "production's table", "inngest": "its event pipeline"}


class _TargetFirst(Parser):
    """``export``'s parser: its TARGET comes first. argparse took the first word that is no
    option as the target, so ``export --workspace k`` said "invalid choice: 'k'" (a fresh
    tester's finding). No target, or options before it, are refused in one line (exit 2) saying the
    target is missing, or where it goes when it came later; the words are not repeated (an
    ``--event-key`` may be among them)."""

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        words = list(args or ())
        if words and words[0].startswith("-") and {"-h", "--help"} & set(words):
            self.print_help()  # asked anywhere before a target: export's own, not an error
            self.exit(0)
        if not words or words[0].startswith("-"):
            later = next((w for w in words if w in TARGETS), None)
            if later is not None:
                self.error(
                    f"TARGET {later} comes right after `export`, before the options: "
                    f"`{APP} export {later} --workspace ID ...`"
                )
            each = ", ".join(f"{name} ({what})" for name, what in TARGETS.items())
            self.error(
                f"TARGET is missing: give one of {each} right after `export`, such as "
                f"`{APP} export postgres --dsn URL --workspace ID`"
            )
        return super().parse_known_args(args, namespace)


def register(sub: Any) -> None:
    export = sub.add_parser(
        "export",
        help="send the mirror's observations to production (dry run unless --apply)",
        description="Send the mirror's observations to production's Postgres table or its "
        "Inngest pipeline. Without --apply nothing is written or sent anywhere.",
    )
    export.__class__ = _TargetFirst  # add_parser makes every command's parser a Parser
    targets = export.add_subparsers(
        dest="target", metavar="TARGET", help="where to send them", parser_class=Parser
    )
    targets.required = True

    pg = targets.add_parser(
        "postgres",
        help="insert into lightfast_workspace_neural_observations",
        description="Insert the workspace's observations into production's "
        "lightfast_workspace_neural_observations table, skipping those already there "
        "(by workspace_id and source_id, under a lock). Dry run unless --apply.",
    )
    pg.add_argument(
        "--dsn",
        required=True,
        type=_dsn_arg,
        metavar="URL",
        help="postgresql://USER[:PASSWORD]@HOST:PORT/DBNAME (the password may come from "
        "PGPASSWORD or ~/.pgpass instead); it is never printed",
    )
    pg.add_argument(
        "--create-schema",
        action="store_true",
        help="create the table (production's DDL, without the foreign key) in an empty scratch "
        "database first; refuses where it exists",
    )
    _common(pg, "postgres")
    pg.set_defaults(handler=cmd_export_postgres)

    inn = targets.add_parser(
        "inngest",
        help="send apps-console/neural/observation.capture events",
        description="Send one apps-console/neural/observation.capture event per observation to "
        "Inngest's event API, in size-bounded batches with retries; observations already sent "
        "to that host (recorded in the mirror) are skipped. Dry run unless --apply.",
    )
    inn.add_argument(
        "--event-key",
        metavar="KEY",
        default=None,
        help=f"the Inngest event key (default: ${EVENT_KEY_ENV}); it is never printed",
    )
    inn.add_argument(
        "--url",
        metavar="BASE",
        type=url_arg,
        default=None,
        help="the event API base URL, without /e/KEY (default https://inn.gs; a dev server: "
        "http://127.0.0.1:8288)",
    )
    inn.add_argument(
        "--clerk-org", metavar="ID", default=None, help="the Clerk org id to put in each event"
    )
    _common(inn, "inngest")
    inn.set_defaults(handler=cmd_export_inngest)


def _dsn_arg(text: str) -> str:
    """``--dsn``'s value; an empty one is refused (libpq would read it as localhost)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("--dsn is empty; give postgresql://USER@HOST:PORT/DBNAME")
    return text


def _common(parser: argparse.ArgumentParser, kind: str) -> None:
    """The options both targets take; ``kind`` names what ``--apply`` really does (write rows,
    send events)."""
    parser.add_argument(
        "--workspace", required=True, metavar="ID", help="the workspace whose observations to send"
    )
    parser.add_argument(
        "--run",
        metavar="RUN_ID",
        type=run_id_arg,
        default=None,
        help="only the observations this run first stored",
    )
    add_apply_options(parser, _verb(kind))
    parser.add_argument(
        "--include-simulated",
        action="store_true",
        help=f"with --apply, {_verb(kind)} observations that came from the built-in simulator "
        "(simulated runs, or replays of them) too; without it --apply refuses them, as they are "
        "made-up data",
    )
    parser.add_argument("--json", action="store_true", help="print the plan or result as JSON")
    add_db_option(parser)


def cmd_export_postgres(args: argparse.Namespace) -> int:
    from ..engine.export import postgres_target

    return _export(args, postgres_target(args.dsn, create_schema=args.create_schema))


def cmd_export_inngest(args: argparse.Namespace) -> int:
    from ..engine.export import inngest_target

    key = args.event_key or os.environ.get(EVENT_KEY_ENV)
    if not key:
        raise UsageError(f"no Inngest event key; pass --event-key KEY or set {EVENT_KEY_ENV}")
    target = inngest_target(key, base_url=args.url, clerk_org=args.clerk_org)
    return _export(args, target)


def _export(args: argparse.Namespace, target: ExportTarget) -> int:
    from ..engine.export import ExportFailed, Refused, export_now, plan_export
    from ..engine.run import validate_workspace
    from .signals import on_quit, stopped_by

    args.workspace = validate_workspace(args.workspace)
    done_word = _verb(target.kind, 1)  # "written" for Postgres's rows, "sent" for events
    if not args.apply:
        try:
            plan = plan_export(
                db_path(args),
                target,
                args.workspace,
                args.run,
                retrying=lambda notice: sys.stderr.write(notice.line() + "\n"),
            )
        except KeyboardInterrupt:  # it said "interrupted while starting" (a fresh tester's finding)
            sys.stderr.write(
                f"backfill-tui: dry run stopped{stopped_by()}; nothing was {done_word}\n"
            )
            return EXIT_INCOMPLETE
        if args.json:
            sys.stdout.write(json.dumps(plan.to_dict(), indent=2) + "\n")
        else:
            _print_plan(plan)
        return EXIT_OK
    done: list[ExportProgress] = []
    on_quit("run the export again to send the rest")  # a third Ctrl-C skips the line below

    def progress(step: ExportProgress) -> None:
        done.append(step)
        if sys.stderr.isatty():
            sys.stderr.write(f"batch {step.batch}: {step.written} {done_word}\n")

    try:
        # The same checks as the dry run (exit 2 before anything is sent), then the apply.
        result = export_now(
            db_path(args), target, args.workspace, args.run, progress=progress,
            retrying=lambda notice: sys.stderr.write(notice.line() + "\n"),
            include_simulated=args.include_simulated,
        )  # fmt: skip
    except ExportFailed as exc:
        sys.stderr.write(f"backfill-tui: export failed: {redact(str(exc))}\n")
        return exc.exit_status
    except KeyboardInterrupt:
        written = done[-1].written if done else 0
        sys.stderr.write(
            f"cancelled{stopped_by()}: {plural(written, 'observation')} {were(written)} {done_word} "
            "and recorded; run the export again to send the rest\n"
        )
        return EXIT_INCOMPLETE
    if args.json:
        sys.stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
    else:
        _print_result(result)
    if result.refused:
        sys.stderr.write(
            f"backfill-tui: {plural(result.refused, 'observation')} refused by the destination, the "
            f"others were {done_word}; reasons in the summary\n"
        )
        return Refused.exit_status  # a refused row fails alone (exit 1), the rest is written
    return EXIT_OK


def _verb(kind: str, form: int = 0) -> str:
    """write / written / wrote for Postgres; send / sent / sent for Inngest (as the app says)."""
    return export_verb(kind, form)


def _where(kind: str, target_id: str) -> str:
    return f"{kind} {target_id}" if kind == "postgres" else f"Inngest at {target_id}"


def _print_plan(plan: ExportPlan) -> None:
    out = sys.stdout
    scope = f"run {plan.run_id}" if plan.run_id else "all runs"
    out.write(
        f"dry run: export of workspace {clean(plan.workspace)} ({scope}) to "
        f"{_where(plan.target_kind, plan.target_id)}\n"
    )
    if plan.simulated:
        from ..engine.export import simulated_note

        out.write(f"note: {simulated_note(plan.simulated, plan.total)}\n")
    if plan.details.get("create_schema"):
        out.write("  would create table lightfast_workspace_neural_observations first\n")
    batches = len(plan.batch_sizes)
    in_batches = f"  in {batches} batch{'es' if batches != 1 else ''}" if batches else ""
    out.write(f"  {'observations in the mirror':<28}{plan.total:>7}\n")
    out.write(f"  {'would ' + _verb(plan.target_kind):<28}{plan.would_write:>7}{in_batches}\n")
    out.write(f"  {'would skip':<28}{plan.skipped:>7}  {plan.skip_reason}\n")
    _print_tally(out, plan.tally, "would ")
    if plan.sample:
        out.write("  sample:\n")
        for row in plan.sample:
            out.write(f"    {row.occurred_at[:10]}  {clean(row.source_id)}  {clean(row.title)}\n")
    if plan.would_write:
        flags = "--apply --include-simulated" if plan.simulated else "--apply"
        out.write(f"nothing was written or sent; add {flags} to do it\n")
    else:
        out.write("nothing new to send; nothing was written or sent\n")


def _print_tally(out: Any, tally: Tally, would: str = "") -> None:
    """Values changed (by kind) and rows refused (by reason, with examples)."""
    if tally.refused:
        out.write(
            f"  {would + 'refuse':<28}{tally.refused_count:>7}  the destination cannot hold them:\n"
        )
        for reason, count in sorted(tally.refused.items()):
            out.write(f"    {count:>5}  {clean(reason)}\n")
        for source_id, reason in tally.refused_examples:
            out.write(f"           e.g. {clean(source_id)}: {clean(reason)}\n")
    if tally.changes:
        out.write(
            f"  {'values changed':<28}{sum(tally.changes.values()):>7}  to fit the destination:\n"
        )
        for kind, count in sorted(tally.changes.items()):
            out.write(f"    {count:>5}  {kind}\n")


def _print_result(result: ExportResult) -> None:
    where = _where(result.target_kind, result.target_id)
    if result.details.get("schema_created"):
        sys.stdout.write(f"created table lightfast_workspace_neural_observations in {where}\n")
    if result.written == 0:
        sys.stdout.write(
            f"nothing new: 0 observations {_verb(result.target_kind, 1)} to {where}; "
            f"{result.skipped} skipped ({result.skip_reason})\n"
        )
        _print_tally(sys.stdout, result.tally)
        return
    sys.stdout.write(
        f"{_verb(result.target_kind, 2)} {plural(result.written, 'observation')} of workspace "
        f"{clean(result.workspace)} to {where} in {plural(result.batches, 'batch', 'batches')}; "
        f"{result.skipped} skipped ({result.skip_reason})\n"
    )
    _print_tally(sys.stdout, result.tally)
    if result.simulated:  # only with --include-simulated: without it the apply was refused
        sys.stdout.write(
            f"note: {result.simulated} of the observations to export came from the built-in "
            "simulator (simulated runs), not from the providers; they went too, as "
            "--include-simulated asked\n"
        )
