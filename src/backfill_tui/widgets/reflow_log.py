"""A log that re-wraps its lines when its width changes (Textual's RichLog wraps once, on write)."""

from __future__ import annotations

from collections import deque
from typing import Self

from rich.text import Text
from textual.events import Resize
from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import RichLog

__all__ = ["ReflowLog"]

MAX_LINES = 1000


class ReflowLog(RichLog):
    """A :class:`RichLog` of plain :class:`Text` lines (never markup) that reflows on resize.

    A line added repaints the log alone: Textual lays the whole screen out again whenever a
    widget's virtual size changes (30-60 ms on the dashboard, four times a second while a run
    logs; ``bench/ui_latency.py``). Its vertical scrollbar is always shown and lines wrap, so a
    new line moves nothing else; the scrollbar's thumb is told the new height directly.
    """

    DEFAULT_CSS = """
    ReflowLog {
        overflow-y: scroll;
        overflow-x: hidden;
    }
    """

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)

    def watch_virtual_size(self, size: Size) -> None:
        if self.is_mounted and self.show_vertical_scrollbar:
            self.vertical_scrollbar.window_virtual_size = size.height

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(
            id=id, max_lines=MAX_LINES, wrap=True, markup=False, highlight=False, min_width=20
        )
        self._source: deque[Text] = deque(maxlen=MAX_LINES)
        self._wrapped_at = 0
        #: A line was wrapped at another width than ``_wrapped_at``: written while the log was
        #: hidden (the dashboard below 20 lines), RichLog wrapped it at ``min_width``, and the
        #: log shown again at its old width re-wrapped nothing (a fresh tester's finding).
        self._stale = False

    def add(self, line: Text) -> None:
        """Append a line (kept, so it can be wrapped again at another width)."""
        self._source.append(line)
        if self._wrapped_at and self.region.width != self._wrapped_at:
            self._stale = True  # hidden (no region) or not yet told its new width
        self.write(line)

    def clear(self) -> Self:
        self._source.clear()
        return super().clear()

    def on_resize(self, event: Resize) -> None:
        width = event.size.width
        if width == self._wrapped_at and not self._stale:
            return
        first = self._wrapped_at == 0
        self._wrapped_at = width
        self._stale = False
        if first or not self._source:
            return
        lines = list(self._source)
        super().clear()
        for line in lines:
            self.write(line)
