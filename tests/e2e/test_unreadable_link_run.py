"""A whole run against a simulated GitHub whose second list page says ``Link: garbage`` (option
``github_bad_link``): the stream stores what it read and fails naming the header, where it
completed with the rest of the window unread (a fresh tester's finding); ``resume`` then reads
the rest, and the mirror holds exactly the window."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import ground_truth, run_cli, stored_ids


def test_a_run_meeting_an_unreadable_link_fails_then_resumes_to_the_whole_window(
    tmp_path: Path, anchor: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "m.db"
    plain = f"anchor={anchor},clock=virtual,scale=3"  # three pages of issues and more
    monkeypatch.setenv("BACKFILL_SIM", f"{plain},github_bad_link=2")
    first = run_cli(
        capsys, "run", "github:acme/rocket", "--simulate", "--workspace", "demo", "--days",
        "90", "--entities", "issue", "--json", "--db", str(db),
    )  # fmt: skip
    assert first.code == 1, first.err
    ((stream,),) = [src["streams"] for src in first.summary["sources"]]
    assert stream["status"] == "failed" and stream["pages"] == 2, stream
    assert stream["error"] == (
        "GitHub's Link header could not be read ('garbage'), so it may name a next page; "
        "stopped rather than call the list complete"
    )
    run_id = first.summary["run_id"]
    truth = ground_truth(plain, "github", "acme/rocket", first.summary["since"], {"issue"})
    kept = stored_ids(db)
    assert 0 < len(kept) < len(truth) and set(kept) <= truth
    monkeypatch.setenv("BACKFILL_SIM", plain)  # the header reads again
    resumed = run_cli(capsys, "resume", run_id, "--json", "--db", str(db))
    assert resumed.code == 0, resumed.err
    assert set(stored_ids(db)) == truth
