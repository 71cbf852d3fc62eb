"""End-to-end pipeline benchmark: simulator → HTTP layer → connector → engine → SQLite mirror.

Prints, from one run on this machine:
- observations per second of a headless backfill of ``github:acme/rocket`` through the simulator
  at zero latency (default 50,000 items), beside a raw sqlite-utils ``insert_all`` of the very
  same rows into an empty file, and their ratio;
- peak resident memory of the whole process at 10,000 and 100,000 items (each in a fresh
  subprocess), which must stay flat because items are streamed page by page.

Usage: .venv/bin/python bench/pipeline.py [--items 50000] [--memory 10000,100000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlite_utils

from backfill_tui.engine.environment import Environment
from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
from backfill_tui.store import Mirror

ITEMS_PER_SCALE_90D = 918  # github:acme/rocket at scale 1 holds about this many items in 90 days


def backfill(db: Path, items: int) -> tuple[int, float]:
    """Run the headless engine; returns (observations stored, seconds)."""
    scale = max(0.05, items / ITEMS_PER_SCALE_90D)
    anchor = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    env = Environment.create(simulate=True, simulator_config=f"anchor={anchor},scale={scale:.3f},clock=virtual")
    mirror = Mirror.open(db)
    engine = Engine(mirror, env)
    run = engine.plan(RunRequest("bench", (SourceSpec.parse("github:acme/rocket"),), depth=90,
                                 max_items=10_000_000))
    started = time.perf_counter()
    status = asyncio.run(engine.run(run.id))
    elapsed = time.perf_counter() - started
    assert status == "completed", status
    stored = mirror.count_observations("bench")
    mirror.close()
    return stored, elapsed


def raw_insert(source_db: Path, target_db: Path) -> tuple[int, float]:
    """Insert the same rows with sqlite-utils (no HTTP, no parsing, no dedup logic)."""
    with sqlite3.connect(source_db) as conn:
        conn.row_factory = sqlite3.Row
        rows = [dict(r) for r in conn.execute("SELECT * FROM observations")]
    for row in rows:
        row.pop("id")
    db = sqlite_utils.Database(target_db)
    db.execute("PRAGMA journal_mode=WAL")
    started = time.perf_counter()
    db["observations"].insert_all(rows, batch_size=100)
    elapsed = time.perf_counter() - started
    return len(rows), elapsed


def high_water_kib() -> int:
    """This process's peak RSS (VmHWM; unlike ru_maxrss it is not inherited across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def memory_child(items: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        before = high_water_kib()
        stored, elapsed = backfill(Path(tmp) / "m.db", items)
        peak = high_water_kib()
    print(json.dumps({"stored": stored, "seconds": elapsed, "baseline_kib": before, "peak_kib": peak}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--memory", default="10000,100000")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        memory_child(args.child)
        return

    with tempfile.TemporaryDirectory() as tmp:
        stored, pipeline_s = backfill(Path(tmp) / "mirror.db", args.items)
        raw_rows, raw_s = raw_insert(Path(tmp) / "mirror.db", Path(tmp) / "raw.db")
    pipeline_rate, raw_rate = stored / pipeline_s, raw_rows / raw_s
    print(f"end to end : {stored:>7} observations in {pipeline_s:6.2f} s = {pipeline_rate:9,.0f} obs/s")
    print(f"raw insert : {raw_rows:>7} rows         in {raw_s:6.2f} s = {raw_rate:9,.0f} rows/s (sqlite-utils insert_all)")
    print(f"ratio      : the pipeline runs at {pipeline_rate / raw_rate:.1%} of a raw insert's rate")

    print("peak memory (whole process, fresh subprocess each):")
    for size in (int(s) for s in args.memory.split(",")):
        out = subprocess.run([sys.executable, __file__, "--child", str(size)], capture_output=True,
                             text=True, check=True).stdout
        child = json.loads(out.strip().splitlines()[-1])
        print(f"  {child['stored']:>7} observations: peak RSS {child['peak_kib'] / 1024:6.1f} MiB "
              f"(after imports {child['baseline_kib'] / 1024:5.1f} MiB), {child['stored'] / child['seconds']:,.0f} obs/s")


if __name__ == "__main__":
    main()
