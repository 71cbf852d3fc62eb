"""Benchmark: a replay beside the run it recorded, and a replay's memory as recordings grow.

    .venv/bin/python bench/replay.py [--days 90] [--rate-limit-every 20] [--latency 0.1]
                                     [--memory 10000,100000]

Prints, from one run on this machine (each step in a fresh subprocess, nothing on the network,
the real home directory untouched):

1. time: the original run of every simulated provider (``--days``) against the simulator at
   ``--latency`` seconds a request, with a rate limit every ``--rate-limit-every`` requests
   (Retry-After 1 s; every second one a secondary limit, which GitHub asks 60 s for) on the
   real clock, so the original really waits, recorded with ``run --record``; then the replay
   of that recording into a fresh mirror; and replay/original. Times are of the run itself
   (open, verify, run), not of start-up: neither the interpreter's nor the connectors'
   imports, which each child makes before its clock starts and which are printed beside
   (``bench/startup.py`` measures start-up).
2. memory: recordings of about each ``--memory`` observations (``github:acme/rocket``, 90 days,
   zero latency, virtual clock, scaled); the replay's peak resident memory at each, and their
   growth ratio, beside what reading the whole recording into memory (``read_recording``, as
   replays did before) peaks at.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

DEMO_SOURCES = {
    "github": "github:acme/rocket",
    "vercel": "vercel:acme/rocket-web",
    "linear": "linear:ENG",
    "sentry": "sentry:acme/rocket",
}
ITEMS_PER_SCALE_90D = 918  # github:acme/rocket at scale 1 holds about this many items in 90 days


def _cpu_s() -> float:
    """CPU seconds (user + system) of this process so far: a shared machine's load swells
    wall time far more than CPU time."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _waited(mirror: object, run_id: str) -> float:
    """Seconds the run's sources waited, each source's overlapping waits counted once (the
    summary's ``waited``), summed over the sources."""
    rows = mirror.run_sources(run_id)  # type: ignore[attr-defined]
    return float(sum(row.get("waited_s") or 0.0 for row in rows))


def _import_connectors() -> float:
    """Import every provider's connector (and so its libraries: gql and graphql-core for
    Linear), as both children do before their clock starts; returns the seconds it took.
    Start-up is bench/startup.py's to measure: imported lazily on a run's first use, it fell
    inside the timed span, about a third of a replay's time and a tenth of a second of it
    gql's alone, the same on both sides."""
    from backfill_tui.connectors import CATALOG, provider

    started = time.perf_counter()
    for name in CATALOG:
        provider(name)
    return time.perf_counter() - started


def child_record(db: Path, rec: Path, sources: list[str], days: int, sim: str) -> dict[str, float]:
    from backfill_tui.engine.environment import Environment
    from backfill_tui.engine.recording import Recorder
    from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
    from backfill_tui.store import Mirror

    imports = _import_connectors()
    env = Environment.create(simulate=True, simulator_config=sim)
    mirror = Mirror.open(db)
    engine = Engine(mirror, env)
    request = RunRequest(
        "bench", tuple(SourceSpec.parse(s) for s in sources), depth=days, max_items=10_000_000
    )
    started, cpu = time.perf_counter(), _cpu_s()
    run = engine.plan(request)
    recorder = Recorder(rec)
    with recorder.recording(env, run):
        status = asyncio.run(engine.run(run.id))
    elapsed = time.perf_counter() - started
    stored = mirror.streams(run.id)
    waited = _waited(mirror, run.id)
    mirror.close()
    return {
        "seconds": elapsed,
        "status_ok": float(status == "completed"),
        "observations": float(sum(s.new + s.duplicates for s in stored)),
        "waits_s": float(sum(s.rate_limit_wait_s for s in stored)),
        "waited_s": waited,
        "exchanges": float(recorder.exchanges),
        "imports_s": imports,
        "cpu_s": _cpu_s() - cpu,
        "peak_mb": _peak_mb(),
    }


def child_replay(db: Path, rec: Path) -> dict[str, float]:
    from backfill_tui.engine.recording import Replay
    from backfill_tui.engine.run import Engine
    from backfill_tui.store import Mirror

    imports = _import_connectors()
    started, cpu = time.perf_counter(), _cpu_s()
    with Replay.open(rec) as replay:
        mirror = Mirror.open(db)
        engine = Engine(mirror, replay.environment())
        run = replay.plan(engine)
        status = asyncio.run(engine.run(run.id))
        left = replay.transport.remaining if replay.transport is not None else -1
    elapsed = time.perf_counter() - started
    stored = mirror.streams(run.id)
    waited = _waited(mirror, run.id)
    mirror.close()
    return {
        "seconds": elapsed,
        "status_ok": float(status == "completed" and left == 0),
        "observations": float(sum(s.new + s.duplicates for s in stored)),
        "waits_s": float(sum(s.rate_limit_wait_s for s in stored)),
        "waited_s": waited,
        "imports_s": imports,
        "cpu_s": _cpu_s() - cpu,
        "peak_mb": _peak_mb(),
    }


def child_load(rec: Path) -> dict[str, float]:
    from backfill_tui.recording import read_recording

    started = time.perf_counter()
    recording = read_recording(rec)
    return {
        "seconds": time.perf_counter() - started,
        "exchanges": float(len(recording.exchanges)),
        "peak_mb": _peak_mb(),
    }


def _spawn(env: dict[str, str], *args: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(list(args))],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"child {args[0]} failed:\n{out.stderr[-2000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _child(args: list[str]) -> None:
    kind = args[0]
    if kind == "record":
        result = child_record(
            Path(args[1]), Path(args[2]), json.loads(args[3]), int(args[4]), args[5]
        )
    elif kind == "replay":
        result = child_replay(Path(args[1]), Path(args[2]))
    else:
        result = child_load(Path(args[1]))
    print(json.dumps(result))


def _anchor() -> str:
    return (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=90, choices=(7, 30, 90))
    parser.add_argument("--rate-limit-every", type=int, default=20)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--memory", default="10000,100000")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(json.loads(args.child))
        return 0

    from backfill_tui.connectors import PROVIDERS

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = {
            k: v
            for k, v in os.environ.items()
            if not (k.endswith(("_TOKEN", "_API_KEY")) or k.startswith("BACKFILL_"))
        }
        for var in ("HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"):
            env[var] = str(work / "home")

        every = [spec for name, spec in DEMO_SOURCES.items() if name in PROVIDERS]
        sim = (
            f"anchor={_anchor()},latency={args.latency},rate_limit_every={args.rate_limit_every},"
            "retry_after=1,clock=real"
        )
        original = _spawn(
            env, "record", str(work / "orig.db"), str(work / "orig.rec.gz"), json.dumps(every),
            str(args.days), sim,
        )  # fmt: skip
        replayed = _spawn(env, "replay", str(work / "replay.db"), str(work / "orig.rec.gz"))
        assert original["status_ok"] and replayed["status_ok"], (original, replayed)
        assert replayed["observations"] == original["observations"], (original, replayed)

        sizes = [int(n) for n in args.memory.split(",") if n.strip()]
        memory: list[tuple[int, dict[str, float], dict[str, float], float]] = []
        for n in sizes:
            scale = max(0.05, n / ITEMS_PER_SCALE_90D)
            rec = work / f"mem-{n}.rec.gz"
            recorded = _spawn(
                env, "record", str(work / f"mem-{n}.db"), str(rec), json.dumps([DEMO_SOURCES["github"]]),
                "90", f"anchor={_anchor()},scale={scale:.3f},clock=virtual",
            )  # fmt: skip
            replay = _spawn(env, "replay", str(work / f"mem-{n}-replay.db"), str(rec))
            assert replay["status_ok"] and replay["observations"] == recorded["observations"]
            loaded = _spawn(env, "load", str(rec))
            memory.append((n, recorded, replay, rec.stat().st_size))
            memory[-1][1]["load_peak_mb"] = loaded["peak_mb"]

    ratio = replayed["seconds"] / original["seconds"]
    print("replay benchmark (one run; simulator in-process; each step a fresh subprocess)")
    print(
        f"1. time: {len(every)} providers, {args.days} days, latency {args.latency * 1000:.0f} ms, "
        f"a rate limit every {args.rate_limit_every} requests, real clock"
    )
    print(
        f"   {original['observations']:.0f} observations, {original['exchanges']:.0f} recorded "
        f"exchanges; the sources waited (the summary's waited, streams' overlapping waits "
        f"once): original {original['waited_s']:.1f} s, replay {replayed['waited_s']:.1f} s; "
        f"the streams' waits summed: original {original['waits_s']:.1f} s, replay "
        f"{replayed['waits_s']:.1f} s"
    )
    print(f"   original run (recording)   {original['seconds']:8.2f} s")
    print(f"   replay                     {replayed['seconds']:8.2f} s")
    print(f"   replay / original          {ratio:8.3f}  (target <= 0.1)")
    print(
        f"   not counted, on both sides: importing the four connectors (gql, graphql-core with "
        f"Linear's) before the clock starts, original {original['imports_s']:.2f} s, replay "
        f"{replayed['imports_s']:.2f} s"
    )
    print(
        f"   CPU: original {original['cpu_s']:.2f} s, replay {replayed['cpu_s']:.2f} s; the "
        "original's time is mostly its waits (latency, rate limits: which limit lands on GitHub, "
        "1 s or 60 s, varies run to run), the replay's its CPU"
    )
    print("2. memory: replay of github:acme/rocket 90 d recordings, peak RSS of the process")
    print(
        f"   {'observations':>12} {'exchanges':>10} {'file':>9} {'replay s':>9} "
        f"{'replay peak':>12} {'whole-file read peak':>21}"
    )
    for _, recorded, replay, size in memory:
        print(
            f"   {recorded['observations']:>12.0f} {recorded['exchanges']:>10.0f} "
            f"{size / 1e6:>7.1f}MB {replay['seconds']:>8.2f}s {replay['peak_mb']:>10.1f}MB "
            f"{recorded['load_peak_mb']:>19.1f}MB"
        )
    if len(memory) >= 2:
        (_, r0, p0, _), (_, r1, p1, _) = memory[0], memory[-1]
        print(
            f"   growth {r1['observations'] / r0['observations']:.1f}x observations: replay peak "
            f"{p1['peak_mb'] / p0['peak_mb']:.2f}x, whole-file read peak "
            f"{r1['load_peak_mb'] / r0['load_peak_mb']:.2f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
