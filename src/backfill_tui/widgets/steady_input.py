"""An input whose typing does not lay the whole screen out again, and a label's text set only
when it changes.

Textual's ``Input`` sets its ``virtual_size`` (the text's width, for its horizontal scroll) on
every change of value, and ``Widget.virtual_size`` is a layout reactive: every key typed in any
field made the screen reflow whole (~17 ms under a profile; ~1/3 of the connect screen's
reflows in the app tests, bench/redraw_counts.py). A field's place and size come from its
container and its CSS, never from its text (an input whose size is ``auto`` asks for its own
layout in ``Input._watch_value``), and its scroll reads ``virtual_size`` directly; so here the
reactive repaints the field only. What is drawn is the same (tests/app/test_app_snapshots.py).
"""

from __future__ import annotations

from textual.content import Content
from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import Input, Static

__all__ = ["SteadyInput", "show_text"]


class SteadyInput(Input):
    """``Input``, except that a change of its virtual size repaints it instead of a reflow."""

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False, repaint=True)


def show_text(label: Static, content: str | Content) -> None:
    """``label.update(content)`` unless it already shows exactly that (the same text and
    styles): ``Static.update`` lays the screen out again even for the same text, and the
    connect screen's hints were set on every key typed (the target's hint to "" for each key of
    a valid source). ``Content`` compares its text only, so its spans are compared too."""
    if not _same(label.content, content):
        label.update(content)


def _same(old: object, new: str | Content) -> bool:
    if isinstance(new, Content):
        return isinstance(old, Content) and (old.plain, old.spans) == (new.plain, new.spans)
    return isinstance(old, str) and old == new
