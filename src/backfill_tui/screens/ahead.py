"""Screens built ahead: the dashboard, observations, runs and export screens are composed,
loaded, laid out and drawn once while the app is idle after its first frame, so the first
ctrl+s, F4, F5 or F6 only swaps to a screen that is already there and checks its rows (issue 12 item 11,
``bench/app_scale.py``: building the observations screen on its first F4 took ~0.5 s of CPU
at 120x36).

The app starts it (:meth:`ScreensAhead.start`) after its first frame; each screen is built on
a timer of its own, a moment apart, so a key pressed meanwhile waits for one step at most, never
for all. Nothing is built while a run is going (its dashboard redraws come first: the step waits
and tries again) or once the user opened the screen. A headless app (a test's ``run_test``)
builds nothing ahead unless asked: nobody presses a key there before a test does, and a short
test app must not pay for screens it never opens. Timers die with the app, so closing it
cancels whatever was left.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.app import App
    from textual.screen import Screen

__all__ = ["AHEAD_AFTER", "MODES", "ScreensAhead", "draw_offscreen"]

#: The modes built ahead, most likely first: the dashboard (ctrl+s from the connect screen
#: shows it; built ahead, a run's start only mounts its rows, the first frames of a run being
#: the worst stalls left in bench/ui_latency.py), then the observations, the runs and the
#: export (its first F6 took ~0.75 s idle, composing its form and loading the export core,
#: while F4 and F5 answered in ~0.15 s: a tester's finding).
MODES = ("dashboard", "observations", "runs", "export")
AHEAD_AFTER = 1.0  # seconds after the first frame before the first screen is built
SETTLE = 0.3  # seconds a new screen is given to mount and read its first rows before drawing
GAP = 0.2  # seconds between one screen drawn and the next built
RETRY = 2.0  # seconds before trying again while a run is going


def draw_offscreen(screen: Screen[Any]) -> None:
    """Lay ``screen`` out at the app's size and render it once without showing it: its widgets
    keep the lines they drew, so the first time it is shown draws from them. Nothing happens
    when the screen is the current one (Textual draws it) or no longer attached."""
    if screen.is_current or not screen.is_attached:
        return
    size = screen.app.size
    screen._refresh_layout(size)
    # Laid out for this size: showing the screen (ScreenResume) lays it out again only if the
    # terminal's size differs by then.
    screen._size = size
    screen._layout_required = False  # done just now
    screen._compositor.render_full_update()


class ScreensAhead:
    """Builds :data:`MODES` ahead in ``app`` (see the module docstring); ``busy`` says whether
    a run is going (nothing is built then). ``done`` once every mode is built or was opened."""

    def __init__(self, app: App[Any], busy: Callable[[], bool]) -> None:
        self.app = app
        self.busy = busy
        self.pending = list(MODES)
        self.done = False

    def start(self, after: float = AHEAD_AFTER) -> None:
        self.app.set_timer(after, self._build_next, name="screens-ahead")

    def _build_next(self) -> None:
        app = self.app
        if not app.is_running:
            return
        if self.busy():
            app.set_timer(RETRY, self._build_next, name="screens-ahead")
            return
        while self.pending and self.pending[0] in app._screen_stacks:
            self.pending.pop(0)  # opened by the user meanwhile: nothing to build
        if not self.pending:
            self.done = True
            _freeze_what_was_built()
            return
        mode = self.pending.pop(0)
        app._init_mode(mode)
        screen = app._screen_stacks[mode][0]
        app.set_timer(SETTLE, lambda: self._draw(screen), name="screens-ahead")

    def _draw(self, screen: Screen[Any], tries: int = 10) -> None:
        if not self.app.is_running:
            return
        if not getattr(screen, "ready", True) and tries > 0:  # its first rows are on the way
            self.app.set_timer(SETTLE, lambda: self._draw(screen, tries - 1), name="screens-ahead")
            return
        if not self.busy():
            # Laid out first, drawn a moment later: the layout tells widgets their sizes
            # (Resize messages), and what they change on hearing it (the observations table
            # fits its title column and drops its sideways scrollbar) would otherwise wait for
            # the first showing, laying the screen out again on the first F4.
            if screen.is_attached and not screen.is_current:
                screen._refresh_layout(screen.app.size)
            self.app.set_timer(GAP, lambda: self._drawn(screen), name="screens-ahead")
            return
        self.app.set_timer(GAP, self._build_next, name="screens-ahead")

    def _drawn(self, screen: Screen[Any], again: int = 2) -> None:
        if self.app.is_running and not self.busy():
            draw_offscreen(screen)
        self.app.set_timer(GAP, lambda: self._settled(screen, again), name="screens-ahead")

    def _settled(self, screen: Screen[Any], again: int) -> None:
        # A layout tells widgets their new sizes, and what they ask for on hearing it (a table's
        # scrollbars) comes as messages after the drawing: lay out and draw once more, so the
        # first showing does not (bench/app_scale.py "F4").
        if again and screen.is_attached and not screen.is_current and screen._layout_widgets:
            self._drawn(screen, again - 1)
            return
        self.app.set_timer(GAP, self._build_next, name="screens-ahead")


def _freeze_what_was_built() -> None:
    """The screens built ahead (some 1.3 s of CPU making widgets, rows and styles) frozen out
    of the collector's view (``gc.freeze``, after a pass over the young generations), as the
    app does after its first frame and before a run (``app.py``): the first full pass after
    they were built, 24 ms at 250,000 observations, landed in the first search a person typed
    and was a fifth of that key (bench/app_scale.py "search")."""
    gc.collect(1)
    gc.freeze()
