"""A checkbox and a radio button whose state shows in their glyph, not only in its colour.

Textual draws a :class:`~textual.widgets.Checkbox` as ``▐X▌`` ticked or not and a
:class:`~textual.widgets.RadioButton` as ``▐●▌`` pressed or not: the state is the mark's
colour alone, which a monochrome terminal, a colour-blind eye or a pasted screen loses (a
tester's finding: "create the table" looked ticked but was off, and an export failed on it).
These draw the mark only when on (``▐X▌`` / ``▐ ▌``); colours and behaviour are Textual's.
"""

from __future__ import annotations

from textual.widgets import Checkbox, RadioButton

__all__ = ["MarkedCheckbox", "MarkedRadioButton"]


class MarkedCheckbox(Checkbox):
    """A :class:`~textual.widgets.Checkbox` showing ``X`` ticked, a blank unticked."""

    @property  # Textual reads its class attribute BUTTON_INNER on the instance
    def BUTTON_INNER(self) -> str:  # type: ignore[override]
        return "X" if self.value else " "


class MarkedRadioButton(RadioButton):
    """A :class:`~textual.widgets.RadioButton` showing ``●`` pressed, a blank otherwise."""

    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]
        return "\u25cf" if self.value else " "
