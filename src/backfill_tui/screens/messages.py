"""Messages the terminal app's screens and workers post (Harlequin's way: work comes back as
messages). Tests watch them with ``run_test(message_hook=...)``.

High-rate ones (:class:`ProgressFlushed`) say so with ``can_replace``, so an unread one is
replaced by the next instead of queueing (Toolong's way).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:  # annotations only: the app's first frame does not load the engine
    from datetime import date

    from ..engine.connection import ConnectionReport
    from ..engine.diff import RunDiff
    from ..engine.estimate import Estimate
    from ..engine.observations import ObservationDetail, ObservationRow
    from ..engine.run import RunRequest


@dataclass
class SourceAdded(Message):
    """A source was added on the connect screen."""

    source: str


@dataclass
class ConnectionChecked(Message):
    """A "test connection" call came back."""

    report: ConnectionReport


@dataclass
class EstimateReady(Message):
    """The first pages were fetched and the estimate is ready."""

    request: RunRequest
    estimate: Estimate


@dataclass
class StartRequested(Message):
    """The user pressed Start with a valid request."""

    request: RunRequest


@dataclass
class RunLaunched(Message):
    """The engine started (or resumed) a run in a worker."""

    run_id: str
    resumed: bool = False


@dataclass
class ProgressFlushed(Message):
    """Buffered progress events were folded into the run's state (a few times a second)."""

    run_id: str
    events: int
    fetched: int

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ProgressFlushed) and message.run_id == self.run_id


@dataclass
class RunEnded(Message):
    """The engine's run returned (completed, partial, failed or cancelled); ``error``: the
    line it stopped with, if any (the mirror locked by another process, say)."""

    run_id: str
    status: str
    error: str | None = None


@dataclass
class ObservationOpened(Message):
    """The detail pane shows an observation."""

    observation_id: int


# -- answers of the screens' store reads (thread workers; ``generation`` drops a stale one) -----


@dataclass
class ChartCounted(Message):
    """The day chart's counts were read: observations per source per day."""

    generation: int
    counts: dict[str, dict[str, int]]
    first: date
    last: date
    #: The workspace's observations that occurred before ``first`` (created before the
    #: window, updated in it; or an earlier, deeper run's): left out of the days, said beneath.
    older: int = 0


@dataclass
class ObservationsFound(Message):
    """A page of the observations table was read (``offset`` 0: a new query, with its count
    and facets; later pages append)."""

    generation: int
    offset: int
    rows: list[ObservationRow]
    #: Each row's table cells, built on the worker's thread (off the UI's loop).
    cells: list[tuple[Any, ...]]
    matching: int | None = None
    count_cap: int = 0
    #: Each source in the workspace → its observation types (the filters' choices).
    facets: dict[str, list[str]] | None = None
    workspace: str = ""
    #: The page replaces the table's rows (``end``: the last page of the whole result).
    jump: bool = False
    #: The page goes above the table's first row (moving up from it after ``end``).
    above: bool = False


@dataclass
class ObservationRead(Message):
    """One observation was read for the detail pane (None: no longer in the mirror)."""

    generation: int
    observation_id: int
    observation: ObservationDetail | None


@dataclass
class RunsDiffed(Message):
    """Two runs were compared (``error``: why not, in one line)."""

    diff: RunDiff | None
    error: str | None = None
