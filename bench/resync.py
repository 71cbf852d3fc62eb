"""Benchmark: the quota a re-sync spends (issue 13, item 5).

    .venv/bin/python bench/resync.py [--days 30] [--scale 1] [--grow 20]

Against the simulated ``github:acme/rocket`` (an authorized token, so GitHub's rule that a 304
costs no quota applies), in one process and one mirror, prints the primary-rate-limit quota
(requests the simulator counted against it), API calls made, 304 answers and observations
stored for:

1. the first sync of ``--days``;
2. an unchanged re-sync (every stream and the lookup asked conditionally);
3. a re-sync after the world grew by ``--grow`` commits (exactly those should be stored);
4. ``run --full`` (the whole window again);

and the ratios re-sync / first sync. Target: an unchanged re-sync at most 0.1x the first's quota.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from backfill_tui.engine.environment import Environment
from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
from backfill_tui.store import Mirror

TOKEN = "ghp_benchRESYNC0000000000000000000000000"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--grow", type=int, default=20)
    args = parser.parse_args()
    os.environ["GITHUB_TOKEN"] = TOKEN  # this process only: the requests are authorized
    anchor = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    config = f"anchor={anchor},scale={args.scale},token={TOKEN}"
    environment = Environment.create(simulate=True, simulator_config=config)
    sim = environment.simulator
    assert sim is not None
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "m.db"
        mirror = Mirror.open(db)
        engine = Engine(mirror, environment)

        def run(full: bool = False) -> dict[str, float]:
            quota, calls = sim.quota_spent("github"), len(sim.requests)
            stored = mirror.count_observations("bench")
            request = RunRequest(
                "bench", (SourceSpec.parse("github:acme/rocket"),), depth=args.days, full=full
            )
            planned = engine.plan(request)
            started = time.perf_counter()
            status = asyncio.run(engine.run(planned.id))
            assert status == "completed", status
            answers = sim.requests[calls:]
            return {
                "quota": sim.quota_spent("github") - quota,
                "calls": len(answers),
                "304": sum(1 for r in answers if r.status == 304),
                "stored": mirror.count_observations("bench") - stored,
                "seconds": time.perf_counter() - started,
            }

        first = run()
        unchanged = run()
        sim.grow("github", args.grow)
        grown = run()
        full = run(full=True)
        with sqlite3.connect(db) as conn:
            fresh = {f"push:acme/rocket:{c['sha']}" for c in sim.providers["github"].fresh_commits}  # type: ignore[attr-defined]
            stored_fresh = sum(
                1 for (sid,) in conn.execute("SELECT source_id FROM observations") if sid in fresh
            )
        mirror.close()

    print(f"github:acme/rocket, {args.days} days, scale {args.scale} (simulator, authorized token)")
    print(f"{'':28} {'quota':>6} {'calls':>6} {'304s':>5} {'stored':>7} {'seconds':>8}")
    for name, row in (
        ("first sync", first),
        ("unchanged re-sync", unchanged),
        (f"re-sync after {args.grow} new commits", grown),
        ("run --full", full),
    ):
        print(
            f"{name:28} {row['quota']:>6.0f} {row['calls']:>6.0f} {row['304']:>5.0f} "
            f"{row['stored']:>7.0f} {row['seconds']:>8.2f}"
        )
    print(
        f"unchanged re-sync / first sync quota: {unchanged['quota'] / first['quota']:.2f}x "
        "(target <= 0.10x)"
    )
    print(f"re-sync after growth / first sync quota: {grown['quota'] / first['quota']:.2f}x")
    print(
        f"stored after {args.grow} new commits: {grown['stored']:.0f} "
        f"(of them the new commits: {stored_fresh})"
    )


if __name__ == "__main__":
    main()
