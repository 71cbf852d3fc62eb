"""What the observations screen reads for a query (``observations.first_page``) answers as the
plain count and search do (issue 12 item 11: the page is read once for what was counted, an
emoji search counts from its own first page, a screenful, and a literal term is a substring
test, not LIKE); scrolling an emoji search reads on and counts what it has read."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from app_support import make_app, populate, settle, wait_until
from textual.widgets import DataTable, Label

from backfill_tui.screens.observations import (
    COUNT_CAP,
    LITERAL_PAGE,
    PAGE,
    ObservationsScreen,
    first_page,
    row_cells,
)
from backfill_tui.store import Mirror


@pytest.fixture(scope="module")
def mirror(tmp_path_factory: pytest.TempPathFactory) -> Mirror:
    app = make_app(tmp_path_factory.mktemp("search"))
    populate(app, "github:acme/rocket", "linear:ENG", "vercel:web", days=30)
    return app.mirror


@pytest.mark.parametrize(
    ("source", "text"),
    [
        (None, None),
        (None, "rocket"),  # a common word: more than FEW_MATCHES would be the "list" plan
        (None, "fix"),
        ("linear", "the"),
        (None, "🚀"),  # literal: counted from the page
        (None, "deploy 🚀"),
        (None, "("),
        (None, "nothing-matches-this-zzz"),
    ],
)
def test_first_page_answers_as_the_count_and_the_search_do(
    mirror: Mirror, source: str | None, text: str | None
) -> None:
    matching, cap, rows = first_page(mirror, "ws", source, None, text)
    # a term that is not a plain word ("🚀", "(", "nothing-matches-…") is matched literally
    literal = text is not None and any(not term.isalnum() for term in text.split())
    assert cap == (LITERAL_PAGE if literal else COUNT_CAP)
    assert matching == mirror.count_observations_matching("ws", source=source, text=text, cap=cap)
    assert rows == mirror.find_observations("ws", source=source, text=text, limit=min(cap, PAGE))


def test_an_emoji_matches_as_a_substring_of_title_or_body(mirror: Mirror) -> None:
    rows = mirror.find_observations("ws", text="🚀", limit=10_000)
    assert rows, "the simulator's history has titles or bodies with a rocket"
    every = [mirror.get_observation(row.id) for row in mirror.find_observations("ws", limit=10**6)]
    expected = {o.id for o in every if o is not None and ("🚀" in o.title or "🚀" in o.content)}
    assert {row.id for row in rows} == expected


def test_scrolling_a_literal_search_reads_on_and_counts_what_it_read(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", "linear:ENG", "vercel:web", days=90)
    every = app.mirror.find_observations("ws", text="(", limit=10**6)
    assert len(every) > LITERAL_PAGE + 1, "enough titles with a parenthesis to page through"

    async def scenario() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("f4")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ObservationsScreen)
            await pilot.press("slash", "left_parenthesis", "enter")
            await settle(pilot)
            table = screen.query_one("#observations", DataTable)
            assert table.row_count == LITERAL_PAGE
            count = str(screen.query_one("#obs-count", Label).content)
            assert f"more than {LITERAL_PAGE} observations" in count, count
            table.focus()
            await pilot.press("pagedown", "pagedown")  # to the last row: the next page is read
            await settle(pilot)
            await wait_until(pilot, lambda: table.row_count > LITERAL_PAGE)
            await settle(pilot)
            shown = table.row_count
            assert [table.get_row_at(i)[3].plain for i in range(shown)] == [
                row_cells(row)[3].plain for row in every[:shown]
            ]
            count = str(screen.query_one("#obs-count", Label).content)
            if shown < len(every):
                assert f"more than {shown} observations" in count, count
            else:
                assert f"{shown} observations" in count and "more than" not in count, count

    asyncio.run(scenario())
