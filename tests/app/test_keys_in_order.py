"""Keys typed at once go to the field that had the focus when each was typed (a fresh
tester's finding: on F6 with Inngest chosen, ``Tab key123 Tab C-u "ftp:/x y"`` sent in one
``tmux send-keys`` left both strings in the masked event key).

Textual forwards a key to the focused widget's queue and runs a Tab's binding only when the
key has bubbled back up to the app, so keys read meanwhile went to the field the Tab was
leaving. The keys here are put on the app's queue all at once, as a terminal delivers a
burst (Pilot's ``press`` waits for the app to go idle after each key, which hides it)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from app_support import make_app, open_export, populate, wait_until
from textual import events
from textual.app import App
from textual.widgets import Input

from backfill_tui.screens.export import ExportScreen
from backfill_tui.screens.observations import ObservationsScreen
from backfill_tui.screens.trigger import TriggerScreen

NAMED = {" ": "space", ":": "colon", "/": "slash"}


def burst(app: App[Any], keys: list[str]) -> None:
    """Every key on the app's queue in one go, as the driver posts a burst of input."""
    driver = app._driver
    assert driver is not None
    for key in keys:
        char = key if len(key) == 1 else None
        event = events.Key(NAMED.get(key, key), char)
        event.set_sender(app)
        driver.send_message(event)


async def _drained(pilot: Any, screen: ExportScreen, last: str) -> None:
    """Let the app read the burst through: its last character is in a field (whichever)."""
    await wait_until(pilot, lambda: any(v.endswith(last) for v in _values(screen).values()))
    await pilot.pause()


def _values(screen: ExportScreen) -> dict[str, str]:
    return {
        name: screen.query_one(f"#{name}", Input).value
        for name in ("dsn", "event-key", "base-url", "clerk-org")
    }


def test_a_burst_after_choosing_inngest_fills_each_field_in_turn(tmp_path: Path) -> None:
    app = make_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_export(pilot)
            screen.query_one("#export-kind").focus()
            await pilot.press("right", "enter")
            await wait_until(pilot, lambda: screen.kind == "inngest")
            burst(app, ["tab", *"key123", "tab", "ctrl+u", *"ftp:/x y"])
            await _drained(pilot, screen, "y")
            assert _values(screen) == {
                "dsn": "",
                "event-key": "key123",
                "base-url": "ftp:/x y",
                "clerk-org": "",
            }
            assert app.focused is screen.query_one("#base-url", Input)

    asyncio.run(scenario())


def test_a_burst_choosing_inngest_and_tabbing_on_types_into_the_event_key(
    tmp_path: Path,
) -> None:
    """The Tab after the choice goes to the field the choice shows, not the hidden DSN."""
    app = make_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_export(pilot)
            screen.query_one("#export-kind").focus()
            await pilot.pause()
            burst(app, ["right", "enter", "tab", *"key123"])
            await _drained(pilot, screen, "3")
            assert screen.kind == "inngest"
            assert _values(screen)["event-key"] == "key123", _values(screen)
            assert _values(screen)["dsn"] == ""

    asyncio.run(scenario())


def test_a_burst_opening_export_types_every_key_into_its_first_field(tmp_path: Path) -> None:
    """``tmux send-keys F6 abcdefghij`` the first time F6 opens: all ten characters land in
    the field the new screen focuses (a fresh tester's finding: the first was lost, read
    before the new screen had placed its focus)."""
    app = make_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            burst(app, ["f6", *"abcdefghij"])
            await wait_until(
                pilot, lambda: isinstance(app.screen, ExportScreen) and app.screen.is_mounted
            )
            screen = app.screen
            assert isinstance(screen, ExportScreen)
            await _drained(pilot, screen, "j")
            assert _values(screen)["dsn"] == "abcdefghij", _values(screen)
            assert app.focused is screen.query_one("#dsn", Input)

    asyncio.run(scenario())


def test_a_burst_opening_observations_and_searching_fills_the_search_box(
    tmp_path: Path,
) -> None:
    """F4 the first time, then "/fix", sent at once: the "/" waits for the new screen (read
    before it had its widgets, its binding failed to find the search box and the app
    crashed), and "fix" lands in the box."""
    app = make_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            burst(app, ["f4", "/", *"fix"])
            await wait_until(
                pilot,
                lambda: isinstance(app.screen, ObservationsScreen) and app.screen.is_mounted,
            )
            search = app.screen.query_one("#search", Input)
            await wait_until(pilot, lambda: search.value.endswith("x"))
            assert search.value == "fix"
            assert app.focused is search

    asyncio.run(scenario())


def test_a_burst_opening_the_trigger_dialog_types_into_its_first_field(tmp_path: Path) -> None:
    """ctrl+t (a priority key, never forwarded) opening the trigger dialog, then "org_9" at
    once: every character lands in its Clerk org field (the "o" was lost)."""
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=7)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await open_export(pilot)
            burst(app, ["ctrl+t", *"org_9"])
            await wait_until(
                pilot, lambda: isinstance(app.screen, TriggerScreen) and app.screen.is_mounted
            )
            field = app.screen.query_one("#trigger-org", Input)
            await wait_until(pilot, lambda: field.value.endswith("9"))
            assert field.value == "org_9"

    asyncio.run(scenario())
