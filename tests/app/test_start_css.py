"""Start-up (issue 13): the app parses only the CSS its first screen needs before that screen is
shown; a mode screen's own ``.tcss`` is added as the screen is made, without Textual's full
reparse of the stylesheet (every widget's default CSS again) or a restyle of every screen."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from app_support import SIZE, make_app, settle
from textual.css.stylesheet import Stylesheet

from backfill_tui.screens.dashboard import DashboardScreen


def _tcss_read(app_stylesheet: Stylesheet) -> set[str]:
    return {Path(path).name for path, _ in app_stylesheet.source if path.endswith(".tcss")}


def test_a_mode_screens_css_is_read_when_it_is_made_with_no_reparse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reparsed: list[Stylesheet] = []
    real_reparse = Stylesheet.reparse

    def counting_reparse(self: Stylesheet) -> None:
        reparsed.append(self)
        real_reparse(self)

    monkeypatch.setattr(Stylesheet, "reparse", counting_reparse)
    app = make_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            read = _tcss_read(app.stylesheet)
            assert {"app.tcss", "connect.tcss"} <= read
            assert not read & {"dashboard.tcss", "observations.tcss", "runs.tcss", "export.tcss"}

            await pilot.press("f3")
            await settle(pilot)
            assert isinstance(app.screen, DashboardScreen)
            assert "dashboard.tcss" in _tcss_read(app.stylesheet)
            assert reparsed == []  # only the new file was parsed
            # and its rules apply: the streams panel has dashboard.tcss's top border
            panel = app.screen.query_one("#streams-panel")
            assert panel.styles.border_top[0] == "solid"

    try:
        asyncio.run(scenario())
    finally:
        app.mirror.close()
