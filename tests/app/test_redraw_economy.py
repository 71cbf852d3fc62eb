"""The app does not lay out, restyle or redraw more than what changed needs (what it draws is
the same: tests/app/test_app_snapshots.py). Each test counts Textual's own work (its methods
wrapped, nothing of the app's replaced); bench/redraw_counts.py counts it for any app test."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from app_support import SIZE, Recorder, make_app, settle, wait_until
from textual import events
from textual.geometry import Size
from textual.screen import Screen
from textual.widgets import Input, Label

from backfill_tui.engine.run import RunRequest, SourceSpec
from backfill_tui.screens.connect import ConnectScreen
from backfill_tui.screens.dashboard import DashboardScreen
from backfill_tui.screens.export import ExportScreen
from backfill_tui.screens.help import HelpScreen
from backfill_tui.screens.messages import RunEnded


def _count_reflows(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Full reflows (``Screen._refresh_layout``) from now on, by the screen's class name."""
    reflows: Counter[str] = Counter()
    real: Callable[..., Any] = Screen._refresh_layout

    def counting(self: Screen[Any], *args: Any, **kwargs: Any) -> None:
        reflows[type(self).__name__] += 1
        real(self, *args, **kwargs)

    monkeypatch.setattr(Screen, "_refresh_layout", counting)
    return reflows


def test_a_resize_to_the_size_a_screen_has_does_not_reflow_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Textual sends a screen a Resize as its first layout shows it; that reflowed the whole
    screen again at the same size (~4 full reflows an app test)."""
    app = make_app(tmp_path)
    reflows = _count_reflows(monkeypatch)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ConnectScreen)
            reflows.clear()
            screen.post_message(events.Resize(Size(*SIZE), Size(*SIZE)))
            await pilot.pause()
            await pilot.pause()
            assert reflows["ConnectScreen"] == 0
            await pilot.resize_terminal(100, 30)
            await wait_until(pilot, lambda: reflows["ConnectScreen"] > 0)  # a real resize

    try:
        asyncio.run(scenario())
    finally:
        app.mirror.close()


def test_a_modal_shown_does_not_reflow_the_screen_under_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The help's first layout sent it a Resize, and each Resize reflowed every screen under
    it too, at the size they had."""
    app = make_app(tmp_path)
    reflows = _count_reflows(monkeypatch)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            reflows.clear()
            await pilot.press("f1")
            await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
            await settle(pilot)
            assert reflows["HelpScreen"] > 0 and reflows["ConnectScreen"] == 0

    try:
        asyncio.run(scenario())
    finally:
        app.mirror.close()


@pytest.mark.parametrize(("field", "start"), [("#workspace", ""), ("#target", "acme/rocke")])
def test_typing_in_a_field_does_not_reflow_the_screen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, field: str, start: str
) -> None:
    """Textual's Input sets its virtual size (a layout reactive) on each key, and the target's
    hint was set again (to nothing, for a valid source) on each key: every key typed reflowed
    the whole screen. The field repaints; the hint changes only when its text does."""
    app = make_app(tmp_path)
    reflows = _count_reflows(monkeypatch)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ConnectScreen)
            entry = screen.query_one(field, Input)
            entry.focus()
            await pilot.press(*start)
            await settle(pilot)
            reflows.clear()
            await pilot.press("t", "s")
            await settle(pilot)
            assert entry.value == start + "ts"
            assert not screen.query_one("#target-hint", Label).has_class("-invalid")
            assert reflows["ConnectScreen"] == 0

    try:
        asyncio.run(scenario())
    finally:
        app.mirror.close()


@pytest.mark.parametrize(("key", "kind"), [("f3", DashboardScreen), ("f6", ExportScreen)])
def test_a_screen_visited_again_is_not_reflowed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key: str, kind: type[Screen[Any]]
) -> None:
    """With no run open the dashboard's chart says what the mirror holds on each visit, and the
    export screen what was exported from the workspace; the same words set again laid the
    whole screen out again."""
    app = make_app(tmp_path)
    reflows = _count_reflows(monkeypatch)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, kind)
            await pilot.press("f2")
            await settle(pilot)
            reflows.clear()
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, kind)
            assert reflows[kind.__name__] == 0

    try:
        asyncio.run(scenario())
    finally:
        app.mirror.close()


@pytest.mark.parametrize("size", [(80, 24), SIZE])
def test_the_dashboard_drawn_again_unchanged_is_not_reflowed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    """The run's title and the day chart's label widths were set again on each refresh of the
    dashboard (each progress flush while a run goes), the same title and widths, and each
    laid the whole dashboard out again."""
    app = make_app(tmp_path)
    seen = Recorder()
    reflows = _count_reflows(monkeypatch)

    async def scenario() -> None:
        async with app.run_test(size=size, message_hook=seen) as pilot:
            request = RunRequest("ws", (SourceSpec.parse("github:acme/rocket"),), depth=30)
            assert app.plan_and_start(request) is not None
            await wait_until(pilot, lambda: seen.of(RunEnded), timeout=60)
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, DashboardScreen)
            reflows.clear()
            screen.refresh_session(final=True)
            await settle(pilot)
            assert reflows["DashboardScreen"] == 0

    try:
        asyncio.run(scenario())
    finally:
        app.mirror.close()
