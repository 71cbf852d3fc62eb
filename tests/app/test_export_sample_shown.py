"""The dry run's sample is drawn even when the screen lays itself out between the rows coming
and the table sizing itself to them.

The export snapshot test (test_app_export.py) gave up after 60 s waiting for the sample's rows
in one of four loaded CI runs: the table held its five rows and a virtual height of 6, but the
screen kept it one line high, its headings alone, and no later layout changed that. The order
that does it (traced under load): the plan shows the table (``display``, a layout of the table
asked for) and adds its rows; the screen's update timer lays the screen out before the table's
idle turn, measuring the table at its old height (its headings) and keeping that measure;
then the table sizes itself to its rows and asks for a layout again, which Textual counts as
the one already asked for, so the next layout takes the kept measure. A person would see the
headings and no rows until something else laid the table out (a resize, another dry run).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import SIZE, make_app, open_export, populate, wait_until
from screen_text import region_text
from textual.widgets import Input

from backfill_tui.engine.export import plan_export
from backfill_tui.widgets.row_table import RowTable


def test_the_sample_shows_when_the_screen_lays_out_before_the_table_sizes_itself(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket")

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_export(pilot)
            await pilot.click("#kind-inngest")  # the panel to its hint: the sample hidden
            screen.query_one("#event-key", Input).value = "evtkey-sample-1234"
            screen.query_one("#base-url", Input).value = "http://127.0.0.1:8288"
            await pilot.pause()
            form = screen.read_form()
            plan = plan_export(app.mirror.path, form.target(), form.workspace)  # ctrl+r's
            assert len(plan.sample) == 5
            sample = screen.query_one("#plan-sample", RowTable)
            assert not sample.display and sample.virtual_size.height == 1  # its headings

            # The dry run's answer as its handler draws it, then the screen's update timer
            # firing before the table's idle turn (the order a loaded machine gave).
            screen.show_plan(plan)
            screen.refresh(layout=True)
            screen._on_timer_update()

            await wait_until(pilot, lambda: sample.size.height == 6, timeout=30)
            assert region_text(app, sample).count("2026-") == 5

    asyncio.run(scenario())
