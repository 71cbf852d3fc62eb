"""``backfill-tui runs`` lines its columns up by terminal cells: a workspace with a wide
character (an emoji, two cells) or longer than 12 cells shifted its row's next columns (a
fresh tester's finding: `wörk 🚀 space 30d` against `demo         30d`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.cells import cell_len
from support import run_cli


def test_text_cells_counts_wide_and_combining_characters() -> None:
    from backfill_tui.textsafe import ljust_cells, text_cells

    assert text_cells("wörk 🚀 space") == 13
    assert text_cells("wo\u0308rk") == 4  # "ö" as an "o" and a combining diaeresis
    assert text_cells(ljust_cells("🚀", 5)) == 5


def test_the_runs_listing_keeps_its_columns_after_wide_workspaces(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = tmp_path / "m.db"
    for workspace in ("killme", "wörk 🚀 space", "demo"):
        args = ["run", "github:acme/rocket", "--simulate", "--workspace", workspace]
        assert run_cli(capsys, *args, "--days", "7", "--db", str(db)).code == 0
    lines = run_cli(capsys, "runs", "--db", str(db)).out.splitlines()
    assert len(lines) == 3, lines
    # where each row's depth ("7d") begins, in cells: the same on every row
    starts = {cell_len(line[: line.index(" 7d ")]) for line in lines}
    assert len(starts) == 1, lines
