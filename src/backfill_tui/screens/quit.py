"""Asked before quitting while a run is going: cancelling keeps what was stored."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label

QUESTION = (
    "A backfill is running. Quit now? The run is cancelled cleanly: every page already "
    "stored is kept, and Runs (F5) or `backfill-tui resume` continues it later."
)


class QuitScreen(ModalScreen[bool]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Quit"),
        Binding("n,escape", "answer(False)", "Keep running"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="quit-dialog"):
            yield Label(QUESTION, id="quit-text", markup=False)
            with Horizontal(id="quit-buttons"):
                yield Button("Keep running (n)", id="keep")
                yield Button("Quit (y)", id="quit", variant="warning")

    def on_mount(self) -> None:
        self.query_one("#quit-dialog").border_title = "Quit?"
        self.query_one("#keep", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "quit")

    def action_answer(self, quit_now: bool) -> None:
        self.dismiss(quit_now)
