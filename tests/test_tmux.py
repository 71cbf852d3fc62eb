"""The real thing in a real terminal: ``backfill-tui demo`` and ``backfill-tui`` under tmux.

A person's first minute: open the demo, press ctrl+s, watch the run complete, and find on the
screen the counts the mirror holds. Skipped where tmux is not installed.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

BIN = str(Path(sys.executable).with_name("backfill-tui"))

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


class Terminal:
    def __init__(self, name: str, home: Path) -> None:
        self.name = name
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("TMUX", "BACKFILL_"))},
            "HOME": str(home),
            "XDG_DATA_HOME": str(home / "data"),
            "XDG_STATE_HOME": str(home / "state"),
            "XDG_CACHE_HOME": str(home / "cache"),
            "XDG_CONFIG_HOME": str(home / "config"),
            "TERM": "xterm-256color",
            "TMUX_TMPDIR": str(home),
        }

    def tmux(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", *args], env=self.env, capture_output=True, text=True, check=True
        ).stdout

    def start(self, *command: str) -> None:
        self.tmux("new-session", "-d", "-s", self.name, "-x", "120", "-y", "36", *command)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.name)

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", self.name, *keys)

    def wait_for(self, text: str, timeout: float = 90.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.5)
        raise AssertionError(f"{text!r} never appeared; the screen was:\n{self.screen()}")

    def wait_closed(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            alive = subprocess.run(
                ["tmux", "has-session", "-t", self.name], env=self.env, capture_output=True
            )
            if alive.returncode != 0:
                return
            time.sleep(0.2)
        raise AssertionError(f"the app did not quit; the screen was:\n{self.screen()}")

    def close(self) -> None:
        subprocess.run(
            ["tmux", "kill-server"], env=self.env, capture_output=True, text=True, check=False
        )


@pytest.fixture
def terminal(isolated: Path) -> Iterator[Terminal]:
    term = Terminal("backfill", isolated)
    yield term
    term.close()


def test_demo_in_a_real_terminal_runs_to_completion(terminal: Terminal, tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    terminal.start(BIN, "demo", "--db", str(db))
    terminal.wait_for("items in")  # the demo's estimate is ready: Start is one key away
    terminal.keys("C-s")
    screen = terminal.wait_for(" completed · elapsed ")
    with sqlite3.connect(db) as conn:
        run_id, status = conn.execute("SELECT id, status FROM runs").fetchone()
        new, dup, failed = conn.execute(
            "SELECT sum(new), sum(duplicates), sum(failed) FROM streams WHERE run_id = ?",
            (run_id,),
        ).fetchone()
        stored = conn.execute("SELECT count(*) FROM observations").fetchone()[0]
        streams = conn.execute(
            "SELECT provider, target, entity, fetched, new FROM streams WHERE run_id = ?",
            (run_id,),
        ).fetchall()
    assert status == "completed" and stored == new > 0
    assert f"run {run_id}" in screen
    assert f"{new} new · {dup} duplicate · {failed} failed" in screen
    rows = screen.splitlines()
    for provider, target, entity, fetched, stream_new in streams:
        assert f"{provider}:{target}" in screen
        assert any(
            row.strip().startswith(entity + " ")
            and f" {fetched} " in row
            and f" {stream_new} " in row
            and "completed" in row
            for row in rows
        ), (entity, fetched)
    terminal.keys("C-q")
    terminal.wait_closed()


def test_no_command_opens_the_app_on_the_given_mirror(terminal: Terminal, tmp_path: Path) -> None:
    db = tmp_path / "mine.db"
    terminal.start(BIN, "--db", str(db))
    screen = terminal.wait_for("Workspace")
    assert "Add source" in screen and "Start" in screen
    terminal.keys("F5")
    terminal.wait_for("No runs yet")
    terminal.keys("C-q")
    terminal.wait_closed()  # quits at once: no run is going
    assert db.exists()
