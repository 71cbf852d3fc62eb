"""At 80x24 the runs screen's footer holds every key of its own, before and after a run is
marked as A: it dropped ``d Compare with A`` (and the screens' F-keys with it), the one key that
says how a comparison ends (a fresh tester's finding). Enter's "open" is the table's own key
(the line under the table says it); F1 lists every key."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import make_app, populate, settle

from backfill_tui.screens.runs import RunsScreen
from backfill_tui.widgets.app_footer import AppFooter


def test_every_key_of_the_runs_screen_is_in_its_footer_at_80_columns(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=7)
    populate(app, "github:acme/rocket", days=30)
    missing: list[list[str]] = []

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("f5")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, RunsScreen)
            footer = screen.query_one(AppFooter)
            for press in ("", "m"):
                if press:
                    await pilot.press(press)
                    await settle(pilot)
                await pilot.pause()
                own = [
                    binding.key
                    for node, binding, _, _ in screen.active_bindings.values()
                    if node is screen and binding.show
                ]
                assert "d" in own and "m" in own
                shown = {key.key for key in footer.shown}
                missing.append([key for key in own if key not in shown])

    asyncio.run(scenario())
    assert missing == [[], []]
