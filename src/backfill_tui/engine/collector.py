"""While a run goes, Python's cyclic garbage collector runs less often.

A page of 100 observations makes a few thousand container objects (parsed JSON, the
transform's dicts, the models) that reference counting frees as soon as the page is stored;
with CPython's default threshold (a young collection every 700 allocations, an old one every
hundred young ones) the collector still walked them five times a page, and the whole heap
every 50 pages: about 8% of a run's CPU (bench/pipeline.py, 50,000 items). At
``RUN_YOUNG_THRESHOLD`` most of a page is freed before a collection sees it. Garbage in
reference cycles is still collected, only in larger batches.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["RUN_YOUNG_THRESHOLD", "collecting_less"]

#: Allocations (less deallocations) of container objects between two young collections
#: while a run goes (CPython's default: 700). The older generations keep their thresholds.
RUN_YOUNG_THRESHOLD = 10_000

_lock = threading.Lock()
_runs = 0
_before: tuple[int, int, int] | None = None


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
