"""A run's accounting the mirror refused to take: API calls and rate-limit waits made for pages
a lock (or a full disk) kept out of the mirror.

A page's calls and waits are stored with the page, in its transaction; a stream's calls after
its last stored page are added as it ends (``Mirror.add_stream_calls``). When the mirror
refuses those writes (another process holds its write lock past the busy timeout), they were
dropped: a run stopped by a lock said ``interrupted · 27 API calls`` and, resumed, its report's
streams added up to 25 of the 31 made, its first try's waits gone (a fresh tester's finding).
:class:`Unrecorded` keeps them instead, to be added when the mirror next takes a write
(:meth:`Unrecorded.record`): at the run's end if the lock went meanwhile, else at its resume by
the same face (``RunOutcome.unrecorded`` carries them out of a run's process).

The end of the run's span is kept the same way: a run the lock stopped (or one whose end a
lock refused, a Ctrl-C while it waited) could not write when it stopped, so its time ended at
its last stored page: a run of 8 s stopped by a lock showed ``interrupted 00:01``, and after
the app's retry ``00:09`` where it had shown ``00:39`` live (a fresh tester's finding). Kept
here, it is written when the mirror takes writes again (``Mirror.end_span``). The 30 s the
run waited for the lock count: it is time the run spent, as the dashboard showed it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from ..errors import MirrorError, StorageError
from ..terms import plural

if TYPE_CHECKING:
    from ..store import Mirror

log = logging.getLogger(__name__)

__all__ = ["Unrecorded"]


def _clock(instant: str) -> str:
    """``18:41:22`` of an ISO 8601 instant (UTC, as runs store them); the text itself if none."""
    try:
        return datetime.fromisoformat(instant).strftime("%H:%M:%S")
    except ValueError:
        return instant


@dataclass
class Unrecorded:
    """Counts a run made that the mirror did not take, to add to its rows later.

    ``streams``: stream id -> (API calls, rate-limit wait in seconds) to add to its ``streams``
    row. ``sources``: (provider, target) -> seconds to add to its ``run_sources.waited_s`` (the
    time the source waited, its streams' overlapping waits once: the summary's figure).
    ``ended_at``: the instant its span ended (ISO 8601, on the run's own clock, as its
    ``started_at``), when the mirror refused to store it; None when stored.
    Picklable: it crosses from a run's child process in ``RunOutcome``.
    """

    run_id: str
    streams: dict[int, tuple[int, float]] = field(default_factory=dict)
    sources: dict[tuple[str, str], float] = field(default_factory=dict)
    ended_at: str | None = None

    def __bool__(self) -> bool:
        return bool(self.streams or self.sources or self.ended_at)

    def add_stream(self, stream_id: int, calls: int, wait_s: float) -> None:
        had_calls, had_wait = self.streams.get(stream_id, (0, 0.0))
        self.streams[stream_id] = (had_calls + calls, had_wait + wait_s)

    def add_waited(self, provider: str, target: str, waited_s: float) -> None:
        key = (provider, target)
        self.sources[key] = self.sources.get(key, 0.0) + waited_s

    @property
    def calls(self) -> int:
        """Every API call held here."""
        return sum(c for c, _ in self.streams.values())

    def line(self) -> str:
        """What the mirror lacks, for the user: ``5 API calls and 2.0 s of rate-limit waits of
        run X could not be recorded in the mirror (it refused the write)``; with the span's
        end, ``… and the time it ran until 18:41:22 …``."""
        wait = max(sum(w for _, w in self.streams.values()), sum(self.sources.values()))
        parts = [plural(self.calls, "API call")] if self.calls or not self.ended_at else []
        if wait:
            parts.append(f"{wait:.1f} s of rate-limit waits")
        if self.ended_at:
            parts.append(f"the time it ran until {_clock(self.ended_at)}")
        what = " and ".join(parts)
        return (
            f"{what} of run {self.run_id} could not be recorded in the mirror "
            "(it refused the write)"
        )

    def record(self, mirror: Mirror) -> bool:
        """Add what is held to the mirror's rows, each as it is taken (a later refusal keeps
        the rest here); True when nothing is left. Never raises for a refusal (a lock, a full
        disk): the counts stay held for a later try."""
        try:
            if self.ended_at is not None:
                mirror.end_span(self.run_id, self.ended_at)
                self.ended_at = None
            for stream_id, (calls, wait_s) in list(self.streams.items()):
                mirror.add_stream_calls(stream_id, calls, wait_s)
                del self.streams[stream_id]
            for (provider, target), waited_s in list(self.sources.items()):
                mirror.add_source_waited(self.run_id, provider, target, waited_s)
                del self.sources[(provider, target)]
        except (StorageError, MirrorError) as exc:
            log.warning("run %s: %s: %s", self.run_id, self.line(), exc)
            return False
        return True
