"""The headless summary's line for a capped stream: ``1 page, capped at <cursor>``, with no
stray space before the comma (the word ``page`` was padded to ``pages``' width)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support import run_cli


def test_a_capped_one_page_stream_reads_1_page_comma_capped_at(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(
        capsys, "run", "github:acme/rocket", "--simulate", "--workspace", "w", "--days", "7",
        "--max-items", "5", "--quiet", "--db", str(tmp_path / "m.db"),
    )  # fmt: skip
    assert result.code == 0, result.err
    lines = [line for line in result.out.splitlines() if "capped at" in line]
    assert lines, result.out
    for line in lines:
        assert re.search(r"\b1 page, capped at \S+$", line), line
    assert " , " not in result.out
