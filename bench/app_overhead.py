"""What the live dashboard costs a run: observations per second, headless vs. with the app.

The same simulated backfill (every demo source, 90 days, a fixed history, no latency, so the
run is CPU-bound and any UI cost shows) runs with the Engine alone and with the terminal app's
dashboard attached (the App headless through ``run_test``, engine in its worker, updates
batched four times a second). After one uncounted warm-up of each, runs alternate; the
medians are compared. The app must keep at
least 90% of headless throughput.

    .venv/bin/python bench/app_overhead.py [--rounds 3] [--scale 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from backfill_tui.cli.app import demo_sources
from backfill_tui.clock import VirtualClock
from backfill_tui.engine.environment import Environment
from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
from backfill_tui.screens.app import BackfillApp
from backfill_tui.screens.messages import RunEnded
from backfill_tui.simulator import Simulator, SimulatorConfig
from backfill_tui.store import Mirror

ANCHOR = "2026-06-01T00:00:00Z"
START = 1780315200.0  # 2026-06-01T12:00:00Z
THRESHOLD = 0.90


def environment(scale: float) -> Environment:
    clock = VirtualClock(start=START)
    config = SimulatorConfig.from_env_string(f"anchor={ANCHOR},scale={scale}")
    return Environment(clock=clock, simulator=Simulator(config, clock), env={})


def request() -> RunRequest:
    return RunRequest(
        "bench",
        tuple(SourceSpec.parse(s) for s in demo_sources()),
        depth=90,
        max_items=1_000_000,
    )


def headless(db: Path, scale: float) -> tuple[int, float]:
    mirror = Mirror.open(db)
    engine = Engine(mirror, environment(scale))
    run = engine.plan(request())
    started = time.perf_counter()
    asyncio.run(engine.run(run.id))
    elapsed = time.perf_counter() - started
    stored = mirror.count_observations("bench")
    mirror.close()
    return stored, elapsed


def with_app(db: Path, scale: float) -> tuple[int, float]:
    mirror = Mirror.open(db)
    app = BackfillApp(mirror, environment(scale), run_process=True)  # as `demo` runs it
    ended: list[float] = []

    def hook(message: object) -> None:
        if isinstance(message, RunEnded) and not ended:
            ended.append(time.perf_counter())

    async def drive() -> float:
        async with app.run_test(size=(120, 36), message_hook=hook) as pilot:
            await pilot.pause()
            while app._run_host is None:  # as at start-up: the run's child is spawned
                await asyncio.sleep(0.01)
            await asyncio.sleep(1.0)  # and has done its imports
            started = time.perf_counter()
            assert app.plan_and_start(request()) is not None
            while not ended:
                await asyncio.sleep(0.01)
            return ended[0] - started

    elapsed = asyncio.run(drive())
    stored = mirror.count_observations("bench")
    mirror.close()
    return stored, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--scale", type=float, default=3.0)
    args = parser.parse_args()
    rates: dict[str, list[float]] = {"headless": [], "app": []}
    counts: set[int] = set()
    with tempfile.TemporaryDirectory() as tmp:
        for name, runner in (("headless", headless), ("app", with_app)):  # warm-up, not counted
            runner(Path(tmp) / f"warmup-{name}.db", args.scale)
        for round_ in range(args.rounds):
            for name, runner in (("headless", headless), ("app", with_app)):
                stored, elapsed = runner(Path(tmp) / f"{name}-{round_}.db", args.scale)
                counts.add(stored)
                rates[name].append(stored / elapsed)
                print(
                    f"round {round_ + 1} {name:<8} {stored} observations in {elapsed:.2f}s "
                    f"= {stored / elapsed:,.0f}/s"
                )
    if len(counts) != 1:
        print(f"the runs stored different counts: {sorted(counts)}")
        return 1
    head, app = statistics.median(rates["headless"]), statistics.median(rates["app"])
    ratio = app / head
    print(
        f"median headless {head:,.0f} obs/s · with dashboard {app:,.0f} obs/s · "
        f"ratio {ratio:.1%} (must be >= {THRESHOLD:.0%})"
    )
    return 0 if ratio >= THRESHOLD else 1


if __name__ == "__main__":
    raise SystemExit(main())
