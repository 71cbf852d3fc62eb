"""What the observations screen reads for a query (``observations.first_page``) answers as the
plain count and search do (issue 12 item 11: the page is read once for what was counted, an
emoji search counts from its own page, and a literal term is a substring test, not LIKE)."""

from __future__ import annotations

import pytest
from app_support import make_app, populate

from backfill_tui.screens.observations import COUNT_CAP, PAGE, first_page
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
    literal = text is not None and text.split()[-1] in {"🚀", "("}
    assert cap == (PAGE if literal else COUNT_CAP)
    assert matching == mirror.count_observations_matching("ws", source=source, text=text, cap=cap)
    assert rows == mirror.find_observations("ws", source=source, text=text, limit=PAGE)


def test_an_emoji_matches_as_a_substring_of_title_or_body(mirror: Mirror) -> None:
    rows = mirror.find_observations("ws", text="🚀", limit=10_000)
    assert rows, "the simulator's history has titles or bodies with a rocket"
    every = [mirror.get_observation(row.id) for row in mirror.find_observations("ws", limit=10**6)]
    expected = {o.id for o in every if o is not None and ("🚀" in o.title or "🚀" in o.content)}
    assert {row.id for row in rows} == expected
