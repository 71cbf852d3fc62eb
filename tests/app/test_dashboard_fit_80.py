"""The dashboard's words fit 80 columns (a tester's findings at 80x24): the run's line keeps
the id whole and drops words before it cuts ("… 11:56 UT…"), and a re-sync's unchanged stream
says "unchanged" in its status cell instead of "completed: u…"."""

from __future__ import annotations

from backfill_tui.engine.live import StreamState
from backfill_tui.screens.dashboard import run_title
from backfill_tui.store import RunRecord
from backfill_tui.terms import StreamStatus
from backfill_tui.widgets.run_rows import StreamRow

RUN = RunRecord(
    id="20261130-115627-928d",
    workspace="demo",
    sources=["github:acme/rocket"],
    depth_days=30,
    since="2026-10-31T11:56:27+00:00",
    entities=None,
    max_items=1000,
    simulate=True,
)


def test_the_run_line_is_whole_where_it_fits_and_shorter_where_not() -> None:
    whole = run_title(RUN, 200)
    assert whole == (
        "run 20261130-115627-928d · workspace demo · 30 days since 2026-10-31 11:56 UTC · "
        "simulated"
    )
    at_80 = run_title(RUN, 78)
    assert at_80 == "run 20261130-115627-928d · demo · 30 days since Oct 31 11:56 UTC · simulated"
    assert len(at_80) <= 78
    assert run_title(RUN, 50).startswith("run 20261130-115627-928d · demo · 30 days since Oct 31")


def test_an_unchanged_stream_says_unchanged_in_one_word() -> None:
    state = StreamState(
        "github:acme/rocket/issue",
        "issue",
        StreamStatus.COMPLETED,
        note="unchanged since run 20261130-115000-aaaa (GitHub answered 304 Not Modified; "
        "`run --full` fetches it all again)",
    )
    assert StreamRow(state).status_text == "unchanged"
    state.note = "empty repository"
    assert StreamRow(state).status_text == "completed: empty repository"
