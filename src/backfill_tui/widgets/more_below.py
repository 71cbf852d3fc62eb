"""A line at the foot of a scrolled form naming the fields below its view.

At 120x36 the connect form's "Max items" and "Record to" were under the demo's four source
cards, out of sight, with nothing saying so (Textual's scrollbar is a faint bar on the form's
right edge): a person did not know they existed (a fresh tester's finding). Docked at the
bottom of the scroll container, the line says which named fields are not wholly in view
(``↓ more below: Max items, Record to``), and a click on it scrolls to them; it is hidden
while they are in view.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual import events
from textual.containers import ScrollableContainer, VerticalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Label

__all__ = ["FormScroll", "MoreBelow"]


class MoreBelow(Label):
    """Says which of ``fields`` (name, widget of the container's) are below ``container``'s
    view; mounted in ``container``, docked at its bottom (``connect.tcss``)."""

    DEFAULT_CSS = """
    MoreBelow {
        dock: bottom;
        width: 1fr;
        height: 1;
        display: none;
        background: $boost;
        color: $text-accent;
        &.-shown { display: block; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self._fields: Sequence[tuple[str, Widget]] = ()

    def watch_fields(
        self, container: ScrollableContainer, fields: Sequence[tuple[str, Widget]]
    ) -> None:
        """Follow ``container``'s scrolling and content, saying which of ``fields`` lie below;
        its screen calls :meth:`check_later` as it resizes (a widget's size is no reactive)."""
        self._fields = fields
        self.watch(container, "scroll_y", self.check_later, init=False)
        self.watch(container, "virtual_size", self.check_later, init=False)
        self.check_later()

    def check_later(self) -> None:
        """Look again once the screen is laid out anew."""
        self.call_after_refresh(self.update_shown)

    def below(self) -> list[str]:
        """The names of the fields not wholly in the container's view, in their order; none when
        all fit in it, and then, as the line covers its last row, those not wholly above it."""
        container = self.parent
        if not isinstance(container, ScrollableContainer) or not container.size.height:
            return []
        view_bottom = container.scroll_y + container.scrollable_content_region.height
        if not any(f.display and f.virtual_region.bottom > view_bottom for _, f in self._fields):
            return []
        # shown, the line covers the view's last row: a field on that row is out of view too
        # (it named "Max items" on the row above it, wholly in view: a fresh tester's finding)
        return [
            name
            for name, field in self._fields
            if field.display and field.virtual_region.bottom > view_bottom - 1
        ]

    def update_shown(self) -> None:
        """Show the line while a field is below the view, hide it once all are in it."""
        names = self.below()
        if names:
            self.update(Content(self.wording(names, self.size.width or 80)))
        self.set_class(bool(names), "-shown")

    @staticmethod
    def wording(names: Sequence[str], width: int) -> str:
        """The line for ``names`` in ``width`` cells: the longest that fits whole (how to get
        there, then the names alone, then only that there is more)."""
        said = f"↓ more below: {', '.join(names)}"
        for text in (f"{said} (scroll down, or click here)", said):
            if len(text) <= width:
                return text
        return "↓ more below"

    def on_click(self, event: events.Click) -> None:
        event.stop()
        if self._fields and isinstance(self.parent, ScrollableContainer):
            self.parent.scroll_to_widget(self._fields[-1][1], animate=False)


class FormScroll(VerticalScroll):
    """A :class:`VerticalScroll` whose :class:`MoreBelow` line looks again as it is resized: the
    connect form grew when its estimate panel shrank after a run, and the line went on naming
    "Max items", then in view (a fresh tester's finding). The screen's size had not changed."""

    def on_resize(self) -> None:
        for line in self.query_children(MoreBelow):
            line.check_later()
