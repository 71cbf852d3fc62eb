"""Sentry's next-page links against a base URL with no path: only a link under the API's own
path (``/api/0``) is rebased onto the configured origin, and a 404 on a rebased page is a
failure, never "deleted or hidden" (a fresh tester's finding: a proxy's
``/internal/api/0/…`` links were asked at ``/internal/api/0/…`` on the base host, 404'd, and
the stream completed with 130 issues silently missing).

Through the engine (``open_client`` gives the client Sentry's request prefix), respx answering.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from backfill_tui.engine.environment import Environment
from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
from backfill_tui.store import Mirror
from backfill_tui.store.mirror import StreamRecord

BASE = "http://127.0.0.1:8702"
ISSUES = "/api/0/organizations/acme/issues/"
PROJECT = "/api/0/projects/acme/web/"


def _issues(first: int, count: int) -> list[dict[str, Any]]:
    seen = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return [
        {
            "id": str(n),
            "shortId": f"WEB-{n}",
            "title": f"KeyError: 'k{n}'",
            "status": "unresolved",
            "lastSeen": seen,
            "metadata": {"type": "KeyError", "value": "'k'"},
            "project": {"id": "7", "slug": "web", "name": "web"},
        }
        for n in range(first, first + count)
    ]


def _page(items: list[dict[str, Any]], next_url: str | None) -> httpx.Response:
    headers = {}
    if next_url is not None:
        headers["Link"] = f'<{next_url}>; rel="next"; results="true"; cursor="0:100:0"'
    return httpx.Response(200, json=items, headers=headers)


def _run(tmp_path: Path, base: str, *, resumes: int = 0) -> tuple[str, StreamRecord]:
    """Plan and run ``sentry:acme/web``'s issues, then run it ``resumes`` more times."""
    env = Environment(env={"SENTRY_AUTH_TOKEN": "sntrys_test", "BACKFILL_SENTRY_API_URL": base})
    mirror = Mirror.open(tmp_path / "m.db")
    engine = Engine(mirror, env)
    run = engine.plan(
        RunRequest("demo", (SourceSpec.parse("sentry:acme/web"),), entities=frozenset({"issue"}))
    )
    for _ in range(resumes + 1):
        status = asyncio.run(engine.run(run.id))
    (stream,) = mirror.streams(run.id)
    return status, stream


def _mock(respx_mock: respx.MockRouter, link: str, second: httpx.Response) -> respx.Route:
    """Page 1 (100 issues) links to ``link``; a request with a cursor gets ``second``."""
    respx_mock.get(f"{BASE}{PROJECT}").respond(200, json={"id": "7", "slug": "web"})
    return respx_mock.get(f"{BASE}{ISSUES}").mock(
        side_effect=lambda request: (
            second if "cursor" in request.url.params else _page(_issues(1, 100), link)
        )
    )


@pytest.mark.parametrize("base", [BASE, f"{BASE}/", f"{BASE}/api/0"])
@respx.mock(assert_all_called=False)
def test_a_proxy_prefixed_link_is_refused_not_rebased_outside_api_0(
    respx_mock: respx.MockRouter, tmp_path: Path, base: str
) -> None:
    """With a plain-host base every path lay under the base path "/": the link's
    ``/internal/api/0/…`` was asked on 127.0.0.1, and its 404 completed the stream."""
    link = f"http://sentry-web:9000/internal{ISSUES}?project=7&cursor=0:100:0"
    _mock(respx_mock, link, _page(_issues(101, 30), None))
    internal = respx_mock.get(path__startswith="/internal/").respond(404, json={})
    status, stream = _run(tmp_path, base)
    assert (status, stream.status, stream.fetched) == ("failed", "failed", 100)  # page 1 kept
    assert stream.error == (
        "Sentry: a next-page link to http://sentry-web:9000 cannot be followed: host "
        "sentry-web, not 127.0.0.1; port 9000, not 8702; its path "
        f"/internal{ISSUES} lies outside /api/0/, the API's path; credentials go only to "
        f"{BASE}, so paging stopped (check the configured API base URL)"
    )
    assert not internal.called
    assert {call.request.url.host for call in respx_mock.calls} == {"127.0.0.1"}


@respx.mock(assert_all_called=False)
def test_a_link_under_api_0_is_still_rebased_onto_a_plain_host_base(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    link = f"http://sentry-web:9000{ISSUES}?project=7&cursor=0:100:0"
    listing = _mock(respx_mock, link, _page(_issues(101, 30), None))
    foreign = respx_mock.route(host="sentry-web").respond(200, json=[])
    status, stream = _run(tmp_path, BASE)
    assert (status, stream.status, stream.fetched) == ("completed", "completed", 130)
    assert str(listing.calls[1].request.url) == f"{BASE}{ISSUES}?project=7&cursor=0:100:0"
    assert not foreign.called


@respx.mock(assert_all_called=False)
def test_a_link_whose_scheme_is_not_http_is_refused(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    """``<ftp://x/y>`` became a GET of ``/y`` on the base host; its 404 read as "deleted"."""
    _mock(respx_mock, "ftp://x/y", _page(_issues(101, 30), None))
    elsewhere = respx_mock.get(path="/y").respond(404, json={})
    status, stream = _run(tmp_path, BASE)
    assert (status, stream.status, stream.fetched) == ("failed", "failed", 100)
    assert stream.error == (
        "Sentry: a next-page link to ftp://x cannot be followed: its scheme ftp is not http "
        f"or https; credentials go only to {BASE}, so paging stopped (check the configured "
        "API base URL)"
    )
    assert not elsewhere.called


@respx.mock(assert_all_called=False)
def test_a_404_on_a_rebased_page_fails_the_stream_not_deleted_or_hidden(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    """The URL asked is this client's reading of the link, not Sentry's own: its 404 cannot
    say the project was deleted, so the stream fails (page 1 kept, resumable)."""
    link = f"http://sentry-web:9000{ISSUES}?project=7&cursor=0:100:0"
    _mock(respx_mock, link, httpx.Response(404, json={"detail": "Not found"}))
    status, stream = _run(tmp_path, BASE)
    assert (status, stream.status, stream.fetched) == ("failed", "failed", 100)
    assert stream.note is None or "deleted" not in stream.note
    assert stream.error == (
        f"Sentry has no {ISSUES} (404: Not found); check the target name and that the token "
        "can see it; this page's link named http://sentry-web:9000 and was asked of "
        f"{BASE} instead: if it is still there, check the configured API base URL"
    )


@respx.mock(assert_all_called=False)
def test_a_resume_whose_stored_link_404s_fails_again_not_deleted_or_hidden(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    """The failed stream's checkpoint holds the rebased URL; a resume's fresh client cannot
    know it was rebased, and its 404 read as the project deleted: the stream completed on the
    second try with the rest missing. A resumed scan's first page counts as its first."""
    link = f"http://sentry-web:9000{ISSUES}?project=7&cursor=0:100:0"
    listing = _mock(respx_mock, link, httpx.Response(404, json={"detail": "Not found"}))
    status, stream = _run(tmp_path, BASE, resumes=1)
    assert str(listing.calls[-1].request.url) == f"{BASE}{ISSUES}?project=7&cursor=0:100:0"
    assert (status, stream.status, stream.fetched) == ("failed", "failed", 100)
    assert stream.note is None or "deleted" not in stream.note
    assert stream.error == (
        f"Sentry has no {ISSUES} (404: Not found); check the target name and that the token "
        "can see it"
    )


@respx.mock(assert_all_called=False)
def test_a_404_on_a_page_linked_as_given_still_reads_as_deleted(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    """The provider's own URL, followed as given: its 404 is the project gone mid-read."""
    link = f"{BASE}{ISSUES}?project=7&cursor=0:100:0"
    _mock(respx_mock, link, httpx.Response(404, json={"detail": "Not found"}))
    status, stream = _run(tmp_path, BASE)
    assert (status, stream.status, stream.fetched) == ("completed", "completed", 100)
    assert stream.note is not None and "project acme/web was deleted or hidden" in stream.note
