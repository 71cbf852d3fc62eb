"""A provider's message inside one of our one-line messages stays on that line (respx at the
HTTP level, the real CLI): error messages in 403, 409 and 410 answers holding
``\\r\\nFAKE: completed, 99 fetched`` showed as a status line of their own on stderr and in the
summary (a tester's finding)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import respx
from support import GITHUB_REPO, run_cli

API = "https://api.github.com/repos/acme/rocket"
FAKE = "\u202eabc\r\nFAKE: completed, 99 fetched\u2028FAKE2\x85FAKE3\x1b[31m red"


@respx.mock
def test_a_providers_line_breaks_never_start_a_line_of_their_own(
    respx_mock: respx.MockRouter,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_oneLineToken")
    respx_mock.get(API).respond(200, json=GITHUB_REPO)
    respx_mock.get(f"{API}/pulls").respond(403, json={"message": f"Denied {FAKE}"})
    respx_mock.get(f"{API}/commits").respond(409, json={"message": f"Conflict {FAKE}"})
    respx_mock.get(f"{API}/issues").respond(410, json={"message": f"Gone {FAKE}"})
    db = tmp_path / "m.db"
    result = run_cli(
        capsys, "run", "github:acme/rocket", "--workspace", "demo", "--days", "30",
        "--entities", "pull_request,push,issue", "--json", "--db", str(db),
    )  # fmt: skip
    assert result.code == 1, result.err
    for line in (result.err + result.out).splitlines():
        assert not line.lstrip().startswith("FAKE"), (line, result.err)
    streams = {s["entity"]: s for s in result.summary["sources"][0]["streams"]}
    assert streams["pull_request"]["status"] == "failed"
    assert streams["push"]["status"] == "failed"
    assert "Denied" in streams["pull_request"]["error"]
    assert "Conflict" in streams["push"]["error"]
    for stream in ("pull_request", "push"):
        error = streams[stream]["error"]
        assert "abc FAKE: completed, 99 fetched FAKE2 FAKE3" in error, error
    note = streams["issue"]["note"]  # the 410's: issues turned off, GitHub's message quoted
    assert "Gone <U+202E>abc FAKE: completed, 99 fetched FAKE2 FAKE3 red" in note, note
    summary = json.dumps(result.summary)
    assert "\\r" not in summary and "\\n" not in summary and "\\u2028" not in summary
    # nor an escape sequence: it reached the terminal through replay's last line and the log,
    # and was stored (a tester's finding)
    assert "\\u001b" not in summary
    with sqlite3.connect(db) as conn:
        stored = [r[0] or "" for r in conn.execute("SELECT coalesce(error, note) FROM streams")]
    assert stored and not any("\x1b" in text or "\r" in text for text in stored), stored
    shown = run_cli(  # the progress display's lines, without --json
        capsys, "run", "github:acme/rocket", "--workspace", "demo", "--days", "30",
        "--entities", "pull_request,push,issue", "--db", str(tmp_path / "shown.db"),
    )  # fmt: skip
    assert "Denied" in shown.err and "Gone" in shown.err, shown.err
    for line in (shown.err + shown.out).splitlines():
        assert not line.lstrip().startswith(("FAKE", "abc")), (line, shown.err)
