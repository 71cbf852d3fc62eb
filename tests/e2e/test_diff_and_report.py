"""diff lists exactly what changed between two runs; report describes one run in Markdown."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import respx
from support import run_cli

REPO = {"id": 42, "full_name": "acme/rocket", "html_url": "https://github.com/acme/rocket"}


def pr(number: int, title: str, days_ago: float = 1.0) -> dict[str, Any]:
    when = (datetime.now(UTC) - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "id": 1000 + number,
        "number": number,
        "state": "open",
        "title": title,
        "body": "Some words.",
        "html_url": f"https://github.com/acme/rocket/pull/{number}",
        "created_at": when,
        "updated_at": when,
        "user": {"id": 7, "login": "octocat"},
        "head": {"ref": f"branch-{number}", "sha": f"{number:040x}"},
        "base": {"ref": "main"},
    }


FIRST = [pr(1, "Tidy up docs"), pr(2, "Add the menu", 2), pr(3, "Speed up boot", 3)]
# The second answer: #1 retitled (same length), #2 gone, #4 new, #3 as it was.
SECOND = [pr(1, "Tidy up code"), pr(4, "Add the logo", 2.5), FIRST[2]]


def github_run(
    capsys: pytest.CaptureFixture[str], db: Path, pulls: list[dict[str, Any]], *extra: str
) -> str:
    with respx.mock(assert_all_mocked=True) as github:
        github.get("https://api.github.com/repos/acme/rocket").respond(200, json=REPO)
        github.get("https://api.github.com/repos/acme/rocket/pulls").respond(200, json=pulls)
        result = run_cli(
            capsys,
            "run",
            "github:acme/rocket",
            "--workspace",
            "ws",
            "--entities",
            "pull_request",
            "--db",
            str(db),
            "--json",
            *extra,
        )
    assert result.code in (0, 1), result.err
    return str(result.summary["run_id"])


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_difftesttoken")


def expected_listing(diff: dict[str, Any]) -> None:
    assert diff["counts"] == {"only_in_a": 1, "only_in_b": 1, "changed": 1, "unchanged": 1}
    assert [i["source_id"] for i in diff["only_in_a"]] == ["pr:acme/rocket#2:opened"]
    assert [i["source_id"] for i in diff["only_in_b"]] == ["pr:acme/rocket#4:opened"]
    [change] = diff["changed"]
    assert change["source_id"] == "pr:acme/rocket#1:opened"
    assert change["fields"] == ["title", "content"]  # the body starts with the title


def test_diff_of_two_runs_in_one_mirror(
    tmp_path: Path, token: None, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "m.db"
    # --full: the second run reads the whole window again (a re-sync would fetch only what
    # was updated since the first run started, and these fixtures keep their updated_at).
    first, second = github_run(capsys, db, FIRST), github_run(capsys, db, SECOND, "--full")
    with sqlite3.connect(db) as conn:  # the second run stored only #4; #1 and #3 were duplicates
        stored = conn.execute("SELECT count(*) FROM observations WHERE run_id = ?", (second,))
        assert stored.fetchone()[0] == 1
    result = run_cli(capsys, "diff", first, second, "--db", str(db), "--json")
    assert result.code == 0, result.err
    diff = json.loads(result.out)
    expected_listing(diff)
    assert diff["only_in_a"][0]["title"] == "[PR Opened] Add the menu"
    assert diff["a"]["exact"] and diff["b"]["exact"]

    human = run_cli(capsys, "diff", first, second, "--db", str(db))
    assert human.code == 0
    assert "1 only in A, 1 only in B, 1 changed, 1 unchanged" in human.out
    listed = [line.strip() for line in human.out.splitlines() if line.startswith("  ")]
    assert listed == [
        '- pr:acme/rocket#2:opened  "[PR Opened] Add the menu"',
        '+ pr:acme/rocket#4:opened  "[PR Opened] Add the logo"',
        '~ pr:acme/rocket#1:opened  title, content  "[PR Opened] Tidy up docs"',
    ]


def test_a_change_between_two_later_runs_still_shows_its_title(
    tmp_path: Path, token: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """The mirror stores the first run's version of #1; the second and third runs each fetched
    another body under the same title. Their diff shows that title, read from the stored row,
    where it used to show none (neither run's version is the stored one)."""
    db = tmp_path / "m.db"
    github_run(capsys, db, FIRST)
    second = github_run(capsys, db, [{**FIRST[0], "body": "Second words."}], "--full")
    third = github_run(capsys, db, [{**FIRST[0], "body": "Third words."}], "--full")
    result = run_cli(capsys, "diff", second, third, "--db", str(db), "--json")
    assert result.code == 0, result.err
    [change] = json.loads(result.out)["changed"]
    assert change["fields"] == ["content"]
    assert change["title_a"] == change["title_b"] == "[PR Opened] Tidy up docs"
    human = run_cli(capsys, "diff", second, third, "--db", str(db))
    assert '~ pr:acme/rocket#1:opened  content  "[PR Opened] Tidy up docs"' in human.out
    # A retitled version is not given the stored title: its own is not in the mirror.
    fourth = github_run(capsys, db, [{**FIRST[0], "title": "Tidy up more"}], "--full")
    result = run_cli(capsys, "diff", third, fourth, "--db", str(db), "--json")
    [change] = json.loads(result.out)["changed"]
    assert change["title_a"] == "[PR Opened] Tidy up docs" and change["title_b"] is None


def test_diff_of_two_mirror_files_shows_both_titles(
    tmp_path: Path, token: None, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    first = github_run(capsys, a, FIRST)
    github_run(capsys, b, SECOND)
    result = run_cli(capsys, "diff", f"{a}:{first}", str(b), "--json")
    assert result.code == 0, result.err
    diff = json.loads(result.out)
    expected_listing(diff)
    change = diff["changed"][0]
    assert (change["title_a"], change["title_b"]) == (
        "[PR Opened] Tidy up docs",
        "[PR Opened] Tidy up code",
    )
    same = run_cli(capsys, "diff", str(a), str(a))
    assert "0 only in A, 0 only in B, 0 changed, 3 unchanged" in same.out


def test_diff_of_a_run_recorded_before_run_items_compares_what_it_stored(
    tmp_path: Path, token: None, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "m.db"
    # --full: the second run reads the whole window again (a re-sync would fetch only what
    # was updated since the first run started, and these fixtures keep their updated_at).
    first, second = github_run(capsys, db, FIRST), github_run(capsys, db, SECOND, "--full")
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM run_items WHERE run_id = ?", (first,))
    result = run_cli(capsys, "diff", first, second, "--db", str(db))
    assert "note: run" in result.out and "predates per-run records" in result.out
    assert "1 only in A, 1 only in B, 1 changed, 1 unchanged" in result.out


@pytest.mark.parametrize(
    ("a", "b", "says"),
    [
        ("nosuchrun", "latest.db", "latest.db names no file"),
        ("nosuchrun", "{tmp}", "is a directory, not a mirror file"),  # as other commands say
        ("nosuchrun", "{db}", "no mirror at"),  # a bare run id is looked up in --db
        ("{db}:nosuchrun", "{db}", "no run nosuchrun in"),
    ],
)
def test_diff_refuses_bad_references_in_one_line(
    a: str, b: str, says: str, tmp_path: Path, token: None, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "m.db"
    github_run(capsys, db, FIRST)
    args = [x.format(db=db, tmp=tmp_path) for x in (a, b)]
    result = run_cli(capsys, "diff", *args, "--db", str(tmp_path / "other.db"))
    assert result.code == 2
    assert says in result.err and result.err.count("\n") == 1


def test_report_of_a_run_with_item_failures(
    tmp_path: Path, token: None, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "m.db"
    broken = {**pr(9, "Broken | item"), "number": "nine"}
    run_id = github_run(capsys, db, [*FIRST, broken])
    out = tmp_path / "report.md"
    result = run_cli(capsys, "report", run_id, "--db", str(db), "--output", str(out))
    assert result.code == 0, result.err
    text = out.read_text()
    assert text.startswith(f"# backfill-tui run {run_id}\n")
    assert "| Workspace | ws |" in text
    assert "| Entities | pull_request |" in text
    assert "| github:acme/rocket/pull_request | completed | 4 | 3 | 0 | 1 | 1 | 1 |" in text
    assert "1 item could not become observations" in text
    assert "| github:acme/rocket/pull_request | #nine | " in text
    assert "ghp_difftesttoken" not in text
    histogram = text.split("## Observations per day")[1]
    days = [line for line in histogram.splitlines() if line.startswith("| 20")]
    assert len(days) == 31  # every day from the cutoff to the run's start, zeros included
    counts = {line.split(" | ")[0][2:]: int(line.split(" | ")[1]) for line in days}
    assert sum(counts.values()) == 3
    today = datetime.now(UTC).date()
    for n in (1, 2, 3):
        assert counts[(today - timedelta(days=n)).isoformat()] >= 1


def test_report_of_a_simulated_run_counts_calls_and_waits(
    tmp_path: Path, anchor: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor},rate_limit_every=4,clock=virtual")
    db = tmp_path / "m.db"
    run = run_cli(
        capsys,
        "run",
        "github:acme/rocket",
        "--simulate",
        "--workspace",
        "demo",
        "--db",
        str(db),
        "--json",
    )
    summary = run.summary
    result = run_cli(capsys, "report", summary["run_id"], "--db", str(db))
    assert result.code == 0, result.err
    source = summary["sources"][0]
    calls = source["api_calls"]
    assert f"{calls} API calls in all (retries included)" in result.out
    assert "waiting on rate limits" in result.out and source["rate_limit_wait_s"] > 0
    assert "None: every stream completed" in result.out
    assert "| Simulated | yes (anchor=" in result.out
    missing = run_cli(capsys, "report", "nope", "--db", str(db))
    assert missing.code == 2 and "no run nope" in missing.err


def test_report_says_why_its_two_wait_figures_differ(
    tmp_path: Path, anchor: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Streams of one source wait side by side, and its lookup waits too: the streams' own
    waits do not add up to the time the source waited, and the report showed both (7.9 s and
    5.6 s for one run) with nothing to say why (a fresh tester's finding)."""
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor},rate_limit_every=2,clock=virtual")
    db = tmp_path / "m.db"
    sources = ("github:acme/rocket", "sentry:acme/rocket", "vercel:acme/rocket-web")
    run = run_cli(capsys, "run", *sources, "--simulate", "--workspace", "demo",
                  "--db", str(db), "--json")  # fmt: skip
    assert all(source["rate_limit_wait_s"] > 0 for source in run.summary["sources"]), run.err
    result = run_cli(capsys, "report", run.summary["run_id"], "--db", str(db))
    assert result.code == 0, result.err
    assert "(the time that passed: a wait shared by a source's streams counted once" in (
        result.out
    ), result.out
    assert "the streams' waits above add up to" in result.out


def test_diff_of_runs_scoped_differently_says_so(
    tmp_path: Path, anchor: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Runs of other entities and windows: "46 only in A, 676 only in B" read like data loss,
    with a note only about workspaces (a fresh tester's finding). A note says they fetched
    different things; runs of the same scope get none."""
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor},clock=virtual")
    db = str(tmp_path / "m.db")

    def run(*extra: str) -> str:
        done = run_cli(capsys, "run", "github:acme/rocket", "--simulate", "--workspace", "w",
                       "--quiet", "--json", "--full", "--db", db, *extra)  # fmt: skip
        return str(done.summary["run_id"])

    a = run("--entities", "issue", "--days", "7")
    b = run("--entities", "release,issue", "--days", "90")
    c = run("--entities", "issue", "--days", "7")
    scoped = run_cli(capsys, "diff", a, b, "--db", db)
    assert scoped.code == 0, scoped.err
    assert (
        "note: A and B fetched different things (A: github:acme/rocket; issue; 7 days; "
        "B: github:acme/rocket; issue,release; 90 days): what is only in one may be outside "
        "the other's scope"
    ) in scoped.err, scoped.err
    same = run_cli(capsys, "diff", a, c, "--db", db)
    assert same.code == 0 and "fetched different things" not in same.err, same.err
    assert "same run" not in same.err
    itself = run_cli(capsys, "diff", a, a, "--db", db)
    assert itself.code == 0
    assert itself.err == "" and "the same run: nothing differs" in itself.out, itself  # no note
    as_json = json.loads(run_cli(capsys, "diff", a, b, "--db", db, "--json").out)
    assert (as_json["a"]["entities"], as_json["b"]["depth_days"]) == (["issue"], 90)
