"""Two Sentry organizations' projects of one slug share production's sourceId namespace
(``sentry-issue:{project slug}:{shortId}:{action}``, interfaces.md): the second org's issues
are stored as duplicates of the first's, as production would store them. The format stays;
the run says so before (the stream's note, set as it is planned) and after (the summary and
the stream's note in the mirror), rather than a bare "dup" count (a fresh tester's finding).

Sentry answered with respx at the HTTP level, two orgs (``orga``, ``orgb``) each with project
``api`` whose issues are ``API-1``…``API-6`` (a shortId comes from the project's slug).
"""

from __future__ import annotations

from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from support import run_cli

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
