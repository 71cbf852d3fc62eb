"""The terminal app: connect sources, watch a backfill live, browse observations and past runs.

``backfill-tui`` opens it on the user's mirror; ``backfill-tui demo`` on the simulator with the
demo workspace filled in. The app drives the engine only through its progress events and the
mirror: a run goes on a thread of its own, with its own event loop and mirror connection
(:class:`~engine.background.BackgroundRun`), so the simulator, the HTTP layer and every commit stay
off the UI's loop. Its events land in a thread-safe :class:`~live.EventBuffer`; a timer drains the
buffer into a :class:`~live.RunProgress` four times a second and the dashboard redraws from it,
so a fast run never floods the UI. Its end comes back as a message (``BackgroundEnded``).

Past 400 lines on purpose: the App class holds every global action and the run session's
life; screens reach it only through ``host.py``'s protocol.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import logging
import signal
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, cast

from platformdirs import user_downloads_path
from textual import events
from textual._files import generate_datetime_filename
from textual.app import App
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.message import Message
from textual.notifications import Notify, SeverityLevel
from textual.screen import Screen
from textual.timer import Timer

from ..clock import Clock
from ..engine.environment import Environment
from ..engine.mirror import Mirror, RunRecord, mirror_refusal
from ..engine.outputs import atomic_write, check_output, in_use
from ..errors import EXIT_INCOMPLETE, EXIT_OK, BackfillError, MirrorError, user_path
from ..secrets_registry import redact
from ..terms import APP, RunStatus, masked_note
from ..widgets.wording import in_app
from .ahead import ScreensAhead
from .app_commands import ActionsProvider, SteadyCommandPalette
from .connect import ConnectScreen
from .crash import OneLineCrash
from .host import AppHost, DemoSetup, RunSession
from .key_order import KeysInOrder
from .messages import ProgressFlushed, RunEnded, RunLaunched
from .mode_screen import ModeScreen
from .reading import MirrorReader

# Start-up (issue 13): the first frame is the connect screen. The engine (HTTP layer, pydantic
# models), recordings and the other screens load when first used, so `backfill-tui` paints
# without them; tests/e2e/test_startup_imports.py checks what the first frame loads.
if TYPE_CHECKING:
    from ..engine.background import RunHandle, RunOutcome
    from ..engine.estimate import Estimate
    from ..engine.process import RunHost
    from ..engine.recording import Replay
    from ..engine.run import Engine, RunRequest
    from .dashboard import DashboardScreen
    from .export import ExportScreen
    from .trigger import TriggerScreen

__all__ = ["BackfillApp", "DemoSetup", "RunSession"]

log = logging.getLogger("backfill_tui.screens.app")

#: Seconds the app's own writes wait for another process's write lock before saying so.
APP_BUSY_TIMEOUT_S = 2.0

#: Said while a quit waits for the run to stop (after a second, and at a second ctrl+q): the
#: page going may wait for another process's lock on the mirror. Quitting then showed nothing
#: and a second ctrl+q did nothing (a fresh tester's finding).
QUIT_WAITING = (
    "stopping the run: it ends when the page being stored lands, which waits up to 30 s for a "
    "mirror another process has locked; what is stored is kept"
)
FLUSH_INTERVAL = 0.25  # seconds: four dashboard updates a second at most
GIL_SWITCH_INTERVAL = 0.001  # seconds (bench/ui_latency.py measured the difference)
#: The oldest generation's collection threshold while a run goes: none happens (start_session).
OLDEST_HELD = 1_000_000
#: The title of the notice saying, as the app opens, that the newest run is interrupted.
UNFINISHED = "Unfinished run"


def _screen_from(module: str, name: str) -> Callable[[], Screen[Any]]:
    """A mode's base screen whose module (``.X``) is imported when the mode is entered."""

    def make() -> Screen[Any]:
        return cast("Screen[Any]", getattr(importlib.import_module(module, __package__), name)())

    return make


@dataclass
class BackgroundEnded(Message):
    """A run's thread ended (posted from that thread; the app then announces ``RunEnded``)."""

    outcome: RunOutcome


class BackfillApp(KeysInOrder, OneLineCrash):  # keys in order (key_order.py); a bug: exit 70
    TITLE = "backfill-tui"
    #: The stylesheets parsed before the first frame: the app's, the first screen's and the
    #: small dialogs'. A mode screen (dashboard, observations, runs, export) adds its own as
    #: it is made (``ModeScreen._read_css_ahead``: parsed alone, no reparse of the rest and
    #: no restyle), so their ~9k characters are parsed after the first frame (issue 13), when
    #: screens/ahead.py builds them. A screen's CSS_PATH that Textual itself found missing
    #: made it parse the whole stylesheet again (every widget's default CSS too) and restyle
    #: every screen, ~0.5 s of the first F4 or F5 (bench/app_scale.py): the dialogs, which
    #: are not mode screens, keep theirs here for that reason.
    CSS_PATH: ClassVar = [
        "app.tcss",
        "connect.tcss",
        "confirm.tcss",
        "path_prompt.tcss",
        "trigger.tcss",
    ]
    COMMANDS: ClassVar = App.COMMANDS | {ActionsProvider}
    MODES: ClassVar = {
        "connect": ConnectScreen,
        "dashboard": _screen_from(".dashboard", "DashboardScreen"),
        "observations": _screen_from(".observations", "ObservationsScreen"),
        "runs": _screen_from(".runs", "RunsScreen"),
        "export": _screen_from(".export", "ExportScreen"),
    }
    DEFAULT_MODE: ClassVar[str] = "connect"
    #: Screens get ``-narrow`` below 100 columns and ``-wide`` from 160 (see the .tcss files).
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-medium"), (160, "-wide")]  # noqa: RUF012
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Help"),
        Binding("f2", "switch_mode('connect')", "Connect"),
        Binding("f3", "switch_mode('dashboard')", "Dashboard"),
        Binding("f4", "switch_mode('observations')", "Observations"),
        Binding("f5", "switch_mode('runs')", "Runs"),
        Binding("f6", "switch_mode('export')", "Export"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
        # Start's key where no screen binds it (dashboard, observations, runs): it did nothing
        # at all after a run, a user's first try at a second one (a fresh tester's finding).
        Binding("ctrl+s", "start_elsewhere", "Start (on Connect)", show=False),
    ]

    @property
    def crash(self) -> BaseException | None:
        """What ended the app unhandled (``OneLineCrash``), a damaged mirror read on the app's
        own thread (F5's runs list) as the ``BackfillError`` a command on it says, so the app
        ends with that line and exit 2 (``cli.app.app_ended``), not "internal error", 70."""
        crash = super().crash
        return None if crash is None else mirror_refusal(crash, self.mirror.path) or crash

    def __init__(
        self,
        mirror: Mirror,
        environment: Environment,
        *,
        demo: DemoSetup | None = None,
        clock: Clock | None = None,
        simulator_text: str | None = None,
        run_process: bool = False,
        screens_ahead: bool | None = None,
        upgraded: Sequence[str] = (),
    ) -> None:
        super().__init__()
        #: The lines saying ``mirror`` was upgraded from an older version's schema as it was
        #: opened (``engine.mirror.upgrade_notes``): shown as a notice when the app opens, as
        #: the app's screen hides stderr (a fresh tester never saw it), and said on stderr
        #: again once the app ends (``cli.app.app_ended``).
        self.upgraded = tuple(upgraded)
        #: Run in a child process (``engine.process``) whenever the run's environment can be
        #: rebuilt there; else (a replay, a recording, a test's transport) on a thread. The
        #: ``demo`` and ``app`` commands ask for it: a run on a thread shares the interpreter's
        #: lock with the app and stalls its redraws (``bench/ui_latency.py``).
        self.run_process = run_process
        #: Build the dashboard, observations and runs screens while idle after the first frame
        #: (ahead.py); None: when the app has a terminal (not headless, as tests and benches).
        self.screens_ahead = ScreensAhead(self, lambda: self.running)
        self._build_ahead = screens_ahead
        self._run_host: RunHost | None = None
        self.mirror = mirror
        # Its writes (planning a run, estimates) run on the UI's thread: a mirror another
        # process holds is said within seconds ("Cannot start: … locked"), not after 30 s of a
        # frozen screen. Runs write through their own connections with the long wait.
        mirror.set_busy_timeout(APP_BUSY_TIMEOUT_S)
        self.reader = MirrorReader(mirror)
        self.environment = environment
        self.demo = demo
        #: What elapsed time, ETA and countdowns read; tests freeze it.
        self.clock: Clock = clock or environment.clock
        self.simulator_text = simulator_text
        self.session: RunSession | None = None
        self.estimate: tuple[RunRequest, Estimate] | None = None
        self.workspace: str = demo.workspace if demo else ""
        if demo:
            self.sub_title = "demo · simulated providers, no account needed"

    def on_mount(self) -> None:
        # Textual mounts and draws the first mode's screen while composing the app, before the
        # app's own styles (its colour among them) are applied; a widget that worked out its
        # look then kept it: the connect screen's labels drew in the background's colour,
        # invisible, until something restyled them (a resize across a breakpoint, a theme).
        for widget in self.screen.walk_children(with_self=True):
            widget.notify_style_update()
            widget.refresh()
        # A run's thread holds the GIL while it computes; the UI's loop gets it back within
        # this interval (CPython's default is 5 ms, which a busy run turns into long stalls).
        self._switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(min(self._switch_interval, GIL_SWITCH_INTERVAL))
        self.set_interval(FLUSH_INTERVAL, self.flush_progress, name="progress-flush")
        if self.run_process:
            self.call_after_refresh(self._spawn_run_host)  # after the first frame
        self.call_after_refresh(self._settle_start)
        if self._build_ahead or (self._build_ahead is None and not self.is_headless):
            self.call_after_refresh(self.screens_ahead.start)
        # SIGTERM (kill, a closing session) ends the app as quitting does: a run in progress is
        # cancelled cleanly and the terminal restored, instead of dying mid-page (signals.py).
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, self.stop_on_signal)
        if self.term_early:  # a SIGTERM came as Textual started (cli.app.run_app noted it)
            self.stop_on_signal()
        for line in self.upgraded:
            self.notify(line.removeprefix(f"{APP}: "), title="Mirror upgraded", timeout=20)
        self._say_interrupted()

    def _say_interrupted(self) -> None:
        """Say once, as the app opens, that the mirror's newest run is interrupted (its process
        gone: killed, the app killed with it, a power cut) and how to go on, until another
        notice comes. An app started again said nothing of it; it was only under F5 (a tester's
        finding)."""
        from ..engine.runs import shown_status

        try:
            newest = self.mirror.list_runs(limit=1)
            if not newest or shown_status(self.mirror, newest[0]) != RunStatus.INTERRUPTED:
                return
            streams = self.mirror.streams(newest[0].id)
        except BackfillError as exc:  # the mirror's own problem is said where it is read
            log.warning("the newest run could not be read: %s", exc)
            return
        done = sum(s.status == "completed" for s in streams)
        self._unfinished = (
            f"Run {newest[0].id} was interrupted ({done} of {len(streams)} streams completed): "
            "F5 then r resumes it"
        )
        self._say_unfinished()

    #: The opening's "Unfinished run" words while they are news (None once a run starts), and
    #: whether editing the connect form took them down (:meth:`say_unfinished_again`).
    _unfinished: str | None = None
    _unfinished_held = False

    def _say_unfinished(self) -> None:
        if self._unfinished is not None:
            self.notify(self._unfinished, title=UNFINISHED, severity="warning", timeout=30)

    async def on_event(self, event: events.Event) -> None:
        """Textual's, after taking down the opening's "Unfinished run" once the person edits
        the connect form (a key typed into it, a click in it): at 80x24 the notice covered
        "Max items" and "Record to", so what was typed there could not be seen (a fresh
        tester's finding). The Runs screen says it again (:meth:`say_unfinished_again`)."""
        if (
            isinstance(event, (events.Key, events.MouseDown))
            and not event.is_forwarded
            and self._unfinished is not None
            and not self._unfinished_held
            and any(n.title == UNFINISHED for n in self._notifications)  # up, not timed out
            and isinstance(self.screen, ConnectScreen)
            and self.screen.edits_form(event)
        ):
            self._unfinished_held = True
            self.take_down_notices(UNFINISHED)
        await super().on_event(event)

    def say_unfinished_again(self) -> None:
        """Say the opening's "Unfinished run" again, once, where runs are listed (the Runs
        screen, as it shows), when editing the connect form took it down before its time: its
        words stay findable where ``r`` resumes the run."""
        if self._unfinished_held:
            self._unfinished_held = False
            self._say_unfinished()

    def update_styles(self, node: DOMNode, animate: bool = True) -> None:
        """Textual's, except for a widget not mounted yet: Textual styled such a widget at
        once whenever a class of it changed (Button's variant, a compact toggle, a radio
        button's value, all set in their ``__init__``), then again as it mounted
        (``App._register`` styles every new widget with the classes it has by then). Only
        that second styling is kept: ~40 widgets of the connect screen were styled twice
        before the first frame (issue 13)."""
        if node is not self and node not in self._registry:
            return
        super().update_styles(node, animate=animate)

    #: The signal that ended the app, if one did ("SIGTERM"); ``app_cli`` reports it.
    stopped_by: str | None = None
    #: A SIGTERM arrived before :meth:`on_mount` set the app's own handler (``cli.app.run_app``).
    term_early = False
    _switch_interval = 0.005

    def stop_on_signal(self) -> None:
        """Cancel a run in progress, keeping what it stored, then exit (status 1)."""
        if self.stopped_by is None:
            self.stopped_by = "SIGTERM"
            self.run_worker(self._cancel_then_exit(), group="quit")

    def action_help_quit(self) -> None:
        """ctrl+c (bound by Textual to say how to quit): the quit key in plain words, since
        :meth:`notify` shows text as written and Textual's own message is markup."""
        keys = [
            key
            for key, b in self.active_bindings.items()
            if b.binding.action in ("quit", "app.quit")
        ]
        if keys:
            self.notify(f"Press {keys[0]} to quit the app", title="Do you want to quit?")

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every toast, in the app's words (fields and keys, not CLI flags: see wording).

        Always plain text, whatever ``markup`` a caller passes: a toast often quotes what a
        user typed or a provider said (``github:acme/[/x]``), and Textual would parse it as
        markup, showing something else or raising ``MarkupError`` while rendering.
        """
        del markup
        super().notify(
            in_app(message), title=title, severity=severity, timeout=timeout, markup=False
        )

    def on_notify(self, message: Notify) -> None:
        """A notice takes the place of the same one still up (title, words and severity):
        each ctrl+s on the export form with no DSN added one more "Not ready", and at 80x24
        they piled up over the form's fields and the trigger dialog (a fresh tester's
        finding). Different notices stay, each saying its own (two typos, two "Not a
        source"). Runs before Textual's own handler, which adds the new notice and shows it.
        The opening's "Unfinished run" goes as any other comes: at 80x24 the two stacked cut
        the new one off (``_say_interrupted``)."""
        new = message.notification
        for old in list(self._notifications):
            same = (old.title, old.message, old.severity) == (new.title, new.message, new.severity)
            if same or (old.title == UNFINISHED and new.title != UNFINISHED):
                self._unnotify(old, refresh=False)

    def take_down_notices(self, title: str) -> None:
        """Take down the notices titled ``title`` that are still up."""
        for old in list(self._notifications):
            if old.title == title:
                self._unnotify(old)

    def _take_down_run_end(self, run_id: str) -> None:
        """Take down the notices of how ``run_id`` ended (``run ID failed: ...``, "Run
        stopped", "Recording not kept", which says to retry it): retrying it starts it again,
        and they stayed up over the dashboard saying it had failed while it ran (a fresh
        tester's finding)."""
        ended = f"run {run_id} "
        for old in list(self._notifications):
            stopped = old.title in ("Run stopped", "Recording not kept")
            if stopped or (not old.title and old.message.startswith(ended)):
                self._unnotify(old)

    # -- runs ------------------------------------------------------------------------------------

    def totals_for(self, request: RunRequest) -> dict[str, int] | None:
        if self.estimate is None or self.estimate[0] != request:
            return None
        return self.estimate[1].totals()

    def plan_and_start(self, request: RunRequest, *, record_to: str | None = None) -> str | None:
        """Record a new run and start it; returns its id (None, with a notice, if refused).

        ``record_to``: a file to record the run's HTTP exchanges to (replayable offline).
        """
        if self.session is not None and self.session.active:
            self.notify("a run is in progress; cancel it or wait", severity="warning")
            return None
        from ..engine.recording import Recorder
        from ..engine.run import Engine

        if self._mirror_gone("Cannot start"):
            return None
        engine = Engine(self.mirror, self.environment)
        recorder: Recorder | None = None
        try:
            recorder = (
                Recorder(record_to, protected=in_use(self.mirror.path)) if record_to else None
            )
            planned = request if recorder is None else recorder.planned(request)
            run = engine.plan(
                planned,
                simulator_text=self.simulator_text,
                recorded_to=recorder.path if recorder is not None else None,
            )
        except BackfillError as exc:
            if recorder is not None:  # the path it held is free again
                recorder.release()
            self.notify(redact(str(exc)), title="Cannot start", severity="error", timeout=8)
            return None
        self.workspace = run.workspace
        totals = self.totals_for(request)
        if totals:  # stored, so a resume or a reopening still measures against it
            self.mirror.set_stream_estimates(run.id, totals)
        session = self.open_run(run.id, totals=totals, engine=engine)
        if session is not None:
            session.recorder = recorder
        elif recorder is not None:
            recorder.release()
        self.start_session(resumed=False)
        return run.id

    def open_recording(self, path: str | Path, *, replay: Replay | None = None) -> str | None:
        """Replay a recording into this mirror as a new run, offline, shown on the dashboard
        (``replay``: the recording at ``path`` already opened and verified, as the Runs
        screen's prompt does; else it is opened here)."""
        if self.running:
            self.notify("a run is in progress; cancel it or wait", severity="warning")
            return None
        from ..engine.recording import Replay
        from ..engine.run import Engine

        try:
            replay = replay or Replay.open(path)
            engine = Engine(self.mirror, replay.environment())
            run = replay.plan(engine)
        except BackfillError as exc:
            if replay is not None:  # its spool (a temporary file) held until the app ended
                replay.close()
            self.notify(redact(str(exc)), title="Cannot replay", severity="error", timeout=8)
            return None
        masked = f"; {masked_note(run.recording_masked)}" if run.recording_masked else ""
        self.notify(f"replaying run {replay.header.run_id} as run {run.id}{masked}")
        self.open_run(run.id, engine=engine)
        self.start_session(resumed=False)
        return run.id

    def open_run(
        self,
        run_id: str,
        *,
        totals: dict[str, int] | None = None,
        engine: Engine | None = None,
    ) -> RunSession | None:
        """Show a run on the dashboard (without running it)."""
        if self.session is not None and self.session.active:
            if self.session.run.id != run_id:
                self.notify("a run is in progress; cancel it first", severity="warning")
            return self.session if self.session.run.id == run_id else None
        try:  # a row edited by hand, even while the app runs: said, the app goes on
            run = self.mirror.get_run(run_id)
            if run is None:
                self.notify(f"no run {run_id} in this mirror", severity="error")
                return None
            session = self._session_of(run, totals, engine)
        except MirrorError as exc:
            self._cannot_show(run_id, exc)
            return None
        self.session = session
        followed = engine is None and self.session.progress.status == RunStatus.RUNNING
        if followed:  # live, and not ours: another process drives it
            self._follow_log(self.session, first=True)
        self.workspace = run.workspace
        self.switch_mode("dashboard")
        if (dashboard := self._dashboard()) is not None:
            dashboard.show_session(self.session)
        if followed:
            # Only a run another process drives: one of ours about to start (an engine given)
            # ends through its own session. Followed too, its end raced the follow step, which
            # put a fresh session in place of the one holding the run, whose end (RunEnded, the
            # notice) was then never announced (a cancel test, 1 in 6 under load).
            self._follow(run)
        return self.session

    def _cannot_show(self, run_id: str, exc: MirrorError) -> None:
        """Say in a notice why run ``run_id`` cannot be shown (a row of it holds what
        backfill-tui never writes: the line names the row and the UPDATE that mends it). The
        app stays up: it ended at once with exit 2, whatever screen was open (a tester's
        finding), though every other run and screen of the mirror still read well."""
        self.notify(
            redact(str(exc)), title=f"Cannot show run {run_id}", severity="error", timeout=20
        )

    def _session_of(
        self, run: RunRecord, totals: dict[str, int] | None = None, engine: Engine | None = None
    ) -> RunSession:
        """A session showing ``run`` as the mirror has it (not run by this app)."""
        from ..engine.live import RunProgress, span_start
        from ..engine.run import Engine
        from ..engine.runs import shown_status

        records = self.mirror.streams(run.id)
        progress = RunProgress(run, records, self.clock.now(), totals)
        progress.recall_quotas(self.mirror.run_sources(run.id))  # as last reported
        shown = shown_status(self.mirror, run)
        if shown == RunStatus.INTERRUPTED:  # elapsed: to its last page
            progress.mark_interrupted(run.finished_at or self.mirror.last_page_at(run.id))
        elif shown == RunStatus.RUNNING and run.started_at:  # another process's: since its start
            with contextlib.suppress(ValueError):  # (or resume: ran_s holds the spans before)
                progress.started_at = datetime.fromisoformat(span_start(run)).timestamp()
        if progress.status != RunStatus.RUNNING:  # a past run: its log, from the mirror
            keys = {record.id: record.key for record in records}
            failures = self.mirror.item_failures(run.id)
            progress.recall(
                ((keys.get(s, str(s)), item, why) for s, item, why in failures), self.clock.now()
            )
        session = RunSession(
            run, engine or Engine(self.mirror, self._environment_for(run)), progress
        )
        session.engine.subscribe(session.buffer)
        return session

    #: The run another process drives that the dashboard follows, and what the mirror last
    #: said of it (its status and each stream's pages and status).
    _followed: tuple[str, tuple[object, ...]] | None = None
    _follow_timer: Timer | None = None
    #: The followed run's log so far, and the streams whose end it has said: each move of the
    #: run gives the dashboard a fresh session (``_follow_step``), whose log starts empty.
    _follow_of: str | None = None
    _follow_lines: list[str]
    _follow_ended: set[str]

    def _follow_log(self, session: RunSession, *, first: bool) -> None:
        """The log of a run another process drives, from what the mirror shows of it (its log
        panel stayed empty: a fresh tester's finding): first its start, a line saying its live
        log (pages, waits, retries) is in the window running it, and each stream already
        ended; then each stream's end as it is seen, at the time it was seen, in the words of
        the live log (``RunProgress.apply`` of the engine's own events). Once the run ends it
        is shown as a past run, whose log ``RunProgress.recall`` gives (item failures too)."""
        from ..engine import progress as ev
        from ..engine.live import clock_time

        progress, run = session.progress, session.run
        now = self.clock.now()
        if first or self._follow_of != run.id:
            self._follow_of, self._follow_lines, self._follow_ended = run.id, [], set()
            streams = tuple(progress.streams)
            progress.apply(
                ev.RunStarted(run.id, run.workspace, run.since, streams), progress.started_at
            )
            progress.sync(self.mirror.streams(run.id))  # the start set them pending
            pid = run.pid if run.pid is not None else "pid unknown"
            progress.log.append(
                f"{clock_time(now)}  run {run.id} is run by another process ({pid}: another "
                "window or a command), whose log has its pages, waits and retries; here, what "
                "the mirror shows of it, read once a second"
            )
        for key, stream in progress.streams.items():
            if stream.finished and key not in self._follow_ended:
                self._follow_ended.add(key)
                progress.apply(
                    ev.StreamFinished(
                        run.id,
                        key,
                        stream.status,
                        stream.counters,
                        stream.error,
                        stream.capped,
                        stream.note,
                    ),
                    now,
                )
        self._follow_lines += progress.take_log()
        progress.log = list(self._follow_lines)

    def _follow(self, run: RunRecord) -> None:
        """Follow a run another process (another window, a command) drives: once a second the
        mirror is read again, and the dashboard shown afresh when it moved, until the run ends.
        Opened from Runs, such a run stood still while its clock ran on, and still said
        "running" long after it completed (a fresh tester's finding)."""
        self._followed = (run.id, self._follow_signature(run))
        if self._follow_timer is None:
            self._follow_timer = self.set_interval(1.0, self._follow_step, name="follow-run")

    def _follow_signature(self, run: RunRecord) -> tuple[object, ...]:
        """What moves as a run goes: its shown status ("interrupted" once its process is
        gone) and each stream's status, pages and items fetched."""
        from ..engine.runs import shown_status

        streams = tuple((s.status, s.pages, s.fetched) for s in self.mirror.streams(run.id))
        return (shown_status(self.mirror, run), streams)

    def _follow_step(self) -> None:
        followed, session = self._followed, self.session
        if followed is None or session is None or session.active:
            return
        if session.background is not None:  # this app's own run: its session announces its end
            self._followed = None
            return
        run_id, seen = followed
        if session.run.id != run_id:
            self._followed = None  # another run is shown now
            return
        try:
            run = self.mirror.get_run(run_id)
            if run is None:
                return
            now = self._follow_signature(run)
            if now == seen:
                return
            self._followed = (run_id, now) if now[0] == RunStatus.RUNNING else None
            self.session = self._session_of(run)
        except MirrorError as exc:
            self._followed = None
            self._cannot_show(run_id, exc)
            return
        if self.session.progress.status == RunStatus.RUNNING:
            self._follow_log(self.session, first=False)
        if (dashboard := self._dashboard()) is not None:
            dashboard.show_session(self.session)

    def _mirror_gone(self, title: str) -> bool:
        """Whether the mirror's file was deleted or moved while the app had it open (said in
        one line under ``title``): its open connection still reads the old file, but a run
        writes through connections of its own, which must not make a new, empty file."""
        if self.mirror.path.is_file():
            return False
        self.notify(
            f"the mirror {self.mirror.path} is gone (deleted or moved while the app was open); "
            "quit and start the app again to make a new one",
            title=title,
            severity="error",
            timeout=10,
        )
        return True

    def _environment_for(self, run: RunRecord) -> Environment:
        from ..engine.runs import environment_for

        return environment_for(run, self.environment)

    def start_session(self, *, resumed: bool) -> None:
        """Start (or resume) the shown run in a child process (``engine.process``) when
        :attr:`run_process` allows it, else on its own thread (``engine.background``)."""
        session = self.session
        if session is None or session.active:
            return
        from ..engine.background import BackgroundRun

        session.progress.begin(self.clock.now())
        session.ended = False
        # "Run ID was interrupted ...: F5 then r resumes it" stayed up over the resumed run
        # (a fresh tester's finding): once any run starts, it is no longer so or no longer news.
        self.take_down_notices(UNFINISHED)
        self._unfinished, self._unfinished_held = None, False
        gc.freeze()  # the dashboard's new widgets too: no full collection pass mid-run
        # and none of the oldest generation (what the dashboard kept since), until the run's
        # end: each took 16-23 ms of the UI's loop at once (bench/ui_latency.py, a probe of
        # gc.callbacks); _settle_heap collects then and puts the threshold back.
        young, middle, oldest = gc.get_threshold()
        if oldest < OLDEST_HELD:
            self._oldest_threshold = oldest
            gc.set_threshold(young, middle, OLDEST_HELD)
        for screen in self._screen_stacks.get("connect", ()):  # never an estimate beside a run
            if isinstance(screen, ConnectScreen):
                screen.stop_estimate()
        recorder, session.recorder = session.recorder, None  # only the first start records
        session.recording = recorder
        environment = session.engine.environment
        ended = session.background.outcome if session.background is not None else None
        if ended is not None and ended.unrecorded and ended.unrecorded.run_id == session.run.id:
            ended.unrecorded.record(self.mirror)  # the calls a lock kept out of its last stretch
        session.background = None
        if self.run_process and recorder is None:
            session.background = self._process_run(session)
        if session.background is None:
            session.background = BackgroundRun(
                self.mirror,
                environment,
                session.run.id,
                # the recorder notes the run's end, written into the recording
                subscribers=[session.buffer, recorder.observe] if recorder else [session.buffer],
                recording=recorder.recording(environment, session.run) if recorder else None,
                on_end=self._background_ended,
            )
            session.background.start()
        self.post_message(RunLaunched(session.run.id, resumed))

    def _process_run(self, session: RunSession) -> RunHandle | None:
        """The session's run started in a child process, or None when its environment cannot
        be rebuilt there or no process can be started (the caller runs it on a thread)."""
        from ..engine.process import ProcessRun

        environment = session.engine.environment
        portable = environment.portable()
        if portable is None or not self.mirror.path.is_file():
            return None
        host, self._run_host = self._run_host, None
        run = ProcessRun(
            self.mirror.path,
            portable,
            session.run.id,
            subscribers=[session.buffer],
            on_end=self._background_ended,
            clock=environment.clock,
            host=host,
        )
        try:
            run.start()
        except OSError as exc:
            log.warning("run %s: no process for it (%s); it runs on a thread", run.run_id, exc)
            if run.host is not None:
                run.host.close(timeout=1.0)
            return None
        return run

    #: A run's end walks only what was made since the last freeze; every FULL_SETTLE_EVERY-th
    #: also walks what was frozen before (see :meth:`_settle_heap`).
    FULL_SETTLE_EVERY = 8
    _settles = 0
    #: The oldest generation's threshold before a run held it back (start_session), if one did.
    _oldest_threshold: int | None = None

    def _settle_heap(self) -> None:
        """Collect, then freeze what is left (``gc.freeze``): the objects Textual and the app
        hold stay out of the collector's full passes, which otherwise take 50-110 ms and land
        in the middle of a redraw while a run goes (``bench/ui_latency.py``). Called when the
        app is idle, after a run; ``on_unmount`` unfreezes.

        Only what was made since the last freeze (the run's own objects) is walked: 10 ms at the
        end of bench/ui_latency.py's run, where unfreezing and walking everything took 130 ms,
        a pause the dashboard showed as the run ended. Cycles among objects frozen earlier that
        died since (a screen's replaced widgets) wait for every :data:`FULL_SETTLE_EVERY`-th
        run's end, which walks everything, or for the app's end."""
        self._settles += 1
        if self._settles % self.FULL_SETTLE_EVERY == 0:
            gc.unfreeze()
        gc.collect()
        gc.freeze()
        if self._oldest_threshold is not None and not self.running:
            young, middle, _ = gc.get_threshold()
            gc.set_threshold(young, middle, self._oldest_threshold)
            self._oldest_threshold = None

    @staticmethod
    def _settle_start() -> None:
        """After the first frame: the start-up's garbage collected, the rest frozen as
        :meth:`_settle_heap` does, and the collector on again (``cli/app.py`` turns it off for
        the start-up: its passes over Textual's new objects were ~5% of the first frame).

        Only the young generations are collected: with the collector off since the start,
        everything the start made is still in them, while objects that an embedding process
        (a test) already holds in the oldest generation are not walked again for each app."""
        gc.collect(1)
        gc.freeze()
        gc.enable()

    def _spawn_run_host(self) -> None:
        """Have a child process ready (its imports done) for the next run."""
        if self._run_host is not None or not self.run_process or not self.is_running:
            return
        from ..engine.process import RunHost

        try:
            self._run_host = RunHost.spawn()
        except OSError as exc:
            log.warning("no process ready for runs (%s); runs go on a thread", exc)

    def _background_ended(self, outcome: RunOutcome) -> None:
        """On the run's thread: hand its end to the app's loop (``post_message`` is thread-safe;
        after the app closed there is nobody to tell)."""
        with contextlib.suppress(RuntimeError):
            self.post_message(BackgroundEnded(outcome))

    def on_background_ended(self, message: BackgroundEnded) -> None:
        session = self.session
        if (
            session is not None
            and session.background is not None
            and (
                session.background.outcome is message.outcome  # not an earlier stretch's end
            )
        ):
            self._end_session(session)

    def _end_session(self, session: RunSession) -> None:
        """Announce the end of the session's run once: its error, its stored status, the last
        progress, then ``RunEnded``."""
        background = session.background
        if session.ended or background is None or background.outcome is None:
            return
        session.ended = True
        outcome = background.outcome
        status = outcome.status
        if outcome.error is not None:
            self.notify(outcome.error, title="Run stopped", severity="error", timeout=8)
        if outcome.kept is not None:  # another file took the recording's path meanwhile
            self.notify(outcome.kept, title="Recording kept aside", severity="warning", timeout=20)
        if outcome.not_kept is not None:  # a write of it refused (a full disk): file removed
            self.notify(outcome.not_kept, title="Recording not kept", severity="error", timeout=20)
        try:
            record = self.mirror.get_run(session.run.id)
            if record is not None:
                status = record.status
                session.run = record
            if status == RunStatus.RUNNING:  # nothing runs it now: it stopped where it was
                cancelled = background.cancel_requested
                status = RunStatus.CANCELLED if cancelled else RunStatus.INTERRUPTED
            self._fold(session)
            if record is not None:  # a replay's elapsed time: as reopening it shows it
                session.progress.settle(record)
            self._say_recorded(session, outcome.kept, refused=outcome.not_kept is not None)
        except Exception:  # the end must reach the dashboard whatever a redraw did
            log.exception("while ending run %s", session.run.id)
        self.post_message(RunEnded(session.run.id, status, outcome.error))
        self.call_after_refresh(self._settle_heap)  # the run's garbage, collected once, now
        if self.run_process:
            self.call_after_refresh(self._spawn_run_host)  # ready for the next one

    def _say_recorded(self, session: RunSession, kept: str | None, *, refused: bool) -> None:
        """Where the run's recording went, in its log and a notice, as ``run --record`` says it
        (however the run ended): a run recorded from the app never said (a fresh tester's
        finding). ``kept``: the line of a recording sealed beside its path, already a notice;
        ``refused``: its writes were refused ("Recording not kept" said so, once is enough)."""
        recorder, session.recording = session.recording, None
        if recorder is None:
            return
        if refused:  # the line "Recording not kept" said is the one stderr says after a quit
            outcome = session.background.outcome if session.background is not None else None
            session.recorded_line = outcome.not_kept if outcome is not None else None
            return
        import shlex

        from ..engine.live import clock_time
        from ..terms import plural, recorded_masked, suggest

        path = user_path(recorder.path).absolute()
        if kept is not None:
            line = in_app(kept)
            session.recorded_line = kept
        elif path.is_file():
            masked = recorded_masked(recorder.masked)
            recorded = f"recorded {plural(recorder.exchanges, 'exchange')} to {path}{masked}; "
            line = recorded + "replay it offline: press o under Runs (F5) and give its path"
            self.notify(line, title="Recorded", timeout=20, markup=False)
            again = suggest(f"replay {shlex.quote(str(path))}")  # as ``run --record`` says it
            session.recorded_line = (
                f"{recorded}replay it offline into another mirror with `{again} --db OTHER.db`"
            )
        else:  # not sealed (the run's error says why)
            line = session.recorded_line = f"the recording {path} was not written"
            self.notify(line, title="Not recorded", severity="warning", timeout=20, markup=False)
        session.progress.log.append(f"{clock_time(self.clock.now())}  {line}")

    def _ended_line(self, run_id: str, status: str) -> str:
        """``run ID STATUS``, with what to mend first when resuming would fail the same way
        (the rule both faces follow: ``engine.runs.mend_first``)."""
        from ..engine.runs import mend_first, resume_wait

        if status == RunStatus.COMPLETED:
            return f"run {run_id} {status}"
        streams = self.mirror.streams(run_id)
        wait = resume_wait(streams, self.clock.now())  # a long rate limit: resume after it
        after = f" after {wait:%Y-%m-%d %H:%M} UTC" if wait else ""
        if (mend := mend_first(streams, then=f"resume it{after}")) is not None:
            return f"run {run_id} {status}: {mend}"
        return f"run {run_id} {status}" + (f": resume it{after}" if wait else "")

    def on_run_ended(self, message: RunEnded) -> None:
        from .confirm import ConfirmScreen
        from .quit import QuitScreen

        if isinstance(self.screen, QuitScreen):  # asked while it ran: it no longer runs
            self.screen.run_ended(message.status)
        elif isinstance(self.screen, ConfirmScreen) and self.screen.run_id == message.run_id:
            # "Cancel run X?" over a run that has ended: closed as answered no (the notice
            # below says how it ended); it stayed, and its yes then did nothing (a fresh
            # tester's finding).
            self.screen.dismiss(False)
        completed = message.status == RunStatus.COMPLETED
        severity: SeverityLevel = "information" if completed else "warning"
        self.notify(self._ended_line(message.run_id, message.status), severity=severity)
        if self.session is not None and self.session.run.id == message.run_id:
            self.session.progress.sync(self.mirror.streams(message.run_id))
            self.session.progress.status = RunStatus(message.status)
            if message.status == RunStatus.INTERRUPTED:  # its process is gone: nothing runs
                self.session.progress.mark_interrupted(reason=message.error)
            if self.session.progress.finished_at is None:
                self.session.progress.finished_at = self.clock.now()
            if (dashboard := self._dashboard()) is not None:
                dashboard.refresh_session(final=True)
                dashboard.call_after_refresh(dashboard.reveal_first_failure)  # laid out first

    def cancel_run(self) -> bool:
        session = self.session
        if session is None or not session.active or session.background is None:
            self.notify("no run in progress", severity="warning")
            return False
        session.background.cancel()
        return True

    def retry_run(self) -> bool:
        """Run the current run's unfinished streams again (failed, cancelled or interrupted)."""
        session = self.session
        if session is None:
            self.notify("no run to retry; start one or pick one under Runs", severity="warning")
            return False
        if session.active:
            self.notify("the run is still going", severity="warning")
            return False
        from ..engine.run import Engine
        from ..engine.runs import (
            RunCompleted,
            RunReplayedToItsEnd,
            RunStillRunning,
            check_resume,
            resume_environment,
            unrecorded_resume_line,
        )

        if self._mirror_gone("Cannot resume"):
            return False
        record = self.mirror.get_run(session.run.id)
        try:
            if record is None:
                raise RunCompleted(session.run.id)
            check_resume(self.mirror, record)  # the engine's preconditions, said in app words
        except RunReplayedToItsEnd as exc:  # the engine's reason, short enough for a notice
            self.notify(
                redact(exc.brief), title="Nothing to retry", severity="information", timeout=10
            )
            return False
        except RunCompleted:
            self.notify("this run completed; nothing to retry", severity="information")
            return False
        except RunStillRunning:
            self.notify("another process is running this run", severity="error")
            return False
        except MirrorError as exc:  # a row of the run edited by hand
            self.notify(redact(str(exc)), title="Cannot resume", severity="error", timeout=20)
            return False

        try:  # as it was made: a replayed run from its recording, never live (engine's rule)
            # A replay's spool lives as long as its environment's transport (as open_recording).
            environment, _replay = resume_environment(
                record, self.mirror.path, current=session.engine.environment
            )
        except BackfillError as exc:
            self.notify(redact(str(exc)), title="Cannot resume", severity="error", timeout=8)
            return False
        if environment is not session.engine.environment:
            session.engine = Engine(self.mirror, environment)
            session.engine.subscribe(session.buffer)
        self._take_down_run_end(record.id)
        if unrecorded := unrecorded_resume_line(record):  # its recording was sealed at the stop
            self.notify(unrecorded, title="Not recorded", severity="warning", timeout=10)
            # and in the run's log, which stays: the notice alone went by unseen (a tester)
            from ..engine.live import clock_time

            session.progress.log.append(f"{clock_time(self.clock.now())}  {unrecorded}")
        self.start_session(resumed=True)
        return True

    def resume_run(self, run_id: str) -> bool:
        if self.open_run(run_id) is None:
            return False
        return self.retry_run()

    def flush_progress(self) -> None:
        """Fold buffered events into the run's state and redraw (the timer calls this)."""
        session = self.session
        if session is None:
            return
        if session.background is not None and session.background.done and not session.ended:
            self._end_session(session)  # its message is queued or lost: the end is known now
            return
        self._fold(session)

    def _fold(self, session: RunSession) -> None:
        events = session.buffer.drain()
        now = self.clock.now()
        for event in events:
            session.progress.apply(event, now)
        dashboard = self._dashboard() if events or session.progress.running else None
        if dashboard is not None:
            dashboard.refresh_session()
        if events:
            self.post_message(
                ProgressFlushed(session.run.id, len(events), session.progress.totals().fetched)
            )

    def _dashboard(self) -> DashboardScreen | None:
        """The dashboard (made on first use); None once the app is shutting down (its screens
        are gone, and a run's end may still arrive from its thread or process)."""
        from .dashboard import DashboardScreen

        if not self._running:
            return None
        stack = self._screen_stacks.get("dashboard")
        if not stack:
            self._init_mode("dashboard")
            stack = self._screen_stacks["dashboard"]
        screen = stack[0]
        assert isinstance(screen, DashboardScreen)
        return screen

    @property
    def running(self) -> bool:
        return self.session is not None and self.session.active

    # -- actions ---------------------------------------------------------------------------------

    def action_help(self) -> None:
        from .help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_start_elsewhere(self) -> None:
        """ctrl+s off the connect and export screens: a run starts from the connect screen's
        sources, which may not be the run shown here (one opened under Runs), so it is shown
        first, not started unseen; during a run, how to stop it is said instead. Under a
        dialog (help, quit, the trigger dialog) it does nothing: the dialog has the keys."""
        if not isinstance(self.screen, ModeScreen):
            return
        if self.running:
            self.notify("a run is going: c on the dashboard cancels it", title="Already running")
            return
        self.switch_mode("connect")
        self.notify("check the sources and press ctrl+s to start", title="Start a run")

    def action_command_palette(self) -> None:
        """ctrl+p: Textual's palette, whose list keys wait for its list (SteadyCommandPalette)."""
        if self.use_command_palette and self.screen.id != "--command-palette":
            self.push_screen(SteadyCommandPalette(id="--command-palette"))

    # -- screenshots: checked and written atomically like every file the product writes ----------

    def save_screenshot(
        self,
        filename: str | None = None,
        path: str | None = None,
        time_format: str | None = None,
    ) -> str:
        """Textual's, but never over the mirror, a database or a recording, and never half a
        file (``outputs.check_output`` and ``atomic_write``); raises ``UsageError`` if refused."""
        name = filename or generate_datetime_filename(self.title, ".svg", time_format)
        target = check_output(
            user_path(path or ".") / name,
            option="screenshot",
            protected=in_use(self.mirror.path),
        )
        svg = self.export_screenshot()
        with atomic_write(target) as handle:
            handle.write(svg.encode("utf-8"))
        return str(target)

    def deliver_screenshot(
        self,
        filename: str | None = None,
        path: str | None = None,
        time_format: str | None = None,
    ) -> str | None:
        """The command palette's screenshot: saved to the Downloads folder, said in a toast."""
        try:
            saved = self.save_screenshot(filename, path or str(user_downloads_path()), time_format)
        except (BackfillError, OSError) as exc:
            self.notify(redact(str(exc)), title="Screenshot not saved", severity="error")
            return None
        self.notify(f"screenshot saved to {saved}", markup=False)
        return saved

    def export_going(self) -> ExportScreen | TriggerScreen | None:
        """The export screen while an apply sends, or its trigger dialog while Send goes
        (quitting asks first then, and stops it: ``sending``, ``stop_for_quit``), else None.
        Quitting during a trigger's Send asked nothing, then waited out its retries on a
        blank screen and said nothing of what was sent (a fresh tester's finding)."""
        stack = self._screen_stacks.get("export") if self._running else None
        if not stack:  # the export screen was never made: nothing of it is loaded either
            return None
        from .export import ExportScreen
        from .trigger import TriggerScreen

        for screen in stack:
            if isinstance(screen, ExportScreen | TriggerScreen) and screen.sending() is not None:
                return screen
        return None

    async def action_quit(self) -> None:
        if self._quitting:  # already answered: the quit waits for the batch or page going
            self.notify(QUIT_WAITING, title="Quitting", timeout=8)  # it did nothing visible
            return
        if not self.running and self.export_going() is None:
            self.exit()
            return

        def answer(quit_now: bool | None) -> None:
            if quit_now and not self._quitting:
                self._quitting = True
                self.run_worker(self._cancel_then_exit(), group="quit")

        from .quit import QuitScreen

        if not isinstance(self.screen, QuitScreen):
            self.push_screen(QuitScreen(), answer)

    #: The run quitting cancelled (its id), if it did: the app then exits 1, the README's
    #: status for a cancelled run, and ``cli.app.app_ended`` prints the run's last line (how
    #: to go on) as the command line does. It exited 0 with the run stored cancelled (a fresh
    #: tester's finding).
    quit_cancelled: str | None = None
    #: What quitting stopped of an export that was sending (how many were sent, that running
    #: it again sends the rest): ``cli.app.app_ended`` prints it once the app has closed. The
    #: app quit at once, silently, exit 0, mid-export (a fresh tester's finding).
    quit_export_line: str | None = None
    #: Where the recording of the run quitting stopped went (``RunSession.recorded_line``):
    #: ``cli.app.app_ended`` prints it after the run's last line, as ``run --record`` does. The
    #: app's stderr named no recording after a quit (a fresh tester's finding).
    quit_recorded_line: str | None = None
    #: Quitting was answered "yes" and waits for what is going to stop: ctrl+q asks nothing
    #: again and starts no second quit (a fresh tester's finding: a second quit during a slow
    #: export batch).
    _quitting = False

    async def _cancel_then_exit(self) -> None:
        session = self.session
        cancelled = False
        if (export := self.export_going()) is not None:
            self.quit_export_line = await export.stop_for_quit()
            cancelled = self.quit_export_line is not None
        if session is not None and session.background is not None and session.active:
            session.background.cancel()
            began, said = time.monotonic(), False
            while session.active:  # the engine marks the streams cancelled as it unwinds
                await asyncio.sleep(0.02)
                if not said and time.monotonic() - began >= 1.0:  # a page waits for a lock
                    said = True
                    self.notify(QUIT_WAITING, title="Quitting", timeout=30)
            record = self.mirror.get_run(session.run.id)
            if record is None or record.status != RunStatus.COMPLETED:
                cancelled = True
                self.quit_cancelled = session.run.id
            outcome = session.background.outcome
            if outcome is not None:  # its end not announced yet: where its recording went
                self._say_recorded(session, outcome.kept, refused=outcome.not_kept is not None)
            self.quit_recorded_line = session.recorded_line
        self.exit(return_code=EXIT_INCOMPLETE if self.stopped_by or cancelled else EXIT_OK)

    def on_unmount(self) -> None:
        """The app is closing: a run still going is cancelled and waited for (as quitting
        does), so its thread never outlives the app mid-page."""
        self.reader.close()
        sys.setswitchinterval(self._switch_interval)
        gc.unfreeze()  # what the app held may be collected again
        if self._oldest_threshold is not None:  # closed mid-run: the oldest collected again
            gc.set_threshold(*gc.get_threshold()[:2], self._oldest_threshold)
            self._oldest_threshold = None
        if self._run_host is not None:  # the idle child ends when its pipe closes
            host, self._run_host = self._run_host, None
            host.close(timeout=5.0)
        session = self.session
        if session is not None and session.background is not None and session.active:
            session.background.cancel()
            if not session.background.join(timeout=30):
                log.warning("run %s did not stop within 30 s of closing", session.run.id)


if TYPE_CHECKING:

    def _is_a_host(app: BackfillApp) -> AppHost:
        return app  # mypy checks here that the app gives its screens all that AppHost promises
