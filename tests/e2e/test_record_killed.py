"""A recording whose writer was killed (kill -9 mid-run) leaves its hidden temporary file only
until the next recording to the same path, which removes it (a tester's finding: the
``.NAME.XXXX.part`` stayed for ever). A file another live process is writing is left alone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import run_cli

from backfill_tui.engine.outputs import AtomicFile


def test_the_next_recording_removes_a_killed_recordings_temporary_file(
    tmp_path: Path,
    anchor: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db, rec = tmp_path / "m.db", tmp_path / "sync.rec"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "backfill_tui",
            "run",
            "github:acme/rocket",
            "--simulate",
            "--workspace",
            "w",
            "--db",
            str(db),
            "--record",
            str(rec),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "BACKFILL_SIM": f"anchor={anchor},latency=0.3"},
    )
    try:
        for _ in range(600):
            if list(tmp_path.glob(".sync.rec.*.part")):
                break
            assert process.poll() is None, "ended before its recording began"
            time.sleep(0.05)
        time.sleep(0.5)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    orphans = list(tmp_path.glob(".sync.rec.*.part"))
    assert len(orphans) == 1 and not rec.exists()

    live = AtomicFile(rec)  # this process, still writing: not an orphan
    try:
        monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor}")
        done = run_cli(
            capsys,
            "run",
            "github:acme/rocket",
            "--simulate",
            "--workspace",
            "w2",
            "--db",
            str(db),
            "--record",
            str(rec),
        )
        assert done.code == 0, done.err
        assert rec.exists()
        assert not orphans[0].exists()  # the killed writer's file is gone
        assert live.temp.exists()  # the live one stays
    finally:
        live.discard()
    assert not list(tmp_path.glob(".sync.rec.*.part"))
