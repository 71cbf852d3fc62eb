"""All providers together, and crash safety for each: SIGKILL mid-run, then resume."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import ground_truth, run_cli, stored_ids

from backfill_tui.connectors import PROVIDERS

BIN = str(Path(sys.executable).with_name("backfill-tui"))
DEMO_SOURCES = {
    "github": "github:acme/rocket",
    "vercel": "vercel:acme/rocket-web",
    "linear": "linear:ENG",
    "sentry": "sentry:acme/rocket",
}
AVAILABLE = [spec for name, spec in DEMO_SOURCES.items() if name in PROVIDERS]


def expected_ids(config: str, sources: list[str], since: str) -> set[str]:
    ids: set[str] = set()
    for spec in sources:
        provider, target = spec.split(":", 1)
        ids |= ground_truth(config, provider, target, since)
    return ids


@pytest.mark.parametrize("days", [7, 30, 90])
def test_every_provider_in_one_run(
    days: int,
    tmp_path: Path,
    anchor: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = f"anchor={anchor},faults=0.15,rate_limit_every=7,clock=virtual"
    monkeypatch.setenv("BACKFILL_SIM", config)
    db = tmp_path / "m.db"
    result = run_cli(
        capsys,
        "run",
        *AVAILABLE,
        "--simulate",
        "--workspace",
        "demo",
        "--days",
        str(days),
        "--max-items",
        "100000",
        "--json",
        "--db",
        str(db),
    )
    assert result.code == 0, result.err
    summary = result.summary
    assert [f"{s['source']}:{s['target']}" for s in summary["sources"]] == AVAILABLE
    ids = stored_ids(db)
    assert len(ids) == len(set(ids))
    assert set(ids) == expected_ids(config, AVAILABLE, summary["since"])
    again = run_cli(
        capsys,
        "run",
        *AVAILABLE,
        "--simulate",
        "--workspace",
        "demo",
        "--days",
        str(days),
        "--max-items",
        "100000",
        "--json",
        "--db",
        str(db),
    )
    assert sum(st["new"] for s in again.summary["sources"] for st in s["streams"]) == 0
    assert sorted(stored_ids(db)) == sorted(ids)


def _count(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return int(conn.execute("SELECT count(*) FROM observations").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


@pytest.mark.slow
@pytest.mark.parametrize(
    "sources",
    [[s] for s in AVAILABLE] + [AVAILABLE],
    ids=[s.split(":")[0] for s in AVAILABLE] + ["all"],
)
def test_sigkill_then_resume_changes_nothing(
    sources: list[str],
    tmp_path: Path,
    anchor: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The run is a process killed with SIGKILL; ``runs`` and ``resume`` then run in this
    process (what they read is the mirror the killed process left)."""
    db = tmp_path / "m.db"
    config = f"anchor={anchor},scale=2,latency=0.04"
    env = {**os.environ, "BACKFILL_SIM": config}
    args = [
        BIN,
        "run",
        *sources,
        "--simulate",
        "--workspace",
        "demo",
        "--days",
        "90",
        "--max-items",
        "100000",
        "--quiet",
        "--db",
        str(db),
    ]
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while _count(db) < 150 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be killed; slow it down"
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    monkeypatch.setenv("BACKFILL_SIM", config)
    runs = run_cli(capsys, "runs", "--json", "--db", str(db))
    assert runs.code == 0, runs.err
    listed = json.loads(runs.out)
    assert listed[0]["status"] == "interrupted"
    # The latency only gives the kill a moment to land; the resume runs without it (the same
    # history: the anchor and scale decide it, BACKFILL_SIM is honoured by resume).
    monkeypatch.setenv("BACKFILL_SIM", config.replace(",latency=0.04", ""))
    resumed = run_cli(capsys, "resume", listed[0]["run_id"], "--json", "--quiet", "--db", str(db))
    assert resumed.code == 0, resumed.err
    summary = json.loads(resumed.out)
    ids = stored_ids(db)
    assert len(ids) == len(set(ids))
    assert set(ids) == expected_ids(config, sources, summary["since"])
