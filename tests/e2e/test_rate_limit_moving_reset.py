"""GitHub answering its primary limit (403, ``x-ratelimit-remaining: 0``) with an
``x-ratelimit-reset`` 20 s ahead every time it is asked: a real reset moves once an hour
(provider-apis.md §1.5), so a reset waited for and named later again is a broken proxy or
cache. It was waited on 20 s at a time, twelve times for each request (a fresh tester's
finding: "the run never ends"). The source stops after three moves in a row, naming the
header, with a time to resume after; what was stored before is kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import run_cli


def test_a_reset_that_keeps_moving_fails_the_source_naming_the_header(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKFILL_SIM", "github_moving_reset=4,clock=virtual")
    db = tmp_path / "m.db"
    result = run_cli(capsys, "run", "--simulate", "--workspace", "ws", "--days", "7",
                     "--db", str(db), "--json", "github:acme/rocket")  # fmt: skip
    assert result.code == 1, result.err
    (stored,) = result.summary["sources"]
    said = (
        "GitHub: hourly rate limit used up, but the limit kept being reset: x-ratelimit-reset "
        "named a later time on 3 answers in a row (the last 20 s ahead), where a real reset "
        "moves once an hour; until "
    )
    assert stored["error"].startswith(said), stored
    failed = [s for s in stored["streams"] if s["status"] == "failed"]
    assert failed and all(s["error"] == stored["error"] for s in failed), stored
    assert all(s["error"].endswith(" UTC; resume the run after then") for s in failed)
    until = failed[0]["error"].removeprefix(said).split(" UTC")[0]
    last = result.err.splitlines()[-1]
    assert f"To continue it after {until} UTC, the end of a rate limit's wait: " in last, last
    # two streams met it, each waiting three times 20 s at most, not twelve times per request
    assert stored["rate_limit_wait_s"] <= 6 * 20, stored
    assert sum(s["new"] for s in stored["streams"]) > 0, stored  # pages read before are kept
