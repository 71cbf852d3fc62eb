"""GitHub's primary rate limit answered without ``x-ratelimit-reset`` (respx, virtual clock).

Real accounts see it (provider-apis.md §6). It was read as a secondary limit: a flat ~63 s wait,
twelve times, then "still rate limited after 12 waits". GitHub's guidance (§1.5): with no
``retry-after`` and no reset, wait at least a minute, then exponentially longer, and give up
after a bounded total. The stream that meets it fails with that reason; the others go on.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import respx
from support import GITHUB_REPO

from backfill_tui.clock import VirtualClock
from backfill_tui.engine import progress as ev
from backfill_tui.engine.environment import Environment
from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
from backfill_tui.store import Mirror, StreamRecord

API = "https://api.github.com/repos/acme/rocket"
TOKEN = "ghp_primaryLimitToken0000000000000000000"
REPO = GITHUB_REPO


def _pull(updated: str) -> dict[str, object]:
    return {
        "id": 1, "number": 1, "state": "open", "title": "Add rockets", "body": None,
        "html_url": "https://github.com/acme/rocket/pull/1",
        "user": {"id": 7, "login": "ada"}, "updated_at": updated, "created_at": updated,
        "head": {"ref": "feature", "sha": "a" * 40}, "base": {"ref": "main"},
    }  # fmt: skip


@respx.mock
def test_a_stream_rate_limited_with_no_reset_fails_after_an_hour_and_the_others_go_on(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    start = datetime.now(UTC).replace(microsecond=0)
    updated = (start - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    respx_mock.get(API).respond(200, json=REPO)
    respx_mock.get(f"{API}/pulls").respond(200, json=[_pull(updated)])
    limited = respx_mock.get(f"{API}/issues").respond(
        403,
        json={"message": "API rate limit exceeded for user ID 1."},
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-limit": "5000"},
    )
    clock = VirtualClock(start=start.timestamp())
    mirror = Mirror.open(tmp_path / "m.db")
    engine = Engine(mirror, Environment(clock=clock, env={"GITHUB_TOKEN": TOKEN}))
    waits: list[ev.RateLimitWait] = []
    engine.subscribe(lambda e: waits.append(e) if isinstance(e, ev.RateLimitWait) else None)
    run = engine.plan(
        RunRequest(
            "demo",
            (SourceSpec.parse("github:acme/rocket"),),
            entities=frozenset({"pull_request", "issue"}),
        )
    )
    status = asyncio.run(engine.run(run.id))

    streams = {s.entity: s for s in mirror.streams(run.id)}
    assert streams["pull_request"].status == "completed" and streams["pull_request"].new == 1
    issue = streams["issue"]
    assert issue.status == "failed"
    assert issue.error is not None and issue.error.startswith(
        "GitHub: still rate limited after waiting 60 min in all (hourly rate limit used up, "
        "no reset time given;"
    )
    assert issue.mend is None  # a rate limit passes: resuming is the next step
    assert status == "partial"  # exit status 1 (interfaces.md §4)
    assert limited.call_count == 7  # a minute, doubling, the sixth wait cut to the hour
    seconds = [w.seconds for w in waits]
    assert len(seconds) == 6 and 60 <= seconds[0] <= 65 and sum(seconds) == pytest.approx(3600)
    assert clock.now() - start.timestamp() == pytest.approx(
        3600
    )  # waited on the virtual clock, not really
    mirror.close()


@respx.mock
def test_githubs_abuse_detection_answer_is_a_secondary_limit_waited_out(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    """GitHub's older wording of a secondary limit (403 "You have triggered an abuse detection
    mechanism. Please wait a few minutes…", no Retry-After, quota left; GitHub Enterprise
    Server still sends it) was read as a permissions refusal: the stream failed with "check
    the token's permissions" (a tester's finding). It is waited out, at least a minute."""
    start = datetime.now(UTC).replace(microsecond=0)
    updated = (start - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    respx_mock.get(API).respond(200, json=REPO)
    abuse = {
        "message": "You have triggered an abuse detection mechanism. Please wait a few "
        "minutes before you try again.",
        "documentation_url": "https://docs.github.com/rest/overview/resources-in-the-rest-api",
    }
    pulls = respx_mock.get(f"{API}/pulls").mock(
        side_effect=[
            httpx.Response(403, json=abuse, headers={"x-ratelimit-remaining": "4990"}),
            httpx.Response(200, json=[_pull(updated)]),
        ]
    )
    clock = VirtualClock(start=start.timestamp())
    mirror = Mirror.open(tmp_path / "m.db")
    engine = Engine(mirror, Environment(clock=clock, env={"GITHUB_TOKEN": TOKEN}))
    waits: list[ev.RateLimitWait] = []
    engine.subscribe(lambda e: waits.append(e) if isinstance(e, ev.RateLimitWait) else None)
    run = engine.plan(
        RunRequest(
            "demo", (SourceSpec.parse("github:acme/rocket"),),
            entities=frozenset({"pull_request"}),
        )
    )  # fmt: skip
    assert asyncio.run(engine.run(run.id)) == "completed"
    (stream,) = mirror.streams(run.id)
    assert stream.status == "completed" and stream.new == 1 and pulls.call_count == 2
    assert len(waits) == 1 and waits[0].seconds >= 60 and "secondary" in waits[0].reason
    mirror.close()


def _issues_limited_with_reset_ahead(
    respx_mock: respx.MockRouter, tmp_path: Path, ahead: int
) -> tuple[str, StreamRecord, int, float]:
    """An issues run whose every list answer is a primary-limit 403 naming a reset ``ahead``
    seconds after the (virtual) clock's now: (the run's status, its stream, the list's
    calls, the seconds the clock moved)."""
    start = datetime.now(UTC).replace(microsecond=0)
    clock = VirtualClock(start=start.timestamp())
    respx_mock.get(API).respond(200, json=REPO)
    limited = respx_mock.get(f"{API}/issues").mock(
        side_effect=lambda request: httpx.Response(
            403,
            json={"message": "API rate limit exceeded for user ID 1."},
            headers={
                "x-ratelimit-remaining": "0",
                "x-ratelimit-limit": "5000",
                "x-ratelimit-reset": str(int(clock.now()) + ahead),
            },
        )
    )
    mirror = Mirror.open(tmp_path / "m.db")
    engine = Engine(mirror, Environment(clock=clock, env={"GITHUB_TOKEN": TOKEN}))
    run = engine.plan(
        RunRequest("demo", (SourceSpec.parse("github:acme/rocket"),), entities=frozenset({"issue"}))
    )
    status = asyncio.run(engine.run(run.id))
    (stream,) = mirror.streams(run.id)
    mirror.close()
    return status, stream, limited.call_count, clock.now() - start.timestamp()


@respx.mock
def test_a_reset_named_later_on_every_answer_stops_the_source_after_three_moves(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    """A primary-limit 403 whose ``x-ratelimit-reset`` is 20 s ahead of now every time it is
    asked was waited on 20 s at a time, twelve times for each request, and failed saying only
    "still rate limited after 12 waits" (a fresh tester's finding): a real reset moves once an
    hour (provider-apis.md §1.5). Three moves in a row stop the source, naming the header."""
    status, stream, calls, waited = _issues_limited_with_reset_ahead(respx_mock, tmp_path, 20)
    assert status == "failed"
    assert stream.status == "failed" and stream.error is not None
    assert "the limit kept being reset: x-ratelimit-reset named a later time" in stream.error
    assert stream.error.endswith(" UTC; resume the run after then")
    assert calls == 4  # three waits of 20 s, not twelve
    assert waited == pytest.approx(60)


@respx.mock
def test_a_reset_a_whole_hour_later_each_time_is_still_waited(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    """A real reset moves by a whole window (GitHub's hour, beginning at the first request
    after a reset): one named an hour later each time, as when others spend the new hour's
    quota at once, is a limit to wait out, not one that keeps being reset."""
    _, stream, calls, _ = _issues_limited_with_reset_ahead(respx_mock, tmp_path, 3600)
    assert stream.error == "GitHub: still rate limited after 12 waits"  # the bound as before
    assert calls == 13
