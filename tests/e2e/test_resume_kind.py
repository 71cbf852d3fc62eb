"""A run continues only as it was made: a replayed run from its recording (never the live API),
a simulated run on the simulator. The rule is the engine's (``engine.check_resumable``); the
CLI's ``resume`` and the app's ``r`` both go through ``engine.resume_environment``."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest
from app_support import SIZE, Recorder, make_app, wait_until
from support import run_cli, simulated_run, stored_ids

from backfill_tui.engine.environment import Environment
from backfill_tui.engine.recording import Replay
from backfill_tui.engine.run import Engine, check_resumable
from backfill_tui.errors import UsageError
from backfill_tui.screens.messages import RunEnded, RunLaunched
from backfill_tui.store import Mirror

DEAD_API = "http://127.0.0.1:9"  # a live call would be refused here at once, never leave the host


def _recorded(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, list[str]]:
    """A recording of a completed simulated run, and the sourceIds that run stored."""
    monkeypatch.setenv("BACKFILL_SIM", "clock=virtual")
    rec = tmp_path / "sync.rec.gz"
    made = simulated_run(capsys, str(tmp_path / "a.db"), "--days", "7", "--record", str(rec))
    assert made.code == 0, made.err
    monkeypatch.delenv("BACKFILL_SIM")
    return rec, sorted(stored_ids(tmp_path / "a.db", "w"))


def _interrupted_replay(rec: Path, db: Path) -> str:
    """A replay whose process died right after planning: marked running, its pid gone."""
    mirror = Mirror.open(db)
    try:
        with Replay.open(rec) as replay:
            run = replay.plan(Engine(mirror, replay.environment()))
        dead = subprocess.Popen(["true"])
        dead.wait()
        mirror.conn.execute("UPDATE runs SET pid = ? WHERE id = ?", (dead.pid, run.id))
        return run.id
    finally:
        mirror.close()


def _live_but_dead_api(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_" + "x" * 36)
    monkeypatch.setenv("BACKFILL_GITHUB_API_URL", DEAD_API)


def test_resuming_a_replay_answers_from_its_recording_not_the_live_api(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rec, truth = _recorded(capsys, tmp_path, monkeypatch)
    db = tmp_path / "b.db"
    run_id = _interrupted_replay(rec, db)
    _live_but_dead_api(monkeypatch)
    result = run_cli(capsys, "resume", run_id, "--db", str(db), "--quiet", "--json")
    assert result.code == 0, result.err
    assert result.summary["status"] == "completed"
    assert sorted(stored_ids(db, "w")) == truth


@pytest.mark.parametrize("damage", ["moved", "modified"])
def test_resuming_a_replay_whose_recording_is_gone_or_changed_is_refused(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    damage: str,
) -> None:
    rec, _ = _recorded(capsys, tmp_path, monkeypatch)
    db = tmp_path / "b.db"
    run_id = _interrupted_replay(rec, db)
    if damage == "moved":
        rec.rename(tmp_path / "elsewhere.rec.gz")
    else:
        with rec.open("ab") as file:
            file.write(b"\n")
    _live_but_dead_api(monkeypatch)
    result = run_cli(capsys, "resume", run_id, "--db", str(db), "--quiet")
    assert result.code == 2
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert f"run {run_id} was replayed from {rec.resolve()}" in lines[0]
    if damage == "moved":  # the missing path is not offered as the file to replay
        assert (
            "put the recording back there and resume, or replay it from where it is now as a "
            f"new run: `backfill-tui replay FILE --db {db}`"
        ) in lines[0], lines[0]
    else:
        assert f"replay it again: `backfill-tui replay {rec.resolve()} --db {db}`" in lines[0]
    assert "GITHUB_TOKEN" not in result.err and "token" not in result.err
    assert stored_ids(db, "w") == []


def test_the_engine_refuses_a_replayed_run_in_a_live_or_simulated_environment(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rec, _ = _recorded(capsys, tmp_path, monkeypatch)
    db = tmp_path / "b.db"
    run_id = _interrupted_replay(rec, db)
    mirror = Mirror.open(db)
    try:
        run = mirror.get_run(run_id)
        assert run is not None and run.recording == str(rec.resolve())
        for environment in (Environment(env={}), Environment.create(simulate=True)):
            with pytest.raises(UsageError, match="was replayed from"):
                check_resumable(run, environment, db)
            with pytest.raises(UsageError, match="was replayed from"):
                asyncio.run(Engine(mirror, environment).run(run_id))
    finally:
        mirror.close()


def test_a_simulated_run_resumes_on_the_simulator(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKFILL_SIM", "faults=1,clock=virtual")
    db = tmp_path / "m.db"
    made = simulated_run(capsys, str(db), "--json")
    assert made.code == 1
    monkeypatch.setenv("BACKFILL_SIM", "clock=virtual")  # the faults mended
    _live_but_dead_api(monkeypatch)
    result = run_cli(capsys, "resume", str(made.summary["run_id"]), "--db", str(db), "--quiet")
    assert result.code == 0, result.err
    mirror = Mirror.open(db)
    try:  # and a live environment may not continue it
        run = mirror.get_run(str(made.summary["run_id"]))
        assert run is not None
        with pytest.raises(UsageError, match="simulator"):
            check_resumable(run, Environment(env={}), db)
    finally:
        mirror.close()


def test_the_apps_resume_of_a_replay_answers_from_its_recording(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rec, truth = _recorded(capsys, tmp_path, monkeypatch)
    run_id = _interrupted_replay(rec, tmp_path / "mirror.db")
    app = make_app(
        tmp_path,
        environment=Environment(
            env={"GITHUB_TOKEN": "ghp_" + "x" * 36, "BACKFILL_GITHUB_API_URL": DEAD_API}
        ),
    )
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            await pilot.press("f5")
            await pilot.press("r")
            await wait_until(pilot, lambda: seen.of(RunEnded))
            assert seen.of(RunLaunched)[0] == RunLaunched(run_id, True)
            assert seen.of(RunEnded)[0].status == "completed"

    asyncio.run(scenario())
    assert sorted(stored_ids(tmp_path / "mirror.db", "w")) == truth


def test_the_apps_resume_of_a_replay_whose_recording_changed_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rec, _ = _recorded(capsys, tmp_path, monkeypatch)
    run_id = _interrupted_replay(rec, tmp_path / "mirror.db")
    rec.unlink()
    app = make_app(
        tmp_path,
        environment=Environment(
            env={"GITHUB_TOKEN": "ghp_" + "x" * 36, "BACKFILL_GITHUB_API_URL": DEAD_API}
        ),
    )
    seen = Recorder()

    async def scenario() -> list[str]:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            await pilot.press("f5")
            await pilot.press("r")
            await pilot.pause()
            assert not seen.of(RunLaunched)
            return [str(n.message) for n in app._notifications]

    notes = asyncio.run(scenario())
    assert any(f"run {run_id} was replayed from" in n for n in notes), notes
    assert stored_ids(tmp_path / "mirror.db", "w") == []
