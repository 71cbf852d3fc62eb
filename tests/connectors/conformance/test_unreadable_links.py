"""A ``Link`` header that does not read is not a last page (respx at the HTTP level, through
the engine; provider-apis.md §6, RFC 8288).

``Link: garbage`` was read as "no next page": the stream completed with 100 of 230 items, no
note (a fresh tester's finding; here the header is on page 2 of 3, so 200 of 230). A real last
page says so with a header that reads whole (GitHub: only ``prev`` and ``first``; none at all
for a single page; Sentry: ``next`` with ``results="false"``): only then, or with a readable
``last`` naming the page itself, does the list end. Otherwise the page is stored and its
stream fails, one line naming the header.
"""

from __future__ import annotations

import asyncio
import email.utils
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from support import run_cli

from backfill_tui.engine.environment import Environment
from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
from backfill_tui.store import Mirror

from .harness import NOW, REPO, days_ago, iso, resume_github, run_github

API = "https://api.github.com"
LISTED = f"{API}/repositories/1296269/issues?state=all&per_page=100&page="
TOKEN = "ghp_" + "Lk9" * 12  # GitHub's shape: ghp_ and 36 characters


def _issue(number: int) -> dict[str, Any]:
    stamp = iso(days_ago(number / 10))
    return {
        "id": 9000 + number, "number": number, "state": "open", "title": f"Issue {number}",
        "body": "", "user": {"login": "octo", "id": 1}, "updated_at": stamp,
        "created_at": stamp, "html_url": f"https://github.com/acme/rocket/issues/{number}",
    }  # fmt: skip


def _link(page: int, rel: str) -> str:
    return f'<{LISTED}{page}>; rel="{rel}"'


#: Each page's readable header: GitHub's own, as its REST docs "Using pagination" show it.
READABLE = {
    1: f"{_link(2, 'next')}, {_link(3, 'last')}",
    2: f"{_link(1, 'prev')}, {_link(3, 'next')}, {_link(3, 'last')}, {_link(1, 'first')}",
    3: f"{_link(2, 'prev')}, {_link(1, 'first')}",
}


def _github(router: respx.MockRouter, headers: dict[int, str | None]) -> respx.Route:
    """230 issues in pages of 100; page N's ``Link`` is ``headers[N]`` (None: no header), else
    GitHub's own (:data:`READABLE`)."""
    router.get(f"{API}/repos/acme/rocket").respond(200, json=REPO)

    def answer(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "1"))
        items = [_issue(n) for n in range(100 * page - 99, min(100 * page, 230) + 1)]
        link = headers.get(page, READABLE[page])
        return httpx.Response(200, json=items, headers={"link": link} if link is not None else {})

    return router.get(url__regex=rf"{API}/(repos/acme/rocket|repositories/1296269)/issues").mock(
        side_effect=answer
    )


# -- what the header says, read -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "unread"),
    [
        ("garbage", ["garbage"]),
        ("<https://x.test/i?page=3>", ["<https://x.test/i?page=3>"]),  # no rel: RFC 8288 §3.3
        ('<https://x.test/i?page=3>; rel=""', ['<https://x.test/i?page=3>; rel=""']),
        ("<https://x.test/i?page=3", ["<https://x.test/i?page=3"]),  # never closed
        ('<https://x.test/1>; rel="prev", <https://x.test/3> rel="next"',  # no ";"
         ['<https://x.test/3> rel="next"']),
        ('<https://x.test/1>; rel="prev" junk', ['<https://x.test/1>; rel="prev" junk']),
        ("", []), (" , ,", []),  # empty list elements (RFC 9110 §5.6.1)
        ('<https://x.test/1>; rel="prev", <https://x.test/1>; rel="first"', []),
    ],
)  # fmt: skip
def test_the_parts_that_do_not_read_are_kept(header: str, unread: list[str]) -> None:
    from backfill_tui.http.links import read_links  # here: the engine cases run without it

    assert read_links([header]).unread == unread


# -- through the engine ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "shown"),
    [
        ("garbage", "'garbage'"),
        (f"<{LISTED}3>", f"'<{LISTED}3>'"),
        (f"<{LISTED}3", f"'<{LISTED}3'"),
        (f'{_link(1, "prev")}, <{LISTED}3> rel="next"', f"""'<{LISTED}3> rel="next"'"""),
    ],
    ids=["garbage", "no-rel", "unclosed", "no-semicolon"],
)
@respx.mock
def test_an_unreadable_link_header_fails_its_stream_keeping_the_page(
    respx_mock: respx.MockRouter, tmp_path: Path, header: str, shown: str
) -> None:
    listing = _github(respx_mock, {2: header})
    status, (stream,) = run_github(tmp_path / "m.db", frozenset({"issue"}))
    assert (status, stream.status) == ("failed", "failed")
    assert stream.error == (
        f"GitHub's Link header could not be read ({_cut(shown)}), so it may name a next page; "
        "stopped rather than call the list complete"
    ), stream.error
    assert stream.new == 200  # pages 1 and 2 are stored
    assert stream.cursor is not None and stream.cursor.endswith("page=2")  # resumes there
    assert listing.call_count == 2


def _cut(shown: str) -> str:
    """``shown`` (quoted) as the message cuts it: 80 characters, else its start and its last
    20 around "…" (``textsafe.excerpt``)."""
    text = shown[1:-1]
    return shown if len(text) <= 80 else f"'{text[:59]}…{text[-20:]}'"


@respx.mock
def test_a_stream_failed_on_an_unreadable_header_resumes_to_the_whole_list(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    headers: dict[int, str | None] = {2: "garbage"}
    _github(respx_mock, headers)
    db = tmp_path / "m.db"
    status, (stream,) = run_github(db, frozenset({"issue"}))
    assert (status, stream.new) == ("failed", 200)
    headers.clear()  # the header reads again
    assert resume_github(db, stream.run_id, days_ago(-0.01)) == "completed"
    mirror = Mirror.open(db)
    try:
        (done,) = mirror.streams(stream.run_id)
        assert (done.status, done.new, done.error) == ("completed", 230, None)
    finally:
        mirror.close()


@pytest.mark.parametrize(
    ("page", "header"),
    [
        (2, f"garbage, {READABLE[2]}"),  # the next link was read: followed
        (3, None),  # no header at all
        (3, ""),  # an empty list
        (3, f"{READABLE[3]}, {_link(3, 'last')}, garbage"),  # "last" names this very page
    ],
    ids=["next-read", "no-header", "empty", "last-is-this-page"],
)
@respx.mock
def test_a_header_that_proves_the_page_is_last_or_names_the_next_reads_on(
    respx_mock: respx.MockRouter, tmp_path: Path, page: int, header: str | None
) -> None:
    _github(respx_mock, {page: header})
    status, (stream,) = run_github(tmp_path / "m.db", frozenset({"issue"}))
    assert (status, stream.status, stream.new, stream.error) == (
        "completed",
        "completed",
        230,
        None,
    )


@respx.mock
def test_the_reason_never_holds_the_token(
    respx_mock: respx.MockRouter,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A link without a ``rel`` echoing the token (GitHub's retired ``access_token``): the
    stream's one line masks it, and the run's last line says how to go on."""
    _github(respx_mock, {2: f"<{LISTED}3&access_token={TOKEN}>"})
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_" + "Zz1" * 12)  # another token: the shape is masked
    db = tmp_path / "m.db"
    result = run_cli(capsys, "run", "github:acme/rocket", "--workspace", "demo",
                     "--entities", "issue", "--db", str(db))  # fmt: skip
    assert result.code == 1, result.err
    assert "GitHub's Link header could not be read ('<https://api.github.com/" in result.err
    assert "access_token=***>'), so it may name a next page" in result.err, result.err
    assert TOKEN not in result.err + result.out
    assert TOKEN.encode() not in b"".join(p.read_bytes() for p in tmp_path.glob("m.db*"))
    assert "To continue it: backfill-tui resume " in result.err.splitlines()[-1]


@respx.mock
def test_a_catch_up_page_of_recent_items_with_an_unreadable_header_fails_the_stream(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    """After its last page a scan reads the list's front again for items updated since it
    began, page after page until an older one (``LinkedListStream._caught_up``). A front page
    of nothing but such items whose header does not read may hide more of them: it ended the
    catch-up quietly, and the stream completed."""
    respx_mock.get(f"{API}/repos/acme/rocket").respond(200, json=REPO)
    date = {"date": email.utils.format_datetime(NOW, usegmt=True)}
    asked: list[int] = []

    def answer(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "1"))
        asked.append(page)
        if len(asked) == 3:  # the front again: 100 issues updated since the scan began
            moved = [{**_issue(n), "updated_at": iso(NOW)} for n in range(301, 401)]
            return httpx.Response(200, json=moved, headers={**date, "link": "garbage"})
        items = [_issue(n) for n in range(100 * page - 99, 100 * page + 1)]
        link = _link(2, "next") if page == 1 else f"{_link(1, 'prev')}, {_link(1, 'first')}"
        return httpx.Response(200, json=items, headers={**date, "link": link})

    respx_mock.get(url__regex=rf"{API}/(repos/acme/rocket|repositories/1296269)/issues").mock(
        side_effect=answer
    )
    status, (stream,) = run_github(tmp_path / "m.db", frozenset({"issue"}))
    assert asked == [1, 2, 1]
    assert (status, stream.status, stream.new) == ("failed", "failed", 300)
    assert (stream.error or "").startswith("GitHub's Link header could not be read ('garbage')")


# -- Sentry ---------------------------------------------------------------------------------------

SENTRY = "https://sentry.io/api/0"


def _sentry_issue(n: int) -> dict[str, Any]:
    stamp = iso(days_ago(n / 10))
    return {"id": str(n), "shortId": f"ROCKET-{n}", "title": "KeyError", "status": "unresolved",
            "lastSeen": stamp, "firstSeen": stamp, "metadata": {"type": "KeyError"},
            "project": {"id": "7", "slug": "rocket", "name": "rocket"}}  # fmt: skip


@pytest.mark.parametrize(
    ("header", "ends", "new"),
    [
        ("garbage", "failed", 2),
        (f'<{SENTRY}/x?cursor=0:0:1>; rel="next"; results="false"; cursor="0:0:1", garbage',
         "completed", 2),  # Sentry's own "no more": read, and it ends the list
    ],
    ids=["garbage", "results-false"],
)  # fmt: skip
@respx.mock
def test_sentry_pages_alike(
    respx_mock: respx.MockRouter, tmp_path: Path, header: str, ends: str, new: int
) -> None:
    respx_mock.get(f"{SENTRY}/projects/acme/rocket/").respond(
        200, json={"id": "7", "slug": "rocket", "name": "rocket"}
    )
    respx_mock.get(url__startswith=f"{SENTRY}/organizations/acme/issues/").respond(
        200, json=[_sentry_issue(1), _sentry_issue(2)], headers={"link": header}
    )
    mirror = Mirror.open(tmp_path / "m.db")
    try:
        engine = Engine(mirror, Environment(env={"SENTRY_AUTH_TOKEN": "sntrys_unreadable"}))
        run = engine.plan(RunRequest("demo", (SourceSpec.parse("sentry:acme/rocket"),),
                                     entities=frozenset({"issue"})))  # fmt: skip
        asyncio.run(engine.run(run.id))
        (stream,) = mirror.streams(run.id)
    finally:
        mirror.close()
    assert (stream.status, stream.new) == (ends, new), stream.error
    if ends == "failed":
        assert stream.error is not None
        assert stream.error.startswith("Sentry's Link header could not be read ('garbage')")
