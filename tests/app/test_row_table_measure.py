"""A table cell (``row_table.Cell``) measures as wide as Rich measures the same ``Text``: the
DataTable sizes its columns from this (issue 12 item 11: measured directly, not through Rich)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console
from rich.text import Text
from textual.render import measure

from backfill_tui.widgets.row_table import Cell

CONSOLE = Console(width=200, force_terminal=True, legacy_windows=False)
TEXT = st.text(
    alphabet=st.sampled_from([*"abc XYZ-_#[]/()0123", "é", "日", "本", "🚀", "\n", "\t"]),
    max_size=40,
)


@given(TEXT)
def test_a_cell_measures_as_rich_measures_its_text(plain: str) -> None:
    assert measure(CONSOLE, Cell(plain), 1) == measure(CONSOLE, Text(plain), 1)
    assert measure(CONSOLE, Cell(plain, no_wrap=True, overflow="ellipsis"), 1) == measure(
        CONSOLE, Text(plain, no_wrap=True, overflow="ellipsis"), 1
    )
