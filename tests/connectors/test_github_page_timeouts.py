"""GitHub's 502 "We couldn't respond to your request in time" on large pages: smaller pages.

GitHub times out on 100-item pages of large repositories with heavy items and advises asking
for fewer. The stream asks the same place again in smaller pages (100 → 50 → 25), keeps its
place (page N of 100 is page 2N−1 of 50), says so in a note, and fails with GitHub's reason
and a mend line when even the smallest size times out. respx answers as such a GitHub.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import respx

from backfill_tui.clock import VirtualClock
from backfill_tui.connectors.github import GitHubConnector
from backfill_tui.connectors.linked_list import PagesTimedOut
from backfill_tui.http import (
    ApiClient,
    ApiError,
    GitHubPolicy,
    ResilientTransport,
    RetryNotice,
)

API = "https://api.github.com"
ISSUES = f"{API}/repos/acme/rocket/issues"
TIMED_OUT = (
    "We couldn't respond to your request in time. Sorry about that. Please try resubmitting "
    "your request and contact us if the problem persists."
)
NOW = datetime.now(UTC).replace(microsecond=0)


def _issue(number: int) -> dict[str, Any]:
    updated = (NOW - timedelta(minutes=10 + number)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "id": 9000 + number, "number": number, "state": "open", "title": f"Issue {number}",
        "body": "", "user": {"login": "octo-ada", "id": 583231}, "updated_at": updated,
        "created_at": updated, "html_url": f"https://github.com/acme/rocket/issues/{number}",
    }  # fmt: skip


ISSUES_LISTED = [_issue(n) for n in range(1, 131)]  # newest updated first


def _github(router: respx.MockRouter, largest: int) -> list[tuple[int, int]]:
    """A GitHub that answers its 502 to pages of more than ``largest`` items; the (page,
    per_page) of each list request is recorded in the list returned."""
    router.get(f"{API}/repos/acme/rocket").respond(
        200, json={"id": 1296269, "full_name": "acme/rocket", "default_branch": "main"}
    )
    asked: list[tuple[int, int]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        size = int(request.url.params.get("per_page", 30))
        number = int(request.url.params.get("page", 1))
        asked.append((number, size))
        if size > largest:
            return httpx.Response(502, json={"message": TIMED_OUT})
        items = ISSUES_LISTED[(number - 1) * size : number * size]
        headers = {}
        if number * size < len(ISSUES_LISTED):
            following = request.url.copy_set_param("page", number + 1)
            headers["Link"] = f'<{following}>; rel="next"'
        return httpx.Response(200, json=items, headers=headers)

    router.get(ISSUES).mock(side_effect=answer)
    return asked


def _read(
    cursor: str | None = None, pages: int | None = None, retries: list[RetryNotice] | None = None
) -> tuple[list[str], list[str], str | None]:
    """Issues' sourceIds, notes and the last cursor, read by the real connector (``retries``
    gains each retry's notice)."""
    clock = VirtualClock()
    transport = ResilientTransport(
        httpx.AsyncHTTPTransport(),
        provider_label="GitHub",
        base_url=API,
        auth_header="Bearer ghp_pageTimeoutToken",
        policy=GitHubPolicy(),
        clock=clock,
        on_retry=None if retries is None else retries.append,
    )
    client = ApiClient(label="GitHub", base_url=API, transport=transport)
    connector = GitHubConnector("acme/rocket", client, NOW - timedelta(days=30))

    async def walk() -> tuple[list[str], list[str], str | None]:
        ids: list[str] = []
        notes: list[str] = []
        last, read = cursor, 0
        try:
            await connector.prepare()
            async for page in connector.stream("issue").pages(cursor):
                ids += [e.sourceId for e in page.events]
                notes += [page.note] if page.note else []
                last = page.next_cursor
                read += 1
                if pages is not None and read >= pages:
                    break
        finally:
            await client.aclose()
        return ids, notes, last

    return asyncio.run(walk())


def _ids(numbers: range) -> list[str]:
    return [f"issue:acme/rocket#{n}:opened" for n in numbers]


@respx.mock
def test_a_list_github_times_out_on_is_read_in_smaller_pages(
    respx_mock: respx.MockRouter,
) -> None:
    asked = _github(respx_mock, largest=50)
    retries: list[RetryNotice] = []
    ids, notes, last = _read(retries=retries)
    # the retry says "try 2 of 2", not "of 6": the bound the page is given
    assert retries == [RetryNotice(2, 2, "server error 502")]
    assert ids == _ids(range(1, 131))  # none skipped, none read twice
    assert notes == ["GitHub timed out on 100-item pages; read in pages of 50"]
    assert last is None
    # two timeouts at one size and it is read smaller (not the transport's six tries)
    assert asked == [(1, 100), (1, 100), (1, 50), (2, 50), (3, 50)]


@respx.mock
def test_the_smaller_size_goes_on_halving_and_keeps_the_place(
    respx_mock: respx.MockRouter,
) -> None:
    """A resumed stream at page 2 of 100 goes on at page 5 of 25 (items 101 on)."""
    asked = _github(respx_mock, largest=25)
    resumed = f"{ISSUES}?state=all&sort=updated&direction=desc&per_page=100&page=2"
    ids, notes, last = _read(resumed)
    assert ids == _ids(range(101, 131))
    assert notes == [
        "GitHub timed out on 100-item pages; read in pages of 50; "
        "GitHub timed out on 50-item pages; read in pages of 25"
    ]
    assert (3, 50) in asked and asked[-2:] == [(5, 25), (6, 25)] and last is None


@respx.mock
def test_a_checkpoint_after_shrinking_resumes_at_the_smaller_size(
    respx_mock: respx.MockRouter,
) -> None:
    _github(respx_mock, largest=50)
    first, _, cursor = _read(pages=1)
    assert first == _ids(range(1, 51)) and cursor is not None
    assert httpx.URL(cursor).params["per_page"] == "50"
    asked = _github(respx_mock, largest=50)
    rest, notes, last = _read(cursor)
    assert rest == _ids(range(51, 131)) and notes == [] and last is None
    assert asked == [(2, 50), (3, 50)]


@respx.mock
def test_timeouts_at_the_smallest_size_fail_with_githubs_reason_and_a_mend(
    respx_mock: respx.MockRouter,
) -> None:
    _github(respx_mock, largest=5)
    with pytest.raises(ApiError) as failed:
        _read()
    assert str(failed.value) == (
        "GitHub: /repos/acme/rocket/issues kept timing out even in 25-item pages "
        f"(server error 502: {TIMED_OUT})"
    )
    assert failed.value.mend is not None and "resume" not in failed.value.mend


@respx.mock
def test_a_resumed_stream_at_the_smallest_size_fails_naming_it(
    respx_mock: respx.MockRouter,
) -> None:
    _github(respx_mock, largest=5)
    with pytest.raises(ApiError) as failed:
        _read(f"{ISSUES}?state=all&sort=updated&direction=desc&per_page=25&page=3")
    assert "kept timing out even in 25-item pages" in str(failed.value)


@respx.mock
def test_other_server_errors_get_the_whole_retry_bound_and_no_smaller_pages(
    respx_mock: respx.MockRouter,
) -> None:
    """Only a 502 or 504 (GitHub's timeout) is given up early on a page that could be asked
    smaller: three 503s in a row are retried at the same size, as any request's are."""
    asked = _github(respx_mock, largest=100)
    answers = iter([httpx.Response(503, json={"message": "Service unavailable"})] * 3)
    listed = respx_mock.routes[-1].side_effect
    respx_mock.routes[-1].side_effect = lambda request: next(answers, None) or listed(request)
    ids, notes, _ = _read()
    assert ids == _ids(range(1, 131)) and notes == []
    assert asked == [(1, 100), (2, 100)]


def _burst(router: respx.MockRouter, answer: httpx.Response, count: int) -> list[tuple[int, int]]:
    """The GitHub of :func:`_github` (no size too large) whose first ``count`` list requests
    answer ``answer``; the (page, per_page) of every list request, those included."""
    _github(router, largest=100)
    listed = router.routes[-1].side_effect
    asked: list[tuple[int, int]] = []
    left = [count]

    def answer_or_list(request: httpx.Request) -> httpx.Response:
        params = request.url.params
        asked.append((int(params.get("page", 1)), int(params.get("per_page", 30))))
        if left[0] > 0:
            left[0] -= 1
            return answer
        return listed(request)  # type: ignore[no-any-return]

    router.routes[-1].side_effect = answer_or_list
    return asked


SERVER_ERROR = httpx.Response(502, json={"message": "Server Error"})


@respx.mock
def test_a_plain_502_burst_is_an_outage_retried_at_the_same_size(
    respx_mock: respx.MockRouter,
) -> None:
    """A GitHub or GHES proxy's plain 502 ``{"message": "Server Error"}`` says nothing of time:
    five in a row are retried at 100 items (the whole bound, six tries), not read smaller.
    They were taken for GitHub's timeout: two tries, then pages of 50 (a fresh tester's
    finding)."""
    asked = _burst(respx_mock, SERVER_ERROR, 5)
    ids, notes, _ = _read()
    assert ids == _ids(range(1, 131)) and notes == []
    assert asked == [(1, 100)] * 6 + [(2, 100)]


@respx.mock
def test_a_plain_502_past_the_bound_fails_as_a_server_error_to_resume(
    respx_mock: respx.MockRouter,
) -> None:
    """Past the bound a plain 502 burst fails as any server error ("gave up after 6 tries",
    resumable), not as pages that kept timing out (whose mend says a resume fails the same
    way: here a resume after the burst works)."""
    asked = _burst(respx_mock, SERVER_ERROR, 6)
    with pytest.raises(ApiError) as failed:
        _read()
    assert str(failed.value) == "GitHub: gave up after 6 tries (server error 502)"
    assert not isinstance(failed.value, PagesTimedOut)
    assert asked == [(1, 100)] * 6
    ids, notes, _ = _read()  # the resume, the burst over
    assert ids == _ids(range(1, 131)) and notes == []


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(504, text="<html>Gateway Time-out</html>"),
        httpx.Response(
            502,
            json={
                "message": "Something went wrong while executing your query. This may be the "
                "result of a timeout, or it could be a GitHub bug."
            },
        ),
    ],
    ids=["504", "502-saying-timeout"],
)
@respx.mock
def test_a_504_or_a_502_saying_timeout_is_read_in_smaller_pages(
    respx_mock: respx.MockRouter, answer: httpx.Response
) -> None:
    asked = _burst(respx_mock, answer, 2)
    ids, notes, _ = _read()
    assert ids == _ids(range(1, 131))
    assert notes == ["GitHub timed out on 100-item pages; read in pages of 50"]
    assert asked[:3] == [(1, 100), (1, 100), (1, 50)]
