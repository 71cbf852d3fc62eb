"""``textsafe.ascii_int``: a whole number a person typed, in ASCII digits only."""

from __future__ import annotations

import pytest

from backfill_tui.textsafe import ascii_int


@pytest.mark.parametrize("text", ["7", " 30 ", "+3", "-1", "0090"])
def test_ascii_int_reads_ascii_digits(text: str) -> None:
    assert ascii_int(text) == int(text)


@pytest.mark.parametrize("text", ["\u0663", "\uff13\uff10", "1_000", "1e3", "", " ", "3.0", "0x10"])
def test_ascii_int_refuses_what_int_alone_would_read_or_anything_else(text: str) -> None:
    with pytest.raises(ValueError):
        ascii_int(text)
