"""The observations' title column keeps its width from one search to the next (a fresh tester's
finding: it was two columns wider when a search's answer fitted without a scrollbar, so it
jumped as the user searched). The scrollbar's columns are kept for it either way."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from app_support import make_app, open_observations, populate, settle, wait_until

SIZES = [(80, 24), (120, 36)]


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_title_column_keeps_its_width_between_searches(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", "vercel:acme/rocket-web", days=7)

    async def scenario() -> None:
        async with app.run_test(size=size) as pilot:
            screen, table = await open_observations(pilot)
            widths: dict[str, tuple[int, int]] = {}
            # "release": a handful, no scrollbar; "push": more than a screenful; "": all
            for term in ("release", "push", "zzzz", ""):
                await pilot.press("slash", "ctrl+u", *term, "enter")
                await settle(pilot)
                await wait_until(pilot, lambda: screen.focused is table)
                await settle(pilot)
                await pilot.pause()
                title = next(c for k, c in table.columns.items() if k.value == "title")
                widths[term] = (title.width, table.row_count)
            assert widths["release"][1] < table.size.height < widths["push"][1], widths
            assert len({width for width, _ in widths.values()}) == 1, widths

    asyncio.run(scenario())
