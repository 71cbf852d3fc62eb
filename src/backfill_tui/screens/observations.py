"""Observations in the mirror: a table filtered by source and type, full-text search (FTS5), and a
detail pane (the body as written, references, metadata, production's significance verdict).

Every cell is a Rich ``Text`` built from cleaned provider text, so a title such as
``[bold]x[/bold]`` or one carrying escape codes shows literally.

Past 400 lines on purpose: one screen's filters, search, paging and detail, whose keys at
250,000 observations (bench/app_scale.py) depend on how they hand the focus and the rows to
each other; split apart, that order would be spread over modules.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.timer import Timer
from textual.widgets import DataTable, Header, Input, Label, Select

from ..engine.mirror import Mirror
from ..engine.observations import ObservationRow, kept_by_production, literal_terms
from ..terms import noun
from ..textsafe import clean
from ..widgets.app_footer import AppFooter
from ..widgets.observation_detail import ObservationPane
from ..widgets.row_table import Cell, KindCell, RowTable
from ..widgets.steady_input import SteadyInput
from .host import AppHost, host
from .messages import ObservationOpened, ObservationRead, ObservationsFound
from .mode_screen import NARROW_BELOW, TINY_BELOW, ModeScreen

PAGE = 100  # rows loaded at a time; reaching the last row loads the next page
#: The most rows the table keeps while pages load above it (after ``end``): the farthest below
#: go, and scrolling back down reads them again.
KEEP_ROWS = 1_000
TYPE_NARROW = 15  # the type column's width below 100 columns (cut with "…")
TYPE_TINY = 10  # ... and below 60 columns, where the source and significance fold away
#: Below this many columns of terminal the type is cut to ``TYPE_NARROW`` beside the detail
#: pane too, giving the title room (the app's "-wide" breakpoint).
TYPE_CUT_BESIDE_BELOW = 160
TITLE_MIN = 12  # the title column's narrowest; it is as wide as the table leaves it
LITERAL_PAGE = 40  # a literal search's first page (see first_page)
COUNT_CAP = 10_000  # counting stops past this ("10,000+"), so a count stays cheap at scale
SEARCH_DELAY = 0.2  # seconds of quiet typing before the search runs
#: The table's moves a key typed ahead of a search's answer makes (``on_key``).
_MOVES = {
    "down": "action_cursor_down",
    "up": "action_cursor_up",
    "pagedown": "action_page_down",
    "pageup": "action_page_up",
    "enter": "action_select_cursor",  # only while a search is on its way (``on_key``)
}
MOVES_SETTLE_S = 0.05  # how long a move typed in the search box waits for the keys before it
FOCUS_WITH_ANSWER_S = 0.1  # the longest a submitted search keeps the focus waiting for its answer


def occurred(text: str) -> str:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return clean(text)[:16]
    return f"{moment:%Y-%m-%d %H:%M}"


#: The "[PR Closed] " production's transformers put before a title: the type column says it,
#: and at 80 columns it was all the title column showed ("[Comment Added]…" on every Linear
#: row). The detail pane shows the whole title. A title that is the prefix alone (a PR with
#: ``title: null`` is stored ``[PR Opened]``: the transformer's ``[{Action Label}] {title}``
#: with no title, trimmed by ``sanitizeTitle``, lightfast-data-model.md §1.2, §3.2) loses it
#: too and shows :data:`UNTITLED`: it showed "[PR Opened]" where every other row's prefix was
#: gone (a fresh tester's finding).
_KIND_PREFIX = re.compile(r"^\[[^\[\]\n]{1,32}\](?: (?=\S)|\s*$)")
#: The title column of a row whose title is its kind's prefix alone (dim).
UNTITLED = "(no title)"


def row_cells(row: ObservationRow) -> tuple[Text, ...]:
    score = row.significance
    mark = "kept" if kept_by_production(score) else "dropped"
    # a stored value that is no number (a hand edit) shows as unknown, as a missing one does
    known = isinstance(score, int | float)
    significance = f"{int(score):>3} {mark}" if known and score is not None else "  ? dropped"
    return (
        Cell(occurred(row.occurred_at)),
        Cell(clean(row.source)),
        KindCell(clean(row.observation_type), overflow="ellipsis"),
        _title_cell(row.title),
        Cell(significance, style="" if mark == "kept" else "dim"),
    )


def _title_cell(title: str) -> Text:
    """The title column: the title without its kind's prefix, or :data:`UNTITLED` (dim)."""
    shown = _KIND_PREFIX.sub("", clean(title), count=1)
    if not shown:
        return Cell(UNTITLED, style="dim", no_wrap=True)
    return Cell(shown, no_wrap=True, overflow="ellipsis")


def first_page(
    mirror: Mirror, workspace: str, source: str | None, kind: str | None, text: str | None
) -> tuple[int, int, list[ObservationRow]]:
    """What the screen reads for a query: (how many match, counted no further than ``cap``
    (``cap + 1`` says "more"), ``cap``, the newest :data:`PAGE` rows). On the screen's worker
    thread; ``bench/app_scale.py`` times it alone as the mirror's part of a key."""
    if text and literal_terms(text):
        # A literal term (an emoji) reads rows to match, the newest first, until it has found
        # enough: the first page is a screenful (LITERAL_PAGE; a rare emoji is a long read:
        # 16,000 rows for 101 matches at 250,000 observations, 29 ms), and counting goes no
        # further than it (one row more says "more than"); scrolling reads on.
        rows = mirror.find_observations(
            workspace, source=source, observation_type=kind, text=text, limit=LITERAL_PAGE + 1
        )
        return len(rows), LITERAL_PAGE, rows[:LITERAL_PAGE]
    matching = mirror.count_observations_matching(
        workspace, source=source, observation_type=kind, text=text, cap=COUNT_CAP
    )
    rows = mirror.find_observations(
        workspace,
        source=source,
        observation_type=kind,
        text=text,
        limit=PAGE,
        matching=matching,  # counted just now: the plan needs no count of its own
    )
    return matching, COUNT_CAP, rows


class ObservationsScreen(ModeScreen):
    CSS_PATH = "observations.tcss"
    AUTO_FOCUS = "#observations"
    BINDINGS: ClassVar[list[BindingType]] = [
        # priority: the app runs it before it hands the next keys of a burst ("/fix") on
        # to the table; inside a text box "/" is typed (check_action)
        Binding("slash", "focus_search", "Search", priority=True),
        Binding("escape", "close_detail", "Close"),
        Binding("ctrl+r", "reload", "Reload"),
        # A paged table's ends are the whole result's (the table's own home/end stopped at the
        # pages loaded: end went to row 100, a tester's finding); only while it has the focus.
        Binding("end", "last_row", "Last row", show=False, priority=True),
        Binding("home", "first_row", "First row", show=False, priority=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._search_timer: Timer | None = None
        #: Gives the table the focus FOCUS_WITH_ANSWER_S after a search is submitted, unless
        #: the answer came first (``_focus_table`` stops it).
        self._focus_timer: Timer | None = None
        self._facets: dict[str, list[str]] = {}
        #: Each source in the workspace → its observation types (``ObservationsFound.facets``).
        self._types_by_source: dict[str, list[str]] = {}
        self.workspace = ""
        self.shown = 0
        #: The position in the whole result of the table's first row: 0, or past it once
        #: ``end`` loaded the last page in its place (reaching the first row then reads the
        #: page above it; ``home`` reads the first page again).
        self.base = 0
        self.matching = 0
        self.count_cap = COUNT_CAP
        #: Bumped by every query (and detail read); an answer to an older one is dropped.
        self._generation = 0
        self._detail_generation = 0
        self._paging = False
        self._filters_asked: tuple[str | None, str | None, str | None] = (None, None, None)
        #: The first page shown and what it answered (workspace, filters, count): a reload on
        #: returning to the screen that gets the same answer keeps the table, its cursor and
        #: scroll as they were, instead of rebuilding 100 rows (bench/app_scale.py "F4 again").
        self._first_page: tuple[object, ...] | None = None
        self._keep_if_unchanged = False
        #: The query whose answer takes the focus to the table (a search submitted with enter).
        self._focus_with_answer: int | None = None
        #: Moves typed before that answer came (``on_key``), made once it is in.
        self._moves_ahead: list[str] = []

    @property
    def backfill(self) -> AppHost:
        return host(self)

    @property
    def ready(self) -> bool:
        """Whether the first page has been shown (``ahead.py`` draws the screen then)."""
        return self._first_page is not None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="filters"):
            yield Select[str]([], prompt="All sources", id="source-filter")
            yield Select[str]([], prompt="All types", id="type-filter")
            yield SteadyInput(placeholder="search titles and bodies (/)", id="search")
        with Horizontal(id="obs-main"):
            yield RowTable(id="observations", cursor_type="row", zebra_stripes=True)
            yield ObservationPane(id="detail")
        yield Label("", id="obs-count")
        yield AppFooter()

    def on_mount(self) -> None:
        table = self.query_one("#observations", RowTable)
        table.add_column("occurred (UTC)", key="occurred")
        table.add_column("source", key="source")
        table.add_column("type", key="type")
        table.add_column("title", key="title", width=50)
        # "score": "significance" was cut to "significanc" at 120x36 (a fresh tester's finding)
        table.add_column("score", key="significance")
        table.fill("title", minimum=TITLE_MIN)  # what the other columns leave it
        self.query_one("#detail").display = False
        self.query_one("#detail").border_title = "Observation"
        self.on_resize()
        self.reload()

    def on_resize(self) -> None:
        self.compact_when_narrow("#filters > *")  # one line high below 100 columns
        self._fit_columns()

    def _fit_columns(self) -> None:
        """Below 100 columns the type gives the title room ("deployment_succ…"); there, beside
        the detail pane, the table is a list of when and what: its source, type and significance
        (which the pane shows) fold away, and the title fits what is left. At 80 columns the pane left
        the table room for its time, source and a cut type, and no title (a tester's finding).
        From 100 columns, beside the pane, the significance folds and (below 160) the type is cut
        as below 100, and the title fits what is left, ending in "…" as at 80: held at its width, it was
        cut at the pane's edge with no "…" ("rocket-web fr", a tester's finding). Below 100
        columns the significance folds (enter's pane says it): at 80x24 the titles had 19 cells
        ("Speed up guidance …", a fresh tester's finding), now 33. Below 60
        columns the source and significance fold away and the type is cut shorter: at 50x15 the
        title was scrolled off the table's right edge (a tester's finding)."""
        narrow = self.app.size.width < NARROW_BELOW
        pane = self.query_one(ObservationPane).display
        beside = narrow and pane
        cut_type = pane and self.app.size.width < TYPE_CUT_BESIDE_BELOW
        tiny = self.app.size.width < TINY_BELOW
        type_width = TYPE_TINY if tiny else TYPE_NARROW if narrow or cut_type else None
        table = self.query_one("#observations", RowTable)
        table.cap_columns(
            {
                "source": 0 if beside or tiny else None,
                "type": 0 if beside else type_width,
                "significance": 0 if pane or narrow else None,
            }
        )
        if table.hold_fill:
            table.release_fill()  # the title fits the table beside the pane

    def on_screen_resume(self) -> None:
        if self.is_mounted:
            self.reload(keep_if_unchanged=True)

    # -- loading: every read in a thread worker, its answer a message (stale ones dropped) ------

    def _filters(self) -> tuple[str | None, str | None, str | None]:
        source = self.query_one("#source-filter", Select).value
        kind = self.query_one("#type-filter", Select).value
        text = self.query_one("#search", Input).value.strip() or None
        return (
            source if isinstance(source, str) else None,
            kind if isinstance(kind, str) else None,
            text,
        )

    def _refresh_facets(self, types_by_source: dict[str, list[str]]) -> bool:
        """The filters' choices: every source, and the types of the chosen source (of all
        sources when none is chosen). A choice no longer offered (a type the chosen source
        does not have) is cleared; returns whether one was."""
        self._types_by_source = types_by_source
        source = self.query_one("#source-filter", Select).value
        if isinstance(source, str) and source in types_by_source:
            types = types_by_source[source]
        else:
            types = sorted({kind for kinds in types_by_source.values() for kind in kinds})
        cleared = False
        for selector, values in (
            ("#source-filter", list(types_by_source)),
            ("#type-filter", types),
        ):
            select = self.query_one(selector, Select)
            current = select.value
            if values != self._facets.get(selector):
                self._facets[selector] = values
                with self.prevent(Select.Changed):  # the caller reloads once
                    select.set_options([(clean(v), v) for v in values])
                    if isinstance(current, str) and current in values:
                        select.value = current
                    elif isinstance(current, str):
                        cleared = True
        return cleared

    def action_reload(self) -> None:
        self.reload()

    def reload(self, *, keep_if_unchanged: bool = False) -> None:
        """Query the mirror with the current filters (in a worker) and fill the table's first
        page when the answer comes (:meth:`on_observations_found`); says "loading…" now.

        ``keep_if_unchanged``: an answer equal to the one shown (same first page and count)
        leaves the table as it is (returning to the screen keeps the user's place)."""
        self._generation += 1
        if self._moves_for is not None:  # moves typed ahead wait for the newest answer
            self._moves_for = self._generation
        self._paging = False
        self._keep_if_unchanged = keep_if_unchanged
        self._filters_asked = self._filters()
        source, kind, text = self._filters_asked
        if not keep_if_unchanged:
            self._say(Content("loading…"))
        self._find(self._generation, self.backfill.workspace, source, kind, text)

    @work(thread=True, exclusive=True, group="observations", exit_on_error=False)
    def _find(
        self,
        generation: int,
        workspace: str,
        source: str | None,
        kind: str | None,
        text: str | None,
    ) -> None:
        with self.backfill.reader() as mirror:
            if not workspace:  # none chosen yet: the latest run's, as the Connect form shows
                latest = mirror.list_runs(1)  # (it was the first by name: a tester's finding)
                names = [latest[0].workspace] if latest else mirror.workspaces()
                workspace = names[0] if names else ""
            facets = mirror.observation_types_by_source(workspace)
            matching, cap, rows = first_page(mirror, workspace, source, kind, text)
        cells = [row_cells(row) for row in rows]
        self.post_message(
            ObservationsFound(generation, 0, rows, cells, matching, cap, facets, workspace)
        )

    def worker_failed(self, group: str, line: str) -> None:
        if group in ("observations", "observations-page"):
            self._paging = False
            self._say(Content(f"Could not read the observations: {clean(line)}"))

    def _add_page(self) -> None:
        """Ask for the next page of matching rows (appended when it comes)."""
        if self._paging:
            return
        self._paging = True
        source, kind, text = self._filters_asked
        self._find_page(self._generation, self.workspace, source, kind, text, self.shown)

    def _add_page_above(self) -> None:
        """Ask for the page of matching rows just above the table's first (after ``end``),
        put above them when it comes: moving up from the first row shown after ``end``
        stopped there, the rows above it out of reach but by ``home`` (a tester's finding)."""
        if self._paging or not self.base:
            return
        self._paging = True
        source, kind, text = self._filters_asked
        offset = max(0, self.base - PAGE)
        self._find_page(
            self._generation, self.workspace, source, kind, text, offset, above=self.base - offset
        )

    def action_last_row(self) -> None:
        """end: the last row of the whole result. Where more match than are loaded (and how
        many is known) the last page is read in place of the rows shown; where the count is
        not known (past COUNT_CAP, a literal search) the next page is read, as scrolling does."""
        table = self.query_one("#observations", DataTable)
        if self.shown >= self.matching or self.matching > self.count_cap:
            # all loaded, or how many is not known: the last loaded row (the next page then
            # loads as scrolling there loads it)
            table.move_cursor(row=table.row_count - 1, animate=False)
        else:
            self._paging = True
            source, kind, text = self._filters_asked
            offset = max(0, self.matching - PAGE)
            self._find_page(self._generation, self.workspace, source, kind, text, offset, True)

    def action_first_row(self) -> None:
        """home: the first row of the whole result (the first page read again after end)."""
        if self.base:
            self.reload()
        else:
            self.query_one("#observations", DataTable).move_cursor(row=0, animate=False)

    @work(thread=True, exclusive=True, group="observations-page", exit_on_error=False)
    def _find_page(
        self,
        generation: int,
        workspace: str,
        source: str | None,
        kind: str | None,
        text: str | None,
        offset: int,
        jump: bool = False,
        above: int = 0,
    ) -> None:
        """Read ``PAGE`` rows from ``offset`` (``above``: only so many, the page above the
        table's first row) and post them as :class:`ObservationsFound`."""
        with self.backfill.reader() as mirror:
            rows = mirror.find_observations(
                workspace,
                source=source,
                observation_type=kind,
                text=text,
                limit=above or PAGE,
                offset=offset,
            )
        cells = [row_cells(row) for row in rows]
        self.post_message(
            ObservationsFound(generation, offset, rows, cells, jump=jump, above=bool(above))
        )

    def on_observations_found(self, message: ObservationsFound) -> None:
        if message.generation != self._generation or not self.is_mounted:
            return  # an answer to an older query: a newer one is on its way
        table = self.query_one("#observations", DataTable)
        if message.above:
            self._put_above(table, message)
            return
        if message.jump:
            self._paging = False
            table.clear()
            self.base = message.offset
            for row_cells_, row in zip(message.cells, message.rows, strict=True):
                table.add_row(*row_cells_, key=str(row.id))
            self.shown = self.base + table.row_count
            table.move_cursor(row=table.row_count - 1, animate=False)
            self._show_count(self._filters_asked[2])
            return
        if message.offset == 0:
            self.base = 0
            answer = (message.workspace, self._filters_asked, message.matching, message.rows)
            if self._keep_if_unchanged and answer == self._first_page:
                self._show_count(self._filters_asked[2])
                if self._focus_with_answer == message.generation:
                    self._focus_table()
                self._moves_on_answer(message.generation)
                return
            self._first_page = answer
            self.workspace = message.workspace
            self.count_cap = message.count_cap
            self.matching = message.matching or 0
            if message.facets is not None and self._refresh_facets(message.facets):
                self.reload()  # a filter no longer offered was cleared: ask again without it
                return
            table.clear()
        elif message.offset != self.shown:
            return
        self._paging = False
        for row, row_cells_ in zip(message.rows, message.cells, strict=True):
            if str(row.id) not in table.rows:
                table.add_row(*row_cells_, key=str(row.id))
        self.shown = self.base + table.row_count
        pane = self.query_one(ObservationPane)
        if not message.offset and not message.rows and pane.display:
            self._close_pane()  # nothing matches: no observation left to show
        if message.offset and self.count_cap < COUNT_CAP:
            # A literal search counts what it has read: one page more says "more than" again.
            more = len(message.rows) >= PAGE
            self.count_cap = self.shown
            self.matching = self.shown + 1 if more else self.shown
        self._show_count(self._filters_asked[2])
        if self._focus_with_answer == message.generation:
            self._focus_table()
        self._moves_on_answer(message.generation)

    def _put_above(self, table: DataTable[Any], message: ObservationsFound) -> None:
        """The page read above the table's first row goes above it; the cursor and the rows
        in view stay where they were on the screen (the table keeps at most ``KEEP_ROWS``:
        the farthest below go, and scrolling down reads them again)."""
        self._paging = False
        if message.offset + len(message.rows) != self.base:
            return  # the table moved on (home, a new query) while this page was read
        kept = [row.key for row in table.ordered_rows[: max(0, KEEP_ROWS - len(message.rows))]]
        kept_cells = [table.get_row(key) for key in kept]
        taken = {key.value for key in kept}
        above = [
            (row_cells_, str(row.id))
            for row_cells_, row in zip(message.cells, message.rows, strict=True)
            if str(row.id) not in taken
        ]
        cursor, scrolled = table.cursor_row, table.scroll_y
        table.clear()
        for row_cells_, new_key in above:
            table.add_row(*row_cells_, key=new_key)
        for row_key, cells in zip(kept, kept_cells, strict=True):
            table.add_row(*cells, key=row_key.value)
        self.base = message.offset
        self.shown = self.base + table.row_count
        # The same rows in the same place: everything moved down by the rows put above (once
        # the table has measured its new rows: a scroll now is cut to the old height).
        table.move_cursor(row=cursor + len(above), animate=False, scroll=False)
        table.call_after_refresh(table.scroll_to, y=scrolled + len(above), animate=False)
        self._show_count(self._filters_asked[2])

    def _show_count(self, text: str | None) -> None:
        capped = self.matching > self.count_cap
        many = f"more than {self.count_cap:,}" if capped else f"{self.matching:,}"
        more = f" (showing the newest {self.shown})" if capped or self.matching > self.shown else ""
        if self.base and self.shown >= self.matching:
            more = f" (showing the oldest {self.shown - self.base}; home: the newest)"
        elif self.base:
            more = f" (showing {self.base + 1:,}–{self.shown:,}; home: the newest)"
        where = f"workspace {clean(self.workspace)}" if self.workspace else "no observations yet"
        source, kind, _ = self._filters_asked
        filters = [
            f"source {clean(source)}" if source else "",
            f"type {clean(kind)}" if kind else "",
        ]
        chosen = " and ".join(f for f in filters if f)
        if text and not self.matching:
            counted = f"nothing matches “{clean(text)}” in titles or bodies"
            if chosen:  # the filters may be why: say them
                counted += f" with {chosen}"
        elif chosen and not self.matching:
            counted = f"no observations with {chosen}"
        else:
            counted = f"{many} {noun(self.matching, 'observation')}{more}"
        line = f"{counted} · {where}"
        opens = " · enter opens one" if self.matching else ""  # nothing to open: say nothing
        room = self.query_one("#obs-count", Label).content_size.width or self.app.size.width - 2
        if len(line) + len(opens) <= room:  # the hint only where it fits on the line
            line += opens
        self._say(Content(line))

    def _say(self, line: Content) -> None:
        """Put ``line`` in the count line under the table. It is laid out again only when it
        takes another number of lines: a layout of the whole screen for each "loading…" and
        each count was a part of every search key (bench/app_scale.py)."""
        label = self.query_one("#obs-count", Label)
        width = label.content_size.width
        height = label.content_size.height
        same = width > 0 and height > 0 and len(line.wrap(width)) == height
        label.update(line, layout=not same)

    @on(DataTable.RowHighlighted, "#observations")
    def _near_the_end(self, event: DataTable.RowHighlighted) -> None:
        if event.cursor_row >= event.data_table.row_count - 1 and self.shown < self.matching:
            self._add_page()
        elif event.data_table.cursor_row == 0 and self.base:
            self._add_page_above()  # the table's first row, with rows above it (after end)

    @on(Select.Changed)
    def _filter_changed(self, event: Select.Changed) -> None:
        if event.select.id == "source-filter":
            self._refresh_facets(self._types_by_source)  # the type list follows the source
        self.reload()

    @on(Input.Changed, "#search")
    def _search_changed(self) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(SEARCH_DELAY, self.reload)

    @on(Input.Submitted, "#search")
    def _search_submitted(self) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        # Typing searched already (SEARCH_DELAY after the last key): an answer equal to the one
        # shown keeps the table as it is, instead of drawing the same rows again.
        self.reload(keep_if_unchanged=True)
        # The table takes the focus with the answer (on_observations_found), in one frame: the
        # focus moving redraws every row the table shows, and moved at once it drew the previous
        # answer's rows once more before the new ones came (~35 ms at 120x36, bench/app_scale.py).
        # A slow answer does not keep the focus in the box longer than FOCUS_WITH_ANSWER_S.
        self._focus_with_answer = self._generation
        if self._focus_timer is not None:
            self._focus_timer.stop()
        self._focus_timer = self.set_timer(FOCUS_WITH_ANSWER_S, self._focus_before_answer)

    #: The search whose answer the moves typed ahead wait for, once the table has the focus.
    _moves_for: int | None = None

    def _focus_before_answer(self) -> None:
        """A slow answer: the table takes the focus now, and the moves typed ahead (an Enter
        opening the first row) wait for the answer's rows instead of going to those shown."""
        self._moves_for = self._focus_with_answer
        self._focus_table(moves=False)

    def _moves_on_answer(self, generation: int) -> None:
        if self._moves_for is not None and self._moves_for == generation:
            self._moves_for = None
            self._make_moves()

    def _make_moves(self) -> None:
        """The keys pressed while the answer was on its way, in order, on the table."""
        table = self.query_one("#observations", DataTable)
        moves, self._moves_ahead = self._moves_ahead, []
        for move in moves:
            getattr(table, _MOVES[move])()

    def _focus_table(self, *, moves: bool = True) -> None:
        if self._focus_timer is not None:  # the answer came first: the timer has nothing to do
            self._focus_timer.stop()
            self._focus_timer = None
        if self._focus_with_answer is not None:
            self._focus_with_answer = None
            table = self.query_one("#observations", DataTable)
            self.set_focus(table)
            # The footer's keys ("/" again) with the answer: Textual refreshes the bindings
            # after the next frame, so the footer changed a frame or two after the rows.
            self.refresh_bindings()
            if moves:
                self._make_moves()

    def on_key(self, event: events.Key) -> None:
        """A move (down, up, a page) typed in the search box goes to the results: made on the
        answer's rows once they are in when a search is on its way (keys sent in one burst,
        "enter down down", reach here before the enter is handled; they were lost). An Enter
        typed there while a search is on its way opens the answer's first row (``Enter Enter``
        sent at once searched twice and opened nothing: a fresh tester's finding)."""
        if event.key == "enter" and self._focus_with_answer is None:
            return  # the search box's own Enter: it searches
        if event.key in _MOVES and isinstance(self.focused, Input):
            self._moves_ahead.append(event.key)
            event.stop()
            if len(self._moves_ahead) == 1:
                self.set_timer(MOVES_SETTLE_S, self._settle_moves)

    def _settle_moves(self) -> None:
        """The moves typed in the search box, once the keys before them were handled: with a
        search on its way they wait for its answer (``_focus_table``); words typed but not yet
        searched are searched now, the moves made on their answer; else they are made now."""
        if not self._moves_ahead or self._focus_with_answer is not None:
            return
        text = self.query_one("#search", Input).value.strip() or None
        if text != self._filters_asked[2]:
            self._search_submitted()
            return
        self._focus_with_answer = self._generation
        self._focus_table()

    # -- the detail pane ---------------------------------------------------------------------------

    @on(DataTable.RowSelected, "#observations")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.open_detail(int(event.row_key.value))

    @on(DataTable.RowHighlighted, "#observations")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        pane = self.query_one(ObservationPane)
        if pane.display and event.row_key.value is not None:
            self.open_detail(int(event.row_key.value))

    def open_detail(self, observation_id: int) -> None:
        """Read the observation in a worker; the pane shows it when it comes."""
        self._detail_generation += 1
        self._read_one(self._detail_generation, observation_id)

    @work(thread=True, exclusive=True, group="observation-detail", exit_on_error=False)
    def _read_one(self, generation: int, observation_id: int) -> None:
        with self.backfill.reader() as mirror:
            observation = mirror.get_observation(observation_id)
        self.post_message(ObservationRead(generation, observation_id, observation))

    def on_observation_read(self, message: ObservationRead) -> None:
        if message.generation != self._detail_generation or not self.is_mounted:
            return  # another row was opened since
        if message.observation is None:
            self.notify("that observation is no longer in the mirror", severity="warning")
            return
        pane = self.query_one(ObservationPane)
        if not pane.display:
            # Beside the pane the table is a list to move through that does not scroll
            # sideways: the horizontal scrollbar that came with the pane laid the screen out
            # twice more (bench/app_scale.py "detail"); the pane shows the whole row. Its title
            # is fitted to the narrower table (``_fit_columns``), so each ends whole or in "…".
            table = self.query_one("#observations", RowTable)
            table.styles.overflow_x = "hidden"
            pane.display = True
            self._fit_columns()
        pane.show(message.observation)
        self.refresh_bindings()
        self.post_message(ObservationOpened(message.observation_id))

    def action_close_detail(self) -> None:
        """esc: from the search box back to the table; else the detail closes; else a search
        is cleared (as in k9s and lazygit): with neither open, "esc Close" in the footer did
        nothing that a tester could see."""
        if isinstance(self.focused, Input):  # esc in the search box: back to the table
            self.set_focus(self.query_one("#observations", DataTable))
            return
        if self.query_one(ObservationPane).display:
            self._close_pane()
        else:
            search = self.query_one("#search", Input)
            if search.value:
                with self.prevent(Input.Changed):  # asked once, now, not after SEARCH_DELAY
                    search.value = ""
                self.reload()
                self.refresh_bindings()
        self.query_one("#observations", DataTable).focus()

    def _close_pane(self) -> None:
        self.query_one(ObservationPane).display = False
        table = self.query_one("#observations", RowTable)
        table.styles.overflow_x = "auto"
        table.release_fill()
        self._fit_columns()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The "Close" binding works while a detail is open, the search box has the focus
        (esc leaves it for the table) or a search is shown (esc clears it); the footer shows it
        dimmed otherwise: a key that comes and goes mounts and lays the whole screen out again, a part
        of every detail opened, bench/app_scale.py); "/" moves to the search box unless a text
        box has the focus (there it is typed, and the footer dims it)."""
        if action == "close_detail":  # also leaves the search box (its words stay)
            shown = (
                self.query_one(ObservationPane).display
                or isinstance(self.focused, Input)
                or bool(self._filters_asked[2])
            )
            return True if shown else None
        if action == "focus_search":  # None: dimmed in the footer, and "/" is typed
            return None if isinstance(self.focused, Input) else True
        if action in ("last_row", "first_row"):  # elsewhere (the search box) its own keys
            return self.focused is self.query_one("#observations", DataTable)
        return True

    def action_focus_search(self) -> None:
        # At once, not with Widget.focus() (a callback queued behind the keys already read):
        # "/fix" arriving in one burst must type "fix" into the box (tests/app/test_typed_ahead).
        self.set_focus(self.query_one("#search", Input))
