"""``backfill-tui`` (no command) and ``backfill-tui demo``: the terminal app's entry points.

``demo`` opens the app on the built-in simulator (no account, no token, no network) with the
demo workspace filled in, so Start is one key away. Its latency is set so a 30-day run of the
demo workspace takes well under a minute and shows one rate-limit pause; ``BACKFILL_SIM``
overrides the options it names and keeps the demo's others. The demo keeps its own mirror
(``demo.db`` beside the default one) unless ``--db`` says otherwise, so simulated observations
never mix with real ones.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import BackfillError, UsageError
from ..terms import default_demo_db
from .options import GivenOnce, db_arg, db_path, error_line, for_stderr

if TYPE_CHECKING:
    from ..engine.mirror import Mirror
    from ..screens.app import BackfillApp

__all__ = [
    "DEMO_SIM",
    "DEMO_SOURCES",
    "DEMO_WORKSPACE",
    "app_ended",
    "cmd_app",
    "cmd_demo",
    "demo_settings",
    "register",
]

DEMO_WORKSPACE = "demo"
DEMO_SOURCES = ("github:acme/rocket", "vercel:acme/rocket-web", "linear:ENG", "sentry:acme/rocket")
DEMO_SIM = "latency=1.0,rate_limit_every=20,retry_after=6,secondary_retry_after=6"


def demo_sources() -> tuple[str, ...]:
    """The demo workspace's sources whose provider is registered (connector and simulator)."""
    from ..engine.catalog import simulated

    offered = simulated()
    return tuple(spec for spec in DEMO_SOURCES if spec.split(":", 1)[0] in offered)


def demo_settings(given: str | None) -> str:
    """The demo's simulator settings: :data:`DEMO_SIM` with each option ``given`` names (the
    ``BACKFILL_SIM`` set, if any) in place of its own (``SimulatorConfig.merged``)."""
    from ..engine.environment import merged_settings

    return merged_settings(DEMO_SIM, given)


def register(sub: Any) -> None:
    demo = sub.add_parser(
        "demo",
        help="the terminal UI on the built-in simulator: no account, no token, no network",
        description=(
            "Open the terminal UI against simulated providers with the demo workspace filled "
            "in: press ctrl+s to watch a first-connect backfill."
        ),
    )
    demo.add_argument(
        "--db",
        type=db_arg,
        action=GivenOnce,
        default=argparse.SUPPRESS,
        metavar="PATH",
        help=f"the mirror file (default: {default_demo_db()})",
    )
    demo.set_defaults(handler=cmd_demo)


@contextmanager
def collector_off_until_first_frame() -> Iterator[None]:
    """The cyclic garbage collector stays off while the app starts: its passes over the many
    objects imports and Textual make were about 5% of the time to the first frame (issue 13).
    The app turns it on again after its first frame (``BackfillApp._settle_start``); this turns
    it on whatever happens (a refused mirror, a crash), so no caller is left without it."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def need_a_terminal(command: str) -> None:
    """The terminal app reads keys from stdin and draws on stderr (Textual's driver): without
    a terminal on both it wrote escape codes into a file and waited for keys that could never
    come, for ever (``backfill-tui demo </dev/null``: a fresh tester's finding). Raises
    :class:`UsageError` (exit 2) naming the headless way instead; a Textual driver chosen in
    ``TEXTUAL_DRIVER`` (the headless one, a web one) needs no terminal."""
    if os.environ.get("TEXTUAL_DRIVER"):  # a driver chosen on purpose (headless, web)
        return
    if not (sys.stdin.isatty() and sys.__stderr__ is not None and sys.__stderr__.isatty()):
        raise UsageError(
            f"`backfill-tui{command}` is a terminal app: it needs a terminal for its keys and "
            "its screen; run it in one, or backfill without one with `backfill-tui run "
            f"SOURCE... --workspace ID{' --simulate' if 'demo' in command else ''}`"
        )  # --workspace: run requires it, and the hint left it out (a tester's finding)


def cmd_demo(args: argparse.Namespace) -> int:
    need_a_terminal(" demo")
    with collector_off_until_first_frame():
        return _demo(args)


def _demo(args: argparse.Namespace) -> int:
    from ..engine.environment import Environment, without_token
    from ..screens.app import BackfillApp, DemoSetup

    config = demo_settings(os.environ.get("BACKFILL_SIM"))
    environment = Environment.create(simulate=True, simulator_config=config)
    db = getattr(args, "db", None) or default_demo_db()
    from .drive import check_side_outputs

    check_side_outputs(environment, db)  # the simulator's request_log is never the mirror
    mirror = _open_for_app(db)
    try:
        app = BackfillApp(
            mirror,
            environment,
            demo=DemoSetup(DEMO_WORKSPACE, demo_sources()),
            simulator_text=without_token(config),
            run_process=True,
            upgraded=_upgraded(),
        )
        run_app(app)
        return app_ended(app)
    finally:
        mirror.close()


def run_app(app: BackfillApp) -> None:
    """Run ``app``; a SIGTERM before its own handler is in place (as Textual starts, before the
    app's mount: ``BackfillApp.term_early``) quits it as that handler does, once mounted. It
    raised ``KeyboardInterrupt`` inside Textual's start-up, which printed a traceback (and
    before ``__main__`` set a handler, killed the process silently with 143: a fresh tester's
    finding)."""
    import signal

    def early(signum: int, frame: object) -> None:
        app.term_early = True

    saved = signal.signal(signal.SIGTERM, early)
    try:
        app.run()
    finally:
        signal.signal(signal.SIGTERM, saved)


def app_ended(app: BackfillApp) -> int:
    """How the terminal app's run ends for the shell: a bug (an unhandled exception) is one
    line pointing at the log, which holds its traceback, and exit 70 (``logfile.report_crash``);
    bad input that reached the top unhandled (a ``BackfillError``) its own line and status;
    a quit (ctrl+q or SIGTERM) that cancelled a run prints the run's last line as the command
    line ends a run with (``drive.ended_line``: how to go on; SIGTERM printed only "what was
    stored is kept", a fresh tester's finding), one that stopped an export how many were sent;
    a signal that stopped nothing says so; then the app's own return code (1 when it cancelled
    a run or an export: README "Exit status")."""
    for line in app.upgraded:  # said in the app too, whose screen hid stderr
        sys.stderr.write(for_stderr(line))
    if app.crash is not None:
        if isinstance(app.crash, BackfillError):
            # Bad input a screen met (a row edited by hand: store/columns.py) ends the app as
            # it ends a command: its one line and status (2), not "internal error" and 70.
            sys.stderr.write(error_line(str(app.crash)))
            return app.crash.exit_status
        from .logfile import report_crash

        return report_crash(app.crash, "terminal app")
    # Each folded between words on a terminal (for_stderr), as the upgrade line is: the
    # terminal's own wrap broke "--" / "db" and "cha" / "nge them" (a fresh tester's finding).
    if app.quit_export_line is not None:  # an export quitting stopped: how many were sent
        sys.stderr.write(for_stderr(app.quit_export_line))
    run = app.mirror.get_run(app.quit_cancelled) if app.quit_cancelled is not None else None
    if run is not None:  # ctrl+q or SIGTERM cancelled it: its id and the resume command
        from ..terms import db_flag
        from .drive import ended_line

        line = ended_line(app.mirror, run, db_flag(app.mirror.path), signal=app.stopped_by)
        sys.stderr.write(for_stderr(line))
        if app.quit_recorded_line is not None:  # where its recording is (or that it was not kept)
            sys.stderr.write(for_stderr(app.quit_recorded_line))
    elif app.stopped_by and app.quit_export_line is None:  # it stopped nothing: "cancelled"
        sys.stderr.write(  # said it had (a fresh tester's finding)
            for_stderr(
                f"backfill-tui: stopped ({app.stopped_by}) with no run going; nothing was "
                "started, cancelled or lost"
            )
        )
    return app.return_code or 0


def _upgraded() -> list[str]:
    """The lines saying the mirror just opened was upgraded from an older version's schema
    (``engine.mirror.upgrade_notes``, which forgets them): the app shows them as a notice,
    since its screen hides stderr, and :func:`app_ended` says them on stderr after it."""
    from ..engine.mirror import upgrade_notes

    return upgrade_notes()


def _open_for_app(path: Path) -> Mirror:
    """The app's mirror: writable if it can be, else read-only for browsing (runs say why not)."""
    from ..engine.mirror import open_for_app

    return open_for_app(path)


def cmd_app(args: argparse.Namespace) -> int:
    need_a_terminal("")
    with collector_off_until_first_frame():
        return _app(args)


def _app(args: argparse.Namespace) -> int:
    from ..engine.environment import Environment
    from ..screens.app import BackfillApp

    mirror = _open_for_app(db_path(args))
    try:
        environment = Environment.create(simulate=False)
        app = BackfillApp(mirror, environment, run_process=True, upgraded=_upgraded())
        run_app(app)
        return app_ended(app)
    finally:
        mirror.close()
