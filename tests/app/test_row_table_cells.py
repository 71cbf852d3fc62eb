"""RowTable's direct cell rendering gives the segments Textual's DataTable gets from Rich
(``Styled(Padding(cell))``, one line, no wrap) for any one-line text, width and style."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.padding import Padding
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.renderables.styled import Styled

from backfill_tui.widgets.row_table import cell_text, compose_cell, render_cell

CONSOLE = Console(width=200, color_system="truecolor", force_terminal=True, legacy_windows=False)
STYLES = st.sampled_from(
    [
        Style.null(),
        Style(color="red", bgcolor="black"),
        Style(bold=True) + Style.from_meta({"row": 3, "column": 1}),
        Style(dim=True, color="#336699"),
    ]
)
TEXT = st.text(
    alphabet=st.sampled_from([*"abc XYZ-_#[]/()0123", "é", "ß", "日", "本", "🚀", "Ç"]),
    max_size=40,
)


def rich_cell(cell: Text, width: int, padding: int, pre: Style, post: Style) -> list[Segment]:
    options = CONSOLE.options.update_dimensions(width, 1).update(no_wrap=True)
    lines = CONSOLE.render_lines(Styled(Padding(cell, (0, padding)), pre, post), options)
    return lines[0]


def simple(segments: list[Segment]) -> list[tuple[str, Style]]:
    """Adjacent segments of one style joined, no style as the null style (how they show is
    all that counts)."""
    plain = [Segment(s.text, s.style or Style.null()) for s in segments]
    return [(s.text, s.style or Style.null()) for s in Segment.simplify(plain) if s.text]


@settings(max_examples=300, deadline=None)
@given(
    plain=TEXT,
    width=st.integers(min_value=2, max_value=60),
    padding=st.integers(min_value=0, max_value=2),
    text_style=st.sampled_from(["", "dim", "bold red"]),
    overflow=st.sampled_from([None, "ellipsis", "crop", "fold"]),
    span=st.booleans(),
    pre=STYLES,
    post=STYLES,
)
def test_a_one_line_cell_renders_as_rich_renders_it(
    plain: str,
    width: int,
    padding: int,
    text_style: str,
    overflow: str | None,
    span: bool,
    pre: Style,
    post: Style,
) -> None:
    if width <= 2 * padding:
        padding = 0
    cell = Text(plain, style=text_style, no_wrap=True, overflow=overflow)  # type: ignore[arg-type]
    if span and plain:
        cell.stylize("italic green", 0, max(1, len(plain) // 2))
    ours = render_cell(CONSOLE, cell, width, padding, pre, post)
    assert simple(ours) == simple(rich_cell(cell, width, padding, pre, post))
    assert sum(s.cell_length for s in ours) == width


META = st.builds(
    lambda row, column: Style.from_meta({"row": row, "column": column}),
    st.integers(min_value=-1, max_value=500),
    st.integers(min_value=0, max_value=9),
)
PLAIN_STYLES = st.sampled_from(
    [Style.null(), Style(color="red", bgcolor="black"), Style(dim=True, color="#336699")]
)


@settings(max_examples=400, deadline=None)
@given(
    plain=TEXT,
    width=st.integers(min_value=0, max_value=60),
    padding=st.integers(min_value=0, max_value=2),
    text_style=st.sampled_from(["", "dim", "bold red"]),
    overflow=st.sampled_from([None, "ellipsis", "crop", "fold"]),
    span=st.booleans(),
    row=PLAIN_STYLES,
    component=PLAIN_STYLES,
    post=PLAIN_STYLES,
    meta=META,
)
def test_a_cell_composed_with_its_meta_last_is_the_cell_render_cell_draws(
    plain: str,
    width: int,
    padding: int,
    text_style: str,
    overflow: str | None,
    span: bool,
    row: Style,
    component: Style,
    post: Style,
    meta: Style,
) -> None:
    """RowTable draws a cell from its text cut once (cell_text) and its styles summed with the
    mouse meta added last (compose_cell): the same segments, text and style, one by one, as
    render_cell with Textual's pre-style (row style, meta, then the cell's component style)."""
    if width < 2 * padding:
        padding = 0
    cell = Text(plain, style=text_style, no_wrap=True, overflow=overflow)  # type: ignore[arg-type]
    if span and plain:
        cell.stylize("italic green", 0, max(1, len(plain) // 2))
    inner = max(width - 2 * padding, 0)
    text = cell_text(CONSOLE, cell, inner)
    assert text is not None
    ours = compose_cell(text, inner, padding, row + component, post, meta)
    theirs = render_cell(CONSOLE, cell, width, padding, row + meta + component, post)
    assert [(s.text, s.style) for s in ours] == [(s.text, s.style) for s in theirs]
