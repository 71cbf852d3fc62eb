"""Asks for a file path in a modal (the runs screen's "Open recording…"): ``enter`` opens,
``escape`` cancels. Returns the path typed, or None."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class PathPromptScreen(ModalScreen[str | None]):
    CSS_PATH = "path_prompt.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, prompt: str, placeholder: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.prompt = prompt
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(id="path-dialog"):
            yield Label(self.prompt, id="path-text", markup=False)
            yield Input(placeholder=self.placeholder, id="path-input")
            yield Label("enter opens · escape cancels", id="path-keys")

    def on_mount(self) -> None:
        self.query_one("#path-dialog").border_title = self.title_text
        self.query_one("#path-input", Input).focus()

    @on(Input.Submitted, "#path-input")
    def _submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if value:
            self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)
