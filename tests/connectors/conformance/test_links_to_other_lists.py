"""A next-page link to another list, on the configured host (respx at the HTTP level, through
the engine): GitHub and Sentry build a next link from the request, the same path and query
less its paging parameters, so a link to another path pages another list. A stand-in GitHub's
page 1 of ``/repos/acme/zlr/issues`` linked to ``/repos/evil/other/issues``; the run followed
it and stored evil/other's issues as acme/zlr's (a fresh tester's finding). GitHub's own id
form, ``/repositories/{id}/…`` of the repository the lookup found, is the same list."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import httpx
import respx
from support import stored_ids

from backfill_tui.engine.environment import Environment
from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
from backfill_tui.store import Mirror, StreamRecord

from .harness import REPO, days_ago, iso, resume_github, run_github

API = "https://api.github.com"
ISSUES = f"{API}/repos/acme/rocket/issues"


def _issue(number: int, repo: str = "acme/rocket") -> dict[str, object]:
    stamp = iso(days_ago(number / 10))
    return {
        "id": 9000 + number, "number": number, "state": "open", "title": f"Issue {number}",
        "body": "", "user": {"login": "octo", "id": 1}, "updated_at": stamp,
        "created_at": stamp, "html_url": f"https://github.com/{repo}/issues/{number}",
    }  # fmt: skip


def _linked(items: list[dict[str, Any]], link: str) -> httpx.Response:
    return httpx.Response(200, json=items, headers={"link": f'<{link}>; rel="next"'})


def _github(respx_mock: respx.MockRouter, link: str) -> respx.Route:
    """acme/rocket's issues: page 1 (issues 1-3) links to ``link``; the route any other
    list's path gets (issues 500-502) is returned, to count its calls."""
    respx_mock.get(f"{API}/repos/acme/rocket").respond(200, json=REPO)
    respx_mock.get(ISSUES).mock(return_value=_linked([_issue(n) for n in (1, 2, 3)], link))
    return respx_mock.get(url__startswith=API).respond(
        200, json=[_issue(n, "evil/other") for n in (500, 501, 502)]
    )


@respx.mock
def test_a_github_link_to_another_repositorys_list_fails_the_stream_unfollowed(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    other = _github(respx_mock, f"{API}/repos/evil/other/issues?state=all&page=2")
    status, (stream,) = run_github(tmp_path / "m.db", frozenset({"issue"}))
    assert status == "failed" and not other.called  # never asked: nothing of evil/other stored
    assert sorted(stored_ids(tmp_path / "m.db")) == [
        f"issue:acme/rocket#{n}:opened" for n in (1, 2, 3)
    ]
    assert stream.status == "failed" and stream.new == 3, stream
    assert stream.error == (
        "GitHub: a next-page link leaves the list: it names /repos/evil/other/issues, not "
        "/repos/acme/rocket/issues, the list it pages; paging stopped, its items not read"
    )
    assert stream.mend is not None and stream.mend.startswith(
        "the provider's next-page link names another list, which a resume would meet again"
    )


@respx.mock
def test_a_github_link_by_another_repository_id_is_refused(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    other = _github(respx_mock, f"{API}/repositories/999/issues?state=all&page=2")
    _, (stream,) = run_github(tmp_path / "m.db", frozenset({"issue"}))
    assert not other.called and stream.status == "failed", stream
    assert stream.error is not None and "it names /repositories/999/issues, not" in stream.error


@respx.mock
def test_a_github_link_by_this_repositorys_id_or_name_in_other_case_is_followed(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    by_id = f"{API}/repositories/{REPO['id']}/issues?state=all&page=2"
    respx_mock.get(f"{API}/repos/acme/rocket").respond(200, json=REPO)
    respx_mock.get(ISSUES).mock(return_value=_linked([_issue(1)], by_id))
    respx_mock.get(by_id).mock(
        return_value=_linked([_issue(2)], f"{API}/repos/Acme/Rocket/issues?page=3")
    )
    respx_mock.get(f"{API}/repos/Acme/Rocket/issues").respond(200, json=[_issue(3)])
    _, (stream,) = run_github(tmp_path / "m.db", frozenset({"issue"}))
    assert stream.status == "completed" and stream.new == 3, stream


@respx.mock
def test_a_github_link_that_changes_a_filter_is_refused(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    """``state=open`` for the ``state=all`` asked: closed issues would go missing, the stream
    reported complete."""
    other = _github(respx_mock, f"{API}/repos/acme/rocket/issues?state=open&page=2")
    _, (stream,) = run_github(tmp_path / "m.db", frozenset({"issue"}))
    assert not other.called and stream.status == "failed" and stream.new == 3, stream
    assert stream.error is not None
    assert "its state is open, not all as the list was asked" in stream.error


SENTRY = "http://127.0.0.1:8702"
EVENTS = "/api/0/projects/acme/web/events/"


def _event(n: int) -> dict[str, Any]:
    stamp = iso(days_ago(n / 10))
    return {"eventID": f"{n:032x}", "id": f"{n:032x}", "title": f"E{n}", "dateCreated": stamp}


@respx.mock
def test_a_sentry_cursor_link_to_another_projects_events_is_refused(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    respx_mock.get(f"{SENTRY}/api/0/projects/acme/web/").respond(
        200, json={"id": "7", "slug": "web"}
    )
    link = f"{SENTRY}/api/0/projects/acme/secret/events/?full=true&cursor=0:100:0"
    respx_mock.get(f"{SENTRY}{EVENTS}").respond(
        200,
        json=[_event(n) for n in (1, 2)],
        headers={"Link": f'<{link}>; rel="next"; results="true"; cursor="0:100:0"'},
    )
    other = respx_mock.get(url__startswith=f"{SENTRY}/api/0/projects/acme/secret/").respond(
        200, json=[_event(n) for n in (500, 501)]
    )
    env = Environment(env={"SENTRY_AUTH_TOKEN": "sntrys_test", "BACKFILL_SENTRY_API_URL": SENTRY})
    mirror = Mirror.open(tmp_path / "m.db")
    try:
        engine = Engine(mirror, env)
        spec = SourceSpec.parse("sentry:acme/web")
        run = engine.plan(RunRequest("demo", (spec,), entities=frozenset({"error"})))
        asyncio.run(engine.run(run.id))
        streams: list[StreamRecord] = mirror.streams(run.id)
    finally:
        mirror.close()
    (stream,) = streams
    assert not other.called and stream.status == "failed" and stream.new == 2, stream
    assert stream.error == (
        "Sentry: a next-page link leaves the list: it names /api/0/projects/acme/secret/events/, "
        "not /api/0/projects/acme/web/events/, the list it pages; paging stopped, its items "
        "not read"
    )


@respx.mock
def test_a_resume_from_a_stored_link_to_another_list_stores_none_of_its_items(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    """A checkpoint an older version stored (or an edited mirror) may hold a link to another
    list: the resume asks it, but keeps none of its items."""
    by_id = f"{API}/repositories/{REPO['id']}/issues?state=all&page=2"
    respx_mock.get(f"{API}/repos/acme/rocket").respond(200, json=REPO)
    respx_mock.get(ISSUES).mock(return_value=_linked([_issue(1)], by_id))
    respx_mock.get(by_id).respond(403, json={"message": "Resource not accessible by integration"})
    other = respx_mock.get(f"{API}/repos/evil/other/issues").respond(
        200, json=[_issue(n, "evil/other") for n in (500, 501, 502)]
    )
    db = tmp_path / "m.db"
    _, (stream,) = run_github(db, frozenset({"issue"}))
    assert stream.status == "failed" and stream.cursor == by_id, stream
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE streams SET cursor = ?", (f"{API}/repos/evil/other/issues?page=2",))
    resume_github(db, stream.run_id, days_ago(-0.1))
    assert other.called
    assert stored_ids(db) == ["issue:acme/rocket#1:opened"]
    mirror = Mirror.open(db)
    try:
        (resumed,) = mirror.streams(stream.run_id)
    finally:
        mirror.close()
    assert resumed.status == "failed" and resumed.error is not None, resumed
    assert "it names /repos/evil/other/issues, not /repos/acme/rocket/issues" in resumed.error
