"""``backfill-tui trigger``: ask production to run its own backfills, for one workspace or many.

Sends ``apps-console/backfill.requested`` events (one per integration) to Inngest's event API,
where production's backfill orchestrator picks them up; the core is
:mod:`backfill_tui.export.trigger` (imported lazily). One integration comes from the flags, many
from ``--file`` (CSV with a header row, or JSON lines). A dry run unless ``--apply``: it prints
what would be sent, how many, a sample event and the rows refused (line numbers and why).

Exit statuses: 0 when every row was sent or had been sent before; 1 when a row was refused (the
others were sent) or a batch failed for good; 2 when the file cannot be read or the flags are
bad (one line, nothing sent). A dry run predicts the apply: rows it refuses end it with the
apply's last line, in the conditional, and exit 1 (it exited 0 whatever it refused: a fresh
tester's finding).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from ..secrets_registry import redact
from ..terms import plural, were
from ..textsafe import clean
from .options import EXIT_INCOMPLETE, EXIT_OK, add_apply_options, add_db_option, db_path, url_arg

if TYPE_CHECKING:
    from ..engine.trigger import EventApi, SendNotice, TriggerPlan, TriggerResult

EVENT_KEY_ENV = "INNGEST_EVENT_KEY"  # as `export inngest` takes it

#: How a refusal names a field when the row came from the flags.
FLAG_NAMES = {
    "integrationId": "--integration",
    "workspaceId": "--workspace",
    "clerkOrgId": "--org",
    "provider": "--provider",
    "userSourceId": "--user-source",
    "depth": "--depth",
    "entityTypes": "--entity-types",
    "requestedBy": "--requested-by",
}

ROW_FLAGS = {
    "integrationId": ("ID", "one integration: its workspace integration id"),
    "workspaceId": ("ID", "its Lightfast workspace id"),
    "clerkOrgId": ("ID", "its Clerk org id"),
    "provider": ("NAME", "github or vercel (production has no other backfill connector)"),
    "userSourceId": ("ID", "the user source whose token production uses"),
    "depth": ("7|30|90", "days of history (default 30, as production's auto-trigger)"),
    "entityTypes": ("LIST", "e.g. 'pull_request;issue' (default: all of the provider's)"),
    "requestedBy": ("ID", "who asks (default backfill-tui)"),
}


def register(sub: Any) -> None:
    trigger = sub.add_parser(
        "trigger",
        help="ask production to run its own backfills (dry run unless --apply)",
        description="Send apps-console/backfill.requested events to Inngest, one per "
        "integration, for production's backfill orchestrator: one from the flags or many from "
        "--file (CSV with a header row, or JSON lines). Event ids come from (integration, "
        "depth, entity types, UTC day), so a repeat the same day is dropped by Inngest; ids "
        "already sent (recorded in the mirror) are skipped. Without --apply nothing is sent.",
    )
    trigger.add_argument(
        "--file",
        type=Path,
        metavar="PATH",
        help="rows with integrationId, workspaceId, clerkOrgId, provider, userSourceId, depth, "
        "entityTypes (';' or spaces between), requestedBy",
    )
    for name, flag in FLAG_NAMES.items():
        metavar, helptext = ROW_FLAGS[name]
        trigger.add_argument(flag, dest=name, metavar=metavar, default=None, help=helptext)
    trigger.add_argument(
        "--event-key",
        metavar="KEY",
        default=None,
        help=f"the Inngest event key (default: ${EVENT_KEY_ENV}); it is never printed",
    )
    trigger.add_argument(
        "--url",
        metavar="BASE",
        type=url_arg,
        default=None,
        help="the event API base URL, without /e/KEY (default https://inn.gs; a dev server: "
        "http://127.0.0.1:8288)",
    )
    trigger.add_argument(
        "--resend",
        action="store_true",
        help="also send ids the mirror says were sent (Inngest drops them within 24 h)",
    )
    add_apply_options(trigger, "send")
    trigger.add_argument("--json", action="store_true", help="print the plan or result as JSON")
    add_db_option(trigger)
    trigger.set_defaults(handler=cmd_trigger)


def _flag_fields(args: argparse.Namespace) -> dict[str, Any] | None:
    """The row the flags give, or None when no row flag was given."""
    fields = {name: getattr(args, name, None) for name in FLAG_NAMES}
    if all(value is None for value in fields.values()):
        return None
    return fields


def cmd_trigger(args: argparse.Namespace) -> int:
    from ..engine.trigger import (
        DEFAULT_BASE_URL,
        EventApi,
        Refusal,
        check_row,
        endpoint,
        plan_trigger,
        read_rows,
    )

    flags = _flag_fields(args)
    if args.file is not None and flags is not None:
        raise UsageError("give --file or the flags of one integration, not both")
    if args.file is None and flags is None:
        raise UsageError(
            "nothing to trigger; give --file PATH, or --integration, --workspace, --org, "
            "--provider and --user-source for one integration"
        )
    base_url = args.url or DEFAULT_BASE_URL
    key = args.event_key or os.environ.get(EVENT_KEY_ENV)
    if args.apply and not key:
        raise UsageError(f"no Inngest event key; pass --event-key KEY or set {EVENT_KEY_ENV}")
    api: EventApi | None = None
    if key:
        api = EventApi(key, base_url=base_url, user_agent="backfill-tui trigger")
        host, target = api.host, api.ledger_id
    else:  # a dry run without a key cannot tell what went with which key: none is matched
        host = target = endpoint(base_url)[0]
    if flags is not None:
        checked = check_row(0, flags, FLAG_NAMES)
        if isinstance(checked, Refusal):
            raise UsageError(checked.reason)
        rows: list[Any] = [checked]
    else:
        raw, unreadable = read_rows(args.file)
        rows = [check_row(line, fields) for line, fields in raw] + unreadable
    plan = plan_trigger(rows, host, db_path(args), resend=args.resend, target=target)
    if not args.apply:
        if args.json:
            sys.stdout.write(json.dumps(plan.to_dict(), indent=2) + "\n")
        else:
            _print_plan(plan)
        if plan.refused:  # as the apply would end (Inngest's own refusals it cannot foresee)
            sys.stderr.write(_refused_line(len(plan.refused), plan, None))
            return EXIT_INCOMPLETE
        return EXIT_OK
    assert api is not None
    return _apply(args, plan, api)


def _apply(args: argparse.Namespace, plan: TriggerPlan, api: EventApi) -> int:
    from ..engine.trigger import apply_trigger
    from .signals import on_quit, stopped_by

    on_quit("trigger again to send the rest")  # a third Ctrl-C skips the line below
    with _Progress(len(plan.to_send)) as progress:
        api.on_retry = progress.retrying
        try:
            result = apply_trigger(plan, api, db_path(args), progress=progress)
        except KeyboardInterrupt:
            sys.stderr.write(
                f"cancelled{stopped_by()}: {plural(progress.sent, 'event')} "
                f"{were(progress.sent)} sent and recorded; trigger again to send the rest\n"
            )
            return EXIT_INCOMPLETE
    if args.json:
        sys.stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
    else:
        _print_result(result)
    if result.failed is not None:
        sys.stderr.write(f"backfill-tui: trigger failed: {redact(result.failed)}\n")
        return EXIT_INCOMPLETE
    if not result.complete:
        refused = len(plan.refused) + len(result.refused_by_api)
        sys.stderr.write(_refused_line(refused, plan, result.sent))
        return EXIT_INCOMPLETE
    return EXIT_OK


def _refused_line(refused: int, plan: TriggerPlan, sent: int | None) -> str:
    """The last line when ``refused`` rows were not sent: after ``--apply`` (``sent`` events
    went), or of a dry run (``sent`` None), which says what the apply would.
    "the others were sent" when none was sent read as a claim, and "nothing was sent" when the
    others went in an earlier trigger as if they never had (fresh testers' findings)."""
    if sent is None:
        if plan.to_send:
            rest = "the others would be sent with --apply"
        else:
            rest = "nothing new would be sent" if plan.skipped else "nothing would be sent"
    elif sent:
        rest = "the others were sent"
    else:
        rest = "nothing new was sent" if plan.skipped else "nothing was sent"
    if plan.skipped:
        rest += f"; {plural(plan.skipped, 'event')} {were(plan.skipped)} sent by an earlier trigger"
    return f"backfill-tui: {plural(refused, 'row')} refused, {rest}; the reasons are listed above\n"


class _Progress:
    """A bar on stderr when it is a terminal (Rich), else one plain line per batch."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.sent = 0
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> _Progress:
        if sys.stderr.isatty() and self.total:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self._bar = Progress(
                TextColumn("sending"),
                BarColumn(),
                MofNCompleteColumn(),
                console=Console(file=sys.stderr),
                transient=True,
            )
            self._bar.__enter__()
            self._task = self._bar.add_task("trigger", total=self.total)
        return self

    def __call__(self, step: Any) -> None:
        self.sent = step.sent
        if self._bar is not None:
            self._bar.update(self._task, completed=step.sent)
        else:
            sys.stderr.write(f"sent {step.sent} of {step.total}\n")

    def retrying(self, notice: SendNotice) -> None:
        """A batch about to be tried again, or a request with no answer yet: one line (above
        the bar), so a wait of minutes for a server that asks for them, or a server that says
        nothing, is not silence."""
        if self._bar is not None:
            self._bar.console.print(notice.line(), markup=False, highlight=False)
        else:
            sys.stderr.write(notice.line() + "\n")

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)


def _already_line(plan: TriggerPlan) -> str | None:
    """``N of M were sent on DATE: ...`` when the ledger knows some of the plan's ids."""
    if not plan.already:
        return None
    days = sorted({at[:10] for at in plan.already.values()})
    on = days[0] if len(days) == 1 else f"{days[0]} to {days[-1]}"
    count, total = len(plan.already), len(plan.events)
    line = (
        f"{count} of {total} {were(count)} sent on {on}: Inngest drops a repeated id within 24 h; "
        "production would not run them twice"
    )
    if plan.resend:
        return f"{line} (--resend: sending them again anyway)"
    return f"{line}; skipped (--resend sends them again)"


def _print_refused(out: Any, plan: TriggerPlan) -> None:
    if plan.refused:
        out.write(f"  {'refused':<24}{len(plan.refused):>7}  not sent:\n")
        for refusal in plan.refused:
            where = f"line {refusal.line}" if refusal.line else "flags"
            out.write(f"    {where}: {clean(refusal.reason)}\n")


def _print_plan(plan: TriggerPlan) -> None:
    # Written at once (the other commands' way): `| head -1` leaves after a complete write
    # and the command exits 0, not 141 from a pipe closed between two lines.
    out = io.StringIO()
    _write_plan(out, plan)
    sys.stdout.write(out.getvalue())


def _write_plan(out: Any, plan: TriggerPlan) -> None:
    out.write(f"dry run: apps-console/backfill.requested to Inngest at {plan.host} ({plan.day})\n")
    out.write(f"  {'rows':<24}{plan.rows:>7}\n")
    batches = len(plan.batch_sizes)
    in_batches = f"  in {plural(batches, 'batch', 'batches')}" if batches else ""
    out.write(f"  {'would send':<24}{len(plan.to_send):>7}{in_batches}\n")
    if plan.skipped:
        out.write(f"  {'already sent':<24}{plan.skipped:>7}  skipped\n")
    if plan.duplicates:
        out.write(f"  {'duplicates in file':<24}{len(plan.duplicates):>7}  one event each:\n")
        for line, first in plan.duplicates[:5]:
            out.write(f"    line {line} repeats line {first}\n")
    _print_refused(out, plan)
    already = _already_line(plan)
    if already:
        out.write(f"  {already}\n")
    sample = plan.sample()
    if sample:
        out.write("  sample event:\n")
        text = json.dumps(sample[0], indent=2, ensure_ascii=False)
        out.write("".join(f"    {clean(line)}\n" for line in text.splitlines()))
    if plan.to_send:
        out.write("nothing was sent; add --apply to send\n")
    else:
        out.write("nothing to send; nothing was sent\n")


def _print_result(result: TriggerResult) -> None:
    out = io.StringIO()  # written at once, as _print_plan's
    _write_result(out, result)
    sys.stdout.write(out.getvalue())


def _write_result(out: Any, result: TriggerResult) -> None:
    plan = result.plan
    out.write(
        f"sent {plural(result.sent, 'event')} to Inngest at {plan.host} in "
        f"{plural(result.batches, 'batch', 'batches')}; already sent {plan.skipped}, "
        f"duplicates in file {len(plan.duplicates)}, refused "
        f"{len(plan.refused) + len(result.refused_by_api)}\n"
    )
    already = _already_line(plan)
    if already:
        out.write(f"  {already}\n")
    _print_refused(out, plan)
    for event_id, reason in result.refused_by_api:
        out.write(f"    {event_id}: {clean(reason)}\n")
