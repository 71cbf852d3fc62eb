"""Two runs recording to one file: the second is refused at its start while the first records,
and a file that appears at the path while a run records is never replaced (a fresh tester's
finding: both runs exited 0 and one recording was silently gone, the check made only at the
start and the finished recording renamed over whatever stood there by then).

The first run is a real ``backfill-tui run --record`` in another process, held by the
simulator's latency (each request a second) until the test stops it with SIGTERM
(``support.recording_elsewhere``).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest
from support import recording_elsewhere, run_cli, stop_recording_elsewhere

from backfill_tui.recording import read_recording


def test_a_second_run_recording_to_the_same_file_is_refused_at_its_start(
    tmp_path: Path, anchor: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    rec = tmp_path / "same.rec.gz"
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor}")
    with recording_elsewhere(tmp_path, rec, anchor) as first:
        second = run_cli(
            capsys, "run", "github:acme/rocket", "--simulate", "--workspace", "second",
            "--db", str(tmp_path / "second.db"), "--record", str(rec),
        )  # fmt: skip
        assert second.code == 2, second.err
        assert second.err == (
            f"backfill-tui: error: --record {rec} is already being recorded to by another run "
            f"(process {first.pid}) and is not overwritten: choose another file\n"
        )
        assert not (tmp_path / "second.db").exists()  # refused before anything was made
        code, _ = stop_recording_elsewhere(first)
    assert code == 1  # cancelled by SIGTERM; its recording sealed in place
    assert read_recording(rec).header.run.workspace == "first"
    assert not list(tmp_path.glob(".same.rec.gz.*"))


def test_a_file_that_appears_while_a_run_records_is_never_replaced(
    tmp_path: Path, anchor: str
) -> None:
    rec = tmp_path / "sync.rec.gz"
    with recording_elsewhere(tmp_path, rec, anchor) as first:
        rec.write_text("another run's recording, or my notes\n")
        code, err = stop_recording_elsewhere(first)
    kept = tmp_path / "sync-2.rec.gz"
    assert code == 2, err  # the run was cancelled, and its recording is not where asked
    assert err.endswith(
        f"backfill-tui: error: --record {rec} already exists (it appeared while this run was "
        f"recorded) and is not overwritten: this run's recording is kept at {kept}; replay "
        "that file\n"
    ), err
    assert rec.read_text() == "another run's recording, or my notes\n"
    recording = read_recording(kept)  # whole and verified, mode 0600
    assert recording.header.run.workspace == "first"
    assert recording.header.end is not None and recording.header.end.status == "cancelled"
    assert kept.stat().st_mode & 0o777 == 0o600
    with closing(sqlite3.connect(tmp_path / "first.db")) as conn:  # the run names where it is
        assert conn.execute("SELECT recorded_to FROM runs").fetchall() == [(str(kept),)]
    assert not list(tmp_path.glob(".sync.rec.gz.*"))


@pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="process start times: /proc")
def test_a_killed_writers_file_under_a_reused_process_id_blocks_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer killed with ``kill -9`` leaves its hidden file; if its process id now names
    another process (started after the file was last written), that file neither refuses the
    next recording nor stays (it stayed for good while any process had that id)."""
    rec = tmp_path / "sync.rec.gz"
    other = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"],
                             stdin=subprocess.PIPE)  # fmt: skip
    try:
        stale = tmp_path / f".{rec.name}.{other.pid}.abcd1234.part"
        stale.write_bytes(b"half a recording")
        an_hour_ago = time.time() - 3600
        os.utime(stale, (an_hour_ago, an_hour_ago))
        monkeypatch.setenv("BACKFILL_SIM", "clock=virtual")
        done = run_cli(
            capsys, "run", "github:acme/rocket", "--simulate", "--workspace", "w", "--quiet",
            "--db", str(tmp_path / "m.db"), "--record", str(rec),
        )  # fmt: skip
    finally:
        other.communicate(b"", timeout=30)
    assert done.code == 0, done.err
    assert read_recording(rec).exchanges
    assert not stale.exists()
