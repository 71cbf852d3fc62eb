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

    def catch_up(self, instant: float) -> None:
        """Move "now" forward to ``instant`` (epoch seconds), never backward: another clock
        this one mirrors (a run's, in its own process) has reached it."""
        if instant > self._now:
            self._now = instant


class ReplayClock(VirtualClock):
    """The clock of a replay: virtual, each task (a stream, a source's lookup) on the recorded
    run's time as that task last saw it.

    A replay serves recorded answers with no latency and waits for nothing, so its streams
    do not overlap in time as the original's did. On one shared clock every stream's sleep
    added to the others' time and each answer moved all of them to its own instant: a
    replay's waits (computed from absolute reset times) and its end came out longer than the
    original's, and different on each replay as the streams interleaved in another order (a
    fresh tester saw ran_s 16, 17 and 16 for a run of 12 s). Here each task keeps its own
    "now": the instant the original received the task's latest answer (:meth:`answered`,
    never backward), plus the task's own sleeps since. A wait computed from a reset time is
    then the original's, whatever the order. The run's own reads (its start and end, outside
    any stream) see the latest instant any task reached, caught up to the recorded run's end
    (:meth:`ended`) once its last answer is served: its finished time is the original's.
    """

    def __init__(self, start: float | None = None) -> None:
        super().__init__(start)
        #: This task's own time; a task inherits its creator's (``asyncio`` copies the
        #: context), and setting it in one task never moves another's. None: the run's own.
        self._own: ContextVar[float | None] = ContextVar("replay_now", default=None)
        self._over = False  # the recorded run's end was reached: every task reads it

    def now(self) -> float:
        own = self._own.get()
        return self._now if own is None or self._over else own

    async def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.slept += seconds
            mine = self.now() + seconds
            self._own.set(mine)
            self.catch_up(mine)
        await asyncio.sleep(0)

    def answered(self, instant: float) -> None:
        """An answer the original received at ``instant`` (epoch seconds) has been served to
        the current task."""
        own = self._own.get()
        if own is None or instant > own:  # its first: not the latest any other task reached
            self._own.set(instant)
        self.catch_up(instant)

    def ended(self, instant: float) -> None:
        """The recorded run ended at ``instant`` (epoch seconds; ``RunEnd.ended``) and its last
        answer has been served: from now on every task reads that instant, even where a
        stream's own time went past it (a wait held by another's computed from a time behind
        it), so the replay ends when its run did: its finished time and ``ran_s`` are the
        recorded ones."""
        self._now = instant
        self._over = True
