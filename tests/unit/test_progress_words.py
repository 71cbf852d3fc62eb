"""The dashboard's progress words for a stream whose estimate is 0 (a re-sync that expects
nothing new): "past" at 80 columns and "past ~0" at 120 for a stream that had fetched nothing
(a fresh tester's finding, on a running GitHub push re-sync estimated "↻ 0")."""

from __future__ import annotations

from backfill_tui.engine.live import StreamState
from backfill_tui.terms import StreamCounters, StreamStatus
from backfill_tui.widgets.run_rows import progress_text, short_progress_text


def _running(fetched: int, total: int | None) -> StreamState:
    state = StreamState("github:acme/rocket/push", "push", StreamStatus.RUNNING, total=total)
    state.counters = StreamCounters(fetched=fetched)
    return state


def test_a_stream_expecting_nothing_that_fetched_nothing_is_not_past_its_estimate() -> None:
    assert short_progress_text(_running(0, 0)) == ""
    assert progress_text(_running(0, 0)) == "~0 expected"


def test_a_stream_past_its_estimate_still_says_so() -> None:
    assert short_progress_text(_running(5, 0)) == "past"
    assert progress_text(_running(5, 0)) == "past ~0"
    assert short_progress_text(_running(70, 62)) == "past"
    assert short_progress_text(_running(31, 62)) == "50%"
