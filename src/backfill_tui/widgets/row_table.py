"""A :class:`DataTable` whose one-line text cells render about four times faster.

Textual's DataTable renders every cell through Rich's general path (a ``Padding`` inside a
``Styled``, each rendered to lines, split, cropped and padded): ~0.3 ms a cell, so a screen of
30 rows of 5 cells costs ~50 ms whenever the rows are drawn again (a search, a page down, the
detail pane opening and narrowing the table, the focus moving). bench/app_scale.py found it the
largest part of a key's cost on the observations screen (issue 12 item 11). For the cells the
app's tables hold (a single line of ``Text`` or ``str`` in a row one line high) this renders the
same segments directly: the text cut to the cell, its own style under its spans, the padding,
then the row's styles around it, as ``Styled(Padding(cell))`` does. Anything else (headers, row
labels, several lines, other renderables, justified text) takes Textual's own path.

The cells it draws are kept across a resize of the table: Textual's DataTable forgets every
cell drawn when its size changes (``_update_count``), so opening or closing the observation
detail pane, which narrows or widens the table, drew all its visible cells again. A cell's
drawing depends on its value, its column's width and its styles, not the table's width; it is
kept by those (the value by identity: a changed cell is a new object), and forgotten when the
styles change (a theme).

Past 400 lines on purpose: each part replaces one step of Textual's own drawing of a row (its
styles read once, its line, its cells, their widths, the fill and capped columns), and they
share one drawing's snapshot (``_Pass``); apart, each would reach into the others' state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.console import Console, ConsoleOptions
from rich.measure import Measurement
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual._types import SegmentLines
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.color import Color
from textual.coordinate import Coordinate
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets._data_table import Column, ColumnKey, CursorType, RowKey

__all__ = ["Cell", "RowTable", "render_cell"]

_NULL = Style.null()


class Cell(Text):
    """A one-line ``Text`` cell whose width is measured as its length: a DataTable measures
    every cell of every new row for its columns' widths (``_update_dimensions``), and Rich's
    general measure (lines split, words measured) was a tenth of a search's key at 250,000
    observations (bench/app_scale.py). A cell with a line break is measured as Rich does."""

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        if "\n" in self.plain:
            return super().__rich_measure__(console, options)
        width = self.cell_len
        return Measurement(width, width)


class RowTable(DataTable[Text | str]):
    """A DataTable for rows of one-line text cells (see the module docstring).

    Its rows are what one moves through: home and end go to the first and last row (in
    Textual's DataTable they scroll sideways, and only ctrl+home and ctrl+end move the
    cursor), and j and k move down and up as in less, lazygit and k9s."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("home", "scroll_top", "First row", show=False),
        Binding("end", "scroll_bottom", "Last row", show=False),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    _drawn: LRUCache[tuple[object, ...], tuple[object, SegmentLines]] | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._measured: dict[ColumnKey, int] = {}

    #: What one drawing of the table (:meth:`render_lines`) reads once: Textual's DataTable
    #: reads the widget's style (a walk up the DOM for its background), each row's and the
    #: header's component style and some ten reactives again for every line and cell; that
    #: was two thirds of a redraw, ~1.2 ms a line (bench/app_scale.py "search").
    _pass: _Pass | None = None

    def render_lines(self, crop: Region) -> list[Strip]:
        self._pass = self._snapshot()
        try:
            return super().render_lines(crop)
        finally:
            self._pass = None

    def _snapshot(self) -> _Pass:
        return _Pass(
            styles={},
            cell_styles={},
            padding=self.cell_padding,
            show_cursor=self.show_cursor,
            show_hover=self._show_hover_cursor,
            fg_css=self.cursor_foreground_priority == "css",
            bg_css=self.cursor_background_priority == "css",
            fixed_rows=self.fixed_rows,
            fixed_columns=self.fixed_columns,
            cursor_type=self.cursor_type,
            console=self.app.console,
            widths=[self._render_width(column) for column in self.ordered_columns],
            width=self.size.width,
        )

    @property
    def rich_style(self) -> Style:
        drawing = self._pass
        if drawing is None:
            return super().rich_style
        style = drawing.styles.get("")
        if style is None:
            style = drawing.styles[""] = super().rich_style
        return style

    def _component_style(self, drawing: _Pass, name: str) -> Style:
        style = drawing.styles.get(name)
        if style is None:
            style = drawing.styles[name] = self.get_component_styles(name).rich_style
        return style

    def _get_row_style(self, row_index: int, base_style: Style) -> Style:
        drawing = self._pass
        if drawing is None or row_index < max(drawing.fixed_rows, 0) or not self.zebra_stripes:
            return super()._get_row_style(row_index, base_style)
        name = "datatable--odd-row" if row_index % 2 else "datatable--even-row"
        return self._component_style(drawing, name)

    def _render_line_in_row(
        self,
        row_key: RowKey,
        line_no: int,
        base_style: Style,
        cursor_location: Coordinate,
        hover_location: Coordinate,
    ) -> tuple[SegmentLines, SegmentLines]:
        """Textual's, with what a drawing reads once taken from :attr:`_pass`, for a table
        with no fixed columns and no row labels (the others take Textual's own path)."""
        drawing = self._pass
        if (
            drawing is None
            or drawing.fixed_columns
            or (self._labelled_row_exists and self.show_row_labels)
        ):
            return super()._render_line_in_row(
                row_key, line_no, base_style, cursor_location, hover_location
            )
        cursor_type = drawing.cursor_type
        cache_key = (
            row_key,
            line_no,
            base_style,
            cursor_location,
            hover_location,
            cursor_type,
            drawing.show_cursor,
            drawing.show_hover,
            self._update_count,
            self._pseudo_class_state,
        )
        cached = self._row_render_cache.get(cache_key)
        if cached is not None:
            return cached
        row_index = self._row_locations.get(row_key)
        if row_index is None:
            row_index = -1
        row_style = self._get_row_style(row_index, base_style)
        highlight = self._should_highlight
        scrollable_row: list[list[Segment]] = []
        for column_index, width in enumerate(drawing.widths):
            if not width:
                continue  # a hidden column (cap_columns({column: 0}))
            cell = Coordinate(row_index, column_index)
            lines = self._render_cell(
                row_index,
                column_index,
                row_style,
                width,
                cursor=highlight(cursor_location, cell, cursor_type),
                hover=highlight(hover_location, cell, cursor_type),
            )
            scrollable_row.append(lines[line_no])
        remaining = max(0, drawing.width - sum(drawing.widths) - self._row_label_column_width)
        if cursor_type == "row":
            extend_style, _ = self._cell_styles(
                drawing,
                row_index == -1,
                highlight(hover_location, Coordinate(row_index or 0, 0), cursor_type),
                row_index == cursor_location.row,
            )
            extend_style = row_style + extend_style
        elif row_style.bgcolor is not None:
            faded = Color.from_rich_color(row_style.bgcolor).blend(
                self.background_colors[1], factor=0.25
            )
            extend_style = Style.from_color(color=row_style.color, bgcolor=faded.rich_color)
        else:
            extend_style = Style.from_color(row_style.color, row_style.bgcolor)
        extend_style += Style.from_meta({"row": row_index, "column": 0, "out_of_bounds": True})
        scrollable_row.append([Segment(" " * remaining, extend_style)])
        pair: tuple[SegmentLines, SegmentLines] = ([], scrollable_row)
        self._row_render_cache[cache_key] = pair
        return pair

    def _cell_styles(
        self, drawing: _Pass, header: bool, hover: bool, cursor: bool
    ) -> tuple[Style, Style]:
        """``_get_styles_to_render_cell`` for a cell of a drawing (not fixed, no row label)."""
        key = (header, hover, cursor)
        styles = drawing.cell_styles.get(key)
        if styles is None:
            styles = drawing.cell_styles[key] = self._get_styles_to_render_cell(
                header,
                False,
                False,
                hover,
                cursor,
                drawing.show_cursor,
                drawing.show_hover,
                drawing.fg_css,
                drawing.bg_css,
            )
        return styles

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        """Textual's, with the widths of :class:`Cell` rows measured directly: its general
        measure of every cell of every new row (``textual.render.measure``, ~35 µs a cell) was a
        sixth of a search's key at 120x36 (bench/app_scale.py). A row holding anything else, a
        label or an automatic height is measured as Textual does."""
        rows = list(new_rows)
        columns = self.ordered_columns
        widths = [self._measured.get(column.key, column.content_width) for column in columns]
        for row_key in rows:
            if row_key not in self._row_locations:
                continue  # removed before the table was idle
            row = self.rows.get(row_key)
            data = self._data.get(row_key)
            if row is None or data is None or row.label is not None or row.auto_height:
                self._textual_dimensions(rows)
                return
            for index, column in enumerate(columns):
                value = data.get(column.key)
                if not isinstance(value, Cell) or "\n" in value.plain:
                    self._textual_dimensions(rows)
                    return
                width = value.cell_len
                if width > widths[index]:
                    widths[index] = width
        for column, width in zip(columns, widths, strict=True):
            self._measured[column.key] = width
        self._apply_caps()

    def _textual_dimensions(self, rows: list[RowKey]) -> None:
        for column in self.columns.values():  # measured from the widest cells, not the caps
            column.content_width = self._measured.get(column.key, column.content_width)
        super()._update_dimensions(rows)
        for column in self.columns.values():
            self._measured[column.key] = column.content_width
        self._apply_caps()

    #: Columns shown narrower than their widest cell (:meth:`cap_columns`), and each column's
    #: widest cell as measured.
    _caps: dict[ColumnKey, int] | None = None

    def _render_width(self, column: Column) -> int:
        """The cells ``column`` takes on a line: none when capped to 0 (hidden), else its
        width and padding (Textual's ``Column.get_render_width``)."""
        caps = self._caps
        if caps and caps.get(column.key) == 0:
            return 0
        return column.get_render_width(self)

    def cap_columns(self, widths: Mapping[str, int | None]) -> None:
        """Show each column of ``widths`` at most its width in cells, its cells cut (with "…"
        where they ask for it), or as wide as its widest cell (``None``); 0 hides it (header
        and cells, padding included). The table is fitted once for them all. At 80 columns the
        observations' type column ("deployment_succeeded") left the title 14 cells."""
        caps = dict(self._caps or {})
        for column, width in widths.items():
            if width is None:
                caps.pop(ColumnKey(column), None)
            else:
                caps[ColumnKey(column)] = width
        if caps != (self._caps or {}):
            self._caps = caps
            self._apply_caps()

    def _apply_caps(self) -> None:
        """Each column's width from its widest cell and its cap; the fill column fitted, and the
        table's virtual size and drawing brought up to date."""
        caps = self._caps or {}
        changed = False
        for key, column in self.columns.items():
            width = self._measured.get(key, column.content_width)
            if key in caps:
                width = min(width, caps[key])
            if column.content_width != width:
                column.content_width = width
                changed = True
        if changed:
            self._update_count += 1  # rows, lines and cells drawn at the old widths
            self.refresh()
        self._fit_fill()
        self._size_to_columns()

    def _size_to_columns(self) -> None:
        """The table's virtual size from its columns' widths and its rows (as Textual's
        ``_update_dimensions`` ends)."""
        header_height = self.header_height if self.show_header else 0
        self.virtual_size = Size(
            sum(self._render_width(column) for column in self.columns.values())
            + self._row_label_column_width,
            self._total_row_height + header_height,
        )

    def notify_style_update(self) -> None:
        super().notify_style_update()
        if self._drawn is not None:
            self._drawn.clear()

    _fill: tuple[ColumnKey, int] | None = None

    def fill(self, column: str, minimum: int) -> None:
        """Make ``column`` as wide as the table leaves after the other columns (at least
        ``minimum`` cells; its text then ends in "…" where its cells ask for an ellipsis), now
        and whenever the table's width or the other columns' widths change. A table wider than
        its space scrolls sideways: opening the detail pane narrowed the observations table
        below its columns, cut titles mid-word and brought a horizontal scrollbar, and with it
        two more layouts of the screen (bench/app_scale.py "detail")."""
        self._fill = (ColumnKey(column), minimum)
        self._fit_fill()

    def watch_show_vertical_scrollbar(self, shown: bool) -> None:
        self._fit_fill()  # the scrollbar takes its cells from the columns' room

    #: While True the fill column keeps its width (the table is cut at its edge instead):
    #: the observations screen holds it while the detail pane narrows the table, so opening
    #: the pane crops the lines drawn rather than drawing every title again at a new width.
    hold_fill = False

    def release_fill(self) -> None:
        """Stop holding the fill column's width (:attr:`hold_fill`) and fit it now."""
        self.hold_fill = False
        self._fit_fill()

    def _fit_fill(self) -> None:
        room = self.scrollable_content_region.width
        if self._fill is None or not room or self.hold_fill:
            return
        key, minimum = self._fill
        column = self.columns.get(key)
        if column is None:
            return
        others = sum(self._render_width(c) for k, c in self.columns.items() if k != key)
        width = max(minimum, room - others - 2 * self.cell_padding)
        if column.width == width and not column.auto_width:
            return
        column.width = width
        column.auto_width = False
        self._update_count += 1  # rows, lines and cells drawn at the old width
        self._size_to_columns()
        self.refresh()

    def _on_resize(self, event: events.Resize) -> None:
        # DataTable forgets every row it drew on any resize (``_update_count``), so the table
        # narrowed or widened by the detail pane built all its visible rows again. A row is
        # drawn at its columns' widths, which only the fill column (if any) follows; each line
        # is cut to the table's width when shown, and that cache is keyed by the width.
        event.prevent_default()  # DataTable's own handler (the only one) is skipped
        self._fit_fill()

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> SegmentLines:
        drawing = self._pass or self._snapshot()
        if row_index < 0 or column_index < 0 or row_index < drawing.fixed_rows:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        if column_index < drawing.fixed_columns:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        if row_key is None or column_key is None:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        # One cache, :attr:`_drawn` (Textual's own cell cache beside it cost a second key,
        # lookup and store for every cell drawn, a tenth of a redraw).
        value = self._data.get(row_key, {}).get(column_key)
        kept_key = (
            row_key,
            column_key,
            row_index,  # in the cell's mouse meta
            column_index,
            width,
            base_style,
            cursor,
            hover,
            drawing.show_hover,
            self._pseudo_class_state,
            drawing.padding,
            drawing.show_cursor,
            drawing.fg_css,
            drawing.bg_css,
        )
        if self._drawn is None:
            self._drawn = LRUCache(4096)
        kept = self._drawn.get(kept_key)
        if kept is not None and kept[0] is value and value is not None:
            return kept[1]
        row = self.rows.get(row_key)
        _label, cells = self._get_row_renderables(row_index)
        cell = cells[column_index] if column_index < len(cells) else ""
        if isinstance(cell, str):
            cell = Text(cell)
        fast = (
            row is not None
            and row.height == 1
            and isinstance(cell, Text)
            and "\n" not in cell.plain
            and cell.justify in (None, "default", "left")
        )
        if not fast:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        assert isinstance(cell, Text)
        component_style, post_style = self._cell_styles(drawing, False, hover, cursor)
        pre_style = base_style + Style.from_meta({"row": row_index, "column": column_index})
        lines: SegmentLines = [
            render_cell(
                drawing.console,
                cell,
                width,
                drawing.padding,
                pre_style + component_style,
                post_style,
            )
        ]
        self._drawn[kept_key] = (value, lines)
        return lines


@dataclass(slots=True)
class _Pass:
    """What one drawing of a :class:`RowTable` reads once (see ``RowTable._pass``)."""

    styles: dict[str, Style]
    cell_styles: dict[tuple[bool, bool, bool], tuple[Style, Style]]
    padding: int
    show_cursor: bool
    show_hover: bool
    fg_css: bool
    bg_css: bool
    fixed_rows: int
    fixed_columns: int
    cursor_type: CursorType
    console: Console
    widths: list[int]
    width: int


def render_cell(
    console: Console, cell: Text, width: int, padding: int, pre_style: Style, post_style: Style
) -> list[Segment]:
    """One line of ``cell`` in ``width`` cells (``padding`` each side): the segments Rich's
    ``Styled(Padding(cell, (0, padding)), pre_style, post_style)`` renders with no_wrap."""
    inner = max(width - 2 * padding, 0)
    # Rich cuts to no room as to one cell less than the text ("push" as "pus…"): a column
    # capped to nothing (RowTable.cap_columns({column: 0})) shows nothing.
    line = cell.copy() if inner else Text("")
    if line.style:  # the text's own style goes under its spans, as Text.join puts it
        line.stylize_before(line.style)
        line.style = ""
    line.truncate(inner, overflow=cell.overflow or "fold")
    segments = [Segment(" " * padding, _NULL)] if padding else []
    segments += line.render(console)
    fill = inner - line.cell_len
    if fill > 0:
        segments.append(Segment(" " * fill))
    if padding:
        segments.append(Segment(" " * padding, _NULL))
    return list(Segment.apply_style(segments, pre_style, post_style))
