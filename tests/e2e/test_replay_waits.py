"""A replay waits on nothing: recorded rate limits, Retry-After and backoff pass on its clock.

The original run of every provider is recorded against the simulator with rate limits
(Retry-After answers, reset times, GitHub's secondary limit) and dropped connections (retried
with backoff). Its replay must ask no real wait of asyncio (a spy on ``asyncio.sleep`` sees
every wait asked of the event loop), pass every wait the recorded answers ask for on its
virtual clock and account it in the mirror, and store exactly the original's observations.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from support import CliResult, observation_rows, run_cli, stream_counts

from backfill_tui.clock import VirtualClock
from backfill_tui.connectors import PROVIDERS
from backfill_tui.engine.recording import Replay
from backfill_tui.engine.run import Engine
from backfill_tui.engine.summary import run_summary
from backfill_tui.recording import read_recording
from backfill_tui.store import Mirror

RETRY_AFTER = 7  # seconds each rate-limited answer asks for
SOURCES = ["github:acme/rocket", "vercel:acme/rocket-web", "linear:ENG", "sentry:acme/rocket"]


def _waits(summary: dict[str, object]) -> dict[str, float]:
    return {
        f"{s['source']}:{s['target']}": float(s["rate_limit_wait_s"])
        for s in summary["sources"]  # type: ignore[attr-defined]
    }


def _recorded_run(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    simulator: str,
    days: int,
) -> tuple[CliResult, Path, Path]:
    """Every provider's source run on the simulator (``simulator``, on the virtual clock) and
    recorded: the run's result, its mirror and its recording."""
    monkeypatch.setenv("BACKFILL_SIM", f"{simulator},clock=virtual")
    sources = [spec for spec in SOURCES if spec.split(":")[0] in PROVIDERS]
    original_db, rec = tmp_path / "original.db", tmp_path / "run.rec.gz"
    recorded = run_cli(
        capsys, "run", *sources, "--simulate", "--workspace", "demo", "--days", str(days),
        "--json", "--db", str(original_db), "--record", str(rec),
    )  # fmt: skip
    assert recorded.code == 0, recorded.err
    monkeypatch.delenv("BACKFILL_SIM")
    return recorded, original_db, rec


def test_a_replay_skips_every_recorded_wait_and_stores_the_same_observations(
    tmp_path: Path, anchor: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    simulator = f"anchor={anchor},rate_limit_every=4,retry_after={RETRY_AFTER},faults=0.1"
    recorded, original_db, rec = _recorded_run(capsys, monkeypatch, tmp_path, simulator, 30)

    exchanges = read_recording(rec).exchanges
    # Rate limits, every provider's: Linear answers its own with 400 and RATELIMITED. Which
    # provider meets every 4th request depends on how the sources' requests interleave.
    limited = [e for e in exchanges if e.status in (403, 429) or b"RATELIMITED" in e.content]
    assert len(limited) >= 8
    floor = sum(  # each answer with a Retry-After is waited at least that long
        float(v) for e in limited for k, v in e.headers if k.lower() == "retry-after"
    )
    assert floor >= RETRY_AFTER
    assert any(e.error for e in exchanges)  # dropped connections, retried after backoff
    original_waits = _waits(recorded.summary)
    assert sum(original_waits.values()) >= floor

    asked: list[float] = []
    real_sleep = asyncio.sleep

    async def spy(delay: float, result: object = None) -> object:
        asked.append(delay)
        return await real_sleep(delay, result)

    monkeypatch.setattr(asyncio, "sleep", spy)
    with Replay.open(rec) as replay:
        environment = replay.environment()
        clock = environment.clock
        assert isinstance(clock, VirtualClock)
        assert environment.simulator is None  # no simulated latency: the recording answers
        mirror = Mirror.open(tmp_path / "replay.db")
        try:
            engine = Engine(mirror, environment)
            run = replay.plan(engine)
            assert asyncio.run(engine.run(run.id)) == "completed"
            stored = mirror.get_run(run.id)
            assert stored is not None
            summary = run_summary(mirror, stored)
        finally:
            mirror.close()
        assert replay.transport is not None and replay.transport.remaining == 0

    assert asked and all(delay <= 0 for delay in asked)  # nothing really waited
    # Every recorded wait was asked of the virtual clock and passed at once; the clock stands
    # where the original's stood when it ended (its finished_at, in whole seconds: within a
    # second of its last answer).
    replay_waits = _waits(summary)
    assert clock.slept >= sum(replay_waits.values()) - 0.01  # and backoff on top
    end = replay.header.end
    assert end is not None and end.ended is not None
    assert clock.now() == replay.header.clock_start + end.ended
    last = replay.header.clock_start + max(e.arrival() for e in exchanges)
    assert last - 1 < clock.now() <= last + 1
    # The waits are accounted in the mirror, source by source, as in the original. They are
    # computed again from the recorded answers: Retry-After and reset times as recorded, the
    # retry layer's jitter as the original drew it (transports.jitter_fraction), so they are
    # the original's.
    assert replay_waits.keys() == original_waits.keys()
    assert sum(replay_waits.values()) >= floor
    for source, waited in original_waits.items():
        assert replay_waits[source] == pytest.approx(waited, abs=0.002), source
    assert stream_counts(summary) == stream_counts(recorded.summary)
    assert observation_rows(tmp_path / "replay.db") == observation_rows(original_db)


def test_a_replay_of_linears_limit_waits_what_the_original_waited(
    tmp_path: Path, anchor: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Linear's RATELIMITED names its reset in headers (epoch ms), an instant on Linear's clock
    measured from the answer's Date. The simulated Linear sent no Date, so a replay measured the
    reset from its own clock, which runs ahead of the answer it serves (another stream's later
    answer moved it on): the reset lay in the past, and the replay backed off 30 s where the
    original waited 1 s ("waited 30s" in the replay's summary; bench/replay.py's waits)."""
    simulator = f"anchor={anchor},latency=0.1,rate_limit_every=9,retry_after=1"
    recorded, _, rec = _recorded_run(capsys, monkeypatch, tmp_path, simulator, 90)
    limited = [e for e in read_recording(rec).exchanges if b"RATELIMITED" in e.content]
    assert limited
    replayed = run_cli(capsys, "replay", str(rec), "--json", "--db", str(tmp_path / "r.db"))
    assert replayed.code == 0, replayed.err
    original, replay = _waits(recorded.summary), _waits(replayed.summary)
    assert 0 < original["linear:ENG"] <= 5.0 * len(limited)
    assert replay["linear:ENG"] == pytest.approx(original["linear:ENG"], abs=1.0)
