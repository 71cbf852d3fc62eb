"""Asks for a file path in a modal (the runs screen's "Open recording…"): ``enter`` opens,
``tab`` completes the path as a shell does (the matches are listed beneath), ``escape`` cancels.

A ``check`` callable may vet the path before the modal closes: its error stays on the modal,
above the input, so a mistyped path is mended in place instead of starting over. Returns the
path typed, or None.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Input, Label

from ..secrets_registry import holds_credential
from ..textsafe import clean
from ..widgets.secret_field import SecretGuard
from ..widgets.steady_input import SteadyInput
from .steady_layout import SteadyLayout

__all__ = ["PathPromptScreen", "PathSuggester", "complete_path"]

SHOWN_MATCHES = 8


def complete_path(text: str) -> tuple[str, list[str]]:
    """Shell-style completion of ``text``: (the text extended as far as every match agrees,
    the names that match). ``~`` is kept as typed; a lone directory gets its ``/``. Hidden
    entries are offered only when the typed name starts with a dot."""
    head, sep, prefix = text.rpartition("/")
    folder = Path(os.path.expanduser(head + sep if sep else ".") or "/")
    try:
        names = sorted(
            entry.name + ("/" if entry.is_dir() else "")
            for entry in os.scandir(folder)
            if entry.name.startswith(prefix) and (prefix.startswith(".") or entry.name[0] != ".")
        )
    except OSError:
        return text, []
    if not names:
        return text, []
    common = os.path.commonprefix(names)  # noqa: RUF071 (character-wise is what completion wants)
    return head + sep + common, names


class PathSuggester(Suggester):
    """The single completion of what is typed, shown greyed in the input (right accepts)."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        if not value:
            return None
        completed, names = complete_path(value)
        if holds_credential(completed):  # greyed in clear, a token-shaped file's name
            return None
        return completed if len(names) == 1 and completed != value else None


class PathPromptScreen(SteadyLayout, ModalScreen[str | None]):
    CSS_PATH = "path_prompt.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("tab", "complete", "Complete", priority=True),
    ]

    def __init__(
        self,
        title: str,
        prompt: str,
        placeholder: str = "",
        check: Callable[[str], str | None] | None = None,
    ) -> None:
        """``check(path)``: None when the path will do, else one line saying what is wrong."""
        super().__init__()
        self.title_text = title
        self.prompt = prompt
        self.placeholder = placeholder
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical(id="path-dialog"):
            yield Label(self.prompt, id="path-text", markup=False)
            yield SteadyInput(
                placeholder=self.placeholder, id="path-input", suggester=PathSuggester()
            )
            yield Label("", id="path-error")
            yield Label("", id="path-matches")
            yield Label("enter opens · tab completes · escape cancels", id="path-keys")

    def on_mount(self) -> None:
        self.query_one("#path-dialog").border_title = self.title_text
        # At once: a path typed as the prompt opens lands in it (tests/app/test_typed_ahead).
        self.set_focus(self.query_one("#path-input", Input))
        self.query_one("#path-error").display = False

    def on_key(self, event: events.Key) -> None:
        """A key the screen got itself: typed before the box had the focus (the prompt was
        opening as the keys came), so it goes into the box rather than nowhere."""
        box = self.query_one("#path-input", Input)
        if event.is_printable and event.character and self.focused is box:
            event.stop()
            box.insert_text_at_cursor(event.character)

    def show_error(self, text: str) -> None:
        label = self.query_one("#path-error", Label)
        label.update(Content(clean(text)))
        label.display = bool(text)

    #: The text the matches beneath the box were listed for (by tab), if any are.
    _matches_for: str | None = None

    def show_matches(self, text: str, value: str | None) -> None:
        """List ``text`` beneath the box, as what ``value`` completes to (``""``: none)."""
        self.query_one("#path-matches", Label).update(Content(clean(text)) if text else "")
        self._matches_for = value if text else None

    @on(Input.Changed, "#path-input")
    def _changed(self, event: Input.Changed) -> None:
        """The box changed: its error and its matches were for the text before (a later error
        showed under the matches of a path typed before it: a fresh tester's finding)."""
        self.show_error("")
        SecretGuard.mask(event.input)  # dots from a token's prefix on (its check refuses it)
        if self._matches_for is not None and event.value != self._matches_for:
            self.show_matches("", None)

    @on(Input.Submitted, "#path-input")
    def _submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if not value:
            self.show_error("type the path of a file (tab completes)")
            return
        problem = self.check(value) if self.check is not None else None
        if problem:
            self.show_error(problem)  # stay open: mend the path in place
            return
        self.dismiss(value)

    def action_complete(self) -> None:
        field = self.query_one("#path-input", Input)
        completed, names = complete_path(field.value)
        if completed != field.value:
            field.value = completed
            field.cursor_position = len(completed)
        if len(names) > 1:
            more = f" … {len(names) - SHOWN_MATCHES} more" if len(names) > SHOWN_MATCHES else ""
            # a match named like a token is listed as dots, as the box shows it (a tester's
            # finding: the list beneath showed ghp_… in clear)
            shown = ["•" * len(n) if holds_credential(n) else n for n in names[:SHOWN_MATCHES]]
            self.show_matches("  ".join(shown) + more, completed)
        elif not names:
            self.show_matches("no file or folder starts with that", completed)
        else:
            self.show_matches("", None)

    def action_cancel(self) -> None:
        self.dismiss(None)
