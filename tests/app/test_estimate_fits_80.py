"""The estimate panel at 80x24 has four lines under its total, one a source: a source whose
streams do not fit on its line is summed ("~4000 items in 4 streams"). Wrapped, it took two
lines and the last source was cut off with nothing to say so (a fresh tester's finding, with
``BACKFILL_SIM=scale=200``)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import Recorder, make_app, wait_until
from rich.cells import cell_len
from textual.widgets import Label

from backfill_tui.screens.app import BackfillApp
from backfill_tui.screens.host import DemoSetup
from backfill_tui.screens.messages import EstimateReady

SOURCES = ("github:acme/rocket", "vercel:acme/rocket-web", "linear:ENG", "sentry:acme/rocket")


def _estimate_lines(app: BackfillApp) -> list[str]:
    """The estimate panel's lines at 80x24 once the demo's estimate is in (the app closed)."""
    seen = Recorder()
    shown: list[str] = []

    async def scenario() -> None:
        async with app.run_test(size=(80, 24), message_hook=seen) as pilot:
            await wait_until(pilot, lambda: seen.of(EstimateReady), timeout=60)
            label = app.screen.query_one("#estimate-summary", Label)
            await wait_until(pilot, lambda: " API call" in str(label.render()))  # shown
            shown.extend(str(label.render()).split("\n"))

    asyncio.run(scenario())
    app.mirror.close()
    return shown


def test_every_source_keeps_one_line_of_the_estimate_at_80_columns(tmp_path: Path) -> None:
    app = make_app(tmp_path, "scale=200", demo=DemoSetup("ws", SOURCES))
    shown = _estimate_lines(app)
    assert len(shown) == 1 + len(SOURCES), shown
    for source, line in zip(SOURCES, shown[1:], strict=True):
        assert line.startswith(f"{source}: "), shown
        assert cell_len(line) <= 80 - 4, line  # inside the panel's border and padding
    assert "items in 4 streams" in shown[1], shown  # GitHub's four streams, summed


def test_a_source_that_could_not_be_estimated_keeps_one_line_too(tmp_path: Path) -> None:
    """Why a source could not be estimated (a token the simulator wants, missing) wrapped to
    two lines, and the last source was cut off (a second fresh tester's finding): it is cut
    with "…" on its one line; the source's card says the whole of it."""
    import dataclasses

    from app_support import sim_environment

    token = "ghp_" + "e" * 36
    environment = dataclasses.replace(
        sim_environment(f"token={token}"), env={"GITHUB_TOKEN": token}
    )
    app = make_app(tmp_path, environment=environment, demo=DemoSetup("ws", SOURCES))
    shown = _estimate_lines(app)
    assert len(shown) == 1 + len(SOURCES), shown
    for source, line in zip(SOURCES, shown[1:], strict=True):
        assert line.startswith(f"{source}: ") and cell_len(line) <= 80 - 4, shown
    assert shown[2].endswith("…") and "token" in shown[2], shown  # Vercel's: no token


def test_sources_past_the_panels_lines_are_said_on_the_last(tmp_path: Path) -> None:
    """Seven sources at 80x24: four were shown and the three added later, one of them a 404 to
    come, were not said at all (a second fresh tester's finding). The last line says how many
    more, which could not be estimated, and the items of the rest."""
    more = ("github:acme/empty", "github:acme/old-rocket", "github:acme/nothere")
    app = make_app(tmp_path, demo=DemoSetup("ws", (*SOURCES, *more)))
    shown = _estimate_lines(app)
    assert len(shown) == 5, shown  # the total, three sources, the rest
    assert [line.split(": ")[0] for line in shown[1:4]] == list(SOURCES[:3]), shown
    assert shown[4].startswith("+4 more sources; not estimated: github:acme/nothere"), shown
    assert cell_len(shown[4]) <= 80 - 4, shown
