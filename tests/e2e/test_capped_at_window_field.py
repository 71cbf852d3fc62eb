""" "capped at" names how far the window's own field reached: the last stored item's value of
the field the window is on (Linear's ``updatedAt``, GitHub's ``updated_at``, Sentry's
``lastSeen``...), in the mirror's time form to the second. It named the item's creation date
(``occurredAt``), ten days before a seven-day window, with microseconds shown nowhere else
(a fresh tester's finding: ``linear:ENG --days 7 --max-items 5`` said ``capped at
2026-11-16T20:25:49.482000+00:00`` for a window since Nov 26)."""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import respx
from support import GITHUB_REPO, run_cli

STAMP = "%Y-%m-%dT%H:%M:%SZ"
SOURCES = ["linear:ENG", "github:acme/rocket", "vercel:acme/rocket-web", "sentry:acme/rocket"]


@pytest.mark.parametrize("source", SOURCES)
def test_capped_at_is_within_the_window_to_the_second(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], source: str
) -> None:
    db = tmp_path / "cap.db"
    result = run_cli(
        capsys, "run", source, "--simulate", "--workspace", "cap", "--days", "7",
        "--max-items", "5", "--quiet", "--db", str(db),
    )  # fmt: skip
    assert result.code == 0, result.err
    with sqlite3.connect(db) as conn:
        (since,) = conn.execute("SELECT since FROM runs").fetchone()
    capped = re.findall(r"capped at (\S+)$", result.out, re.MULTILINE)
    assert capped, result.out
    for moment in capped:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", moment), moment
        assert moment >= since[:19], (moment, since)  # within the window


@respx.mock
def test_a_capped_release_stream_names_the_publication_not_the_creation(
    respx_mock: respx.MockRouter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """GitHub lists releases by creation and the window is on publication: a release created
    60 days ago and published 2 days ago is capped at its publication."""
    now = datetime.now(UTC).replace(microsecond=0)
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_cappedReleaseToken")
    api = "https://api.github.com/repos/acme/rocket"
    respx_mock.get(api).respond(200, json=GITHUB_REPO)

    def release(n: int, created: datetime, published: datetime) -> dict[str, object]:
        return {
            "id": n, "tag_name": f"v{n}", "name": f"v{n}", "body": "", "draft": False,
            "prerelease": False, "target_commitish": "main",
            "html_url": f"https://github.com/acme/rocket/releases/tag/v{n}",
            "author": {"login": "octo", "id": 1},
            "created_at": created.strftime(STAMP), "published_at": published.strftime(STAMP),
        }  # fmt: skip

    old = now - timedelta(days=60)
    page = [release(3, old, now - timedelta(days=1)), release(2, old, now - timedelta(days=2))]
    respx_mock.get(f"{api}/releases").respond(200, json=page)
    result = run_cli(
        capsys, "run", "github:acme/rocket", "--workspace", "w", "--days", "30",
        "--entities", "release", "--max-items", "1", "--db", str(tmp_path / "m.db"),
    )  # fmt: skip
    published = (now - timedelta(days=1)).isoformat()
    assert re.search(rf"capped at {re.escape(published)}$", result.out, re.MULTILINE), result.out
