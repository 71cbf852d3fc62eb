"""A line folded for a terminal (``cli.options.for_stderr``) never puts a command it suggests
on a line with other words: "backfill-tui resume ID --db d.db (it resumes on" did not paste (a
fresh tester's finding, at 80 columns with a short mirror path)."""

from __future__ import annotations

import pytest

from backfill_tui.cli.options import for_stderr

COMMAND = "backfill-tui resume 20261203-091528-7797 --db /tmp/h8home/d5.db"
LINE = (
    f"run 20261203-091528-7797 cancelled; what was stored is kept. To continue it: {COMMAND} "
    "(it resumes on the simulator settings stored with the run: latency=1.0; set BACKFILL_SIM "
    "to change them)"
)


@pytest.mark.parametrize("columns", [40, 60, 80, 100])
def test_a_folded_line_gives_the_command_a_line_of_its_own(
    monkeypatch: pytest.MonkeyPatch, columns: int
) -> None:
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    monkeypatch.setenv("COLUMNS", str(columns))
    lines = for_stderr(LINE).splitlines()
    assert COMMAND in lines, lines  # the whole line, nothing before or after it
    assert all(len(line) <= columns or line == COMMAND for line in lines), lines
    assert " ".join(line.strip() for line in lines) == LINE


def test_a_line_that_fits_is_left_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    monkeypatch.setenv("COLUMNS", "300")
    assert for_stderr(LINE) == LINE + "\n"


def test_a_command_in_backticks_stays_whole_with_its_backticks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A command in backticks is one word to the fold, never split from its backticks (read as
    a bare command, its closing backtick went to a line of its own)."""
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    monkeypatch.setenv("COLUMNS", "60")
    line = (
        "backfill-tui: error: the recording /tmp/r.rec.gz was not kept: writing it failed (disk "
        f"full: No space left on device); what was stored is kept; free space, then `{COMMAND}`"
    )
    lines = for_stderr(line).splitlines()
    assert any(part.strip() == f"`{COMMAND}`" for part in lines), lines
    assert " ".join(part.strip() for part in lines) == line
