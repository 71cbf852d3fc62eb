"""The base of the screens an F-key switches to (connect, dashboard, observations, runs, export).

Textual keeps a mode's screen mounted between visits, but every switch back restyles the whole
screen (``ScreenResume(refresh_styles=True)``): at 120x36 that was ~60 ms a key on the
observations screen (bench/app_scale.py). A screen restyles itself whenever a class of its own
changes, and ``App.switch_mode`` already refreshes the CSS of a screen that missed a theme or
stylesheet change, so the restyle on resume is needed only when something app-wide changed
since the screen was last shown: the CSS (a theme), the app's classes or its focus. For the
same reason a new mode screen starts as styled for the app's current CSS (see ``__init__``).

A new screen's first resume does not restyle what mounting has just styled either: Textual
otherwise styles each of its widgets twice before the first frame (the app's first screen
included, issue 13).

Nor does a focus change repaint the whole screen: Textual's ``Screen.focused`` is a reactive
that repaints the screen, so moving the focus (enter in the search box hands it to the table)
composited every cell of the terminal again, ~30 ms at 120x36 (bench/app_scale.py "search"). The
widgets whose look the focus changes (``:focus``, ``:focus-within``) are restyled by
``Screen.set_focus`` and repaint themselves.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any, ClassVar

from textual import events
from textual._context import NoActiveAppError
from textual.reactive import Reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Input, Select
from textual.worker import Worker, WorkerState

from ..errors import BackfillError
from ..secrets_registry import redact
from .steady_layout import SteadyLayout

log = logging.getLogger(__name__)

#: Columns below which a screen is "-narrow" (app.HORIZONTAL_BREAKPOINTS) and its fields and
#: buttons are one line high.
NARROW_BELOW = 100
#: Columns below which a screen is also "-tiny": its row of buttons drops the buttons' least
#: width (16) so each label shows whole (at 50 columns "Sta", "Cancel expor"; a tester's finding).
TINY_BELOW = 60

__all__ = ["NARROW_BELOW", "TINY_BELOW", "ModeScreen", "set_compact"]


class ModeScreen(SteadyLayout, Screen[None]):
    """A screen kept between visits that restyles on resume only when the app's look changed."""

    #: Columns below which this screen's fields and buttons are one line high (a screen whose
    #: "-narrow" reaches further, by its own HORIZONTAL_BREAKPOINTS, says so here too).
    NARROW_BELOW: ClassVar[int] = NARROW_BELOW
    _styled_for: tuple[object, ...] | None = None
    focused: Reactive[Widget | None] = Reactive(None, repaint=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._after_first_frame = []
        # A new screen counts as having missed every CSS change, so entering its mode the first
        # time made Textual parse the whole stylesheet again, twice (~0.4 s each at 120x36 under
        # load). The app's stylesheet is current (a theme change reparses it at once) and the
        # screen's own .tcss is added to it here (_read_css_ahead), so nothing is missed.
        with contextlib.suppress(NoActiveAppError):
            self._css_update_count = self.app._css_update_count
            self._read_css_ahead()
            self._preset_breakpoints()

    def _read_css_ahead(self) -> None:
        """Add this screen's ``.tcss`` files to the app's stylesheet as the screen is made,
        before Textual installs it. Textual would find them missing and parse the whole
        stylesheet again from scratch, every widget's default CSS too, then restyle every
        widget of every screen (~0.5 s of a first F4 under load, bench/app_scale.py). Added
        here, only the new files are parsed (the stylesheet keeps what it parsed) and nothing
        already styled is touched: a mode screen's rules name its own widgets (its ids, its
        type), none of another screen's. So the app parses at start only the CSS of the
        screen it shows first (app.py CSS_PATH; issue 13), the others when they are first
        made, which screens/ahead.py does after the first frame."""
        stylesheet = self.app.stylesheet
        for path in self.css_path:
            if not stylesheet.has_source(str(path), ""):
                stylesheet.read(path)

    def _preset_breakpoints(self) -> None:
        """The screen starts with the breakpoint classes (``-narrow``, ``-medium``, ``-wide``)
        of the terminal as it is now. Textual sets them on the screen's first Resize, after its
        widgets were styled and laid out without them, and that change of class restyled the
        whole screen again before its first frame (~40 ms of the app's first frame at 120x36,
        issue 13; every screen's first visit too). Textual's own rule
        (``Screen._get_breakpoint_classes``) picks them, so a resize later sets the same."""
        width, height = self.app.size
        own_h, own_v = self.HORIZONTAL_BREAKPOINTS, self.VERTICAL_BREAKPOINTS  # or the app's
        horizontal = (self.app.HORIZONTAL_BREAKPOINTS if own_h is None else own_h) or []
        vertical = (self.app.VERTICAL_BREAKPOINTS if own_v is None else own_v) or []
        wanted = self._get_breakpoint_classes(width, horizontal) | self._get_breakpoint_classes(
            height, vertical
        )
        self.add_class(*wanted, update=False)

    def _styled_now(self) -> tuple[object, ...]:
        """What app-wide the screen's styles depend on: the CSS, the app's classes, its focus."""
        app = self.app
        return (app._css_update_count, frozenset(app.classes), app.app_focus)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker of this screen that failed (a read of the mirror, mostly) says why in one
        line, and the screen stops saying "loading…" (:meth:`worker_failed`): such a failure
        was silent, and the observations and runs of a mirror the app could not read again
        said "loading…" for ever (a tester's finding). A mirror's or the machine's refusal is
        its own line; anything else is a bug, its traceback in the log."""
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        if isinstance(error, BackfillError):
            line = redact(str(error))
        else:
            log.error("%s failed", event.worker.name, exc_info=error)
            line = f"internal error ({type(error).__name__}); the details are in the log"
        self.notify(line, title="Could not finish", severity="error", markup=False, timeout=10)
        self.worker_failed(event.worker.group, line)

    def worker_failed(self, group: str, line: str) -> None:
        """Called with the failed worker's group and the line shown: a screen puts the line
        where it said "loading…" (none by default)."""

    def _on_mount(self, event: events.Mount) -> None:
        # Every widget was styled as it mounted, for the app as it is now.
        self._styled_for = self._styled_now()

    def _compositor_refresh(self) -> None:
        # While the app starts (inside Textual's start-up batch) a layout asks for a render
        # that ``App._display`` throws away (it shows nothing within a batch): the first screen
        # was rendered whole twice before the first frame (~50 ms at 120x36, issue 13). It is
        # left dirty instead; the first idle after the batch renders it once and shows it.
        app = self.app
        if app._batch_count and self is app.screen and not app.is_inline:
            self._repaint_required = True
            return
        super()._compositor_refresh()
        if self._after_first_frame is not None and self is app.screen:
            callbacks, self._after_first_frame = self._after_first_frame, None
            for callback in callbacks:
                self.call_later(callback)

    #: Callbacks waiting for the screen's first frame; None once it is shown.
    _after_first_frame: list[Callable[[], object]] | None

    def call_after_first_frame(self, callback: Callable[[], object]) -> None:
        """Call ``callback`` once this screen has been drawn on the terminal, or soon if it has
        been. ``call_after_refresh`` is not that: within Textual's start-up batch a refresh
        draws nothing, so its callbacks ran before the app's first frame (issue 13)."""
        if self._after_first_frame is None:
            self.call_later(callback)
        else:
            self._after_first_frame.append(callback)

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        # Runs before Screen's own handler (Textual dispatches down the MRO), which then does
        # the rest of a resume (focus, layout, refresh) as always.
        styled_for = self._styled_now()
        if event.refresh_styles and styled_for == self._styled_for:
            event.refresh_styles = False
        self._styled_for = styled_for

    def compact_when_narrow(self, selector: str) -> None:
        """Inputs, selects and buttons matching ``selector`` take Textual's compact style (one
        line, no border) below :attr:`NARROW_BELOW` columns, their usual one from there: at
        80x24 a bordered field costs three of the 24 lines (issue 12). Below
        :data:`TINY_BELOW` columns the screen is also "-tiny" (its CSS narrows the buttons)."""
        set_compact(self, selector, self.app.size.width < self.NARROW_BELOW)
        self.set_class(self.app.size.width < TINY_BELOW, "-tiny")


def set_compact(screen: Screen[Any], selector: str, compact: bool) -> None:
    """The inputs, selects and buttons of ``screen`` matching ``selector`` take Textual's
    compact style (one line, no border) or, with ``compact`` false, their usual one."""
    for widget in screen.query(selector):
        if isinstance(widget, Input | Select | Button):
            widget.compact = compact
