"""A rate-limit wait says its real cause and counts the time really waited (a tester's findings:
a one-hour wait for a spent quota was "keeping 0 of 1 calls in reserve", a run stopped 15 s
into it said "waited 3601s", and Linear's RATELIMITED answers were shown as reserve waits)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from support import simulated_engine

from backfill_tui.engine import progress as ev
from backfill_tui.engine.run import RunRequest, SourceSpec
from backfill_tui.engine.summary import run_summary


def test_a_spent_quota_says_so_and_a_cut_wait_counts_what_was_waited(
    tmp_path: Path, anchor: str
) -> None:
    """quota=1: the first answer leaves 0 of 1 calls, so the run waits for the hour's reset;
    cancelled while it waits, the run counts the seconds that passed, not the hour planned."""
    sim = simulated_engine(tmp_path / "m.db", f"anchor={anchor},quota=1")  # the real clock
    waits: list[ev.RateLimitWait] = []
    sim.engine.subscribe(lambda e: waits.append(e) if isinstance(e, ev.RateLimitWait) else None)
    request = RunRequest(
        workspace="demo", sources=(SourceSpec.parse("vercel:acme/rocket-web"),), depth=30
    )
    run = sim.engine.plan(request)

    async def cut_short() -> None:
        task = asyncio.ensure_future(sim.engine.run(run.id))
        while not waits:  # until the run waits for the reset
            await asyncio.sleep(0.01)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    asyncio.run(cut_short())
    (wait,) = waits
    assert wait.reason == "the quota is used up (0 of 1 calls left)"
    assert wait.seconds > 3000  # the hour's reset
    stored = sim.mirror.get_run(run.id)
    assert stored is not None
    (source,) = run_summary(sim.mirror, stored)["sources"]
    assert source["api_calls"] == 1
    assert source["rate_limit_wait_s"] < wait.seconds / 2  # what passed, not the plan
    sim.mirror.close()


def test_a_wait_after_a_rate_limit_answer_gives_that_answer_as_its_reason(
    tmp_path: Path, anchor: str
) -> None:
    """Linear answers RATELIMITED now and then (rate_limit_every) with the budget it names at
    0 in its headers: each wait, the retried request's and the other streams' alike, says
    "rate limited (RATELIMITED)", never that calls or points are kept in reserve (30 calls,
    3,000,000 points: nothing comes near the reserve). On the real clock with some latency,
    so the streams' requests overlap the waits (a virtual clock runs them one after another)."""
    config = f"anchor={anchor},rate_limit_every=4,retry_after=1,quota=30,latency=0.1"
    sim = simulated_engine(tmp_path / "m.db", config)
    waits: list[ev.RateLimitWait] = []
    sim.engine.subscribe(lambda e: waits.append(e) if isinstance(e, ev.RateLimitWait) else None)
    sim.run("linear:ENG", days=90, max_items=100000)
    assert waits
    assert {w.reason for w in waits} == {"rate limited (RATELIMITED)"}
    sim.mirror.close()


def test_a_wait_for_linears_shared_budget_is_the_sources_and_an_answers_its_streams(
    tmp_path: Path, anchor: str
) -> None:
    """A fresh tester asked why Linear's waits were often the source's (stream None) and not
    the stream's that waited. Linear's budgets (requests, complexity points) are the key's,
    shared by every query (provider-apis.md §3.5): a wait for one's reset holds every stream
    of the source, so it is the source's. It was the first waiting stream's, so the live table
    showed that one "waiting" and the others held as running. A RATELIMITED answer's own wait
    stays its stream's."""
    config = f"anchor={anchor},clock=virtual,complexity_quota=20000"
    sim = simulated_engine(tmp_path / "m.db", config)
    waits: list[ev.RateLimitWait] = []
    sim.engine.subscribe(lambda e: waits.append(e) if isinstance(e, ev.RateLimitWait) else None)
    sim.run("linear:ENG", days=30)
    assert waits and all("complexity points" in w.reason for w in waits), waits
    assert {(w.source, w.stream) for w in waits} == {("linear:ENG", None)}
    sim.mirror.close()

    answered = simulated_engine(
        tmp_path / "a.db", f"anchor={anchor},clock=virtual,rate_limit_every=3"
    )
    waits.clear()
    answered.engine.subscribe(
        lambda e: waits.append(e) if isinstance(e, ev.RateLimitWait) else None
    )
    answered.run("linear:ENG", days=30)
    assert waits and {w.reason for w in waits} == {"rate limited (RATELIMITED)"}
    assert all(w.stream is not None and w.stream.startswith("linear:ENG/") for w in waits), waits
    answered.mirror.close()
