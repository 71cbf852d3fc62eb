"""The live run state the dashboard draws from: coalesced events, totals, ETA, waits."""

from __future__ import annotations

from backfill_tui.engine import progress as ev
from backfill_tui.engine.live import EventBuffer, RunProgress, source_of
from backfill_tui.store import RunRecord, StreamRecord

KEYS = ("github:acme/rocket/issue", "github:acme/rocket/push")


def _progress(totals: dict[str, int] | None = None) -> RunProgress:
    run = RunRecord("r", "ws", ["github:acme/rocket"], 30, "2026-05-01T00:00:00+00:00", None, 1000)
    streams = [
        StreamRecord(i, "r", "github", "acme/rocket", k.rsplit("/", 1)[1])
        for i, k in enumerate(KEYS)
    ]
    return RunProgress(run, streams, started_at=1000.0, totals=totals)


def _page(key: str, fetched: int, calls: int = 1) -> ev.PageStored:
    return ev.PageStored(
        "r", key, ev.StreamCounters(fetched, fetched, 0, 0, calls, calls), fetched, 0, 4000, 5000
    )


def test_buffer_keeps_order_and_only_the_newest_page_per_stream() -> None:
    buffer = EventBuffer()
    events = [
        ev.RunStarted("r", "ws", "since", KEYS),
        _page(KEYS[0], 100),
        _page(KEYS[1], 50),
        _page(KEYS[0], 200),
        ev.StreamFinished("r", KEYS[0], "completed", ev.StreamCounters(200, 200, 0, 0, 2, 2)),
        _page(KEYS[1], 80),
    ]
    for event in events:
        buffer(event)
    drained = buffer.drain()
    assert drained == [events[0], events[3], events[4], events[5]]
    assert buffer.received == 6 and len(buffer) == 0 and buffer.drain() == []


def test_totals_eta_and_waits() -> None:
    progress = _progress({KEYS[0]: 200, KEYS[1]: 100})
    progress.apply(ev.RunStarted("r", "ws", "since", KEYS), 1000.0)
    assert progress.eta(1000.0) is None  # nothing fetched yet
    progress.apply(_page(KEYS[0], 100), 1010.0)
    progress.apply(_page(KEYS[1], 50), 1010.0)
    assert progress.totals().fetched == 150 and progress.expected() == 300
    assert progress.eta(1010.0) == 10.0  # 150 more at 15 a second
    progress.apply(
        ev.RateLimitWait("r", "github:acme/rocket", KEYS[0], 1015.0, 5.0, "rate limited (429)"),
        1010.0,
    )
    source = progress.sources[source_of(KEYS[0])]
    assert source.waiting(1012.0) and not source.waiting(1015.0)
    assert source.quota_remaining == 4000 and source.quota_limit == 5000
    progress.apply(
        ev.StreamFinished(
            "r", KEYS[1], "failed", ev.StreamCounters(50, 50, 0, 0, 1, 1), "boom\x1b[31m"
        ),
        1011.0,
    )
    assert progress.streams[KEYS[1]].error == "boom"  # control characters removed
    assert progress.expected() == 250  # a finished stream counts what it fetched
    progress.apply(ev.RunFinished("r", "partial"), 1020.0)
    assert (
        not progress.running and progress.eta(1030.0) is None and progress.elapsed(1030.0) == 20.0
    )
    assert any("resuming at" in line for line in progress.take_log())


def test_streams_without_estimate_are_indeterminate_until_done() -> None:
    progress = _progress()
    stream = progress.streams[KEYS[0]]
    progress.apply(_page(KEYS[0], 30), 1001.0)
    assert stream.bar() == (None, 30.0) and progress.expected() is None
    progress.apply(ev.StreamFinished("r", KEYS[0], "completed", stream.counters), 1002.0)
    assert stream.bar() == (30.0, 30.0)


def test_eta_after_a_resume_counts_only_what_this_stretch_fetched() -> None:
    progress = _progress({KEYS[0]: 400, KEYS[1]: 200})
    progress.apply(ev.RunStarted("r", "ws", "since", KEYS), 1000.0)
    progress.apply(_page(KEYS[0], 200), 1010.0)
    progress.apply(_page(KEYS[1], 100), 1010.0)
    progress.apply(ev.RunFinished("r", "cancelled"), 1010.0)
    progress.begin(5000.0)  # resumed much later: 300 of 600 already fetched
    assert progress.eta(5000.0) is None  # no pace yet, not "00:00"
    progress.apply(_page(KEYS[0], 230, calls=2), 5010.0)  # its 2nd page, 10 s into the stretch
    assert progress.eta(5010.0) == 2 * 10.0  # push, no page of this stretch yet, at its source's
    progress.apply(_page(KEYS[1], 150, calls=2), 5020.0)
    # Each stream's pace is this stretch's (one page in 20 s), not its pages over all time:
    # issue has 170 left at 115 a page (2 pages), push 50 at 75 a page (1 page).
    assert progress.eta(5020.0) == 2 * 20.0


def test_elapsed_goes_on_from_the_stretch_shown_before_a_retry() -> None:
    # after `r` the dashboard's elapsed time went from 00:46 back to 00:03 (a tester's finding)
    progress = _progress({KEYS[0]: 400, KEYS[1]: 200})
    progress.apply(ev.RunStarted("r", "ws", "since", KEYS), 1000.0)
    progress.apply(_page(KEYS[0], 200), 1040.0)
    progress.apply(ev.RunFinished("r", "failed"), 1046.0)
    assert progress.elapsed(9999.0) == 46.0  # stopped: the clock stands still
    progress.begin(5000.0)  # retried much later
    progress.apply(ev.RunStarted("r", "ws", "since", KEYS), 5000.0)
    assert progress.elapsed(5003.0) == 49.0  # 46 before, 3 now; not the gap between
    progress.apply(_page(KEYS[0], 230, calls=2), 5010.0)
    progress.apply(_page(KEYS[1], 100), 5010.0)
    # The pace is this stretch's (a page in 10 s): issue's 170 left are 2 pages of 115.
    assert progress.eta(5010.0) == 2 * 10.0


def test_eta_is_the_longest_chain_of_pages_left() -> None:
    """Streams fetch side by side, page after page: the run ends with its slowest chain. A rate
    of items for the whole run said 17:12 at 00:06 of a 25 s run while slow first pages were in
    flight, then 00:00 while one stream's long chain went on (a tester's finding)."""
    run = RunRecord("r", "ws", ["github:acme/rocket", "sentry:acme/rocket"], 30, "s", None, 1000)
    streams = [
        StreamRecord(1, "r", "github", "acme/rocket", "issue"),
        StreamRecord(2, "r", "github", "acme/rocket", "push"),
        StreamRecord(3, "r", "sentry", "acme/rocket", "error"),
    ]
    issue, push, error = (s.key for s in streams)
    progress = RunProgress(run, streams, 1000.0, {issue: 800, push: 300, error: 200})
    progress.apply(ev.RunStarted("r", "ws", "since", (issue, push, error)), 1000.0)
    progress.apply(_page(push, 100), 1006.0)  # issue's and Sentry's first pages are on their way
    assert progress.eta(1006.0) is None  # Sentry has no pace yet; not 1,200 items at 100 in 6 s
    progress.apply(_page(error, 100), 1006.0)
    # issue goes at its source's pace (100 a page, 6 s): 8 pages. Items over the rate: 30 s.
    assert progress.eta(1006.0) == 8 * 6.0
    progress.apply(_page(issue, 300, calls=3), 1018.0)
    progress.apply(_page(push, 300, calls=3), 1018.0)  # push has all it expects
    progress.apply(_page(error, 200, calls=2), 1018.0)
    assert progress.eta(1018.0) == 5 * 6.0  # issue's chain alone; the rate said 15 s


def test_eta_past_the_estimate_is_unknown_not_zero() -> None:
    progress = _progress({KEYS[0]: 10, KEYS[1]: 10})
    progress.apply(ev.RunStarted("r", "ws", "since", KEYS), 1000.0)
    progress.apply(_page(KEYS[0], 50), 1010.0)
    progress.apply(_page(KEYS[1], 50), 1010.0)
    assert progress.running and progress.eta(1010.0) is None


def test_an_interrupted_run_animates_nothing() -> None:
    run = RunRecord("r", "ws", ["github:acme/rocket"], 30, "2026-05-01T00:00:00+00:00", None, 1000)
    streams = [
        StreamRecord(
            1,
            "r",
            "github",
            "acme/rocket",
            "issue",
            status="running",
            counters=ev.StreamCounters(fetched=40),
        ),
        StreamRecord(2, "r", "github", "acme/rocket", "push", status="pending"),
    ]
    progress = RunProgress(run, streams, started_at=1000.0)
    progress.mark_interrupted()
    assert progress.status == "interrupted" and not progress.running
    issue, push = progress.streams[KEYS[0]], progress.streams[KEYS[1]]
    assert issue.status == "interrupted"
    assert issue.bar() == (40.0, 40.0) and push.bar() == (1.0, 0.0)  # never (None, …)
    assert progress.eta(1010.0) is None


def test_a_capped_stream_shows_capped_not_completed() -> None:
    progress = _progress()
    progress.apply(ev.RunStarted("r", "ws", "since", KEYS), 1000.0)
    counters = ev.StreamCounters(1000, 1000, 0, 0, 10, 10)
    progress.apply(ev.StreamFinished("r", KEYS[0], "completed", counters, capped=True), 1001.0)
    progress.apply(ev.StreamFinished("r", KEYS[1], "completed", counters), 1001.0)
    assert progress.streams[KEYS[0]].shown_status == "capped"
    assert progress.streams[KEYS[1]].shown_status == "completed"


def test_a_cancelled_streams_line_never_states_counts_older_than_the_rows() -> None:
    """Cancelled while a page was committing: the engine's event carries the counters it had
    before that page, while the page still lands (a fresh tester saw "cancelled: 0 fetched"
    beside a row of 100). The row keeps what it already knew; the line claims no count."""
    progress = _progress()
    progress.apply(ev.RunStarted("r", "ws", "since", KEYS), 1000.0)
    progress.apply(_page(KEYS[0], 100), 1001.0)
    progress.take_log()
    stale = ev.StreamCounters(0, 0, 0, 0, 0, 0)
    progress.apply(ev.StreamFinished("r", KEYS[0], "cancelled", stale), 1002.0)
    stream = progress.streams[KEYS[0]]
    assert stream.status == "cancelled" and stream.counters.fetched == 100
    (line,) = progress.take_log()
    assert "cancelled; what it stored is kept" in line and "0 fetched" not in line


def test_the_summarys_budgets_name_requests_first_whatever_order_they_came_in() -> None:
    """Linear's two budgets swapped places between runs in the summary (a fresh tester's
    finding): the order of the headers the first answer gave. Requests come first."""
    from backfill_tui.engine.summary import BudgetLog

    log = BudgetLog()
    budgets = (ev.BudgetLeft("complexity", 2_990_000, 3_000_000), ev.BudgetLeft("requests", 4, 5))
    counters = ev.StreamCounters(1, 1, 0, 0, 1, 1)
    page = ev.PageStored("r", "linear:ENG/issue", counters, 1, 0, budgets=budgets)
    log(page)
    summary = log.annotate({"sources": [{"source": "linear", "target": "ENG"}]})
    found = summary["sources"][0]["rate_limit_budgets"]
    assert list(found) == ["requests", "complexity"]
    assert found["complexity"] == {"remaining": 2_990_000, "limit": 3_000_000}


def test_syncing_with_the_mirror_keeps_calls_it_could_not_record() -> None:
    """A run stopped on a locked mirror: its last page never committed, and the lock refused
    recording that page's calls too, so the mirror holds one call fewer than the stream made.
    The dashboard's calls went back from 20 to 19 as the run stopped (a fresh tester's
    finding); what was seen made stays, and the rest is the mirror's word."""
    progress = _progress()
    progress.apply(ev.RunStarted("r", "ws", "since", KEYS), 1000.0)
    progress.apply(_page(KEYS[0], 100, calls=20), 1005.0)
    stored = ev.StreamCounters(fetched=90, new=90, duplicates=0, failed=0, pages=1, api_calls=19)
    more = ev.StreamCounters(fetched=50, new=50, duplicates=0, failed=0, pages=1, api_calls=3)
    issue, push = (
        StreamRecord(i, "r", "github", "acme/rocket", k.rsplit("/", 1)[1], counters=c)
        for i, (k, c) in enumerate(zip(KEYS, (stored, more), strict=True))
    )
    progress.sync([issue, push])
    assert progress.streams[KEYS[0]].counters == ev.StreamCounters(90, 90, 0, 0, 1, 20)
    assert progress.streams[KEYS[1]].counters == more  # more than seen: the mirror's word
