"""Time, as the engine, the HTTP layer and the simulator see it.

Everything that waits (rate-limit pauses, retry backoff) or reads the time (quota resets,
rate-limit headers) goes through a :class:`Clock`, so that a simulated run can use a
:class:`VirtualClock` whose waits pass instantly while being accounted exactly as real ones.
"""

from __future__ import annotations

import asyncio
import time
from contextvars import ContextVar
from typing import Protocol


class Clock(Protocol):
    """The source of "now" (epoch seconds, UTC) and of waiting."""

    def now(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """Wall-clock time; waits really wait."""

    def now(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class VirtualClock:
    """A clock whose sleeps advance virtual time at once (for simulated runs and tests).

    It starts at the real time (or ``start``) and only moves forward when somebody sleeps,
    so a one-hour rate-limit wait costs nothing but is still reported as one hour.
    """

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else start

    def now(self) -> float:
        return self._now

    #: Seconds of waiting asked of this clock in all (each sleep counted, none really waited).
    slept: float = 0.0

    async def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._now += seconds
            self.slept += seconds
        await asyncio.sleep(0)


class ReplayClock(VirtualClock):
    """The clock of a replay: virtual, and on each stream's own recorded timeline.

    A replay serves recorded answers with no latency, so one shared virtual "now" would drift
    from the original's as concurrent streams interleave differently. Instead, as an answer is
    served, the asking task's "now" is set to the instant the original run received it
    (:meth:`answered`); that task's later reads and sleeps go on from there. So the waits the
    retry layer computes from absolute reset times come out as the original's, and are
    accounted, while nothing really waits. Outside any answered task, "now" is the latest
    instant any task has reached.
    """

    def __init__(self, start: float | None = None) -> None:
        super().__init__(start)
        self._task_now: ContextVar[float | None] = ContextVar("replay_now", default=None)

    def now(self) -> float:
        own = self._task_now.get()
        return own if own is not None else self._now

    async def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.slept += seconds
            woken = self.now() + seconds
            if self._task_now.get() is not None:
                self._task_now.set(woken)
            self._now = max(self._now, woken)
        await asyncio.sleep(0)

    def answered(self, instant: float) -> None:
        """The current task has just been given an answer the original received at ``instant``
        (epoch seconds)."""
        self._task_now.set(instant)
        self._now = max(self._now, instant)
