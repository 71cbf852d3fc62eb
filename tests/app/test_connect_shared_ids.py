"""The connect screen's estimate says, before the run, when two of its sources share
production's sourceIds: Sentry projects of one slug in two organizations
(``sentry-issue:{project slug}:{shortId}:{action}`` names no organization, so the second's
issues of one short id are stored as the first's duplicates, as production would). A fresh
tester's finding: "6 dup" was the only sign, after the run."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from app_support import Recorder, connect_screen, make_app, populate, wait_until
from screen_text import region_text

from backfill_tui.screens.host import DemoSetup
from backfill_tui.screens.messages import EstimateReady

SHARED = "share project slug rocket"


@pytest.mark.parametrize(
    ("sources", "said"),
    [
        (("sentry:acme/rocket", "sentry:other/rocket"), True),
        (("sentry:acme/rocket", "github:acme/rocket"), False),
    ],
)
def test_the_estimate_says_sources_sharing_source_ids(
    tmp_path: Path, sources: tuple[str, ...], said: bool
) -> None:
    app = make_app(tmp_path, demo=DemoSetup("demo", sources, depth=7))
    seen = Recorder()

    async def scenario() -> str:
        async with app.run_test(size=(120, 36), message_hook=seen) as pilot:
            await wait_until(pilot, lambda: seen.of(EstimateReady))
            screen = await connect_screen(pilot)
            return region_text(app, screen.query_one("#estimate-panel"))

    text = asyncio.run(scenario())
    (ready,) = seen.of(EstimateReady)
    assert any(SHARED in note for note in ready.estimate.notes) is said
    words = " ".join(line.strip("│ ") for line in text.splitlines())  # the panel's lines joined
    assert (SHARED in " ".join(words.split())) is said, text


def test_the_estimate_says_a_linear_team_key_an_earlier_run_read_in_another_organization(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path, demo=DemoSetup("demo", ("linear:ENG",), depth=7))
    earlier = populate(app, "linear:ENG", workspace="demo", days=7)
    # as if read with another organization's key: its lookup found another organization id
    app.mirror.set_source_owner(earlier, "linear", "ENG", "another-organization")
    seen = Recorder()

    async def scenario() -> str:
        async with app.run_test(size=(80, 24), message_hook=seen) as pilot:
            await wait_until(pilot, lambda: seen.of(EstimateReady))
            screen = await connect_screen(pilot)
            return region_text(app, screen.query_one("#estimate-panel"))

    text = asyncio.run(scenario())
    words = " ".join(" ".join(line.strip("│ ") for line in text.splitlines()).split())
    assert f"another organization's team than in run {earlier}" in words, text
    assert "linear:ENG: issue" in words, text  # the source's own line still fits
