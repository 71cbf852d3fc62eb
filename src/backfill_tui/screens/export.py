"""The export screen (F6): send the mirror's observations to production's Postgres table or its
Inngest pipeline. Choose the target, see the dry run, confirm, watch the batches land.

The export core (:mod:`backfill_tui.export`) blocks, so the dry run and the apply are thread
workers whose results come back as messages (:class:`ExportPlanned`, :class:`ExportStepped`,
:class:`ExportFinished`, :class:`ExportFailed`); an apply stops between batches when cancelled.
The DSN and the Inngest event key are typed into masked inputs, registered with the secrets
registry before any use and never shown. The core is imported lazily (psycopg loads only here).

Past 400 lines on purpose: one screen's form, dry run, apply and their messages; the parts
that are not the screen live in ``export_parts.py`` and ``trigger.py``.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.reactive import var
from textual.widgets import (
    Button,
    Checkbox,
    Header,
    Input,
    Label,
    ProgressBar,
    RadioButton,
    RadioSet,
    Select,
)

from ..errors import BackfillError, BadValue
from ..secrets_registry import dsn_passwords, redact, register
from ..terms import plural, were
from ..textsafe import clean
from ..widgets.app_footer import AppFooter
from ..widgets.row_table import Cell, RowTable
from ..widgets.secret_field import ClearField, SecretGuard
from ..widgets.steady_input import SteadyInput, show_text
from ..widgets.toggles import MarkedCheckbox, MarkedRadioButton
from ..widgets.wording import in_app
from .confirm import ConfirmScreen
from .export_parts import (
    ExportFailed,
    ExportFinished,
    ExportForm,
    ExportPlanned,
    ExportStepped,
    SendRetrying,
    event_key_in,
    plan_text,
    verb,
    where,
)
from .host import AppHost, host
from .mode_screen import ModeScreen

if TYPE_CHECKING:
    from ..engine.export import ExportPlan, ExportProgress, ExportResult

log = logging.getLogger("backfill_tui.screens.app")

#: The dry run's line while it asks the destination.
ASKING = "Dry run: asking the destination…"
#: A dry run stopped on request (escape) while it waited.
STOPPED = "stopped on request while it waited; nothing was written or sent"

#: Columns from which the action buttons fit with their full labels and least widths.
BUTTONS_WHOLE_FROM = 80
#: The clear fields a credential put in them is cleared from (widgets/secret_field.py).
CLEAR_FIELDS = {
    "export-workspace": ClearField(
        "the workspace",
        "type the workspace's own id",
        "type the workspace's own id; a connection string goes in the DSN field",
    ),
    "clerk-org": ClearField("the Clerk org", "give the org's id (org_...), or none"),
}
#: What the dry run panel says before one. A dry run reads what the target already holds (the
#: table, or the mirror's ledger of what went to that key), so it needs the DSN or the event
#: key: "nothing is written or sent" alone invited trying without them (a tester's finding).
DRY_RUN_HINT = (
    "Press ctrl+r for a dry run once the DSN or the event key is in: nothing is written or sent."
)
#: The dry run's sample: its titles' narrowest (they take what the other columns leave), and
#: the terminal width from which its sourceIds are shown too (the app's "-wide" breakpoint).
SAMPLE_TITLE_MIN, SOURCE_IDS_FROM = 12, 160


class TargetChoice(RadioSet):
    """The target's radio set; a choice by key shows its fields at once, in the key's own
    binding: through ``RadioSet.Changed`` they came a few messages later, after a Tab typed
    right behind the choice had already moved to the other target's field (the DSN, then
    hidden: a fresh tester's finding, with keys in order: key_order.py).

    A choice by key keeps the focus here (the arrows can change it again) and Tab goes on to
    the chosen target's first empty field; a choice by mouse moves the focus there at once
    (``ExportScreen._kind_changed``)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("tab", "to_fields", show=False)]

    #: The selection being changed by a key (not the mouse): the focus stays here.
    by_key = False

    def action_toggle_button(self) -> None:
        selected = self._nodes[self._selected] if self._selected is not None else None
        if isinstance(selected, RadioButton) and not selected.value:
            self.by_key = True
        super().action_toggle_button()
        if self._selected is not None and isinstance(self.screen, ExportScreen):
            button = self._nodes[self._selected]
            self.screen.show_fields("inngest" if button.id == "kind-inngest" else "postgres")

    def action_to_fields(self) -> None:
        """Tab: the chosen target's first empty field, or the next widget when all are
        filled. The focus is set at once (not after a message), so keys typed right behind
        the Tab land there (key_order.py)."""
        screen = self.screen
        field = screen.first_empty_field() if isinstance(screen, ExportScreen) else None
        if field is None:
            screen.focus_next()
        else:
            screen.set_focus(field)


class ExportScreen(ModeScreen):
    CSS_PATH = "export.tcss"
    #: The focus starts on the target choice when the target's required fields are all filled:
    #: Textual's default ("*") gave it to the form's scroll container, so the first Tab only
    #: reached the target (a fresh tester's finding). With one empty, it starts there
    #: (``first_empty_field``, set as the screen is first shown).
    AUTO_FOCUS = "#export-kind"
    #: The required fields of each target, in the order they are shown.
    REQUIRED: ClassVar[dict[str, tuple[str, ...]]] = {
        "postgres": ("#dsn",),
        "inngest": ("#event-key", "#base-url"),
    }
    #: Escape stops what is going, and the footer shows it, first, only while something goes
    #: (``check_action``): an export showed no key to stop it but ctrl+q (a fresh tester's
    #: finding). While an export sends, ctrl+r and ctrl+s are off, as their buttons are.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel_export", "Cancel export"),
        Binding("escape", "stop_dry_run", "Stop dry run"),
        Binding("ctrl+r", "dry_run", "Dry run", priority=True),
        Binding("ctrl+s", "export", "Export", priority=True),
        Binding("ctrl+t", "trigger", "Trigger in production", priority=True),
    ]
    #: An export is sending (its worker runs).
    exporting = var(False, bindings=True)
    #: A dry run is asking the destination (its worker runs): what it waits for is said.
    _planning = var(False, bindings=True)

    def __init__(self) -> None:
        super().__init__()
        self.plan: ExportPlan | None = None
        self.plan_form: ExportForm | None = None
        #: The form as the last dry run was asked for it (``_target_edited``).
        self._asked_form: ExportForm | None = None
        self.cancel_event: threading.Event | None = None
        self.last_result: ExportResult | None = None
        #: The panel says why the last dry run failed (cleared when the destination changes).
        self._failed_dry_run = False
        #: A failure's toast is up (10 s): a new dry run or export takes it down, or it stayed
        #: over the panel saying the new one's progress (a tester's finding).
        self._failure_toast = False
        #: The export going (its plan) and how many of it were sent so far, for the panel's
        #: headline when it stops.
        self._applying: ExportPlan | None = None
        self._sent = 0
        #: The export's last progress line (a retry's line goes below it).
        self._progress_text = ""
        #: The focus was placed as the screen was first shown (later visits keep the user's).
        self._focus_placed = False
        #: The workspace this screen filled in (the app's); one the user typed stays.
        self._workspace_filled: str | None = None
        #: The Base URL as last seen: a change of more than one character is a paste.
        self._base_url_seen = ""
        #: The workspace of each run the run choice offers.
        self._run_workspaces: dict[str, str] = {}
        self._secrets = SecretGuard(CLEAR_FIELDS)

    @property
    def backfill(self) -> AppHost:
        return host(self)

    def compose(self) -> ComposeResult:
        from ..engine.export import DEFAULT_BASE_URL

        yield Header()
        with Horizontal(id="export-main"):
            with VerticalScroll(id="export-form"):
                with Horizontal(classes="field"):
                    yield Label("Target", classes="field-label")
                    with TargetChoice(id="export-kind", compact=True):
                        yield MarkedRadioButton(
                            "PostgreSQL", value=True, id="kind-postgres", compact=True
                        )
                        yield MarkedRadioButton("Inngest", id="kind-inngest", compact=True)
                with Vertical(id="pg-fields"):
                    with Horizontal(classes="field"):
                        yield Label("DSN", classes="field-label")
                        yield SteadyInput(
                            compact=True,
                            placeholder="postgresql://USER:PASSWORD@HOST:PORT/DBNAME",
                            password=True,
                            id="dsn",
                        )
                    yield MarkedCheckbox(
                        "create the table (scratch db)",
                        id="create-schema",
                        compact=True,
                    )
                with Vertical(id="inngest-fields"):
                    with Horizontal(classes="field"):
                        yield Label("Event key", classes="field-label")
                        yield SteadyInput(
                            compact=True,
                            placeholder="the Inngest event key",
                            password=True,
                            id="event-key",
                        )
                    with Horizontal(classes="field"):
                        yield Label("Base URL", classes="field-label")
                        yield SteadyInput(value=DEFAULT_BASE_URL, id="base-url", compact=True)
                    with Horizontal(classes="field"):
                        yield Label("Clerk org", classes="field-label")
                        yield SteadyInput(placeholder="optional", id="clerk-org", compact=True)
                with Horizontal(classes="field"):
                    yield Label("Workspace", classes="field-label")
                    yield SteadyInput(
                        placeholder="the workspace id", id="export-workspace", compact=True
                    )
                with Horizontal(classes="field"):
                    yield Label("Run", classes="field-label")
                    yield Select[str]([], prompt="all runs", id="export-run", compact=True)
                yield Label("", id="export-status")
            with Vertical(id="plan-panel"):
                yield Label(Content(DRY_RUN_HINT), id="plan-summary")
                yield RowTable(id="plan-sample", cursor_type="none", show_cursor=False)
                yield ProgressBar(id="export-progress", show_eta=False)
                yield Label("", id="export-result")
        with Horizontal(id="export-actions"):
            yield Button("Dry run", id="dry-run")
            yield Button("Export…", id="export", variant="warning")
            yield Button("Cancel export", id="cancel-export", disabled=True)
            yield Button("Trigger in production…", id="trigger")
        yield AppFooter()

    def on_resize(self) -> None:
        self.compact_when_narrow("#export-actions Button")  # one line high below 100 columns
        # The four buttons at their least width (16 cells) and full labels take ~76 cells: below
        # 80 columns they take their labels' width and "Trigger in production…" is "Trigger…"
        # (it was cut at the edge, "Trigger in" at 50 columns and "Trigg" at 60).
        tight = self.app.size.width < BUTTONS_WHOLE_FROM
        self.set_class(tight, "-tight-buttons")
        self.query_one("#trigger", Button).label = "Trigger…" if tight else "Trigger in production…"
        # The sample's sourceIds only where the panel has room for them beside the titles
        # (they lay beyond its edge below 160 columns); the titles take the rest.
        shown = self.app.size.width >= SOURCE_IDS_FROM
        self.query_one("#plan-sample", RowTable).cap_columns({"source_id": None if shown else 0})

    def _show_result(self, text: str) -> None:
        """The panel's last line: what happened last, scrolled into view (the panel scrolls
        at 80x24)."""
        self.query_one("#export-result", Label).update(Content(clean(text)))
        self.query_one("#plan-panel").call_after_refresh(
            self.query_one("#plan-panel").scroll_end, animate=False
        )

    def on_mount(self) -> None:
        self.on_resize()
        from .trigger import EVENT_KEY_ENV

        if self.backfill.environment.env.get(EVENT_KEY_ENV, "").strip():
            field = self.query_one("#event-key", Input)
            field.placeholder = f"from {EVENT_KEY_ENV} (type one to use another)"
        self.query_one("#plan-panel").border_title = "Dry run"
        self.query_one("#export-form").border_title = "Export to production"
        sample = self.query_one("#plan-sample", RowTable)
        for label, key in (("date", "date"), ("type", "type"), ("title", "title")):
            sample.add_column(label, key=key)
        sample.add_column("sourceId", key="source_id")
        # The titles take the width the other columns leave, cut with "…" (by terminal cells):
        # cut at 60 characters and again at the panel's edge, they ended mid-word with no sign
        # of more (a tester's finding).
        sample.fill("title", minimum=SAMPLE_TITLE_MIN)
        self.query_one("#inngest-fields").display = False
        self.query_one("#export-progress").display = False
        self.on_screen_resume()

    #: The runs the run choice lists, as last set.
    _run_options: list[tuple[str, str]] | None = None

    def on_screen_resume(self) -> None:
        if not self.is_mounted:
            return
        workspace = self.query_one("#export-workspace", Input)
        # The workspace follows the app's (the run last opened or started) until the user types
        # one: filled once, it stayed the newest run's after a run of another workspace was
        # opened, and the export would have sent that one (a fresh tester's finding).
        if not workspace.value or workspace.value == self._workspace_filled:
            runs = self.backfill.mirror.list_runs(1)
            workspace.value = self.backfill.workspace or (runs[0].workspace if runs else "")
            self._workspace_filled = workspace.value
        select = self.query_one("#export-run", Select)
        current = select.value
        runs = self.backfill.mirror.list_runs(100)
        self._run_workspaces = {r.id: r.workspace for r in runs}
        options = [(f"{r.id} · {clean(r.workspace)}", r.id) for r in runs]
        if options != self._run_options:  # the same list again laid the whole screen out
            self._run_options = options
            with select.prevent(Select.Changed):  # the list refreshed: no run was chosen
                select.set_options(options)
                if isinstance(current, str) and current in self._run_workspaces:
                    select.value = current
        self.show_status()
        if not self._focus_placed and self.is_current:
            # Text typed straight after F6 goes into the field it is for: on the target
            # choice it went nowhere (a fresh tester's finding).
            self._focus_placed = True
            field = self.first_empty_field()
            if field is not None:
                self.set_focus(field)

    def first_empty_field(self) -> Input | None:
        """The chosen target's first required field that is empty (the DSN for Postgres, the
        event key for Inngest), or None when all are filled."""
        for selector in self.REQUIRED[self.kind]:
            field = self.query_one(selector, Input)
            if selector == "#event-key" and self.event_key():
                continue  # INNGEST_EVENT_KEY stands in for it
            if not field.value.strip():
                return field
        return None

    # -- the form ----------------------------------------------------------------------------

    @property
    def kind(self) -> str:
        pressed = self.query_one("#export-kind", RadioSet).pressed_button
        return "inngest" if pressed is not None and pressed.id == "kind-inngest" else "postgres"

    def show_fields(self, kind: str) -> None:
        """The fields of target ``kind`` ("postgres" or "inngest"), the other's hidden."""
        self.query_one("#pg-fields").display = kind == "postgres"
        self.query_one("#inngest-fields").display = kind == "inngest"

    @on(RadioSet.Changed, "#export-kind")
    def _kind_changed(self) -> None:
        self.show_fields(self.kind)
        choice = self.query_one("#export-kind", TargetChoice)
        if choice.by_key:
            choice.by_key = False  # the focus stays on the choice; its Tab goes on
        elif not self.exporting:
            # chosen by mouse: on to the chosen target's first empty field
            field = self.first_empty_field()
            if field is not None:
                self.set_focus(field)
        if not self.exporting:
            # The last dry run or export was the other destination's: its figures, progress
            # bar and result do not stay beside this one (they did: a fresh tester's finding),
            # and a dry run still asking it is dropped.
            self._forget_plan()

    def _forget_plan(self) -> None:
        """The panel back to its hint: the last dry run (or one still asking) was of another
        destination or workspace than the form now says."""
        if self._plan_cancel is not None:
            self._plan_cancel.set()
            self._plan_cancel = None
        self._planning = False
        self.plan = self.plan_form = None
        self._take_down_failure_toast()
        self._clear_panel(DRY_RUN_HINT)

    def _clear_panel(self, summary: str) -> None:
        """The panel with ``summary`` alone: no sample, progress bar or result of the last dry
        run or export (a new dry run's figures came under the last export's bar and result)."""
        self._failed_dry_run = False
        self.query_one("#plan-panel").border_title = "Dry run"
        self.query_one("#plan-summary", Label).update(Content(summary))
        sample = self.query_one("#plan-sample", RowTable)
        sample.clear()
        sample.display = False  # its headings kept the last rows' widths; the plan shows it
        self.query_one("#export-progress").display = False
        self.query_one("#export-result", Label).update("")

    @on(Input.Changed, "#export-workspace")
    def _workspace_changed(self) -> None:
        self.show_status()

    @on(Input.Changed, "#export-workspace, #dsn, #event-key, #base-url")
    def _target_edited(self) -> None:
        """A dry run (or a finished export's result) of another workspace or destination does
        not stay on the panel beside the form (its figures read as this one's: testers'
        findings, the workspace, the DSN, and an export's "0 of 3869 sent" after a run moved
        the app to another workspace); an export going keeps its own. It is compared with the
        form as ctrl+r read it: a change typed just before ctrl+r arrives after it, with that
        same value, and is no change (it dropped the dry run it had started)."""
        asked = self._asked_form
        if asked is not None and not self.exporting and self.read_form() != asked:
            self._asked_form = None  # the panel is the hint's until the next ctrl+r
            self._forget_plan()

    @on(Input.Changed, "#base-url")
    @on(Input.Submitted, "#base-url")
    @on(Input.Blurred, "#base-url")
    def _base_url_changed(self, event: Input.Changed | Input.Submitted | Input.Blurred) -> None:
        """An ingest URL given whole (``https://inn.gs/e/KEY``): its key goes to the masked
        Event key field and the field keeps the base, so the key stays in view no longer than
        typing it takes. Moved when pasted (a change of more than one character), on enter, or
        as the field is left; not key by key, which took "e" of "/e/evt…" for the key."""
        before, self._base_url_seen = self._base_url_seen, event.value
        if isinstance(event, Input.Changed) and len(event.value) - len(before) <= 1:
            return
        found = event_key_in(event.value)
        if found is None:
            return
        base, key = found
        register(key)  # masked wherever it may be echoed
        self.query_one("#event-key", Input).value = key
        self._base_url_seen = base
        event.input.value = base
        self.notify(
            "The event key in the URL went to the Event key field (masked); the Base URL keeps "
            "the rest.",
            title="Event key moved",
            timeout=6,
        )

    @on(Select.Changed, "#export-run")
    def _run_chosen(self, event: Select.Changed) -> None:
        """A run chosen sets the workspace to the run's own (a run backfills one workspace):
        the field kept what it held, empty or another, and the dry run failed (a fresh
        tester's finding). It stays as chosen when the app's workspace changes, as one typed
        does. "all runs" leaves the workspace as it is."""
        workspace = self._run_workspaces.get(event.value) if isinstance(event.value, str) else None
        if workspace is not None:
            self.query_one("#export-workspace", Input).value = workspace
            self._workspace_filled = None

    @on(Input.Changed, "#export-workspace, #clerk-org")
    @on(Input.Submitted, "#export-workspace, #clerk-org")
    @on(Input.Blurred, "#export-workspace, #clerk-org")
    def _clear_field_done(self, event: Input.Changed | Input.Submitted | Input.Blurred) -> None:
        """The workspace or the Clerk org emptied of a token or a DSN with its password when
        pasted, entered or left (not key by key: see widgets/secret_field.py): refused "(not
        shown)", it stayed on screen beside the notice (a fresh tester's finding)."""
        if not isinstance(event, Input.Changed) or self._secrets.changed(event):
            self._clear_secret(event.input, title="Cleared")

    def _clear_secret(self, field: Input, *, title: str) -> bool:
        note = self._secrets.clear(field)
        if note is not None:
            self.notify(note, title=title, severity="warning", markup=False, timeout=8)
        return note is not None

    @on(Input.Submitted, "#dsn, #event-key")
    @on(Input.Blurred, "#dsn, #event-key")
    def _secret_entered(self, event: Input.Submitted | Input.Blurred) -> None:
        _mask(event.input.id or "", event.value.strip())

    def read_form(self) -> ExportForm:
        run = self.query_one("#export-run", Select).value
        form = ExportForm(
            kind=self.kind,
            workspace=self.query_one("#export-workspace", Input).value.strip(),
            run_id=run if isinstance(run, str) else None,
            dsn=self.query_one("#dsn", Input).value.strip(),
            create_schema=self.query_one("#create-schema", Checkbox).value,
            event_key=self.event_key(),
            base_url=self.query_one("#base-url", Input).value.strip(),
            clerk_org=self.query_one("#clerk-org", Input).value.strip(),
        )
        if form.kind == "postgres":
            _mask("dsn", form.dsn)
        else:
            _mask("event-key", form.event_key)
        return form

    def event_key(self) -> str:
        """The form's event key, else ``INNGEST_EVENT_KEY`` as ``export inngest`` and the
        trigger dialog take it: the form asked to "type the Inngest event key" with the
        variable set (a fresh tester's finding)."""
        from .trigger import EVENT_KEY_ENV

        typed = self.query_one("#event-key", Input).value.strip()
        return typed or self.backfill.environment.env.get(EVENT_KEY_ENV, "").strip()

    def show_status(self) -> None:
        """What was already exported where, for the workspace (from the mirror's ledger)."""
        from ..engine.export import export_status
        from ..engine.plan import validate_workspace

        label = self.query_one("#export-status", Label)
        workspace = self.query_one("#export-workspace", Input).value.strip()
        if not workspace:
            show_text(label, "")
            return
        try:  # a DSN typed here is not echoed under "Already exported from workspace …"
            validate_workspace(workspace, name="the workspace")
        except BadValue as exc:
            show_text(label, Content(f"Not a workspace id: it {exc.fault}."))
            return
        try:
            counts = export_status(self.backfill.mirror.path, workspace)
        except BackfillError:
            counts = {}
        lines = [f"Already exported from workspace {workspace}:"]
        lines += [f"  {where(kind, target)}: {n}" for (kind, target), n in counts.items()]
        if not counts:
            lines.append("  nothing yet")
        show_text(label, Content(clean("\n".join(lines))))  # the same on each visit: no layout

    # -- dry run -----------------------------------------------------------------------------

    @on(Button.Pressed, "#dry-run")
    def action_dry_run(self) -> None:
        self._start_plan(confirm=False)

    @on(Button.Pressed, "#export")
    def action_export(self) -> None:
        if self.exporting:
            self.notify("an export is going; cancel it or wait", severity="warning")
            return
        form = self._form_or_notify()
        if form is None:
            return
        # A dry run that found something to send is confirmed as it stands (the apply walks the
        # mirror and the destination again, so it sends only what is still missing). One that
        # found nothing is not trusted: rows may have gone from the table since (a tester
        # deleted one and ctrl+s still said "nothing new"), so ctrl+s asks the destination again.
        if self.plan is not None and self.plan_form == form and self.plan.would_write:
            self.confirm(self.plan)
        else:
            self._start_plan(confirm=True)

    def _form_or_notify(self) -> ExportForm | None:
        for selector in ("#export-workspace", "#clerk-org"):  # a credential there: cleared
            field = self.query_one(selector, Input)
            if self._clear_secret(field, title="Not ready"):
                self._focus_refused(field)
                return None
        form = self.read_form()
        try:
            form.target()  # checks the inputs now, before any worker
        except BackfillError as exc:
            self.notify(redact(str(exc)), title="Not ready", severity="error", markup=False)
            self._focus_refused(self.query_one(f"#{form.refused_field()}", Input))
            if not self.exporting:  # the last dry run's figures or failure were another form's
                self._forget_plan()
            return None
        return form

    def _focus_refused(self, field: Input) -> None:
        """The cursor to the field a "Not ready" names, at the end of its text, none of it
        selected: focused as Tab focuses, all its text was selected, and the next key typed
        replaced it (a masked event key lost whole: a fresh tester's finding)."""
        selects, field.select_on_focus = field.select_on_focus, False
        self.set_focus(field)  # at once (Widget.focus waits a turn)
        field.cursor_position = len(field.value)
        # after the Focus event this posts (keys typed meanwhile come after it too)
        field.call_later(setattr, field, "select_on_focus", selects)

    def _start_plan(self, *, confirm: bool) -> None:
        if self.exporting:
            self.notify("an export is going; cancel it or wait", severity="warning")
            return
        form = self._form_or_notify()
        if form is None:
            return
        self._take_down_failure_toast()
        self._clear_panel(ASKING)  # the last dry run's or export's figures are stale now
        if self._plan_cancel is not None:  # a dry run still waiting: stopped, not doubled
            self._plan_cancel.set()
        self._plan_cancel = threading.Event()
        self._planning = True
        self._asked_form = form
        self._plan(form, confirm, self._plan_cancel)

    @work(thread=True, exclusive=True, group="export-plan", exit_on_error=False)
    def _plan(self, form: ExportForm, confirm: bool, cancel: threading.Event) -> None:
        from ..engine.export import Stopped, plan_export

        try:
            plan = plan_export(
                self.backfill.mirror.path,
                form.target(),
                form.workspace,
                form.run_id,
                retrying=lambda notice: self.post_message(SendRetrying(notice)),
                cancel=cancel,
            )
        except Stopped:
            if cancel is self._plan_cancel:  # escape; one a new ctrl+r replaced says nothing
                self.post_message(ExportFailed("dry run", STOPPED, cancel))
            return
        except BackfillError as exc:
            self.post_message(ExportFailed("dry run", redact(str(exc)), cancel))
            return
        except Exception as exc:  # a bug: one line here, the traceback in the log
            log.exception("export dry run failed")
            error = f"internal error ({type(exc).__name__})"
            self.post_message(ExportFailed("dry run", error, cancel))
            return
        self.post_message(ExportPlanned(form, plan, confirm, cancel))

    def on_export_planned(self, message: ExportPlanned) -> None:
        if message.dry_run is not self._plan_cancel:
            return  # a new dry run or a change of target replaced it
        self._planning = False
        self.plan, self.plan_form = message.plan, message.form
        self.show_plan(message.plan)
        if message.confirm:
            self.confirm(message.plan)

    def show_plan(self, plan: ExportPlan) -> None:
        self.query_one("#plan-summary", Label).update(Content(plan_text(plan)))
        table = self.query_one("#plan-sample", RowTable)
        table.clear()
        table.display = bool(plan.sample)  # no headings over nothing (nothing new to send)
        for row in plan.sample:
            table.add_row(
                Cell(row.occurred_at[:10]),
                Cell(clean(row.observation_type)),
                Cell(" ".join(clean(row.title).split()), no_wrap=True, overflow="ellipsis"),
                Cell(clean(row.source_id)),
            )
        self.query_one("#export-result", Label).update("")

    def on_export_failed(self, message: ExportFailed) -> None:
        if message.stage == "dry run" and message.dry_run is not self._plan_cancel:
            return  # a new dry run or a change of target replaced it
        self.exporting = False
        self._set_running(False)
        reason = in_app(message.error)
        if message.stage == "dry run" and message.error == STOPPED:  # escape: asked, not failed
            self._planning = False
            self.plan = self.plan_form = None
            self.query_one("#plan-sample", RowTable).clear()
            self.query_one("#plan-summary", Label).update(
                Content(
                    "The dry run was stopped; nothing was written or sent. "
                    "Press ctrl+r to ask again."
                )
            )
            self.show_status()
            return
        if message.stage == "dry run":  # the reason stays on the panel after the toast goes
            self._planning = False
            self._failed_dry_run = True
            self.plan = self.plan_form = None
            self.query_one("#plan-sample", RowTable).clear()
            self.query_one("#plan-summary", Label).update(
                Content(clean(f"The dry run failed: {reason}\nMend it and press ctrl+r again."))
            )
        else:
            self._show_stopped(reason)
        self.notify(
            reason,
            title=f"{message.stage.capitalize()} failed",
            severity="error",
            markup=False,
            timeout=10,
        )
        self._failure_toast = True
        self.show_status()

    def _show_stopped(self, reason: str) -> None:
        """An export that failed says so in the panel's first line, with why (its "Exporting…"
        stayed there, and at 80x24 the failure was below the fold: a tester's finding)."""
        plan, sent = self._applying, self._sent
        self._applying = None
        of = f" of {plan.would_write}" if plan is not None else ""
        done = verb(plan.target_kind, 1) if plan is not None else "sent"
        self.query_one("#plan-summary", Label).update(
            Content(
                clean(
                    f"The export stopped: {reason}\n{sent}{of} {done} (what was {done} is kept). "
                    "Mend it and press ctrl+r for a new dry run."
                )
            )
        )
        # The dry run's sample is from before the export: stale now, as after one that ended.
        sample = self.query_one("#plan-sample", RowTable)
        sample.clear()
        sample.display = False
        self.query_one("#export-result", Label).update(Content(f"Stopped: {sent}{of} {done}."))
        panel = self.query_one("#plan-panel")
        panel.call_after_refresh(panel.scroll_home, animate=False)

    # -- apply -------------------------------------------------------------------------------

    def confirm(self, plan: ExportPlan) -> None:
        if not plan.would_write:
            self.notify(
                "nothing new to send; every observation is already there", severity="information"
            )
            return
        question = (
            f"{verb(plan.target_kind).capitalize()} {plural(plan.would_write, 'observation')} of "
            "workspace "
            f"{clean(plan.workspace)} to {where(plan.target_kind, plan.target_id)}? Each batch is "
            "recorded in the mirror as it lands; cancelling keeps what was already sent."
        )
        if plan.details.get("create_schema"):  # the question said nothing of it (a tester)
            from ..engine.export import PRODUCTION_TABLE  # loaded with the plan already

            question += f" The table {PRODUCTION_TABLE} is created first."
        title, yes_label = "Export?", "Export"
        if plan.simulated:  # said first; its button names what it sends, as the CLI's flag does
            from ..engine.export import simulated_note  # loaded with the plan already

            note = simulated_note(plan.simulated, plan.total)
            question = f"{note[0].upper()}{note[1:]}.\n\n{question}"
            title, yes_label = "Export simulated data?", "Export simulated data"

        def answer(yes: bool | None) -> None:
            if yes:
                self.apply(plan)

        self.app.push_screen(ConfirmScreen(question, title=title, yes=yes_label), answer)

    def _take_down_failure_toast(self) -> None:
        if self._failure_toast:
            self._failure_toast = False
            self.app.clear_notifications()

    def apply(self, plan: ExportPlan) -> None:
        self._take_down_failure_toast()
        self.exporting = True
        self._applying, self._sent = plan, 0
        self.plan = self.plan_form = None  # after an apply the plan is stale
        self.cancel_event = threading.Event()
        bar = self.query_one("#export-progress", ProgressBar)
        bar.update(total=plan.would_write, progress=0)
        bar.display = True
        # The dry run's sample gives way to the export's progress and its retry lines (it
        # pushed them out of sight at 80x24); it is stale once the export goes anyway.
        self.query_one("#plan-sample", RowTable).display = False
        self._set_running(True)
        # The panel is the export's now (its title said "Dry run" while it sent: a tester's
        # finding), until the next dry run.
        self.query_one("#plan-panel").border_title = "Export"
        # The dry run's "nothing was written" is no longer true: the panel says what is going.
        self.query_one("#plan-summary", Label).update(
            Content(
                clean(
                    f"Exporting to {where(plan.target_kind, plan.target_id)}: "
                    f"{plural(plan.would_write, 'observation')} of workspace {plan.workspace} (as the "
                    "dry run showed)."
                )
            )
        )
        self._progress_text = f"Exporting {plural(plan.would_write, 'observation')}…"
        self.query_one("#export-result", Label).update(Content(self._progress_text))
        self._apply(plan, self.cancel_event)

    @work(thread=True, exclusive=True, group="export-apply", exit_on_error=False)
    def _apply(self, plan: ExportPlan, cancel: threading.Event) -> None:
        from ..engine.export import apply_export

        def progress(step: ExportProgress) -> None:
            self.post_message(ExportStepped(step))

        try:
            result = apply_export(
                plan, progress=progress, cancel=cancel,
                retrying=lambda notice: self.post_message(SendRetrying(notice)),
            )  # fmt: skip
        except BackfillError as exc:
            self.post_message(ExportFailed("export", redact(str(exc))))
            return
        except Exception as exc:  # a bug: one line here, the traceback in the log
            log.exception("export failed")
            self.post_message(ExportFailed("export", f"internal error ({type(exc).__name__})"))
            return
        self.post_message(ExportFinished(result))

    def on_export_stepped(self, message: ExportStepped) -> None:
        step = message.step
        self._sent = step.written
        bar = self.query_one("#export-progress", ProgressBar)
        if bar.total is not None:
            bar.update(progress=bar.total - step.remaining)
        # The next batch's retries are said below this line (on_send_retrying).
        done = verb(self._applying.target_kind, 1) if self._applying is not None else "sent"
        self._progress_text = (  # events are sent, rows written (it said "300 written" of both)
            f"Batch {step.batch}/{step.batches}: {step.written} {done}, {step.remaining} to go"
        )
        self.query_one("#export-result", Label).update(Content(self._progress_text))

    #: Set to stop the dry run under way (escape, a new ctrl+r, the screen going away): a
    #: statement waiting on a lock held its thread, and a quitting app, until the lock went.
    _plan_cancel: threading.Event | None = None

    def on_unmount(self) -> None:
        if self._plan_cancel is not None:
            self._plan_cancel.set()

    def on_send_retrying(self, message: SendRetrying) -> None:
        """The batch under way is retried: the line says why and when, below the figures. In
        a dry run, what it waits for (a Postgres table another session holds locked) is said
        below "asking the destination…": it sat on that line for as long as the lock was
        held (a fresh tester's finding)."""
        if self._planning and not self.exporting:
            self.query_one("#plan-summary", Label).update(
                Content(f"{ASKING}\n{clean(message.notice.line())}")
            )
        if self.exporting:
            self.query_one("#export-result", Label).update(
                Content(f"{self._progress_text}\n{clean(message.notice.line())}")
            )

    def on_export_finished(self, message: ExportFinished) -> None:
        result = message.result
        self.exporting = False
        self._applying = None
        self.last_result = result
        self._set_running(False)
        if result.details.get("schema_created"):
            # Made now: ticked, the next dry run refused it as "already exists" (a tester).
            self.query_one("#create-schema", Checkbox).value = False
        target = where(result.target_kind, result.target_id)
        done = (
            f"{plural(result.written, 'observation')} {verb(result.target_kind, 1)} to {target} in "
            f"{plural(result.batches, 'batch', 'batches')}; {result.skipped} "
            f"skipped ({result.skip_reason})"
        )
        # The panel reads top to bottom as it happened: a headline saying how the export ended,
        # then its figures last. A cancelled one never reads "Exported" above "Cancelled".
        if result.cancelled:
            text = f"Cancelled: {done}. Export again to send the rest."
            headline = f"Export to {target} cancelled between batches; what was sent is kept."
        else:
            text = f"Done: {done}."
            headline = f"Exported to {target}."
        self.query_one("#plan-summary", Label).update(
            Content(
                clean(f"{headline} Press ctrl+r for a new dry run (it shows what is left to send).")
            )
        )
        # The dry run's sample is from before the export: stale now, so it goes until the next.
        sample = self.query_one("#plan-sample", RowTable)
        sample.clear()
        sample.display = False
        self._show_result(text)
        self.notify(
            clean(text), severity="warning" if result.cancelled else "information", markup=False
        )
        self.show_status()

    def _set_running(self, running: bool) -> None:
        self.query_one("#cancel-export", Button).disabled = not running
        self.query_one("#export", Button).disabled = running
        self.query_one("#dry-run", Button).disabled = running

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Escape's binding for what goes now (hidden when nothing does); ctrl+r and ctrl+s
        shown off while an export sends."""
        if action == "cancel_export":
            return self.exporting
        if action == "stop_dry_run":
            return self._planning and not self.exporting
        if action in ("dry_run", "export") and self.exporting:
            return None
        return True

    def action_stop_dry_run(self) -> None:
        if self._planning and not self.exporting and self._plan_cancel is not None:
            self._plan_cancel.set()  # a dry run waiting (a locked table): stopped
            self.notify("stopping the dry run; nothing was written or sent", severity="warning")

    @on(Button.Pressed, "#cancel-export")
    def action_cancel_export(self) -> None:
        if not self.exporting or self.cancel_event is None:
            return
        self.cancel_event.set()
        self.notify("cancelling after the current batch; what was sent is kept", severity="warning")

    # -- quitting while an export sends (ctrl+q, SIGTERM): asked first, then stopped cleanly ----

    def sending(self) -> str | None:
        """While an apply sends, what it is doing: ``An export to TARGET is going: N of M
        sent so far.`` (the quit dialog's first words); None when none is."""
        plan = self._applying
        if plan is None or not self.exporting:
            return None
        done = f"{self._sent} of {plan.would_write} {verb(plan.target_kind, 1)} so far"
        return f"An export to {where(plan.target_kind, plan.target_id)} is going: {done}."

    async def stop_for_quit(self) -> str | None:
        """Quitting while an apply sends: cancel it between batches (as escape does), wait until
        it has stopped, and return the line the app prints once closed (how many were sent, and
        that running the export again sends the rest: README "An export --apply stopped says
        how many were sent"); None when none was sending or it sent everything meanwhile."""
        plan, cancel = self._applying, self.cancel_event
        if plan is None or cancel is None or not self.exporting:
            return None
        before = self.last_result
        cancel.set()
        while self.exporting:  # ExportFinished or ExportFailed ends it, after the batch going
            await asyncio.sleep(0.02)
        result = self.last_result
        ended = result is not None and result is not before
        if ended and result is not None and not result.cancelled:
            return None
        sent = result.written if ended and result is not None else self._sent
        return (
            f"export to {where(plan.target_kind, plan.target_id)} stopped: "
            f"{plural(sent, 'observation')} {were(sent)} {verb(plan.target_kind, 1)} and "
            "recorded; run the export again to send the rest"
        )

    @on(Button.Pressed, "#trigger")
    def action_trigger(self) -> None:
        """Ask production to backfill what the chosen (else the workspace's latest) completed
        run backfilled (screens/trigger.py); its dry run comes first, in the modal."""
        from .trigger import EVENT_KEY_ENV, TriggerScreen

        chosen = self.query_one("#export-run", Select).value
        workspace = self.query_one("#export-workspace", Input).value.strip()
        runs = [r for r in self.backfill.mirror.list_runs(100) if r.status == "completed"]
        run = next((r for r in runs if r.id == chosen), None) if isinstance(chosen, str) else None
        run = run or next((r for r in runs if r.workspace == workspace), None)
        if run is None:
            self.notify(
                "no completed run to trigger; finish a preview first (or choose its run)",
                title="Nothing to trigger",
                severity="warning",
            )
            return
        # The form's "Not ready" is about the form: over the dialog it covered its fields at
        # 80x24 (a fresh tester's finding).
        self.backfill.take_down_notices("Not ready")
        # The event key as `trigger` takes it when the form has none: INNGEST_EVENT_KEY.
        typed = self.query_one("#event-key", Input).value.strip()
        key, key_from = self.event_key(), "the export form" if typed else EVENT_KEY_ENV
        if not typed:
            register(key)
        self.app.push_screen(
            TriggerScreen(
                run,
                self.backfill.mirror.path,
                event_key=key,
                base_url=self.query_one("#base-url", Input).value.strip(),
                clerk_org=self.query_one("#clerk-org", Input).value.strip(),
                key_from=key_from,
            )
        )


def _mask(field: str, value: str) -> None:
    """Mask what the ``field`` (``"dsn"`` or ``"event-key"``) holds, from here on, whatever
    echoes it: the event key whole, a DSN's password only (``secrets_registry.dsn_passwords``).
    A DSN registered whole, half typed as "postgresql://", masked our own example: "write
    ***USER:PASSWORD@HOST…" (a tester's finding)."""
    for secret in dsn_passwords(value) if field == "dsn" else [value]:
        register(secret)
