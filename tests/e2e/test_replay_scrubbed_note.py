"""A recording masks token-shaped provider text (``ghp_…`` in someone's issue title) with
``***``, so its replay stores ``***`` where the recorded run stored the text and ``diff`` of
the two shows those observations changed. What is masked is unchanged (recordings never hold
token-shaped text); the recording now counts the places it masked (never the text), and the
replay's summary and ``diff`` of a replay say that the difference is the recording's (a fresh
tester's finding: "8 changed" with no word of why).

Sentry answered with respx at the HTTP level; the real CLI records, replays and diffs.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
import respx
from support import TOKEN_SHAPED_TEXT, run_cli, sentry_answers_with_token_shaped_titles

from backfill_tui.engine.diff import diff_fetched
from backfill_tui.screens.diff import summary_text
from backfill_tui.store import Mirror

BASE = "http://127.0.0.1:8782"
SHAPED = TOKEN_SHAPED_TEXT
SAID = "the recording replaced 2 token-shaped texts with ***"


@respx.mock(assert_all_called=False)
def test_a_replay_and_its_diff_say_the_recording_masked_token_shaped_text(
    respx_mock: respx.MockRouter,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sentry_answers_with_token_shaped_titles(respx_mock, monkeypatch, BASE, 6, {2, 5})
    orig, copy, rec = tmp_path / "orig.db", tmp_path / "replay.db", tmp_path / "rec.gz"
    run = run_cli(
        capsys, "run", "sentry:acme/api", "--workspace", "w", "--db", str(orig),
        "--record", str(rec), "--json",
    )  # fmt: skip
    assert run.code == 0, run.err
    run_id = run.summary["run_id"]
    # what is masked is as before: the recording never holds the text
    assert SHAPED.encode() not in gzip.decompress(rec.read_bytes())
    assert SAID not in run.out + run.err  # the recorded run itself stored the text
    # the recording's last line says what it masked, and that its replay will differ there
    assert "(masked 2 token-shaped texts as ***: its replay stores *** there)" in run.err

    replay = run_cli(capsys, "replay", str(rec), "--db", str(copy))
    assert replay.code == 0, replay.err
    assert SAID in replay.out, replay.out
    as_json = run_cli(capsys, "replay", str(rec), "--db", str(tmp_path / "j.db"), "--json")
    assert as_json.summary["recording_masked"] == 2

    diff = run_cli(capsys, "diff", f"{orig}:{run_id}", str(copy))
    assert "changed" in diff.out and SAID in diff.out, diff.out
    diffed = run_cli(capsys, "diff", f"{orig}:{run_id}", str(copy), "--json")
    compared = json.loads(diffed.out)
    assert (compared["a"]["recording_masked"], compared["b"]["recording_masked"]) == (0, 2)
    assert any(SAID in note for note in compared["notes"])
    # the app's compare view (Runs: m, d) heads its table with it, on the replay's side
    original, replayed_mirror = Mirror.open(orig, readonly=True), Mirror.open(copy, readonly=True)
    try:
        (a,) = original.list_runs()
        (b,) = replayed_mirror.list_runs()
        heading = summary_text(diff_fetched(original, a, replayed_mirror, b))
    finally:
        original.close()
        replayed_mirror.close()
    assert "recording masked 2 token-shaped texts as ***: those observations differ" in heading, (
        heading
    )
    # the replay's report (Markdown for a support ticket) says it too
    replayed = json.loads(as_json.out)["run_id"]
    report = run_cli(capsys, "report", replayed, "--db", str(tmp_path / "j.db"))
    assert "the recording replaced 2 token-shaped texts with \\*\\*\\*" in report.out, report.out
    # two runs neither of which is a replay: nothing said
    plain = run_cli(capsys, "diff", f"{orig}:{run_id}", f"{orig}:{run_id}")
    assert "token-shaped" not in plain.out


def _retrailed(rec: Path, out: Path, change: dict[str, Any]) -> None:
    """``rec`` written again to ``out`` with its trailer's fields changed (``None``: dropped),
    as a recording made before the trailer counted masked strings (the trailer is not hashed)."""
    lines = gzip.decompress(rec.read_bytes()).splitlines(keepends=True)
    trailer = json.loads(lines[-1])
    for key, value in change.items():
        if value is None:
            trailer.pop(key, None)
        else:
            trailer[key] = value
    lines[-1] = (json.dumps(trailer) + "\n").encode()
    out.write_bytes(gzip.compress(b"".join(lines)))


@respx.mock(assert_all_called=False)
def test_an_older_recording_without_the_count_replays_saying_nothing_of_it(
    respx_mock: respx.MockRouter,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sentry_answers_with_token_shaped_titles(respx_mock, monkeypatch, BASE, 6, {2, 5})
    rec = tmp_path / "rec.gz"
    run = run_cli(
        capsys, "run", "sentry:acme/api", "--workspace", "w", "--db", str(tmp_path / "o.db"),
        "--record", str(rec),
    )  # fmt: skip
    assert run.code == 0, run.err
    older = tmp_path / "older.gz"
    _retrailed(rec, older, {"masked": None})
    replay = run_cli(capsys, "replay", str(older), "--db", str(tmp_path / "r.db"))
    assert replay.code == 0, replay.err
    assert "6 new" in replay.out and "token-shaped" not in replay.out
    edited = tmp_path / "edited.gz"
    _retrailed(rec, edited, {"masked": -1})
    refused = run_cli(capsys, "replay", str(edited), "--db", str(tmp_path / "e.db"))
    assert refused.code == 2 and "masked" in refused.err and len(refused.err.splitlines()) == 1
