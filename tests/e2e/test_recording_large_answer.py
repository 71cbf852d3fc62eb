"""What a run records, a replay reads: one answer larger than the reader's old 32 MiB line
limit (a page of 100 Sentry ``full=true`` events with breadcrumbs was 36 MB) was recorded
("recorded 3 exchanges", exit 0), and its replay was refused as "not a recording this
backfill-tui wrote" (a tester's finding). The reader's line limit is now derived from the
largest answer the HTTP layer accepts (``http.body.MAX_BODY_BYTES``), and an answer past that
fails its stream in one line instead of being recorded (respx)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import respx
from support import run_cli

REPO = "https://api.github.com/repos/acme/rocket"


def _record(capsys: pytest.CaptureFixture[str], tmp_path: Path, repo: bytes) -> tuple[Path, int]:
    rec = tmp_path / "r.rec.gz"
    with respx.mock(assert_all_mocked=True) as github:
        github.get(REPO).respond(200, content=repo, headers={"content-type": "application/json"})
        github.get(url__regex=r"https://api\.github\.com/repos/acme/rocket/\w+").respond(
            200, json=[]
        )
        result = run_cli(
            capsys, "run", "github:acme/rocket", "--workspace", "w",
            "--db", str(tmp_path / "a.db"), "--record", str(rec),
        )  # fmt: skip
    return rec, result.code


def test_an_answer_past_32_mib_is_recorded_and_replayed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "plain-token-without-shape")
    # JSON-escaped twice over, as event payloads holding JSON are: the line swells past the body
    note = '{"crumb": "a \\"quoted\\" step"}, ' * (34 * 1024 * 1024 // 33)
    repo = json.dumps({"id": 7, "full_name": "acme/rocket", "description": note}).encode()
    assert len(repo) > 33 * 1024 * 1024
    rec, code = _record(capsys, tmp_path, repo)
    assert code == 0
    result = run_cli(capsys, "replay", str(rec), "--db", str(tmp_path / "b.db"))
    assert result.code == 0, result.err
    assert "line longer than" not in result.err


def test_the_reader_reads_what_the_largest_answer_makes() -> None:
    from backfill_tui.http.body import MAX_BODY_BYTES
    from backfill_tui.recording.fileformat import MAX_LINE_BYTES

    # a third more (escapes, or base64 where they would swell more), and the exchange's rest
    assert MAX_LINE_BYTES >= MAX_BODY_BYTES * 4 // 3 + 1024 * 1024
