"""At 50x15 the connect and export screens' buttons show their labels whole (a fresh tester's
finding: "Sta" and "Cancel expor", cut at the screen's edge). Below 60 columns the buttons take
their labels' width, and "Trigger in production…" is "Trigger…"; on the export screen so below
80 columns (at 60x20 its last button was cut at "Trigg": a fresh tester's finding)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from app_support import make_app, settle
from textual.widgets import Button

from backfill_tui.screens.connect import ConnectScreen
from backfill_tui.screens.export import ExportScreen


@pytest.mark.parametrize(
    ("key", "row", "size"),
    [
        ("f2", "#actions", (50, 15)),
        ("f6", "#export-actions", (50, 15)),
        ("f6", "#export-actions", (60, 20)),
        ("f6", "#export-actions", (70, 20)),
        ("f6", "#export-actions", (79, 24)),
        ("f6", "#export-actions", (80, 24)),
    ],
)
def test_every_button_shows_its_label_whole(
    tmp_path: Path, key: str, row: str, size: tuple[int, int]
) -> None:
    app = make_app(tmp_path)
    width = size[0]

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.resize_terminal(*size)
            await pilot.press(key)
            await settle(pilot)
            await pilot.pause()
            assert isinstance(app.screen, ConnectScreen | ExportScreen)
            buttons = list(app.screen.query_one(row).query(Button))
            assert len(buttons) >= 3
            for button in buttons:
                label = str(button.label)
                region = button.region
                assert region.x >= 0 and region.right <= width, (label, region)
                assert region.width >= len(label), (label, region)

    asyncio.run(scenario())
