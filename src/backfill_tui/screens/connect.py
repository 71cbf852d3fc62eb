"""The connect screen: workspace, depth, sources with their tokens and entities, test, estimate,
Start.

Providers come from ``connectors.PROVIDERS``; a target is checked as it is typed with the
connector's own ``parse_target`` (through ``SourceSpec.parse``). "Test connection" and the
estimate are workers (their results come back as :class:`ConnectionChecked` and
:class:`EstimateReady`); Start hands a :class:`RunRequest` to the app.

Past 400 lines on purpose: one screen (the form, its validation, estimates and test
connection) in one file, as Posting keeps one file per screen.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.errors import NoWidget
from textual.message import Message
from textual.timer import Timer
from textual.validation import ValidationResult, Validator
from textual.widgets import (
    Button,
    DataTable,
    Header,
    Input,
    Label,
    Select,
)

from ..engine.catalog import CATALOG, PROVIDERS, provider
from ..engine.credentials import environment_token, keyring_status, lookup, save_token
from ..errors import BackfillError, BadValue, UsageError
from ..secrets_registry import redact, register
from ..terms import DEFAULT_DEPTH, DEFAULT_MAX_ITEMS, DEPTHS, MAX_COUNT, grouped, plural
from ..textsafe import ascii_int, clean
from ..widgets.app_footer import AppFooter
from ..widgets.depth_choice import DepthChoice
from ..widgets.lazy_select import LazySelect
from ..widgets.more_below import FormScroll, MoreBelow
from ..widgets.row_table import cut_cells
from ..widgets.secret_field import ClearField, SecretGuard
from ..widgets.source_card import SourceCard, TokenStatus
from ..widgets.steady_input import SteadyInput, show_text
from ..widgets.wording import in_app
from .host import AppHost, host
from .messages import ConnectionChecked, EstimateReady, SourceAdded, StartRequested
from .mode_screen import ModeScreen
from .record_to import RecordValidator, record_note

RECOMMENDED = " · recommended"  # after the default depth's label
#: The estimate panel's line once a run has changed the mirror it counted (one line at 80x24).
RUN_SINCE = "A run has changed the mirror since: press ctrl+e to estimate again."
#: Its line when a run started while it was being made.
STOPPED_FOR_RUN = "Estimate stopped: a run started. Press ctrl+e once it ends."
#: Its line once the form no longer asks what it estimated.
FORM_CHANGED = (
    "The workspace, sources or depth changed, or the recording: press ctrl+e to estimate again."
)
#: The clear fields a credential put in them is cleared from (widgets/secret_field.py).
TOKEN_GOES = "a token goes in its variable, such as GITHUB_TOKEN"
CLEAR_FIELDS = {
    "workspace": ClearField(
        "the workspace", f"type the workspace's own id; {TOKEN_GOES}", "type the workspace's own id"
    ),
    "target": ClearField(
        "the source",
        f"type a target such as acme/rocket; {TOKEN_GOES}",
        "type a target such as acme/rocket",
    ),
    # a file named like a token was shown, recorded to and stored as typed (a stranger's
    # finding); `run --record` refuses it too (engine.outputs.token_path_problem)
    "record-to": ClearField("Record to", f"name the file otherwise; {TOKEN_GOES}"),
}
DEMO_HINT = (
    "New here? `backfill-tui demo` opens this app on simulated providers: no account, no "
    "token, a backfill to watch in under a minute."
)

if TYPE_CHECKING:  # the engine, estimate and HTTP layer load on first use (issue 13 start-up)
    from ..engine.estimate import Estimate, SourceEstimate
    from ..engine.mirror import RunRecord
    from ..engine.run import RunRequest, SourceSpec

log = logging.getLogger("backfill_tui.screens.app")


def parse_source(provider_name: str, text: str) -> SourceSpec:
    """``acme/rocket`` for the chosen provider, or a whole ``github:acme/rocket``."""
    from ..engine.run import SourceSpec

    value = text.strip()
    if not value:
        raise UsageError(f"type a target: {provider(provider_name).connector.target_help}")
    head, sep, _ = value.partition(":")
    if sep and head.strip().lower() in PROVIDERS:
        return SourceSpec.parse(value)
    return SourceSpec.parse(f"{provider_name}:{value}")


class KeyringChecked(Message):
    """The keyring's answer (``keyring_status``): None when it can keep tokens, else why not."""

    def __init__(self, note: str | None) -> None:
        super().__init__()
        self.note = note


class TargetValidator(Validator):
    def __init__(self, screen: ConnectScreen) -> None:
        super().__init__()
        self.screen = screen

    def validate(self, value: str) -> ValidationResult:
        if not value.strip():
            return self.success()
        try:
            parse_source(self.screen.provider_name, value)
        except BackfillError as exc:
            return self.failure(str(exc))
        return self.success()


class TargetInput(SteadyInput):
    """The target field: Enter adds the source in its own binding, not in a handler of the
    ``Submitted`` it would post. Keys are let through one at a time when each key's bindings
    have run (screens/key_order.py); a message posted by the binding was handled after the
    next key was typed, so ``acme/one`` Enter ``acme/two`` added "acme/onea" and cleared the
    "a", and a ctrl+s right after Enter started without the source (a fresh tester's findings).
    """

    async def action_submit(self) -> None:
        screen = self.screen
        if isinstance(screen, ConnectScreen):
            screen.add_source(self.value)
        else:  # pragma: no cover - the field lives on the connect screen only
            await super().action_submit()


def target_placeholder(provider_name: str) -> str:
    """The target's form without its example (``github:OWNER/REPO``): it fits the field."""
    return CATALOG[provider_name].target_help.split(" (for example")[0]


class ConnectScreen(ModeScreen):
    CSS_PATH = "connect.tcss"
    #: Focus goes to the workspace at once, not first to the form's scroller (Textual's "*"):
    #: each move restyled the form's 30 widgets before the first frame. ``on_mount`` may then
    #: move it on (the target, or Start in the demo).
    AUTO_FOCUS = "#workspace"
    #: Below 120 columns (not the app's 100) the estimate goes under the form and the fields
    #: are one line high: from 100 to 119 the estimate beside the form left it 54-73 cells, and
    #: "90 days" and a GitHub card's "push" were cut (a fresh tester's finding). The form needs
    #: ~72: its depth line is 70 cells with label and padding, a card's entities line ~68.
    NARROW_BELOW = 120
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (NARROW_BELOW, "-medium"), (160, "-wide")]  # noqa: RUF012
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "start", "Start", priority=True),
        Binding("ctrl+t", "test_connections", "Test", priority=True),
        Binding("ctrl+e", "estimate", "Estimate", priority=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.provider_name = next(iter(PROVIDERS))
        #: The rate-limit waits of the estimate going, by provider label: (until, in the
        #: environment clock's seconds; reason).
        self._waits: dict[str, tuple[float, str]] = {}
        self._secrets = SecretGuard(CLEAR_FIELDS)
        #: Why the target field was last cleared, under it until something is typed there.
        self._cleared_note: str | None = None

    @property
    def backfill(self) -> AppHost:
        return host(self)

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="connect-main"):
            with FormScroll(id="form"):
                with Horizontal(classes="field"):
                    yield Label("Workspace", classes="field-label")
                    yield SteadyInput(placeholder="the Lightfast workspace id", id="workspace")
                with Horizontal(classes="field"):
                    yield Label("Depth", classes="field-label")
                    yield DepthChoice(
                        [
                            (days, f"{days} days{RECOMMENDED if days == DEFAULT_DEPTH else ''}")
                            for days in DEPTHS
                        ],
                        DEFAULT_DEPTH,
                        id="depth",
                    )
                with Horizontal(classes="field"):
                    yield Label("Add source", classes="field-label")
                    yield LazySelect(
                        [(entry.label, name) for name, entry in CATALOG.items()],
                        value=self.provider_name,
                        allow_blank=False,
                        id="provider",
                    )
                    yield TargetInput(
                        placeholder=target_placeholder(self.provider_name),
                        validators=[TargetValidator(self)],
                        validate_on=["changed", "submitted"],
                        id="target",
                    )
                    yield Button("Add", id="add")
                yield Label("", id="target-hint")
                if self.backfill.demo is None and not self.backfill.mirror.list_runs(1):
                    yield Label(Content(DEMO_HINT), id="demo-hint")
                yield Vertical(id="sources")
                # The options come after the sources: a newcomer's essentials (workspace,
                # depth, sources, Start) come first, within 80x24 (issue 12).
                with Horizontal(classes="field", id="max-items-row"):
                    yield Label("Max items", classes="field-label")
                    yield SteadyInput(
                        value=str(DEFAULT_MAX_ITEMS),
                        placeholder=f"per stream (default {DEFAULT_MAX_ITEMS})",
                        restrict=r"[0-9]*",
                        max_length=10,  # 1,000,000,000 (terms.MAX_COUNT) has ten digits
                        id="max-items",
                    )
                with Horizontal(classes="field", id="record-to-row"):
                    yield Label("Record to", classes="field-label")
                    yield SteadyInput(
                        placeholder="optional: record this run to a file",
                        validators=[RecordValidator(lambda: self.backfill.mirror.path)],
                        validate_on=["changed", "submitted"],
                        id="record-to",
                    )
                yield Label("", id="record-hint")
                yield MoreBelow(id="more-below")
            with Vertical(id="estimate-panel"):
                yield DataTable(id="estimate-table", cursor_type="none", show_cursor=False)
                yield Label(Content("Press ctrl+e for an estimate."), id="estimate-summary")
        with Horizontal(id="actions"):
            yield Button("Test connections", id="test")
            yield Button("Estimate", id="estimate")
            yield Button("Start", id="start", variant="primary")
        yield AppFooter()

    def on_resize(self) -> None:
        self._fit_width()
        self.query_one(MoreBelow).check_later()  # the form's view is taller or shorter now
        # below 120 columns the estimate is a line a source, without the table (show_estimate)
        self.query_one("#estimate-table").display = self.app.size.width >= self.NARROW_BELOW
        shown = self.backfill.estimate
        if self.is_mounted and shown is not None and shown[1] is self._shown:
            self.show_estimate(shown[1])  # a table from 120 columns, a line a source below

    _shown: Estimate | None = None

    def _fit_width(self) -> None:
        """Below 120 columns the form's fields and the buttons are one line high, so workspace,
        depth, sources and Start fit in 80x24."""
        self.compact_when_narrow("#form > .field > *, #actions Button")

    def on_mount(self) -> None:
        self._fit_width()
        rows = [("Max items", "#max-items-row"), ("Record to", "#record-to-row")]
        self.query_one(MoreBelow).watch_fields(
            self.query_one("#form", VerticalScroll),
            [(name, self.query_one(row, Horizontal)) for name, row in rows],
        )
        self.query_one("#estimate-panel").border_title = "Estimate"
        table = self.query_one("#estimate-table", DataTable)
        table.add_columns("stream", "items", "calls")
        app = self.backfill
        last = None if app.workspace else self._last_run()
        workspace = app.workspace or (last.workspace if last is not None else "")
        self.query_one("#workspace", Input).value = workspace
        if app.demo is None and last is not None and last.depth_days in DEPTHS:
            # its depth too: 90 days came back as 30 (a fresh tester's finding)
            self.query_one("#depth", DepthChoice).value = last.depth_days
        if app.demo is None and last is not None:
            # and its sources, as the workspace is (a restart kept one, not the other: a fresh
            # tester's finding); after the first frame, as each card asks for its token
            self.call_after_first_frame(lambda: self._restore_sources(last.sources))
        if app.demo is not None:
            self.query_one("#depth", DepthChoice).value = app.demo.depth
            for text in app.demo.sources:
                self.add_source(text, quiet=True)
            self.query_one("#start", Button).focus()
            self.action_estimate()
        elif workspace:
            self.query_one("#target", Input).focus()
        else:  # a first start: typing goes to the workspace at once
            self.query_one("#workspace", Input).focus()
        if not app.environment.simulated:
            self.call_after_first_frame(self._check_keyring)

    # -- the keyring's note --------------------------------------------------------------------

    def _check_keyring(self) -> None:
        """Whether the OS keyring can keep a token (``keyring_status``), asked on a daemon
        thread once the screen is drawn: importing keyring and finding its backend took 35-85
        ms of CPU (a desktop's D-Bus probe more) that competed with the first frame for the
        GIL (issue 13). A daemon thread, not a thread worker, so that quitting never waits
        for a slow probe (asyncio.run joins the workers' executor). The answer comes back as
        a :class:`KeyringChecked` message."""

        def check() -> None:
            note = keyring_status()  # never raises: an unusable keyring is a line
            with contextlib.suppress(RuntimeError):  # the app ended meanwhile
                self.post_message(KeyringChecked(note))

        threading.Thread(target=check, name="keyring-check", daemon=True).start()

    def on_keyring_checked(self, message: KeyringChecked) -> None:
        """Where no keyring can keep a token, the note says so (the README's promise) as the
        form's last line: arriving after the first frame, it moves nothing already shown. A
        source card asks ``keyring_status`` itself (``token_status``), so it is right even when
        added before this answer."""
        if message.note is not None and not self.query("#keyring-note"):
            self.query_one("#form").mount(
                Label(Content(f"Note: {message.note}."), id="keyring-note")
            )

    def _last_run(self) -> RunRecord | None:
        """The newest run in the mirror: its workspace and sources start the form."""
        runs = self.backfill.mirror.list_runs(1)
        return runs[0] if runs else None

    def _restore_sources(self, sources: Sequence[str]) -> None:
        """The last run's sources as cards, unless the form has some by now; a source no
        longer offered (its provider gone) is left out, quietly. Not over what the user began
        meanwhile (a card added, a target typed: adding clears the field)."""
        if self.cards() or self.query_one("#target", Input).value:
            return
        for text in sources:
            self.add_source(text, quiet=True)

    # -- the form ------------------------------------------------------------------------------------

    @property
    def depth(self) -> int:
        return self.query_one("#depth", DepthChoice).value

    @on(Select.Changed, "#provider")
    def _provider_changed(self, event: Select.Changed) -> None:
        # The Select says its first value as it mounts: that is the provider the target was
        # composed for, and validating the empty target then only restyled it (issue 13).
        if isinstance(event.value, str) and event.value != self.provider_name:
            self.provider_name = event.value
            target = self.query_one("#target", Input)
            target.placeholder = target_placeholder(event.value)
            # The hint says why for the provider now chosen (the last one's stayed: "not a
            # valid Linear source" with GitHub picked, a fresh tester's finding).
            self._show_hint(target.value, target.validate(target.value))

    @on(Input.Changed, "#target")
    def _target_changed(self, event: Input.Changed) -> None:
        if self._secrets.changed(event) and self._clear_secret(event.input):
            return  # its hint comes with the change to empty
        self._show_hint(event.value, event.validation_result)

    @on(Input.Changed, "#workspace")
    def _workspace_pasted(self, event: Input.Changed) -> None:
        if self._secrets.changed(event):
            self._clear_secret(event.input)

    @on(Input.Submitted, "#workspace, #record-to")
    @on(Input.Blurred, "#workspace, #target, #record-to")
    def _field_left(self, event: Input.Submitted | Input.Blurred) -> None:
        self._clear_secret(event.input)

    def _clear_secret(self, field: Input, title: str = "Cleared") -> bool:
        """Empty the workspace or the target when it holds a credential, and say so (a token
        pasted there stayed on screen beside "(not shown)": a fresh tester's finding)."""
        note = self._secrets.clear(field)
        if note is None:
            return False
        if field.id == "target":
            self._cleared_note = note
            self._show_hint("", None)
        self.notify(note, title=title, severity="warning", timeout=8)
        return True

    def _show_hint(self, value: str, result: ValidationResult | None) -> None:
        """Why the target is not a source, under it; nothing when it is one or is empty, but
        why it was cleared, when it was (until something is typed)."""
        hint = self.query_one("#target-hint", Label)
        if value.strip():
            self._cleared_note = None
        elif self._cleared_note is not None:
            show_text(hint, Content(clean(self._cleared_note)))
            hint.set_class(True, "-invalid")
            return
        if result is None or result.is_valid or not value.strip():
            show_text(hint, "")
            hint.set_class(False, "-invalid")
        else:
            show_text(hint, Content(clean(result.failure_descriptions[0])))
            hint.set_class(True, "-invalid")

    @on(Input.Changed, "#record-to")
    def _record_changed(self, event: Input.Changed) -> None:
        if self._secrets.changed(event) and self._clear_secret(event.input):
            return  # its hint comes with the change to empty
        self._show_record_hint(event.value, event.validation_result)

    def _show_record_hint(self, value: str, result: ValidationResult | None) -> None:
        """Why the path cannot be recorded to, under it, or the folder a run will make."""
        hint = self.query_one("#record-hint", Label)
        invalid = result is not None and not result.is_valid
        text = result.failure_descriptions[0] if invalid and result else ""
        if not invalid and value.strip():
            text = record_note(value)
        show_text(hint, Content(clean(text)))
        hint.set_class(invalid, "-invalid")
        hint.display = bool(text)
        if text:
            hint.call_after_refresh(hint.scroll_visible, animate=False)

    @on(Button.Pressed, "#add")
    def _add_pressed(self) -> None:
        self.add_source(self.query_one("#target", Input).value)

    @on(DepthChoice.Changed, "#depth")
    @on(Input.Changed, "#max-items")
    # the workspace too: another one has no earlier runs, so a shown re-sync's "only what is
    # new" no longer holds (a fresh tester's finding: ~1401 estimated, 1755 fetched)
    @on(Input.Changed, "#workspace")
    @on(Input.Changed, "#record-to")  # a recorded run fetches in full, not as a re-sync
    @on(SourceAdded)
    def _form_changed(self) -> None:
        self._estimate_stale()

    def on_checkbox_changed(self) -> None:
        self._estimate_stale()

    def add_source(self, text: str, *, quiet: bool = False) -> SourceSpec | None:
        """Validate and add a source card; returns the spec (None, with a notice, if refused)."""
        try:
            spec = parse_source(self.provider_name, text)
        except BackfillError as exc:
            target = self.query_one("#target", Input)
            if not quiet and not self._clear_secret(target, title="Not a source"):
                self.notify(str(exc), title="Not a source", severity="error")
            return None
        if any(card.spec == spec for card in self.cards()):
            self.notify(f"{spec} is already added", severity="warning")
            return None
        self.query_one("#sources", Vertical).mount(
            SourceCard(spec, self.token_status(spec.provider))
        )
        self.query_one("#target", Input).value = ""
        # A source added answers "New here?": the hint's two lines go back to the form, which
        # at 80x24 needs them for the cards (it stayed to the end: a fresh tester's finding).
        self.query("#demo-hint").remove()
        self.post_message(SourceAdded(str(spec)))
        return spec

    def cards(self) -> list[SourceCard]:
        """The sources in the form: a card being removed is not one (it stays in the DOM until
        Textual has pruned it, and a ctrl+s read meanwhile still started with it)."""
        return [card for card in self.query(SourceCard) if not card.removed]

    def on_source_card_removed(self, message: SourceCard.Removed) -> None:
        message.card.removed = True
        message.card.remove()
        self._estimate_stale()

    def token_status(self, provider_name: str) -> TokenStatus:
        info = provider(provider_name)
        environment = self.backfill.environment
        if environment.simulator_wants_token:
            # BACKFILL_SIM token=…: the simulator answers 401 without it, and a simulated run
            # sends only the environment's (it said "not needed" and every stream failed: a
            # fresh tester's finding)
            try:
                if environment_token(info.token_env, environment.env):
                    return TokenStatus("found in the environment", True, False)
            except BackfillError as exc:  # the variable is set but holds no token
                return TokenStatus(str(exc), False, False)
            return TokenStatus(
                f"missing: the simulator expects a token (BACKFILL_SIM token=…); "
                f"set {info.token_env}",
                False,
                False,
            )
        if environment.simulated:
            return TokenStatus("not needed (simulator)", True, False)
        try:
            found = lookup(info.name, info.token_env, environment.env)
        except BackfillError as exc:  # the variable is set but holds no token
            return TokenStatus(str(exc), False, False)
        note = keyring_status()
        if found is not None:
            return TokenStatus(f"found in the {found.origin}", True, note is None)
        if note is not None:
            return TokenStatus(f"missing: set {info.token_env} (no keyring here)", False, False)
        return TokenStatus(f"missing: set {info.token_env} or save one here", False, True)

    def on_source_card_save_token(self, message: SourceCard.SaveToken) -> None:
        info = provider(message.provider)
        register(message.token)  # whatever happens next, it is never shown
        outcome = save_token(info.name, info.label, info.token_env, message.token)
        if not outcome.done:
            self.notify(redact(outcome.message), title="Not saved", severity="error", timeout=10)
            return
        self.notify(outcome.message)
        for card in self.query(SourceCard):
            if card.spec.provider == info.name:
                card.show_token(self.token_status(info.name))
                card.show_check(None)

    @property
    def max_items(self) -> int:
        """The per-stream cap typed in the form (UsageError when not a whole number from 1 to
        :data:`~backfill_tui.terms.MAX_COUNT`, as `--max-items` takes)."""
        text = self.query_one("#max-items", Input).value.strip()
        if not text:
            return DEFAULT_MAX_ITEMS
        try:
            value = ascii_int(text)
        except ValueError:
            value = 0
        if value < 1:
            raise UsageError(
                f"max items must be a whole number of at least 1 (default "
                f"{DEFAULT_MAX_ITEMS}), not '{clean(text)}'"
            )
        if value > MAX_COUNT:  # ten digits fit; the command line's most holds here too
            raise UsageError(f"max items is at most {MAX_COUNT:,}, not {value:,}")
        return value

    def build_request(self) -> RunRequest:
        """The one check ctrl+t, ctrl+e and ctrl+s share, in this order: workspace, sources,
        entities, max items. Raises UsageError with one line saying what to fix."""
        from ..engine.run import RunRequest, validate_workspace

        workspace = self.query_one("#workspace", Input).value.strip()
        if not workspace:
            raise BadValue(
                "the workspace is empty; type the workspace id the backfill is for",
                field="workspace",
                fault="is empty",
            )
        validate_workspace(workspace, name="the workspace")
        cards = self.cards()
        if not cards:
            raise UsageError(self._no_source_yet())
        specs = []
        for card in cards:
            spec = card.spec_with_entities()
            if spec.entities is not None and not spec.entities:
                raise UsageError(f"{card.spec}: tick at least one entity, or remove the source")
            specs.append(spec)
        return RunRequest(
            workspace=workspace,
            sources=tuple(specs),
            depth=self.depth,
            max_items=self.max_items,
            # a run recorded is made in full (Recorder.request_for): its estimate counts so
            full=bool(self.query_one("#record-to", Input).value.strip()),
        )

    def _no_source_yet(self) -> str:
        """What to do with no source added, for the provider chosen: its example (it said
        "such as acme/rocket" with Linear chosen, a fresh tester's finding), or, with a target
        typed and not added, to add it (or why it is not a source)."""
        typed = self._typed_not_added(start_without="")
        if typed is not None:
            return f"no source yet: {typed}"
        example = CATALOG[self.provider_name].target_help.split("(for example ")[-1].rstrip(")")
        return f"no source yet: pick a provider, type a target such as {example}, press enter"

    def _typed_not_added(self, start_without: str) -> str | None:
        """The target field's text when it is not among the sources, as one line saying what
        to do (``github:acme/other is typed but not added: press enter to add it``, or why it
        is not a source) followed by ``start_without``; None when the field is empty or holds
        a source already added. ctrl+s started without it and left it in the field (a fresh
        tester's finding)."""
        typed = self.query_one("#target", Input).value
        if not typed.strip():
            return None
        try:
            spec = parse_source(self.provider_name, typed)
        except BackfillError as exc:
            return f"{exc}; fix it{start_without}"
        if any(card.spec == spec for card in self.cards()):
            return None
        return f"{spec} is typed but not added: press enter to add it{start_without}"

    def _request_or_notify(self) -> RunRequest | None:
        # a credential typed there: cleared first
        for selector in ("#workspace", "#target", "#record-to"):
            field = self.query_one(selector, Input)
            if self._clear_secret(field, title="Not ready"):
                field.focus()
                return None
        try:
            return self.build_request()
        except BackfillError as exc:
            self.notify(in_app(str(exc)), title="Not ready", severity="error")
            if isinstance(exc, BadValue) and exc.field == "workspace":
                # the field to act on: typing after "Not ready" went nowhere (a tester's finding)
                self.query_one("#workspace", Input).focus()
                return None
            target = self.query_one("#target", Input)
            if target.value.strip() and not self.cards() and str(exc) == self._no_source_yet():
                target.focus()  # a target typed and not added: the field to act on, as at Start
            return None

    # -- test, estimate, start -------------------------------------------------------------------

    def _say_left_out(self, doing: str) -> None:
        """A target typed and not added beside the sources added: said, not silently left out
        of a test or an estimate (ctrl+t and ctrl+e went on without it, as ctrl+s once did: a
        fresh tester's finding). They go on with the sources added; ctrl+s still refuses."""
        typed = self._typed_not_added(start_without=f" ({doing} the sources added without it)")
        if typed is not None:
            self.notify(in_app(typed), title="Not added", severity="warning")

    @on(Button.Pressed, "#test")
    def action_test_connections(self) -> None:
        if self._request_or_notify() is None:  # the same checks as estimate and start
            return
        self._say_left_out("testing")
        self._check(self.cards())

    @work(exclusive=True, group="check", exit_on_error=False)
    async def _check(self, cards: list[SourceCard]) -> None:
        from ..engine.connection import check_source

        environment = self.backfill.environment
        for card in cards:
            card.show_check(None, pending=True)
        try:
            reports = await asyncio.gather(
                *(check_source(environment, c.spec.provider, c.spec.target) for c in cards)
            )
        except Exception as exc:
            log.exception("connection test failed")
            self.notify(redact(f"test failed: {exc}"), severity="error")
            for card in cards:
                card.show_check(None)
            return
        for card, report in zip(cards, reports, strict=True):
            if card.is_attached:
                card.show_check(report)
            self.post_message(ConnectionChecked(report))

    @on(Button.Pressed, "#estimate")
    def action_estimate(self) -> None:
        if self.backfill.running:  # its calls would spend the run's quota, on a changing mirror
            self.notify(
                "a run is going: estimate once it ends (press ctrl+e then)",
                title="Not estimated",
                severity="warning",
            )
            return
        request = self._request_or_notify()
        if request is not None:
            self._say_left_out("estimating")
            self._estimate_count += 1
            self._waits.clear()
            self._show_waiting()
            self._estimate(request)

    @work(exclusive=True, group="estimate", exit_on_error=False)
    async def _estimate(self, request: RunRequest) -> None:
        from ..engine.estimate import estimate, resync_starts, shared_id_notes

        app = self.backfill
        self._estimated_after = self._newest_run()
        count = self._estimate_count

        def waiting(label: str, until: float, reason: str) -> None:
            if count == self._estimate_count:  # not an estimate replaced since
                self._waits[label] = (until, reason)
                self._show_waiting()

        try:
            # from the mirror as it is now: a stream a re-sync narrows counts only what is new
            resync = resync_starts(app.mirror, app.environment, request, app.simulator_text)
            result = await estimate(app.environment, request, resync=resync, on_wait=waiting)
            result.notes = shared_id_notes(app.mirror, request, result)  # said before the run
        except Exception as exc:
            log.exception("estimate failed")
            self.notify(redact(f"estimate failed: {exc}"), severity="error")
            return
        finally:
            if count == self._estimate_count:
                self._waits.clear()
                if self._wait_timer is not None:
                    self._wait_timer.stop()
                    self._wait_timer = None
        app.estimate = (request, result)
        self.show_estimate(result)
        # The form may have changed while it ran (a recording asked, a depth chosen): then the
        # estimate is of settings no longer on the form, and its figures stood as the form's
        # (a fresh tester's finding: a re-sync's "↻ 0" for a run that, recorded, fetched in full).
        self._estimate_stale()
        self.post_message(EstimateReady(request, result))

    #: Estimates asked for so far, and the timer counting the waits of the one going down.
    _estimate_count = 0
    _wait_timer: Timer | None = None

    def _show_waiting(self) -> None:
        """The estimate's line while it runs: what it waits for, when a provider asked it to
        wait ("Vercel: waiting 9 s (rate limited)"), from the waits the HTTP layer reports
        as a run's are. It said "fetching the first page…" through a 15 s rate-limit wait
        with no reason (a fresh tester's finding)."""
        now = self.backfill.environment.clock.now()
        for label in [k for k, (until, _) in self._waits.items() if until <= now]:
            del self._waits[label]
        said = [
            f"{label}: waiting {math.ceil(until - now)} s ({_short_reason(reason)})"
            for label, (until, reason) in sorted(self._waits.items())
        ]
        text = "; ".join(said) + "…" if said else "fetching the first page of each stream…"
        show_text(self.query_one("#estimate-summary", Label), Content(f"Estimating: {text}"))
        if said and self._wait_timer is None:
            self._wait_timer = self.set_interval(1.0, self._show_waiting)
        elif not said and self._wait_timer is not None:
            self._wait_timer.stop()
            self._wait_timer = None

    #: The newest run (id, status) when the estimate shown was made: a run since then (its
    #: end) makes it stale, as the mirror it was computed from has changed.
    _estimated_after: tuple[str, str] | None = None

    def _newest_run(self) -> tuple[str, str] | None:
        runs = self.backfill.mirror.list_runs(1)
        return (runs[0].id, str(runs[0].status)) if runs else None

    def edits_form(self, event: events.Key | events.MouseDown) -> bool:
        """Whether ``event`` edits the form: a key typed into one of its fields (a character,
        a deletion, Enter), or a click on it (its screen cells: the application's)."""
        form = self.query_one("#form")
        if isinstance(event, events.Key):
            target = self.focused
            typed = event.is_printable or event.key in ("backspace", "delete", "enter")
            return typed and target is not None and form in target.ancestors
        try:
            widget, _ = self.get_widget_at(event.screen_x, event.screen_y)
        except NoWidget:
            return False
        return widget is form or form in widget.ancestors

    def on_screen_resume(self) -> None:
        """Back on the screen after a run: the estimate shown was of the mirror before it (a
        fresh tester's finding), so it says it is stale and that ctrl+e makes it again (a
        re-sync costs less). It is not made again by itself: the demo estimated on every visit
        after a run, and a run started meanwhile ran beside it (a fresh tester's finding)."""
        app = self.backfill
        # looked at while the screen was away (a run's screens laid out over it): at 80x24 it
        # named "Max items" in view after a run (a fresh tester's finding)
        self.query_one(MoreBelow).check_later()
        field = self.query_one("#record-to", Input)  # a run may have made its folder, or file
        if field.value.strip():
            self._show_record_hint(field.value, field.validate(field.value))
        summary = self.query_one("#estimate-summary", Label)
        if not app.running and str(summary.content) == STOPPED_FOR_RUN:
            # the run that stopped it has ended: "once it ends" stayed after it had (a fresh
            # tester's finding)
            show_text(summary, Content(RUN_SINCE))
            return
        if app.estimate is None or app.running or self._newest_run() == self._estimated_after:
            return
        app.estimate = None  # its totals are not the next run's: the mirror has changed
        self._shown = None
        self.query_one("#estimate-table", DataTable).clear()
        show_text(self.query_one("#estimate-summary", Label), Content(RUN_SINCE))

    def stop_estimate(self) -> None:
        """A run started: the estimate going is stopped (its calls would spend the run's quota,
        and it counted a mirror the run is changing), and the panel says so."""
        if not any(w.group == "estimate" and w.is_running for w in self.workers):
            return
        self.workers.cancel_group(self, "estimate")
        self._estimate_count += 1  # a wait it reports late is not shown
        self._waits.clear()
        if self._wait_timer is not None:
            self._wait_timer.stop()
            self._wait_timer = None
        show_text(self.query_one("#estimate-summary", Label), Content(STOPPED_FOR_RUN))

    def show_estimate(self, result: Estimate) -> None:
        self._shown = result
        table = self.query_one("#estimate-table", DataTable)
        table.clear()
        narrow = self.app.size.width < self.NARROW_BELOW
        # Below 120 columns the panel has four lines: the table showed one stream of ten
        # (a fresh tester's finding); a line per source names its streams instead.
        table.display = not narrow
        lines = []
        for source in result.sources:
            if narrow:  # inside the panel's border and padding
                lines.append(_source_line(source, self.app.size.width - 4))
                continue
            table.add_row(Text(clean(source.source), style="bold"), "", "")
            if source.error:  # the app's words: "or try --simulate" is a flag of the CLI's
                lines.append(f"{source.source}: {in_app(source.error)}")
            for stream in source.streams:
                items = f"{stream.items:,}" if stream.exact else f"~{stream.items:,}"
                entity = stream.key.rsplit("/", 1)[-1] + (" ↻" if stream.resync_since else "")
                table.add_row(Text(f"  {entity}"), Text(items), Text(str(stream.api_calls)))
            if source.quota_limit is not None:
                lines.append(
                    f"{source.source}: {source.quota_remaining}/{source.quota_limit} calls left"
                )
        if narrow and len(lines) > NARROW_SOURCE_LINES:  # the panel's lines: say the rest
            lines = [
                *lines[: NARROW_SOURCE_LINES - 1],
                _more_line(result.sources[NARROW_SOURCE_LINES - 1 :], self.app.size.width - 4),
            ]
        approx = "" if result.exact else "~"
        resynced = sum(1 for s in result.sources for st in s.streams if st.resync_since)
        if result.failed:  # why leads: "0 items in 0 API calls" was no estimate
            count = len(result.sources)
            failed = "the source failed" if count == 1 else f"all {count} sources failed"
            lines.insert(0, f"No estimate: {failed}.")
        else:
            lines.insert(
                0,
                f"{approx}{grouped(result.items, 'item')} in "
                f"{grouped(result.api_calls, 'API call')} over {result.depth} days"
                + ("; ↻ a re-sync: only what is new." if resynced else "."),
            )
        lines[1:1] = [f"note: {note}" for note in result.notes]  # under the totals: sources
        show_text(self.query_one("#estimate-summary", Label), Content(clean("\n".join(lines))))

    def _estimate_stale(self) -> None:
        """Say the estimate shown is stale when the form no longer asks what it estimated.

        The newest cause is said: a form changed after a run had made the estimate stale
        (:data:`RUN_SINCE`, the estimate already dropped) says :data:`FORM_CHANGED`, as before
        any run; "a run has changed the mirror" stayed through every change of the form (a
        fresh tester's finding)."""
        app = self.backfill
        if not self.is_mounted or app.estimate is None:
            self._shown = None
            summary = self.query_one("#estimate-summary", Label) if self.is_mounted else None
            if summary is not None and str(summary.content) == RUN_SINCE:
                summary.update(Content(FORM_CHANGED))
            return
        try:
            request = self.build_request()
        except BackfillError:
            request = None
        if request != app.estimate[0]:
            self._shown = None  # a resize no longer draws it again
            self.query_one("#estimate-table", DataTable).clear()
            show_text(self.query_one("#estimate-summary", Label), Content(FORM_CHANGED))

    @on(Button.Pressed, "#start")
    def action_start(self) -> None:
        request = self._request_or_notify()
        if request is None:
            return
        typed = self._typed_not_added(start_without=", or clear the field to start without it")
        if typed is not None:  # not started without it (the no-source case says it the same way)
            self.notify(typed, title="Not ready", severity="error")
            self.query_one("#target", Input).focus()
            return
        self.post_message(StartRequested(request))
        field = self.query_one("#record-to", Input)
        record_to = field.value.strip()
        started = self.backfill.plan_and_start(request, record_to=record_to or None)
        if started is not None and record_to:
            # A recording is one run's: the next Start with the path still there was refused
            # ("already holds a recording"); where it went is said as the run ends.
            field.clear()


def _source_line(source: SourceEstimate, width: int) -> str:
    """One source's estimate on a line: ``github:acme/rocket: pull_request 48 · issue ~600``
    (``~`` extrapolated, ``↻`` a re-sync's share), or why it could not be estimated. Longer
    than ``width`` cells, its streams are summed (``github:acme/rocket: ~4000 items in 4
    streams``), and why it could not be estimated is cut with "…": wrapped, it took two of
    the panel's lines and the last source was cut off at 80x24 (fresh testers' findings)."""
    if source.error:  # cut to its line: the card above says the whole of it (in app words)
        return cut_cells(f"{source.source}: {in_app(source.error)}", width)
    streams = " · ".join(
        f"{st.key.rsplit('/', 1)[-1]}{' ↻' if st.resync_since else ''} "
        f"{'' if st.exact else '~'}{st.items:,}"
        for st in source.streams
    )
    line = f"{source.source}: {streams}"
    if cell_len(line) <= width:
        return line
    approx = "" if all(st.exact for st in source.streams) else "~"
    items = sum(st.items for st in source.streams)
    return f"{source.source}: {approx}{grouped(items, 'item')} in {plural(len(source.streams), 'stream')}"


#: Lines for sources in the estimate panel below 120 columns (under its total: connect.tcss).
NARROW_SOURCE_LINES = 4


def _more_line(sources: Sequence[SourceEstimate], width: int) -> str:
    """The sources past the panel's lines, on one: how many, those that could not be estimated
    first (their start fails too), then the items of the rest. Seven sources at 80x24 showed
    four, the rest (one a 404 to come) unsaid (a second fresh tester's finding)."""
    failed = [s.source for s in sources if s.error]
    items = sum(st.items for s in sources if not s.error for st in s.streams)
    parts = [f"+{len(sources)} more sources"]
    if failed:
        parts.append(f"not estimated: {', '.join(failed)}")
    if len(failed) < len(sources):
        parts.append(f"~{grouped(items, 'item')} in the others")
    return cut_cells("; ".join(parts), width)


def _short_reason(reason: str) -> str:
    """A wait's reason as the estimate's line says it: "rate limited (429)" is "rate limited"
    (the status is in the log), any other reason whole."""
    return "rate limited" if reason.startswith("rate limited") else clean(reason)
