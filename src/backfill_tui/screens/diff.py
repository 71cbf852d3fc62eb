"""Two runs compared (the runs screen's "Compare"): what each fetched, observation by
observation: only in A, only in B, and changed (which content fields), with counts.

The diff is :func:`diffing.diff_fetched` on the app's mirror; provider text (titles, sourceIds)
is shown literally: terminal controls removed, never read as markup.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Header, Label

from ..engine.diff import RunDiff
from ..terms import plural
from ..textsafe import clean
from ..widgets.app_footer import AppFooter
from .runs_parts import workspace_cut

LIMIT = 500  # rows shown per section; the CLI's `diff --json` lists all


def _title(title: str | None) -> Text:
    return Text(clean(title).replace("\n", " ") if title is not None else "")


def summary_text(diff: RunDiff) -> str:
    """The heading over the table: run A and run B (each workspace id cut as the runs list
    cuts it: two of 191 characters wrapped over the whole screen at 80x24, the table out of
    sight), the counts, and the notes."""
    lines = []
    for side in (diff.a, diff.b):
        note = "" if side.exact else " (predates per-run records: what it first stored)"
        workspace = workspace_cut(side.workspace)
        lines.append(
            f"{side.label}: run {side.run_id} · workspace {workspace} · started "
            f"{side.started_at[:16].replace('T', ' ')} · {plural(side.fetched, 'observation')}{note}"
        )
        if (unchanged := side.unchanged_note()) is not None:
            lines.append(f"  {unchanged}")
    c = diff.counts()
    lines.append(
        f"{c['only_in_a']} only in A · {c['only_in_b']} only in B · {c['changed']} changed · "
        f"{c['unchanged']} unchanged" + (" · identical" if diff.identical else "")
    )
    lines += diff.notes(workspace_cut)
    return clean("\n".join(lines))


def whole_workspaces(diff: RunDiff) -> str | None:
    """The heading's tooltip: both workspace ids whole, when the heading cut one, else None."""
    sides = (diff.a, diff.b)
    if all(workspace_cut(side.workspace) == clean(side.workspace) for side in sides):
        return None
    return "\n".join(f"{side.label}: workspace {clean(side.workspace)}" for side in sides)


class DiffScreen(Screen[None]):
    CSS_PATH = "diff.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back"),
        Binding("q", "close", "Back", show=False),
    ]

    def __init__(self, diff: RunDiff) -> None:
        super().__init__()
        self.diff = diff

    def compose(self) -> ComposeResult:
        yield Header()
        summary = Label(Content(summary_text(self.diff)), id="diff-summary")
        whole = whole_workspaces(self.diff)
        summary.tooltip = Content(whole) if whole else None
        yield summary
        yield DataTable(id="diff-table", cursor_type="row", zebra_stripes=True)
        yield Label("", id="diff-note")
        yield AppFooter()

    def on_mount(self) -> None:
        table = self.query_one("#diff-table", DataTable)
        table.add_columns("", "sourceId", "fields", "title in A", "title in B")
        diff = self.diff
        hidden = 0
        sections = (
            ("only in A", [(i.source_id, "", i.title, None) for i in diff.only_a]),
            ("only in B", [(i.source_id, "", None, i.title) for i in diff.only_b]),
            (
                "changed",
                [(c.source_id, ", ".join(c.fields), c.title_a, c.title_b) for c in diff.changed],
            ),
        )
        for name, rows in sections:
            for source_id, fields, title_a, title_b in rows[:LIMIT]:
                table.add_row(
                    Text(name, style="bold"),
                    Text(clean(source_id)),
                    Text(fields),
                    _title(title_a),
                    _title(title_b),
                )
            hidden += max(len(rows) - LIMIT, 0)
        note = "escape goes back to the runs"
        if hidden:
            note = f"{hidden} more not listed (`backfill-tui diff --json` lists all) · " + note
        if diff.identical:
            note = "Both runs fetched the same observations with the same content · " + note
        self.query_one("#diff-note", Label).update(Content(note))
        self.sub_title = "compare run A with run B"  # their ids head the summary below

    def action_close(self) -> None:
        self.dismiss(None)
