"""``textsafe.ascii_int``: a whole number a person typed, in ASCII digits only."""

from __future__ import annotations

import pytest

from backfill_tui.textsafe import ascii_int, one_line


@pytest.mark.parametrize("text", ["7", " 30 ", "+3", "-1", "0090"])
def test_ascii_int_reads_ascii_digits(text: str) -> None:
    assert ascii_int(text) == int(text)


@pytest.mark.parametrize("text", ["\u0663", "\uff13\uff10", "1_000", "1e3", "", " ", "3.0", "0x10"])
def test_ascii_int_refuses_what_int_alone_would_read_or_anything_else(text: str) -> None:
    with pytest.raises(ValueError):
        ascii_int(text)


@pytest.mark.parametrize(
    "brk", ["\r\n", "\n", "\r", "\v", "\f", "\x1c", "\x85", "\u2028", "\u2029"]
)
def test_one_line_makes_each_line_break_a_space(brk: str) -> None:
    """A provider's line break inside a failure reason or a note printed a line of its own
    (``FAKE: completed, 99 fetched``, a tester's finding)."""
    assert one_line(f"denied{brk}FAKE: completed") == "denied FAKE: completed"
    assert one_line(f"a{brk}").splitlines() == ["a "]
