"""Time, as the engine, the HTTP layer and the simulator see it.

Everything that waits (rate-limit pauses, retry backoff) or reads the time (quota resets,
rate-limit headers) goes through a :class:`Clock`, so that a simulated run can use a
:class:`VirtualClock` whose waits pass instantly while being accounted exactly as real ones.
"""

from __future__ import annotations

import asyncio
import time
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

    def catch_up(self, instant: float) -> None:
        """Move "now" forward to ``instant`` (epoch seconds), never backward: another clock
        this one mirrors (a run's, in its own process) has reached it."""
        if instant > self._now:
            self._now = instant


class ReplayClock(VirtualClock):
    """The clock of a replay: virtual, and kept up with the recorded run's time.

    A replay serves recorded answers with no latency, so a plain virtual clock would lag the
    original's by all the time the original spent waiting on answers, and waits computed from
    absolute reset times would come out longer than the original's. As each answer is served,
    :meth:`answered` moves "now" forward to the instant the original received it (never
    backward: concurrent streams are served in another order than they were recorded), and
    sleeps add to it at once, accounted in ``slept``.
    """

    def answered(self, instant: float) -> None:
        """An answer the original received at ``instant`` (epoch seconds) has been served."""
        self.catch_up(instant)
