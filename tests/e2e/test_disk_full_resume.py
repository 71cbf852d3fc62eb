"""A run the disk stopped (a real SQLITE_FULL) is said, in its ``--json`` summary, to be what
``runs`` shows afterwards (interrupted, resumable), and ``resume`` completes it once there is
room (a tester's findings: the summary said ``running``)."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest
from support import limit_pages, run_cli, simulated_engine

from backfill_tui.engine import progress as ev
from backfill_tui.engine.summary import run_summary
from backfill_tui.errors import DiskFull
from backfill_tui.store import Mirror
from backfill_tui.terms import RESUMABLE, RunStatus, StreamStatus

#: Today's UTC midnight: the simulated history ends about now, so every window holds items.
ANCHOR = (datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0).isoformat()).replace(
    "+00:00", "Z"
)


def test_a_run_the_disk_stopped_says_interrupted_and_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={ANCHOR}")
    db = tmp_path / "d.db"
    Mirror.open(db).close()
    with monkeypatch.context() as disk:
        limit_pages(disk, db, 30)
        stopped = run_cli(
            capsys, "run", "github:acme/rocket", "linear:ENG", "--simulate", "--workspace",
            "wd", "--days", "90", "--json", "--db", str(db),
        )  # fmt: skip
    assert stopped.code == 1, stopped.err
    assert "disk full" in stopped.err
    summary = json.loads(stopped.out)
    runs = run_cli(capsys, "runs", "--db", str(db))
    shown = runs.out.split()[1]  # `runs`: one line, the run id then its shown status
    assert runs.code == 0 and summary["status"] == shown
    assert shown in RESUMABLE
    streams = {s["status"] for src in summary["sources"] for s in src["streams"]}
    assert not streams & {"running"}, summary

    resumed = run_cli(capsys, "resume", summary["run_id"], "--db", str(db), "--json")
    assert resumed.code == 0, resumed.err
    assert json.loads(resumed.out)["status"] == "completed"


def test_the_engine_says_interrupted_for_a_run_the_disk_stopped_while_its_process_lives_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the app shows (its header, every stream, the runs list) comes from the engine's
    events and the mirror while the app lives on: a run the disk stopped is ``interrupted``
    there too, every unfinished stream with it, never "cancelled" (nobody cancelled it: a
    tester's finding) nor "failed"; the stream that met the full disk says so."""
    db = tmp_path / "d.db"
    Mirror.open(db).close()
    events: list[ev.ProgressEvent] = []
    with monkeypatch.context() as disk:
        limit_pages(disk, db, 30)
        sim = simulated_engine(db, f"anchor={ANCHOR}")
        sim.engine.subscribe(events.append)
        with pytest.raises(DiskFull):
            sim.run("github:acme/rocket", "linear:ENG", workspace="wd", days=90)
    ends = [e for e in events if isinstance(e, ev.StreamFinished)]
    stopped = [e for e in ends if e.status != StreamStatus.COMPLETED]
    assert len(stopped) > 1 and {e.status for e in stopped} == {StreamStatus.INTERRUPTED}
    assert any("disk full" in (e.error or "") for e in stopped)
    assert len({e.stream for e in ends}) == len(ends)  # each stream's end said once
    (finished,) = [e for e in events if isinstance(e, ev.RunFinished)]
    assert finished.status == RunStatus.INTERRUPTED
    (run,) = sim.mirror.list_runs()
    summary = run_summary(sim.mirror, run)  # asks the mirror: this process still lives
    assert summary["status"] == "interrupted"
    streams = {s["status"] for src in summary["sources"] for s in src["streams"]}
    assert streams <= {"completed", "interrupted"}, summary
    sim.mirror.close()


def test_the_summary_of_a_run_whose_process_is_gone_says_interrupted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A full disk may refuse even the run's end: it stays stored ``running``; the summary the
    stopped process prints (``process_alive=False``) and ``report`` later both say
    ``interrupted``, as ``runs`` does."""
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={ANCHOR}")
    db = tmp_path / "d.db"
    done = run_cli(capsys, "run", "github:acme/rocket", "--simulate", "--workspace", "wd",
                   "--days", "7", "--json", "--db", str(db))  # fmt: skip
    run_id = json.loads(done.out)["run_id"]
    mirror = Mirror.open(db)
    with mirror.transaction() as conn:  # as the disk left it: nothing after the first stream
        conn.execute("UPDATE runs SET status = 'running', pid = 999999999 WHERE id = ?", (run_id,))
        conn.execute("UPDATE streams SET status = 'running' WHERE run_id = ?", (run_id,))
    run = mirror.get_run(run_id)
    assert run is not None
    for summary in (run_summary(mirror, run, process_alive=False), run_summary(mirror, run)):
        assert summary["status"] == "interrupted"
        assert {src["status"] for src in summary["sources"]} == {"interrupted"}
        assert {s["status"] for src in summary["sources"] for s in src["streams"]} == {
            "interrupted"
        }
    mirror.close()
    assert run_cli(capsys, "runs", "--db", str(db)).out.split()[1] == "interrupted"


def test_a_stream_whose_last_page_the_disk_refused_to_complete_reads_it_once_on_resume(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A tester's finding: the disk filled as a one-page stream (GitHub's pull requests, 47
    of them) completed; ``resume`` read that page again and counted its own 47 rows as
    duplicates (``runs``: dup 47 in a fresh mirror; ``run_items``: 47 sourceIds twice). Its
    page had been committed with its checkpoint (completed, no cursor left), then keeping the
    list's validator (its ETag, for a re-sync), a write of its own, met the full disk, and the
    stream was stored back as ``running``, from no cursor: from its first page.

    The disk fills exactly there: a trigger (SQLite's, added to the file by the test) makes
    keeping a stream's validator write a blob the disk has no room for (``limit_pages``: a
    real SQLITE_FULL). Afterwards no stream counts a duplicate, every row is stored once, and
    each stream that completed with one page keeps its validator."""
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={ANCHOR}")
    db = tmp_path / "d.db"
    Mirror.open(db).close()
    room = 4000  # pages: the whole run fits, the blob (twice the room) does not
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.executescript(
            f"""CREATE TABLE ballast (b BLOB);
            CREATE TRIGGER fill AFTER INSERT ON etags WHEN NEW.entity != ''
            BEGIN INSERT INTO ballast VALUES (zeroblob({2 * room * 4096})); END;"""
        )
    with monkeypatch.context() as disk:
        limit_pages(disk, db, room)
        stopped = run_cli(
            capsys, "run", "github:acme/rocket", "--simulate", "--workspace", "wd", "--days",
            "30", "--json", "--db", str(db),
        )  # fmt: skip
    assert stopped.code == 1, stopped.err
    assert "disk full" in stopped.err
    with closing(sqlite3.connect(db)) as conn, conn:  # room again
        conn.executescript("DROP TRIGGER fill; DROP TABLE ballast;")

    resumed = run_cli(capsys, "resume", stopped.summary["run_id"], "--db", str(db), "--json")
    assert resumed.code == 0, resumed.err
    assert resumed.summary["status"] == "completed"
    with closing(sqlite3.connect(db)) as conn:
        streams = conn.execute(
            "SELECT entity, status, fetched, new, duplicates, pages FROM streams"
        ).fetchall()
        items, distinct = conn.execute(
            "SELECT count(*), count(DISTINCT source_id) FROM run_items"
        ).fetchone()
        (stored,) = conn.execute("SELECT count(*) FROM observations").fetchone()
        kept = {entity for (entity,) in conn.execute("SELECT entity FROM etags")}
    assert [s for s in streams if s[4] or s[2] != s[3]] == [], streams  # no duplicates
    assert {s[1] for s in streams} == {"completed"}
    assert items == distinct == stored == sum(s[3] for s in streams)
    # the tester's stream and the releases: one-page lists, whose validators a re-sync asks
    assert {s[0] for s in streams if s[5] == 1} == {"pull_request", "release"}, streams
    assert {"pull_request", "release"} <= kept, kept
