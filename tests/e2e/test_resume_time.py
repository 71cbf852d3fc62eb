"""A resumed run's time is the total of the time it ran: the span before its kill (from its
start to its last committed page) and the span after its resume, not the time it lay killed
between them, in the summary (``ran_s``, and "ran MM:SS" on its first line) and in ``runs``.
The app showed only the time since the resume ("completed 00:01") or, reopened, the hours
between the kill and the resume as if it had run (a fresh tester's finding). The run is
stored as killed an hour ago (its instants moved back, as a run killed then would have left
them), so the hour is plain in the figures whatever this machine's speed."""

from __future__ import annotations

import os
import pty
import re
import sqlite3
import sys
from contextlib import closing
from datetime import datetime
from pathlib import Path

import pytest
from support import HOUR, killed_an_hour_ago, run_cli


@pytest.mark.slow
def test_a_resumed_run_counts_the_time_it_ran_before_its_kill(
    tmp_path: Path, anchor: str, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "m.db"
    run_id, before = killed_an_hour_ago(db, anchor)
    assert before >= 1  # two pages half a second each, at least

    listed = run_cli(capsys, "runs", "--json", "--db", str(db)).summary
    assert listed[0]["status"] == "interrupted"
    assert listed[0]["ran_s"] == pytest.approx(before)  # to its last page, not to now

    resumed = run_cli(capsys, "resume", run_id, "--json", "--db", str(db))
    assert resumed.code == 0, resumed.err
    ran = resumed.summary["ran_s"]
    assert before < ran < before + 600  # the time after its resume too, not the hour between
    with closing(sqlite3.connect(db)) as conn:
        started, finished = conn.execute("SELECT started_at, finished_at FROM runs").fetchone()
    wall = (datetime.fromisoformat(finished) - datetime.fromisoformat(started)).total_seconds()
    assert wall > HOUR.total_seconds() > ran

    text = run_cli(capsys, "runs", "--db", str(db)).out
    minutes, seconds = divmod(round(ran), 60)
    assert f"completed   {minutes:02}:{seconds:02}  " in text, text
    listed = run_cli(capsys, "runs", "--json", "--db", str(db)).summary
    assert listed[0]["ran_s"] == pytest.approx(ran)


@pytest.mark.slow
def test_the_live_tables_time_goes_on_from_the_time_it_ran_before(
    tmp_path: Path, anchor: str
) -> None:
    """``resume`` on a terminal: its live table's title ("backfill · 3s") starts from the
    time the run ran before its kill, as its summary's "ran" does; it started at 0s."""
    db = tmp_path / "m.db"
    run_id, before = killed_an_hour_ago(db, anchor)
    env = {**os.environ, "COLUMNS": "100", "TERM": "xterm"}
    argv = [sys.executable, "-m", "backfill_tui", "--db", str(db), "resume", run_id]
    pid, fd = pty.fork()
    if pid == 0:  # the child: the command on the terminal
        os.execve(sys.executable, argv, env)
    seen = b""
    try:
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, seen[-2000:]
    titles = [int(s) for s in re.findall(rb"backfill \xc2\xb7 (\d+)s", seen)]
    assert titles and min(titles) >= round(before), (titles, before)
