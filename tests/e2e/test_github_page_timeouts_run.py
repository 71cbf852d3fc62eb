"""A whole run against a simulated GitHub that times out on large pages (option
``github_timeout_above``): the stream reads in smaller pages, stores exactly the window and
says so; where even the smallest pages time out it fails with GitHub's reason and a mend."""

from __future__ import annotations

from pathlib import Path

from support import ground_truth, simulated_engine, stored_ids


def test_a_run_reads_a_timing_out_list_in_smaller_pages(tmp_path: Path, anchor: str) -> None:
    config = f"anchor={anchor},clock=virtual,scale=2,github_timeout_above=50"
    sim_engine = simulated_engine(tmp_path / "m.db", config)
    run_id = sim_engine.run("github:acme/rocket", days=90, entities={"issue"}, max_items=100_000)
    run = sim_engine.mirror.get_run(run_id)
    assert run is not None and run.status == "completed"
    (stream,) = sim_engine.mirror.streams(run_id)
    assert stream.note == "GitHub timed out on 100-item pages; read in pages of 50"
    truth = ground_truth(config, "github", "acme/rocket", run.since, {"issue"})
    ids = stored_ids(tmp_path / "m.db")
    assert len(truth) > 100 and len(ids) == len(set(ids)) and set(ids) == truth


def test_timeouts_at_every_size_fail_with_githubs_reason_and_a_mend(
    tmp_path: Path, anchor: str
) -> None:
    config = f"anchor={anchor},clock=virtual,github_timeout_above=5"
    sim_engine = simulated_engine(tmp_path / "m.db", config)
    run_id = sim_engine.run("github:acme/rocket", days=90, entities={"issue"})
    (stream,) = sim_engine.mirror.streams(run_id)
    assert stream.status == "failed"
    assert stream.error is not None and "couldn't respond to your request in time" in stream.error
    assert stream.mend is not None and "resume" not in stream.mend
