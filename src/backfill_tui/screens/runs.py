"""Past runs: status and counts (a run marked running whose process is gone is "interrupted"),
opened on the dashboard, and resumed when interrupted, failed, partial or cancelled. A recording
opens as a new run (replayed offline), and two runs are compared (mark A, then compare B).

The parts that are not the screen (its listing's message, the sources column's fitting, the
recording path's check) live in ``runs_parts.py``."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.timer import Timer
from textual.widgets import DataTable, Header, Label

from ..engine.diff import diff_fetched
from ..engine.mirror import RunRecord
from ..engine.runs import RunLine, run_lines
from ..errors import BackfillError, user_path
from ..terms import RunStatus, duration, plural
from ..textsafe import clean
from ..widgets.app_footer import AppFooter
from ..widgets.row_table import RowsTable
from .diff import DiffScreen
from .host import AppHost, host
from .messages import RunsDiffed
from .mode_screen import TINY_BELOW, ModeScreen
from .path_prompt import PathPromptScreen
from .runs_parts import (
    RecordingCheck,
    RunsListed,
    fit_sources,
    lost_lead,
    lost_recordings,
    narrow_workspaces,
    sources_least,
    workspace_cut,
    workspace_room,
)

__all__ = ["RunLine", "RunsScreen", "run_lines"]

PAGE = 100  # runs loaded at a time; reaching the last row loads the next hundred

NARROW_BELOW = 100  # columns of terminal
WIDE_FROM = 160  # every source in full from here; below, the first and how many more
COLUMNS = (
    "run", "started (UTC)", "workspace", "days", "status", "streams", "new", "dup", "failed",
    "sources",
)  # fmt: skip
#: From 160 columns, the time each ran too (its spans before a resume: live.run_seconds).
WIDE_COLUMNS = (*COLUMNS[:5], "ran", *COLUMNS[5:])
#: From 60 to 99 columns: the duplicates left out for the workspace (runs of three workspaces
#: read alike at 80x24: a tester's finding). At every width the workspace has what the others
#: and the sources leave (``workspace_room``, ``narrow_workspaces``).
NARROW_COLUMNS = ("run", "workspace", "status", "streams", "new", "failed", "sources")
#: From 100 to 119 columns: all but the days, the start without its year (``06-01 12:00``,
#: headed "started UTC"): with every column the sources had one cell at 100 ("g…", a fresh
#: tester's finding).
MEDIUM_BELOW = 120
MEDIUM_COLUMNS = tuple(name for name in COLUMNS if name != "days")
#: Below 60 columns: the run, its status and what it stored new (F3 opens the rest). At 50x15
#: the narrow columns were wider than the table, the last scrolled off and the scrollbar's
#: thumb a stray glyph mid-screen (a tester's finding).
TINY_COLUMNS = ("run", "status", "new")


COMPARE = "Compare"  # the title of the notices before a compare: down when it opens
#: Seconds between listings while a listed run runs (one indexed read of a page of runs).
FOLLOW_S = 1.0


class RunsScreen(ModeScreen):
    CSS_PATH = "runs.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_run", "Open"),
        Binding("r", "resume_run", "Resume"),
        Binding("ctrl+r", "reload", "Reload"),
        Binding("o", "open_recording", "Recording…", tooltip="Open a recording to replay"),
        Binding("m", "mark", "Mark A", tooltip="Mark the selected run as A (again: unmark)"),
        Binding("d", "compare", "Compare", tooltip="Compare run A with the selected run"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.lines: dict[str, RunLine] = {}
        #: Run A of a comparison (``m``); ``d`` compares it with the selected run.
        self.marked: str | None = None
        self._narrow = False
        self._columns: tuple[str, ...] = COLUMNS
        #: How many of the newest runs are listed (grows a page at a time, as the cursor
        #: reaches the end); ``total`` is how many the mirror holds.
        self.limit = PAGE
        self.total = 0
        self._generation = 0  # bumped by every listing asked; an older answer is dropped
        self._follow: Timer | None = None  # the next listing while a listed run runs

    @property
    def backfill(self) -> AppHost:
        return host(self)

    def compose(self) -> ComposeResult:
        yield Header()
        yield RowsTable(id="runs", cursor_type="row", zebra_stripes=True)
        yield Label("", id="runs-count")
        yield AppFooter()

    def on_mount(self) -> None:
        self._add_columns()
        # The first listing is read here, so the screen's first frame has its rows and keys
        # pressed at once find them (one indexed read of at most a page of runs: 0.5 ms at
        # 250,000 observations, bench/app_scale.py); every later one goes to a worker.
        self._generation += 1
        lines = run_lines(self.backfill.mirror, self.limit)
        count = self.backfill.mirror.count_runs()
        self.on_runs_listed(RunsListed(self._generation, count, lines, lost_recordings(lines)))

    def _add_columns(self) -> None:
        """All columns from 100 columns of terminal; below, the run, its status and counts."""
        table = self.query_one("#runs", DataTable)
        self._narrow = self.app.size.width < NARROW_BELOW
        self._columns = self._columns_for_width()
        table.clear(columns=True)
        for name in self._columns:
            table.add_column(self._label(name), key=name)

    def _label(self, name: str) -> str:
        return "started UTC" if name == "started (UTC)" and self._medium else name

    @property
    def _medium(self) -> bool:
        return self._columns == MEDIUM_COLUMNS

    def _columns_for_width(self) -> tuple[str, ...]:
        width = self.app.size.width
        if width < TINY_BELOW:
            return TINY_COLUMNS
        if self._narrow:
            return NARROW_COLUMNS
        return (
            MEDIUM_COLUMNS if width < MEDIUM_BELOW else (COLUMNS, WIDE_COLUMNS)[width >= WIDE_FROM]
        )

    def on_resize(self) -> None:
        if self.is_mounted:
            narrow = self.app.size.width < NARROW_BELOW
            if narrow != self._narrow or self._columns_for_width() != self._columns:
                self._add_columns()
            self.reload()

    def on_screen_resume(self) -> None:
        if self.is_mounted:
            self.reload()
        self.backfill.say_unfinished_again()  # where r resumes it

    def action_reload(self) -> None:
        self.reload()

    def reload(self) -> None:
        """List the newest ``limit`` runs: read in a thread worker, drawn when the answer comes
        (:meth:`on_runs_listed`); the table keeps what it shows until then."""
        self._generation += 1
        if not self.lines:
            self.query_one("#runs-count", Label).update(Content("loading…"))
        self._list(self._generation, self.limit)

    def worker_failed(self, group: str, line: str) -> None:
        if group == "runs":
            self.query_one("#runs-count", Label).update(
                Content(f"Could not read the runs: {clean(line)}")
            )

    @work(thread=True, exclusive=True, group="runs", exit_on_error=False)
    def _list(self, generation: int, limit: int) -> None:
        with self.backfill.reader() as mirror:
            total = mirror.count_runs()
            lines = run_lines(mirror, limit)
        self.post_message(RunsListed(generation, total, lines, lost_recordings(lines)))

    def on_runs_listed(self, message: RunsListed) -> None:
        if message.generation != self._generation or not self.is_mounted:
            return  # an older listing: a newer one is on its way
        table = self.query_one("#runs", DataTable)
        selected = self.selected
        # A run made since the last listing is at the top, and the cursor goes to it: the
        # selection kept from before left Enter opening the run before it (a tester's finding).
        listed_before = set(self.lines)
        newer = bool(listed_before) and any(
            line.run.id not in listed_before for line in message.lines
        )
        table.clear()
        self.lines = {}
        self.total = message.total
        rows: list[tuple[str, dict[str, Text], list[str], str, str]] = []
        for line in message.lines:
            run = line.run
            self.lines[run.id] = line
            sim, lead = " (simulated)" if run.simulate else "", ""
            if run.recording:  # a replay answered from a file, not the live API: said first,
                # the sources in what is left, its file where room is (a fresh tester's
                # finding: at 80 and 120 columns a replay read as an ordinary run)
                # and the instant it replays; its "started" is when it was replayed
                recorded = run.started_at[:16].replace("T", " ")
                sim, lead = f" ({Path(run.recording).name}, recorded {recorded})", "replay: "
            elif why := message.lost.get(run.id):  # killed while recording: `runs` said it,
                lead = lost_lead(why, short=self._narrow)  # F5 did not (a fresh tester's finding)
            style = {RunStatus.COMPLETED: "", RunStatus.RUNNING: "bold"}.get(line.status, "italic")
            cells = {
                "run": Text(f"{run.id} A" if run.id == self.marked else run.id),
                "started (UTC)": Text(run.made_at[5 if self._medium else 0 : 16].replace("T", " ")),
                "workspace": Text(workspace_cut(run.workspace)),
                "days": Text(str(run.depth_days), justify="right"),
                "status": Text(line.status, style=style),
                "ran": Text(duration(line.ran_s), justify="right"),
                "streams": Text(f"{line.streams_done}/{line.streams}", justify="right"),
                "new": Text(str(line.new), justify="right"),
                "dup": Text(str(line.duplicates), justify="right"),
                "failed": Text(line.failed_text, justify="right"),
            }
            sim = "" if self._narrow else sim
            rows.append((run.id, cells, [clean(source) for source in run.sources], sim, lead))
        widest = {
            name: max(
                [cell_len(self._label(name)), *(cell_len(row[1][name].plain) for row in rows)]
            )
            for name in self._columns
            if name != "sources"
        }
        if "workspace" in widest and rows:  # in what the others and the sources' least leave
            left = self._sources_room(table, len(rows), {**widest, "workspace": 0})  # its padding
            left = workspace_room(left, [sources_least(row[2], row[4]) for row in rows])
            label, cuts = narrow_workspaces([self.lines[r[0]].run.workspace for r in rows], left)
            for row, cut in zip(rows, cuts, strict=True):
                row[1]["workspace"] = Text(cut)
            table.ordered_columns[self._columns.index("workspace")].label = Text(label)
            widest["workspace"] = max([cell_len(label), *map(cell_len, cuts)])
        room = self._sources_room(table, len(rows), widest)
        widest["sources"] = cell_len("sources")
        for run_id, cells, sources, sim, lead in rows:
            fitted = fit_sources(
                sources, sim, room - len(lead), whole=self.app.size.width >= WIDE_FROM
            )
            cells["sources"] = Text(lead + fitted)
            widest["sources"] = max(widest["sources"], cell_len(cells["sources"].plain))
            table.add_row(*(cells[name] for name in self._columns), key=run_id)
        # Each column as wide as its widest cell, set now: a DataTable's own widths only ever
        # grow, and it measures new rows only when it is next idle; a frame drawn before that
        # (a loaded machine's snapshot, in CI) had every column at its header's width ("202").
        for name, column in zip(self._columns, table.columns.values(), strict=True):
            column.content_width = widest[name]
        if selected in self.lines and not newer:
            table.move_cursor(row=table.get_row_index(selected))
        count = len(self.lines)
        shown = (
            f"newest {count} of {self.total} runs (the end of the list loads more)"
            if self.total > count
            else plural(count, "run")
        )
        if self._follow is None and any(line.status == RunStatus.RUNNING for line in message.lines):
            self._follow = self.set_timer(FOLLOW_S, self._follow_running)
        self.query_one("#runs-count", Label).update(
            Content(
                f"{shown} in {self.backfill.mirror.path} · "
                "enter opens a run on the dashboard · r resumes · m marks run A, d compares "
                "it with the selected run · o opens a recording"
                if count
                else "No runs yet: start one from the connect screen (F2), or press o to open "
                "a recording."
            )
        )

    def _follow_running(self) -> None:
        """List the runs again while one listed runs and the screen is shown: its counts and
        its end showed only after ctrl+r or leaving the screen (a fresh tester's finding: a
        run that had ended 10 s before still read "running 0/10"). Back on the screen,
        :meth:`on_screen_resume` lists them and this follows again."""
        self._follow = None
        if self.is_current:
            self.reload()

    def _sources_room(self, table: DataTable[Any], rows: int, widest: dict[str, int]) -> int:
        """The cells the sources column has for ``rows`` rows: the table's width less the
        other columns (``widest``: each one's widest cell or header, by name; and its padding)
        and a vertical scrollbar's if the rows need one. The sources were cut at the screen's
        edge mid-word ("github:acme/rocket +3 (", a tester's finding)."""
        width = table.size.width or self.app.size.width
        # the header, title and count lines above and below the table where it is not laid out
        height = table.size.height or self.app.size.height - 4
        if rows + 1 > height:  # a vertical scrollbar takes its cells
            width -= table.styles.scrollbar_size_vertical
        taken = sum(cells + 2 * table.cell_padding for cells in widest.values())
        return width - taken - 2 * table.cell_padding

    @property
    def selected(self) -> str | None:
        table = self.query_one("#runs", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return key.value

    @on(DataTable.RowHighlighted, "#runs")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        table = event.data_table
        if event.cursor_row >= table.row_count - 1 and self.total > len(self.lines):
            self.load_more()

    def load_more(self) -> None:
        """List the next page of older runs, keeping the cursor where it is."""
        self.limit += PAGE
        self.reload()

    @on(DataTable.RowSelected, "#runs")
    def action_open_run(self) -> None:
        run_id = self.selected
        if run_id is not None:
            self.backfill.open_run(run_id)

    def action_resume_run(self) -> None:
        run_id = self.selected
        if run_id is None:
            return
        line = self.lines[run_id]
        if not line.resumable:
            self.notify(
                f"run {run_id} is {line.status}; only an interrupted, failed, partial or "
                "cancelled run can be resumed",
                severity="warning",
            )
            return
        self.backfill.resume_run(run_id)

    def action_open_recording(self) -> None:
        checked = RecordingCheck()

        def opened(path: str | None) -> None:
            replay = checked.take(path) if path else None
            checked.close()
            if path:
                self.backfill.open_recording(user_path(path), replay=replay)

        self.app.push_screen(
            PathPromptScreen(
                "Open recording",
                "A recording made with Record to on the connect screen: it is replayed offline "
                "into this mirror as a new run, shown on the dashboard.",
                "path to the recording, e.g. ~/acme.rec.gz",
                check=checked.check,
            ),
            opened,
        )

    def action_mark(self) -> None:
        run_id = self.selected
        if run_id is None:
            return
        self.marked = None if self.marked == run_id else run_id
        self.reload()
        self.backfill.take_down_notices(COMPARE)
        if self.marked:
            self.notify(
                f"run {run_id} is A; select another run and press d to compare", title=COMPARE
            )

    def action_compare(self) -> None:
        run_b = self.selected
        if run_b is None:
            return
        if self.marked is None or self.marked not in self.lines:
            self.notify("press m on run A first, then d on run B", severity="warning")
            return
        if run_b == self.marked:
            self.notify("select another run than A to compare with", severity="warning")
            return
        self.notify("comparing…", title=COMPARE, timeout=2)
        self._compare(self.lines[self.marked].run, self.lines[run_b].run)

    @work(thread=True, exclusive=True, group="runs-diff", exit_on_error=False)
    def _compare(self, run_a: RunRecord, run_b: RunRecord) -> None:
        with self.backfill.reader() as mirror:
            try:
                diff = diff_fetched(mirror, run_a, mirror, run_b)
            except BackfillError as exc:
                self.post_message(RunsDiffed(None, str(exc)))
                return
        self.post_message(RunsDiffed(diff))

    def on_runs_diffed(self, message: RunsDiffed) -> None:
        if message.diff is None:
            self.notify(message.error or "", title="Cannot compare", severity="error")
            return
        if self.is_current:
            self.backfill.take_down_notices(COMPARE)  # stayed over its table: a tester's finding
            self.app.push_screen(DiffScreen(message.diff))
