"""Benchmark: time on the API beside dlt's parallelized rest_api source (issue 13, item 2).

    .venv/bin/python bench/api_time_dlt.py [--latency 0.1,0.3] [--days 30] [--repeat 3]
                                           [--dlt /tmp/dltvenv/bin/python]

Both tools fetch the same simulated GitHub workspace (``acme/rocket``, ``--days`` back) from one
simulator served over loopback HTTP (``bench/sim_server.py``: 127.0.0.1 only, each request
answered after ``latency`` seconds in its own thread, so concurrent requests wait side by side):

- backfill-tui: ``Engine.run`` of ``github:acme/rocket`` (its lookup overlapping the first
  pages, at most 5 requests in flight to the host) into a fresh mirror, the mirror already
  open; its own ``http`` layer against ``BACKFILL_GITHUB_API_URL`` = the loopback server.
- dlt: ``rest_api_source(..., parallelized=True)`` (every resource extracted in dlt's thread
  pool beside the others: pulls, issues, commits,
  releases; ``header_link`` paging, a descending ``incremental`` on the window's field so it
  stops at the window's start as we do), iterated to the end (extraction only: no
  normalize or load, which would only add to its time), in its own interpreter.

Time on the API = the median time at a latency minus the median time at zero latency (each
tool's own work), the same rule for both; printed with the requests each made and the ratio.
dlt is never a project dependency: it runs from a separate virtualenv. Without one, this prints
how to make it and measures backfill-tui alone:

    python -m venv /tmp/dltvenv && /tmp/dltvenv/bin/pip install dlt
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sim_server import serving

from backfill_tui.engine.environment import Environment
from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
from backfill_tui.store import Mirror

DLT_PYTHON = "/tmp/dltvenv/bin/python"
TOKEN = "ghp_benchmark_token_not_a_secret"

#: Run by dlt's interpreter: argv = base URL, window start (ISO); prints one JSON line.
DLT_SCRIPT = r"""
import json, sys, time
base, since = sys.argv[1], sys.argv[2]
from dlt.sources.rest_api import rest_api_source

def resource(name, path, params, cursor):
    return {
        "name": name,
        "endpoint": {
            "path": path,
            "params": {"per_page": 100, **params},
            "paginator": "header_link",
            "incremental": {"cursor_path": cursor, "initial_value": since, "row_order": "desc"},
        },
    }

source = rest_api_source({
    "client": {"base_url": base, "auth": {"type": "bearer", "token": sys.argv[3]}},
    "resources": [
        resource("pulls", "repos/acme/rocket/pulls",
                 {"state": "all", "sort": "updated", "direction": "desc"}, "updated_at"),
        resource("issues", "repos/acme/rocket/issues",
                 {"state": "all", "sort": "updated", "direction": "desc", "since": since},
                 "updated_at"),
        resource("commits", "repos/acme/rocket/commits", {"since": since},
                 "commit.committer.date"),
        resource("releases", "repos/acme/rocket/releases", {}, "created_at"),
    ],
}, parallelized=True)
started = time.perf_counter()
items = sum(1 for _ in source)
print(json.dumps({"seconds": time.perf_counter() - started, "items": items}))
"""


def ours(base_url: str, days: int, tmp: Path) -> tuple[float, int]:
    """(seconds in Engine.run, observations stored) of one backfill over loopback HTTP."""
    env = Environment.create(
        simulate=False,
        env={"GITHUB_TOKEN": TOKEN, "BACKFILL_GITHUB_API_URL": base_url, "HOME": str(tmp)},
    )
    with tempfile.NamedTemporaryFile(dir=tmp, suffix=".db", delete=False) as f:
        db = Path(f.name)
    db.unlink()
    mirror = Mirror.open(db)
    engine = Engine(mirror, env)
    run = engine.plan(RunRequest("bench", (SourceSpec.parse("github:acme/rocket"),), depth=days))
    started = time.perf_counter()
    status = asyncio.run(engine.run(run.id))
    elapsed = time.perf_counter() - started
    assert status == "completed", status
    stored = mirror.count_observations()
    mirror.close()
    return elapsed, stored


def dlt(python: str, script: Path, base_url: str, since: str, home: Path) -> tuple[float, int]:
    """(seconds iterating dlt's source, items) of one extraction in dlt's interpreter."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home),
           "RUNTIME__LOG_LEVEL": "WARNING"}  # fmt: skip
    out = subprocess.run(
        [python, str(script), base_url, since, TOKEN], capture_output=True, text=True, env=env
    )
    if out.returncode != 0:
        raise SystemExit(f"dlt failed:\n{out.stderr[-2000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return float(result["seconds"]), int(result["items"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", default="0.1,0.3")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dlt", default=DLT_PYTHON, help="dlt's interpreter (a separate venv)")
    args = parser.parse_args()
    have_dlt = Path(args.dlt).exists()
    if not have_dlt:
        print(f"dlt: no interpreter at {args.dlt}; measuring backfill-tui alone. To compare, make "
              "a separate venv (never a project dependency):\n  python -m venv /tmp/dltvenv && "
              "/tmp/dltvenv/bin/pip install dlt")  # fmt: skip
    now = datetime.now(UTC)
    anchor = (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    since = (now - timedelta(days=args.days)).strftime("%Y-%m-%dT%H:%M:%SZ")
    latencies = [0.0, *(float(x) for x in args.latency.split(","))]
    times: dict[tuple[str, float], float] = {}
    requests: dict[tuple[str, float], int] = {}
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        script = tmp / "dlt_extract.py"
        script.write_text(DLT_SCRIPT)
        with serving(f"anchor={anchor}") as server:  # warm up: first imports, schemas
            ours(server.base_url, args.days, tmp)
        for latency in latencies:
            with serving(f"anchor={anchor}", latency=latency) as server:
                runs = [ours(server.base_url, args.days, tmp) for _ in range(args.repeat)]
                times["ours", latency] = statistics.median(r[0] for r in runs)
                requests["ours", latency] = server.requests // args.repeat
                counts["ours"] = runs[0][1]
            if not have_dlt:
                continue
            with serving(f"anchor={anchor}", latency=latency) as server:
                runs = [
                    dlt(args.dlt, script, server.base_url, since, tmp) for _ in range(args.repeat)
                ]
                times["dlt", latency] = statistics.median(r[0] for r in runs)
                requests["dlt", latency] = server.requests // args.repeat
                counts["dlt"] = runs[0][1]

    print(f"GitHub acme/rocket, {args.days} days, simulator over loopback HTTP; median of "
          f"{args.repeat} runs; items: backfill-tui {counts['ours']} observations"
          + (f", dlt {counts['dlt']} items" if have_dlt else ""))  # fmt: skip
    print(f"{'latency':>7} {'tool':24} {'requests':>8} {'run s':>6} {'work s':>6} {'API s':>6}")
    tools = [("ours", "backfill-tui"), *([("dlt", "dlt 1.x, parallelized")] if have_dlt else [])]
    for latency in latencies[1:]:
        api: dict[str, float] = {}
        for key, label in tools:
            run_s, work_s = times[key, latency], times[key, 0.0]
            api[key] = max(0.0, run_s - work_s)
            print(f"{latency * 1000:5.0f}ms {label:24} {requests[key, latency]:>8} {run_s:>6.2f} "
                  f"{work_s:>6.2f} {api[key]:>6.2f}")  # fmt: skip
        if have_dlt:
            ratio = api["ours"] / api["dlt"] if api["dlt"] > 0 else float("inf")
            print(
                f"{'':7} time on the API, backfill-tui / dlt parallelized: {ratio:.2f}x "
                "(target <= 1.0)"
            )
    print(
        "run s: the fetch at that latency; work s: the same at zero latency (each tool's own "
        "work); API s: their difference. backfill-tui stores into SQLite; dlt only extracts."
    )


if __name__ == "__main__":
    main()
