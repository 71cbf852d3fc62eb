"""Keys sent in one burst on the connect screen act on the form as the keys before them left
it (a fresh tester's findings, ``tmux send-keys`` at 80x24):

- ``"acme/one" Enter "acme/two" Enter "acme/three" Enter`` added github:acme/onea,
  github:cme/twoa and github:cme/three: the Enter's add ran after the next key was typed;
- ``"acme/old-rocket" Enter C-s`` started a run without old-rocket, and a click on a source's
  Remove followed at once by C-s started one still with it.

The input goes on the app's queue all at once, as a terminal delivers a burst (Pilot's
``press`` and ``click`` wait for the app to go idle after each, which hides it)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from app_support import SIZE, Recorder, make_app, wait_until
from textual import events
from textual.app import App
from textual.widgets import Button, Input

from backfill_tui.screens.connect import ConnectScreen
from backfill_tui.screens.messages import RunEnded, StartRequested
from backfill_tui.widgets.source_card import SourceCard

NAMED = {"/": "slash", "-": "minus"}


def burst(app: App[Any], keys: list[str | events.Event]) -> None:
    """Every key (or mouse event) on the app's queue in one go, as the driver posts a burst."""
    driver = app._driver
    assert driver is not None
    for key in keys:
        if isinstance(key, str):
            key = events.Key(NAMED.get(key, key), key if len(key) == 1 else None)
        key.set_sender(app)
        driver.send_message(key)


def click_at(widget: Any) -> list[str | events.Event]:
    """A left click in the middle of ``widget``, as the terminal reports it."""
    x, y = widget.region.center
    fields = dict(delta_x=0, delta_y=0, button=1, shift=False, meta=False, ctrl=False)
    return [
        events.MouseDown(None, x, y, screen_x=x, screen_y=y, **fields),  # type: ignore[arg-type]
        events.MouseUp(None, x, y, screen_x=x, screen_y=y, **fields),  # type: ignore[arg-type]
    ]


def _sources(screen: ConnectScreen) -> list[str]:
    return [str(card.spec) for card in screen.query(SourceCard)]


async def _connect(pilot: Any) -> ConnectScreen:
    screen = pilot.app.screen
    assert isinstance(screen, ConnectScreen)
    await pilot.click("#workspace")
    await pilot.press(*"ws")
    screen.query_one("#target", Input).focus()
    await pilot.pause()
    return screen


def test_each_enter_adds_what_was_typed_before_it(tmp_path: Path) -> None:
    app = make_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            screen = await _connect(pilot)
            burst(app, [*"acme/one", "enter", *"acme/two", "enter", *"acme/three", "enter"])
            await wait_until(pilot, lambda: len(_sources(screen)) == 3)
            await pilot.pause()
            assert _sources(screen) == ["github:acme/one", "github:acme/two", "github:acme/three"]
            assert screen.query_one("#target", Input).value == ""

    asyncio.run(scenario())


def test_ctrl_s_right_after_enter_starts_with_the_source_added(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            await _connect(pilot)
            burst(app, [*"acme/rocket", "enter", *"acme/old-rocket", "enter", "ctrl+s"])
            await wait_until(pilot, lambda: seen.of(StartRequested))
            sources = [str(s) for s in seen.of(StartRequested)[0].request.sources]
            assert sources == ["github:acme/rocket", "github:acme/old-rocket"]
            await wait_until(pilot, lambda: seen.of(RunEnded))  # not quit with it half-drawn
            await pilot.pause()

    asyncio.run(scenario())


def test_ctrl_s_right_after_remove_starts_without_the_source(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            screen = await _connect(pilot)
            await pilot.press(*"acme/rocket", "enter", *"acme/old-rocket", "enter")
            await wait_until(pilot, lambda: len(_sources(screen)) == 2)
            await pilot.pause()
            old = screen.query(SourceCard)[1]
            remove = old.query_one(".remove", Button)
            screen.query_one("#form").scroll_to_widget(remove, animate=False)
            await pilot.pause()
            burst(app, [*click_at(remove), "ctrl+s"])
            await wait_until(pilot, lambda: seen.of(StartRequested))
            sources = [str(s) for s in seen.of(StartRequested)[0].request.sources]
            assert sources == ["github:acme/rocket"]
            await wait_until(pilot, lambda: seen.of(RunEnded))  # not quit with it half-drawn
            await pilot.pause()

    asyncio.run(scenario())
