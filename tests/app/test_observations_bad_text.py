"""A stored text that is not valid UTF-8 (SQLite keeps any bytes: a hand edit, another tool)
no longer empties the Observations screen: one such title made the whole query fail, and the
screen said "Could not read the observations: internal error (OperationalError)" (a fresh
tester's finding). The rows are listed, the bad bytes shown as U+FFFD, and the row's detail
opens; ``verify --full`` is what names such a row."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from app_support import make_app, open_observations, populate, settle, wait_until

from backfill_tui.widgets.observation_detail import ObservationPane


def test_a_title_that_is_not_utf8_is_shown_replaced_and_the_other_rows_with_it(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=30)
    newest = app.mirror.find_observations("ws", limit=1)[0]
    with sqlite3.connect(tmp_path / "mirror.db") as conn:  # "[Issue]" then two bytes no UTF-8 has
        conn.execute(
            "UPDATE observations SET title = CAST(x'5b49737375655dfffe41' AS TEXT) WHERE id = ?",
            (newest.id,),
        )

    async def scenario() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            screen, table = await open_observations(pilot)
            await wait_until(pilot, lambda: table.row_count > 1)
            count = str(screen.query_one("#obs-count").render())
            assert "Could not read" not in count and "error" not in count
            cells = [str(c) for c in table.get_row_at(0)]
            assert any("[Issue]\ufffd\ufffdA" in c for c in cells), cells
            table.focus()
            await pilot.press("enter")
            pane = screen.query_one("#detail", ObservationPane)
            await wait_until(pilot, lambda: pane.display and "\ufffd" in _text(pane))
            await settle(pilot)

    asyncio.run(scenario())


def _text(pane: ObservationPane) -> str:
    return " ".join(str(w.render()) for w in pane.query("*"))


def test_a_source_that_is_not_utf8_leaves_the_list_and_its_facets_readable(
    tmp_path: Path,
) -> None:
    """A bad byte in ``source`` (not a text the user reads, but every query of the list and
    of its filters reads it) emptied the screen the same way (a second fresh tester's
    finding): the screens' read connection shows every stored text leniently."""
    app = make_app(tmp_path)
    populate(app, "vercel:acme/rocket-web", days=7)
    with sqlite3.connect(tmp_path / "mirror.db") as conn:  # "vercel" with its last byte bad
        conn.execute(
            "UPDATE observations SET source = CAST(x'76657263656cff' AS TEXT)"
            " WHERE id = (SELECT min(id) FROM observations)"
        )
    stored = app.mirror.count_observations("ws")

    async def scenario() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            screen, table = await open_observations(pilot)
            await wait_until(pilot, lambda: table.row_count == min(stored, 100))
            count = str(screen.query_one("#obs-count").render())
            assert "Could not read" not in count and "error" not in count, count
            await settle(pilot)

    asyncio.run(scenario())
