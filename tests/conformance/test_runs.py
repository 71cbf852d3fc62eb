"""Contracts every provider keeps on a whole run against the simulator, one test per contract.

With the simulator's real-world behaviours on (GitHub releases listed by creation with some
published long after, null users, deleted forks, unlinked commit authors, empty release
names): a 7, 30 or 90-day run stores exactly the simulator's ground truth, each stream's
``new`` counts its own entity's truth, and a second run adds nothing; faults and rate limits
change nothing that is stored; a cancelled run resumes from its checkpoints without starting
over. Provider-specific checks sit in :data:`EXTRA`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from support import CliResult, ground_truth, run_cli, simulated_engine, stored_ids

from backfill_tui.clock import VirtualClock
from backfill_tui.connectors import PROVIDERS
from backfill_tui.engine import progress as ev
from backfill_tui.engine.run import RunRequest, SourceSpec
from backfill_tui.simulator import Simulator, SimulatorConfig

from .harness import DEMO_SOURCES

NAMES = sorted(DEMO_SOURCES)


def _run(
    capsys: pytest.CaptureFixture[str], db: Path, source: str, days: int, *extra: str
) -> CliResult:
    return run_cli(
        capsys,
        "run",
        source,
        "--simulate",
        "--workspace",
        "demo",
        "--days",
        str(days),
        "--max-items",
        "100000",
        "--json",
        "--db",
        str(db),
        *extra,
    )


def _github(config: str, ids: set[str], days: int, summary: dict[str, Any]) -> None:
    sim = Simulator(SimulatorConfig.from_env_string(config), VirtualClock())
    world = sim.providers["github"].world  # type: ignore[attr-defined]
    cutoff = datetime.fromisoformat(summary["since"]).timestamp()
    # a release created before the cutoff and published after it: listed behind releases
    # published before the cutoff, lost by any stop at the first older one
    late = [
        p
        for p in range(world.releases.n)
        if world.release_created(p) < cutoff <= (world.release_published(p) or 0)
    ]
    assert late and all(f"release:acme/rocket:{world.tag(p)}" in ids for p in late)


def _vercel(config: str, ids: set[str], days: int, summary: dict[str, Any]) -> None:
    assert len(ids) > days * 2


def _linear(config: str, ids: set[str], days: int, summary: dict[str, Any]) -> None:
    assert all(s["new"] > 0 for s in summary["sources"][0]["streams"])


def _sentry(config: str, ids: set[str], days: int, summary: dict[str, Any]) -> None:
    kinds = {i.rsplit(":", 1)[1] for i in ids if i.startswith("sentry-issue:")}
    assert kinds == {"created", "resolved", "ignored"}  # resolved too: query= is sent empty


EXTRA: dict[str, Callable[[str, set[str], int, dict[str, Any]], None]] = {
    "github": _github,
    "vercel": _vercel,
    "linear": _linear,
    "sentry": _sentry,
}


@pytest.mark.parametrize("days", [7, 30, 90])
@pytest.mark.parametrize("provider", NAMES)
def test_a_run_stores_exactly_the_ground_truth_and_a_second_adds_nothing(
    provider: str,
    days: int,
    tmp_path: Path,
    anchor: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = DEMO_SOURCES[provider]
    target = source.split(":", 1)[1]
    config = f"anchor={anchor}"
    monkeypatch.setenv("BACKFILL_SIM", config)
    db = tmp_path / "m.db"
    first = _run(capsys, db, source, days)
    assert first.code == 0, first.err
    summary = first.summary
    assert summary["status"] == "completed" and summary["depth_days"] == days
    ids = stored_ids(db)
    assert len(ids) == len(set(ids))
    expected = ground_truth(config, provider, target, summary["since"])
    assert set(ids) == expected
    streams = {s["entity"]: s for s in summary["sources"][0]["streams"]}
    assert set(streams) == set(PROVIDERS[provider].connector.entities)
    for entity, stream in streams.items():
        assert stream["status"] == "completed" and stream["failed"] == 0, entity
        assert not stream["capped"] and stream["error"] is None
        own = ground_truth(config, provider, target, summary["since"], {entity})
        assert stream["new"] == len(own), entity
    EXTRA[provider](config, set(ids), days, summary)

    # --full: the whole window again (a re-sync fetches only what changed: test_resync.py).
    second = _run(capsys, db, source, days, "--full")
    assert second.code == 0, second.err
    again = second.summary["sources"][0]["streams"]
    fetched = sum(s["fetched"] for s in again)
    assert fetched == sum(s["fetched"] for s in streams.values()) == len(expected)
    assert sum(s["new"] for s in again) == 0
    assert sum(s["duplicates"] for s in again) == fetched
    assert sorted(stored_ids(db)) == sorted(ids)


@pytest.mark.parametrize("provider", NAMES)
def test_faults_and_rate_limits_change_nothing(
    provider: str,
    tmp_path: Path,
    anchor: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = DEMO_SOURCES[provider]
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor},scale=2")
    clean = _run(capsys, tmp_path / "clean.db", source, 90)
    monkeypatch.setenv(
        "BACKFILL_SIM", f"anchor={anchor},scale=2,faults=0.15,rate_limit_every=7,clock=virtual"
    )
    rough = _run(capsys, tmp_path / "rough.db", source, 90)
    assert clean.code == 0 and rough.code == 0, rough.err
    assert rough.summary["status"] == "completed"
    assert sorted(stored_ids(tmp_path / "rough.db")) == sorted(stored_ids(tmp_path / "clean.db"))
    waited = rough.summary["sources"][0]["rate_limit_wait_s"]
    assert waited > 0
    if provider == "github":
        assert waited >= 60  # a secondary limit waits at least a minute
    assert rough.summary["sources"][0]["api_calls"] > clean.summary["sources"][0]["api_calls"]


@pytest.mark.parametrize("provider", NAMES)
def test_a_cancelled_run_resumes_from_its_checkpoints(
    provider: str, tmp_path: Path, anchor: str
) -> None:
    source = DEMO_SOURCES[provider]
    config = f"anchor={anchor},scale=2,latency=0.002"  # requests suspend: the cancel lands
    sim_engine = simulated_engine(tmp_path / "m.db", config)
    engine, mirror = sim_engine.engine, sim_engine.mirror
    run = engine.plan(RunRequest("demo", (SourceSpec.parse(source),), depth=90, max_items=100_000))
    events: list[ev.ProgressEvent] = []

    async def cancel_after_the_first_page() -> None:
        task = asyncio.create_task(engine.run(run.id))

        def watch(event: ev.ProgressEvent) -> None:
            events.append(event)
            if isinstance(event, ev.PageStored) and event.counters.new > 0:
                task.cancel()

        engine.subscribe(watch)
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cancel_after_the_first_page())
    record = mirror.get_run(run.id)
    assert record is not None and record.status == "cancelled"
    kept = mirror.count_observations("demo")
    assert kept > 0
    assert {s.status for s in mirror.streams(run.id)} <= {"cancelled", "completed"}
    assert any(isinstance(e, ev.StreamFinished) and e.status == "cancelled" for e in events)
    assert isinstance(events[-1], ev.RunFinished) and events[-1].status == "cancelled"

    assert asyncio.run(engine.run(run.id)) == "completed"
    provider_name, target = source.split(":", 1)
    expected = ground_truth(config, provider_name, target, record.since)
    assert set(mirror.source_ids("demo")) == expected and kept < len(expected)
    streams = mirror.streams(run.id)
    assert sum(s.duplicates for s in streams) == 0  # resume continued, it did not start over
