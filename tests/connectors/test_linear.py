"""A Linear backfill through gql, the real connector and the simulator: exact, minimal, robust.

The HTTP-level cases (GraphQL errors, rate-limit answers, odd pages) use respx under the real
ResilientTransport and gql's httpx transport.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from support import run_cli, simulated_engine, stored_ids

from backfill_tui.clock import VirtualClock
from backfill_tui.connectors.base import Page
from backfill_tui.connectors.linear import LinearConnector
from backfill_tui.engine.run import SourceSpec
from backfill_tui.errors import UsageError
from backfill_tui.http import (
    AccessDenied,
    ApiClient,
    ApiError,
    AuthenticationFailed,
    CallStats,
    LinearPolicy,
    ResilientTransport,
    UnexpectedResponse,
    WaitNotice,
    current_stats,
)

KEY = "lin_api_T3stKeyValue0123456789abcdefghij"
URL = "https://api.linear.app/graphql"
CUTOFF = datetime(2026, 10, 29, 15, 0, tzinfo=UTC)
ROOTS = {"issue": "issues", "comment": "comments", "project": "projects"}


def run_linear(capsys: pytest.CaptureFixture[str], db: Path, *extra: str, days: int = 30) -> Any:
    return run_cli(
        capsys,
        "run",
        "linear:ENG",
        *extra,
        "--simulate",
        "--workspace",
        "demo",
        "--days",
        str(days),
        "--max-items",
        "100000",
        "--json",
        "--db",
        str(db),
    )


# -- through the CLI and the simulator ---------------------------------------------------------


def test_rate_limit_answers_are_linears_own_and_are_waited_out(tmp_path: Path, anchor: str) -> None:
    sim_engine = simulated_engine(
        tmp_path / "m.db", f"anchor={anchor},rate_limit_every=3,clock=virtual"
    )
    run_id = sim_engine.run("linear:ENG", days=90, max_items=100_000)
    sim, mirror = sim_engine.simulator, sim_engine.mirror
    limited = [r for r in sim.requests if r.fault in ("rate_limit_429", "secondary_rate_limit_403")]
    assert limited and {r.status for r in limited} == {400}  # RATELIMITED comes as HTTP 400
    streams = mirror.streams(run_id)
    assert {s.status for s in streams} == {"completed"}
    waited = sum(s.rate_limit_wait_s for s in streams)
    assert 0 < waited <= 2 * len(limited)  # the 1 s reset of the spent budget, not the hour


def test_api_calls_per_stream_are_minimal(tmp_path: Path, anchor: str) -> None:
    sim_engine = simulated_engine(tmp_path / "m.db", f"anchor={anchor}")
    run_id = sim_engine.run("linear:ENG", days=90, max_items=100_000)
    sim, mirror = sim_engine.simulator, sim_engine.mirror
    run = mirror.get_run(run_id)
    assert run is not None and run.status == "completed"
    cutoff = datetime.fromisoformat(run.since)
    served = sim.providers["linear"].calls  # type: ignore[attr-defined]
    streams = mirror.streams(run_id)
    for stream in streams:
        minimum = sim.min_pages("linear", "ENG", stream.entity, cutoff)
        assert minimum > 1 or stream.entity == "project"
        # a list of two pages or more is asked once more at its end (LinearStream._caught_up)
        again = 1 if stream.pages > 1 else 0
        assert stream.api_calls == served[ROOTS[stream.entity]] == stream.pages + again
        assert stream.api_calls <= minimum + 1 + again, (stream.entity, stream.api_calls, minimum)
    assert served["teams"] == 1
    assert sim.request_count("/graphql") == sum(s.api_calls for s in streams) + 1


def test_rejected_key_fails_only_linear(
    tmp_path: Path,
    isolated: Path,
    anchor: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor},token=ghp_both_accept_this")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_both_accept_this")
    monkeypatch.setenv("LINEAR_API_KEY", KEY)
    db = tmp_path / "m.db"
    result = run_cli(
        capsys,
        "run",
        "linear:ENG",
        "github:acme/rocket",
        "--simulate",
        "--workspace",
        "demo",
        "--days",
        "7",
        "--json",
        "--db",
        str(db),
    )
    assert result.code == 1
    sources = {s["source"]: s for s in result.summary["sources"]}
    assert result.summary["status"] == "partial"
    assert sources["github"]["status"] == "completed"
    linear = sources["linear"]
    assert linear["status"] == "failed"
    assert "Linear authentication failed" in linear["error"]
    assert {s["status"] for s in linear["streams"]} == {"failed"}
    assert all("authentication failed" in s["error"] for s in linear["streams"])
    assert not any(i.startswith("linear-") for i in stored_ids(db))
    assert KEY not in result.out + result.err


def test_api_key_is_sent_raw_and_an_oauth_token_as_bearer(
    tmp_path: Path, anchor: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert LinearConnector.auth_header(KEY) == KEY
    assert LinearConnector.auth_header("lin_oauth_abc") == "Bearer lin_oauth_abc"
    for token in (KEY, "lin_oauth_8f2a9c"):  # the simulator accepts each in its own form only
        monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor},token={token}")
        monkeypatch.setenv("LINEAR_API_KEY", token)
        result = run_linear(capsys, tmp_path / f"{token[:9]}.db", days=7)
        assert result.code == 0, result.out


def test_unknown_team_fails_the_source_with_a_clear_line(
    tmp_path: Path, anchor: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor}")
    result = run_cli(
        capsys,
        "run",
        "linear:nope",
        "--simulate",
        "--workspace",
        "demo",
        "--json",
        "--db",
        str(tmp_path / "m.db"),
    )
    assert result.code == 1
    source = result.summary["sources"][0]
    assert source["target"] == "NOPE" and source["status"] == "failed"
    assert source["error"].startswith("Linear has no team NOPE visible to this key")
    assert "\n" not in source["error"]


def test_team_key_is_checked_and_upper_cased() -> None:
    assert SourceSpec.parse("linear:eng") == SourceSpec("linear", "ENG")
    for bad in ("linear:EN-G", "linear:ENG/x", "linear:" + "A" * 11):
        with pytest.raises(UsageError, match="linear:TEAM_KEY"):
            SourceSpec.parse(bad)


# -- at the HTTP level (respx) ----------------------------------------------------------------

TEAM_OK = {
    "data": {
        "teams": {
            "nodes": [
                {"id": "t-1", "key": "ENG", "name": "Engineering", "organization": {"id": "o-1"}}
            ]
        }
    }
}


def gql_json(
    payload: Any, status: int = 200, headers: dict[str, str] | None = None
) -> httpx.Response:
    return httpx.Response(status, json=payload, headers=headers)


def page(root: str, nodes: list[Any], cursor: str | None, more: bool) -> httpx.Response:
    return gql_json(
        {"data": {root: {"nodes": nodes, "pageInfo": {"hasNextPage": more, "endCursor": cursor}}}}
    )


def collect(
    entity: str,
    clock: VirtualClock | None = None,
    waits: list[WaitNotice] | None = None,
    url: str = URL,
    *,
    cursor: str | None = None,
    started: datetime | None = None,
) -> tuple[list[Page], CallStats]:
    stats = CallStats()

    async def go() -> list[Page]:
        current_stats.set(stats)
        transport = ResilientTransport(
            httpx.AsyncHTTPTransport(),
            provider_label="Linear",
            base_url=url,
            auth_header=LinearConnector.auth_header(KEY),
            policy=LinearPolicy(),
            clock=clock or VirtualClock(1.8e9),
            on_wait=None if waits is None else waits.append,
        )
        client = ApiClient(label="Linear", base_url=url, transport=transport)
        connector = LinearConnector("ENG", client, CUTOFF)
        connector.started_at = started  # the run's start, as the engine sets it
        try:
            await connector.prepare()
            return [p async for p in connector.stream(entity).pages(cursor)]
        finally:
            await client.aclose()

    return asyncio.run(go()), stats


def comment(cid: str, issue: Any) -> dict[str, Any]:
    return {
        "id": cid,
        "body": "hello",
        "createdAt": "2026-11-01T00:00:00.000Z",
        "updatedAt": "2026-11-01T00:00:00.000Z",
        "user": None,
        "parent": None,
        "issue": issue,
    }


@respx.mock
def test_pages_follow_end_cursor_and_skip_comments_without_issue(
    respx_mock: respx.MockRouter,
) -> None:
    issue = {
        "id": "i-1",
        "identifier": "ENG-1",
        "title": "T",
        "url": "https://linear.app/x",
        "team": None,
    }
    route = respx_mock.post(URL).mock(
        side_effect=[
            gql_json(TEAM_OK),
            page("comments", [comment("c-1", issue), comment("c-2", None)], "cur-1", True),
            page("comments", [comment("c-3", issue)], "cur-2", False),
            # the catch-up after two pages: the newest comment again, read already
            page("comments", [comment("c-1", issue)], None, False),
        ]
    )
    pages, stats = collect("comment")
    assert [len(p.events) for p in pages] == [1, 1]
    assert [p.skipped for p in pages] == [1, 0]
    assert [p.next_cursor for p in pages] == ["cur-1", None]
    assert stats.api_calls == 4
    sent = [json.loads(call.request.content) for call in route.calls]
    assert [s["variables"].get("after") for s in sent[1:]] == [None, "cur-1", None]
    # updated since the newest comment's updatedAt when the scan began, less a minute
    assert sent[3]["variables"]["cutoff"] == "2026-10-31T23:59:00.000Z"
    assert sent[1]["variables"] == {
        "team": "ENG",
        "cutoff": "2026-10-29T15:00:00.000Z",
        "after": None,
    }
    assert "includeArchived: true" in sent[1]["query"] and "orderBy: updatedAt" in sent[1]["query"]
    assert all(call.request.headers["authorization"] == KEY for call in route.calls)
    assert pages[0].events[0].metadata["teamId"] == "t-1"  # the team prepare() resolved


@respx.mock
def test_ratelimited_with_every_budget_left_backs_off_rather_than_wait_an_hour(
    respx_mock: respx.MockRouter,
) -> None:
    """RATELIMITED while no budget the headers name ran out (2,400 of 2,500 requests left, both
    hourly budgets resetting in an hour, an endpoint's in 5 s with 3 left): the furthest reset
    was waited for, an hour (a tester's finding). It backs off from the nearer of 30 s and
    the nearest reset (provider-apis.md §3.5: "short backoff also works"), doubling."""
    now = 1_800_000_000
    clock = VirtualClock(float(now))
    hour_ms, soon_ms = str((now + 3600) * 1000), str((now + 5) * 1000)
    limited = gql_json(
        {"errors": [{"message": "Rate limit exceeded", "extensions": {"code": "RATELIMITED"}}]},
        400,
        {
            "x-ratelimit-requests-remaining": "2400",
            "x-ratelimit-requests-reset": hour_ms,
            "x-ratelimit-complexity-remaining": "2900000",
            "x-ratelimit-complexity-reset": hour_ms,
            "x-ratelimit-endpoint-requests-remaining": "3",
            "x-ratelimit-endpoint-requests-reset": soon_ms,
        },
    )
    respx_mock.post(URL).mock(
        side_effect=[gql_json(TEAM_OK), limited, limited, page("projects", [], None, False)]
    )
    waits: list[WaitNotice] = []
    pages, stats = collect("project", clock, waits)
    assert len(pages) == 1 and pages[0].next_cursor is None
    # the endpoint's reset, then (that reset past) 30 s doubled once: not 3,600
    assert [round(w.seconds) for w in waits] == [5, 60], waits
    assert stats.api_calls == 4


@respx.mock
def test_ratelimited_400_is_waited_out_before_gql_sees_it(respx_mock: respx.MockRouter) -> None:
    clock = VirtualClock(1_800_000_000.0)
    reset_ms = str((1_800_000_000 + 42) * 1000)
    limited = gql_json(
        {"errors": [{"message": "Rate limit exceeded", "extensions": {"code": "RATELIMITED"}}]},
        400,
        {
            "x-ratelimit-requests-remaining": "0",
            "x-ratelimit-requests-reset": reset_ms,
            "x-ratelimit-complexity-remaining": "90000",
            "x-ratelimit-complexity-reset": str((1_800_000_000 + 3600) * 1000),
        },
    )
    respx_mock.post(URL).mock(
        side_effect=[gql_json(TEAM_OK), limited, page("projects", [], None, False)]
    )
    waits: list[WaitNotice] = []
    pages, stats = collect("project", clock, waits)
    assert len(pages) == 1 and pages[0].next_cursor is None
    assert [round(w.seconds) for w in waits] == [42]  # the spent budget's reset, not the hour
    assert stats.api_calls == 3 and stats.wait_seconds == pytest.approx(42)


@pytest.mark.parametrize(
    ("answer", "error", "words"),
    [
        (
            gql_json(
                {
                    "data": None,
                    "errors": [
                        {
                            "message": "Argument Validation Error",
                            "extensions": {"code": "INVALID_INPUT"},
                        }
                    ],
                }
            ),
            UnexpectedResponse,
            "Linear rejected the issues query: Argument Validation Error [INVALID_INPUT]",
        ),
        (
            gql_json(
                {
                    "errors": [
                        {
                            "message": "Authentication required, not authenticated",
                            "extensions": {"code": "AUTHENTICATION_ERROR"},
                        }
                    ]
                },
                400,
            ),
            AuthenticationFailed,
            "Linear authentication failed",
        ),
        (
            gql_json(
                {"errors": [{"message": "Forbidden", "extensions": {"code": "FORBIDDEN"}}]}, 400
            ),
            AccessDenied,
            "Linear denied the issues query",
        ),
        (
            gql_json({"message": "nope"}, 401),
            AuthenticationFailed,
            "Linear authentication failed (401)",
        ),
        (gql_json({"data": None}), UnexpectedResponse, "without data"),
        (
            httpx.Response(200, text="<html>hi</html>", headers={"content-type": "text/html"}),
            UnexpectedResponse,
            "something other than a GraphQL result",
        ),
        (
            httpx.Response(404, text="gone", headers={"content-type": "text/plain"}),
            UnexpectedResponse,
            "Linear answered 404 to the issues query",
        ),
        (
            gql_json({"data": {"issues": {"nodes": "x"}}}),
            UnexpectedResponse,
            "without a list of nodes",
        ),
    ],
)
@respx.mock
def test_graphql_failures_become_one_clear_api_error(
    answer: httpx.Response, error: type[ApiError], words: str, respx_mock: respx.MockRouter
) -> None:
    respx_mock.post(URL).mock(side_effect=[gql_json(TEAM_OK), answer])
    with pytest.raises(error) as caught:
        collect("issue")
    message = str(caught.value)
    assert words in message and "\n" not in message and KEY not in message


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(404, text="Not Found", headers={"content-type": "text/plain"}),
        httpx.Response(200, text="<html>home</html>", headers={"content-type": "text/html"}),
    ],
)
@respx.mock
def test_an_endpoint_that_is_not_graphql_names_the_url_and_the_setting(
    answer: httpx.Response, respx_mock: respx.MockRouter
) -> None:
    # BACKFILL_LINEAR_API_URL without /graphql: the base answers 404 (or a page), not GraphQL.
    respx_mock.post("http://127.0.0.1:1").mock(return_value=answer)
    with pytest.raises(UnexpectedResponse) as caught:
        collect("issue", url="http://127.0.0.1:1")
    message = str(caught.value)
    assert "the teams query at http://127.0.0.1:1 " in message
    assert message.endswith(
        "; BACKFILL_LINEAR_API_URL must be the GraphQL endpoint, "
        "e.g. https://api.linear.app/graphql"
    )


@respx.mock
def test_linears_own_endpoint_gets_no_setting_hint(respx_mock: respx.MockRouter) -> None:
    respx_mock.post(URL).mock(return_value=httpx.Response(404, text="Not Found"))
    with pytest.raises(UnexpectedResponse) as caught:
        collect("issue")
    assert f"at {URL} without" in str(caught.value)
    assert "BACKFILL_LINEAR_API_URL" not in str(caught.value)


@respx.mock
def test_a_team_the_key_cannot_see_is_access_denied(respx_mock: respx.MockRouter) -> None:
    respx_mock.post(URL).mock(return_value=gql_json({"data": {"teams": {"nodes": []}}}))
    with pytest.raises(AccessDenied, match="Linear has no team ENG visible to this key"):
        collect("issue")


def test_policy_waits_for_the_spent_budget_only() -> None:
    now = 1_800_000_000.0
    body = {"errors": [{"message": "slow down", "extensions": {"type": "ratelimited"}}]}
    headers = {
        "x-ratelimit-requests-limit": "1500",
        "x-ratelimit-requests-remaining": "120",
        "x-ratelimit-requests-reset": str(int((now + 3600) * 1000)),
        "x-ratelimit-complexity-remaining": "0",
        "x-ratelimit-complexity-reset": str(int((now + 5) * 1000)),
    }
    response = httpx.Response(400, json=body, headers=headers)
    answer = LinearPolicy().limit_answer(response, body, now)
    assert answer is not None and answer.seconds == pytest.approx(5)
    assert (
        LinearPolicy().limit_answer(
            httpx.Response(400, json={}), {"errors": [{"message": "x"}]}, now
        )
        is None
    )
    quota = LinearPolicy().quota(response)
    assert (
        quota is not None and quota.remaining == 120 and quota.reset_at == pytest.approx(now + 3600)
    )


# -- issue 9, item 4: GraphQL partial data ------------------------------------------------------


def _partial_nodes() -> list[dict[str, Any]]:
    from linear_samples import issue_node

    nodes = []
    for n in range(3):
        node = issue_node()
        node.update(id=f"i-{n}", identifier=f"ENG-{100 + n}", number=100 + n)
        nodes.append(node)
    nodes[1]["assignee"] = None  # what Linear answers for a field it could not resolve
    return nodes


def _one_page_with_errors(
    respx_mock: respx.MockRouter,
    capsys: pytest.CaptureFixture[str],
    db: Path,
    nodes: list[dict[str, Any]],
    errors: list[dict[str, Any]],
) -> Any:
    """``run linear:ENG --entities issue --json`` into ``db``, Linear answering the team, then
    one whole page of ``nodes`` (HTTP 200) with ``errors`` beside its data."""
    info = {"hasNextPage": False, "endCursor": "c-1"}
    page_with_errors = {"data": {"issues": {"nodes": nodes, "pageInfo": info}}, "errors": errors}
    respx_mock.post(URL).mock(side_effect=[gql_json(TEAM_OK), gql_json(page_with_errors)])
    return run_cli(
        capsys, "run", "linear:ENG", "--workspace", "demo", "--days", "90",
        "--entities", "issue", "--json", "--db", str(db),
    )  # fmt: skip


@respx.mock
def test_partial_data_keeps_every_node_and_records_the_error_against_its_item(
    respx_mock: respx.MockRouter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """HTTP 200 with data (3 nodes) and an error at ["issues", "nodes", 1, "assignee"]."""
    from backfill_tui.connectors import linear_transform as lt
    from backfill_tui.store import Mirror

    monkeypatch.setenv("LINEAR_API_KEY", KEY)
    nodes = _partial_nodes()
    error = {
        "message": "Entity not found: User",
        "path": ["issues", "nodes", 1, "assignee"],
        "extensions": {"code": "INVALID_INPUT", "userPresentableMessage": "The user was deleted"},
    }
    db = tmp_path / "m.db"
    result = _one_page_with_errors(respx_mock, capsys, db, nodes, [error])
    assert result.code == 0, result.err
    (stream,) = result.summary["sources"][0]["streams"]
    assert (stream["status"], stream["new"], stream["failed"]) == ("completed", 3, 0)
    ids = sorted(stored_ids(db))
    assert ids == [f"linear-issue:ENG:ENG-{100 + n}:create" for n in range(3)]
    mirror = Mirror.open(db)
    try:
        notes = mirror.item_notes(result.summary["run_id"])
        row = mirror.conn.execute(
            "SELECT metadata FROM observations WHERE source_id = ?", (ids[1],)
        ).fetchone()
        others = mirror.conn.execute(
            "SELECT metadata FROM observations WHERE source_id = ?", (ids[0],)
        ).fetchone()
    finally:
        mirror.close()
    assert [(key, reason) for _sid, key, reason in notes] == [
        (ids[1], "stored without assignee: Linear said: The user was deleted")
    ]
    assert json.loads(row[0])["assigneeName"] is None  # absent, as a webhook would carry it
    assert json.loads(others[0])["assigneeName"] is not None
    team = lt.Team(id="t-1", key="ENG", name="Engineering", organization_id="o-1")
    expected = lt.issue_from_graphql({**nodes[1], "assignee": None}, team)
    assert json.loads(row[0])["assigneeId"] == expected.metadata["assigneeId"] is None
    report = run_cli(capsys, "report", result.summary["run_id"], "--db", str(db))
    assert "stored without assignee" in report.out


@respx.mock
def test_a_whole_page_beside_an_error_that_names_no_field_is_kept_and_the_error_noted(
    respx_mock: respx.MockRouter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """HTTP 200 with a whole page (3 nodes, pageInfo) and one error without a ``path``: the
    page was dropped and the stream failed, 0 fetched (a fresh tester's finding). An error
    that names no field leaves the data as sent: the nodes are stored and the error is the
    stream's note."""
    monkeypatch.setenv("LINEAR_API_KEY", KEY)
    nodes = _partial_nodes()
    nodes[1]["assignee"] = nodes[0]["assignee"]
    error = {"message": "Upstream service slow; some counts may be stale"}
    db = tmp_path / "m.db"
    result = _one_page_with_errors(respx_mock, capsys, db, nodes, [error])
    assert result.code == 0, result.err
    (stream,) = result.summary["sources"][0]["streams"]
    assert (stream["status"], stream["new"], stream["failed"]) == ("completed", 3, 0), stream
    assert "error that names no field (Upstream service slow" in (stream["note"] or ""), stream
    assert len(stored_ids(db)) == 3


@pytest.mark.parametrize(
    "payload",
    [
        {"data": None, "errors": [{"message": "Query too complex", "path": ["issues"]}]},
        {"errors": [{"message": "Rejected", "path": ["issues", "nodes", 0, "title"]}]},
        {
            "data": {"issues": {"nodes": [], "pageInfo": {"hasNextPage": False}}},
            "errors": [{"message": "pageInfo broke", "path": ["issues", "pageInfo"]}],
        },
    ],
    ids=["data-null", "no-data", "error-outside-nodes"],
)
@respx.mock
def test_answers_without_usable_data_keep_failing_the_stream(
    payload: dict[str, Any], respx_mock: respx.MockRouter
) -> None:
    respx_mock.post(URL).mock(side_effect=[gql_json(TEAM_OK), gql_json(payload)])
    with pytest.raises(UnexpectedResponse, match="Linear rejected the issues query"):
        collect("issue")


@respx.mock
def test_no_cursor_on_the_first_page_is_said_so_not_after_none(
    respx_mock: respx.MockRouter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``hasNextPage`` true and ``endCursor`` null on the first page: "after None" read as a
    cursor named None (a tester's finding)."""
    monkeypatch.setenv("LINEAR_API_KEY", KEY)
    respx_mock.post(URL).mock(
        side_effect=[gql_json(TEAM_OK), page("issues", _partial_nodes()[:2], None, True)]
    )
    result = run_cli(
        capsys, "run", "linear:ENG", "--workspace", "demo", "--days", "90", "--entities",
        "issue", "--db", str(tmp_path / "m.db"),
    )  # fmt: skip
    assert result.code == 1
    assert "Linear said more issues follow but gave no cursor on its first page" in result.err
    assert "None" not in result.err


@pytest.mark.parametrize(
    ("second_cursor", "said"),
    [
        ("c-1", "next-page pointer repeats one already read"),  # the engine's paging guard
        (None, "Linear said more issues follow but gave no cursor after 'c-1'"),
    ],
)
@respx.mock
def test_the_page_carrying_a_cursor_that_cannot_move_is_stored_then_the_stream_fails(
    second_cursor: str | None,
    said: str,
    respx_mock: respx.MockRouter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``hasNextPage`` true with the cursor just read, or with none: the stream stops with one
    line, and the items of that page are stored (README; they were dropped, a fresh tester's
    finding). Its checkpoint stays at the last cursor that moved."""
    monkeypatch.setenv("LINEAR_API_KEY", KEY)
    nodes = _partial_nodes()
    nodes[1]["assignee"] = nodes[0]["assignee"]
    respx_mock.post(URL).mock(
        side_effect=[
            gql_json(TEAM_OK),
            page("issues", nodes[:2], "c-1", True),
            page("issues", nodes[2:], second_cursor, True),
        ]
    )
    db = tmp_path / "m.db"
    result = run_cli(
        capsys, "run", "linear:ENG", "--workspace", "demo", "--days", "90", "--entities",
        "issue", "--json", "--db", str(db),
    )  # fmt: skip
    assert result.code == 1, result.err
    (stream,) = result.summary["sources"][0]["streams"]
    assert stream["status"] == "failed" and said in (stream["error"] or ""), stream
    assert sorted(stored_ids(db)) == [f"linear-issue:ENG:ENG-{100 + n}:create" for n in range(3)]


@pytest.mark.parametrize("moves", [True, False], ids=["moved", "still"])
@respx.mock
def test_an_issue_updated_mid_scan_is_not_lost(respx_mock: respx.MockRouter, moves: bool) -> None:
    _updated_mid_scan(respx_mock, moves)


@respx.mock
def test_an_issue_updated_while_the_run_was_stopped_is_read_by_its_resume(
    respx_mock: respx.MockRouter,
) -> None:
    """A run stopped after page 1 of issues; meanwhile ENG-50 (on page 2) is updated and moves
    ahead of the cursor. The resumed scan starts after page 1 and never lists it (a fresh
    tester's finding, on GitHub's lists alike): at its end the list is asked for what was
    updated since the run began (its start, less a minute)."""
    run_began = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    taken, asked = _updated_mid_scan(respx_mock, True, resumed_at=run_began)
    assert "linear-issue:ENG:ENG-50:create" in taken
    assert asked == 1 + 1 + 1  # the team, page 2, the catch-up


def _updated_mid_scan(
    respx_mock: respx.MockRouter, moves: bool, resumed_at: datetime | None = None
) -> tuple[list[str], int]:
    """Linear's lists are ordered by updatedAt and paged by a cursor: an issue on an unread page
    updated mid-scan moves ahead of the cursor and no later page lists it, with no duplicate to
    show it (a tester's finding: one issue missing from a completed run). After a scan of two
    pages or more the list is asked again for what was updated since the scan began (the
    newest updatedAt then, less a minute); what the scan read since then is not taken twice."""
    from linear_samples import issue_node

    def node(n: int, updated: datetime) -> dict[str, Any]:
        base = issue_node()
        stamp = updated.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        return {**base, "id": f"i-{n}", "identifier": f"ENG-{n}", "number": n,
                "updatedAt": stamp, "createdAt": "2026-11-01T00:00:00.000Z"}  # fmt: skip

    newest = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    nodes = [node(n, newest - (200 - n) * (CUTOFF - newest) / -400) for n in range(200, 0, -1)]
    world: dict[str, Any] = {"nodes": nodes}

    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if "teams" in body["query"]:
            return gql_json(TEAM_OK)
        variables = body["variables"]
        listing = [n for n in world["nodes"] if n["updatedAt"] >= variables["cutoff"]]
        if variables["after"] is None and moves and "moved" not in world:
            world["moved"] = True  # after page 1 is read, ENG-50 (on page 2) is updated
            moved = {**nodes[150], "updatedAt": "2026-11-28T12:05:00.000Z"}
            world["nodes"] = [moved, *nodes[:150], *nodes[151:]]
            return page("issues", nodes[:100], "c-100", True)
        start = 0 if variables["after"] is None else int(variables["after"][2:])
        if variables["after"] is not None:  # the cursor: after the node it named, by position
            named = nodes[start - 1]["id"]
            at = next((i for i, n in enumerate(listing) if n["id"] == named), start - 1)
            start = at + 1
        chunk = listing[start : start + 100]
        more = start + 100 < len(listing)
        return page("issues", chunk, f"c-{start + 100}" if more else None, more)

    asked = respx_mock.post(URL).mock(side_effect=answer)
    if resumed_at is not None:  # page 1 was read before the run stopped; ENG-50 moved since
        world["moved"] = True
        world["nodes"] = [{**nodes[150], "updatedAt": "2026-11-28T12:30:00.000Z"},
                          *nodes[:150], *nodes[151:]]  # fmt: skip
        pages, _ = collect("issue", cursor="c-100", started=resumed_at)
        return [e.sourceId for p in pages for e in p.events], asked.call_count
    pages, _ = collect("issue")
    taken = [e.sourceId for p in pages for e in p.events]
    numbers = {int(s.split("ENG-")[1].split(":")[0]) for s in taken}
    assert numbers == set(range(1, 201)), sorted(set(range(1, 201)) - numbers)
    assert len(taken) == 200  # nothing of the first page taken twice
    assert asked.call_count == 1 + 2 + 1  # the team, two pages, the catch-up
    return taken, asked.call_count


@respx.mock
def test_errors_given_as_a_string_are_said_whole(respx_mock: respx.MockRouter) -> None:
    """``"errors": "oops"`` (no list) read as its first character: "Linear rejected the issues
    query: o" (a fresh tester's finding)."""
    respx_mock.post(URL).mock(side_effect=[gql_json(TEAM_OK), gql_json({"errors": "oops"})])
    with pytest.raises(UnexpectedResponse) as caught:
        collect("issue")
    assert str(caught.value) == "Linear rejected the issues query: oops"


@pytest.mark.parametrize("index", [999, -1])
@respx.mock
def test_an_error_naming_a_node_the_page_lacks_is_noted_as_one_naming_no_field(
    respx_mock: respx.MockRouter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    index: int,
) -> None:
    """An error at ``["issues", "nodes", 999, "assignee"]`` beside 3 nodes was dropped
    without a trace (a fresh tester's finding): the nodes are stored and the error is the
    stream's note, as an error naming no field is."""
    monkeypatch.setenv("LINEAR_API_KEY", KEY)
    nodes = _partial_nodes()
    nodes[1]["assignee"] = nodes[0]["assignee"]
    error = {"message": "Entity not found: User", "path": ["issues", "nodes", index, "assignee"]}
    db = tmp_path / "m.db"
    result = _one_page_with_errors(respx_mock, capsys, db, nodes, [error])
    assert result.code == 0, result.err
    (stream,) = result.summary["sources"][0]["streams"]
    assert (stream["status"], stream["new"], stream["failed"]) == ("completed", 3, 0), stream
    assert "error that names no field (Entity not found: User)" in (stream["note"] or ""), stream


@respx.mock
def test_an_invalid_utf8_byte_in_a_gql_answer_is_stored_as_a_replacement_character(
    respx_mock: respx.MockRouter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """One ``\\xff`` in one issue's title made the answer "truncated or invalid JSON", retried
    six times, the stream failed with 0 fetched (a fresh tester's finding). The byte reads as
    U+FFFD, as a browser reads it; the page is stored."""
    monkeypatch.setenv("LINEAR_API_KEY", KEY)
    nodes = _partial_nodes()
    nodes[1]["assignee"] = nodes[0]["assignee"]
    nodes[1]["title"] = "Fuel MARK leak"
    info = {"hasNextPage": False, "endCursor": "c-1"}
    raw = json.dumps({"data": {"issues": {"nodes": nodes, "pageInfo": info}}}).encode()
    raw = raw.replace(b"MARK", b"\xff")
    listing = httpx.Response(200, content=raw, headers={"content-type": "application/json"})
    route = respx_mock.post(URL).mock(side_effect=[gql_json(TEAM_OK), listing])
    db = tmp_path / "m.db"
    result = run_cli(
        capsys, "run", "linear:ENG", "--workspace", "demo", "--days", "90",
        "--entities", "issue", "--json", "--db", str(db),
    )  # fmt: skip
    assert result.code == 0, result.err
    (stream,) = result.summary["sources"][0]["streams"]
    assert (stream["status"], stream["new"], stream["failed"]) == ("completed", 3, 0), stream
    assert route.call_count == 2  # not retried
    with sqlite3.connect(db) as conn:
        titles = [row[0] for row in conn.execute("SELECT title FROM observations")]
    assert any("Fuel \ufffd leak" in t for t in titles), titles


@respx.mock
def test_pages_of_comments_without_an_id_are_not_taken_for_pages_read_again(
    respx_mock: respx.MockRouter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A comment with ``id: null`` was keyed "None": a second page holding only such a comment
    read to the paging guard as a page read again ("repeated only items already read") and
    failed the stream. With no key it leaves the page unjudged; the list reads on, each such
    comment failing alone."""
    monkeypatch.setenv("LINEAR_API_KEY", KEY)
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")

    def comment(ident: str | None) -> dict[str, Any]:
        return {
            "id": ident, "body": "looks good", "createdAt": created, "updatedAt": created,
            "url": "https://linear.app/acme/issue/ENG-42#comment", "user": None,
            "issue": {"id": "i-42", "identifier": "ENG-42", "title": "Crash", "url": None},
        }  # fmt: skip

    pages = {
        None: page("comments", [comment("c-1"), comment(None)], "k-1", True),
        "k-1": page("comments", [comment(None)], "k-2", True),
        "k-2": page("comments", [comment("c-4")], None, False),
    }

    def answer(request: httpx.Request) -> httpx.Response:
        asked = json.loads(request.content)
        if "teams" in asked["query"]:
            return gql_json(TEAM_OK)
        return pages[asked.get("variables", {}).get("after")]

    respx_mock.post(URL).mock(side_effect=answer)
    result = run_cli(
        capsys, "run", "linear:ENG", "--workspace", "demo", "--entities", "comment",
        "--json", "--db", str(tmp_path / "m.db"),
    )  # fmt: skip
    (stream,) = result.summary["sources"][0]["streams"]
    assert (stream["status"], stream["new"], stream["failed"]) == ("completed", 2, 2), stream[
        "error"
    ]
