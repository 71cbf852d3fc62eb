"""Where the suite's CPU goes: ``SUITE_CPU_REPORT=FILE scripts/test`` appends to FILE one line per
test (CPU seconds of this process, all its threads, plus of the subprocesses it waited for; wall
seconds; the test's id) and one ``SESSION <worker>`` line per process with its whole CPU
(imports, collection, every test) and wall time, tab-separated.

Wall time on a shared machine measures the neighbours too; CPU seconds measure the test. Off
unless the variable is set. Sum it with e.g.
``awk -F'\\t' '!/SESSION/ {split($3, a, "::"); s[a[1]] += $1} END {for (f in s) print s[f], f}'``.
"""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Iterator

import pytest

_STARTED = time.perf_counter()


def _report_file() -> str | None:
    return os.environ.get("SUITE_CPU_REPORT") or None


def _cpu_now() -> float:
    """CPU seconds (user + system) of this process and of its waited-for children."""
    own = time.process_time()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own + children.ru_utime + children.ru_stime


def _write(line: str) -> None:
    path = _report_file()
    if path:
        with open(path, "a", encoding="utf-8") as report:
            report.write(line)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    if not _report_file():
        return (yield)
    cpu, wall = _cpu_now(), time.perf_counter()
    try:
        return (yield)
    finally:
        _write(f"{_cpu_now() - cpu:.3f}\t{time.perf_counter() - wall:.3f}\t{item.nodeid}\n")


def pytest_sessionfinish(session: pytest.Session) -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    _write(f"{_cpu_now():.3f}\t{time.perf_counter() - _STARTED:.3f}\tSESSION {worker}\n")
