"""While a run goes, Python's cyclic garbage collector runs less often, and its threads hand
the GIL to each other sooner.

A page of 100 observations makes a few thousand container objects (parsed JSON, the
transform's dicts, the models) that reference counting frees as soon as the page is stored;
with CPython's default threshold (a young collection every 700 allocations, an old one every
hundred young ones) the collector still walked them five times a page, and the whole heap
every 50 pages: about 8% of a run's CPU (bench/pipeline.py, 50,000 items). At
``RUN_YOUNG_THRESHOLD`` most of a page is freed before a collection sees it. Garbage in
reference cycles is still collected, only in larger batches.

A run has two threads of Python: the event loop's (HTTP, connectors, transforms) and the
mirror's writer (rows, SQLite). Each page crosses from one to the other and back, and a thread
that wakes to take it waits for the GIL until the running one gives it up: at CPython's default
switch interval (5 ms) that is up to 5 ms at each hand-off, hundreds of times a run, and the
two threads ran one after the other rather than side by side (their CPU seconds added up to
the run's wall time). ``handing_off_sooner`` sets ``RUN_SWITCH_INTERVAL`` (0.5 ms) while a run
goes (``sys.setswitchinterval``, https://docs.python.org/3/library/sys.html).
``bench/pipeline.py`` (50,576 items on the simulator at zero latency, three interleaved pairs):
end to end 5.35-5.79 s against 5.92-6.88 s; a replay of the same run showed no change beyond
the noise (4.91-6.15 s against 4.87-5.39 s).
"""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["RUN_SWITCH_INTERVAL", "RUN_YOUNG_THRESHOLD", "collecting_less", "handing_off_sooner"]

#: Allocations (less deallocations) of container objects between two young collections
#: while a run goes (CPython's default: 700). The older generations keep their thresholds.
RUN_YOUNG_THRESHOLD = 10_000

_lock = threading.Lock()
_runs = 0
_before: tuple[int, int, int] | None = None
#: Seconds a thread holding the GIL runs before one waiting for it is let in, while a run goes
#: (CPython's default: 0.005).
RUN_SWITCH_INTERVAL = 0.0005
_handing = 0
_interval_before: float | None = None


@contextmanager
def collecting_less() -> Iterator[None]:
    """Raise the young generation's threshold to ``RUN_YOUNG_THRESHOLD`` (never lower it)
    until the block ends. Runs may overlap (the app runs a replay on a thread): the first to
    start raises it, the last to end puts the process's own thresholds back."""
    global _runs, _before
    with _lock:
        if _runs == 0:
            _before = gc.get_threshold()
            young, *older = _before
            gc.set_threshold(max(young, RUN_YOUNG_THRESHOLD), *older)
        _runs += 1
    try:
        yield
    finally:
        with _lock:
            _runs -= 1
            if _runs == 0 and _before is not None:
                # only the young threshold, the one it changed (the app holds the oldest's
                # back while a run goes, and puts it back itself: screens/app.py)
                gc.set_threshold(_before[0], *gc.get_threshold()[1:])
                _before = None


@contextmanager
def handing_off_sooner() -> Iterator[None]:
    """Lower the interpreter's switch interval to ``RUN_SWITCH_INTERVAL`` (never raise it)
    until the block ends (see the module docstring). Runs may overlap: the first to start
    lowers it, the last to end puts the process's own interval back."""
    global _handing, _interval_before
    with _lock:
        if _handing == 0:
            _interval_before = sys.getswitchinterval()
            if _interval_before > RUN_SWITCH_INTERVAL:  # a smaller one is left as it is
                sys.setswitchinterval(RUN_SWITCH_INTERVAL)
        _handing += 1
    try:
        yield
    finally:
        with _lock:
            _handing -= 1
            if _handing == 0 and _interval_before is not None:
                if _interval_before > RUN_SWITCH_INTERVAL:
                    sys.setswitchinterval(_interval_before)
                _interval_before = None
