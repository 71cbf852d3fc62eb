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
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..errors import MirrorError, StorageError
from ..terms import plural

if TYPE_CHECKING:
    from ..store import Mirror

log = logging.getLogger(__name__)

__all__ = ["Unrecorded"]


@dataclass
class Unrecorded:
    """Counts a run made that the mirror did not take, to add to its rows later.

    ``streams``: stream id -> (API calls, rate-limit wait in seconds) to add to its ``streams``
    row. ``sources``: (provider, target) -> seconds to add to its ``run_sources.waited_s`` (the
    time the source waited, its streams' overlapping waits once: the summary's figure).
    Picklable: it crosses from a run's child process in ``RunOutcome``.
    """

    run_id: str
    streams: dict[int, tuple[int, float]] = field(default_factory=dict)
    sources: dict[tuple[str, str], float] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.streams or self.sources)

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
        this run could not be recorded in the mirror (it was locked)``."""
        wait = max(sum(w for _, w in self.streams.values()), sum(self.sources.values()))
        waits = f" and {wait:.1f} s of rate-limit waits" if wait else ""
        return (
            f"{plural(self.calls, 'API call')}{waits} of run {self.run_id} could not be recorded "
            "in the mirror (it refused the write)"
        )

    def record(self, mirror: Mirror) -> bool:
        """Add what is held to the mirror's rows, each as it is taken (a later refusal keeps
        the rest here); True when nothing is left. Never raises for a refusal (a lock, a full
        disk): the counts stay held for a later try."""
        try:
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
