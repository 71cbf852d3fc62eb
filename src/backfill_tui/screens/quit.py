"""Asked before quitting while a run is going: cancelling keeps what was stored."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from ..terms import suggest

QUESTION = (
    "A backfill is running. Quit now? The run is cancelled cleanly: every page already "
    "stored is kept, and Runs (F5) or `backfill-tui resume` continues it later."
)


def question(run_id: str | None, mirror: str | Path | None) -> str:
    """The question, its suggested command naming the run and (when not the default) the
    mirror, as every hint does (``cli_options.suggest``)."""
    if run_id is None:
        return QUESTION
    command = suggest(f"resume {run_id}", mirror)
    return QUESTION.replace("`backfill-tui resume`", f"`{command}`")


class QuitScreen(ModalScreen[bool]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Quit"),
        Binding("n,escape", "answer(False)", "Keep running"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="quit-dialog"):
            session = getattr(self.app, "session", None)
            mirror = getattr(getattr(self.app, "mirror", None), "path", None)
            run_id = session.run.id if session is not None else None
            yield Label(question(run_id, mirror), id="quit-text", markup=False)
            with Horizontal(id="quit-buttons"):
                yield Button("Keep running (n)", id="keep")
                yield Button("Quit (y)", id="quit", variant="warning")

    def on_mount(self) -> None:
        self.query_one("#quit-dialog").border_title = "Quit?"
        self.query_one("#keep", Button).focus()

    def run_ended(self, status: str) -> None:
        """The run ended while the question was up: say so (it no longer asks about a running
        backfill; a tester found it did), and quitting cancels nothing."""
        self.query_one("#quit-text", Label).update(
            f"The backfill has ended ({status}); nothing is running now. Quit now?"
        )
        self.query_one("#keep", Button).label = "Stay (n)"

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "quit")

    def action_answer(self, quit_now: bool) -> None:
        self.dismiss(quit_now)
