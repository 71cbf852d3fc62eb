"""The headless face: ``backfill-tui run | runs | resume | auth``.

Progress goes to stderr, the summary to stdout (``--json`` for scripts). Exit status: 0 every
stream completed; 1 the run ended but a stream failed or was cancelled; 2 bad usage or bad
input, with one line saying what and how to mend it (interfaces.md §4).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..connectors import CATALOG
from ..engine.outputs import check_output, in_use, sniff
from ..errors import BackfillError, UsageError
from ..secrets_registry import RedactingFilter, redact
from ..terms import APP, DEFAULT_DEPTH, DEFAULT_MAX_ITEMS, log_path, suggest
from .options import (
    EXIT_BAD_INPUT,
    EXIT_INCOMPLETE,
    EXIT_OK,
    Parser,
    add_db_option,
    db_path,
    open_mirror,
    run_id_arg,
)

if TYPE_CHECKING:
    from ..engine.environment import Environment
    from ..engine.run import Engine
    from ..recording import Recorder
    from ..store import Mirror, RunRecord
    from .signals import Stop

# Start-up (issue 13): this module and every COMMAND_MODULES module import only what parsing
# needs; a command's handler imports the engine, store, HTTP layer, Rich or Textual it uses.
# tests/test_startup_imports.py checks which heavy packages --help and a run load.

#: The exit status when stdout's reader went away (``| head``): 128 + SIGPIPE, as a shell shows.
EXIT_STDOUT_CLOSED = 141

COMMAND_MODULES: tuple[str, ...] = (
    "backfill_tui.cli.auth",
    "backfill_tui.cli.replay",
    "backfill_tui.cli.diff",
    "backfill_tui.cli.report",
    "backfill_tui.cli.export",
    "backfill_tui.cli.trigger",
    "backfill_tui.cli.app",
)


def _days(text: str) -> int:
    from ..engine.run import validate_depth

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not 7, 30 or 90") from None
    try:
        return validate_depth(value)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(
            str(exc).replace(f"--days {value} ", f"{value} ")
        ) from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def build_parser() -> Parser:
    parser = Parser(
        prog=APP,
        description=(
            "Preview a Lightfast connector backfill in a local SQLite mirror. With no command, "
            "opens the terminal UI."
        ),
    )
    parser.add_argument("--version", action="version", version=f"{APP} {__version__}")
    add_db_option(parser)  # for the terminal app, opened when no command is given
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    run = sub.add_parser(
        "run",
        help="backfill sources into the mirror, headless",
        description="Backfill one or more sources into the local mirror.",
    )
    run.add_argument(
        "sources",
        nargs="+",
        metavar="SOURCE",
        help="; ".join(entry.target_help for entry in CATALOG.values()),
    )
    run.add_argument("--workspace", required=True, metavar="ID", help="the Lightfast workspace id")
    run.add_argument(
        "--days",
        type=_days,
        default=DEFAULT_DEPTH,
        metavar="7|30|90",
        help="how far back to go (default 30)",
    )
    run.add_argument(
        "--entities",
        metavar="LIST",
        help="comma-separated entities, e.g. pull_request,issue (default: all)",
    )
    run.add_argument(
        "--max-items",
        type=_positive,
        default=DEFAULT_MAX_ITEMS,
        metavar="N",
        help=f"cap per stream (default {DEFAULT_MAX_ITEMS})",
    )
    run.add_argument("--json", action="store_true", help="print the run summary as JSON on stdout")
    run.add_argument(
        "--simulate",
        action="store_true",
        help="run against the built-in simulator (no account, no token, no network)",
    )
    run.add_argument("--quiet", action="store_true", help="no progress display on stderr")
    run.add_argument(
        "--record",
        type=Path,
        metavar="FILE",
        help="also write every HTTP exchange, credentials removed, to FILE (see `replay`)",
    )
    add_db_option(run)
    run.set_defaults(handler=cmd_run)

    runs = sub.add_parser(
        "runs", help="list past runs", description="List past runs, newest first."
    )
    runs.add_argument("--json", action="store_true", help="print the list as JSON")
    runs.add_argument(
        "--limit", type=_positive, default=20, metavar="N", help="how many (default 20)"
    )
    add_db_option(runs)
    runs.set_defaults(handler=cmd_runs)

    resume = sub.add_parser(
        "resume",
        help="finish an interrupted or failed run",
        description="Continue every unfinished stream of a run from its checkpoint.",
    )
    resume.add_argument(
        "run_id",
        metavar="RUN_ID",
        type=run_id_arg,
        help="the run to continue (see `backfill-tui runs`)",
    )
    resume.add_argument(
        "--json", action="store_true", help="print the run summary as JSON on stdout"
    )
    resume.add_argument("--quiet", action="store_true", help="no progress display on stderr")
    add_db_option(resume)
    resume.set_defaults(handler=cmd_resume)

    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


class PrivateLogHandler(logging.FileHandler):
    """The log file, appended to, created (or narrowed to) mode 0600 like the mirror."""

    def _open(self) -> Any:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.fchmod(fd, 0o600)
        return os.fdopen(fd, "a", encoding=self.encoding, errors=self.errors)


def setup_logging() -> None:
    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if sniff(path) is not None:  # never append log lines to a database or recording
            raise OSError(f"{path} is not a log file")
        handler: logging.Handler = PrivateLogHandler(path, encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger("backfill_tui")
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    root.propagate = False


def check_side_outputs(environment: Environment, db: Path) -> None:
    """Refuse the simulator's ``request_log`` if it would append to the mirror, a database or a
    recording (``outputs.check_output``); raises :class:`UsageError`."""
    simulator = environment.simulator
    if simulator is not None and simulator.config.request_log is not None:
        check_output(
            simulator.config.request_log, option="BACKFILL_SIM request_log", protected=in_use(db)
        )


def _entities(text: str | None) -> frozenset[str] | None:
    if text is None:
        return None
    names = frozenset(part.strip() for part in text.split(",") if part.strip())
    if not names:
        raise UsageError(
            "--entities is empty; give a comma-separated list such as pull_request,issue"
        )
    return names


async def _execute(engine: Engine, run_id: str, stop: Stop) -> str:
    import asyncio

    from .signals import cancel_on_signals

    with cancel_on_signals(stop):  # SIGINT/SIGTERM cancel the run: streams marked, data kept
        try:
            return await engine.run(run_id)
        except asyncio.CancelledError:
            return "cancelled"


def _db_flag(args: argparse.Namespace) -> str:
    """`` --db PATH`` when the command was given a mirror other than the default, else ``""``."""
    from ..terms import db_flag

    return db_flag(getattr(args, "db", None))


def _demo_mirror_hint(args: argparse.Namespace, run_ref: str | None = None) -> str:
    """Where `backfill-tui demo` keeps its runs, when the default mirror was read and the demo
    one exists (``run_ref``: say so only if that run is there). ``""`` when nothing to say."""
    if getattr(args, "db", None):
        return ""
    from ..terms import db_flag
    from .app import default_demo_db

    demo = default_demo_db()
    if not demo.is_file():
        return ""
    if run_ref is None:
        return f"runs made by `{APP} demo` are in {demo}: add{db_flag(demo)}"
    import sqlite3

    from ..store.browse import unique_run_id

    try:
        conn = sqlite3.connect(f"file:{demo}?mode=ro", uri=True)
        try:
            found = unique_run_id(conn, run_ref)
        finally:
            conn.close()
    except sqlite3.Error:
        return ""
    if found is None:
        return ""
    return f"run {found} was made by `{APP} demo`: `{suggest(f'resume {found}', demo)}`"


def _drive(
    engine: Engine,
    mirror: Mirror,
    run_id: str,
    *,
    as_json: bool,
    quiet: bool,
    db_flag: str = "",
) -> int:
    """Run ``run_id`` with the headless display; the summary on stdout, and on stderr how to
    resume it if it did not complete (``db_flag``: `` --db PATH`` for a non-default mirror)."""
    import asyncio
    import json

    from rich.console import Console

    from ..engine.summary import BudgetLog, run_summary
    from ..errors import MirrorError, StorageError
    from .display import HeadlessDisplay, print_summary
    from .signals import stop_on_signals

    stopped: BackfillError | None = None
    with (
        HeadlessDisplay(
            sys.stderr, quiet=quiet or (as_json and not sys.stderr.isatty())
        ) as display,
        stop_on_signals() as stop,
    ):
        engine.subscribe(display)
        budgets = BudgetLog()  # Linear's two budgets, for the summary's rate_limit_budgets
        engine.subscribe(budgets)
        try:
            asyncio.run(_execute(engine, run_id, stop))
        except KeyboardInterrupt:
            stop.signal_name = stop.signal_name or "SIGINT"
        except (StorageError, MirrorError) as exc:  # the mirror refused a write mid-run
            stopped = exc
    run = mirror.get_run(run_id)
    assert run is not None
    summary = budgets.annotate(run_summary(mirror, run))
    if engine.token_pools:  # several tokens: calls and quota per token, by fingerprint
        summary["tokens"] = {src: pool.summary() for src, pool in engine.token_pools.items()}
        for src, pool in engine.token_pools.items():
            for token in pool.tokens:
                if token.dropped:
                    sys.stderr.write(
                        f"note: {src}: token {token.fingerprint} was rejected (401) and dropped; "
                        "the run went on with the others\n"
                    )
    if as_json:
        sys.stdout.write(json.dumps(summary, indent=2) + "\n")
    else:
        print_summary(Console(file=sys.stdout, highlight=False, soft_wrap=True), summary)
    resume = f"{APP} resume {run.id}{db_flag}"
    if stopped is not None:  # the summary above, then the one line: what, what was kept, how on
        line = _stopped_line(stopped, mirror.count_run_observations(run_id), mirror, resume)
        sys.stderr.write(f"{APP}: error: {redact(line)}\n")
        return EXIT_BAD_INPUT
    if stop.signal_name is not None:  # Ctrl-C or SIGTERM: the last line says how to go on
        sys.stderr.write(
            f"cancelled ({stop.signal_name}): what was stored is kept; to continue it: {resume}\n"
        )
    elif run.status != "completed":  # a failed or cancelled stream
        sys.stderr.write(
            f"run {run.id} {run.status}; what was stored is kept. To continue it: {resume}\n"
        )
    return EXIT_OK if run.status == "completed" else EXIT_INCOMPLETE


def _stopped_line(exc: BackfillError, kept: int, mirror: Mirror, resume: str) -> str:
    """A run the mirror stopped: what happened, how many observations were kept, how to go on
    (``resume``: the command that continues it)."""
    from ..errors import DiskFull

    if isinstance(exc, DiskFull):
        return f"disk full: {kept} observations kept in {mirror.path}; free space and `{resume}`"
    return f"{exc} ({kept} observations kept; then `{resume}`)"


def cmd_run(args: argparse.Namespace) -> int:
    from ..engine.environment import Environment, without_token
    from ..engine.run import Engine, RunRequest, SourceSpec, validate_workspace

    request = RunRequest(
        workspace=validate_workspace(args.workspace),  # before any file is made
        sources=tuple(SourceSpec.parse(s) for s in args.sources),
        depth=args.days,
        entities=_entities(args.entities),
        max_items=args.max_items,
    )
    environment = Environment.create(simulate=args.simulate)
    check_side_outputs(environment, db_path(args))
    recorder: Recorder | None = None
    if args.record:
        from ..recording import Recorder

        recorder = Recorder(args.record, protected=in_use(db_path(args)))
    mirror = open_mirror(args)
    try:
        engine = Engine(mirror, environment)
        sim_text = without_token(environment.env.get("BACKFILL_SIM", "")) if args.simulate else None
        run = engine.plan(request, simulator_text=sim_text)
        flag = _db_flag(args)
        if recorder is None:
            return _drive(engine, mirror, run.id, as_json=args.json, quiet=args.quiet, db_flag=flag)
        with recorder.recording(environment, run):
            return _drive(engine, mirror, run.id, as_json=args.json, quiet=args.quiet, db_flag=flag)
    finally:
        mirror.close()


def cmd_resume(args: argparse.Namespace) -> int:
    from ..engine.environment import Environment
    from ..engine.run import Engine, resume_environment

    # Look the run up read-only first: a wrong id or path is said as such, and creates nothing.
    from ..errors import MirrorMissing

    try:
        lookup = open_mirror(args, readonly=True)
    except MirrorMissing:
        hint = _demo_mirror_hint(args, args.run_id)  # a run the demo made, in its own mirror
        if hint:
            raise UsageError(hint) from None
        raise
    try:
        _resumable(lookup, args)
    finally:
        lookup.close()
    mirror = open_mirror(args, create=False)
    try:
        run = _resumable(mirror, args)
        env_text = Environment.create(simulate=False).env.get("BACKFILL_SIM")
        # As it was made: a replayed run from its recording, a simulated one on the simulator.
        environment, replay = resume_environment(run, mirror.path, simulator_text=env_text)
        try:
            check_side_outputs(environment, mirror.path)
            engine = Engine(mirror, environment)
            return _drive(
                engine, mirror, run.id, as_json=args.json, quiet=args.quiet, db_flag=_db_flag(args)
            )
        finally:
            if replay is not None:
                replay.close()
    finally:
        mirror.close()


def _resumable(mirror: Mirror, args: argparse.Namespace) -> RunRecord:
    """The run ``resume`` may continue, or a :class:`UsageError` saying why not."""
    run = mirror.get_run(args.run_id)
    if run is None:
        raise UsageError(
            _demo_mirror_hint(args, args.run_id)
            or f"no run {args.run_id} in {mirror.path}; `{suggest('runs', mirror.path)}` lists them"
        )
    if run.status == "completed":
        raise UsageError(
            f"run {run.id} already completed; start a new one with "
            f"`{suggest('run SOURCE... --workspace ID', mirror.path)}`"
        )
    if run.status == "running" and mirror.run_is_live(run):
        raise UsageError(
            f"run {run.id} is still running (process {run.pid}); wait for it or stop it first"
        )
    return run


def cmd_runs(args: argparse.Namespace) -> int:
    import json

    mirror = open_mirror(args, readonly=True)
    try:
        runs = mirror.list_runs(args.limit)
        rows: list[dict[str, Any]] = []
        for run in runs:
            status = run.status
            if status == "running" and not mirror.run_is_live(run):
                status = "interrupted"
            streams = mirror.streams(run.id)
            rows.append(
                {
                    "run_id": run.id,
                    "workspace": run.workspace,
                    "sources": run.sources,
                    "depth_days": run.depth_days,
                    "status": status,
                    "started_at": run.started_at,
                    "finished_at": run.finished_at,
                    "new": sum(s.new for s in streams),
                    "duplicates": sum(s.duplicates for s in streams),
                    "failed": sum(s.failed for s in streams),
                    "simulated": run.simulate,
                    "replay_of": run.recording,
                }
            )
        if args.json:
            sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        elif not rows:
            sys.stdout.write(f"no runs yet in {mirror.path}\n")
        else:
            total = mirror.count_runs()
            if total > len(rows):
                sys.stdout.write(f"newest {len(rows)} of {total} runs (--limit N for more)\n")
            for r in rows:
                sim = " (simulated)" if r["simulated"] else ""
                if r["replay_of"]:  # a replay answered from a file, not the live API
                    sim += f" (replay of {Path(r['replay_of']).name})"
                sys.stdout.write(
                    f"{r['run_id']}  {r['status']:<11} {r['workspace']:<12} {r['depth_days']:>2}d  "
                    f"new {r['new']:>6}  dup {r['duplicates']:>6}  {' '.join(r['sources'])}{sim}\n"
                )
        hint = "" if args.json else _demo_mirror_hint(args)
        if hint:
            sys.stderr.write(f"note: {hint}\n")
        return EXIT_OK
    finally:
        mirror.close()


def _cmd_demo() -> Any:
    from .app import cmd_demo

    return cmd_demo


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; returns the exit status. A reader that went away (``| head``) ends the
    command quietly with 141, as a shell reports a pipeline stopped by SIGPIPE."""
    try:
        return _main(argv)
    except BrokenPipeError:
        return _stdout_closed()


def _stdout_closed() -> int:
    """stdout's reader closed the pipe: point stdout at devnull so the flush at exit does not
    raise again (Python docs, "Note on SIGPIPE"), and exit 128 + SIGPIPE with no message."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout replaced by something without a descriptor
        pass
    return EXIT_STDOUT_CLOSED


def _main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from .app import cmd_app

    if args.command is None:  # no command: the terminal app
        args.handler = cmd_app
    setup_logging()
    from .signals import stop_on_signals

    # SIGTERM stops a long operation as Ctrl-C does (signals.py); the terminal app keeps its own.
    stopping = nullcontext() if args.handler in (cmd_app, _cmd_demo()) else stop_on_signals()
    try:
        with stopping:
            return int(args.handler(args))
    except BrokenPipeError:
        raise  # stdout's reader went away: main() ends quietly
    except KeyboardInterrupt:  # stopped outside a run's own handling: nothing half-written
        sys.stderr.write(f"{APP}: cancelled; nothing more was written\n")
        return EXIT_INCOMPLETE
    except BackfillError as exc:
        sys.stderr.write(f"{APP}: error: {redact(str(exc))}\n")
        return EXIT_BAD_INPUT
    except Exception as exc:
        explained = _explain(exc, args)  # an OS or SQLite refusal the user can mend?
        if explained is not None:
            logging.getLogger("backfill_tui").warning("%s", explained, exc_info=True)
            sys.stderr.write(f"{APP}: error: {redact(str(explained))}\n")
            return EXIT_BAD_INPUT
        # a bug: one line for the user, the traceback in the log
        logging.getLogger("backfill_tui").error("internal error", exc_info=exc)
        sys.stderr.write(f"{APP}: internal error ({type(exc).__name__}); details in {log_path()}\n")
        return EXIT_INCOMPLETE


def _explain(exc: Exception, args: argparse.Namespace) -> BackfillError | None:
    """The user's line for an OS or SQLite refusal that reached the top (errors.py's table,
    store/failures.py for SQLite's result codes), or ``None`` for anything else."""
    import sqlite3

    from ..errors import storage_error

    if isinstance(exc, sqlite3.Error):
        from ..store.failures import translate

        return translate(exc, db_path(args))
    if isinstance(exc, OSError):
        return storage_error(exc)
    return None


if __name__ == "__main__":
    raise SystemExit(main())
