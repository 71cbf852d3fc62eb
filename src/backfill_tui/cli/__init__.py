"""The headless face: ``backfill-tui run | runs | resume | replay | diff | report | export | auth |
trigger | verify`` and the terminal app's entry points (``backfill-tui`` alone, ``demo``).

Each command is its own module registered in :data:`COMMANDS` (a static list: ``--help`` imports
them all, and each imports only what parsing needs; a handler imports the engine, Rich or
Textual it uses: tests/test_startup_imports.py checks). Progress goes to stderr, the summary to
stdout (``--json`` for scripts). Exit status (errors.py, interfaces.md §4): 0 every stream
completed; 1 the run ended but a stream failed or was cancelled; 2 bad usage or bad input, with
one line saying what and how to mend it; 70 an internal error (a bug), one line pointing at the
log, which holds the traceback; 141 stdout's reader went away.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path
from types import ModuleType
from typing import Any

from .. import __version__
from ..errors import (
    EXIT_INCOMPLETE,
    EXIT_INTERRUPTED,
    INTERRUPTED_AT_START,
    BackfillError,
    user_path,
)
from ..terms import APP
from ..textsafe import escaped
from . import app, auth, diff, export, replay, report, resume, run, runs, trigger, verify
from .logfile import report_crash, setup_logging
from .options import Parser, add_db_option, db_path, error_line, upgrades_said

__all__ = ["COMMANDS", "EXIT_STDOUT_CLOSED", "build_parser", "entry", "main", "setup_logging"]

#: The exit status when stdout's reader went away (``| head``): 128 + SIGPIPE, as a shell shows.
EXIT_STDOUT_CLOSED = 141

#: Every command's module, in the order ``--help`` lists them; each has ``register(subparsers)``.
COMMANDS: tuple[ModuleType, ...] = (
    run, runs, resume, auth, replay, diff, report, export, trigger, verify, app
)  # fmt: skip


def build_parser() -> Parser:
    parser = Parser(
        prog=APP,
        description=(
            "Preview a Lightfast connector backfill in a local SQLite mirror. With no command, "
            "opens the terminal UI."
        ),
    )
    parser.add_argument("--version", action="version", version=f"{APP} {__version__}")
    add_db_option(parser, "db_before")  # the app's (no command), or before the command
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for command in COMMANDS:
        command.register(sub)
    return parser


def entry() -> None:
    """The ``backfill-tui`` program (console script and ``python -m backfill_tui``): runs
    :func:`main` and exits with its status. Once it has returned, its last line is out: a stop
    signal arriving before the interpreter is gone is ignored rather than killing the process
    by signal (a status the command did not print; a tester's finding)."""
    import signal

    code = main()
    from .signals import STOP_SIGNALS  # after: a Ctrl-C as it loads is main's to report

    for sig in STOP_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)
    raise SystemExit(code)


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; returns the exit status. A reader that went away (``| head``) ends the
    command quietly with 141, as a shell reports a pipeline stopped by SIGPIPE; a Ctrl-C
    before the command started (while its arguments are read) with one line and 130."""
    try:
        return _main(argv)
    except BrokenPipeError:
        return _stdout_closed()
    except KeyboardInterrupt:  # before the command started (parsing, the log): nothing done
        sys.stderr.write(INTERRUPTED_AT_START)
        return EXIT_INTERRUPTED


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
    # The environment's tokens are masked and refused as names from the first line on: only
    # `run` (its Environment) registered them, and `replay`, `report --output`, `runs --db`
    # and their error lines took or repeated a prefix-less VERCEL_TOKEN (a tester's finding).
    from ..engine.catalog import CATALOG
    from ..secrets_registry import register_variables

    register_variables(os.environ, (entry.token_env for entry in CATALOG.values()))
    parser = build_parser()
    args = parser.parse_args(argv)
    before = vars(args).pop("db_before", None)
    if before is not None:  # `--db A run ... --db B`: the second silently won (a tester's finding)
        if getattr(args, "db", before) != before:
            parser.error(
                f"--db is given twice ({before} before the command, {args.db} after it); "
                "give it once"
            )
        args.db = before
    if args.command is None:  # no command: the terminal app
        args.handler = app.cmd_app
    setup_logging()
    from .signals import Stop, stop_on_signals

    # SIGTERM stops a long operation as Ctrl-C does (signals.py); the terminal app keeps its own.
    in_app = args.handler in (app.cmd_app, app.cmd_demo)
    stopping: Any = nullcontext() if in_app else stop_on_signals()
    stop: Stop | None = None
    mirror = _mirror_path(args)
    existed = mirror is None or _exists(mirror)
    upgrades_said(quiet=True)  # an earlier open in this process (a test's) is not this command's
    try:
        with stopping as stop:
            if "--db" in parser._command_parser(args)._option_string_actions:  # not `auth`'s
                check_db_folder(getattr(args, "db", None))  # before anything opens or makes it
            return int(args.handler(args))
    except BrokenPipeError:
        raise  # stdout's reader went away: main() ends quietly
    except KeyboardInterrupt:  # stopped outside a run's own handling: nothing half-written
        if stop is None or not stop.begun:  # no run stored yet (a report loading)
            # as a Ctrl-C while starting (a tester's finding: "cancelled", 1, for a read-only
            # `report`), saying what this start made, if anything
            sys.stderr.write(_interrupted_at_start(mirror, existed))
            return EXIT_INTERRUPTED
        how = f" ({stop.signal_name})" if stop.signal_name else ""
        # a run planned and not yet driven: the one line still says how to go on (a fresh
        # tester's finding: a SIGTERM 0.36 s in left no run id and no resume command)
        then = f"; {stop.then}" if stop.then else ""
        sys.stderr.write(f"{APP}: cancelled{how}; nothing more was written{then}\n")
        return EXIT_INCOMPLETE
    except BackfillError as exc:
        sys.stderr.write(error_line(str(exc)))
        return exc.exit_status
    except Exception as exc:
        explained = _explain(exc, args)  # an OS or SQLite refusal the user can mend?
        if explained is not None:
            logging.getLogger("backfill_tui").warning("%s", explained, exc_info=True)
            sys.stderr.write(error_line(str(explained)))
            return explained.exit_status
        return report_crash(exc)  # a bug: one line for the user, the traceback in the log
    finally:
        upgrades_said()  # what the command opened beside open_mirror (diff's files, the app's)


def check_db_folder(given: Path | None) -> None:
    """Refuse a ``--db`` the user gave (``given``; None: the default mirror, whose folders are
    made; also when spelled out) whose folder does not exist: ``--db /nonexist/dir/m.db``, a mistyped folder, made
    the folders and a new empty mirror in silence (a fresh tester's finding). Raises
    :class:`UsageError` (exit 2) naming the missing folder, before anything is made. A path
    whose nearest existing part is a file, or one the file system refuses to look into, is
    left to ``store.failures.diagnose``, which says those."""
    import shlex

    from ..errors import UsageError
    from ..terms import default_db, default_demo_db

    if given is None:
        return
    path = user_path(given).absolute()
    if path in (default_db(), default_demo_db()):  # the default, spelled out: made as it is
        return
    try:
        if path.parent.exists():
            return
        nearest = next(p for p in path.parents if p.exists())
        if not nearest.is_dir():
            return
    except (OSError, ValueError):
        return
    folder = escaped(str(path.parent))
    raise UsageError(
        f"--db {escaped(str(given))}: the folder {folder} does not exist, so no mirror was "
        f"made there; create it (mkdir -p {escaped(shlex.quote(str(path.parent)))}) or "
        "correct the path"
    )


def _mirror_path(args: argparse.Namespace) -> Path | None:
    """The mirror file the command names (``--db`` or the default), as the store reads it
    (``~`` expanded); None when it cannot be read as a path (the command says why)."""
    try:
        return user_path(db_path(args))
    except (BackfillError, OSError, ValueError):
        return None


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def _interrupted_at_start(mirror: Path | None, existed: bool) -> str:
    """The line of a Ctrl-C (or SIGTERM) before the command stored anything: ``interrupted
    while starting``, and what exists now that did not before. ``run`` makes its mirror file
    before planning the run in it: a stop in that second said "nothing was read or written"
    beside the new, empty file (a fresh tester's finding)."""
    if existed or mirror is None or not _exists(mirror):
        return INTERRUPTED_AT_START
    return (
        f"{APP}: interrupted while starting; no run was stored, but the mirror file "
        f"{escaped(str(mirror))} had already been made (it holds no run: delete it, or let a "
        "later run use it)\n"
    )


def _explain(exc: Exception, args: argparse.Namespace) -> BackfillError | None:
    """The user's line for an OS or SQLite refusal that reached the top (``engine.failures``),
    or ``None`` for anything else."""
    from ..engine.failures import explain

    return explain(exc, db_path(args))


if __name__ == "__main__":
    raise SystemExit(main())
