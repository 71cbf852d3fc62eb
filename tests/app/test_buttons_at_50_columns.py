"""At 50x15 the connect and export screens' buttons show their labels whole (a fresh tester's
finding: "Sta" and "Cancel expor", cut at the screen's edge). Below 60 columns the buttons take
their labels' width, and "Trigger in production…" is "Trigger…"."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from app_support import make_app, settle
from textual.widgets import Button

from backfill_tui.screens.connect import ConnectScreen
from backfill_tui.screens.export import ExportScreen


@pytest.mark.parametrize(("key", "row"), [("f2", "#actions"), ("f6", "#export-actions")])
def test_every_button_shows_its_label_whole_at_50x15(tmp_path: Path, key: str, row: str) -> None:
    app = make_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.resize_terminal(50, 15)
            await pilot.press(key)
            await settle(pilot)
            await pilot.pause()
            assert isinstance(app.screen, ConnectScreen | ExportScreen)
            buttons = list(app.screen.query_one(row).query(Button))
            assert len(buttons) >= 3
            for button in buttons:
                label = str(button.label)
                region = button.region
                assert region.x >= 0 and region.right <= 50, (label, region)
                assert region.width >= len(label), (label, region)

    asyncio.run(scenario())
