"""Re-syncs (issue 13, item 5): a second run of the same source into the same mirror asks
GitHub conditionally (a 304 costs no quota and stores nothing), fetches only what is newer
than the run that covered its window (production's gap rule), and `--full` fetches it all.
Also the lookup overlapping the first pages (item 2), seen in the simulator's request log."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from support import SimulatedEngine, run_cli, simulated_engine

from backfill_tui.engine.run import RunRequest, SourceSpec

TOKEN = "ghp_resyncTESTtoken000000000000000000000"


@pytest.fixture
def engine(tmp_path: Path, anchor: str, monkeypatch: pytest.MonkeyPatch) -> SimulatedEngine:
    # The token makes every request authorized: GitHub does not charge a 304 only then.
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    sim = simulated_engine(tmp_path / "m.db", f"anchor={anchor},token={TOKEN}")
    yield sim
    sim.mirror.close()


def _rows(db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {r[0] for r in conn.execute("SELECT source_id FROM observations")}


def _streams(db: Path, run_id: str) -> dict[str, tuple[str, int, int, int, str | None]]:
    """entity → (status, api_calls, new, pages, note) of one run."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT entity, status, api_calls, new, pages, note FROM streams WHERE run_id = ?",
            (run_id,),
        ).fetchall()
    return {r[0]: (r[1], r[2], r[3], r[4], r[5]) for r in rows}


def _full(engine: SimulatedEngine, source: str) -> str:
    request = RunRequest("demo", (SourceSpec.parse(source),), depth=30, full=True)
    run = engine.engine.plan(request)
    asyncio.run(engine.engine.run(run.id))
    return run.id


def test_an_unchanged_resync_is_answered_304_counted_and_stores_nothing(
    engine: SimulatedEngine, tmp_path: Path
) -> None:
    sim, db = engine.simulator, tmp_path / "m.db"
    engine.run("github:acme/rocket")
    first_quota, stored = sim.quota_spent("github"), _rows(db)
    assert first_quota >= 5 and stored
    seen = len(sim.requests)

    second = engine.run("github:acme/rocket")

    again = sim.requests[seen:]
    assert [r.status for r in again] == [304] * 5  # the repository and each stream's first page
    assert sim.quota_spent("github") == first_quota  # 304s cost no quota
    assert _rows(db) == stored
    streams = _streams(db, second)
    for entity, (status, calls, new, pages, note) in streams.items():
        assert (status, calls, new, pages) == ("completed", 1, 0, 0), entity  # counted
        assert note is not None and "304 Not Modified" in note
        # a line both faces show inside the end line's own parentheses: no CLI flag (the app has
        # none) and no parentheses of its own, which the log doubled ("…again))")
        assert "--full" not in note and "(" not in note and ")" not in note, note


def test_a_resync_after_20_new_items_stores_exactly_those_20(
    engine: SimulatedEngine, tmp_path: Path
) -> None:
    sim, db = engine.simulator, tmp_path / "m.db"
    engine.run("github:acme/rocket")
    before = _rows(db)
    sim.grow("github", 20)
    fresh = {f"push:acme/rocket:{c['sha']}" for c in sim.providers["github"].fresh_commits}  # type: ignore[attr-defined]
    assert len(fresh) == 20

    second = engine.run("github:acme/rocket")

    assert _rows(db) - before == fresh
    streams = _streams(db, second)
    assert streams["push"][2] == 20
    assert sum(s[2] for s in streams.values()) == 20
    # What a full backfill of today's window would store is now all there.
    cutoff = datetime.fromisoformat(engine.mirror.get_run(second).since)  # type: ignore[union-attr]
    assert sim.ground_truth("github", "acme/rocket", cutoff) <= _rows(db)


def test_a_resync_after_a_branch_merged_now_stores_its_older_commits(
    engine: SimulatedEngine, tmp_path: Path
) -> None:
    """GitHub's default merge button lands a branch's commits with their own dates (days
    old) under a merge commit: the commits list's ``since`` (a commit date) puts them before
    the first run, yet main has them only now. The push stream is not narrowed; the
    repository's ``pushed_at`` says a push came, so no 304 shortcut either."""
    sim, db = engine.simulator, tmp_path / "m.db"
    engine.run("github:acme/rocket")
    before = _rows(db)
    sim.grow("github", 5, dated_days_ago=3)
    github = sim.providers["github"]
    fresh = {f"push:acme/rocket:{c['sha']}" for c in github.fresh_commits}  # type: ignore[attr-defined]
    assert len(fresh) == 6  # five on the branch, and the merge

    second = engine.run("github:acme/rocket")

    assert _rows(db) - before == fresh
    assert _streams(db, second)["push"][2] == 6
    cutoff = datetime.fromisoformat(engine.mirror.get_run(second).since)  # type: ignore[union-attr]
    assert sim.ground_truth("github", "acme/rocket", cutoff) <= _rows(db)


def test_full_fetches_every_stream_again(engine: SimulatedEngine, tmp_path: Path) -> None:
    sim, db = engine.simulator, tmp_path / "m.db"
    first = engine.run("github:acme/rocket")
    first_quota = sim.quota_spent("github")
    seen = len(sim.requests)

    again = _full(engine, "github:acme/rocket")

    assert all(r.status == 200 for r in sim.requests[seen:])
    assert sim.quota_spent("github") == 2 * first_quota
    before, after = _streams(db, first), _streams(db, again)
    for entity in before:
        assert after[entity][3] == before[entity][3] > 0  # the same pages, read again
        assert after[entity][2] == 0  # all duplicates: nothing new to store


def test_the_cli_takes_full(
    tmp_path: Path, anchor: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "m.db"
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor}")
    args = ["run", "github:acme/rocket", "--simulate", "--workspace", "demo", "--entities",
            "release", "--quiet", "--json", "--db", str(db)]  # fmt: skip
    first = run_cli(capsys, *args)
    assert first.code == 0
    full = run_cli(capsys, *args, "--full")
    assert full.code == 0
    with sqlite3.connect(db) as conn:
        narrowed = conn.execute("SELECT count(*) FROM streams WHERE fetch_since IS NOT NULL")
        assert narrowed.fetchone()[0] == 0  # --full: no stream narrowed to a gap
    plain = run_cli(capsys, *args)
    assert plain.code == 0
    with sqlite3.connect(db) as conn:
        narrowed = conn.execute("SELECT count(*) FROM streams WHERE fetch_since IS NOT NULL")
        assert narrowed.fetchone()[0] == 1


def test_a_rerun_with_other_timing_resyncs_but_another_world_does_not(
    tmp_path: Path, anchor: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Latency, faults and rate limits change how the simulator answers, not what it holds: a
    re-run with more latency is a re-sync (a tester's re-run fetched everything again); another
    seed is another history, so it is fetched whole."""
    db = tmp_path / "m.db"
    args = ["run", "github:acme/rocket", "--simulate", "--workspace", "demo", "--entities",
            "release", "--quiet", "--db", str(db)]  # fmt: skip

    def narrowed_after(settings: str) -> int:
        monkeypatch.setenv("BACKFILL_SIM", settings)
        assert run_cli(capsys, *args).code == 0
        with sqlite3.connect(db) as conn:
            row = conn.execute(
                "SELECT count(*) FROM streams WHERE fetch_since IS NOT NULL AND run_id ="
                " (SELECT id FROM runs ORDER BY started_at DESC, rowid DESC LIMIT 1)"
            ).fetchone()
        return int(row[0])

    assert narrowed_after(f"anchor={anchor},latency=0.01,faults=0") == 0  # the first run
    assert narrowed_after(f"latency=0.02,anchor={anchor},rate_limit_every=3") == 1
    assert narrowed_after(f"anchor={anchor},seed=7") == 0  # another world: fetched whole
    assert narrowed_after(f"anchor={anchor},seed=7,latency=0.01") == 1


def test_a_wider_window_than_the_earlier_run_fetches_it_whole(
    engine: SimulatedEngine, tmp_path: Path
) -> None:
    db = tmp_path / "m.db"
    engine.run("github:acme/rocket", days=7)
    wider = engine.run("github:acme/rocket", days=30)
    with sqlite3.connect(db) as conn:
        narrowed = conn.execute(
            "SELECT count(*) FROM streams WHERE run_id = ? AND fetch_since IS NOT NULL", (wider,)
        ).fetchone()[0]
    assert narrowed == 0  # the 7-day run does not cover a 30-day window


def test_the_lookup_overlaps_the_first_pages(
    tmp_path: Path, anchor: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    engine = simulated_engine(tmp_path / "m.db", f"anchor={anchor},token={TOKEN},latency=0.05")
    try:
        engine.run("github:acme/rocket")
    finally:
        engine.mirror.close()
    log = engine.simulator.requests
    (lookup,) = [r for r in log if r.path == "/repos/acme/rocket"]
    # each stream's first page (later pages use /repositories/ID; a catch-up comes last)
    firsts = {r.path: r for r in reversed(log) if r.path.startswith("/repos/acme/rocket/")}
    firsts = list(firsts.values())
    assert len(firsts) == 4
    assert all(r.arrived < lookup.answered for r in firsts)


def test_a_moved_repository_is_followed_when_the_lookup_overlaps(
    tmp_path: Path, anchor: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    engine = simulated_engine(tmp_path / "m.db", f"anchor={anchor},token={TOKEN},latency=0.02")
    try:
        run_id = engine.run("github:acme/old-rocket")
    finally:
        engine.mirror.close()
    streams = _streams(tmp_path / "m.db", run_id)
    assert {s[0] for s in streams.values()} == {"completed"}
    # Said once, by the lookup: each first page, asked by the old name before the lookup
    # answered, followed its own 301 and adds no note of its own (ApiClient.get follows it).
    said = "repository acme/old-rocket was renamed or moved to acme/rocket; read from acme/rocket"
    assert {s[4] for s in streams.values()} == {said}
    assert sum(s[2] for s in streams.values()) > 0


def test_resuming_a_source_that_does_not_exist_asks_its_lookup_alone(
    engine: SimulatedEngine,
) -> None:
    """Every stream of github:acme/nope failed with a 404 (a cause to mend): a resume asks the
    repository once, and the 404 fails them all again, instead of the lookup and each stream's
    first page side by side (a tester's resume spent 5 calls again for a known 404)."""
    sim = engine.simulator
    run_id = engine.run("github:acme/nope")
    first = sim.requests[:]
    assert len(first) == 5 and {r.status for r in first} == {404}  # lookup + 4 first pages
    streams = engine.mirror.streams(run_id)
    assert all(s.status == "failed" and s.mend for s in streams)

    asyncio.run(engine.engine.run(run_id))

    again = sim.requests[len(first) :]
    assert [(r.status, r.url.rsplit("/", 2)[-2:]) for r in again] == [(404, ["acme", "nope"])]
    assert all(s.status == "failed" and s.mend for s in engine.mirror.streams(run_id))


def test_a_planned_run_stopped_before_it_started_is_stored_cancelled(
    engine: SimulatedEngine,
) -> None:
    """A Ctrl-C or SIGTERM between plan and run left it "running" under a process that was
    gone, which `runs` shows as interrupted, while the command said "cancelled" (a fresh
    tester's finding). A run that started keeps the end it stored."""
    planned = engine.engine.plan(RunRequest("demo", (SourceSpec.parse("github:acme/rocket"),)))
    assert engine.engine.cancel_unstarted(planned.id)
    run = engine.mirror.get_run(planned.id)
    assert run is not None and run.status == "cancelled" and run.finished_at is not None
    assert {s.status for s in engine.mirror.streams(planned.id)} == {"cancelled"}
    assert not engine.engine.cancel_unstarted(planned.id)  # once

    ran = engine.run("github:acme/rocket")
    assert not engine.engine.cancel_unstarted(ran)
    assert {s.status for s in engine.mirror.streams(ran)} == {"completed"}
