"""The "Trigger in production" dialog as a person meets it: the sources production cannot
backfill (Linear, Sentry) and the entity types it cannot (GitHub's push) are named on screen,
not cut off after "Left out:", what is typed as soon as it opens lands in its first input (the
Clerk org), and the footer shows the dialog's keys, not the export screen's."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from app_support import SIZE, make_app, open_export, populate, wait_until
from screen_text import screen_lines
from textual.pilot import Pilot
from textual.widgets import Button, Input, Label

from backfill_tui.screens.trigger import TriggerScreen

#: A source of each provider: GitHub and Vercel are offered, Linear and Sentry left out.
EVERY_PROVIDER = (
    "github:acme/rocket",
    "vercel:acme/rocket-web",
    "linear:ENG",
    "sentry:acme/rocket",
)


async def _dialog(pilot: Pilot[Any]) -> TriggerScreen:
    """The export screen (F6), then its trigger dialog (ctrl+t)."""
    await open_export(pilot)
    await pilot.press("ctrl+t")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, TriggerScreen))
    modal = pilot.app.screen
    assert isinstance(modal, TriggerScreen)
    return modal


def test_left_out_sources_are_shown_and_typing_goes_to_the_first_input(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    populate(app, *EVERY_PROVIDER, days=7)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            modal = await _dialog(pilot)
            await pilot.pause()
            left = modal.query_one("#trigger-left-out", Label)
            text = str(left.content)
            assert "linear:ENG: linear has no backfill connector" in text
            assert "sentry:acme/rocket: sentry has no backfill connector" in text
            # GitHub's push stream, which production cannot backfill (left out unsaid before)
            assert "github:acme/rocket: push (production has no backfill for it)" in text
            # on screen: every line of it is drawn (not clipped under the scrolled rows)
            region = left.region
            assert region.height == 4
            for y in range(region.y, region.bottom):
                assert modal.get_widget_at(region.x, y)[0] is left
            await pilot.press("o", "r", "g", "_", "9")
            assert modal.query_one("#trigger-org", Input).value == "org_9"

    asyncio.run(scenario())


def test_at_80x24_the_dry_runs_answer_and_the_buttons_can_be_reached(tmp_path: Path) -> None:
    """At 80x24 the dialog after a dry run was cut off below its first answer line: the answer,
    the Dry run, Send and Close buttons off screen, and neither the wheel nor Tab scrolled (a
    tester's finding). Its fields and buttons are one line high there, and it scrolls: Close,
    given the focus, is on screen."""
    app = make_app(tmp_path)
    populate(app, *EVERY_PROVIDER, days=7)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            modal = await _dialog(pilot)
            await pilot.pause()
            await pilot.press("ctrl+r")  # the dry run: its answer under the fields
            await wait_until(
                pilot, lambda: "Dry run:" in str(modal.query_one("#trigger-plan", Label).content)
            )
            await pilot.pause()
            close = modal.query_one("#trigger-close", Button)
            assert close.compact and modal.query_one("#trigger-org", Input).compact
            close.focus()
            await pilot.pause()
            await pilot.pause()
            region = close.region
            assert 0 <= region.y < 24 and modal.get_widget_at(region.x + 1, region.y)[0] is close

    asyncio.run(scenario())


def test_the_footer_shows_the_dialogs_keys(tmp_path: Path) -> None:
    """While the dialog is open the footer at the bottom names its keys (Close, Dry run), not
    the export screen's below it (a fresh tester's finding: "^s Export" showed through)."""
    app = make_app(tmp_path)
    populate(app, *EVERY_PROVIDER, days=7)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await open_export(pilot)
            await pilot.press("ctrl+t")
            await wait_until(pilot, lambda: isinstance(app.screen, TriggerScreen))
            await pilot.pause()
            await pilot.pause()
            last = screen_lines(app)[-1]
            assert "Close" in last and "Dry run" in last, last
            assert "Export" not in last and "Trigger" not in last, last

    asyncio.run(scenario())


def test_at_80x24_a_dry_runs_whole_answer_shows_without_scrolling(tmp_path: Path) -> None:
    """The answer and the buttons sit below the form, which scrolls: at 80x24 a dry run's
    answer landed below the fold and nothing moved to it (fresh testers' findings). Every line
    of it is drawn, with the buttons, where focus was left; the last source's field, given the
    focus, scrolls into view above them."""
    app = make_app(tmp_path)
    populate(app, *EVERY_PROVIDER, days=7)

    def drawn(modal: TriggerScreen, selector: str) -> bool:
        widget = modal.query_one(selector)
        region = widget.region
        return region.height > 0 and all(
            modal.get_widget_at(region.x + 1, y)[0] is widget
            for y in range(region.y, region.bottom)
        )

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            modal = await _dialog(pilot)
            await pilot.press("ctrl+r")
            plan = modal.query_one("#trigger-plan", Label)
            await wait_until(pilot, lambda: "Nothing was sent" in str(plan.content))
            await wait_until(
                pilot, lambda: plan.region.height >= 5 and drawn(modal, "#trigger-plan")
            )
            for button in ("#trigger-dry-run", "#trigger-send", "#trigger-close"):
                assert drawn(modal, button), button
            last = modal.query_one("#trigger-user-source-1", Input)
            last.focus()
            await wait_until(pilot, lambda: drawn(modal, "#trigger-user-source-1"))
            assert drawn(modal, "#trigger-plan")

    asyncio.run(scenario())
