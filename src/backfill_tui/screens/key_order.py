"""Keys are handled in the order they were typed, each by the widget focused when it is read.

Textual reads a key on the app's queue and forwards it to the focused widget's queue; the
widget handles it (an input inserts a character) and it bubbles up, a queue at a time, to the
app, which only then runs the bindings of the focus chain (Tab's ``focus_next``, a radio set's
``enter``, an input's ``ctrl+u``). Keys that arrive together (a paste of keys, fast typing, a
``tmux send-keys`` of several) were all forwarded before the first one's binding ran: after a
Tab, the characters typed next went to the field the Tab was leaving (a fresh tester's finding:
on F6, ``Tab key123 Tab C-u "ftp:/x y"`` left both strings in the masked event key, and with
the target changed just before, text landed in a field that was no longer shown).

:class:`KeysInOrder` holds the keys read while an earlier key is still on its way and lets the
next one go when that key is done: when it comes back to the app (its bindings have run), or
when a marker posted behind it to the same widget has bubbled up (the key was consumed on its
way, as a typed character is). A key whose widget went away meanwhile (a closed dialog) lets
the next go after :data:`HELD_AT_MOST` seconds. One key alone is handled as before.

A key that changed the screen (F2..F6 switching modes, a key opening or closing a dialog)
holds the next keys until the new screen has been resumed, which is where it places its focus
(Textual's ``AUTO_FOCUS``, the export form's first empty field): a :class:`ScreenShown` marker
posted to the new screen behind its ``ScreenResume`` lets them go when it bubbles up. Read
before that, a key found no focus on the new screen and was lost (a fresh tester's finding:
``tmux send-keys F6 abcdefghij`` the first time F6 opened left "bcdefghij" in the DSN field).
ctrl+p's palette is such a screen (a priority binding pushing it); what it shows comes later,
from a worker, so its list keys wait for that themselves (``app_commands.SteadyCommandPalette``).

A click holds the keys typed after it until what it set going has been handled: the click
reaches its widget through the widget's queue, and what it does (a source card's Remove posts
``Pressed``, then ``Removed`` to the screen) takes a few more trips, while a ctrl+s read
meanwhile ran at once (a fresh tester's finding: a click on Remove and C-s in one burst started
the run with the source still in it). The keys wait for rounds of ``call_later`` on every
widget of the screen until a round ends with every queue empty (:data:`SETTLE_ROUNDS` at most,
and :data:`HELD_AT_MOST` seconds at most).

A screen whose keys act at once, with nothing to type into (the dashboard: ``c`` cancels, ``r``
retries, ``o`` leaves; a question: ``y`` answers it), takes no key typed before it was drawn
(its class says ``KEYS_TYPED_AHEAD = False``): such a key is dropped, whichever screen it was
typed for. The person typing it had not seen the screen (a fresh tester's finding: ``ctrl+s``
on the connect screen, then ``cqrxyz`` typed on at once, cancelled the new run: the ``c``
reached the dashboard before it was drawn and the ``y`` answered its "cancel the run?", which
never reached the screen; an ``o`` opened the observations). A key is older than the screen when
its time (Textual's clock, stamped as the terminal's input is read) is before the first frame
the screen has been drawn in since it came on view (it stays on view under a dialog); a key
read before that first frame waits for it. The other screens take keys typed ahead, as testers
asked of them: after F6 or ctrl+t the characters typed on land in the field the new screen
focuses, after F4 a "/fix" searches, after ctrl+p the list keys move in the palette.
"""

from __future__ import annotations

import logging
from collections import deque
from typing import Any

from rich.console import RenderableType
from textual import events
from textual._time import get_time
from textual.app import App, ScreenStackError
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer

__all__ = [
    "HELD_AT_MOST",
    "SETTLE_ROUNDS",
    "KeyDone",
    "KeysInOrder",
    "ScreenShown",
    "takes_keys_typed_ahead",
]

log = logging.getLogger("backfill_tui.screens.key_order")

#: Seconds a key is held at most behind one whose end was never seen (its widget removed).
HELD_AT_MOST = 2.0
#: Rounds of the screen's queues a click's keys wait for at most (a busy screen, a live
#: dashboard's updates, never goes quiet; a click's own chain of messages is a few trips).
SETTLE_ROUNDS = 20


class KeyDone(Message):
    """Posted to a key's widget right behind the key; bubbling up to the app, it says that
    every widget on the way has handled the key (queues keep their order)."""

    def __init__(self, key: events.Key) -> None:
        super().__init__()
        self.key = key


class ScreenShown(Message):
    """Posted to a screen a key made current, behind the ``ScreenResume`` Textual posted it;
    bubbling up to the app, it says the screen has been resumed and has placed its focus."""


class ClickSettled(Message):
    """What the keys after a click wait for: the screen's queues have handled the click."""


class FirstFrame:
    """What a key read for a screen that takes no keys typed ahead waits for: the screen's
    first frame since it came on view (then the key is older than it, and dropped)."""

    def __init__(self, screen: Screen[Any]) -> None:
        self.screen = screen


def takes_keys_typed_ahead(screen: Screen[Any]) -> bool:
    """Whether ``screen`` takes keys typed before it was drawn: True unless its class says
    ``KEYS_TYPED_AHEAD = False`` (the dashboard, the questions; see the module's docstring)."""
    return bool(getattr(screen, "KEYS_TYPED_AHEAD", True))


class KeysInOrder(App[None]):
    """An app whose keys are handled one after another (see the module's docstring)."""

    #: What the next key waits for: the key on its way, the marker sent to a new screen, or
    #: the screen's settling after a click.
    _key_on_its_way: events.Key | ScreenShown | ClickSettled | FirstFrame | None = None
    _held_keys: deque[events.Key] | None = None
    _key_timer: Timer | None = None
    #: The screens on view in the last frame drawn (the top one and those a dialog shows
    #: beneath it), each with the time of the first frame it was on view in since it came.
    _on_view: dict[Screen[Any], float] | None = None

    def _display(self, screen: Screen[Any], renderable: RenderableType | None) -> None:
        """Textual's drawing of a frame; notes when each screen on view was first drawn."""
        super()._display(screen, renderable)
        if renderable is None or self._batch_count or screen is not self._current_screen():
            return  # nothing was drawn, or not this screen's frame
        now = get_time()
        before = self._on_view or {}
        self._on_view = {s: before.get(s, now) for s in [*self._background_screens, screen]}
        waiting = self._key_on_its_way
        if isinstance(waiting, FirstFrame) and waiting.screen in self._on_view:
            self.call_later(self._first_frame_drawn, waiting)

    def shown_since(self, screen: Screen[Any]) -> float | None:
        """The time (Textual's clock, as ``events.Event.time``) of the first frame ``screen``
        has been on view in since it came on view, or None when it is not on view (not drawn
        yet). Keys typed from then on reach it."""
        return (self._on_view or {}).get(screen)

    async def on_event(self, event: events.Event) -> None:
        if not isinstance(event, events.Key):
            fresh = isinstance(event, events.MouseUp) and not event.is_forwarded
            await super().on_event(event)  # forwards it (marked forwarded), with its Click
            if fresh and self._key_on_its_way is None:
                self._hold_keys_after_click()
            return
        if event.is_forwarded:  # a key back from the widgets: its bindings run now
            await super().on_event(event)
            if event is self._key_on_its_way:
                await self._next_key()
            return
        if self._key_on_its_way is not None:
            if self._held_keys is None:
                self._held_keys = deque()
            self._held_keys.append(event)
            return
        await self._read_key(event)

    def _current_screen(self) -> Screen[object] | None:
        """The screen shown, or None while Textual has none (starting, closing)."""
        try:
            return self.screen
        except ScreenStackError:
            return None

    async def _read_key(self, event: events.Key) -> None:
        """Textual's reading of a key, then a marker behind it to its widget."""
        screen = self._current_screen()
        if screen is None:  # nothing to read it (the app is closing)
            return
        self._screen_of_key = screen
        if not takes_keys_typed_ahead(screen):
            since = self.shown_since(screen)
            if since is None:  # not drawn yet: the key waits for its first frame
                self._wait_for_first_frame(screen, event)
                return
            if event.time < since:  # typed before the screen was on view: not for it
                log.debug("dropped %s, typed before %s was drawn", event.key, screen)
                return
        target = self.focused or screen
        await super().on_event(event)
        if not event.is_forwarded:
            # A priority binding ran it (ctrl+t opening a dialog), or the app was not ready.
            await self._await_new_screen()
            return
        self._key_on_its_way = event
        if not target.post_message(KeyDone(event)):
            await self._next_key()
            return
        self._key_timer = self.set_timer(HELD_AT_MOST, self._give_up_waiting)

    async def on_key_done(self, message: KeyDone) -> None:
        if message.key is self._key_on_its_way:
            await self._next_key()

    async def on_screen_shown(self, message: ScreenShown) -> None:
        if message is self._key_on_its_way:
            await self._next_key()

    _screen_of_key: Screen[object] | None = None

    def _hold_keys_after_click(self) -> None:
        """Hold the next keys until the screen has handled what the click set going."""
        screen = self._current_screen()
        if screen is None:
            return
        self._screen_of_key = screen
        marker = ClickSettled()
        self._key_on_its_way = marker
        self._key_timer = self.set_timer(HELD_AT_MOST, self._give_up_waiting)
        self._settle_round(screen, marker, SETTLE_ROUNDS)

    def _settle_round(self, screen: Screen[object], marker: ClickSettled, rounds: int) -> None:
        """One round: a callback behind whatever each of the screen's widgets has queued; when
        all have run, another round if a queue is still busy, else the next key goes."""
        nodes = list(screen.walk_children(with_self=True))
        waiting = 0

        def round_done() -> None:
            if marker is not self._key_on_its_way:  # given up on meanwhile
                return
            busy = any(node.message_queue_size for node in screen.walk_children(with_self=True))
            if busy and rounds > 1:
                self._settle_round(screen, marker, rounds - 1)
            else:
                self.call_later(self._settled, marker)

        def one_done() -> None:
            nonlocal waiting
            waiting -= 1
            if waiting == 0:
                round_done()

        for node in nodes:
            if node.call_later(one_done):
                waiting += 1
        if waiting == 0:
            round_done()

    def _wait_for_first_frame(self, screen: Screen[Any], event: events.Key) -> None:
        """Hold ``event`` (first of the keys held) until ``screen`` has been drawn."""
        if self._held_keys is None:
            self._held_keys = deque()
        self._held_keys.appendleft(event)
        self._key_on_its_way = FirstFrame(screen)
        self._key_timer = self.set_timer(HELD_AT_MOST, self._give_up_waiting)

    async def _first_frame_drawn(self, marker: FirstFrame) -> None:
        if marker is self._key_on_its_way:
            await self._next_key()

    async def _settled(self, marker: ClickSettled) -> None:
        if marker is self._key_on_its_way:
            await self._next_key()

    async def _await_new_screen(self) -> bool:
        """If the key just done changed the screen, hold the next keys until the new
        screen has been resumed (a :class:`ScreenShown` marker behind its ``ScreenResume``);
        whether they are held."""
        screen = self._current_screen()
        if screen is None or screen is self._screen_of_key:
            return False
        self._screen_of_key = screen
        marker = ScreenShown()
        if not screen.post_message(marker):
            return False
        self._key_on_its_way = marker
        self._key_timer = self.set_timer(HELD_AT_MOST, self._give_up_waiting)
        return True

    async def _give_up_waiting(self) -> None:
        self._key_timer = None
        waiting = self._key_on_its_way
        if isinstance(waiting, FirstFrame) and self.shown_since(waiting.screen) is None:
            # never drawn (the frames are held back): the keys held so far are older than it
            self._on_view = {**(self._on_view or {}), waiting.screen: get_time()}
        await self._next_key()

    async def _next_key(self) -> None:
        """The key on its way is done: read the next key held, if any."""
        if self._key_timer is not None:
            self._key_timer.stop()
            self._key_timer = None
        self._key_on_its_way = None
        if await self._await_new_screen():
            return
        held = self._held_keys
        while held and self._key_on_its_way is None:
            await self._read_key(held.popleft())
