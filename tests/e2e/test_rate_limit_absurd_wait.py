"""A readable but absurd ``Retry-After`` (``Fri, 01 Jan 9999 00:00:00 GMT``) failed the source
saying "asked to wait 69890552 h" and "To continue it after 9999-01-01 00:00 UTC" (a fresh
tester's finding). A wait past a week is said by the time asked and how far off it is, as a
wait no rate limit means, with no time to resume after; a wait of days is said as before
(``test_rate_limit_too_long.py``), until when and resume after then. respx answers Vercel's
deployment list with each ``Retry-After``; the run is the CLI's own, in this process."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
import respx
from support import run_cli

VERCEL = "https://api.vercel.com"


def _limited_run(
    retry_after: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[str, str]:
    """The stored error of a run whose every deployment page answered 429 with
    ``retry_after``, and the run's last line on stderr."""
    with respx.mock(assert_all_mocked=True) as vercel:
        vercel.get(f"{VERCEL}/v9/projects/web").respond(200, json={"id": "prj_1", "name": "web"})
        vercel.get(f"{VERCEL}/v6/deployments").respond(429, headers={"retry-after": retry_after})
        result = run_cli(capsys, "run", "vercel:acme/web", "--workspace", "w",
                         "--db", str(tmp_path / "m.db"), "--json")  # fmt: skip
    assert result.code == 1, result.err
    assert "Traceback" not in result.err
    (source,) = result.summary["sources"]
    return str(source["error"]), result.err.splitlines()[-1]


def test_a_wait_until_the_year_9999_is_said_by_its_date(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VERCEL_TOKEN", "plain-token-without-shape")
    error, last = _limited_run("Fri, 01 Jan 9999 00:00:00 GMT", tmp_path, capsys)
    assert error.startswith(
        "Vercel: rate limited (429), and asked to wait until 9999-01-01 00:00 UTC, "
    ), error
    assert error.endswith(" years away, a wait no rate limit means; resume the run later"), error
    assert " h," not in error and "resume the run after then" not in error, error
    assert "9999" not in last and "To continue it" in last, last


def test_a_wait_of_days_still_says_when_to_resume(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VERCEL_TOKEN", "plain-token-without-shape")
    when = datetime.now(UTC) + timedelta(days=6)
    error, last = _limited_run(format_datetime(when, usegmt=True), tmp_path, capsys)
    assert error.startswith("Vercel: rate limited (429), and asked to wait 14"), error  # 144 h
    assert error.endswith(f"until {when:%Y-%m-%d} {when:%H:%M} UTC; resume the run after then")
    assert f"To continue it after {when:%Y-%m-%d} " in last, last
