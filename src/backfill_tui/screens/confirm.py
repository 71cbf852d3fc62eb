"""A yes/no question in a modal (the export's "really send?"): ``y`` or the button confirms,
``n`` or ``escape`` declines. The question is plain text, never markup."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from .steady_layout import SteadyLayout


class ConfirmScreen(SteadyLayout, ModalScreen[bool]):
    CSS_PATH = "confirm.tcss"
    #: A key typed before the question was drawn never answers it (key_order.py).
    KEYS_TYPED_AHEAD: ClassVar[bool] = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(
        self, question: str, *, title: str = "Confirm", yes: str = "Yes", run_id: str | None = None
    ) -> None:
        super().__init__()
        self.question = question
        self.title_text = title
        self.yes = yes
        #: The run the question is about (the dashboard's "cancel it?"): when that run ends
        #: while the question is up, the app closes it as answered no (``BackfillApp``).
        self.run_id = run_id

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog"):
            yield Label(self.question, id="confirm-text", markup=False)
            with Horizontal(id="confirm-buttons"):
                yield Button("Not now (n)", id="no")
                yield Button(f"{self.yes} (y)", id="yes", variant="warning")

    def on_mount(self) -> None:
        self.query_one("#confirm-dialog").border_title = self.title_text
        self.query_one("#no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
