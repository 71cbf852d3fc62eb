"""A bad BACKFILL_SIM value is echoed as the user typed it, not as converted ("faults=2" said
"got '2.0'", a fresh tester's finding); still one line, exit 2, no mirror made."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import simulated_run


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("faults=2", "option 'faults' must be a fraction from 0 to 1, got '2'"),
        ("latency=1e400", "option 'latency' must be seconds from 0 to 60, got '1e400'"),
        ("scale=-0", "option 'scale' must be a number > 0 and at most 10,000, got '-0'"),
        (
            "tokens=10",
            "option 'tokens' must be a whole number from 1 to 9 (not with 'token'), got '10'",
        ),
        ("quota=0", "option 'quota' must be a whole number from 1 to 1,000,000,000, got '0'"),
    ],
)
def test_a_bad_value_is_echoed_as_typed(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    typed: str,
    said: str,
) -> None:
    monkeypatch.setenv("BACKFILL_SIM", typed)
    result = simulated_run(capsys, tmp_path / "m.db")
    assert result.code == 2
    assert result.err == f"backfill-tui: error: BACKFILL_SIM: simulator {said}\n"
    assert not (tmp_path / "m.db").exists()
