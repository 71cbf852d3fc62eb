"""The dashboard's progress cell of a stream (``widgets.run_rows.progress_text``): a stream
that runs past its estimate says so, not "99% of ~620" with 700 fetched (a tester's finding:
an estimate from a first page can run low, ``engine.pages.first_page_estimate``)."""

from __future__ import annotations

from backfill_tui.engine.live import StreamState
from backfill_tui.terms import StreamCounters, StreamStatus
from backfill_tui.widgets.run_rows import PROGRESS_TEXT_WIDTH, progress_text


def _state(fetched: int, total: int | None, status: StreamStatus) -> StreamState:
    return StreamState(
        "github:acme/rocket/push", "push", status, StreamCounters(fetched=fetched), total
    )


def test_a_running_stream_past_its_estimate_says_so() -> None:
    assert progress_text(_state(310, 620, StreamStatus.RUNNING)) == "50% of ~620"
    assert progress_text(_state(619, 620, StreamStatus.RUNNING)) == "99% of ~620"
    assert progress_text(_state(620, 620, StreamStatus.RUNNING)) == "past ~620"
    assert progress_text(_state(704, 620, StreamStatus.RUNNING)) == "past ~620"
    assert len(progress_text(_state(10**6, 999_999, StreamStatus.RUNNING))) <= PROGRESS_TEXT_WIDTH
    assert progress_text(_state(704, 620, StreamStatus.COMPLETED)) == "done"
