"""Redirects (respx, at the HTTP level). Every GET follows one on the configured origin
(GitHub's REST docs, "HTTP redirects": any request may be redirected; 301 means use the new
URL from now on, 302 and 307 repeat the request there), boundedly, and a stream met by a move
for good says so. Credentials go only to the configured origin, and a refusal says which part
of the ``Location``'s origin differs from it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from backfill_tui.connectors import Connector
from backfill_tui.http import HostNotAllowed, UnexpectedResponse
from backfill_tui.http.client import MAX_REDIRECTS

from .harness import REPO, TOKENS, days_ago, iso, make_connector, read_stream, run_github, stored

GITHUB = "https://api.github.com"


@pytest.mark.parametrize(
    ("location", "differs"),
    [
        ("https://api.github.com:8443/repositories/1", "port 8443, not 443"),
        ("http://api.github.com/repositories/1", "scheme http, not https; port 80, not 443"),
        ("https://evil.test/repositories/1", "host evil.test, not api.github.com"),
    ],
    ids=["port", "scheme", "host"],
)
@respx.mock
def test_a_redirect_to_another_origin_is_refused_naming_what_differs(
    respx_mock: respx.MockRouter, location: str, differs: str
) -> None:
    """The same host name on another port or scheme read "a redirect points to 127.0.0.1;
    refused, because credentials go only to 127.0.0.1", which contradicts itself (a fresh
    tester's finding). The refusal now names each part that differs, in the words a refused
    next-page link uses (``ApiClient._refused``, shared)."""
    respx_mock.get(f"{GITHUB}/repos/acme/rocket").respond(
        301, json={"message": "Moved Permanently"}, headers={"Location": location}
    )
    elsewhere = respx_mock.get(location).respond(200, json=REPO)
    with pytest.raises(HostNotAllowed) as refused:
        read_stream(make_connector("github", "acme/rocket", days_ago(30)), "push")
    where = location.removesuffix("/repositories/1")
    assert str(refused.value) == (
        f"GitHub: a redirect from /repos/acme/rocket to {where} cannot be followed: {differs}; "
        "credentials go only to https://api.github.com (check the configured API base URL)"
    )
    assert elsewhere.call_count == 0


# -- every GET follows a redirect on the configured origin (GitHub's "HTTP redirects") --------

COMMITS = f"{GITHUB}/repos/acme/rocket/commits"
MOVED = f"{GITHUB}/repositories/1296269/commits"


def _commit(sha: str) -> dict[str, Any]:
    person = {"name": "Ada", "email": "ada@acme.dev", "date": iso(days_ago(1))}
    return {
        "sha": sha,
        "commit": {"author": person, "committer": person, "message": "Fix"},
        "author": None,
        "committer": None,
        "parents": [],
    }


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@respx.mock
def test_a_list_redirected_on_its_origin_is_followed(
    respx_mock: respx.MockRouter, status: int
) -> None:
    """A list's first page answered with a redirect failed its stream ("GitHub answered 307
    for /repos/acme/rocket/issues: Temporary Redirect"); only the lookup followed one (a fresh
    tester's finding). Every GET now does, on the configured origin, the Location resolved
    against the URL asked. A redirect for good (301, 308) is said in the stream's note; one
    for this request only (302, 303, 307) is not."""
    respx_mock.get(f"{GITHUB}/repos/acme/rocket").respond(200, json=REPO)
    respx_mock.get(url__startswith=COMMITS).respond(
        status,
        json={"message": "Moved"},
        headers={"Location": "/repositories/1296269/commits?per_page=100"},
    )
    moved = respx_mock.get(url__startswith=MOVED).respond(200, json=[_commit("a" * 40)])
    pages = read_stream(make_connector("github", "acme/rocket", days_ago(30)), "push")
    assert stored(pages) == [f"push:acme/rocket:{'a' * 40}"]
    assert moved.call_count == 1
    assert moved.calls[0].request.url.query == b"per_page=100"  # the Location's, as given
    assert moved.calls[0].request.headers["Authorization"] == f"Bearer {TOKENS['github']}"
    note = (
        "repository acme/rocket was renamed or moved while it was being read: GitHub answered "
        f"{status} for /repos/acme/rocket/commits, pointing to /repositories/1296269/commits; "
        "read from there"
    )
    assert pages[0].note == (note if status in (301, 308) else None)


def _sentry_event() -> dict[str, Any]:
    return {
        "eventID": "c" * 32, "id": "c" * 32, "groupID": "1", "title": "KeyError: 'x'",
        "message": "", "dateCreated": iso(days_ago(1)), "tags": [], "platform": "python",
        "metadata": {"type": "KeyError", "value": "'x'"},
    }  # fmt: skip


def _deployments(uid: str, following: int | None) -> dict[str, Any]:
    ms = int(days_ago(1).timestamp() * 1000)
    deployment = {
        "uid": uid, "name": "rocket-web", "url": f"rocket-web-{uid}.vercel.app", "created": ms,
        "createdAt": ms, "state": "READY", "readyState": "READY", "meta": {}, "target": None,
    }  # fmt: skip
    return {"deployments": [deployment], "pagination": {"count": 1, "next": following}}


SENTRY_EVENTS = "https://sentry.io/api/0/projects/acme/rocket/events/"
SENTRY_MOVED = "https://sentry.io/api/0/projects/acme/rocket-v2/events/"
RESOURCE_MOVED = {"detail": {"code": "resource-moved", "message": "Resource has been moved"}}


def _moved_on_page_two(router: respx.MockRouter, provider: str) -> tuple[str, str, str]:
    """Page 1 answers; page 2 answers with the provider's own redirect for a move (GitHub's
    301 of a renamed repository, Sentry's 302 ``resource-moved``, a 308), then the moved
    resource answers. Returns the source, its stream and the note that stream must carry."""
    if provider == "github":
        router.get(f"{GITHUB}/repos/acme/rocket").respond(200, json=REPO)
        router.get(COMMITS, params={"page": "2"}).respond(
            301,
            json={"message": "Moved Permanently"},
            headers={"Location": f"{MOVED}?page=2&per_page=100"},
        )
        router.get(url__startswith=COMMITS).respond(
            200, json=[_commit("a" * 40)], headers={"link": f'<{COMMITS}?page=2>; rel="next"'}
        )
        router.get(url__startswith=MOVED).respond(200, json=[_commit("b" * 40)])
        said = "repository acme/rocket"
        what = "301 for /repos/acme/rocket/commits, pointing to /repositories/1296269/commits"
        return (
            "acme/rocket",
            "push",
            f"{said} was renamed or moved while it was being read: GitHub answered {what}",
        )
    if provider == "sentry":
        router.get("https://sentry.io/api/0/projects/acme/rocket/").respond(
            200, json={"id": "7", "slug": "rocket", "name": "rocket"}
        )
        link = f'<{SENTRY_EVENTS}?cursor=0:100:0>; rel="next"; results="true"; cursor="0:100:0"'
        router.get(SENTRY_EVENTS, params={"cursor": "0:100:0"}).respond(
            302, json=RESOURCE_MOVED, headers={"Location": f"{SENTRY_MOVED}?cursor=0:100:0"}
        )
        router.get(url__startswith=SENTRY_EVENTS).respond(
            200, json=[_sentry_event()], headers={"link": link}
        )
        second = {**_sentry_event(), "eventID": "d" * 32, "id": "d" * 32}
        router.get(url__startswith=SENTRY_MOVED).respond(200, json=[second])
        what = (
            "302 for /api/0/projects/acme/rocket/events/, pointing to "
            "/api/0/projects/acme/rocket-v2/events/"
        )
        return (
            "acme/rocket",
            "error",
            f"project acme/rocket was renamed or moved while it was being read: Sentry answered {what}",
        )
    router.get("https://api.vercel.com/v9/projects/rocket-web").respond(
        200, json={"id": "prj_1", "name": "rocket-web", "accountId": "team_1"}
    )
    first = _deployments("dpl_one", int(days_ago(1).timestamp() * 1000) - 1)
    router.get(url__startswith="https://api.vercel.com/v6/deployments").mock(
        side_effect=lambda request: (
            httpx.Response(308, headers={"Location": str(request.url).replace("/v6/", "/v7/")})
            if "until" in request.url.params
            else httpx.Response(200, json=first)
        )
    )
    router.get(url__startswith="https://api.vercel.com/v7/deployments").respond(
        200, json=_deployments("dpl_two", None)
    )
    what = "308 for /v6/deployments, pointing to /v7/deployments"
    return (
        "acme/rocket-web",
        "deployment",
        f"the deployment list of project rocket-web was renamed or moved while it was being read: Vercel answered {what}",
    )


@pytest.mark.parametrize("provider", ["github", "sentry", "vercel"])
@respx.mock
def test_a_resource_moved_while_it_was_read_is_followed_with_a_note(
    respx_mock: respx.MockRouter, provider: str
) -> None:
    """A repository renamed between two pages: page 2's old URL answered 301 and the stream
    failed with what it had read (a fresh tester's finding). The redirect is followed (every
    REST provider's GETs go through ``ApiClient.get``), both pages are stored, and the stream
    says the resource moved, as the lookup says of a move found before the run."""
    target, entity, note = _moved_on_page_two(respx_mock, provider)
    pages = read_stream(make_connector(provider, target, days_ago(30)), entity)
    assert len(stored(pages)) == 2 and len(pages) == 2
    assert pages[0].note is None
    assert pages[1].note == f"{note}; read from there"
    assert pages[1].next_cursor is None and not pages[1].ended_short


@respx.mock
def test_redirects_that_never_end_fail_the_stream_cleanly(respx_mock: respx.MockRouter) -> None:
    """A redirect to ever new URLs stops after :data:`MAX_REDIRECTS`; one back to a URL
    already asked stops at once. Each fails its stream in one line, not a crash or a hang."""
    respx_mock.get(f"{GITHUB}/repos/acme/rocket").respond(200, json=REPO)
    hops = respx_mock.get(url__startswith=COMMITS).mock(
        side_effect=lambda request: httpx.Response(
            302, headers={"Location": f"{COMMITS}?x={len(hops.calls)}"}
        )
    )
    with pytest.raises(UnexpectedResponse) as endless:
        read_stream(make_connector("github", "acme/rocket", days_ago(30)), "push")
    assert str(endless.value) == (
        f"GitHub: /repos/acme/rocket/commits was redirected more than {MAX_REDIRECTS} times "
        f"(the last to /repos/acme/rocket/commits?x={MAX_REDIRECTS}); stopped following them"
    )
    assert hops.call_count == MAX_REDIRECTS + 1

    respx_mock.get(url__startswith=MOVED).respond(301, headers={"Location": f"{COMMITS}?since=x"})
    respx_mock.get(url__startswith=COMMITS).respond(301, headers={"Location": f"{MOVED}?since=x"})
    connector = make_connector("github", "acme/rocket", days_ago(30))
    with pytest.raises(UnexpectedResponse) as loop:
        asyncio.run(_first_page_at(connector, f"{COMMITS}?since=x"))
    assert str(loop.value) == (
        "GitHub: /repos/acme/rocket/commits redirects in a loop (back to "
        "/repos/acme/rocket/commits?since=x after 2 redirects); stopped following them"
    )


async def _first_page_at(connector: Connector, url: str) -> None:
    try:
        await connector.client.get(url)
    finally:
        await connector.client.aclose()


@respx.mock
def test_a_list_redirected_to_another_origin_is_refused_and_never_gets_the_token(
    respx_mock: respx.MockRouter,
) -> None:
    """Following a list's redirect keeps the lookup's refusal of any other origin: the same
    host on another port is not asked, so it never sees the token."""
    respx_mock.get(f"{GITHUB}/repos/acme/rocket").respond(200, json=REPO)
    elsewhere = "https://api.github.com:8443/repositories/1296269/commits"
    respx_mock.get(url__startswith=COMMITS).respond(307, headers={"Location": elsewhere})
    foreign = respx_mock.get(url__startswith=elsewhere).respond(200, json=[_commit("a" * 40)])
    with pytest.raises(HostNotAllowed, match="port 8443, not 443"):
        read_stream(make_connector("github", "acme/rocket", days_ago(30)), "push")
    assert foreign.call_count == 0


@respx.mock
def test_a_run_meeting_a_rename_mid_way_completes_and_stores_the_note(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    """Through the engine, as a run meets it: the stream completes (exit status 0), both pages
    stored, and the mirror keeps the note the summary, dashboard and report show."""
    _, _, note = _moved_on_page_two(respx_mock, "github")
    status, (stream,) = run_github(tmp_path / "m.db", frozenset({"push"}))
    assert status == "completed"
    assert stream.status == "completed" and stream.new == 2 and stream.pages == 2
    assert stream.note == f"{note}; read from there"


@respx.mock
def test_a_stream_keeps_each_note_its_pages_gave(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    """Page 1 times out at 100 items a page and is read at 50; page 2 answers the rename's 301.
    The stream's note says both: a later page's note replaced the earlier one, and the note
    that the stream was read in smaller pages was lost (a helper's finding)."""
    respx_mock.get(f"{GITHUB}/repos/acme/rocket").respond(200, json=REPO)
    timed_out = {"message": "We couldn't respond to your request in time."}

    def commits(request: httpx.Request) -> httpx.Response:
        params = request.url.params
        if params.get("per_page") == "100":
            return httpx.Response(502, json=timed_out)
        if params.get("page", "1") == "1":
            following = request.url.copy_set_param("page", 2)
            return httpx.Response(
                200, json=[_commit("a" * 40)], headers={"link": f'<{following}>; rel="next"'}
            )
        return httpx.Response(301, json={"message": "Moved Permanently"}, headers={
            "Location": f"{MOVED}?page=2&per_page=50"})  # fmt: skip

    respx_mock.get(url__startswith=COMMITS).mock(side_effect=commits)
    respx_mock.get(url__startswith=MOVED).respond(200, json=[_commit("b" * 40)])
    status, (stream,) = run_github(tmp_path / "m.db", frozenset({"push"}))
    assert status == "completed" and stream.new == 2
    moved = (
        "repository acme/rocket was renamed or moved while it was being read: GitHub answered "
        "301 for /repos/acme/rocket/commits, pointing to /repositories/1296269/commits"
    )
    assert stream.note == (
        f"GitHub timed out on 100-item pages; read in pages of 50; {moved}; read from there"
    )


@respx.mock
def test_a_run_whose_stream_redirects_in_a_loop_says_what_to_mend_not_resume(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    """A server that redirects in a loop loops again on resume: the run's last word offered
    `resume` in vain (a fresh tester's finding). The stream stores what to mend (the base
    URL), and the rule every face ends an unfinished run with says that instead."""
    from backfill_tui.engine.runs import mend_first

    respx_mock.get(f"{GITHUB}/repos/acme/rocket").respond(200, json=REPO)
    respx_mock.get(url__startswith=COMMITS).respond(302, headers={"Location": MOVED})
    respx_mock.get(url__startswith=MOVED).respond(302, headers={"Location": COMMITS})
    status, streams = run_github(tmp_path / "m.db", frozenset({"push"}))
    assert status == "failed"
    (stream,) = streams
    assert stream.status == "failed" and "redirects in a loop" in (stream.error or "")
    assert mend_first(streams) == (
        "resuming would fail the same way; first mend github:acme/rocket: check the "
        "provider's base URL (BACKFILL_GITHUB_API_URL)"
    )


@pytest.mark.parametrize(
    ("status", "said", "mend"),
    [
        (
            422,
            "In order to keep the API fast for everyone, pagination is limited for this resource.",
            "narrow the backfill window (fewer days): the provider lists only so many pages",
        ),
        (
            400,
            "Unsupported API version",
            "the provider refuses the request as sent: check the provider's base URL "
            "(BACKFILL_GITHUB_API_URL), else update backfill-tui",
        ),
        (
            451,
            "Repository access blocked",
            "the provider withholds it for legal reasons (451); leave the source out",
        ),
    ],
    ids=["422-pagination-limited", "400", "451"],
)
@respx.mock
def test_a_permanent_refusal_says_what_to_mend_not_resume(
    respx_mock: respx.MockRouter, tmp_path: Path, status: int, said: str, mend: str
) -> None:
    """GitHub's 422 past the pages it lists, a 400 and a 451 failed the stream, and the run's
    last word offered `resume`, which met the same answer and offered it again (a fresh
    tester's finding): each stores what to mend instead, naming the provider's own variable."""
    from backfill_tui.engine.runs import mend_first

    respx_mock.get(f"{GITHUB}/repos/acme/rocket").respond(200, json=REPO)
    respx_mock.get(url__startswith=COMMITS).respond(status, json={"message": said})
    status, streams = run_github(tmp_path / "m.db", frozenset({"push"}))
    assert status == "failed"
    assert mend_first(streams) == (
        f"resuming would fail the same way; first mend github:acme/rocket: {mend}"
    )
