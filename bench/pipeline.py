"""End-to-end pipeline benchmark: simulator → HTTP layer → connector → engine → SQLite mirror.

Prints, from one run on this machine:
- observations per second of a headless backfill of ``github:acme/rocket`` through the simulator
  at zero latency (default 50,000 items), beside a raw sqlite-utils ``insert_all`` of the very
  same rows into an empty file, and their ratio;
- peak resident memory of the whole process at 10,000 and 100,000 items (each in a fresh
  subprocess), which must stay flat because items are streamed page by page.

Also, so the figure is honest:
- the simulator's own cost: the very requests the run made, asked again of a fresh simulator
  with nothing behind it (no transport layer, no connector, no mirror), and the end-to-end
  rate with that time taken out;
- a replayed run as a second measure: the run recorded (``run --record``), then replayed into a
  fresh mirror (the recording answers: no simulator at all), beside the raw insert;
- ``--profile N``: the top N functions (own time) of the end-to-end run under cProfile, of the
  event loop's thread and of the mirror's writer thread (where the rows are built and SQLite
  runs), with the writer thread's CPU seconds.

Also the CPU time of each step (all threads of the process) and the ratios by CPU time, which
a shared machine's load disturbs far less than wall time; ``--memory ''`` skips the memory part;
``PSORT=cumulative`` sorts the profile by cumulative time.

Usage: .venv/bin/python bench/pipeline.py [--items 50000] [--memory 10000,100000] [--profile 15]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import sqlite_utils

from backfill_tui.engine.environment import Environment
from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
from backfill_tui.store import Mirror

#: CPU seconds (user + system, every thread of this process) of the last timed span of each
#: step, beside its wall time: on a shared machine wall time swells with other processes' load,
#: CPU time far less, so the CPU ratios are the steadier figure.
CPU: dict[str, float] = {}


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


ITEMS_PER_SCALE_90D = 918  # github:acme/rocket at scale 1 holds about this many items in 90 days


def _config(items: int) -> str:
    scale = max(0.05, items / ITEMS_PER_SCALE_90D)
    anchor = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"anchor={anchor},scale={scale:.3f},clock=virtual"


def backfill(
    db: Path, items: int, *, record: Path | None = None, profile: int = 0, config: str = ""
) -> tuple[int, float, list[str]]:
    """Run the headless engine; returns (observations stored, seconds, URLs requested).

    ``record``: also write the run's exchanges there (for the replay measure); ``profile``:
    print the top functions by own time."""
    env = Environment.create(simulate=True, simulator_config=config or _config(items))
    assert env.simulator is not None
    mirror = Mirror.open(db)
    engine = Engine(mirror, env)
    run = engine.plan(
        RunRequest(
            "bench", (SourceSpec.parse("github:acme/rocket"),), depth=90, max_items=10_000_000
        )
    )
    profiler = cProfile.Profile() if profile else None
    writer = _profile_writer(engine) if profile else None
    started, cpu = time.perf_counter(), cpu_s()
    if profiler is not None:
        profiler.enable()
    if record is not None:
        from backfill_tui.engine.recording import Recorder

        with Recorder(record).recording(env, run):
            status = asyncio.run(engine.run(run.id))
    else:
        status = asyncio.run(engine.run(run.id))
    if profiler is not None:
        profiler.disable()
    elapsed = time.perf_counter() - started
    CPU["backfill"] = cpu_s() - cpu
    assert status == "completed", status
    stored = mirror.count_observations("bench")
    mirror.close()
    if profiler is not None and writer is not None:
        order = os.environ.get("PSORT", "tottime")
        print(f"profile of the end-to-end run (top {profile} by own time; cProfile slows it):")
        print("event loop's thread (HTTP, connectors, simulator):")
        pstats.Stats(profiler).sort_stats(order).print_stats(profile)
        writer_profile, writer_cpu = writer
        print(
            f"mirror's writer thread (rows, SQLite; {writer_cpu[0]:.2f} CPU s of the run's "
            f"{CPU['backfill']:.2f}):"
        )
        pstats.Stats(writer_profile).sort_stats(order).print_stats(profile)
    return stored, elapsed, [r.url for r in env.simulator.requests]


def _profile_writer(engine: Engine) -> tuple[cProfile.Profile, list[float]]:
    """Profile the engine's writer thread too (cProfile sees only the thread that enables it):
    its commit job runs under a profiler of its own, and its CPU seconds are added up."""
    profiler, cpu = cProfile.Profile(), [0.0]
    commit = engine._commit_queued

    def profiled() -> None:
        began = time.thread_time()
        profiler.enable()
        try:
            commit()
        finally:
            profiler.disable()
            cpu[0] += time.thread_time() - began

    engine._commit_queued = profiled  # type: ignore[method-assign]
    return profiler, cpu


def simulator_alone(config: str, urls: list[str]) -> float:
    """Seconds a fresh simulator takes to answer ``urls`` with nothing behind it."""
    env = Environment.create(simulate=True, simulator_config=config)
    assert env.simulator is not None
    transport = env.simulator.transport

    async def ask() -> None:
        async with httpx.AsyncClient(transport=transport) as client:
            for url in urls:
                (await client.get(url)).raise_for_status()

    started, cpu = time.perf_counter(), cpu_s()
    asyncio.run(ask())
    CPU["simulator"] = cpu_s() - cpu
    return time.perf_counter() - started


def replayed(rec: Path, db: Path) -> tuple[int, float]:
    """Replay a recording into a fresh mirror: (observations stored, seconds)."""
    from backfill_tui.engine.recording import Replay

    started, cpu = time.perf_counter(), cpu_s()
    with Replay.open(rec) as replay:
        mirror = Mirror.open(db)
        engine = Engine(mirror, replay.environment())
        run = replay.plan(engine)
        status = asyncio.run(engine.run(run.id))
    elapsed = time.perf_counter() - started
    CPU["replayed"] = cpu_s() - cpu
    assert status == "completed", status
    stored = mirror.count_observations()
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
    started, cpu = time.perf_counter(), cpu_s()
    db["observations"].insert_all(rows, batch_size=100)
    elapsed = time.perf_counter() - started
    CPU["raw"] = cpu_s() - cpu
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
        stored, elapsed, _ = backfill(Path(tmp) / "m.db", items)
        peak = high_water_kib()
    print(
        json.dumps({"stored": stored, "seconds": elapsed, "baseline_kib": before, "peak_kib": peak})
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--memory", default="10000,100000")
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        memory_child(args.child)
        return

    config = _config(args.items)
    with tempfile.TemporaryDirectory() as tmp:
        rec = Path(tmp) / "run.rec.gz"
        stored, pipeline_s, urls = backfill(Path(tmp) / "mirror.db", args.items, config=config)
        pipeline_cpu = CPU["backfill"]
        raw_rows, raw_s = raw_insert(Path(tmp) / "mirror.db", Path(tmp) / "raw.db")
        sim_s = simulator_alone(config, urls)
        backfill(Path(tmp) / "recorded.db", args.items, record=rec, config=config)
        replay_rows, replay_s = replayed(rec, Path(tmp) / "replayed.db")
        if args.profile:
            backfill(Path(tmp) / "profiled.db", args.items, profile=args.profile, config=config)
    pipeline_rate, raw_rate = stored / pipeline_s, raw_rows / raw_s
    ours_rate = stored / max(1e-9, pipeline_s - sim_s)
    replay_rate = replay_rows / replay_s
    print(
        f"end to end : {stored:>7} observations in {pipeline_s:6.2f} s = {pipeline_rate:9,.0f} obs/s"
    )
    print(
        f"raw insert : {raw_rows:>7} rows         in {raw_s:6.2f} s = {raw_rate:9,.0f} rows/s (sqlite-utils insert_all)"
    )
    print(
        f"simulator  : {len(urls):>7} requests     in {sim_s:6.2f} s (answering the same requests alone)"
    )
    print(
        f"without it : {stored:>7} observations in {pipeline_s - sim_s:6.2f} s = {ours_rate:9,.0f} obs/s"
    )
    print(
        f"replayed   : {replay_rows:>7} observations in {replay_s:6.2f} s = {replay_rate:9,.0f} obs/s (from the run's recording, no simulator)"
    )
    print(
        f"ratio      : end to end {pipeline_rate / raw_rate:.1%}, without the simulator "
        f"{ours_rate / raw_rate:.1%}, replayed {replay_rate / raw_rate:.1%} of a raw insert's rate"
    )

    raw_cpu, sim_cpu = CPU["raw"], CPU["simulator"]
    print(
        f"cpu time   : end to end {pipeline_cpu:.2f} s, raw insert {raw_cpu:.2f} s, simulator "
        f"alone {sim_cpu:.2f} s, replayed {CPU['replayed']:.2f} s (all threads of this process)"
    )
    print(
        f"cpu ratio  : end to end {raw_cpu / pipeline_cpu:.1%}, without the simulator "
        f"{raw_cpu / max(1e-9, pipeline_cpu - sim_cpu):.1%}, replayed "
        f"{raw_cpu / CPU['replayed']:.1%} of a raw insert's rate per CPU second"
    )
    print(
        f"load average after the run: {', '.join(f'{x:.2f}' for x in os.getloadavg())} "
        f"on {os.cpu_count()} cores (wall figures swell with it; CPU figures far less)"
    )

    if not args.memory:
        return
    print("peak memory (whole process, fresh subprocess each):")
    for size in (int(s) for s in args.memory.split(",")):
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(size)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        child = json.loads(out.strip().splitlines()[-1])
        print(
            f"  {child['stored']:>7} observations: peak RSS {child['peak_kib'] / 1024:6.1f} MiB "
            f"(after imports {child['baseline_kib'] / 1024:5.1f} MiB), {child['stored'] / child['seconds']:,.0f} obs/s"
        )


if __name__ == "__main__":
    main()
