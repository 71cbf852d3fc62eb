"""The real thing in a real terminal: ``backfill-tui demo`` and ``backfill-tui`` under tmux.

A person's first minute: open the demo, press ctrl+s, watch the run complete, and find on the
screen the counts the mirror holds. Skipped where tmux is not installed.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support import older_mirror

from backfill_tui.store.schema import MIGRATION_NAMES, SCHEMA_VERSION

BIN = str(Path(sys.executable).with_name("backfill-tui"))

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


class Terminal:
    def __init__(self, name: str, home: Path) -> None:
        self.name = name
        self.env = {
            # COLUMNS/LINES (set in some test workers) would size the app instead of the pane
            **{
                k: v
                for k, v in os.environ.items()
                if not k.startswith(("TMUX", "BACKFILL_")) and k not in ("COLUMNS", "LINES")
            },
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

    def start(self, *command: str, size: tuple[int, int] = (120, 36)) -> None:
        width, height = size
        self.tmux(
            "new-session", "-d", "-s", self.name, "-x", str(width), "-y", str(height), *command
        )
        # A detached session may still take the server's default size (80x24) on some tmux
        # builds and loads: set the window's size outright, as a terminal of that size would.
        self.tmux("resize-window", "-t", self.name, "-x", str(width), "-y", str(height))

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.name)

    def invisible_text(self) -> list[str]:
        """Words on the screen drawn in their own background's colour (``capture-pane -e``):
        text nobody can read. Box and border glyphs are left out (a tall border's outer half
        is meant to match what is around it)."""
        dump = self.tmux("capture-pane", "-e", "-p", "-t", self.name)
        found: list[str] = []
        for line in dump.splitlines():
            fg = bg = None
            for code, text in re.findall(r"\x1b\[([0-9;]*)m|([^\x1b]+)", line):
                if text:
                    words = "".join(c for c in text if c.isalnum() or c == " ").strip()
                    if words and fg is not None and fg == bg:
                        found.append(words)
                    continue
                parts = code.split(";") if code else ["0"]
                i = 0
                while i < len(parts):
                    if parts[i] in ("0", ""):
                        fg = bg = None
                    elif parts[i] == "39":
                        fg = None
                    elif parts[i] == "49":
                        bg = None
                    elif parts[i] in ("38", "48") and i + 1 < len(parts):
                        width = 2 if parts[i + 1] == "5" else 4
                        value = ";".join(parts[i + 1 : i + 1 + width])
                        fg, bg = (value, bg) if parts[i] == "38" else (fg, value)
                        i += width
                    i += 1
        return found

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", self.name, *keys)

    def wait_for(self, text: str, timeout: float = 90.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared; the screen was:\n{self.screen()}")

    def alive(self) -> str:
        """The screen, after checking the app still runs (no traceback, the pane not dead)."""
        screen = self.screen()
        assert not self.pane_dead() and "Traceback" not in screen, f"the app died:\n{screen}"
        assert "^p palette" in screen, f"no footer: is the app alive?\n{screen}"
        return screen

    def click(self, text: str) -> None:
        """Click the first place ``text`` is on screen (an SGR mouse press and release)."""
        for row, line in enumerate(self.screen().splitlines()):
            column = line.find(text)
            if column >= 0:
                x, y = column + 2, row + 1  # 1-based, on the text's second cell
                self.tmux("send-keys", "-t", self.name, "-l", f"\x1b[<0;{x};{y}M\x1b[<0;{x};{y}m")
                time.sleep(0.3)
                return
        raise AssertionError(f"{text!r} is not on the screen:\n{self.screen()}")

    def pane_dead(self) -> bool:
        return self.tmux("display-message", "-p", "-t", self.name, "#{pane_dead}").strip() == "1"

    def wait_until(self, check: Callable[[], object], what: str, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return
            time.sleep(0.1)
        raise AssertionError(f"{what} never happened; the screen was:\n{self.screen()}")

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
    # Every label readable from the first frame: the connect screen was drawn before the app's
    # own colour applied, its labels in the background's colour ("Workspace", "7 days", ...).
    assert terminal.invisible_text() == [], terminal.screen()
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
    items = f"{failed} item" if failed == 1 else f"{failed} items"
    if failed:
        assert f"{new:,} new · {dup:,} duplicate · {items} failed" in screen
    else:  # failures are said only when there are some (the dashboard's overall line)
        assert f"{new:,} new · {dup:,} duplicate" in screen and "items failed" not in screen
    rows = screen.splitlines()
    for provider, target, entity, fetched, stream_new in streams:
        assert f"{provider}:{target}" in screen
        assert any(
            row.strip().lstrip("▌").startswith(entity + " ")  # ▌: the focus mark
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
    assert terminal.invisible_text() == [], screen
    terminal.keys("F5")
    terminal.wait_for("No runs yet")
    terminal.keys("C-q")
    terminal.wait_closed()  # quits at once: no run is going
    assert db.exists()


def _squeezed(text: str) -> str:
    """``text`` without its whitespace: a line stderr folded compares whole."""
    return "".join(text.split())


@pytest.mark.parametrize("command", [(), ("demo",)])
def test_the_app_says_on_its_screen_and_after_it_that_it_upgraded_an_older_mirror(
    terminal: Terminal, tmp_path: Path, command: tuple[str, ...]
) -> None:
    """The app upgrades an older mirror as it opens it, as every command does, but the line
    saying so went to stderr, which the app's screen hides: a fresh tester never saw it. It is
    a notice on the app's first screen (its words: tests/app/test_app_upgraded_notice.py), and
    the line on stderr, once, when the app has ended."""
    db = tmp_path / "old.db"
    before = len(MIGRATION_NAMES) - 1
    older_mirror(db, MIGRATION_NAMES[before]).close()
    terminal.start(BIN, *command, "--db", str(db), size=(80, 24))
    terminal.tmux("set-option", "-t", terminal.name, "remain-on-exit", "on")  # keep stderr
    terminal.wait_for("Mirror upgraded")
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()
    terminal.keys("C-q")
    terminal.wait_until(terminal.pane_dead, "the app to quit", timeout=30)
    # what the terminal shows once the app is gone, and what scrolled above it
    after = terminal.tmux("capture-pane", "-p", "-S", "-100", "-t", terminal.name)
    said = (
        f"backfill-tui: upgraded {db} from mirror schema {before} to {SCHEMA_VERSION} (done "
        "once: this version reads only its own); older versions of backfill-tui can no longer "
        "open it"
    )
    assert _squeezed(said) in _squeezed(after), after
    assert after.count("upgraded") == 1, after


def _runs(db: Path) -> list[tuple[str, str, int, int, int]]:
    """(id, status, fetched, new, duplicates) of every run, oldest first."""
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT r.id, r.status, sum(s.fetched), sum(s.new), sum(s.duplicates) FROM runs r "
            "JOIN streams s ON s.run_id = r.id GROUP BY r.id ORDER BY r.started_at, r.id"
        ).fetchall()


def _search_box(screen: str) -> str:
    """The Observations screen's filter line (source, type, search box): the line above its
    column titles, or "" when they are not on screen."""
    lines = screen.splitlines()
    titles = [i for i, line in enumerate(lines) if "occurred (UTC)" in line]
    return lines[titles[0] - 1] if titles and titles[0] > 0 else ""


def _runs_listed(screen: str, count: int) -> bool:
    """Whether the Runs screen is drawn with ``count`` runs (its column titles and rows)."""
    lines = screen.splitlines()
    titles = (line.split() for line in lines if line.strip())
    if not any(words[0] == "run" and "status" in words[1:3] for words in titles):
        return False
    return sum(1 for line in lines if line.strip()[:8].isdigit() and "/" in line) >= count


def test_a_demo_session_at_80x24_never_loses_the_app(
    terminal: Terminal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Start, finish, run again, observations, search, a run from F5, resume, dry run, quit.

    At 80x24 (the size many terminals open at), the simulator on a real clock with a little
    latency (so the third run can be cancelled midway), small scale. After every step the app
    must still be there: no traceback, the pane alive, a footer on screen.
    """
    db = tmp_path / "demo.db"
    terminal.env["BACKFILL_SIM"] = "latency=0.4,scale=0.3"
    terminal.start(BIN, "demo", "--db", str(db), size=(80, 24))
    terminal.tmux("set-option", "-t", terminal.name, "remain-on-exit", "on")  # keep a traceback
    terminal.wait_for("items in")
    terminal.alive()

    # 1. start, let it finish
    terminal.keys("C-s")
    terminal.wait_until(lambda: [r[1] for r in _runs(db)] == ["completed"], "the first run")
    first = _runs(db)[0]
    terminal.wait_for(f"run {first[0]}")
    terminal.wait_for(f"{first[2]:,} fetched  {first[3]:,} new")
    terminal.alive()

    # 2. run again from the connect screen: every item is a duplicate
    terminal.keys("F2")
    terminal.wait_for("Test connections")
    terminal.keys("C-s")
    terminal.wait_until(lambda: len(_runs(db)) == 2 and _runs(db)[1][1] == "completed", "run 2")
    second = _runs(db)[1]
    # A re-sync (issue 13): nothing new, every item fetched a duplicate; GitHub's unchanged
    # streams are answered 304 and fetch nothing, so it fetches at most what the first did.
    assert second[3] == 0 and second[4] == second[2] and 0 < second[2] <= first[2]
    screen = terminal.wait_for(f"{second[2]:,} fetched  0 new  {second[4]:,} dup")
    assert f"run {second[0]}" in screen
    terminal.alive()

    # 3. observations, and a search
    terminal.keys("F4")
    terminal.wait_for("enter opens one")
    terminal.wait_for("observations (showing")  # its rows are read: the screen is ready
    terminal.keys("/")
    terminal.keys(*"fix")
    # The query stands in the search box (the line above the column titles) before Enter.
    terminal.wait_until(lambda: "fix" in _search_box(terminal.screen()), "the query in the box")
    terminal.keys("Enter")
    terminal.wait_until(
        lambda: "fix" in terminal.screen().lower().split("occurred", 1)[-1], "search results"
    )
    terminal.alive()

    # 4. a third run, cancelled midway; then open the first run from F5
    terminal.keys("F2")
    terminal.wait_for("Test connections")
    terminal.keys("C-s")
    terminal.wait_until(lambda: len(_runs(db)) == 3, "run 3 to start")
    # The dashboard's title line ("run ID · demo · …"), not a notice naming the run: keys typed
    # before the dashboard is drawn are dropped (screens/key_order.py).
    terminal.wait_for(f"run {_runs(db)[2][0]} · ")
    terminal.wait_for("running")
    terminal.keys("c")  # asked first
    terminal.wait_for("Cancel the run?")
    terminal.keys("y")
    terminal.wait_until(lambda: _runs(db)[2][1] == "cancelled", "run 3 to be cancelled")
    third = _runs(db)[2]
    terminal.keys("F5")
    # The runs list itself (the dashboard behind it says "cancelled" too).
    terminal.wait_until(lambda: _runs_listed(terminal.screen(), 3), "the runs list")
    terminal.keys("Tab", "Down", "Down", "Enter")  # newest first: the third row is the first run
    terminal.wait_for(f"run {first[0]} · ")  # the dashboard's title (a notice names it too)
    terminal.alive()

    # 5. resume the cancelled run from F5
    terminal.keys("F5")
    terminal.wait_until(lambda: _runs_listed(terminal.screen(), 3), "the runs list")
    terminal.keys("Up", "Up", "r")
    terminal.wait_until(lambda: _runs(db)[2][1] == "completed", "the resumed run")
    terminal.wait_for(f"run {third[0]}")
    terminal.alive()

    # 6. export: a dry run to Inngest (offline: a dry run sends nothing)
    terminal.keys("F6")
    terminal.wait_for("Dry run")
    terminal.click("Inngest")  # the target; then its event key (focus may be anywhere)
    terminal.wait_for("Event key")
    terminal.click("the Inngest event key")
    terminal.keys(*"demo-event-key")
    terminal.wait_for("•" * len("demo-event-key"))
    time.sleep(1)  # the form reads the key from its change message; a ctrl+r typed on the
    # heels of the last letter finds it empty ("Not ready"), reported to i12-behaviour
    terminal.keys("C-r")
    terminal.wait_for("would send")
    terminal.alive()

    # 7. quit
    terminal.keys("C-q")
    terminal.wait_until(lambda: terminal.pane_dead(), "the app to quit", timeout=10)
    assert "Traceback" not in terminal.screen()
