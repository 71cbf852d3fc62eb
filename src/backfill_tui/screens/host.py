"""What a screen may ask of the app, as a :class:`AppHost` protocol, and the records they share
(:class:`RunSession`, :class:`DemoSetup`).

Screens and widgets reach the app through :func:`host` (or by posting a message), never by
importing ``screens/app.py``, not even for annotations: the app imports the screens, so an import
back would be a cycle (issue 11, "no import cycle, TYPE_CHECKING ones included").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

if TYPE_CHECKING:
    from textual.app import App
    from textual.screen import Screen
    from textual.widget import AwaitMount

    from ..clock import Clock
    from ..engine.background import RunHandle
    from ..engine.environment import Environment
    from ..engine.estimate import Estimate
    from ..engine.live import EventBuffer, RunProgress
    from ..engine.mirror import Mirror, RunRecord
    from ..engine.recording import Recorder, Replay
    from ..engine.run import Engine, RunRequest
    from .reading import MirrorReader

__all__ = ["AppHost", "DemoSetup", "RunSession", "host"]


@dataclass(frozen=True)
class DemoSetup:
    """What ``backfill-tui demo`` fills in on the connect screen."""

    workspace: str
    sources: tuple[str, ...]
    depth: int = 30


def _new_buffer() -> EventBuffer:
    # engine.live (the run's progress model) loads with the first run, not before the app's
    # first frame (issue 13)
    from ..engine.live import EventBuffer

    return EventBuffer()


@dataclass
class RunSession:
    """The run the dashboard shows: its engine, its buffered events and its live state."""

    run: RunRecord
    engine: Engine
    progress: RunProgress
    buffer: EventBuffer = field(default_factory=_new_buffer)
    #: The run's thread or process while (and after) it runs; None before the first start.
    background: RunHandle | None = None
    #: Records the run's HTTP exchanges on its first start (the connect screen's "Record to").
    recorder: Recorder | None = None
    #: That recorder once the run started with it, until its end says where the recording went.
    recording: Recorder | None = None
    #: Where its recording went, as a line for stderr once the app has closed (said at the
    #: run's end by ``BackfillApp._say_recorded``; ``cli.app.app_ended`` prints it after a quit).
    recorded_line: str | None = None
    #: The end of the current stretch was announced (RunEnded posted), so it is posted once.
    ended: bool = False

    @property
    def active(self) -> bool:
        return self.background is not None and not self.background.done


class AppHost(Protocol):
    """The app as its screens see it (``screens/app.py``'s ``BackfillApp`` is one)."""

    mirror: Mirror
    #: For a screen's thread workers: ``with reader() as mirror:`` (``screens/reading.py``).
    reader: MirrorReader
    environment: Environment
    demo: DemoSetup | None
    clock: Clock
    session: RunSession | None
    estimate: tuple[RunRequest, Estimate] | None
    workspace: str
    #: The simulator's settings (``BACKFILL_SIM``) runs record, or None.
    simulator_text: str | None

    @property
    def running(self) -> bool: ...

    @property
    def screen(self) -> Screen[Any]: ...

    def switch_mode(self, mode: str) -> AwaitMount: ...

    def plan_and_start(self, request: RunRequest, *, record_to: str | None = None) -> str | None:
        """Record a new run and start it; its id, or None (with a notice) if refused."""
        ...

    def open_run(self, run_id: str) -> RunSession | None:
        """Show a run on the dashboard without running it."""
        ...

    def open_recording(self, path: str | Path, *, replay: Replay | None = None) -> str | None:
        """Replay a recording as a new run (``replay``: the one at ``path``, already opened and
        verified); its id, or None (with a notice)."""
        ...

    def cancel_run(self) -> bool: ...

    def retry_run(self) -> bool: ...

    def resume_run(self, run_id: str) -> bool: ...

    def action_help(self) -> None: ...

    def take_down_notices(self, title: str) -> None:
        """Take down the notices titled ``title`` that are still up."""
        ...

    def say_unfinished_again(self) -> None:
        """Say the opening's "Unfinished run" again if editing the connect form took it down."""
        ...


class _InApp(Protocol):
    @property
    def app(self) -> App[Any]: ...


def host(node: _InApp) -> AppHost:
    """The app that ``node`` (a screen, widget or command provider) is in, as an
    :class:`AppHost`."""
    return cast("AppHost", node.app)
