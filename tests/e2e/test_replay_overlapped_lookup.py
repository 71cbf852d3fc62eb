"""A replay asks what the recorded run asked, however its lookups and first pages interleave.

A source's lookup runs beside its streams' first pages (issue 13, API time). Recorded against a
provider with latency, a Vercel stream's first page goes out before the project lookup has
answered; replayed, the recording answers the lookup at once. The stream's requests must not
depend on which came first, or the replay asks for pages the recording never held (bench/replay.py
met this: the Vercel stream failed with "the recording has no answer for GET /v6/deployments").
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support import observation_rows, run_cli, stream_counts

from backfill_tui.connectors import PROVIDERS


@pytest.mark.skipif("vercel" not in PROVIDERS, reason="no Vercel connector registered")
def test_a_recording_made_with_latency_replays_every_stream(
    tmp_path: Path, anchor: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Real latency on the real clock: the lookup's answer arrives after the first page was asked.
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor},latency=0.05,clock=real")
    original, rec = tmp_path / "original.db", tmp_path / "run.rec.gz"
    recorded = run_cli(
        capsys, "run", "vercel:acme/rocket-web", "--simulate", "--workspace", "demo",
        "--days", "7", "--json", "--db", str(original), "--record", str(rec),
    )  # fmt: skip
    assert recorded.code == 0, recorded.err
    monkeypatch.delenv("BACKFILL_SIM")
    replayed = run_cli(capsys, "replay", str(rec), "--json", "--db", str(tmp_path / "replay.db"))
    assert replayed.code == 0, replayed.err
    assert replayed.summary["status"] == "completed"
    assert stream_counts(replayed.summary) == stream_counts(recorded.summary)
    assert observation_rows(tmp_path / "replay.db") == observation_rows(original)
