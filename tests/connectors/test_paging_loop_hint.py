"""A ``Link`` next that points back to page 1: the stream fails (paging stalled), and its last
line said "To continue it: backfill-tui resume ...". Every resume read the page again (3 -> 6
duplicates) and failed the same way (a fresh tester's finding). The provider's paging is at
fault and a resume meets it again, so the last line now says so and what to check, as a
permanent refusal's does, on the run and on a resume. A ``Link`` header that could not be read
(a passing fault: tests/e2e/test_unreadable_link_run.py) still offers resume (respx, the CLI
in this process)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import respx
from support import GITHUB_REPO, run_cli

API = "https://api.github.com/repos/acme/rocket"


def _issues() -> list[dict[str, object]]:
    updated = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return [
        {
            "id": 9000 + n, "number": n, "state": "open", "title": f"Issue {n}", "body": "",
            "user": {"login": "ada", "id": 7}, "updated_at": updated, "created_at": updated,
            "html_url": f"https://github.com/acme/rocket/issues/{n}",
        }
        for n in (3, 2, 1)
    ]  # fmt: skip


def _last(err: str) -> str:
    return err.strip().splitlines()[-1]


@respx.mock
def test_a_next_link_back_to_page_one_says_resume_would_meet_it_again(
    respx_mock: respx.MockRouter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_pagingLoopToken")
    respx_mock.get(API).respond(200, json=GITHUB_REPO)
    back = f'<{API}/issues?state=all&page=1>; rel="next", <{API}/issues?page=1>; rel="first"'
    route = respx_mock.get(f"{API}/issues").respond(200, json=_issues(), headers={"link": back})
    db = str(tmp_path / "m.db")
    first = run_cli(
        capsys, "run", "github:acme/rocket", "--workspace", "demo", "--entities", "issue",
        "--json", "--db", db,
    )  # fmt: skip
    assert first.code == 1, first.err
    (stream,) = first.summary["sources"][0]["streams"]
    assert stream["status"] == "failed" and stream["new"] == 3, stream
    run_id = first.summary["run_id"]
    asked = route.call_count
    resumed = run_cli(capsys, "resume", run_id, "--db", db, "--quiet")
    assert resumed.code == 1
    for result in (first, resumed):
        last = _last(result.err)
        assert "backfill-tui resume" not in last, last
        assert last.startswith(f"run {run_id} failed; what was stored is kept"), last
        assert "resuming would fail the same way" in last, last
        assert "github:acme/rocket: the provider's paging" in last, last
        assert "BACKFILL_GITHUB_API_URL" in last, last
    assert route.call_count > asked  # the resume did read again, and met it again


def _ends_with_the_paging_mend(result_err: str, source: str, setting: str) -> None:
    last = _last(result_err)
    assert "backfill-tui resume" not in last, last
    assert "resuming would fail the same way" in last, last
    assert f"{source}: the provider's paging repeats itself" in last, last
    assert setting in last, last


@respx.mock
def test_linear_saying_more_follow_without_a_cursor_does_not_offer_resume(
    respx_mock: respx.MockRouter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``hasNextPage`` true and no ``endCursor``: a resume asks the same page and is given no
    cursor again."""
    from linear_samples import issue_node

    url = "https://api.linear.app/graphql"
    monkeypatch.setenv("LINEAR_API_KEY", "lin_api_pagingLoopKey0123456789abcdefgh")
    team = {"id": "t-1", "key": "ENG", "name": "Engineering", "organization": {"id": "o-1"}}
    info = {"hasNextPage": True, "endCursor": None}
    respx_mock.post(url).mock(
        side_effect=[
            httpx.Response(200, json={"data": {"teams": {"nodes": [team]}}}),
            httpx.Response(
                200, json={"data": {"issues": {"nodes": [issue_node()], "pageInfo": info}}}
            ),
        ]
    )
    result = run_cli(
        capsys, "run", "linear:ENG", "--workspace", "demo", "--days", "90", "--entities",
        "issue", "--db", str(tmp_path / "m.db"),
    )  # fmt: skip
    assert result.code == 1
    _ends_with_the_paging_mend(result.err, "linear:ENG", "BACKFILL_LINEAR_API_URL")


@respx.mock
def test_a_vercel_until_that_does_not_fall_does_not_offer_resume(
    respx_mock: respx.MockRouter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    vercel = "https://api.vercel.com"
    monkeypatch.setenv("VERCEL_TOKEN", "vc_pagingLoopToken0000000000")
    respx_mock.get(f"{vercel}/v9/projects/rocket-web").respond(
        200, json={"id": "prj_1", "name": "rocket-web", "accountId": "team_1"}
    )
    now = int(datetime.now(UTC).timestamp() * 1000)

    def listing(uid: str, minutes: int, following: int) -> httpx.Response:
        item = {
            "uid": uid, "name": "rocket-web", "url": f"{uid}.vercel.app",
            "created": now - minutes * 60_000, "readyState": "READY", "target": "production",
        }  # fmt: skip
        body = {"deployments": [item], "pagination": {"count": 1, "next": following}}
        return httpx.Response(200, json=body)

    pointer = now - 60_000
    respx_mock.get(f"{vercel}/v6/deployments").mock(
        side_effect=[listing("dpl_a", 1, pointer), listing("dpl_b", 2, pointer)]
    )
    result = run_cli(
        capsys, "run", "vercel:acme/rocket-web", "--workspace", "demo", "--db",
        str(tmp_path / "m.db"),
    )  # fmt: skip
    assert result.code == 1, result.err
    assert "does not move past the last one" in result.err
    _ends_with_the_paging_mend(result.err, "vercel:acme/rocket-web", "BACKFILL_VERCEL_API_URL")


@respx.mock
def test_a_link_header_that_does_not_read_still_offers_resume(
    respx_mock: respx.MockRouter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """It may pass (a proxy's garbled header once): resume reads on (tests/e2e/test_unreadable_link_run.py)."""
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_pagingLoopToken")
    respx_mock.get(API).respond(200, json=GITHUB_REPO)
    respx_mock.get(f"{API}/issues").respond(200, json=_issues(), headers={"link": "garbage"})
    result = run_cli(
        capsys, "run", "github:acme/rocket", "--workspace", "demo", "--entities", "issue",
        "--db", str(tmp_path / "m.db"),
    )  # fmt: skip
    assert result.code == 1
    assert "To continue it: backfill-tui resume" in _last(result.err)
