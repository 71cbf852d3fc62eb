"""One source on the connect screen: its token, its entities and what the last test found.

The token line says where the provider's token was found (environment, keyring) or that it is
missing, and offers a masked input that saves to the OS keyring; where no keyring backend
exists it says so and points at the environment variable instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, Checkbox, Input, Label

from ..engine.catalog import provider
from ..terms import CheckOutcome
from ..textsafe import clean
from .steady_input import SteadyInput
from .toggles import MarkedCheckbox
from .wording import in_app

if TYPE_CHECKING:  # the engine and HTTP layer load when first used, not for the first frame
    from ..engine.connection import ConnectionReport
    from ..engine.run import SourceSpec

__all__ = ["SourceCard", "TokenStatus"]


@dataclass(frozen=True)
class TokenStatus:
    """How a provider's credential stands, in words for the card."""

    text: str
    found: bool
    can_save: bool  # a keyring backend exists and the source is not simulated


class SourceCard(Vertical):
    """A source the user added, with its entity checkboxes."""

    @dataclass
    class SaveToken(Message):
        card: SourceCard
        provider: str
        token: str = field(repr=False)

    @dataclass
    class Removed(Message):
        card: SourceCard

    def __init__(self, spec: SourceSpec, status: TokenStatus) -> None:
        super().__init__(classes="source-card")
        self.spec = spec
        self.info = provider(spec.provider)
        self._status = status
        self.chosen: set[str] = set(self.info.connector.entities)
        self.border_title = Content(clean(str(spec)))
        #: The user removed it: it is no longer one of the form's sources, though Textual
        #: prunes it from the DOM a little later.
        self.removed = False

    def compose(self) -> ComposeResult:
        with Horizontal(classes="card-line"):
            yield Label("token", classes="card-key")
            yield Label(Content(self._status.text), classes="token-status")
            yield Button("Remove", compact=True, classes="remove", variant="error")
        with Horizontal(classes="card-line token-entry"):
            yield Label("", classes="card-key")
            yield SteadyInput(
                placeholder=f"paste a {self.info.label} token to save it in the keyring",
                password=True,
                compact=True,
                classes="token-input",
            )
            yield Button("Save", compact=True, classes="token-save")
        with Horizontal(classes="card-line"):
            yield Label("entities", classes="card-key")
            for entity in self.info.connector.entities:
                yield MarkedCheckbox(
                    entity,
                    value=entity in self.chosen,
                    compact=True,
                    name=entity,
                    classes=f"entity-{entity}",
                )
        with Horizontal(classes="card-line test-line"):
            yield Label("test", classes="card-key")
            yield Label(Content("not tested yet (ctrl+t tests every source)"), classes="check")

    def on_mount(self) -> None:
        self.add_class("-untested")  # a narrow screen hides the "not tested yet" line
        self._show_token()

    def show_token(self, status: TokenStatus) -> None:
        self._status = status
        if self.is_mounted:
            self._show_token()

    def _show_token(self) -> None:
        status = self._status
        label = self.query_one(".token-status", Label)
        label.update(Content(status.text))
        label.set_class(status.found, "-found")
        label.set_class(not status.found, "-missing")
        self.query_one(".token-entry").display = status.can_save and not status.found

    @on(Checkbox.Changed)
    def _entity_changed(self, event: Checkbox.Changed) -> None:
        name = str(event.checkbox.name)
        if event.value:
            self.chosen.add(name)
        else:
            self.chosen.discard(name)

    @property
    def entities(self) -> frozenset[str]:
        return frozenset(self.chosen)

    def spec_with_entities(self) -> SourceSpec:
        from ..engine.run import SourceSpec

        chosen = self.entities
        everything = frozenset(self.info.connector.entities)
        return SourceSpec(
            self.spec.provider, self.spec.target, None if chosen == everything else chosen
        )

    def show_check(self, report: ConnectionReport | None, *, pending: bool = False) -> None:
        label = self.query_one(".check", Label)
        self.set_class(report is None and not pending, "-untested")
        if pending:
            label.update(Content("testing…"))
            return
        if report is None:
            label.update(Content("not tested yet (ctrl+t tests every source)"))
            label.set_class(False, "-ok")
            label.set_class(False, "-failed")
            return
        quota = ""
        if report.quota_remaining is not None and report.quota_limit is not None:
            quota = f" · quota {report.quota_remaining}/{report.quota_limit} left"
        text = f"token {report.token} · access {report.access} · target {report.target}{quota}"
        label.update(Content(clean(in_app(text))))  # the app's words, not the CLI's flags
        label.set_class(report.ok, "-ok")
        label.set_class(report.outcome == CheckOutcome.FAILED, "-failed")  # not a rate limit

    @on(Button.Pressed, ".token-save")
    def _save(self, event: Button.Pressed) -> None:
        event.stop()
        self._submit_token()

    @on(Input.Submitted, ".token-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._submit_token()

    def _submit_token(self) -> None:
        box = self.query_one(".token-input", Input)
        token = box.value.strip()
        box.value = ""
        if not token:
            self.notify("paste a token first", severity="warning")
            return
        self.post_message(self.SaveToken(self, self.spec.provider, token))

    @on(Button.Pressed, ".remove")
    def _remove(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.Removed(self))
