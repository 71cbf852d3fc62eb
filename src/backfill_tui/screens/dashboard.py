"""The live dashboard: a row per stream grouped by source, totals, a daily chart and a log.

It never talks to the engine: the app folds progress events into a :class:`RunProgress` and
calls :meth:`DashboardScreen.refresh_session` (at most four times a second); the chart reads
the mirror (at most every two seconds). Keys: cancel, retry failed streams, observations, quit.
The texts it shows of a run (its title, times, what failed) are made in ``dashboard_parts.py``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Header, Label, Static

from ..engine.live import RunProgress
from ..terms import RESUMABLE, RunStatus, StreamStatus
from ..widgets.app_footer import AppFooter
from ..widgets.day_chart import DayChart
from ..widgets.reflow_log import ReflowLog
from ..widgets.run_rows import ColumnHeader, SourceHeader, StreamRow
from .dashboard_parts import no_run_chart_text, overall_line, run_title, streams_hint
from .host import AppHost, host
from .messages import ChartCounted
from .mode_screen import ModeScreen

if TYPE_CHECKING:
    from ..engine.mirror import RunRecord
    from .host import RunSession

CHART_INTERVAL = 2.0  # seconds between chart queries while a run goes

COMPACT_BELOW = 100  # columns
#: Below this many lines the chart and the log give way to the rows: at 50x15 they kept their
#: 8 lines and no stream row showed (a fresh tester's finding).
ROWS_ONLY_BELOW = 20

#: Also on a mirror with past runs ("No run yet." there read as if it had none: a tester).
EMPTY = "No run open. F2: add sources and start a backfill · F5: open a past run."


class DashboardScreen(ModeScreen):
    CSS_PATH = "dashboard.tcss"
    #: Its keys act at once (cancel, retry, leave) and it comes up unasked (a run started,
    #: opened or replayed): a key typed before it was drawn is dropped (key_order.py).
    KEYS_TYPED_AHEAD: ClassVar[bool] = False
    #: "f4 Obs." where "Observations" would push F6 off the footer (widgets/app_footer.py).
    FOOTER_SHORT_WORDS: ClassVar[bool] = True
    # c and r are shown only where they act (``check_action``): with no run open they read as
    # if there were something to cancel, and at 80 columns they pushed F6 off the footer (a
    # fresh tester's finding). Pressed anyway, the hidden twin says why nothing happens (a key
    # that ignores the press leaves a newcomer guessing). "o" is F4's twin: F4 shows.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "cancel_run", "Cancel"),
        Binding("c", "say_why_not('cancel')", "Cancel", show=False),
        Binding("r", "retry_run", "Retry"),
        Binding("r", "say_why_not('retry')", "Retry", show=False),
        Binding("o", "app.switch_mode('observations')", "Observations", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._run_id: str | None = None
        self._rows: dict[str, StreamRow] = {}
        self._headers: dict[str, SourceHeader] = {}
        self._chart_at = float("-inf")
        self._chart_new = -1
        self._overall = ""
        self._binding_state: tuple[bool, str] | None = None
        self._spent: tuple[str, str, bool] | None = None
        #: Bumped by every :meth:`show_session`; a row rebuild for an older run is skipped.
        self._generation = 0
        #: Bumped by every chart read; an older read's answer is dropped.
        self._chart_generation = 0

    @property
    def backfill(self) -> AppHost:
        return host(self)

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="run-info"):
            yield Label(Content(EMPTY), id="run-title")
            yield Label("", id="overall")
        with Vertical(id="streams-panel"):
            yield ColumnHeader()
            # no stop for Tab while it has no rows (its focus mark ran down an empty panel)
            yield VerticalScroll(id="streams", can_focus=False)
        with Horizontal(id="lower"):
            with Vertical(id="chart-panel"):
                yield DayChart(id="chart")
            yield ReflowLog(id="log")
        yield AppFooter()

    def on_mount(self) -> None:
        # The workspace's, as the mirror holds them (a re-sync's run fetched duplicates only).
        self.query_one("#chart-panel").border_title = "Observations per day (workspace)"
        self.query_one("#log").border_title = "Log"
        streams = self.query_one("#streams", VerticalScroll)
        for name in ("scroll_y", "virtual_size"):  # scrolled, or rows laid out anew
            self.watch(streams, name, self._show_hidden_rows, init=False)
        if self.backfill.session is not None:
            self.show_session(self.backfill.session)

    def on_screen_resume(self) -> None:
        if self.backfill.session is None:
            self._count_mirror()
        self.refresh_session(final=True)

    @work(thread=True, exclusive=True, group="day-chart", exit_on_error=False)
    def _count_mirror(self) -> None:
        """With no run open the chart says what the mirror holds, and how to show a run's days
        ("no observations in the window yet" beside a mirror of rows: a fresh tester's finding)."""
        with self.backfill.reader() as mirror:
            text = no_run_chart_text(mirror.count_observations())
        self.app.call_from_thread(self._say_in_chart, text)

    def _say_in_chart(self, text: str) -> None:
        for chart in self.query(DayChart):
            chart.say(text)

    def _show_hidden_rows(self) -> None:
        """The streams panel's top line names the rows out of sight, above and below: at 80x24
        six of the demo's ten streams showed, nothing saying more lay below (a fresh tester's
        finding)."""
        streams = self.query_one("#streams", VerticalScroll)
        top, height = streams.scroll_y, streams.scrollable_content_region.height
        rows = [row.virtual_region for row in self._rows.values() if row.is_attached]
        above = sum(1 for r in rows if r.y < top)
        below = sum(1 for r in rows if r.bottom > top + height) if height else 0
        focused = self.focused is streams
        self.query_one("#streams-panel").border_title = streams_hint(above, below, focused)

    def on_descendant_focus(self) -> None:  # the hint says which key scrolls the streams
        self._show_hidden_rows()

    def on_descendant_blur(self) -> None:
        self._show_hidden_rows()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        session, running = self.backfill.session, self.backfill.running
        if action == "cancel_run":
            return session is not None and running
        if action == "retry_run":
            # r acts where a resume would (terms.RESUMABLE, the rule engine.runs follows)
            if session is None or running or session.progress.status not in RESUMABLE:
                return False
            return not self._replay_spent(session.run.id, session.progress.status)
        return True

    def _replay_spent(self, run_id: str, status: str) -> bool:
        """A replay that replayed all its recording holds hides ``r``, which would only say
        "Nothing to retry" (``engine.runs.replay_spent``; a fresh tester's finding after a
        cancelled replay). Asked of the mirror once per run and status."""
        if self._spent is None or self._spent[:2] != (run_id, status):
            from ..engine.runs import replay_spent

            run = self.backfill.mirror.get_run(run_id)
            self._spent = (run_id, status, run is not None and replay_spent(host(self).mirror, run))
        return self._spent[2]

    def action_say_why_not(self, what: str) -> None:
        """c or r where it cannot act: the notice why (the key's own action says it)."""
        self.action_cancel_run() if what == "cancel" else self.action_retry_run()

    @property
    def compact(self) -> bool:
        """Below 100 columns: narrower counter columns and a shorter overall line."""
        return self.app.size.width < COMPACT_BELOW

    def on_resize(self) -> None:
        # The rows and the column header lay their cells out for the width they are drawn at.
        self._overall = ""  # the overall line is re-made for the new width
        lower = self.query_one("#lower")
        if lower.display != (self.app.size.height >= ROWS_ONLY_BELOW):
            lower.display = self.app.size.height >= ROWS_ONLY_BELOW
        if self.backfill.session is not None:
            self._show_title(self.backfill.session.run)
        if self.backfill.session is not None:
            self._show_overall(self.backfill.session.progress, self.backfill.clock.now())
        self.call_after_refresh(self._show_hidden_rows)

    # -- showing a run ---------------------------------------------------------------------------

    def show_session(self, session: RunSession) -> None:
        """Build the rows for a run (called when the dashboard starts showing another run)."""
        if not self.is_mounted:
            return
        self._run_id = session.run.id
        run = session.run
        self._show_title(run)
        streams = self.query_one("#streams", VerticalScroll)
        if not streams.can_focus:  # the rows' keys (↑↓ PgDn) scroll the run's streams
            streams.can_focus = True
            if self.focused is None or isinstance(self.focused, ReflowLog):
                self.set_focus(streams)
        self._rows, self._headers = {}, {}
        widgets: list[Static | StreamRow] = []
        for source, state in session.progress.sources.items():
            header = SourceHeader(source)
            self._headers[source] = header
            widgets.append(header)
            for key in state.streams:
                row = StreamRow(session.progress.streams[key])
                self._rows[key] = row
                widgets.append(row)
        # (Each part queried may be gone: the screen resumed as the app closes takes its
        # children down meanwhile.)
        for log_view in self.query(ReflowLog):
            log_view.clear()
        # The run's sources get their sparklines now, laid out with the rows in one pass, not
        # one by one as their first observations land (each a layout of the whole screen).
        # (The chart counts by provider: observations.source, "github".)
        providers = {source.split(":", 1)[0] for source in session.progress.sources}
        for chart in self.query(DayChart):
            chart.expect(sorted(providers))
        self._chart_at, self._chart_new = float("-inf"), -1
        self._generation += 1
        # The old rows must be gone before the new ones mount. The screen handles its messages
        # one at a time, so queued rebuilds run in order and a stale one sees a newer generation.
        self.call_later(self._replace_rows, self._generation, widgets)

    async def _replace_rows(self, generation: int, widgets: list[Static | StreamRow]) -> None:
        if generation != self._generation or not self.is_mounted:
            return  # another run was shown meanwhile: its own rebuild is queued behind this one
        container = self.query_one("#streams", VerticalScroll)
        await container.remove_children()
        if generation != self._generation:
            return
        await container.mount_all(widgets)
        self.query_one(ColumnHeader).display = True
        self.refresh_session(final=True)

    def _show_title(self, run: RunRecord) -> None:
        """The run's line: the longest of its forms that fits the width (at 80 columns the
        whole one was cut as "… 11:56 UT…", a tester's finding)."""
        self.query_one("#run-title", Label).update(
            Content(run_title(run, max(self.app.size.width - 2, 20)))
        )

    def reveal_first_failure(self) -> None:
        """Scroll the streams, if need be, so the first failed stream's row (and the reason
        beneath it) is in sight: called when a run ends. At 80x24 a failed source's rows lay
        below the fold while the header said "4 streams failed" (a fresh tester's finding).
        Nothing moves when no stream failed or the row is already in sight."""
        session = self.backfill.session
        if session is None or session.run.id != self._run_id:
            return
        for key, state in session.progress.streams.items():
            if state.status != StreamStatus.FAILED or key not in self._rows:
                continue
            # its source's header at the top: the source's name, its rows and the reason
            # beneath its last row, as far as the panel holds them
            header = self._headers.get(key.rsplit("/", 1)[0])
            streams = self.query_one("#streams", VerticalScroll)
            if header is None:
                streams.scroll_to_widget(self._rows[key], animate=False)
            elif not streams.can_view_entire(self._rows[key]):
                streams.scroll_to_widget(header, animate=False, top=True)
            return

    def refresh_session(self, final: bool = False) -> None:
        """Redraw from the run's state; cheap when nothing changed."""
        session = self.backfill.session
        if session is None or not self.is_mounted:
            return
        if session.run.id != self._run_id:
            self.show_session(session)
            return
        if not self.is_current and not final:
            return
        progress = session.progress
        now = self.backfill.clock.now()
        for key, state in progress.streams.items():
            row = self._rows.get(key)
            if row is not None:
                row.show(state)
        for source, header in self._headers.items():
            if source in progress.sources:
                header.show(progress.sources[source], now)
                self._share_reasons(progress.sources[source].streams)
        self._show_overall(progress, now)
        lines = progress.take_log()
        if lines:
            log = self.query_one(ReflowLog)
            for line in lines:
                log.add(Text(line))
        stored = progress.totals().new
        if final or (now - self._chart_at >= CHART_INTERVAL and stored != self._chart_new):
            self._chart_at, self._chart_new = now, stored
            self._show_chart(session)
        keys = (self.backfill.running, progress.status)
        if keys != self._binding_state:  # the footer repaints: only when keys change
            self._binding_state = keys
            self.refresh_bindings()

    def _share_reasons(self, keys: list[str]) -> None:
        """Rows of one source (``keys``, in order) that failed alike say it once, beneath the
        last of them, rows with no reason (one completed) between them passed over: a missing
        target fails four GitHub streams alike, four copies took 12 of 24 lines at 80x24."""
        rows = [self._rows[key] for key in keys if key in self._rows]
        for at, row in enumerate(rows):
            below = next((other for other in rows[at + 1 :] if other.reason is not None), None)
            same = below is not None and below.status_text == row.status_text
            row.share_reason(row.reason is not None and same)

    def _show_overall(self, progress: RunProgress, now: float) -> None:
        status = progress.status
        text = overall_line(progress, now, self.app.size.width - 2, compact=self.compact)
        if text != self._overall:
            # One line of fixed width: new figures (the elapsed time ticking) need a repaint,
            # not a layout of the whole screen four times a second.
            self._overall = text
            label = self.query_one("#overall", Label)
            label.update(Content(text), layout=False)  # its width is fixed (dashboard.tcss)
            for name in ("-running", "-completed", "-failed", "-cancelled", "-partial"):
                label.set_class(name == f"-{status}", name)

    def _show_chart(self, session: RunSession) -> None:
        """Read the chart's counts in a thread worker; :meth:`on_chart_counted` draws them."""
        run = session.run
        first = datetime.fromisoformat(run.since).astimezone(UTC).date()
        last = datetime.fromisoformat(run.started_at).astimezone(UTC).date()
        self._chart_generation += 1
        # Whole UTC days, from the cutoff's day: the report's rule (``report.histogram``). By
        # the cutoff's instant, an item observed on that day before it was "before Nov 01" here
        # and on Nov 01 in the report, one apart (a fresh tester's finding).
        day = first.isoformat()
        self._count_days(self._chart_generation, run.workspace, day, first, last)

    @work(thread=True, exclusive=True, group="day-chart", exit_on_error=False)
    def _count_days(
        self, generation: int, workspace: str, since: str, first: date, last: date
    ) -> None:
        with self.backfill.reader() as mirror:
            counts = mirror.daily_counts(workspace, since)
            older = mirror.count_older(workspace, since)
        self.post_message(ChartCounted(generation, counts, first, last, older))

    def worker_failed(self, group: str, line: str) -> None:
        if group == "day-chart":  # no sparkline of zeros where the mirror could not be read
            for chart in self.query(DayChart):
                chart.fail(f"Could not count the days: {line}")

    def on_chart_counted(self, message: ChartCounted) -> None:
        if message.generation == self._chart_generation and self.is_mounted:
            # none when the screen is being taken down (the app closing as the count lands)
            for chart in self.query(DayChart):
                chart.show(message.counts, message.first, message.last, older=message.older)

    # -- actions -----------------------------------------------------------------------------------

    def action_cancel_run(self) -> None:
        session = self.backfill.session
        if session is not None and not self.backfill.running:
            if session.progress.status == RunStatus.RUNNING:  # another process drives it
                self.notify(
                    f"run {session.run.id} is run by another process ({session.run.pid}: "
                    "another window or a command); cancel it there",
                    severity="information",
                )
                return
            self.notify(
                f"run {session.run.id} is {session.progress.status}: there is nothing to cancel",
                severity="information",
            )
            return
        if session is None or not self.backfill.running:
            return
        from .confirm import ConfirmScreen

        # Asked first: after ctrl+s the keys still being typed land here, and a "c" among
        # them cancelled the run at once (a fresh tester's finding); ctrl+q asks too.
        run_id = session.run.id

        def answer(yes: bool | None) -> None:
            session_now = self.backfill.session
            if not yes or session_now is None or session_now.run.id != run_id:
                return
            if self.backfill.running and self.backfill.cancel_run():
                self.notify("cancelling: what was stored is kept; press r to retry")

        self.app.push_screen(
            ConfirmScreen(
                f"Cancel run {run_id}? What it stored is kept; r retries it from there.",
                title="Cancel the run?",
                yes="Cancel run",
                run_id=run_id,
            ),
            answer,
        )

    def action_retry_run(self) -> None:
        self.backfill.retry_run()
