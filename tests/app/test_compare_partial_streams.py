"""The compare view says which streams of a run read less on purpose, one line each at 80x24.

A run capped by ``--max-items`` (or narrowed to a gap, or answered 304) beside a whole one
showed "1129 only in B" and nothing to say why (a fresh tester's finding). Each side now has a
line per kind, its streams named as fully as one line of 80 columns holds (every stream with
its source in the heading's tooltip, and in ``backfill-tui diff``)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from app_support import compare_runs, make_app, populate, sim_environment
from screen_text import screen_lines
from textual.widgets import Label

from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
from backfill_tui.screens.diff import DiffScreen

SOURCES = ("github:acme/rocket", "sentry:acme/rocket")


def _run(app: object, max_items: int) -> str:
    engine = Engine(app.mirror, sim_environment())  # type: ignore[attr-defined]
    specs = tuple(SourceSpec.parse(s) for s in SOURCES)
    run = engine.plan(RunRequest("ws", specs, depth=30, max_items=max_items, full=True))
    asyncio.run(engine.run(run.id))
    return run.id


def test_a_capped_run_says_so_in_one_line_at_80_columns(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    _run(app, 1000)
    capped = _run(app, 20)  # the newest: A

    async def scenario() -> tuple[str, list[str], str]:
        async with app.run_test(size=(80, 24)) as pilot:
            screen, _ = await compare_runs(pilot)
            assert isinstance(screen, DiffScreen)
            assert screen.diff.a.run_id == capped
            summary = screen.query_one("#diff-summary", Label)
            tooltip = str(summary.tooltip)
            return str(summary.content), screen_lines(app), tooltip

    summary, lines, tooltip = asyncio.run(scenario())
    said = "  capped at 20 a stream (5 streams of 2 sources): may show only in B"
    assert said in summary.splitlines()
    assert f" {said}" in [line.rstrip() for line in lines]  # whole on one line of the screen
    assert "github:acme/rocket: pull_request, issue, push; sentry:acme/rocket: issue, " in tooltip


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
def test_a_304_line_reads_as_a_status_not_a_count(tmp_path: Path, size: tuple[int, int]) -> None:
    """ "   304, fetched nothing (github:acme/rocket: 4 streams): may show only in B" began with
    "304", reading as a count beside "303 only in B" (a fresh tester's finding); it is the
    HTTP status the re-sync's streams answered. At 80 and 120 columns the line says so and
    starts with words."""
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", workspace="ws", days=30)
    populate(app, "github:acme/rocket", workspace="ws", days=30)  # a re-sync: 304s, A

    async def scenario() -> list[str]:
        async with app.run_test(size=size) as pilot:
            await compare_runs(pilot)
            return [line.strip() for line in screen_lines(app)]

    lines = asyncio.run(scenario())
    said = [line for line in lines if "may show only in" in line]
    assert said, lines
    assert not any(line[:1].isdigit() for line in said), said
    assert any(line.startswith("HTTP 304 Not Modified (github:acme/rocket") for line in said)
