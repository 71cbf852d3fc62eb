"""A screen that does not reflow for a "resize" to the size it is already laid out at.

Textual sends a screen a Resize when its first layout shows it (the screen is one of the widgets
that layout "shows"), and each Resize made the screen reflow whole again, at the same size, and
every screen under a modal with it (``Screen._on_resize``): ~4 full reflows an app test (~17 ms
each under a profile), ~1/3 of all reflows (bench/redraw_counts.py). A reflow at the size the
compositor already has changes nothing: a widget whose size or place may change asks for its own
layout (``refresh(layout=True)``), which the screen's update timer does once it is shown. A real
change of size reflows as always; so does the breakpoint classes' update of ``Screen._on_resize``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.geometry import Size

if TYPE_CHECKING:
    from textual.screen import Screen

    _Base = Screen[Any]
else:
    # Not a DOMNode at run time: Textual takes a widget's CSS (its DEFAULT_CSS, its type names
    # in selectors, its COMPONENT_CLASSES) from the first DOMNode among the bases of each class
    # only, so a mixin that were a Screen would hide ModalScreen's or CommandPalette's.
    _Base = object

__all__ = ["SteadyLayout"]


class SteadyLayout(_Base):
    """Mix in before Textual's screen class (``class Quit(SteadyLayout, ModalScreen[bool])``)."""

    def _screen_resized(self, size: Size) -> None:
        if size == self._compositor.size and not self.app.is_inline:
            return
        super()._screen_resized(size)
