"""Asked before quitting while a run is going or an export sends: cancelling keeps what was
stored and what was sent. The question follows what is going while it is up (a tester found it
still asking about a running backfill after the run had ended)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, cast

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from ..terms import suggest
from .steady_layout import SteadyLayout

QUESTION = (
    "A backfill is running. Quit now? The run is cancelled cleanly: every page already "
    "stored is kept, and Runs (F5) or `backfill-tui resume` continues it later."
)


EXPORT_QUESTION = (
    "Quit now? The export is cancelled between batches: every observation already sent is "
    "kept and recorded, and running the export again (F6) sends the rest."
)

#: Seconds between two looks at what is going while the question is up.
FOLLOW_EVERY = 0.25


def question(run_id: str | None, mirror: str | Path | None) -> str:
    """The question, its suggested command naming the run and (when not the default) the
    mirror, as every hint does (``cli_options.suggest``)."""
    if run_id is None:
        return QUESTION
    command = suggest(f"resume {run_id}", mirror)
    return QUESTION.replace("`backfill-tui resume`", f"`{command}`")


#: What the button that stays says, by what is going (its label without the key).
STAYS = ("Keep running", "Keep exporting", "Stay")


class QuitScreen(SteadyLayout, ModalScreen[bool]):
    #: A key typed before the question was drawn never answers it (key_order.py).
    KEYS_TYPED_AHEAD: ClassVar[bool] = False
    #: n and escape stay, their footer label following what is going (it said "Keep running"
    #: during an export: a fresh tester's finding); ``check_action`` shows the one that applies.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Quit"),
        *(Binding("n,escape", f"stay({n})", label) for n, label in enumerate(STAYS)),
    ]

    #: Answered (the first y, n or button): a second key before the dialog has gone does
    #: nothing (a second y started a second quit: a fresh tester's finding).
    _answered = False

    #: How the run ended, once the app said so (``run_ended``).
    _ended: str | None = None
    #: Whether it was asked about a run (else about an export), and what it shows.
    _asked_run: bool | None = None  # None: not asked yet
    _shown: tuple[str, str] = ("", "")

    def compose(self) -> ComposeResult:
        text, keep = self._shown = self._question()
        self._asked_run = "export" not in keep  # else it asks about a run, going or just ended
        with Vertical(id="quit-dialog"):
            yield Label(text, id="quit-text", markup=False)
            with Horizontal(id="quit-buttons"):
                yield Button(keep, id="keep")
                yield Button("Quit (y)", id="quit", variant="warning")

    def on_mount(self) -> None:
        self.query_one("#quit-dialog").border_title = "Quit?"
        self.query_one("#keep", Button).focus()
        self.set_interval(FOLLOW_EVERY, self._follow)

    def _question(self) -> tuple[str, str]:
        """The question for what is going now, and the label of the button that stays."""
        app = self.app
        running = bool(getattr(app, "running", False))
        export_going = getattr(app, "export_going", None)
        export = export_going() if callable(export_going) else None
        sending = export.sending() if export is not None else None
        if running:
            session = getattr(app, "session", None)
            mirror = getattr(getattr(app, "mirror", None), "path", None)
            text = question(session.run.id if session is not None else None, mirror)
            if sending is not None:
                text = f"{text} {sending} It is cancelled between batches, as well."
            return text, "Keep running (n)"
        if sending is not None:  # an export's apply, or its trigger dialog's Send
            asked = getattr(export, "quit_question", EXPORT_QUESTION)
            return f"{sending} {asked}", "Keep exporting (n)"
        status = self._ended
        session = getattr(app, "session", None)
        if status is None and session is not None:
            status = str(session.progress.status)
        ended = f" ({status})" if status and status != "running" else ""
        if self._ended is None and session is None and self._asked_run is not False:
            return "Nothing is running now. Quit now?", "Stay (n)"
        if self._ended is not None or self._asked_run is not False:
            return f"The backfill has ended{ended}; nothing is running now. Quit now?", "Stay (n)"
        return "The export has ended; nothing is sending now. Quit now?", "Stay (n)"

    def _follow(self) -> None:
        shown, self._shown = self._shown, self._question()
        text, keep = self._shown
        if text != shown[0]:
            self.query_one("#quit-text", Label).update(text)
        if keep != shown[1]:
            self.query_one("#keep", Button).label = keep
            self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Of the staying keys' bindings, only the one for what is going (:data:`STAYS`)."""
        if action == "stay":
            return self._shown[1].startswith(STAYS[cast(int, parameters[0])])
        return True

    def run_ended(self, status: str) -> None:
        """The run ended while the question was up: say so (it no longer asks about a running
        backfill; a tester found it did), and quitting cancels nothing."""
        self._ended = status
        self._follow()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.action_answer(event.button.id == "quit")

    def action_stay(self, _which: int) -> None:
        self.action_answer(False)

    def action_answer(self, quit_now: bool) -> None:
        if not self._answered:
            self._answered = True
            self.dismiss(quit_now)
