"""Timestamps written with an offset other than UTC (respx at the HTTP level).

GitHub gives some commit dates in the committer's own zone (``2026-05-02T10:00:00+02:00``),
and Linear can too. Stored as given, such a row sat among rows written in UTC and the mirror's
text compared wrongly: ``ORDER BY occurred_at`` put a commit two hours late, and a window's
``occurred_at >= since`` (the check a user writes in ``sqlite3``) put an item inside the window
outside it. The mirror promises ``occurred_at`` as ISO 8601 with offset (interfaces.md §3) and
writes it in UTC (``+00:00``, README "The mirror"): every provider time is read by one rule
(``connectors.base.provider_time``, and ``models.mirror_time`` for the stored text).
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from support import GITHUB_REPO, run_cli

from backfill_tui.connectors.base import provider_time

API = "https://api.github.com/repos/acme/rocket"
PLUS_2, MINUS_5 = timezone(timedelta(hours=2)), timezone(timedelta(hours=-5))


def _written(moment: datetime, zone: timezone) -> str:
    """The instant as GitHub writes it in ``zone`` (``2026-05-02T10:00:00+02:00``)."""
    return moment.astimezone(zone).isoformat(timespec="seconds")


def _commit(sha: str, date: str) -> dict[str, Any]:
    person = {"name": "Ada", "email": "ada@acme.dev", "date": date}
    return {
        "sha": sha,
        "commit": {"message": f"Commit {sha[:4]}", "author": person, "committer": person},
        "author": {"login": "octo-ada", "id": 583231},
        "parents": [],
    }


def _issue(number: int, updated: str) -> dict[str, Any]:
    return {
        "id": 9000 + number, "number": number, "state": "open", "title": f"Issue {number}",
        "body": "", "user": {"login": "octo-ada", "id": 583231}, "updated_at": updated,
        "created_at": updated, "html_url": f"https://github.com/acme/rocket/issues/{number}",
    }  # fmt: skip


@respx.mock
def test_a_commit_at_plus_two_hours_sorts_by_its_instant_and_windows_rightly(
    respx_mock: respx.MockRouter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_offsetTimeToken000000000000000000000")
    now = datetime.now(UTC).replace(microsecond=0)
    cutoff = now - timedelta(days=30)
    yesterday = (now - timedelta(days=1)).replace(hour=10, minute=0, second=0)
    # A at 10:00 UTC; B at 09:30 UTC, written 11:30+02:00: B is older, its text sorts later.
    a = _commit("a" * 40, _written(yesterday, UTC).replace("+00:00", "Z"))
    b = _commit("b" * 40, _written(yesterday - timedelta(minutes=30), PLUS_2))
    # C half an hour inside the window, written at -05:00: its text is before the cutoff's.
    c = _commit("c" * 40, _written(cutoff + timedelta(minutes=30), MINUS_5))
    commits = [a, b, c]

    def listed(request: httpx.Request) -> httpx.Response:
        # GitHub's since= compares instants, whatever zone each date is written in.
        since = provider_time(request.url.params["since"])
        assert since is not None
        kept = [x for x in commits if provider_time(x["commit"]["committer"]["date"]) >= since]  # type: ignore[operator]
        return httpx.Response(200, json=kept)

    respx_mock.get(API).respond(200, json=GITHUB_REPO)
    respx_mock.get(f"{API}/commits").mock(side_effect=listed)
    # Issues: the window's own check. #1 half an hour outside, written at +02:00 (its text is
    # after the cutoff's); #2 half an hour inside, written at -05:00 (its text is before).
    respx_mock.get(f"{API}/issues").respond(
        200,
        json=[
            _issue(2, _written(cutoff + timedelta(minutes=30), MINUS_5)),
            _issue(1, _written(cutoff - timedelta(minutes=30), PLUS_2)),
        ],
    )
    db = tmp_path / "m.db"
    result = run_cli(
        capsys, "run", "github:acme/rocket", "--workspace", "demo", "--days", "30",
        "--entities", "push,issue", "--json", "--db", str(db),
    )  # fmt: skip
    assert result.code == 0, result.err

    with sqlite3.connect(db) as conn:
        (since,) = conn.execute("SELECT since FROM runs").fetchone()
        rows = conn.execute(
            "SELECT source_id, occurred_at FROM observations ORDER BY occurred_at DESC"
        ).fetchall()
        inside = {
            r[0]
            for r in conn.execute(
                "SELECT source_id FROM observations WHERE occurred_at >= ?", (since,)
            )
        }
    ids = [r[0] for r in rows]
    # Newest first by the instant: A (10:00 UTC) before B (09:30 UTC), then C and issue #2.
    assert ids[:2] == [f"push:acme/rocket:{'a' * 40}", f"push:acme/rocket:{'b' * 40}"], rows
    assert sorted(ids[2:]) == sorted([f"push:acme/rocket:{'c' * 40}", "issue:acme/rocket#2:opened"])
    # Every stored time is in the mirror's form (UTC, +00:00) and keeps its instant.
    assert dict(rows)[f"push:acme/rocket:{'b' * 40}"] == _written(
        yesterday - timedelta(minutes=30), UTC
    )
    assert all(r[1].endswith("+00:00") for r in rows), rows
    # The window, checked on the text as on the instants: C and #2 are inside, #1 is not stored.
    assert inside == set(ids), (since, rows)
    assert "issue:acme/rocket#1:opened" not in ids
