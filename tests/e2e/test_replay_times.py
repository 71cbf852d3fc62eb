"""A replay says its recorded run's times: the same on every replay, in every form.

A fresh tester recorded a four-provider run (ran_s 12.0, "13.2 s waiting on rate limits",
Vercel 6.5 s) and replayed it three times: ran_s 16.0, 17.0 and 16.0, "16.0 s waiting" (Vercel
9.4 s), finished five seconds after the original. Three causes: one clock for every stream
(each stream's wait pushed the others' time on, and each answer pulled every stream to its
instant, in whatever order the replay served them), the retry layer's random jitter drawn
afresh, and the source's waits united by counting those going at once (a replay's pass at
once). The rule now (README, "Reproducing a sync"): a replay's ``ran_s``, finished time and
waits are the recorded run's.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
from pathlib import Path

import pytest
from support import run_cli

from backfill_tui.engine import progress as ev
from backfill_tui.engine.recording import Replay
from backfill_tui.engine.run import Engine
from backfill_tui.store import Mirror
from backfill_tui.store.rows import seconds_between

SOURCES = ["github:acme/rocket", "vercel:acme/rocket-web", "linear:ENG", "sentry:acme/rocket"]


def _times(db: Path) -> tuple[tuple[object, ...], list[tuple[object, ...]]]:
    """The latest run's (started_at, finished_at, ran_s) and its streams' waits, by key."""
    with sqlite3.connect(db) as conn:
        run = conn.execute(
            "SELECT id, started_at, finished_at, ran_s FROM runs ORDER BY rowid DESC LIMIT 1"
        ).fetchone()
        streams = conn.execute(
            "SELECT provider, target, entity, round(rate_limit_wait_s, 6) FROM streams"
            " WHERE run_id = ? ORDER BY 1, 2, 3",
            (run[0],),
        ).fetchall()
    return tuple(run[1:]), streams


def _waits(summary: dict[str, object]) -> dict[str, float]:
    return {
        f"{s['source']}:{s['target']}": s["rate_limit_wait_s"]
        for s in summary["sources"]  # type: ignore[attr-defined]
    }


def test_two_replays_say_the_recorded_runs_times(
    tmp_path: Path, anchor: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Rate limits of every kind (Retry-After, reset times, GitHub's secondary limit with its
    # jittered minute), waits side by side in each source, and latency between answers.
    monkeypatch.setenv(
        "BACKFILL_SIM",
        f"anchor={anchor},rate_limit_every=4,retry_after=3,latency=0.4,clock=virtual",
    )
    original_db, rec = tmp_path / "original.db", tmp_path / "run.rec.gz"
    recorded = run_cli(
        capsys, "run", *SOURCES, "--simulate", "--workspace", "demo", "--days", "30",
        "--json", "--db", str(original_db), "--record", str(rec),
    )  # fmt: skip
    assert recorded.code == 0, recorded.err
    monkeypatch.delenv("BACKFILL_SIM")
    original = recorded.summary
    assert len([w for w in _waits(original).values() if w > 0]) >= 3

    replays = []
    for n in (1, 2):
        db = tmp_path / f"replay{n}.db"
        replayed = run_cli(capsys, "replay", str(rec), "--json", "--db", str(db))
        assert replayed.code == 0, replayed.err
        replays.append((replayed.summary, _times(db)))

    (run_times, stream_waits) = _times(original_db)
    for summary, (times, waits) in replays:
        assert summary["ran_s"] == original["ran_s"]
        assert times == run_times  # started, finished, ran_s: the recorded run's
        assert waits == stream_waits  # each stream waited what its original waited
        assert _waits(summary) == _waits(original)  # each source too (overlaps counted once)

    # The text and the report say the same figures as --json.
    summary, (times, _) = replays[1]
    text = run_cli(capsys, "runs", "--db", str(tmp_path / "replay2.db"))
    assert text.code == 0, text.err
    ran = int(float(summary["ran_s"]))
    assert f"{ran // 60:02d}:{ran % 60:02d}" in text.out
    report = run_cli(capsys, "report", str(summary["run_id"]), "--db", str(tmp_path / "replay2.db"))
    assert report.code == 0, report.err
    assert f"| Finished | {times[1]} (as recorded) |" in report.out
    total = sum(_waits(summary).values())
    said = re.search(r"; ([0-9.]+) s(?: \([0-9.]+ min\))? waiting on rate limits", report.out)
    assert said is not None, report.out
    assert float(said.group(1)) == pytest.approx(total, abs=0.5 if total < 60 else 1.0)


def test_a_replay_says_each_wait_ends_when_its_runs_did(
    tmp_path: Path, anchor: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each stream of a replay is on the recorded instant of its own latest answer. A stream
    whose first answer came after another stream had reached a later instant took that one as
    its own (the replay's clock kept only what was ahead), so its waits, the pages it stored
    and a replay killed mid-way ("interrupted 00:17" where the run took 12 s) said later times
    than its run's: Sentry "resuming at 21:23:52", after its run had ended at 21:23:50."""
    monkeypatch.setenv(
        "BACKFILL_SIM",
        f"anchor={anchor},rate_limit_every=4,retry_after=3,latency=0.4,clock=virtual",
    )
    rec = tmp_path / "run.rec.gz"
    recorded = run_cli(
        capsys, "run", *SOURCES, "--simulate", "--workspace", "demo", "--days", "30",
        "--db", str(tmp_path / "original.db"), "--record", str(rec),
    )  # fmt: skip
    assert recorded.code == 0, recorded.err
    monkeypatch.delenv("BACKFILL_SIM")
    replayed = run_cli(capsys, "replay", str(rec), "--db", str(tmp_path / "replay.db"))
    assert replayed.code == 0, replayed.err

    def waits(out: str) -> list[tuple[str, str]]:
        """(source and reason, HH:MM:SS) of each "…, resuming at HH:MM:SS" line."""
        found = re.findall(r"^(.+), resuming at (\d\d:\d\d:\d\d)$", out, re.MULTILINE)
        return sorted((what, at) for what, at in found)

    original, replay = waits(recorded.err + recorded.out), waits(replayed.err + replayed.out)
    assert len({what.split(":")[0] for what, _ in original}) >= 3
    assert [what for what, _ in replay] == [what for what, _ in original]
    # On the recorded run's clock, each stream's waits end within its run (a run on the
    # simulator's virtual clock lets one stream's waits move the others' time: a replay's
    # streams keep their own, so a notice may say a few seconds earlier, never later).
    with sqlite3.connect(tmp_path / "original.db") as conn:
        started, finished = conn.execute("SELECT started_at, finished_at FROM runs").fetchone()

    def seconds(clock: str) -> int:  # of HH:MM:SS
        h, m, sec = (int(part) for part in clock.split(":"))
        return h * 3600 + m * 60 + sec

    def after_start(clock: str) -> int:  # seconds after the run's start, past a midnight too
        return (seconds(clock) - seconds(started[11:19])) % 86400

    # (a notice's time is rounded to the second, a finished_at cut to it: one second apart)
    end = after_start(finished[11:19]) + 1
    late = [(what, at) for what, at in replay if after_start(at) > end]
    assert not late, (late, original, finished)


def test_a_stopped_replay_resumed_says_its_recorded_runs_time(
    tmp_path: Path, anchor: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A replay's resume starts its recording's clock again at the recorded start, so its
    spans overlap: the stopped replay's time was added to the resume's whole ("interrupted
    00:17", then "ran 00:25" for a recorded run of 12 s). Its time is the recorded run's."""
    monkeypatch.setenv(
        "BACKFILL_SIM",
        f"anchor={anchor},rate_limit_every=4,retry_after=3,latency=0.4,clock=virtual",
    )
    rec = tmp_path / "run.rec.gz"
    recorded = run_cli(
        capsys, "run", *SOURCES, "--simulate", "--workspace", "demo", "--days", "30",
        "--json", "--db", str(tmp_path / "original.db"), "--record", str(rec),
    )  # fmt: skip
    assert recorded.code == 0, recorded.err
    monkeypatch.delenv("BACKFILL_SIM")
    assert recorded.summary["ran_s"] >= 20

    db = tmp_path / "replay.db"
    mirror = Mirror.open(db)
    try:
        with Replay.open(rec) as replay:
            environment = replay.environment()
            engine = Engine(mirror, environment)
            run = replay.plan(engine)
            start = replay.header.clock_start

            async def stopped() -> None:  # a Ctrl-C once the replay is 10 s into its run
                task = asyncio.current_task()
                assert task is not None

                def stop(event: ev.ProgressEvent) -> None:
                    if isinstance(event, ev.PageStored) and environment.clock.now() > start + 10:
                        task.cancel()

                engine.subscribe(stop)
                with contextlib.suppress(asyncio.CancelledError):
                    await engine.run(run.id)

            asyncio.run(stopped())
        stored = mirror.get_run(run.id)
        assert stored is not None and stored.status == "cancelled"
        assert seconds_between(stored.started_at, stored.finished_at) >= 10
    finally:
        mirror.close()

    resumed = run_cli(capsys, "resume", run.id, "--json", "--db", str(db))
    assert resumed.code == 0, resumed.err
    assert resumed.summary["status"] == "completed"
    assert resumed.summary["ran_s"] == recorded.summary["ran_s"]
