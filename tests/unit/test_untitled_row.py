"""A PR with ``title: null`` in the observations screen's title column (respx at the HTTP
level, the real connector, mirror and the screen's own read and cells): it showed
"[PR Opened]" where every other row's kind prefix was removed (a fresh tester's finding)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import respx
from support import GITHUB_REPO, run_cli

from backfill_tui.screens.observations import first_page, row_cells
from backfill_tui.store import Mirror

API = "https://api.github.com/repos/acme/rocket"


def _pull(number: int, title: str | None) -> dict[str, object]:
    stamp = (datetime.now(UTC) - timedelta(days=number)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "id": 7000 + number, "number": number, "state": "open", "title": title, "body": None,
        "html_url": f"https://github.com/acme/rocket/pull/{number}",
        "user": {"id": 7, "login": "ada"}, "updated_at": stamp, "created_at": stamp,
        "head": {"ref": "feature", "sha": "a" * 40}, "base": {"ref": "main"},
    }  # fmt: skip


@respx.mock
def test_a_null_title_shows_no_prefix_but_no_title(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_untitledRowToken")
    respx.get(API).respond(200, json=GITHUB_REPO)
    respx.get(f"{API}/pulls").respond(200, json=[_pull(1, "Add rockets"), _pull(2, None)])
    db = tmp_path / "m.db"
    result = run_cli(
        capsys, "run", "github:acme/rocket", "--workspace", "demo", "--days", "30",
        "--entities", "pull_request", "--db", str(db),
    )  # fmt: skip
    assert result.code == 0, result.err
    mirror = Mirror.open(db)
    try:
        _count, _cap, rows = first_page(mirror, "demo", None, None, None)
    finally:
        mirror.close()
    stored = {row.title: row_cells(row)[3] for row in rows}
    assert set(stored) == {"[PR Opened] Add rockets", "[PR Opened]"}, stored
    assert stored["[PR Opened] Add rockets"].plain == "Add rockets"
    untitled = stored["[PR Opened]"]
    assert untitled.plain == "(no title)" and str(untitled.style) == "dim"
