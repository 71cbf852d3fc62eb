"""The first frame's parsed CSS is kept between starts (issue 13, screens/css_cache.py): a
second start parses none of what its first frame needs and draws the connect screen exactly as
the first did; a cache file that cannot be read, or one of other CSS, is ignored and written
again; invalid CSS is never kept."""

from __future__ import annotations

import asyncio
import pickle
from pathlib import Path
from typing import Any

import pytest
from app_support import SIZE, settle, sim_environment
from textual.css.stylesheet import StylesheetParseError

from backfill_tui.screens.app import BackfillApp
from backfill_tui.screens.css_cache import CachedStylesheet
from backfill_tui.store import Mirror


def _start(tmp_path: Path, cache: Path) -> tuple[int, list[Any]]:
    """Start the app with ``cache``; how many stylesheets it parsed, and what it drew."""
    app = BackfillApp(Mirror.open(tmp_path / "mirror.db"), sim_environment(), css_cache=cache)
    drawn: list[Any] = []

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            drawn.extend(list(strip) for strip in app.screen._compositor.render_strips())

    try:
        asyncio.run(scenario())
    finally:
        app.mirror.close()
    stylesheet = app.stylesheet
    assert isinstance(stylesheet, CachedStylesheet)
    return stylesheet.parsed, drawn


def test_a_second_start_parses_nothing_and_draws_the_same(tmp_path: Path) -> None:
    cache = tmp_path / "cache" / "css.pickle"
    parsed, first = _start(tmp_path, cache)
    assert parsed > 10  # the app's, the connect screen's and each widget's default CSS
    assert cache.exists()
    parsed, second = _start(tmp_path, cache)
    assert parsed == 0
    assert second == first  # every cell: its character and its style


def test_an_unreadable_cache_is_ignored_and_written_again(tmp_path: Path) -> None:
    cache = tmp_path / "css.pickle"
    cache.write_bytes(b"not a pickle")
    parsed, _ = _start(tmp_path, cache)
    assert parsed > 10
    assert isinstance(pickle.loads(cache.read_bytes()), dict)


def test_rules_are_kept_under_their_css_and_variables(tmp_path: Path) -> None:
    cache = tmp_path / "css.pickle"
    css = "Label { color: $accent; }"
    first = CachedStylesheet(cache, variables={"accent": "red"})
    first.add_source(css, read_from=("test", "css"))
    first.parse()
    first.save()
    again = CachedStylesheet(cache, variables={"accent": "red"})
    again.add_source(css, read_from=("test", "css"))
    again.parse()
    assert again.parsed == 0
    other = CachedStylesheet(cache, variables={"accent": "blue"})  # another theme
    other.add_source(css, read_from=("test", "css"))
    other.parse()
    assert other.parsed == 1
    assert str(other.rules[0].styles.color) != str(again.rules[0].styles.color)


def test_invalid_css_is_never_kept(tmp_path: Path) -> None:
    cache = tmp_path / "css.pickle"
    for _ in range(2):
        sheet = CachedStylesheet(cache)
        sheet.add_source("Label { color: not-a-colour; }", read_from=("test", "css"))
        with pytest.raises(StylesheetParseError):
            sheet.parse()
        sheet.save()
    assert not cache.exists()
