"""Count, per app test, how often Textual reflows a screen, restyles nodes and composites frames:
``python -m pytest -p bench.redraw_counts -n 0 FILES`` then read ``REDRAW_COUNTS`` (a TSV file,
default /tmp/redraw_counts.tsv): one line per test and counter, and the reason (the caller that
asked) for each reflow. Counts, unlike seconds, do not depend on the machine's load, so two trees
can be compared on a shared machine. Nothing of the app is changed; Textual's methods are wrapped.
"""

from __future__ import annotations

import collections
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from textual.css.stylesheet import Stylesheet
from textual.screen import Screen
from textual.widget import Widget

_counts: collections.Counter[str] = collections.Counter()


def _wrap(owner: type, name: str, label: str, why: bool = False) -> None:
    original: Callable[..., Any] = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _counts[label] += 1
        if why:
            frame = sys._getframe(1)
            callers = []
            while frame is not None and len(callers) < 3:
                code = frame.f_code
                callers.append(f"{os.path.basename(code.co_filename)}:{code.co_name}")
                frame = frame.f_back
            _counts[f"{label} <- {' <- '.join(callers)}"] += 1
        return original(*args, **kwargs)

    setattr(owner, name, wrapper)


_wrap(Screen, "_refresh_layout", "reflow", why=True)
_wrap(Screen, "_compositor_refresh", "frame")
_wrap(Stylesheet, "apply", "style")
_wrap(Widget, "_compose", "compose")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    _counts.clear()
    try:
        return (yield)
    finally:
        path = os.environ.get("REDRAW_COUNTS", "/tmp/redraw_counts.tsv")
        with open(path, "a", encoding="utf-8") as out:
            for label, count in sorted(_counts.items()):
                out.write(f"{count}\t{label}\t{item.nodeid}\n")


_screen_resized = Screen._screen_resized


def _resized(self: Screen[Any], size: Any) -> None:
    same = self._compositor.size == size
    _counts[f"resized {type(self).__name__} same={same} current={self.is_current}"] += 1
    _screen_resized(self, size)


Screen._screen_resized = _resized  # type: ignore[method-assign]


_widget_refresh = Widget.refresh


def _refresh(self: Widget, *regions: Any, **kwargs: Any) -> Any:
    if kwargs.get("layout") or kwargs.get("recompose"):
        frame = sys._getframe(1)
        callers = []
        while frame is not None and len(callers) < 4:
            code = frame.f_code
            callers.append(f"{os.path.basename(code.co_filename)}:{code.co_name}")
            frame = frame.f_back
        kind = "recompose" if kwargs.get("recompose") else "layout"
        _counts[f"ask-{kind} {type(self).__name__} <- {' <- '.join(callers)}"] += 1
    return _widget_refresh(self, *regions, **kwargs)


Widget.refresh = _refresh  # type: ignore[method-assign]


_on_layout = Screen._on_layout
_asks: dict[int, set[str]] = {}


async def _layout_asked(self: Screen[Any], message: Any) -> None:
    widget = message.widget
    _asks.setdefault(id(self), set()).add(f"{type(widget).__name__}#{widget.id or ''}")
    await _on_layout(self, message)


_on_timer_update = Screen._on_timer_update


def _timer_update(self: Screen[Any]) -> None:
    if self.is_current and not self.app._batch_count and self._layout_required:
        asked = ",".join(sorted(_asks.pop(id(self), set())))
        _counts[f"timer-reflow {type(self).__name__} asked by {asked[:300]}"] += 1
    _on_timer_update(self)


Screen._on_layout = _layout_asked  # type: ignore[method-assign]
Screen._on_timer_update = _timer_update  # type: ignore[method-assign]
