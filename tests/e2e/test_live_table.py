"""The CLI's live table on a terminal (stderr), as a user reads it (fresh testers' findings):
a failed stream's row counts the calls it made, as the summary does; a stop before any stream
is known leaves no empty table frame; and a quit at once (the third Ctrl-C) takes the table off
the screen and shows the cursor, so its line is the last thing there, not a table frozen
mid-run ("backfill · 3s") after it."""

from __future__ import annotations

import asyncio
import os
import pty
import re
import select
import signal
import sqlite3
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from rich.console import Console
from support import run_cli, simulated_engine

from backfill_tui.cli.display import HeadlessDisplay
from backfill_tui.engine import progress as ev
from backfill_tui.engine.run import RunRequest, SourceSpec
from backfill_tui.http import RetryRules
from backfill_tui.terms import StreamCounters

_CONTROL = re.compile(r"\x1b\[(\??)(\d*)([A-Za-z])")


def screen(data: str) -> list[str]:
    """What a terminal shows after ``data``: lines, cursor moves up (``ESC[nA``), line erases
    (``ESC[2K``), carriage returns; colours and other controls ignored."""
    lines, row, col, i = [""], 0, 0, 0
    while i < len(data):
        if data[i] == "\x1b":
            m = _CONTROL.match(data, i)
            if m is None:
                i += 1
                continue
            _, n, code = m.groups()
            if code == "A":
                row = max(0, row - int(n or 1))
            elif code == "K":
                lines[row] = ""
            i = m.end()
            continue
        char = data[i]
        if char == "\r":
            col = 0
        elif char == "\n":
            row, col = row + 1, 0
            lines.extend([""] * (row + 1 - len(lines)))
        else:
            line = lines[row].ljust(col)
            lines[row] = line[:col] + char + line[col + 1 :]
            col += 1
        i += 1
    return [line.rstrip() for line in lines if line.strip()]


def test_a_failed_streams_row_counts_its_calls(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # Rich draws the live table as on a terminal
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("BACKFILL_SIM", "clock=virtual")
    result = run_cli(
        capsys, "run", "github:acme/nope", "--simulate", "--workspace", "w",
        "--db", str(tmp_path / "m.db"),
    )  # fmt: skip
    assert result.code == 1
    shown = screen(result.err)
    rows = [line.split() for line in shown if line.lstrip().startswith(("issue ", "push "))]
    assert len(rows) == 2, shown
    assert [row[-1] for row in rows] == ["1", "1"], shown  # each asked its first page once
    assert "(5 API calls)" in result.out  # the summary: the lookup's call and the four


def _display() -> tuple[HeadlessDisplay, StringIO]:
    display = HeadlessDisplay(StringIO())
    out = StringIO()
    display.console = Console(file=out, force_terminal=True, width=100, highlight=False)
    display.live_mode = True
    display.redraw_every = 0  # each event's frame drawn at once, to be read after it
    return display, out


def test_no_stream_known_no_table_frame() -> None:
    display, out = _display()
    with display:
        pass
    assert screen(out.getvalue()) == []


def test_erase_takes_the_table_off_and_shows_the_cursor() -> None:
    display, out = _display()
    with display:
        display(ev.RunStarted("r", "w", "2026-11-01", ("github:acme/rocket/issue",)))
        counters = StreamCounters(fetched=3, new=3, pages=1, api_calls=1)
        display(ev.PageStored("r", "github:acme/rocket/issue", counters, 3, 0))
        display.erase()
        out.write("backfill-tui: quitting now\n")
    shown = out.getvalue()
    assert "backfill ·" in shown and "github:acme/rocket" in shown  # it was drawn
    assert screen(shown) == ["backfill-tui: quitting now"]
    assert shown.rfind("\x1b[?25h") > shown.rfind("\x1b[?25l")  # the cursor shown again


def test_the_third_ctrl_c_leaves_its_line_last_on_the_terminal(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    env = {**os.environ, "BACKFILL_SIM": "latency=0.3", "COLUMNS": "100", "TERM": "xterm"}
    argv = [sys.executable, "-m", "backfill_tui", "--db", str(db), "run", "github:acme/rocket",
            "--simulate", "--workspace", "w", "--days", "90"]  # fmt: skip
    pid, fd = pty.fork()
    if pid == 0:  # the child: the command on the terminal
        os.execve(sys.executable, argv, env)
    seen, holder, signals = b"", None, 0
    try:
        while True:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                seen += chunk
            text = seen.decode("utf-8", "replace")
            if holder is None and "github:acme/rocket" in text and db.exists():
                holder = sqlite3.connect(db, isolation_level=None, timeout=30)
                holder.execute("BEGIN EXCLUSIVE")  # the run's next write waits for it
            wants = ("waiting for the mirror", "stopping; waiting", "already stopping")
            if holder is not None and signals < 3 and wants[signals] in text:
                os.kill(pid, signal.SIGINT)
                signals += 1
            time.sleep(0.01)
    finally:
        _, status = os.waitpid(pid, 0)
        if holder is not None:
            holder.rollback()
            holder.close()
    assert os.waitstatus_to_exitcode(status) == 130
    shown = screen(seen.decode("utf-8", "replace"))
    assert shown[-1].startswith("backfill-tui: quitting now (exit 130)"), shown
    assert seen.rfind(b"\x1b[?25h") > seen.rfind(b"\x1b[?25l")


def _narrow_display(width: int) -> tuple[HeadlessDisplay, StringIO]:
    display, out = _display()
    display.console = Console(file=out, force_terminal=True, width=width, highlight=False)
    return display, out


def _last_frame(out: StringIO) -> str:
    """The terminal's text after the output so far, lines joined by spaces (folds undone)."""
    return " ".join(line.strip() for line in screen(out.getvalue()))


_KEYS = ("github:acme/nope/issue", "github:acme/nope/push", "github:acme/empty/issue")
_WHY = "GitHub has no /repos/acme/nope (404: Not Found); check the target name"


def test_the_table_ticks_and_shows_a_waiting_sources_streams_waiting() -> None:
    """A fresh tester's finding: through a minute's secondary-rate-limit wait the title froze
    at "backfill · 5s" (the table was drawn only on events), the waiting source's streams not
    yet begun said "pending", and the wait was cut at the terminal's edge."""
    display, out = _narrow_display(50)
    with display:
        display(ev.RunStarted("r", "w", "2026-11-01", _KEYS))
        display(
            ev.RateLimitWait(
                "r", "github:acme/empty", None, time.time() + 60, 60, "secondary rate limit"
            )
        )
        display.started -= 42  # the time goes on, no event comes: the timer's redraw shows it
        assert display._live is not None
        display._live.refresh()
        shown = screen(out.getvalue())
        assert any(line.startswith("backfill · 42s") for line in shown), shown
        rows = [line.split() for line in shown if line.split()[0] == "issue"]
        assert [row[1] for row in rows] == ["pending", "waiting"], shown
        assert all(len(line) <= 50 for line in shown), shown
        assert "github:acme/empty: secondary rate limit, resuming at" in _last_frame(out)


def test_a_wait_leaves_when_its_stream_moves_on_and_a_failure_is_read_whole() -> None:
    display, out = _narrow_display(50)
    with display:
        display(ev.RunStarted("r", "w", "2026-11-01", _KEYS))
        display(ev.RateLimitWait("r", "github:acme/nope", None, time.time() + 9, 9, "429"))
        assert "github:acme/nope: 429" in _last_frame(out)
        for key in _KEYS[:2]:
            display(ev.StreamFinished("r", key, "failed", StreamCounters(api_calls=1), _WHY))
    shown = screen(out.getvalue())
    assert all(len(line) <= 50 for line in shown), shown
    text = _last_frame(out)
    assert "github:acme/nope: 429" not in text.rpartition("backfill ·")[2], shown
    assert f"github:acme/nope/issue,push failed: {_WHY}" in text, shown
    rows = [line.split() for line in shown if line.split()[0] in ("issue", "push")]
    assert [row[1] for row in rows] == ["failed", "failed", "pending"], shown


def test_each_stream_keeps_its_own_wait_and_a_page_ends_only_its_own() -> None:
    """A fresh tester's finding: one source's streams waited for different causes (a 429 of
    4 s on issue, a secondary limit of 60 s on push) and the table showed one line per source:
    push's 60 s was shown for issue too, and a page stored by one stream hid the other's wait."""
    display, out = _narrow_display(100)
    issue, push, other = _KEYS
    now = time.time()
    with display:
        display(ev.RunStarted("r", "w", "2026-11-01", _KEYS))
        display(ev.RateLimitWait("r", "github:acme/nope", issue, now + 4, 4, "429 one"))
        display(ev.RateLimitWait("r", "github:acme/nope", push, now + 60, 60, "secondary"))
        text = _last_frame(out).rpartition("backfill ·")[2]
        assert "github:acme/nope/issue: 429 one" in text, text
        assert "github:acme/nope/push: secondary" in text, text
        display(ev.PageStored("r", issue, StreamCounters(fetched=1, new=1, pages=1), 1, 0))
        text = _last_frame(out).rpartition("backfill ·")[2]
        assert "429 one" not in text and "github:acme/nope/push: secondary" in text, text
        frame = StringIO()
        Console(file=frame, width=100, highlight=False).print(display._shown())
        rows = [
            (words[0], words[1])
            for words in (line.split() for line in frame.getvalue().splitlines())
            if words and words[0] in ("issue", "push")
        ]  # nope's issue and push, then empty's issue
        assert rows == [("issue", "running"), ("push", "waiting"), ("issue", "pending")], rows
        # a source-wide wait (a quota used up: no stream named) marks all its streams
        display(ev.RateLimitWait("r", "github:acme/empty", None, now + 30, 30, "quota"))
        assert "github:acme/empty: quota" in _last_frame(out).rpartition("backfill ·")[2]
    assert other.startswith("github:acme/empty")


def test_a_slow_answer_retried_shows_on_the_live_table(tmp_path: Path) -> None:
    """A fresh tester's finding: with answers trickling in (BACKFILL_SIM trickle=3) the
    whole-request deadline's retries showed only in the log file, the live table saying
    "pending ... 0" for minutes. The HTTP layer's retry reaches the table as an event: the
    stream's row says "retrying" and a line beneath says why, until its next page."""
    sim = simulated_engine(tmp_path / "m.db", "clock=virtual,trickle=2")
    sim.engine.environment.retry_rules = RetryRules(deadline=0.05)
    display, out = _display()
    retries: list[ev.RequestRetry] = []
    sim.engine.subscribe(lambda e: retries.append(e) if isinstance(e, ev.RequestRetry) else None)
    with display:
        sim.engine.subscribe(display)
        sim.run("vercel:acme/rocket-web", days=7)
    assert retries and retries[0].stream == "vercel:acme/rocket-web/deployment", retries
    frames = out.getvalue()
    assert "retrying" in frames.split(), frames  # the row's status
    line = "vercel:acme/rocket-web/deployment: retrying after no complete answer within 0.05s"
    assert line in frames, frames
    assert line not in " ".join(screen(frames)), frames  # gone once its pages came


_DEMO = {
    "github:acme/rocket": ("pull_request", "issue", "release", "push"),
    "vercel:acme/rocket-web": ("deployment",),
    "linear:ENG": ("issue", "comment", "project"),
    "sentry:acme/rocket": ("issue", "error"),
}


def test_the_demos_four_sources_fit_a_50x24_terminal() -> None:
    """A fresh tester's finding: at 50x24 the demo's four sources and their waits were taller
    than the terminal, which Rich's Live cropped to a last line "...". The table sheds its blank
    edges, then folds each source whose streams all ended into one row; the lines beneath that
    do not fit are counted in one line."""
    display, out = _display()
    display.console = Console(file=out, force_terminal=True, width=50, height=24, highlight=False)
    keys = tuple(f"{source}/{entity}" for source, entities in _DEMO.items() for entity in entities)
    with display:
        display(ev.RunStarted("r", "w", "2026-11-01", keys))
        for source in _DEMO:  # each source waits: 8 lines beneath a table of 14 rows
            display(ev.RateLimitWait("r", source, None, time.time() + 30, 30, "rate limited (429)"))
        frame = _frame_of(out)
        assert len(frame) <= 24 and "..." not in frame[-1], frame
        assert frame[-1] == "… 2 more lines (a taller terminal shows them)", frame
        display.console.height = 20  # the terminal made shorter
        done = StreamCounters(fetched=5, new=5, pages=1, api_calls=1)
        for key in keys[:4]:  # GitHub's streams all end: its four rows become one
            display(ev.StreamFinished("r", key, "completed", done))
        frame = _frame_of(out)
        assert len(frame) <= 20 and "..." not in frame[-1], frame
        assert [line.split()[:5] for line in frame if line.startswith("github")] == [
            ["github:…/rocket", "completed", "20", "20", "0"]
        ], frame
        assert not any(line.split()[0] == "pull_request" for line in frame), frame
        assert "linear:ENG: rate limited (429), resuming at" in " ".join(frame), frame


def _frame_of(out: StringIO) -> list[str]:
    """The last frame drawn: the lines from the last title down (blank ones kept out)."""
    shown = screen(out.getvalue())
    last = max(i for i, line in enumerate(shown) if line.startswith("backfill ·"))
    return shown[last:]


def test_a_stream_whose_first_answer_is_on_its_way_shows_running_not_pending(
    tmp_path: Path,
) -> None:
    """A tester's finding: the live table said "pending" for every stream while the first
    requests were in flight (for as long as a slow answer took), though each had begun. Both
    faces' rows (the CLI's table, the app's ``RunProgress``) say running from the stream's
    start; read here just before each stream's first page is folded in."""
    from backfill_tui.engine.live import RunProgress
    from backfill_tui.terms import StreamStatus

    sim = simulated_engine(tmp_path / "m.db", "clock=virtual")
    display, _ = _display()
    run = sim.engine.plan(RunRequest("w", (SourceSpec.parse("github:acme/rocket"),), depth=30))
    progress = RunProgress(run, sim.mirror.streams(run.id), 0.0)
    before_first_page: dict[str, tuple[str, str]] = {}

    def watch(event: ev.ProgressEvent) -> None:  # subscribed first: sees each event first
        if isinstance(event, ev.PageStored) and event.stream not in before_first_page:
            before_first_page[event.stream] = (
                display.rows[event.stream]["status"],
                progress.streams[event.stream].status,
            )

    sim.engine.subscribe(watch)
    with display:
        sim.engine.subscribe(display)
        sim.engine.subscribe(lambda event: progress.apply(event, 0.0))
        assert asyncio.run(sim.engine.run(run.id)) == "completed"
    assert len(before_first_page) == 4, before_first_page
    assert set(before_first_page.values()) == {(StreamStatus.RUNNING, StreamStatus.RUNNING)}


def test_the_live_totals_count_the_calls_the_summary_counts(tmp_path: Path, anchor: str) -> None:
    """The dashboard's calls left out each source's own lookup (the repository, the project,
    the team): 24 calls where the summary and the report said 30 (a fresh tester's finding).
    With faults, so that lookups are retried too."""
    from backfill_tui.engine.live import RunProgress
    from backfill_tui.engine.summary import run_summary

    sim = simulated_engine(tmp_path / "m.db", f"anchor={anchor},clock=virtual,faults=0.3")
    sources = ("github:acme/rocket", "vercel:acme/rocket-web", "linear:ENG", "sentry:acme/rocket")
    run = sim.engine.plan(RunRequest("w", tuple(SourceSpec.parse(s) for s in sources), depth=7))
    progress = RunProgress(run, sim.mirror.streams(run.id), 0.0)
    sim.engine.subscribe(lambda event: progress.apply(event, 1.0))
    try:
        asyncio.run(sim.engine.run(run.id))
        stored = sim.mirror.get_run(run.id)
        assert stored is not None
        summary = run_summary(sim.mirror, stored)
    finally:
        sim.mirror.close()
    calls = sum(source["api_calls"] for source in summary["sources"])
    streams = sum(s["api_calls"] for source in summary["sources"] for s in source["streams"])
    assert calls > streams  # the lookups made calls of their own
    assert progress.totals().api_calls == calls
