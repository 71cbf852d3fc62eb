"""The export screen (F6) starts with the focus where the user begins (a fresh tester's finding:
the focus started on the form's scroll container, and the first Tab only reached the target
radio). Since a later finding (text typed straight after F6 was lost on the target radio) that
is the chosen target's first empty required field, the DSN on a fresh screen, and Tab goes on
from there; test_export_first_field.py has the rest of the rule."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import make_app, open_export
from textual.widgets import Checkbox, Input, RadioSet


def test_f6_starts_on_the_dsn_and_tab_goes_on(tmp_path: Path) -> None:
    app = make_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_export(pilot)
            assert app.focused is screen.query_one("#dsn", Input)
            await pilot.press("tab")
            assert app.focused is screen.query_one("#create-schema", Checkbox)
            await pilot.press("shift+tab", "shift+tab")
            assert app.focused is screen.query_one("#export-kind", RadioSet)

    asyncio.run(scenario())
