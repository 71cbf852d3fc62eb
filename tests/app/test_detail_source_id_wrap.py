"""At 80 columns the detail pane's sourceId breaks only between its parts (after a ':' or
'/'), never inside one (a fresh tester's finding: ``deployment:dpl_Gw4M0YTIfWsqP4ESTxM`` /
``e4380NS3D``, a Vercel id cut in two, which a reader copies wrongly)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from app_support import make_app, open_observations, populate, settle, wait_until
from screen_text import region_text

from backfill_tui.widgets.observation_detail import ObservationPane


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
def test_the_source_id_wraps_between_its_parts(tmp_path: Path, size: tuple[int, int]) -> None:
    app = make_app(tmp_path)
    populate(app, "vercel:acme/rocket-web", days=7)

    async def scenario() -> None:
        async with app.run_test(size=size) as pilot:
            screen, _table = await open_observations(pilot)
            await pilot.press("enter")
            pane = screen.query_one(ObservationPane)
            await wait_until(pilot, lambda: pane.display and pane.observation is not None)
            await settle(pilot)
            await pilot.pause()
            assert pane.observation is not None
            source_id = pane.observation.source_id
            meta = screen.query_one("#detail-meta")
            lines = [line.strip(" │▃") for line in region_text(app, meta).splitlines()]
            text = "\n".join(lines)
            parts = [p for p in re.split(r"(?<=[:/])", source_id) if p]
            assert len(source_id) > meta.content_region.width or size[0] > 80, text
            for part in parts:
                assert any(part in line for line in lines), (part, text)
            assert source_id in "".join(lines), text  # whole, in order, nothing added

    asyncio.run(scenario())
