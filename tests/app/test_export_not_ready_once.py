"""The export form's "Not ready" notice is shown once, over the dry run (a fresh tester's
finding: at 80x24 each ctrl+s or ctrl+r with no DSN added one more, and they piled up over the
form's fields and then over the trigger dialog that ctrl+t opened). A newer notice of the same
title takes the older one's place; the dialog opens with the form's notice taken down."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import make_app, open_export, populate, settle, wait_until
from textual.widgets import Input
from textual.widgets._toast import Toast

from backfill_tui.screens.trigger import TriggerScreen


def test_not_ready_shows_once_clear_of_the_form_and_the_trigger_dialog(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=7)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            screen = await open_export(pilot)
            for key in ("ctrl+s", "ctrl+s", "ctrl+r", "ctrl+s"):
                await pilot.press(key)
                await pilot.pause()
            await wait_until(pilot, lambda: screen.query(Toast))
            await pilot.pause()
            toasts = [t for t in screen.query(Toast) if t.region.height]
            assert len(toasts) == 1
            assert [n.title for n in app._notifications] == ["Not ready"]
            form = screen.query_one("#export-form").region
            assert not toasts[0].region.overlaps(form), (toasts[0].region, form)
            await pilot.press("ctrl+t")
            await settle(pilot)
            await wait_until(pilot, lambda: isinstance(app.screen, TriggerScreen))
            await pilot.pause()
            assert not [t for t in app.screen.query(Toast) if t.region.height]
            assert not list(app._notifications)

    asyncio.run(scenario())


def test_after_not_ready_the_cursor_is_in_the_field_it_names(tmp_path: Path) -> None:
    """What was typed after "Not ready — type the DSN" went nowhere (a fresh tester's
    finding): the cursor goes to the field the notice is about, in the form's order."""
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=7)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_export(pilot)
            await pilot.press("ctrl+r")
            await wait_until(pilot, lambda: screen.focused is screen.query_one("#dsn"))
            await pilot.press(*"postgresql://u@h/db")
            assert screen.query_one("#dsn", Input).value == "postgresql://u@h/db"

            await pilot.click("#kind-inngest")
            await pilot.press("ctrl+r")  # no event key
            await wait_until(pilot, lambda: screen.focused is screen.query_one("#event-key"))
            await pilot.press(*"evt-key-1")
            screen.query_one("#base-url", Input).value = "ftp://example"
            await pilot.press("ctrl+r")
            await wait_until(pilot, lambda: screen.focused is screen.query_one("#base-url"))

            screen.query_one("#export-workspace", Input).value = ""
            await pilot.press("ctrl+r")
            await wait_until(pilot, lambda: screen.focused is screen.query_one("#export-workspace"))

    asyncio.run(scenario())
