"""The runs screen's notice after ``m`` ("run … is A; select another run and press d to
compare") stayed up over the compare table after ``d`` (a fresh tester's finding at 80x24):
the compare opening takes it down, and the "comparing…" one with it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import compare_runs, make_app, populate


def test_the_mark_notice_goes_when_the_compare_opens(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", workspace="demo", days=7)
    populate(app, "github:acme/old-rocket", workspace="demo", days=7)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await compare_runs(pilot)
            await pilot.pause()
            up = [notice.message for notice in app._notifications]
            assert not any(" is A; " in message for message in up), up
            assert "comparing…" not in up, up

    asyncio.run(scenario())


def test_unmarking_takes_the_mark_notice_down(tmp_path: Path) -> None:
    from app_support import open_runs, settle

    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", workspace="demo", days=7)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await open_runs(pilot)
            await pilot.press("m")
            await settle(pilot)
            assert any(" is A; " in n.message for n in app._notifications)
            await pilot.press("m")
            await settle(pilot)
            up = [notice.message for notice in app._notifications]
            assert not any(" is A; " in message for message in up), up

    asyncio.run(scenario())
