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
        f"note: run {second}'s 4 streams (pull_request, issue, release, push) answered 304 Not "
        f"Modified: unchanged since run {first}, they fetched nothing again, so their items "
        "show as only in the other run"
    ) in text.out
    as_json = json.loads(run_cli(capsys, "diff", first, second, "--db", db, "--json").out)
    assert as_json["a"]["unchanged_streams"] == []
    assert {s["since_run"] for s in as_json["b"]["unchanged_streams"]} == {first}
    assert len(as_json["b"]["unchanged_streams"]) == 4
    assert as_json["counts"]["only_in_b"] == 0 and as_json["counts"]["only_in_a"] > 0
