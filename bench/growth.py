"""Benchmark: the headless backfill as the work grows (issue 13, item 6).

    .venv/bin/python bench/growth.py [--sizes 10000,100000,500000]

For each size, in a fresh subprocess: a headless backfill of ``github:acme/rocket`` (90 days,
scaled to about that many observations, zero latency, virtual clock) into an empty mirror.
Prints its run time, observations per second and the process's peak resident memory, the
growth exponent of time between consecutive sizes (``log(t2/t1) / log(n2/n1)``: 1.0 is
linear), and memory's ratio to the smallest size; then what opening that mirror costs: the
check made on every open (header, schema version, in-header page count against the file's
size) beside ``PRAGMA quick_check(1)`` (which still reads the whole file) and a full
``PRAGMA quick_check``, the latter two now only on request (``Mirror.verify``).
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))


def child(items: int) -> dict[str, float]:
    import sqlite3

    from pipeline import backfill, high_water_kib

    from backfill_tui.store import Mirror
    from backfill_tui.store import opening as opening_module

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "m.db"
        stored, seconds, _ = backfill(db, items)
        peak = high_water_kib()
        opening_module._SOUND.clear()  # as a new process opens it
        started = time.perf_counter()
        Mirror.open(db, readonly=True).close()
        open_s = time.perf_counter() - started
        with sqlite3.connect(db) as conn:
            started = time.perf_counter()
            conn.execute("PRAGMA quick_check(1)").fetchone()
            quick1_s = time.perf_counter() - started
            started = time.perf_counter()
            conn.execute("PRAGMA quick_check").fetchone()
            quick_s = time.perf_counter() - started
        size = db.stat().st_size
    return {
        "stored": stored,
        "seconds": seconds,
        "peak_kib": peak,
        "open_s": open_s,
        "quick1_s": quick1_s,
        "quick_s": quick_s,
        "mb": size / 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,500000")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child)))
        return
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(size)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
        print("measured:", json.dumps(rows[-1]), flush=True)  # kept if a larger size is stopped
    print(f"{'observations':>12} {'seconds':>8} {'obs/s':>8} {'exponent':>8} {'peak MiB':>9} "
          f"{'x smallest':>10}")  # fmt: skip
    first = rows[0]
    for i, row in enumerate(rows):
        exponent = ""
        if i:
            prev = rows[i - 1]
            exponent = f"{math.log(row['seconds'] / prev['seconds']) / math.log(row['stored'] / prev['stored']):.2f}"
        print(
            f"{row['stored']:>12,.0f} {row['seconds']:>8.1f} {row['stored'] / row['seconds']:>8,.0f} "
            f"{exponent:>8} {row['peak_kib'] / 1024:>9.1f} {row['peak_kib'] / first['peak_kib']:>9.2f}x"
        )
    print("opening the mirror afterwards (fresh process state):")
    print(f"{'observations':>12} {'file MB':>8} {'open s':>7} {'quick_check(1) s':>16} "
          f"{'quick_check s':>13}")  # fmt: skip
    for row in rows:
        print(
            f"{row['stored']:>12,.0f} {row['mb']:>8.0f} {row['open_s']:>7.3f} "
            f"{row['quick1_s']:>16.3f} {row['quick_s']:>13.3f}"
        )


if __name__ == "__main__":
    main()
