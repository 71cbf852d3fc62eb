"""Trigger in production (the export screen's ctrl+t): ask production to backfill what a
completed preview backfilled, one ``apps-console/backfill.requested`` per GitHub or Vercel
source of the run, through :mod:`backfill_tui.export.trigger` (the core ``backfill-tui
trigger`` uses).

The mirror does not know production's ids, so the modal asks for the Clerk org and, per source,
the integration id and the user source id. A dry run comes first (what would be sent, what the
mirror's ledger says went before, each refusal); Send is offered only for the inputs that dry
run saw. Both run in thread workers and come back as messages. Sources production cannot
backfill (Linear, Sentry, or only entities it has no backfill for) are listed and left out.

Past 400 lines on purpose: one dialog, whose class alone is nearly 400 lines: its form, dry
run and send, and the ways a send is stopped (escape, Close, a quit), which share the send's
state (``is_sending``, ``cancel_event``, the count sent) and read together. The rules and the
sending are ``engine/trigger.py``; :func:`trigger_sources` and the messages moved out would
still leave it past 400.
"""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from ..errors import BackfillError
from ..secrets_registry import redact
from ..terms import plural, were
from ..textsafe import clean
from ..widgets.app_footer import AppFooter
from ..widgets.steady_input import SteadyInput
from ..widgets.wording import in_app
from .export_parts import SendRetrying
from .mode_screen import NARROW_BELOW, set_compact
from .steady_layout import SteadyLayout

if TYPE_CHECKING:
    from ..engine.mirror import RunRecord
    from ..engine.trigger import TriggerPlan, TriggerProgress, TriggerResult

__all__ = ["TriggerFailed", "TriggerPlanned", "TriggerScreen", "TriggerSent", "trigger_sources"]


def trigger_sources(run: RunRecord) -> tuple[list[tuple[str, str, str]], list[str]]:
    """The run's sources production can backfill, as (source, provider, entity types separated
    by ``;``, empty for the provider's defaults), and a line for each source or entity type
    left out and why: a source with entity types production has no backfill for (GitHub's
    ``push``) names them, as they were left out silently (a fresh tester's finding)."""
    from ..engine.catalog import provider as provider_info
    from ..engine.trigger import CONNECTORS

    kept: list[tuple[str, str, str]] = []
    left: list[str] = []
    for source in run.sources:
        provider = source.partition(":")[0]
        offered = CONNECTORS.get(provider)
        if offered is None:
            left.append(f"{source}: {provider} has no backfill connector in production")
            continue
        backfilled = provider_info(provider).connector.entities  # what the run fetched of it
        wanted = [e for e in backfilled if run.entities is None or e in run.entities]
        chosen = [e for e in wanted if e in offered]
        missing = ", ".join(e for e in wanted if e not in offered)
        if not chosen:
            left.append(f"{source}: production has no backfill for {missing}")
            continue
        if missing:
            left.append(f"{source}: {missing} (production has no backfill for it)")
        defaults = run.entities is None and set(chosen) == set(offered)
        kept.append((source, provider, "" if defaults else ";".join(sorted(chosen))))
    return kept, left


@dataclass
class TriggerPlanned(Message):
    """A dry run's plan, and the inputs it saw (the Clerk org, then each source's two ids)."""

    inputs: tuple[str, ...]
    plan: TriggerPlan


@dataclass
class TriggerSent(Message):
    """A send ended: all sent, stopped on request, or stopped by a failure part way."""

    result: TriggerResult


@dataclass
class TriggerFailed(Message):
    """A dry run or a send stopped; ``error`` is one line without secrets."""

    stage: str
    error: str


#: Lines below which the dialog's fields and buttons are one line high.
SHORT_BELOW = 30
#: Where the event key comes from when the export form has none (as ``trigger`` takes it).
EVENT_KEY_ENV = "INNGEST_EVENT_KEY"
NO_KEY = (
    f"No event key: type it on the export form (target Inngest) or set {EVENT_KEY_ENV}; "
    "Send stays off until then."
)
STALE = "The fields changed since the dry run: ctrl+r for a new one (nothing was sent)."


class TriggerScreen(SteadyLayout, ModalScreen[None]):
    CSS_PATH = "trigger.tcss"
    #: Escape closes the dialog, or while Send goes stops it (``check_action`` shows the one
    #: that applies): it did nothing during a send, which only ctrl+q could stop (a fresh
    #: tester's finding).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("escape", "stop_send", "Stop sending"),
        Binding("ctrl+r", "dry_run", "Dry run", priority=True),
    ]

    def __init__(
        self,
        run: RunRecord,
        db: Path,
        *,
        event_key: str,
        base_url: str,
        clerk_org: str = "",
        key_from: str = "the export form",
    ) -> None:
        """``event_key``: the Inngest event key to send with (empty: none, and Send stays off),
        ``key_from``: where it came from, as the dialog says it ("the export form",
        ``INNGEST_EVENT_KEY``)."""
        super().__init__()
        self.preview_run = run
        self.db = db
        self.event_key = event_key
        self.key_from = key_from
        #: The last dry run's answer as shown, put back when the fields are as it saw them.
        self._plan_text = ""
        self.base_url = base_url
        self.clerk_org = clerk_org
        self.sources, self.left_out = trigger_sources(run)
        self.plan: TriggerPlan | None = None
        self.plan_inputs: tuple[str, ...] | None = None
        self.is_sending = False
        #: Set to stop a send between batches and during a batch's retries (quitting).
        self.cancel_event: threading.Event | None = None
        #: Events sent so far by the send going (written by its worker thread).
        self._sent = 0

    def compose(self) -> ComposeResult:
        # The form scrolls when the terminal is shorter than the dialog; the answer (a dry
        # run's, a send's) and the buttons stay below it, always in view: at 80x24 the whole
        # dialog scrolled, and a dry run's answer landed below the fold with nothing moving to
        # it (fresh testers' findings).
        with Vertical(id="trigger-dialog"):
            with VerticalScroll(id="trigger-form"):
                yield Label(
                    Content(
                        clean(
                            f"Ask production to backfill workspace {self.preview_run.workspace} "
                            f"({self.preview_run.depth_days} days), as run {self.preview_run.id} did here. "
                            "Production's ids are not in the mirror: type them."
                        )
                    ),
                    id="trigger-intro",
                )
                if self.left_out:
                    yield Label(
                        Content(clean("Left out:\n  " + "\n  ".join(self.left_out))),
                        id="trigger-left-out",
                    )
                with Vertical(id="trigger-rows"):  # the form scrolls: one scrollbar
                    with Horizontal(classes="trigger-field"):
                        yield Label("Clerk org", classes="trigger-label")
                        yield SteadyInput(
                            value=self.clerk_org, placeholder="org_…", id="trigger-org"
                        )
                    for i, (source, _, entities) in enumerate(self.sources):
                        shown = f"{source} ({entities.replace(';', ', ')})" if entities else source
                        yield Label(Content(clean(shown)), classes="trigger-source", markup=False)
                        with Horizontal(classes="trigger-field"):
                            yield SteadyInput(
                                placeholder="integrationId", id=f"trigger-integration-{i}"
                            )
                            yield SteadyInput(
                                placeholder="userSourceId", id=f"trigger-user-source-{i}"
                            )
                # Where Send's event key comes from, or why Send stays off (a fresh tester's
                # finding: Send was offered with no key field, and failed only when pressed).
                key_line = (
                    f"Event key: from {self.key_from} (never shown)." if self.event_key else NO_KEY
                )
                yield Label(Content(key_line), id="trigger-key", markup=False)
            with Vertical(id="trigger-foot"):  # below the form: it does not scroll with it
                with VerticalScroll(id="trigger-answer"):
                    yield Label(
                        Content("ctrl+r: dry run (nothing is sent)."),
                        id="trigger-plan",
                        markup=False,
                    )
                with Horizontal(id="trigger-actions"):
                    yield Button("Dry run", id="trigger-dry-run")
                    yield Button("Send", id="trigger-send", variant="warning", disabled=True)
                    yield Button("Close", id="trigger-close")
        # The dialog's own keys (Escape, ctrl+r) where every screen shows its keys: the export
        # screen's footer showed through below, naming keys the dialog does not take (a fresh
        # tester's finding).
        yield AppFooter()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        """Below 100 columns or 30 lines the fields and buttons are one line high (a bordered
        one costs three), as the app's screens are below 100 columns (``compact_when_narrow``)."""
        small = self.app.size.width < NARROW_BELOW or self.app.size.height < SHORT_BELOW
        self.set_class(small, "-compact")
        set_compact(self, "Input, Button", small)

    def on_mount(self) -> None:
        self._fit()
        self.query_one("#trigger-dialog").border_title = "Trigger in production"
        if not self.event_key:
            self.query_one("#trigger-send", Button).tooltip = NO_KEY
        if not self.sources:
            self.query_one("#trigger-dry-run", Button).disabled = True
            self._say("This run has no GitHub or Vercel source production can backfill.")
            return
        # What is typed as the dialog opens goes to the first input still empty (the Clerk org
        # unless the export form gave one), not nowhere.
        fields = list(self.query(Input))
        empty = [field for field in fields if not field.value]
        (empty or fields)[0].focus()

    def _say(self, text: str) -> None:
        self.query_one("#trigger-plan", Label).update(Content(clean(text)))

    def inputs(self) -> tuple[str, ...]:
        values = [self.query_one("#trigger-org", Input).value.strip()]
        for i in range(len(self.sources)):
            values.append(self.query_one(f"#trigger-integration-{i}", Input).value.strip())
            values.append(self.query_one(f"#trigger-user-source-{i}", Input).value.strip())
        return tuple(values)

    @on(Input.Changed)
    def _changed(self) -> None:
        """A dry run's answer holds only for the inputs it saw: edited since, it is replaced by
        a line saying so and Send is off (a fresh tester's finding: "not sent: …: no
        integrationId" stayed after the id was typed, until ctrl+r); typed back as they were,
        the answer and Send return."""
        if self.plan_inputs is None or self.is_sending:
            return
        if self.inputs() != self.plan_inputs:
            self.query_one("#trigger-send", Button).disabled = True  # a new dry run first
            self._say(STALE)
        else:
            self._say(self._plan_text)
            self._offer_send()

    def _offer_send(self) -> None:
        """Send on for the dry run shown when it would send something and there is a key."""
        plan = self.plan
        send = self.query_one("#trigger-send", Button)
        send.disabled = plan is None or not plan.to_send or not self.event_key
        send.tooltip = None if self.event_key else NO_KEY

    # -- dry run -----------------------------------------------------------------------------

    @on(Button.Pressed, "#trigger-dry-run")
    def action_dry_run(self) -> None:
        if self.is_sending or not self.sources:
            return
        self._say("Dry run: reading the mirror's ledger…")
        self._plan(self.inputs())

    def _rows(self, inputs: tuple[str, ...]) -> list[Any]:
        from ..engine.trigger import Refusal, check_row

        org, rest = inputs[0], inputs[1:]
        rows: list[Any] = []
        for i, (source, provider, entities) in enumerate(self.sources):
            fields = {
                "integrationId": rest[2 * i],
                "workspaceId": self.preview_run.workspace,
                "clerkOrgId": org,
                "provider": provider,
                "userSourceId": rest[2 * i + 1],
                "depth": str(self.preview_run.depth_days),
                "entityTypes": entities,
            }
            checked = check_row(i + 1, fields)
            if isinstance(checked, Refusal):
                checked = Refusal(checked.line, f"{source}: {checked.reason}")
            rows.append(checked)
        return rows

    @work(thread=True, exclusive=True, group="trigger", exit_on_error=False)
    def _plan(self, inputs: tuple[str, ...]) -> None:
        from ..engine.trigger import endpoint, ledger_target, plan_trigger

        try:
            host = endpoint(self.base_url)[0]
            target = ledger_target(host, self.event_key)
            plan = plan_trigger(self._rows(inputs), host, self.db, target=target)
        except BackfillError as exc:
            self.post_message(TriggerFailed("dry run", redact(str(exc))))
            return
        self.post_message(TriggerPlanned(inputs, plan))

    def on_trigger_planned(self, message: TriggerPlanned) -> None:
        plan = message.plan
        self.plan, self.plan_inputs = plan, message.inputs
        lines = [
            f"Dry run: to Inngest at {plan.host}",
            f"  would send {len(plan.to_send)} of {plural(len(self.sources), 'source')}",
        ]
        if plan.already:
            count = len(plan.already)
            day = min(plan.already.values())[:10]
            lines.append(
                f"  {count} {were(count)} sent on {day}: Inngest drops a repeated id within "
                "24 h; skipped"
            )
        lines += [f"  not sent: {r.reason}" for r in plan.refused]
        sample = plan.sample()
        if sample:
            lines.append("  e.g. " + json.dumps(sample[0]["data"], separators=(", ", ": ")))
        lines.append("Nothing was sent. Send asks production for these backfills.")
        self._plan_text = "\n".join(lines)
        if self.inputs() != message.inputs:  # edited while it ran
            self.query_one("#trigger-send", Button).disabled = True
            self._say(STALE)
            return
        self._say(self._plan_text)
        self._offer_send()

    # -- send --------------------------------------------------------------------------------

    @on(Button.Pressed, "#trigger-send")
    def _send(self) -> None:
        plan = self.plan
        if plan is None or self.is_sending or self.inputs() != self.plan_inputs:
            return
        if not self.event_key:
            self.notify(NO_KEY, title="Not ready", severity="error")
            return
        from .confirm import ConfirmScreen

        # Asked first, as the export's ctrl+s is: each event starts a backfill in production
        # (a fresh tester's finding: Send went at once, the export asked).
        count = len(plan.to_send)
        question = (
            f"Ask production to backfill {plural(count, 'source')}? Sends "
            f"{plural(count, 'backfill.requested event')} to Inngest at {plan.host}; production "
            "starts each backfill as its event arrives."
        )

        def answer(yes: bool | None) -> None:
            if yes and not self.is_sending and self.plan is plan:
                self._set_sending(True)
                self.query_one("#trigger-send", Button).disabled = True
                self._say(f"Sending {plural(count, 'event')}… (escape stops it)")
                self._apply(plan)

        self.app.push_screen(ConfirmScreen(question, title="Send?", yes="Send"), answer)

    def _set_sending(self, sending: bool) -> None:
        """Send going or not: the Close button stops it while it goes, and escape too."""
        self.is_sending = sending
        if sending:
            # Made here, on the UI's thread, so a stop asked before the worker starts holds.
            self.cancel_event = threading.Event()
            self._sent = 0
        self.query_one("#trigger-close", Button).label = "Stop sending" if sending else "Close"
        self.refresh_bindings()

    def _stopping(self) -> bool:
        """The send going was asked to stop (escape, Close, or a quit): its event is set."""
        return self.cancel_event is not None and self.cancel_event.is_set()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Escape's binding for what it does now: stop a send going, else close."""
        if action == "close":
            return not self.is_sending
        if action == "stop_send":
            return self.is_sending
        return True

    @work(thread=True, exclusive=True, group="trigger", exit_on_error=False)
    def _apply(self, plan: TriggerPlan) -> None:
        from ..engine.trigger import EventApi, apply_trigger

        cancel = self.cancel_event
        assert cancel is not None  # made by _set_sending before the worker starts

        def progress(step: TriggerProgress) -> None:
            self._sent = step.sent

        try:
            api = EventApi(
                self.event_key,
                base_url=self.base_url,
                user_agent="backfill-tui app",
                stop=cancel.is_set,
                on_retry=lambda notice: self.post_message(SendRetrying(notice)),
            )
            result = apply_trigger(plan, api, self.db, progress=progress, cancel=cancel)
        except BackfillError as exc:
            self.post_message(TriggerFailed("send", redact(str(exc))))
            return
        self.post_message(TriggerSent(result))

    #: The quit dialog's question while a send goes (``screens/quit.py``).
    quit_question = (
        "Quit now? The trigger stops between batches: every event already sent is kept and "
        "recorded, and triggering again sends the rest."
    )

    def sending(self) -> str | None:
        """While Send goes, what it is doing (the quit dialog's first words): ``A trigger to
        Inngest at HOST is going: N of M sent so far.``; None when nothing is sending."""
        plan = self.plan
        if not self.is_sending or plan is None:
            return None
        return (
            f"A trigger to Inngest at {plan.host} is going: {self._sent} of "
            f"{len(plan.to_send)} sent so far."
        )

    async def stop_for_quit(self) -> str | None:
        """Quitting while Send goes: stop it (between batches, or during a batch's retries:
        quitting asked nothing and then waited minutes of retries on a blank screen, a fresh
        tester's finding), wait until it has, and return the line the app prints once closed;
        None when nothing was sending or everything was sent meanwhile."""
        plan, cancel = self.plan, self.cancel_event
        if plan is None or cancel is None or not self.is_sending:
            return None
        cancel.set()
        while self.is_sending:  # TriggerSent or TriggerFailed ends it
            await asyncio.sleep(0.02)
        if self._sent >= len(plan.to_send):
            return None
        return (
            f"trigger to Inngest at {plan.host} stopped: {plural(self._sent, 'event')} "
            f"{were(self._sent)} sent and recorded; trigger again to send the rest"
        )

    def on_send_retrying(self, message: SendRetrying) -> None:
        """A batch of Send is retried: the answer says why and when (it sat still for minutes
        when Inngest asked for long waits)."""
        plan = self.plan
        if self.is_sending and plan is not None and not self._stopping():
            self._say(
                f"Sending {plural(len(plan.to_send), 'event')} ({self._sent} sent so far)…\n"
                f"{message.notice.line()}"
            )

    def on_trigger_sent(self, message: TriggerSent) -> None:
        self._set_sending(False)
        result = message.result
        text = f"Sent {plural(result.sent, 'event')} to Inngest at {result.plan.host}."
        if result.failed:
            text += f" Stopped: {redact(result.failed)}"
        elif result.cancelled:
            text += " Stopped before the rest; trigger again to send it."
        self.plan = self.plan_inputs = None
        self._say(text)
        self.notify(clean(text), severity="error" if result.failed else "information", markup=False)

    def on_trigger_failed(self, message: TriggerFailed) -> None:
        if self.is_sending:
            self._set_sending(False)
        self._say(f"The {message.stage} failed: {in_app(message.error)}")
        self.notify(
            message.error,
            title=f"{message.stage.capitalize()} failed",
            severity="error",
            markup=False,
        )

    @on(Button.Pressed, "#trigger-close")
    def action_close(self) -> None:
        """Close the dialog; while Send goes, stop it instead (the button says so then)."""
        if self.is_sending:
            self.action_stop_send()
            return
        self.dismiss(None)

    def action_stop_send(self) -> None:
        """Stop the send going, as the export's cancel stops its apply: nothing more is sent
        after the batch under way (a retry's wait ends at once, a request with no answer is
        left after ``event_api.STOP_GRACE_S``); what was sent stays sent and recorded, and the
        dialog then says how many went (``on_trigger_sent``)."""
        cancel, plan = self.cancel_event, self.plan
        if not self.is_sending or cancel is None or plan is None or cancel.is_set():
            return  # nothing going, or asked to stop already (said once)
        cancel.set()
        self._say(
            f"Stopping the send ({self._sent} of {plural(len(plan.to_send), 'event')} sent so "
            "far): nothing more is sent after the batch under way; what was sent is kept and "
            "recorded."
        )
