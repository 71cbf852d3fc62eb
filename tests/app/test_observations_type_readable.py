"""The observations table's type column, cut to fit, keeps the action: at 80x24
"pull-request.c…" and "deployment_cre…" did not say closed or created (a fresh tester's
finding), and at 120 columns beside the detail pane the type was cut alike. The family is
cut instead ("pull-re….closed", "deploy…_created")."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from app_support import make_app, open_observations, populate, settle
from screen_text import region_text

from backfill_tui.widgets.row_table import fit_kind

SIZES = [(80, 24), (120, 36)]


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x36"])
def test_a_cut_type_keeps_its_action(tmp_path: Path, size: tuple[int, int]) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", "vercel:acme/rocket-web", workspace="ws", days=30)

    async def scenario() -> None:
        async with app.run_test(size=size) as pilot:
            _screen, table = await open_observations(pilot)
            for pane in ("closed", "open"):
                shown = region_text(app, table)
                assert "pull-request.c…" not in shown and "deployment_cre…" not in shown, shown
                assert "deployment_s…" not in shown and "pull-request.o…" not in shown, shown
                actions = ("….closed", "….opened", "….merged", "_created", "_succeeded")
                assert sum(shown.count(action) for action in actions) >= 3, shown
                if pane == "closed":
                    await pilot.press("enter")  # the detail pane opens beside the table
                    await settle(pilot)
                    if size[0] < 100:
                        break  # below 100 columns the type folds away beside the pane

    asyncio.run(scenario())


def test_fit_kind_cuts_the_family_and_keeps_the_action() -> None:
    assert fit_kind("pull-request.closed", 15) == "pull-re….closed"
    assert fit_kind("deployment_created", 15) == "deploy…_created"
    assert fit_kind("deployment_succeeded", 15) == "depl…_succeeded"
    assert fit_kind("issue.resolved", 15) == "issue.resolved"
    assert fit_kind("deployment_succeeded", 10) == "deploymen…"  # no room for the family
    assert fit_kind("push", 3) == "pu…"
