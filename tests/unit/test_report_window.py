"""A report's per-day table shows the backfill window only; items observed before the cutoff
(updated in the window, dated by creation) are summed in one line that says why (issue 12
item 10)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support import run_cli

from backfill_tui.engine.report import histogram
from backfill_tui.store import RunRecord


def _run() -> RunRecord:
    return RunRecord(
        "r",
        "ws",
        ["linear:ENG"],
        7,
        "2026-05-25T00:00:00+00:00",
        None,
        1000,
        started_at="2026-06-01T10:00:00+00:00",
    )


def test_older_days_are_summed_in_one_line_with_the_reason() -> None:
    lines = histogram(_run(), {"2025-06-01": 3, "2026-01-10": 2, "2026-05-26": 4})
    days = [line.split("|")[1].strip() for line in lines if line.startswith("| 20")]
    assert days[0] == "2026-05-25" and days[-1] == "2026-06-01" and len(days) == 8
    older = [line for line in lines if line.startswith("Before the window")]
    assert len(older) == 1
    assert "(2025-06-01 to 2026-05-24): 5 observations" in older[0]
    assert "creation time" in older[0]


def test_nothing_older_no_extra_line_and_only_older_still_a_table() -> None:
    assert not any("Before" in line for line in histogram(_run(), {"2026-05-26": 1}))
    only_old = histogram(_run(), {"2024-01-01": 1})
    assert any(line.startswith("| 2026-05-25") for line in only_old)
    assert any("1 observation of items" in line for line in only_old)


def test_a_90_day_linear_report_stays_in_its_window(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "m.db"
    monkeypatch.setenv("BACKFILL_SIM", "clock=virtual")
    made = run_cli(
        capsys,
        "run",
        "linear:ENG",
        "--workspace",
        "w",
        "--simulate",
        "--days",
        "90",
        "--quiet",
        "--json",
        "--db",
        str(db),
    )
    summary = made.summary
    report = run_cli(capsys, "report", summary["run_id"], "--db", str(db)).out
    days = re.findall(r"^\| (\d{4}-\d\d-\d\d) \|", report, re.M)
    assert 90 <= len(days) <= 92  # the window, not a year
    assert min(days) >= summary["since"][:10]
    assert len(re.findall(r"^Before the window", report, re.M)) <= 1
