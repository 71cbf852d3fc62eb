"""States real accounts are routinely in are not failures (issue 9, item 2).

An empty repository, a renamed one, issues turned off, a resource deleted between two pages:
each ends its stream completed, with a plain line (the stream's note) in the summary, the
report and the dashboard, exit 0, and a resume does not ask again. A real failure (the same
status without the state's meaning, or on the first page) still fails its stream.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from support import run_cli, simulated_engine, stored_ids

from backfill_tui.engine.live import RunProgress
from backfill_tui.http import AccessDenied, HostNotAllowed, UnexpectedResponse

from .harness import REPO, days_ago, iso, make_connector, read_stream, stored

GITHUB = "https://api.github.com"


# -- an empty repository (simulator: github:acme/empty) --------------------------------------


def test_an_empty_repository_completes_and_says_so(
    tmp_path: Path,
    anchor: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor}")
    db = tmp_path / "m.db"
    result = run_cli(
        capsys,
        "run",
        "github:acme/empty",
        "--simulate",
        "--workspace",
        "demo",
        "--json",
        "--db",
        str(db),
    )
    assert result.code == 0, result.err
    summary = result.summary
    assert summary["status"] == "completed"
    streams = {s["entity"]: s for s in summary["sources"][0]["streams"]}
    assert {s["status"] for s in streams.values()} == {"completed"}
    assert all(s["fetched"] == 0 and s["error"] is None for s in streams.values())
    assert streams["push"]["note"] == "repository acme/empty is empty: it has no commits yet"
    assert summary["sources"][0]["error"] is None
    assert stored_ids(db) == []
    human = run_cli(
        capsys, "run", "github:acme/empty", "--simulate", "--workspace", "w2", "--db", str(db)
    )
    assert human.code == 0 and "note: repository acme/empty is empty" in human.out
    report = run_cli(capsys, "report", summary["run_id"], "--db", str(db))
    assert report.code == 0, report.err
    assert "repository acme/empty is empty" in report.out


def test_resume_does_not_ask_an_empty_repository_again(tmp_path: Path, anchor: str) -> None:
    sim_engine = simulated_engine(tmp_path / "m.db", f"anchor={anchor}")
    run_id = sim_engine.run("github:acme/empty", "github:acme/rocket", days=7)
    mirror, sim = sim_engine.mirror, sim_engine.simulator
    run = mirror.get_run(run_id)
    assert run is not None and run.status == "completed"
    asked = sim.request_count("/repos/acme/empty/commits")
    assert asked == 1
    assert asyncio.run(sim_engine.engine.run(run_id)) == "completed"  # a resume
    assert sim.request_count("/repos/acme/empty/commits") == asked
    # the dashboard's model shows the line, from the mirror's record
    model = RunProgress(run, mirror.streams(run_id), time.time())
    push = model.streams["github:acme/empty/push"]
    assert push.status == "completed" and push.note and "is empty" in push.note
    assert model.streams["github:acme/rocket/push"].note is None


# -- GitHub's other routine answers (respx) --------------------------------------------------


def _commit(sha: str, when: str) -> dict[str, Any]:
    person = {"name": "Ada", "email": "ada@acme.dev", "date": when}
    return {
        "sha": sha,
        "commit": {"author": person, "committer": person, "message": "Fix"},
        "author": None,
        "committer": None,
        "parents": [],
    }


@respx.mock
def test_issues_turned_off_is_a_state_not_a_failure(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(f"{GITHUB}/repos/acme/rocket").respond(200, json=REPO)
    respx_mock.get(f"{GITHUB}/repos/acme/rocket/issues").respond(
        410,
        json={
            "message": "Issues are disabled for this repo",
            "documentation_url": "https://docs.github.com/rest/issues/issues",
        },
    )
    pages = read_stream(make_connector("github", "acme/rocket", days_ago(30)), "issue")
    assert stored(pages) == [] and pages[-1].next_cursor is None
    assert pages[-1].note == (
        "issues are turned off for repository acme/rocket (GitHub: Issues are disabled for this repo)"
    )


@respx.mock
def test_a_renamed_repository_is_followed_on_the_same_host(respx_mock: respx.MockRouter) -> None:
    location = f"{GITHUB}/repositories/1296269"
    respx_mock.get(f"{GITHUB}/repos/acme/old-rocket").respond(
        301, json={"message": "Moved Permanently", "url": location}, headers={"Location": location}
    )
    respx_mock.get(location).respond(200, json=REPO)
    commits = respx_mock.get(f"{GITHUB}/repos/acme/rocket/commits").respond(
        200, json=[_commit("a" * 40, iso(days_ago(1)))]
    )
    connector = make_connector("github", "acme/old-rocket", days_ago(30))
    assert stored(read_stream(connector, "push")) == [f"push:acme/rocket:{'a' * 40}"]
    assert connector.notes == [
        "repository acme/old-rocket was renamed or moved to acme/rocket; read from acme/rocket"
    ]
    assert commits.call_count == 1


@respx.mock
def test_a_renamed_sentry_project_is_followed_on_the_same_host(
    respx_mock: respx.MockRouter,
) -> None:
    """Sentry answers a project's old slug with 302 and ``resource-moved`` (its project
    endpoints' redirect after a rename): it failed as "Sentry answered 302" (a fresh tester's
    finding). The lookup follows it on the same host; the error stream reads the new slug."""
    new = "https://sentry.io/api/0/projects/acme/rocket-v2/"
    moved = {
        "detail": {
            "code": "resource-moved",
            "message": "Resource has been moved",
            "extra": {"url": new, "slug": "rocket-v2"},
        }
    }
    for old in ("", "events/"):
        respx_mock.get(f"https://sentry.io/api/0/projects/acme/rocket/{old}").respond(
            302, json=moved, headers={"Location": new + old}
        )
    respx_mock.get(new).respond(200, json={"id": "7", "slug": "rocket-v2", "name": "Rocket"})
    event = {
        "eventID": "c" * 32, "id": "c" * 32, "groupID": "1", "title": "KeyError: 'x'",
        "message": "", "dateCreated": iso(days_ago(1)), "tags": [], "platform": "python",
        "metadata": {"type": "KeyError", "value": "'x'"},
    }  # fmt: skip
    events = respx_mock.get(f"{new}events/").respond(200, json=[event])
    connector = make_connector("sentry", "acme/rocket", days_ago(30))
    pages = read_stream(connector, "error")
    assert len(stored(pages)) == 1
    assert connector.notes == [
        "project acme/rocket was renamed or moved to acme/rocket-v2; read from acme/rocket-v2"
    ]
    assert events.call_count == 1


@respx.mock
def test_a_redirect_to_another_host_is_refused(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(f"{GITHUB}/repos/acme/rocket").respond(
        301, json={"message": "Moved Permanently"}, headers={"Location": "https://evil.test/x"}
    )
    elsewhere = respx_mock.get("https://evil.test/x").respond(200, json=REPO)
    with pytest.raises(
        HostNotAllowed,
        match=r"a redirect from /repos/acme/rocket to https://evil\.test cannot be followed",
    ):
        read_stream(make_connector("github", "acme/rocket", days_ago(30)), "push")
    assert elsewhere.call_count == 0


@respx.mock
def test_a_conflict_that_is_not_an_empty_repository_still_fails(
    respx_mock: respx.MockRouter,
) -> None:
    respx_mock.get(f"{GITHUB}/repos/acme/rocket").respond(200, json=REPO)
    respx_mock.get(f"{GITHUB}/repos/acme/rocket/commits").respond(
        409, json={"message": "Repository is being migrated"}
    )
    with pytest.raises(UnexpectedResponse, match="409"):
        read_stream(make_connector("github", "acme/rocket", days_ago(30)), "push")


# -- deleted between two pages, for every REST provider ---------------------------------------

_GONE = {
    "github": (
        "acme/rocket",
        "push",
        f"{GITHUB}/repos/acme/rocket/commits",
        "repository acme/rocket",
    ),
    "sentry": (
        "acme/rocket",
        "error",
        "https://sentry.io/api/0/projects/acme/rocket/events/",
        "project acme/rocket",
    ),
    "vercel": (
        "acme/rocket-web",
        "deployment",
        "https://api.vercel.com/v6/deployments",
        "project rocket-web",
    ),
}


def _first_page(provider: str, url: str) -> httpx.Response:
    if provider == "github":
        return httpx.Response(
            200,
            json=[_commit("b" * 40, iso(days_ago(1)))],
            headers={"link": f'<{url}?page=2>; rel="next"'},
        )
    if provider == "sentry":
        event = {
            "eventID": "c" * 32,
            "id": "c" * 32,
            "groupID": "1",
            "title": "KeyError: 'x'",
            "message": "",
            "dateCreated": iso(days_ago(1)),
            "tags": [],
            "platform": "python",
            "metadata": {"type": "KeyError", "value": "'x'"},
        }
        link = (
            f'<{url}?cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1", '
            f'<{url}?cursor=0:100:0>; rel="next"; results="true"; cursor="0:100:0"'
        )
        return httpx.Response(200, json=[event], headers={"link": link})
    ms = int(days_ago(1).timestamp() * 1000)
    deployment = {
        "uid": "dpl_kept",
        "name": "rocket-web",
        "url": "rocket-web-x.vercel.app",
        "created": ms,
        "createdAt": ms,
        "state": "READY",
        "readyState": "READY",
        "meta": {},
        "target": None,
    }
    return httpx.Response(
        200, json={"deployments": [deployment], "pagination": {"count": 1, "next": ms - 1}}
    )


def _prepare(router: respx.MockRouter, provider: str) -> None:
    if provider == "github":
        router.get(f"{GITHUB}/repos/acme/rocket").respond(200, json=REPO)
    elif provider == "sentry":
        router.get("https://sentry.io/api/0/projects/acme/rocket/").respond(
            200, json={"id": "7", "slug": "rocket", "name": "rocket"}
        )
    else:
        router.get("https://api.vercel.com/v9/projects/rocket-web").respond(
            200, json={"id": "prj_1", "name": "rocket-web", "accountId": "team_1"}
        )


@pytest.mark.parametrize("provider", sorted(_GONE))
@respx.mock
def test_a_resource_deleted_between_two_pages_keeps_what_came_before(
    provider: str, respx_mock: respx.MockRouter
) -> None:
    target, entity, url, what = _GONE[provider]
    _prepare(respx_mock, provider)
    gone = httpx.Response(
        404, json={"message": "Not Found", "detail": "The requested resource does not exist"}
    )
    respx_mock.get(url__startswith=url).mock(side_effect=[_first_page(provider, url), gone])
    pages = read_stream(make_connector(provider, target, days_ago(30)), entity)
    assert len(stored(pages)) == 1
    assert pages[-1].next_cursor is None and pages[-1].note is not None
    assert pages[-1].note.startswith(f"{what} was deleted or hidden from this token")
    # The pages after it were not read: a re-sync must not count this stream as covering its
    # window (streams.ended_short; tests/connectors/test_resync_real_world.py).
    assert pages[-1].ended_short and not any(page.ended_short for page in pages[:-1])


@pytest.mark.parametrize("provider", sorted(_GONE))
@respx.mock
def test_a_resource_missing_on_the_first_page_still_fails(
    provider: str, respx_mock: respx.MockRouter
) -> None:
    target, entity, url, _ = _GONE[provider]
    _prepare(respx_mock, provider)
    respx_mock.get(url__startswith=url).respond(404, json={"message": "Not Found"})
    with pytest.raises(AccessDenied):
        read_stream(make_connector(provider, target, days_ago(30)), entity)


@respx.mock
def test_an_archived_repository_is_read_as_usual_with_a_note(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(f"{GITHUB}/repos/acme/rocket").respond(200, json={**REPO, "archived": True})
    respx_mock.get(f"{GITHUB}/repos/acme/rocket/commits").respond(
        200, json=[_commit("d" * 40, iso(days_ago(1)))]
    )
    connector = make_connector("github", "acme/rocket", days_ago(30))
    assert stored(read_stream(connector, "push")) == [f"push:acme/rocket:{'d' * 40}"]
    assert connector.notes == ["repository acme/rocket is archived (read-only); read as usual"]


def test_the_dashboard_shows_the_note_on_the_stream(tmp_path: Path) -> None:
    from app_support import SIZE, make_app, wait_until

    from backfill_tui.engine.run import RunRequest, SourceSpec
    from backfill_tui.widgets.run_rows import StreamRow

    app = make_app(tmp_path)

    async def scenario() -> str:
        async with app.run_test(size=SIZE) as pilot:
            request = RunRequest("ws", (SourceSpec.parse("github:acme/empty"),), depth=30)
            assert app.plan_and_start(request) is not None
            await wait_until(pilot, lambda: app.session is not None and not app.session.active)
            await pilot.pause()
            row = next(r for r in app.screen.query(StreamRow) if r.key.endswith("/push"))
            return row.status_text

    assert (
        asyncio.run(scenario())
        == "completed: repository acme/empty is empty: it has no commits yet"
    )
