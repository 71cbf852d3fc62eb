"""``diff X X``, a run compared with itself: of a capped run it listed the run twice, each with
"stopped at the run's cap ..., so items past it may show as only in the other run", beside a
note that it was compared with itself (a fresh tester's finding). Like ``diff f f`` and
``git diff HEAD HEAD``, it is a question with a plain answer, not an error: exit 0, the run
once, the counts and "the same run: nothing differs", no note; ``--json`` has the one note that says so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import run_cli


@pytest.fixture
def capped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, str, int]:
    """A mirror, its one run (some of its streams capped at 5) and how many it stored."""
    db = tmp_path / "m.db"
    done = run_cli(capsys, "run", "github:acme/rocket", "--simulate", "--workspace", "w",
                   "--max-items", "5", "--db", str(db), "--json", "--quiet")  # fmt: skip
    assert done.code == 0, done.err
    assert any(s["capped"] for s in done.summary["sources"][0]["streams"]), done.summary
    (source,) = done.summary["sources"]
    return db, str(done.summary["run_id"]), sum(s["new"] for s in source["streams"])


@pytest.mark.parametrize("how", ["ids", "paths", "path and id"])
def test_a_run_compared_with_itself_says_nothing_differs_and_no_note(
    capped: tuple[Path, str, int], how: str, capsys: pytest.CaptureFixture[str]
) -> None:
    db, run_id, stored = capped
    a, b = {
        "ids": (run_id, run_id),
        "paths": (str(db), str(db)),
        "path and id": (str(db), f"{db}:{run_id}"),
    }[how]
    result = run_cli(capsys, "diff", a, b, "--db", str(db))
    assert result.code == 0, result.err
    assert result.err == "", result.err
    first, counts, second = result.out.splitlines()
    assert counts == f"0 only in A, 0 only in B, 0 changed, {stored} unchanged", counts
    assert first.startswith(f"A and B are the same run: run {run_id} in "), first
    assert second.startswith("the same run: nothing differs (`backfill-tui runs --db "), second
    assert "cap" not in result.out and "other run" not in result.out


def test_its_json_has_only_the_same_run_note(
    capped: tuple[Path, str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    db, run_id, _ = capped
    result = run_cli(capsys, "diff", run_id, run_id, "--db", str(db), "--json")
    assert result.code == 0 and result.err == "", result.err
    data = json.loads(result.out)
    assert data["notes"] == [f"A and B are the same run ({run_id}): it is compared with itself"]
    assert data["counts"]["only_in_a"] == data["counts"]["only_in_b"] == 0
    assert data["a"]["capped_streams"], data["a"]  # the facts stay; only the notes go
