"""Two Sentry organizations' projects of one slug share production's sourceId namespace
(``sentry-issue:{project slug}:{shortId}:{action}``, interfaces.md): the second org's issues
are stored as duplicates of the first's, as production would store them. The format stays;
the run says so before (the stream's note, set as it is planned) and after (the summary and
the stream's note in the mirror), rather than a bare "dup" count (a fresh tester's finding).

Sentry answered with respx at the HTTP level, two orgs (``orga``, ``orgb``) each with project
``api`` whose issues are ``API-1``…``API-6`` (a shortId comes from the project's slug).
"""

from __future__ import annotations

import json
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from linear_samples import issue_node
from support import run_cli

from backfill_tui.engine.shared_ids import shared_notes
from backfill_tui.store import Mirror

BASE = "http://127.0.0.1:8781"
SHARED = "share project slug api"


def _issues(org: str) -> list[dict[str, Any]]:
    seen = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    project = {"id": "7" if org == "orga" else "8", "slug": "api", "name": "api"}
    return [
        {
            "id": f"{org}{n}",
            "shortId": f"API-{n}",
            "title": f"KeyError: '{org}{n}'",
            "status": "unresolved",
            "lastSeen": seen,
            "metadata": {"type": "KeyError", "value": "'k'"},
            "project": project,
        }
        for n in range(1, 7)
    ]


def _mock(respx_mock: respx.MockRouter, *orgs: str) -> None:
    for org in orgs:
        ident = "7" if org == "orga" else "8"
        respx_mock.get(f"{BASE}/api/0/projects/{org}/api/").respond(
            200, json={"id": ident, "slug": "api", "name": "api"}
        )
        respx_mock.get(f"{BASE}/api/0/organizations/{org}/issues/").mock(
            return_value=httpx.Response(200, json=_issues(org))
        )
        respx_mock.get(f"{BASE}/api/0/projects/{org}/api/events/").respond(200, json=[])


@pytest.fixture
def sentry_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENTRY_AUTH_TOKEN", "sntrys_test_token_value")
    monkeypatch.setenv("BACKFILL_SENTRY_API_URL", BASE)


@respx.mock(assert_all_called=False)
def test_two_orgs_projects_of_one_slug_in_one_run_are_said_to_share_source_ids(
    respx_mock: respx.MockRouter,
    sentry_env: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _mock(respx_mock, "orga", "orgb")
    db = tmp_path / "sx.db"
    args = ("--workspace", "sx", "--db", str(db))
    result = run_cli(capsys, "run", "sentry:orga/api", "sentry:orgb/api", *args)
    assert result.code == 0, result.err
    # stored once, as production would: the format is kept
    assert "6 new" in result.out and "6 dup" in result.out
    # and said: before (stderr, as the run starts) and in the summary
    assert SHARED in result.err
    assert SHARED in result.out
    assert "sentry:orga/api" in result.out and "sentry:orgb/api" in result.out
    # the streams' notes in the mirror (the dashboard's rows and `report` read them): the
    # issue streams only (errors are named by the project's numeric id, unique across orgs)
    with closing(Mirror.open(db, readonly=True)) as mirror:
        (run,) = mirror.list_runs()
        notes = {s.key: s.note for s in mirror.streams(run.id)}
    shared = sorted(key for key, note in notes.items() if note and SHARED in note)
    assert shared == ["sentry:orga/api/issue", "sentry:orgb/api/issue"]


@respx.mock(assert_all_called=False)
def test_a_workspaces_earlier_source_of_another_org_is_said_too(
    respx_mock: respx.MockRouter,
    sentry_env: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _mock(respx_mock, "orga", "orgb")
    db = tmp_path / "sx.db"
    args = ("--workspace", "sx", "--db", str(db), "--entities", "issue")
    first = run_cli(capsys, "run", "sentry:orga/api", *args)
    assert first.code == 0 and SHARED not in first.out + first.err
    second = run_cli(capsys, "run", "sentry:orgb/api", *args)
    assert second.code == 0, second.err
    assert SHARED in second.out and "sentry:orga/api" in second.out
    # another workspace's sources share nothing with this one's
    other = run_cli(capsys, "run", "sentry:orgb/api", "--workspace", "other", "--db", str(db))
    assert SHARED not in other.out + other.err


LINEAR = "http://127.0.0.1:8784/graphql"


def _linear(respx_mock: respx.MockRouter, organization: str, identifiers: list[str]) -> None:
    """Linear's GraphQL endpoint as a team ENG of ``organization`` holding ``identifiers``."""
    updated = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    team = {"id": f"t-{organization}", "key": "ENG", "name": "Engineering"}
    issues = []
    for identifier in identifiers:
        node = issue_node()
        node.update(
            id=f"{organization}-{identifier}",
            identifier=identifier,
            number=int(identifier.split("-")[1]),
            title=f"{organization} {identifier}",
            createdAt=updated,
            updatedAt=updated,
        )
        node["team"] = {**node["team"], **team}
        issues.append(node)

    def answer(request: httpx.Request) -> httpx.Response:
        query = json.loads(request.content)["query"]
        if "teams" in query:
            nodes = [{**team, "organization": {"id": organization}}]
            return httpx.Response(200, json={"data": {"teams": {"nodes": nodes}}})
        root = "issues" if "issues(" in query else "comments" if "comments(" in query else None
        end = {"hasNextPage": False, "endCursor": None}
        found = issues if root == "issues" else []
        data = {root or "projects": {"nodes": found, "pageInfo": end}}
        return httpx.Response(200, json={"data": data})

    respx_mock.post(LINEAR).mock(side_effect=answer)


@respx.mock(assert_all_called=False)
def test_a_linear_team_key_of_another_organization_in_the_workspace_is_said(
    respx_mock: respx.MockRouter,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("LINEAR_API_KEY", "lin_api_T3stKeyValue0123456789abcdefghij")
    monkeypatch.setenv("BACKFILL_LINEAR_API_URL", LINEAR)
    db = tmp_path / "lx.db"
    args = ("--workspace", "lx", "--db", str(db), "--entities", "issue", "--json", "--full")
    _linear(respx_mock, "org-a", ["ENG-1", "ENG-2"])
    first = run_cli(capsys, "run", "linear:ENG", *args)
    assert first.code == 0, first.err
    assert "another organization" not in first.out + first.err
    again = run_cli(capsys, "run", "linear:ENG", *args)  # the same organization again
    assert again.code == 0 and "another organization" not in again.out + again.err
    respx_mock.reset()
    respx_mock.routes.clear()
    _linear(respx_mock, "org-b", ["ENG-1", "ENG-3"])  # another organization's key, same team key
    second = run_cli(capsys, "run", "linear:ENG", *args)
    assert second.code == 0, second.err
    (stream,) = second.summary["sources"][0]["streams"]
    assert (stream["new"], stream["duplicates"]) == (1, 1)  # ENG-1 stored once, as production
    note = stream["note"] or ""
    assert "another organization's team" in note and first.summary["run_id"] in note, note
    assert "team key ENG" in note


def test_many_sources_of_one_slug_are_named_a_few_and_counted() -> None:
    sources = [f"sentry:org{n}/api" for n in range(40)]
    notes = shared_notes(sources[:1], sources)
    (note,) = notes.values()
    assert note.startswith("sentry:org0/api, sentry:org1/api, sentry:org2/api and 37 more share")
