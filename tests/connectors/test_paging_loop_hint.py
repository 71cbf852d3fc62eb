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
