"""What a terminal shows of the app's current screen, as text (for layout tests at a size)."""

from __future__ import annotations

from typing import Any


def screen_lines(app: Any) -> list[str]:
    """The text of every line of the app's current screen, as a terminal would show it."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def region_text(app: Any, widget: Any) -> str:
    """The text inside ``widget``'s region on the screen (what shows of it, clipped)."""
    region = widget.region
    lines = screen_lines(app)[region.y : region.y + region.height]
    return "\n".join(line[region.x : region.x + region.width] for line in lines)
