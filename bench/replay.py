"""Benchmark: replaying a recorded run, beside the original run, and the recording's size.

    .venv/bin/python bench/replay.py [--repeat N]

For each scenario (the demo run of ``scripts/demo``, and every simulated provider over 90 days)
it times, in this process and on the built-in simulator: the run without recording, the same
run with ``--record``, and ``replay`` of that recording into a fresh mirror. It prints the
median times, replay/original, the recording overhead, and the recording's bytes per
observation. Nothing touches the network or the real home directory.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

DEMO_SOURCES = {
    "github": "github:acme/rocket",
    "vercel": "vercel:acme/rocket-web",
    "linear": "linear:ENG",
    "sentry": "sentry:acme/rocket",
}


def _cli(*args: str) -> dict[str, object]:
    from backfill_tui import cli

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = cli.main([*args, "--json", "--quiet"])
    if code != 0:
        raise SystemExit(f"backfill-tui {' '.join(args)} exited {code}")
    return dict(json.loads(out.getvalue()))


def _timed(*args: str) -> tuple[float, dict[str, object]]:
    start = time.perf_counter()
    summary = _cli(*args)
    return time.perf_counter() - start, summary


def _observations(summary: dict[str, object]) -> int:
    return sum(
        s["new"] + s["duplicates"]
        for src in summary["sources"]  # type: ignore[attr-defined]
        for s in src["streams"]
    )


def scenario(name: str, work: Path, sources: list[str], days: int, repeat: int) -> dict[str, float]:
    plain, recorded, replayed = [], [], []
    size = observations = 0
    base = ("run", *sources, "--simulate", "--workspace", "bench", "--days", str(days))
    for i in range(repeat):
        plain.append(_timed(*base, "--db", str(work / f"{name}-plain-{i}.db"))[0])
        rec = work / f"{name}-{i}.rec.gz"
        seconds, summary = _timed(
            *base, "--db", str(work / f"{name}-rec-{i}.db"), "--record", str(rec)
        )
        recorded.append(seconds)
        replayed.append(_timed("replay", str(rec), "--db", str(work / f"{name}-replay-{i}.db"))[0])
        size, observations = rec.stat().st_size, _observations(summary)
    result = {
        "original_s": statistics.median(plain),
        "recorded_s": statistics.median(recorded),
        "replay_s": statistics.median(replayed),
        "recording_bytes": float(size),
        "observations": float(observations),
    }
    result["replay_ratio"] = result["replay_s"] / result["original_s"]
    result["record_overhead"] = result["recorded_s"] / result["original_s"] - 1
    result["bytes_per_observation"] = size / max(observations, 1)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for var in ("HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"):
            os.environ[var] = str(work / "home")
        for var in list(os.environ):
            if var.endswith(("_TOKEN", "_API_KEY")) or var.startswith("BACKFILL_"):
                del os.environ[var]
        from backfill_tui.connectors import PROVIDERS

        every = [spec for name, spec in DEMO_SOURCES.items() if name in PROVIDERS]
        rows = {
            "demo (github:acme/rocket, 30 d)": scenario(
                "demo", work, [DEMO_SOURCES["github"]], 30, args.repeat
            ),
            f"all {len(every)} providers, 90 d": scenario("all", work, every, 90, args.repeat),
        }
    print(f"replay benchmark (median of {args.repeat}; simulator, real clock, no faults)")
    head = f"{'scenario':<34}{'obs':>7}{'original':>10}{'recorded':>10}{'replay':>9}"
    print(head + f"{'replay/orig':>13}{'rec. cost':>11}{'file':>10}{'B/obs':>8}")
    for label, r in rows.items():
        print(
            f"{label:<34}{r['observations']:>7.0f}{r['original_s']:>9.2f}s{r['recorded_s']:>9.2f}s"
            f"{r['replay_s']:>8.2f}s{r['replay_ratio']:>13.2f}{r['record_overhead']:>+10.0%}"
            f"{r['recording_bytes'] / 1024:>8.0f}KB{r['bytes_per_observation']:>8.0f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
