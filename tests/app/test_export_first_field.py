"""Text typed straight after F6 lands in the field it is for (a fresh tester's finding: the
focus started on the target radio set, so a DSN typed at once went nowhere). The focus starts
in the chosen target's first empty required field (the DSN for Postgres, the event key for
Inngest), or on the target choice when they are all filled; a target chosen by mouse moves the
focus to its first empty field, one chosen by key keeps the choice focused and its Tab goes
there."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import make_app, open_export, wait_until
from test_keys_in_order import burst
from textual.widgets import Input, RadioSet

from backfill_tui.screens.export import ExportScreen


def test_a_dsn_typed_straight_after_f6_is_in_the_dsn(tmp_path: Path) -> None:
    app = make_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("f6")
            burst(app, list("postgresql://u@h/db"))
            screen = app.screen
            assert isinstance(screen, ExportScreen)
            dsn = screen.query_one("#dsn", Input)
            await wait_until(pilot, lambda: dsn.value.endswith("db"))
            assert dsn.value == "postgresql://u@h/db"

    asyncio.run(scenario())


def test_choosing_inngest_by_mouse_moves_to_the_event_key(tmp_path: Path) -> None:
    app = make_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            screen = await open_export(pilot)
            await pilot.click("#kind-inngest")
            await wait_until(pilot, lambda: screen.kind == "inngest")
            await pilot.pause()
            assert app.focused is screen.query_one("#event-key", Input)
            await pilot.press(*"key1")
            assert screen.query_one("#event-key", Input).value == "key1"

    asyncio.run(scenario())


def test_by_key_the_tab_goes_to_the_first_empty_field_or_on_when_all_filled(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_export(pilot)
            choice = screen.query_one("#export-kind", RadioSet)
            screen.query_one("#event-key", Input).value = "key1"
            await pilot.press(*"postgresql://u@h/db")
            await pilot.press("shift+tab")
            assert app.focused is choice
            # all of Postgres's filled: Tab goes on as usual (the DSN, next in the form)
            await pilot.press("tab")
            assert app.focused is screen.query_one("#dsn", Input)
            await pilot.press("shift+tab", "right", "enter")
            await wait_until(pilot, lambda: screen.kind == "inngest")
            assert app.focused is choice  # the arrows can change it again
            screen.query_one("#event-key", Input).value = ""
            await pilot.press("tab")
            assert app.focused is screen.query_one("#event-key", Input)

    asyncio.run(scenario())
