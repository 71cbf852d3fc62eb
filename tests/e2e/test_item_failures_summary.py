"""A run whose items failed says the first reason and where the rest are, in its summary.

A fresh tester's finding: a stand-in GitHub answering 3 items, each malformed, gave
``issue completed 3 fetched 0 new 0 dup 3 failed 1 page``, exit 0, and nothing pointing at
the reasons (kept only for ``report``). The stream stays completed and the run exits 0 (see
README's exit statuses: an item the provider sent malformed is the provider's data, which a
retry would fetch the same), but the summary names the first reason and the command listing
them all. respx at the HTTP level, the real CLI.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import respx
from support import run_cli
from test_diff_and_report import REPO, pr

TOKEN = "ghp_itemFailureToken42"


def _run(capsys: pytest.CaptureFixture[str], db: Path, *extra: str):  # type: ignore[no-untyped-def]
    broken = [{**pr(n, f"Broken {TOKEN}"), "number": f"n{n}-{TOKEN}"} for n in (1, 2, 3)]
    with respx.mock(assert_all_mocked=True) as github:
        github.get("https://api.github.com/repos/acme/rocket").respond(200, json=REPO)
        github.get("https://api.github.com/repos/acme/rocket/pulls").respond(200, json=broken)
        return run_cli(
            capsys, "run", "github:acme/rocket", "--workspace", "ws", "--entities",
            "pull_request", "--db", str(db), *extra,
        )  # fmt: skip


def test_failed_items_are_named_in_the_summary_with_the_report_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    result = _run(capsys, tmp_path / "m.db")
    assert result.code == 0, result.err
    lines = [line.strip() for line in result.out.splitlines()]
    at = next(n for n, line in enumerate(lines) if line.startswith("pull_request"))
    assert " 3 failed " in lines[at], lines
    said = lines[at + 1]
    assert said.startswith("3 items failed, the first: "), lines
    run_id = next(line for line in lines if line.startswith("run ")).split()[1]
    assert f"`backfill-tui report {run_id} --db {tmp_path / 'm.db'}` lists them all" in said
    assert TOKEN not in result.out + result.err

    json_run = _run(capsys, tmp_path / "j.db", "--json")
    [stream] = json_run.summary["sources"][0]["streams"]
    assert stream["failed"] == 3 and stream["status"] == "completed"
    assert stream["first_failure"] and TOKEN not in stream["first_failure"]
