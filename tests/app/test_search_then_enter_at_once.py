"""F4, ``/``, words, then ``Enter Enter`` sent in one go (a fresh tester's finding: the first
Enter searched, the second, meant to open the first row's detail, was lost; sent 1.5 s apart it
worked). The second Enter reached the search box before the answer and searched again; it now
waits for the answer, as a Down typed there does, and opens the first row of it.

The keys are put on the app's queue all at once, as a terminal delivers a burst (see
test_keys_in_order.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import make_app, open_observations, populate, wait_until
from test_keys_in_order import burst

from backfill_tui.widgets.observation_detail import ObservationPane


def test_enter_sent_with_the_search_opens_the_first_row_of_its_answer(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", "linear:ENG", days=30)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            screen, table = await open_observations(pilot)
            everything = screen.matching
            burst(app, ["slash", *"fuel", "enter", "enter"])
            pane = screen.query_one(ObservationPane)
            await wait_until(pilot, lambda: pane.display and 0 < screen.matching < everything)
            first = table.coordinate_to_cell_key((0, 0)).row_key.value
            assert first is not None
            assert table.cursor_row == 0
            shown = pane.observation
            assert shown is not None and shown.id == int(first)
            assert "fuel" in (shown.title + shown.content).lower()

    asyncio.run(scenario())
