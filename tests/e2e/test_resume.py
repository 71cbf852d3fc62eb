"""Crash safety: SIGKILL then resume, and one run per source at a time (a clean cancel then
resume, for every provider, is in tests/connectors/conformance/test_runs.py)."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from support import ground_truth, run_cli, stored_ids

BIN = str(Path(sys.executable).with_name("backfill-tui"))


def _count(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return int(conn.execute("SELECT count(*) FROM observations").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def _stream_of(path: str) -> str:
    tail = path.rstrip("/").split("/")[-1]
    return {
        "pulls": "pull_request",
        "issues": "issue",
        "releases": "release",
        "commits": "push",
    }.get(tail, "repo")


def _served_pages(log: Path) -> Counter[tuple[str, str]]:
    """(stream, page url) → how many times it was answered with data (200)."""
    pages: Counter[tuple[str, str]] = Counter()
    for line in log.read_text().splitlines():
        entry = json.loads(line)
        if entry["status"] == 200 and entry["fault"] is None:
            stream = _stream_of(entry["path"])
            url = entry["url"].split("?", 1)[1] if "?" in entry["url"] else ""
            page = dict(p.split("=", 1) for p in url.split("&") if "=" in p).get("page", "1")
            pages[(stream, page)] += 1
    return pages


@pytest.mark.slow
def test_sigkill_then_resume_loses_nothing(tmp_path: Path, anchor: str) -> None:
    db, log = tmp_path / "m.db", tmp_path / "requests.jsonl"
    config = f"anchor={anchor},scale=3,latency=0.03,request_log={log}"
    env = {**os.environ, "BACKFILL_SIM": config}
    args = [
        BIN,
        "run",
        "github:acme/rocket",
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
    while _count(db) < 400 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    assert proc.poll() is None, "the run finished before it could be killed; slow it down"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed_at = _count(db)
    assert killed_at >= 400

    listed = subprocess.run(
        [BIN, "runs", "--json", "--db", str(db)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    (run,) = json.loads(listed.stdout)
    assert run["status"] == "interrupted"

    # The latency only gives the kill a moment to land; the resume runs without it (the same
    # history and request log: BACKFILL_SIM is honoured by resume).
    unhurried = {**env, "BACKFILL_SIM": config.replace(",latency=0.03", "")}
    resumed = subprocess.run(
        [BIN, "resume", run["run_id"], "--json", "--quiet", "--db", str(db)],
        env=unhurried,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert resumed.returncode == 0, resumed.stderr
    summary = json.loads(resumed.stdout)
    assert summary["status"] == "completed"
    expected = ground_truth(config, "github", "acme/rocket", summary["since"])
    ids = stored_ids(db)
    assert len(ids) == len(set(ids)) and set(ids) == expected
    assert len(ids) > killed_at

    refetched = Counter(
        stream for (stream, _page), n in _served_pages(log).items() if n > 1 for _ in range(n - 1)
    )
    for stream, again in refetched.items():
        # the page in flight at the kill; issues and pulls also read their front again after
        # the resumed scan (the catch-up: LinkedListStream._caught_up)
        allowed = 2 if stream in ("issue", "pull_request") else 1
        assert again <= allowed, f"{stream} fetched {again} pages again"


@pytest.mark.slow
def test_second_run_of_the_same_source_is_refused(
    tmp_path: Path, anchor: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "m.db"
    config = f"anchor={anchor},latency=0.05"
    env = {**os.environ, "BACKFILL_SIM": config}
    proc = subprocess.Popen(
        [
            BIN,
            "run",
            "github:acme/rocket",
            "--simulate",
            "--workspace",
            "demo",
            "--quiet",
            "--db",
            str(db),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while _count(db) == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor}")
        clash = run_cli(
            capsys,
            "run",
            "github:acme/rocket",
            "--simulate",
            "--workspace",
            "demo",
            "--db",
            str(db),
        )
        assert clash.code == 2
        assert "already has a backfill of github:acme/rocket running" in clash.err
        other = run_cli(
            capsys,
            "run",
            "github:acme/rocket",
            "--simulate",
            "--workspace",
            "other",
            "--days",
            "7",
            "--json",
            "--db",
            str(db),
        )
        assert other.code == 0
    finally:
        assert proc.wait(timeout=60) == 0


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="process start times are Linux's")
@pytest.mark.parametrize("holder", ["a newer process", "a zombie"])
def test_a_crashed_runs_process_id_held_by_another_process_is_interrupted(
    holder: str, tmp_path: Path, anchor: str, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """After a crash and a reboot the run's process id can belong to another process, and a
    killed child not yet waited for is a zombie: either kept the run "running" for good, its
    sources locked, and "stop it first" named a process that is not the run (a fresh tester's
    finding). A process that started after the run took its locks, or a zombie, is not it."""
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor}")
    db = tmp_path / "m.db"
    args = ("github:acme/rocket", "--simulate", "--workspace", "demo", "--days", "7")
    first = run_cli(capsys, "run", *args, "--max-items", "20", "--json", "--db", str(db))
    run_id = first.summary["run_id"]
    if holder == "a zombie":
        other = subprocess.Popen(["true"])
        deadline = time.monotonic() + 10
        while Path(f"/proc/{other.pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
            assert time.monotonic() < deadline
            time.sleep(0.01)
        taken = "2026-01-01T00:00:00+00:00"  # any time: a zombie is no run
    else:
        other = subprocess.Popen(["sleep", "60"])
        taken = "2026-01-01T00:00:00+00:00"  # the crashed run took its locks long before
    try:
        with sqlite3.connect(db) as conn:  # as the crashed run left it, its id now the other's
            conn.execute(
                "UPDATE runs SET status = 'running', pid = ? WHERE id = ?", (other.pid, run_id)
            )
            conn.execute(
                "INSERT OR REPLACE INTO run_locks VALUES ('demo', 'github:acme/rocket', ?, ?, ?, ?)",
                (run_id, other.pid, socket.gethostname(), taken),
            )
        listed = run_cli(capsys, "runs", "--json", "--db", str(db))
        (shown,) = [r for r in json.loads(listed.out) if r["run_id"] == run_id]
        assert shown["status"] == "interrupted", shown
        again = run_cli(capsys, "run", *args, "--json", "--db", str(db))
        assert again.code == 0, again.err  # its source is not held by the other process
    finally:
        other.kill()
        other.wait()
