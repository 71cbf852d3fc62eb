"""A replay the user cancels says it was cancelled, and nothing about the answers it left unasked.

A fresh tester's finding: Ctrl-C 0.9 s into a replay ended, after the right cancelled line, with
"note: 7 recorded answers were never asked for; this replay did not follow the recorded run
exactly", which reads as a replay gone astray; answers left unasked are what a cancel means.
The recording is made in this process (virtual clock); the replay is a subprocess that gets a
real SIGINT once it has stored observations.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import run_cli, stored_count

SOURCES = ["github:acme/rocket", "vercel:acme/rocket-web", "linear:ENG", "sentry:acme/rocket"]


def _recorded(
    tmp_path: Path,
    anchor: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *,
    scale: float,
) -> Path:
    """A 90-day run of every simulated provider (virtual clock, ``scale``) recorded to
    ``tmp_path/rec.gz``, its mirror ``tmp_path/m.db``: the recording."""
    rec = tmp_path / "rec.gz"
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor},clock=virtual,scale={scale}")
    recorded = run_cli(capsys, "run", *SOURCES, "--simulate", "--workspace", "w", "--days", "90",
                       "--record", str(rec), "--db", str(tmp_path / "m.db"), "--quiet")  # fmt: skip
    assert recorded.code == 0, recorded.err
    return rec


def test_a_cancelled_replay_says_nothing_of_answers_it_left_unasked(
    tmp_path: Path,
    anchor: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rec = _recorded(tmp_path, anchor, monkeypatch, capsys, scale=20)

    db = tmp_path / "r.db"
    process = subprocess.Popen(
        [sys.executable, "-m", "backfill_tui", "replay", str(rec), "--db", str(db)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ),
    )  # fmt: skip
    for _ in range(1200):
        if stored_count(db) > 0 or process.poll() is not None:
            break
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 1, (out, err)  # cancelled, not completed before the signal
    assert "cancelled" in err
    assert "never asked for" not in err, err
    # the line offers the resume that finishes it (it said "a replay cannot be resumed", and
    # resume then finished it: a fresh tester's finding)
    match = re.search(r"`backfill-tui (resume \S+ --db \S+)`", err)
    assert match is not None and "cannot be resumed" not in err, err
    resumed = run_cli(capsys, *match.group(1).split())
    assert resumed.code == 0, resumed.err
    assert stored_count(db) == stored_count(tmp_path / "m.db")


def test_a_replay_stopped_without_a_signal_offers_the_resume_that_finishes_it(
    tmp_path: Path,
    anchor: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Quitting the app during a replay cancels it with no signal: its closing line said "A
    replay cannot be resumed" right after the quit question had offered the resume, which
    does finish it (a fresh tester's finding). The line offers that resume now."""
    import asyncio

    from backfill_tui.cli.drive import ended_line
    from backfill_tui.engine.progress import PageStored
    from backfill_tui.engine.recording import Replay
    from backfill_tui.engine.run import Engine
    from backfill_tui.store import Mirror

    rec = _recorded(tmp_path, anchor, monkeypatch, capsys, scale=5)

    db = tmp_path / "r.db"
    with Replay.open(rec) as replay:
        mirror = Mirror.open(db)
        engine = Engine(mirror, replay.environment())
        run = replay.plan(engine)

        async def until_a_page_then_cancel() -> None:
            task = asyncio.ensure_future(engine.run(run.id))
            stored = asyncio.Event()
            engine.subscribe(lambda event: stored.set() if isinstance(event, PageStored) else None)
            await stored.wait()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

        asyncio.run(until_a_page_then_cancel())
        ended = mirror.get_run(run.id)
        assert ended is not None and ended.status == "cancelled", ended
        line = ended_line(mirror, ended, f" --db {db}")
        mirror.close()
    assert "cannot be resumed" not in line, line
    match = re.search(r"`backfill-tui (resume \S+ --db \S+)`", line)
    assert match is not None, line
    resumed = run_cli(capsys, *match.group(1).split())
    assert resumed.code == 0, resumed.err
    assert stored_count(db) == stored_count(tmp_path / "m.db")
