"""A stream begun without an estimate sizes itself from its first page, as the estimate does.

The app's progress bars and ETA measure against an estimate, made only by ctrl+e: a run
started before it came in (ctrl+s at once, the demo's most natural move) and every headless run
showed indeterminate bars and "ETA --:--" to the end. The engine now judges each stream's size
from its first page (``engine.pages.first_page_estimate``, the estimate's own rule), stores it
as ``streams.estimate`` with that page, and gives it on every ``PageStored``. An estimate made
before the run is kept; a stream whose whole window fits on one page needs none."""

from __future__ import annotations

import asyncio
from pathlib import Path

from support import simulated_engine

from backfill_tui.engine import progress as ev
from backfill_tui.engine.environment import Environment
from backfill_tui.engine.estimate import estimate
from backfill_tui.engine.run import RunRequest, SourceSpec

SIM = "anchor=2026-06-01T12:00:00Z,clock=virtual,scale=4"


def _request(days: int = 30) -> RunRequest:
    return RunRequest("ws", (SourceSpec.parse("github:acme/rocket"),), depth=days)


def test_a_run_without_an_estimate_sizes_each_stream_from_its_first_page(tmp_path: Path) -> None:
    sim = simulated_engine(tmp_path / "m.db", SIM)
    seen: list[ev.PageStored] = []
    sim.engine.subscribe(lambda e: seen.append(e) if isinstance(e, ev.PageStored) else None)
    run = sim.engine.plan(_request())
    asyncio.run(sim.engine.run(run.id))

    # the estimate's own figures, asked of a fresh simulator at the same moment
    environment = Environment.create(simulate=True, simulator_config=SIM)
    expected = asyncio.run(estimate(environment, _request())).totals()
    stored = {s.key: s for s in sim.mirror.streams(run.id)}
    several = [key for key, s in stored.items() if s.pages > 1]
    assert several, "the simulated workspace has streams of several pages"
    for key, stream in stored.items():
        if stream.pages > 1 and expected[key]:
            assert stream.estimate == expected[key], key
            pages = [e for e in seen if e.stream == key]
            assert all(e.estimate == expected[key] for e in pages), key
        else:  # one page held its whole window, or none of it (no rate to go by)
            assert stream.estimate is None, key


def test_an_estimate_made_before_the_run_is_kept(tmp_path: Path) -> None:
    sim = simulated_engine(tmp_path / "m.db", SIM)
    run = sim.engine.plan(_request())
    given = {s.key: 12_345 for s in sim.mirror.streams(run.id)}
    sim.mirror.set_stream_estimates(run.id, given)
    seen: list[ev.PageStored] = []
    sim.engine.subscribe(lambda e: seen.append(e) if isinstance(e, ev.PageStored) else None)
    asyncio.run(sim.engine.run(run.id))
    assert {s.key: s.estimate for s in sim.mirror.streams(run.id)} == given
    assert seen and all(e.estimate == 12_345 for e in seen)
