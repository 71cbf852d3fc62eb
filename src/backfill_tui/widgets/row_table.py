"""A :class:`DataTable` whose one-line text cells render several times faster.

Textual's DataTable renders every cell through Rich's general path (a ``Padding`` inside a
``Styled``, each rendered to lines, split, cropped and padded): ~0.3 ms a cell, so a screen of
30 rows of 5 cells costs ~50 ms whenever the rows are drawn again (a search, a page down, the
detail pane opening and narrowing the table, the focus moving). bench/app_scale.py found it the
largest part of a key's cost on the observations screen (issue 12 item 11). For the cells the
app's tables hold (a single line of ``Text`` or ``str`` in a row one line high) this renders the
same segments directly: the text cut to the cell, its own style under its spans, the padding,
then the row's styles around it, as ``Styled(Padding(cell))`` does. Anything else (headers, row
labels, several lines, other renderables, justified text) takes Textual's own path.

A row of such cells is drawn from its values directly (Textual looks the row, the column and
the cell up again for every cell), each cell's text cut to its width once and kept by the cell
(its identity: a changed cell is a new object) and width, so a row drawn again with other
styles (the cursor or the focus moved, the detail pane narrowed the table) is not cut again.
The cell's mouse meta (its row and column) is added to each style last: added first, as Textual
adds it, it made every style sum of every cell new, where the sums without it repeat from row to
row and are found in Rich's cache (Rich compares styles by value: the result is equal). A line
as wide as the table is one strip. A screen of 30 new rows at 120 columns went from ~22 ms to
~11 ms (bench/app_scale.py "search emoji"); tests/app/test_row_table_lines.py holds the lines
equal to a DataTable's.

The table's virtual size is set without a layout of the whole screen when the table's own size
does not depend on it (:meth:`RowTable._sized_by_layout`), and the fill column is fitted in the
layout that resizes the table, before that layout draws it (:meth:`RowTable._size_updated`).

Past 400 lines on purpose: each part replaces one step of Textual's own drawing of a row (its
styles read once, its line, its cells, their widths, the fill and capped columns), and they
share one drawing's snapshot (``_Pass``); apart, each would reach into the others' state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Self

from rich.cells import cell_len, set_cell_size
from rich.console import Console, ConsoleOptions
from rich.measure import Measurement
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual._segment_tools import line_crop
from textual._types import SegmentLines
from textual.binding import Binding, BindingType
from textual.color import Color
from textual.coordinate import Coordinate
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets._data_table import Column, ColumnKey, CursorType, RowKey

__all__ = [
    "ROW_KEYS",
    "Cell",
    "KindCell",
    "RowTable",
    "RowsTable",
    "cell_text",
    "compose_cell",
    "cut_cells",
    "fit_kind",
    "render_cell",
]

_NULL = Style.null()
#: How many cut cell texts and cell metas a table keeps (about 30 screens of 5 columns).
KEPT = 8192


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


class KindCell(Cell):
    """A cell holding an observation's type (``pull-request.closed``), cut to its width by
    :func:`fit_kind`: the family, not the action, gives way."""

    def fitted(self, cells: int) -> Cell:
        """This cell as a :class:`Cell` of at most ``cells`` cells (``cells`` >= 1)."""
        text = fit_kind(self.plain, cells)
        return self if text == self.plain else Cell(text, style=self.style, overflow="ellipsis")


def fit_kind(text: str, cells: int) -> str:
    """An observation type (family, "." or "_", action: ``pull-request.closed``,
    ``deployment_created``; lightfast-data-model.md) in at most ``cells`` cells (>= 1): whole
    when it fits, else its family cut with "…" and its action whole ("pull-re….closed"),
    where two cells of the family fit; else cut at the end as :func:`cut_cells` cuts. Cut at
    the end, "pull-request.c…" and "deployment_cre…" did not say closed or created, opened or
    cancelled (a fresh tester's finding)."""
    if cell_len(text) <= cells:
        return text
    split = max(text.rfind("."), text.rfind("_"))
    action = text[split:] if split > 0 else ""
    room = cells - cell_len(action)
    if action and room >= 3:
        return cut_cells(text[:split], room) + action
    return cut_cells(text, cells)


#: Keys of a table whose rows are what one moves through: home and end go to the first and
#: last row (in Textual's DataTable they scroll sideways, and only ctrl+home and ctrl+end move
#: the cursor), and j and k move down and up as in less, lazygit and k9s.
ROW_KEYS: list[BindingType] = [
    Binding("home", "scroll_top", "First row", show=False),
    Binding("end", "scroll_bottom", "Last row", show=False),
    Binding("j", "cursor_down", "Down", show=False),
    Binding("k", "cursor_up", "Up", show=False),
]


class RowsTable(DataTable[Any]):
    """Textual's DataTable with :data:`ROW_KEYS` (the Runs screen's table: End and Home did
    not move its cursor, a fresh tester's finding)."""

    BINDINGS: ClassVar[list[BindingType]] = ROW_KEYS


class RowTable(DataTable[Text | str]):
    """A DataTable for rows of one-line text cells (see the module docstring), moved through
    by :data:`ROW_KEYS`."""

    BINDINGS: ClassVar[list[BindingType]] = ROW_KEYS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._measured: dict[ColumnKey, int] = {}
        #: Each cell's text cut to a width (:meth:`_cell_text`) and each cell's mouse meta.
        self._texts: dict[tuple[int, int], tuple[Text, _CellText | None]] = {}
        self._metas: dict[Coordinate, Style] = {}
        #: What the last layout gave the table (:meth:`_size_updated`).
        self._given: tuple[Size, Size, Size] | None = None

    def refresh(
        self,
        *regions: Region,
        repaint: bool = True,
        layout: bool = False,
        recompose: bool = False,
    ) -> Self:
        """Textual's, with every layout asked for counted, not only the first one pending.

        Textual keeps a widget's measure (its box model, which for a table of ``height: auto``
        is its virtual height) until the widget's count of layouts asked for changes, and
        counts a layout only when none is pending (``Widget.refresh`` and
        ``Widget._get_box_model``, textual/widget.py 8.2.8). The dry run's sample is shown
        (``display``: a layout pending) and filled; when the screen's update timer laid the
        screen out before the table's idle turn, the table was measured at its headings' one
        line; then sized to its rows (``_update_dimensions``) it asked for a layout that was
        not counted, and every later layout took the kept measure: the headings and no rows
        until something else laid the table out (a resize, another dry run): 11 of 180 runs of
        the export snapshot's steps, 6 at once beside 2 CPU burners on 2 cores.
        tests/app/test_export_sample_shown.py forces that order."""
        if layout and self._layout_required:
            self._layout_updates += 1  # the measure a layout since then kept is stale
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

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
            keys=[column.key for column in self.ordered_columns],
            width=self.size.width,
            cursor=self.cursor_coordinate,
            hover=self.hover_coordinate,
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

    def _render_line(self, y: int, x1: int, x2: int, base_style: Style) -> Strip:
        """Textual's, with what a drawing reads once taken from :attr:`_pass`, for a table
        with no fixed columns: a line as wide as the table is one strip, its segments
        joined where their styles are equal, as Textual's crop, fit and simplify leave it."""
        drawing = self._pass
        if drawing is None or drawing.fixed_columns:
            return super()._render_line(y, x1, x2, base_style)
        width = drawing.width
        try:
            row_key, y_offset_in_row = self._get_offsets(y)
        except LookupError:
            return Strip.blank(width, base_style)
        cache_key = (
            y,
            x1,
            x2,
            width,
            drawing.cursor,
            drawing.hover,
            base_style,
            drawing.cursor_type,
            drawing.show_hover,
            self._update_count,
            self._pseudo_class_state,
        )
        cached = self._line_cache.get(cache_key)
        if cached is not None:
            return cached
        fixed, scrollable = self._render_line_in_row(
            row_key, y_offset_in_row, base_style, drawing.cursor, drawing.hover
        )
        if fixed:  # a row label
            return super()._render_line(y, x1, x2, base_style)
        segments = [segment for cell in scrollable for segment in cell]
        if x1 == 0 and x2 >= width and sum(drawing.widths) <= width:
            # the row's cells and the space after them: exactly the table's width
            strip = Strip(Segment.simplify(segments), width)
        else:
            cropped = line_crop(segments, x1, x2, width)
            strip = Strip(cropped).adjust_cell_length(width, base_style).simplify()
        self._line_cache[cache_key] = strip
        return strip

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
        # A row one line high of text cells: each drawn from its value here (Textual looks the
        # row, the column and the cell up again for every cell, a third of drawing a row).
        row = self.rows.get(row_key)
        values = self._data.get(row_key) if row is not None and row.height == 1 else None
        if row_index < drawing.fixed_rows:
            values = None
        scrollable_row: list[list[Segment]] = []
        for column_index, width in enumerate(drawing.widths):
            if not width:
                continue  # a hidden column (cap_columns({column: 0}))
            cell = Coordinate(row_index, column_index)
            cursor = highlight(cursor_location, cell, cursor_type)
            hover = highlight(hover_location, cell, cursor_type)
            value = values.get(drawing.keys[column_index]) if values is not None else None
            line = (
                self._text_cell(drawing, value, cell, row_style, width, cursor, hover)
                if isinstance(value, Text)
                else None
            )
            if line is None:
                line = self._render_cell(
                    row_index, column_index, row_style, width, cursor=cursor, hover=hover
                )[line_no]
            scrollable_row.append(line)
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
        extend_style += self._meta(Coordinate(row_index, -1))
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
        ``_update_dimensions`` ends), set without a layout of the screen where the table's
        own size does not follow it (:meth:`_sized_by_layout`)."""
        header_height = self.header_height if self.show_header else 0
        size = Size(
            sum(self._render_width(column) for column in self.columns.values())
            + self._row_label_column_width,
            self._total_row_height + header_height,
        )
        if size == self.virtual_size:
            return
        if not self._sized_by_layout(size):
            self.virtual_size = size  # a layout of the screen, as Textual's DataTable does
            return
        self.set_reactive(RowTable.virtual_size, size)
        self._scroll_update(size)  # scrollbars; one coming or going lays the screen out
        self.refresh()

    def _sized_by_layout(self, size: Size) -> bool:
        """Whether the table's size on the screen stays as it is with a virtual ``size`` in
        place of the present one: its width is not its content's (not ``auto``), and its
        height is not, or is capped below both (``height: auto; max-height: 100%``, Textual's
        DataTable default: its rows overflow the room it has, before and after).

        Textual lays the whole screen out again for any change of a widget's virtual size (a
        reactive with ``layout=True``): each search whose answer had another number of rows
        than the last (a literal search's first page is 40 rows, a word's 100) and the title
        fitted to the narrower table beside the detail pane cost one more layout and drawing
        of every widget (bench/app_scale.py "search emoji", "detail"). A scrollbar that comes
        or goes with the new size still lays the screen out (``_scroll_update``)."""
        styles = self.styles
        if not self.is_mounted or not self.size or styles.width is None or styles.width.is_auto:
            return False
        height = styles.height
        if height is None or not height.is_auto:
            return True
        room = self.scrollable_content_region.height
        return min(size.height, self.virtual_size.height) > room > 0

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._texts.clear()

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

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        """Textual's, then the fill column fitted to the new width at once: the layout that
        resized the table draws it next, before the ``Resize`` event is handled, so fitted
        there (``_on_resize``) the table was drawn twice as the detail pane opened, first with
        its title at the old width (bench/app_scale.py "detail").

        A layout that gives the table what the last one gave it changes nothing: Textual's
        ScrollView compares its parent's size with its own (they differ beside the detail
        pane), so every layout of the screen drew the table's scrollbar again and sent the
        table a ``Resize``."""
        given = (size, virtual_size, container_size)
        if given == self._given and size == self._size:
            return False
        self._given = given
        resized = super()._size_updated(size, virtual_size, container_size, layout)
        if resized:
            self._fit_fill()
        return resized

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
        _label, cells = self._get_row_renderables(row_index)
        cell = cells[column_index] if column_index < len(cells) else ""
        row_key = self._row_locations.get_key(row_index)
        row = self.rows.get(row_key) if row_key is not None else None
        if isinstance(cell, str):
            cell = Text(cell)
        line = None
        if row is not None and row.height == 1 and isinstance(cell, Text):
            where = Coordinate(row_index, column_index)
            line = self._text_cell(drawing, cell, where, base_style, width, cursor, hover)
        if line is None:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        return [line]

    def _text_cell(
        self,
        drawing: _Pass,
        cell: Text,
        where: Coordinate,
        row_style: Style,
        width: int,
        cursor: bool,
        hover: bool,
    ) -> list[Segment] | None:
        """The one line of a one-line text cell in ``width`` cells (its padding included), as
        Textual's ``Styled(Padding(cell))`` draws it with the row's, the cell's and the
        cursor's styles and the cell's mouse meta; None for a cell it does not draw (a line
        break, justified text), which Textual then draws."""
        if "\n" in cell.plain or cell.justify not in (None, "default", "left"):
            return None
        component_style, post_style = self._cell_styles(drawing, False, hover, cursor)
        meta = self._meta(where)
        inner = max(width - 2 * drawing.padding, 0)
        text = self._cell_text(drawing.console, cell, inner)
        if text is None or row_style._meta or component_style._meta or post_style._meta:
            # meta beside the cell's own: composed in Textual's order (render_cell)
            pre_style = row_style + meta + component_style
            return render_cell(drawing.console, cell, width, drawing.padding, pre_style, post_style)
        style = row_style + component_style
        return compose_cell(text, inner, drawing.padding, style, post_style, meta)

    def _cell_text(self, console: Console, cell: Text, inner: int) -> _CellText | None:
        """:func:`cell_text`, kept by the cell (its identity) and width: a cell drawn again
        (the cursor or the focus moved, the detail pane narrowed the table) is not cut again;
        a new answer's cells are new objects. At most :data:`KEPT` are kept."""
        texts = self._texts
        key = (id(cell), inner)
        kept = texts.get(key)
        if kept is not None and kept[0] is cell:
            return kept[1]
        if len(texts) >= KEPT:
            texts.clear()
        text = cell_text(console, cell, inner)
        texts[key] = (cell, text)
        return text

    def _meta(self, where: Coordinate) -> Style:
        """The mouse meta of the cell at ``where`` (Textual's: its row and column; column -1
        is the row's space past its last column, which Textual marks as column 0 out of
        bounds), made once per cell and kept (at most :data:`KEPT`)."""
        meta = self._metas.get(where)
        if meta is None:
            if len(self._metas) >= KEPT:
                self._metas.clear()
            row, column = where
            marks = (
                {"row": row, "column": 0, "out_of_bounds": True}
                if column < 0
                else {"row": row, "column": column}
            )
            meta = self._metas[where] = Style.from_meta(marks)
        return meta


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
    keys: list[ColumnKey]
    width: int
    cursor: Coordinate
    hover: Coordinate


#: A cell's text cut to its width: its (text, style) pieces, as ``Text.render`` gives them, and
#: their width in cells.
_CellText = tuple[list[tuple[str, Style | None]], int]


def cut_cells(text: str, cells: int) -> str:
    """``text`` in at most ``cells`` terminal cells (``cells`` >= 1), cut with "…" when longer,
    as Rich's ``overflow="ellipsis"`` cuts it."""
    return text if cell_len(text) <= cells else set_cell_size(text, cells - 1) + "…"


def cell_text(console: Console, cell: Text, inner: int) -> _CellText | None:
    """The pieces :func:`render_cell` draws for ``cell`` in ``inner`` cells (padding and fill
    aside), or None when a piece carries meta (then only :func:`render_cell` composes it as
    Textual does). A cell with no spans is cut here as ``Text.truncate`` cuts it (Rich's
    ``set_cell_size``, with "…" for ``overflow="ellipsis"``), without copying the ``Text``;
    one with spans goes through Rich (``render_cell``'s own steps)."""
    if isinstance(cell, KindCell) and inner:
        cell = cell.fitted(inner)
    overflow = cell.overflow or "fold"
    plain = cell.plain
    if inner and not cell.spans and overflow in ("fold", "crop", "ellipsis"):
        text = plain
        if cell_len(plain) > inner:
            text = (
                cut_cells(plain, inner) if overflow == "ellipsis" else set_cell_size(plain, inner)
            )
        if len(text) <= len(plain):  # Rich trims the cell's style to the text's length
            style = console.get_style(cell.style) if cell.style and text else None
            if style is not None and style._meta:
                return None
            return [(text, style)], cell_len(text)
    line = cell.copy() if inner else Text("")
    if line.style:
        line.stylize_before(line.style)
        line.style = ""
    line.truncate(inner, overflow=overflow)
    pieces = [(segment.text, segment.style) for segment in line.render(console)]
    if any(style is not None and style._meta for _, style in pieces):
        return None
    return pieces, line.cell_len


def compose_cell(
    text: _CellText, inner: int, padding: int, style: Style, post_style: Style, meta: Style
) -> list[Segment]:
    """The segments :func:`render_cell` gives for a cell whose text is ``text``
    (:func:`cell_text`) with ``pre_style = style + meta`` (``meta``: a style of mouse meta and
    nothing else; ``style`` and ``post_style`` carry no meta): each piece's style is
    ``style + piece + post_style``, then the meta added (equal, as Rich compares styles, to
    adding it first). ``style + piece + post_style`` repeats from row to row and is found in
    Rich's cache of style sums; only the meta, one per cell, is added anew: adding it first
    made every sum new (a third of drawing a row, bench/app_scale.py)."""
    pieces, length = text
    plain = (style + post_style if post_style else style) + meta
    segments = [Segment(" " * padding, plain)] if padding else []
    for piece, piece_style in pieces:
        if piece_style is None or piece_style._null:
            segments.append(Segment(piece, plain))
        else:
            combined = style + piece_style
            if post_style:
                combined = combined + post_style
            segments.append(Segment(piece, combined + meta))
    fill = inner - length
    if fill > 0:
        segments.append(Segment(" " * fill, plain))
    if padding:
        segments.append(Segment(" " * padding, plain))
    return segments


def render_cell(
    console: Console, cell: Text, width: int, padding: int, pre_style: Style, post_style: Style
) -> list[Segment]:
    """One line of ``cell`` in ``width`` cells (``padding`` each side): the segments Rich's
    ``Styled(Padding(cell, (0, padding)), pre_style, post_style)`` renders with no_wrap."""
    inner = max(width - 2 * padding, 0)
    if isinstance(cell, KindCell) and inner:
        cell = cell.fitted(inner)
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
