"""Two runs compared (the runs screen's "Compare"): what each fetched, observation by
observation: changed (which content fields), only in A and only in B, with counts. A section
lists :data:`LIMIT` rows at first; a row after them says how many more it has, and ``enter``
on it lists more.

The diff is :func:`diffing.diff_fetched` on the app's mirror; provider text (titles, sourceIds)
is shown literally: terminal controls removed, never read as markup.
"""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Header, Label

from ..engine.diff import RunDiff
from ..terms import plural
from ..textsafe import clean
from ..widgets.app_footer import AppFooter
from ..widgets.row_table import Cell, RowTable, cut_cells
from .runs_parts import workspace_cut
from .steady_layout import SteadyLayout

#: Rows listed per section at first, and more each time ``enter`` is pressed on the row
#: saying how many are not (the CLI's ``diff --json`` lists all). The screen opens in ~0.2 s
#: with 1,500 rows; Textual's ``add_row`` costs ~60 µs a row, so 25,000 took 1.5 s to open and
#: again at each resize (the columns' widths follow the terminal's: every row is laid out anew).
LIMIT = 500
#: The start of the row key of a section's "N not listed" row (the others have none).
_MORE = "more:"
#: A row of a section: sourceId, fields (a changed one's), A's title, B's title (where known).
_Row = tuple[str, str, str | None, str | None]
#: Cells a column takes beyond its text (DataTable's padding) and the vertical scrollbar's.
_PADDING, _SCROLLBAR = 2, 2
_SECTION = len("only in A")


def _cell(text: str, *, italic: bool = False) -> Cell:
    """A cell's text on one line, cut with "…" at the column's width."""
    return Cell(text, style="italic" if italic else "", no_wrap=True, overflow="ellipsis")


def middle_cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` cells, cut in the middle with "…": a sourceId's end (a
    sha, a number) tells it from its neighbours, which a cut at the end lost
    (``push:acme/rocket:9…`` on every row)."""
    if len(text) <= width or width < 5:
        return text
    tail = (width - 1) * 3 // 5
    return f"{text[: width - 1 - tail]}…{text[len(text) - tail :]}"


def _one_line(title: str) -> str:
    return clean(title).replace("\n", " ")


def changed_title(title_a: str | None, title_b: str | None, width: int) -> str:
    """The title cell of a changed row, ``width`` cells wide: the title each run fetched where
    the mirror holds it, marked ``A:`` or ``B:`` (one mirror keeps one version of an
    observation, so the app's comparisons know one); both in sight when both are known and
    differ, A's cut to half the cell with "…" (its own column, "title in B", was half empty
    and both titles were cut to 23 cells at 120 columns, a fresh tester's finding)."""
    a = None if title_a is None else _one_line(title_a)
    b = None if title_b is None else _one_line(title_b)
    if a is None or b is None:
        return f"A: {a}" if a is not None else f"B: {b}" if b is not None else ""
    if a == b:
        return a
    return f"{cut_cells(f'A: {a}', max((width - 3) // 2, 8))} → B: {b}"


def column_widths(width: int, source_ids: list[str], fields: list[str]) -> tuple[int, int, int]:
    """Widths (cells) of the sourceId, fields and title columns for a table ``width`` cells
    wide: the sourceIds and fields at most their longest (a third and a fifth of the room at
    most; no fields column, 0, when no row has fields), the title what is left. Laid out by
    their longest values, the sourceIds (a push's ref and sha) took half of 120 columns and
    "title in B", the other half of a change, was off the screen (a tester's finding); then
    "fields", "title in A" and "title in B" took their share on every row, though only a
    changed row has fields and only one title (:func:`changed_title`), and the titles were cut
    to 23 cells at 120 columns (a fresh tester's finding)."""
    has_fields = any(fields)
    columns = 4 if has_fields else 3
    room = max(width - _SECTION - columns * _PADDING - _SCROLLBAR, 40)
    sid = min(max((len(s) for s in source_ids), default=8), max(room // 3, 16))
    fld = 0
    if has_fields:
        fld = max(min(max(len(f) for f in fields), room // 5), len("fields"))
    return sid, fld, max(room - sid - fld, 10)


def sections(diff: RunDiff) -> list[tuple[str, list[_Row]]]:
    """The table's sections, each named and with its rows in order: the changed first (what
    a support person compares; listed last, they were after 1,000 rows of "only in A" and
    "only in B", out of sight, a fresh tester's finding), then only in A, only in B."""
    return [
        (
            "changed",
            [(clean(c.source_id), ", ".join(c.fields), c.title_a, c.title_b) for c in diff.changed],
        ),
        ("only in A", [(clean(i.source_id), "", i.title, None) for i in diff.only_a]),
        ("only in B", [(clean(i.source_id), "", None, i.title) for i in diff.only_b]),
    ]


def listing_note(sections: list[tuple[str, list[_Row]]], listed: dict[str, int]) -> str | None:
    """Each section not listed whole, with how many of its rows are (its last row says how to
    list more); None when every row is listed. One count of rows "not listed" for all sections
    said neither which sections were cut nor that the changed rows were listed at all."""
    cut = [(name, listed[name], len(rows)) for name, rows in sections if len(rows) > listed[name]]
    if not cut:
        return None
    parts = [f"{name}: {shown} of {total}" for name, shown, total in cut]
    return " · ".join(parts) + " listed (`backfill-tui diff --json` lists all)"


def summary_text(diff: RunDiff) -> str:
    """The heading over the table: run A and run B (each workspace id cut as the runs list
    cuts it: two of 191 characters wrapped over the whole screen at 80x24, the table out of
    sight), the counts, and the notes."""
    lines = []
    for side in (diff.a, diff.b):
        note = "" if side.recorded else " (predates per-run records: what it first stored)"
        workspace = workspace_cut(side.workspace)
        lines.append(
            f"{side.label}: run {side.run_id} · workspace {workspace} · started "
            f"{side.started_at[:16].replace('T', ' ')} · {plural(side.fetched, 'observation')}{note}"
        )
        # one line each, streams counted by source (the whole notes: `diff`, `--json`)
        other = diff.b.label if side is diff.a else diff.a.label
        lines += [f"  {note}" for note in side.brief_notes(other, width=76)]
    c = diff.counts()
    lines.append(
        f"{c['only_in_a']} only in A · {c['only_in_b']} only in B · {c['changed']} changed · "
        f"{c['unchanged']} unchanged" + (" · identical" if diff.identical else "")
    )
    lines += diff.notes(workspace_cut, sides=False)
    return clean("\n".join(lines))


def whole_workspaces(diff: RunDiff) -> str | None:
    """The heading's tooltip: both workspace ids whole, when the heading cut one, else None."""
    sides = (diff.a, diff.b)
    if all(workspace_cut(side.workspace) == clean(side.workspace) for side in sides):
        return None
    return "\n".join(f"{side.label}: workspace {clean(side.workspace)}" for side in sides)


class DiffScreen(SteadyLayout, Screen[None]):
    """The comparison's heading, its table and a note. The table has the focus from the start
    and is a :class:`RowTable`: `end` and `home` go to its last and first row (in Textual's
    DataTable they scroll sideways only, so the rows at the end of a long comparison were out
    of reach by key, a fresh tester's finding)."""

    CSS_PATH = "diff.tcss"
    AUTO_FOCUS = "#diff-table"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back"),
        Binding("q", "close", "Back", show=False),
    ]

    def __init__(self, diff: RunDiff) -> None:
        super().__init__()
        self.diff = diff
        #: Each section's rows (sourceId, fields, title in A, title in B), changed first, and
        #: how many of each are listed; laid out again when the terminal's width changes.
        self._sections = sections(diff)
        self._listed = {name: min(len(rows), LIMIT) for name, rows in self._sections}
        self._laid_out_at = 0

    def compose(self) -> ComposeResult:
        yield Header()
        summary = Label(Content(summary_text(self.diff)), id="diff-summary")
        # the workspaces whole, and each side's notes whole (the heading counts streams)
        sides = [note for side in (self.diff.a, self.diff.b) for note in side.notes()]
        whole = "\n".join([*filter(None, [whole_workspaces(self.diff)]), *map(clean, sides)])
        summary.tooltip = Content(whole) if whole else None
        yield summary
        yield RowTable(id="diff-table", cursor_type="row", zebra_stripes=True)
        yield Label("", id="diff-note")
        yield AppFooter()

    def on_mount(self) -> None:
        self._lay_out(self.size.width or self.app.size.width)
        self._note()
        self.sub_title = "compare run A with run B"  # their ids head the summary below

    def _note(self) -> None:
        note = "escape goes back to the runs"
        if (listing := listing_note(self._sections, self._listed)) is not None:
            note = f"{listing} · {note}"
        if self.diff.identical:
            note = "Both runs fetched the same observations with the same content · " + note
        self.query_one("#diff-note", Label).update(Content(note))

    def _lay_out(self, width: int) -> None:
        """The table's columns for ``width`` cells (:func:`column_widths`), and its rows: each
        section's listed rows, then, when some are not listed, a row saying how many
        (``enter`` on it lists more: :meth:`on_data_table_row_selected`)."""
        self._laid_out_at = width
        table = self.query_one("#diff-table", RowTable)
        row = table.cursor_row
        table.clear(columns=True)
        listed = [(name, rows[: self._listed[name]], len(rows)) for name, rows in self._sections]
        shown = [r for _, rows, _ in listed for r in rows]
        sid, fld, title = column_widths(width, [r[0] for r in shown], [r[1] for r in shown])
        table.add_column("", width=_SECTION)
        table.add_column("sourceId", width=sid)
        if fld:
            table.add_column("fields", width=fld)
        table.add_column("title", width=title)
        for name, rows, total in listed:
            section = Cell(name, style="bold")
            for source_id, fields, title_a, title_b in rows:
                if name == "changed":
                    text = changed_title(title_a, title_b, title)
                else:
                    text = _one_line(title_a if title_a is not None else title_b or "")
                cells = [section, _cell(middle_cut(source_id, sid)), _cell(fields), _cell(text)]
                table.add_row(*(cells if fld else cells[:2] + cells[3:]))
            if (rest := total - len(rows)) > 0:
                more = f"enter lists the next {min(rest, LIMIT)}"
                cells = [section, _cell(f"{rest} not listed"), Cell(""), _cell(more, italic=True)]
                table.add_row(*(cells if fld else cells[:2] + cells[3:]), key=_MORE + name)
        if table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """``enter`` on a section's "N not listed" row lists up to :data:`LIMIT` more of
        it, the cursor on the first of them (where that row was)."""
        key = event.row_key.value
        if key is None or not key.startswith(_MORE):
            return
        name = key.removeprefix(_MORE)
        self._listed[name] += LIMIT
        self._lay_out(self._laid_out_at)
        self._note()

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._laid_out_at:
            self._lay_out(event.size.width)

    def action_close(self) -> None:
        self.dismiss(None)
