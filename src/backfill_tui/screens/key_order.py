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
"""

from __future__ import annotations

from collections import deque

from textual import events
from textual.app import App
from textual.message import Message
from textual.timer import Timer

__all__ = ["HELD_AT_MOST", "KeyDone", "KeysInOrder"]

#: Seconds a key is held at most behind one whose end was never seen (its widget removed).
HELD_AT_MOST = 2.0


class KeyDone(Message):
    """Posted to a key's widget right behind the key; bubbling up to the app, it says that
    every widget on the way has handled the key (queues keep their order)."""

    def __init__(self, key: events.Key) -> None:
        super().__init__()
        self.key = key


class KeysInOrder(App[None]):
    """An app whose keys are handled one after another (see the module's docstring)."""

    _key_on_its_way: events.Key | None = None
    _held_keys: deque[events.Key] | None = None
    _key_timer: Timer | None = None

    async def on_event(self, event: events.Event) -> None:
        if not isinstance(event, events.Key):
            await super().on_event(event)
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

    async def _read_key(self, event: events.Key) -> None:
        """Textual's reading of a key, then a marker behind it to its widget."""
        target = self.focused or self.screen
        await super().on_event(event)
        if not event.is_forwarded:
            return  # a priority binding ran it, or the app was not ready: nothing to await
        self._key_on_its_way = event
        if not target.post_message(KeyDone(event)):
            await self._next_key()
            return
        self._key_timer = self.set_timer(HELD_AT_MOST, self._give_up_waiting)

    async def on_key_done(self, message: KeyDone) -> None:
        if message.key is self._key_on_its_way:
            await self._next_key()

    async def _give_up_waiting(self) -> None:
        self._key_timer = None
        await self._next_key()

    async def _next_key(self) -> None:
        """The key on its way is done: read the next key held, if any."""
        if self._key_timer is not None:
            self._key_timer.stop()
            self._key_timer = None
        self._key_on_its_way = None
        held = self._held_keys
        while held and self._key_on_its_way is None:
            await self._read_key(held.popleft())
