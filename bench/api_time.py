"""Benchmark: time on the API beside its floor (issue 13, item 2).

    .venv/bin/python bench/api_time.py [--latency 0.1,0.3] [--days 30] [--repeat 3]

For a GitHub-only run (``github:acme/rocket``) and a four-provider run, against the simulator at
each ``--latency`` (seconds a request; no rate limits, no faults), prints the engine's run time
(``Engine.run``, the mirror already open: no interpreter start-up), the floor (the slowest
stream's own chain of pages x latency: no run can be faster than its longest chain of
dependent requests), and their ratio; the median of ``--repeat`` runs, each into a fresh mirror.

The per-source concurrency kept: 5 requests in flight (``ApiClient``'s gate: the lookup and one
page per stream), well under GitHub's guidance against many concurrent requests to one host.
dlt is not installed in the project: its figure is the one issue 13 quotes (dlt's parallelized
source, same workspace), shown for reference; ``bench/api_time_dlt.py`` measures dlt side by side
(from a separate virtualenv) against the same simulator served over loopback HTTP.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from backfill_tui.engine.environment import Environment
from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
from backfill_tui.store import Mirror

GITHUB = ("github:acme/rocket",)
FOUR = ("github:acme/rocket", "vercel:acme/rocket-web", "linear:ENG", "sentry:acme/rocket")
#: Issue 13's measured figure for dlt 1.31's parallelized source on the GitHub workspace.
DLT_PARALLEL_100MS = 0.34


def one(sources: tuple[str, ...], latency: float, days: int, tmp: Path) -> tuple[float, int, int]:
    """(seconds in Engine.run, the longest stream's pages, requests) of one run."""
    anchor = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    env = Environment.create(simulate=True, simulator_config=f"anchor={anchor},latency={latency}")
    assert env.simulator is not None
    with tempfile.NamedTemporaryFile(dir=tmp, suffix=".db", delete=False) as f:
        db = Path(f.name)
    db.unlink()
    mirror = Mirror.open(db)
    engine = Engine(mirror, env)
    run = engine.plan(RunRequest("bench", tuple(SourceSpec.parse(s) for s in sources), depth=days))
    started = time.perf_counter()
    status = asyncio.run(engine.run(run.id))
    elapsed = time.perf_counter() - started
    assert status == "completed", status
    longest = max(s.pages for s in mirror.streams(run.id))
    mirror.close()
    return elapsed, longest, len(env.simulator.requests)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", default="0.1,0.3")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'run':16} {'latency':>7} {'requests':>8} {'chain':>5} {'floor s':>8} {'run s':>6} "
          f"{'CPU s':>6} {'API s':>6} {'API/floor':>9}")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        for name, sources in (("github only", GITHUB), ("four providers", FOUR)):
            # The same run at zero latency: the pipeline's own work (parse, transform, store).
            work = statistics.median(
                one(sources, 0.0, args.days, Path(tmp))[0] for _ in range(args.repeat)
            )
            for latency in (float(x) for x in args.latency.split(",")):
                runs = [one(sources, latency, args.days, Path(tmp)) for _ in range(args.repeat)]
                seconds = statistics.median(r[0] for r in runs)
                chain, requests = runs[0][1], runs[0][2]
                floor = chain * latency
                api = max(0.0, seconds - work)
                print(
                    f"{name:16} {latency * 1000:5.0f}ms {requests:>8} {chain:>5} {floor:>8.2f} "
                    f"{seconds:>6.2f} {work:>6.2f} {api:>6.2f} {api / floor:>8.2f}x"
                )
    print(
        "run s: Engine.run at that latency (median); CPU s: the same run at zero latency; API s: "
        "their difference, the time spent waiting on the API; floor: longest chain x latency"
    )
    print(
        f"reference: issue 13 measured dlt's parallelized source at {DLT_PARALLEL_100MS:.2f} s "
        "on the API (GitHub, 30 days, 100 ms); bench/api_time_dlt.py measures it side by side"
    )


if __name__ == "__main__":
    main()
