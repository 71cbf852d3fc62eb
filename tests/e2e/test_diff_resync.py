"""``diff`` of a run and its unchanged re-sync says why everything is "only in A".

The re-sync's GitHub streams answered 304 Not Modified and fetched nothing, so by what each run
fetched the first run holds every item alone: true, but it read as if the re-sync lost them (a
tester's finding). Each side now names its streams a 304 completed and the run they were
unchanged since, in the text, in ``--json`` and on the app's compare screen (same line).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import run_cli


def test_a_diff_with_an_unchanged_resync_says_its_streams_answered_304(
    tmp_path: Path, anchor: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor}")
    db = str(tmp_path / "m.db")
    args = ("run", "github:acme/rocket", "--simulate", "--workspace", "demo", "--json", "--db", db)
    first = json.loads(run_cli(capsys, *args).out)["run_id"]
    second = json.loads(run_cli(capsys, *args).out)["run_id"]

    text = run_cli(capsys, "diff", first, second, "--db", db)
    assert text.code == 0, text.err
    assert (
        f"note: run {second}'s 4 streams (github:acme/rocket: pull_request, issue, release, "
        "push) answered 304 Not "
        f"Modified: unchanged since run {first}, they fetched nothing again, so their items "
        "show as only in the other run"
    ) in text.out
    as_json = json.loads(run_cli(capsys, "diff", first, second, "--db", db, "--json").out)
    assert as_json["a"]["unchanged_streams"] == []
    assert {s["since_run"] for s in as_json["b"]["unchanged_streams"]} == {first}
    assert len(as_json["b"]["unchanged_streams"]) == 4
    assert as_json["counts"]["only_in_b"] == 0 and as_json["counts"]["only_in_a"] > 0


def _runs(capsys: pytest.CaptureFixture[str], db: str, *extra: str) -> str:
    args = ("run", "github:acme/rocket", "sentry:acme/rocket", "--simulate", "--workspace",
            "demo", "--json", "--quiet", "--db", db, *extra)  # fmt: skip
    result = run_cli(capsys, *args)
    assert result.code == 0, result.err
    return str(json.loads(result.out)["run_id"])


def test_a_diff_with_a_narrowed_resync_says_what_it_did_not_read(
    tmp_path: Path, anchor: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A re-sync narrowed to a gap (the gap rule: only items updated since the earlier run's
    start less a margin) that fetched: a release list of several pages keeps no validator, so
    it is asked again from that instant and reads nothing older. "1523 only in A" came with no
    note and ``"exact": true`` (a fresh tester's finding)."""
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor},scale=5")
    db = str(tmp_path / "m.db")
    first, second = _runs(capsys, db), _runs(capsys, db)
    text = run_cli(capsys, "diff", first, second, "--db", db)
    assert text.code == 0, text.err
    narrowed = [line for line in text.out.splitlines() if "re-synced run" in line]
    assert narrowed == [
        f"   note: run {second}'s 1 stream (github:acme/rocket: release) re-synced run {first}, "
        f"reading only items updated since {narrowed[0].split('since ')[1][:16]} UTC, so items "
        "not updated since then show as only in the other run"
    ]
    as_json = json.loads(run_cli(capsys, "diff", first, second, "--db", db, "--json").out)
    assert as_json["a"]["narrowed_streams"] == [] and not as_json["b"]["exact"]
    (stream,) = as_json["b"]["narrowed_streams"]
    assert stream["stream"] == "github:acme/rocket/release" and stream["resync_of"] == first
    assert narrowed[0].removeprefix("   note: ") in as_json["notes"]


def test_a_diff_with_a_capped_run_names_its_streams_by_source(
    tmp_path: Path, anchor: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run capped by ``--max-items`` beside a whole one: its capped streams, each named with
    its source (two sources: "issue" alone named neither), and ``exact`` false. It said
    ``notes: []`` and ``exact: true`` (a fresh tester's finding)."""
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor}")
    db = str(tmp_path / "m.db")
    whole, capped = _runs(capsys, db, "--full"), _runs(capsys, db, "--full", "--max-items", "20")
    result = run_cli(capsys, "diff", whole, capped, "--db", db, "--json")
    assert result.code == 0, result.err
    as_json = json.loads(result.out)
    assert as_json["a"]["exact"] and not as_json["b"]["exact"]
    streams = [s["stream"] for s in as_json["b"]["capped_streams"]]
    assert "github:acme/rocket/issue" in streams and "sentry:acme/rocket/issue" in streams
    (note,) = as_json["notes"]
    assert note.startswith(f"run {capped}'s {len(streams)} streams (github:acme/rocket: ")
    assert "; sentry:acme/rocket: " in note
    assert note.endswith(
        "stopped at the run's cap of 20 items a stream (--max-items), so items past it may "
        "show as only in the other run"
    )
    text = run_cli(capsys, "diff", whole, capped, "--db", db)
    assert f"   note: {note}" in text.out.splitlines() and note not in text.err
