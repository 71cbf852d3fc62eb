"""A Select whose drop-down is built after the screen's first frame.

Textual's :class:`~textual.widgets.Select` composes its drop-down (``SelectOverlay``, an
OptionList of the options) with the current value, though the drop-down stays hidden until
opened: on the connect screen it was composed, styled and filled with the providers before the
app's first frame (issue 13). This Select composes only the current value; the drop-down is
added once the screen has drawn (``call_after_refresh``), or at once if it is opened before
that (enter, the arrows, space or a click). Until then nothing shows it, so the screen looks the
same; once added it is Textual's own, with the value highlighted as Select highlights it.

It relies on Select's internals of the pinned Textual (8.2): ``_setup_options_renderables``
and ``_watch_value`` are the two places that reach the drop-down before it is opened.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from textual.widgets import Select
from textual.widgets._select import SelectCurrent, SelectOverlay, SelectType

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.widgets._select import NoSelection

__all__ = ["LazySelect"]


class LazySelect(Select[SelectType]):
    """:class:`~textual.widgets.Select`, its drop-down added after the first frame."""

    def compose(self) -> ComposeResult:
        yield SelectCurrent(self.prompt)

    #: One adding at a time: a key or click that needs the drop-down waits for the one going.
    _adding: asyncio.Lock | None = None

    def on_mount(self) -> None:
        after_frame = getattr(self.screen, "call_after_first_frame", self.call_after_refresh)
        after_frame(self.add_overlay)

    @property
    def _overlay(self) -> SelectOverlay | None:
        found = self.query_children(SelectOverlay)
        return found.first() if found else None

    async def add_overlay(self) -> None:
        """Add the drop-down (once), its options in and the value highlighted."""
        if self._adding is None:
            self._adding = asyncio.Lock()
        async with self._adding:
            if self._overlay is not None or not self.is_attached:
                return
            overlay = SelectOverlay(type_to_search=self._type_to_search)
            overlay.compact = self.compact
            await self.mount(overlay)
            self._setup_options_renderables()
            for index, (_prompt, value) in enumerate(self._options):
                if value == self.value:
                    overlay.highlighted = index
                    break

    def _watch_compact(self, compact: bool) -> None:
        # Select binds its drop-down's ``compact`` to its own (``data_bind`` in its compose)
        overlay = self._overlay
        if overlay is not None:
            overlay.compact = compact

    def _setup_options_renderables(self) -> None:
        if self._overlay is not None:  # else add_overlay fills it
            super()._setup_options_renderables()

    def _watch_value(self, value: SelectType | NoSelection) -> None:
        if self._overlay is not None:
            super()._watch_value(value)
            return
        # Select's, less the drop-down's highlight (add_overlay sets it)
        self._value = value
        current = self.query_children(SelectCurrent)
        if not current:
            return
        if value == self.NULL:
            current.first().update(self.NULL)
        else:
            for prompt, option in self._options:
                if option == value:
                    current.first().update(prompt)
                    break
        self.post_message(self.Changed(self, value))

    def action_show_overlay(self) -> None:
        if self._overlay is None:  # a key before the drop-down was added
            self.call_later(self._show_when_added)
            return
        super().action_show_overlay()

    async def _show_when_added(self) -> None:
        await self.add_overlay()
        super().action_show_overlay()

    def _watch_expanded(self, expanded: bool) -> None:
        if expanded and self._overlay is None:  # a click before the drop-down was added
            self.call_later(self._expand_when_added)
            return
        super()._watch_expanded(expanded)

    async def _expand_when_added(self) -> None:
        await self.add_overlay()
        if self.expanded:
            super()._watch_expanded(True)
