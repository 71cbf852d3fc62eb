"""The export panel after an export tells what happened in the order it happened: a cancelled
export never reads "Exported" above "Cancelled", and the last line is how it ended (issue 12's
leftovers); the dry run's sample cuts a long title with "…". Against the Inngest stub over HTTP
(tests/inngest_stub.py)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest
from app_support import (
    Recorder,
    inngest_dry_run,
    make_app,
    populate,
    settle,
    wait_until,
)
from inngest_stub import Answer, FakeInngest
from screen_text import region_text
from textual.pilot import Pilot

from backfill_tui.screens.export import ExportScreen
from backfill_tui.screens.export_parts import ExportFailed, ExportFinished, ExportPlanned


def _lines(app: object, screen: ExportScreen) -> list[str]:
    panel = screen.query_one("#plan-panel")
    return [line.strip(" │╭╮╰╯─") for line in region_text(app, panel).splitlines()]


async def _dry_run(pilot: Pilot[Any], inngest: FakeInngest, seen: Recorder) -> ExportScreen:
    """F6, Inngest filled in, ctrl+r, and its plan in (not a failure)."""
    screen = await inngest_dry_run(pilot, inngest.url, seen)
    assert not seen.of(ExportFailed), seen.of(ExportFailed)
    return screen


def test_a_cancelled_export_ends_the_panel_with_cancelled(
    tmp_path: Path, inngest: FakeInngest
) -> None:
    app = make_app(tmp_path)
    populate(app, "linear:ENG", days=7)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=(80, 24), message_hook=seen) as pilot:
            screen = await _dry_run(pilot, inngest, seen)
            plan = seen.of(ExportPlanned)[0].plan
            # Cancel before the first batch: the worker's thread cannot start before this
            # block yields to the loop, so the cancel is seen at the first batch's check.
            screen.apply(plan)
            assert screen.cancel_event is not None
            screen.cancel_event.set()
            await wait_until(pilot, lambda: seen.of(ExportFinished))
            await pilot.pause()
            assert seen.of(ExportFinished)[0].result.cancelled
            lines = [line for line in _lines(app, screen) if line]
            text = "\n".join(lines)
            assert "Exported" not in text, text
            # how it ended comes last, in full (the panel scrolls to it at 80x24)
            last = max(i for i, line in enumerate(lines) if line.startswith("Cancelled:"))
            assert " ".join(text.split()).endswith("Export again to send the rest."), text
            assert not any(line.startswith(("Done:", "Dry run:")) for line in lines[last:])
            assert inngest.received == 0

    asyncio.run(scenario())


def test_a_finished_export_ends_the_panel_with_done(tmp_path: Path, inngest: FakeInngest) -> None:
    app = make_app(tmp_path)
    populate(app, "linear:ENG", days=7)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=(80, 24), message_hook=seen) as pilot:
            screen = await _dry_run(pilot, inngest, seen)
            panel = screen.query_one("#plan-panel")
            assert panel.border_title == "Dry run"
            # The fourth button keeps its "…" at 80 columns (it was cut to "production").
            actions = region_text(app, screen.query_one("#export-actions"))
            assert "Trigger in production…" in actions, actions
            screen.apply(seen.of(ExportPlanned)[0].plan)
            # The panel is the export's while it sends and after (it said "Dry run").
            assert panel.border_title == "Export"
            await wait_until(pilot, lambda: seen.of(ExportFinished))
            await pilot.pause()
            assert panel.border_title == "Export"
            lines = [line for line in _lines(app, screen) if line]
            text = "\n".join(lines)
            assert "Nothing was written" not in text and "Cancelled" not in text, text
            last = max(i for i, line in enumerate(lines) if line.startswith("Done:"))
            assert " ".join(text.split()).endswith(")."), text
            assert all("Cancelled" not in line for line in lines[last:])

    asyncio.run(scenario())


SIZES = [(80, 24), (120, 36), (200, 50)]


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_dry_runs_sample_cuts_a_long_title_with_an_ellipsis(
    tmp_path: Path, inngest: FakeInngest, size: tuple[int, int]
) -> None:
    """The sample's titles were cut at 60 characters and again at the panel's edge, mid-word
    with no "…" (a tester's finding): each title shows whole or ends in "…"."""
    app = make_app(tmp_path)
    populate(app, "linear:ENG", days=30)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=size, message_hook=seen) as pilot:
            screen = await _dry_run(pilot, inngest, seen)
            await pilot.pause()
            sample = seen.of(ExportPlanned)[0].plan.sample
            assert sample
            text = region_text(app, screen.query_one("#plan-sample"))
            # The rows in view, in order (at 80x24 the panel shows the first few).
            lines = [x for x in text.splitlines() if re.match(r" *\d{4}-\d{2}-\d{2} ", x)]
            assert lines, text
            cut = 0
            for line, row in zip(lines, sample, strict=False):
                assert row.occurred_at[:10] in line
                shown = re.split(r" {2,}", line.strip())[2]
                if shown != row.title:
                    cut += 1
                    assert shown.endswith("…") and row.title.startswith(shown[:-1]), line
            assert cut, text  # the panel is narrower than these titles at every size

    asyncio.run(scenario())


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
def test_a_failed_export_heads_the_panel_with_why_it_stopped(
    tmp_path: Path, inngest: FakeInngest, size: tuple[int, int]
) -> None:
    """After a failed export the panel still said "Exporting to Inngest at …" on top, and at
    80x24 "The export stopped: …" showed only when scrolling (a tester's finding): its first
    line says the export stopped and why, in view without scrolling, and no "Exporting" stays."""
    app = make_app(tmp_path)
    populate(app, "linear:ENG", days=7)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=size, message_hook=seen) as pilot:
            screen = await _dry_run(pilot, inngest, seen)
            inngest.always = Answer(401)  # the key is refused: the export stops at once
            screen.apply(seen.of(ExportPlanned)[0].plan)
            await wait_until(pilot, lambda: seen.of(ExportFailed))
            await settle(pilot)
            app.clear_notifications()  # the toast goes after 10 s; the panel stays
            await settle(pilot)
            lines = [line for line in _lines(app, screen) if line]
            text = "\n".join(lines)
            assert lines[0] == "Export", (
                text
            )  # the panel's border (the export's), then its first line
            assert lines[1].startswith("The export stopped: Inngest at 127.0.0.1:"), text
            assert "refused the event key (401)" in " ".join(text.split()), text
            assert "Exporting" not in text, text

    asyncio.run(scenario())
