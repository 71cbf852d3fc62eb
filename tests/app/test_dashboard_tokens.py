"""Several tokens per provider on the dashboard (issue 14): a source run with more than one
token shows, under its header line, one line per token (by fingerprint) with the calls sent with
it and its quota, at 80x24 too; a source with one token shows the header line alone."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import Recorder, make_app, settle, wait_until

from backfill_tui.engine.live import SourceState
from backfill_tui.engine.progress import TokenLeft
from backfill_tui.engine.run import RunRequest, SourceSpec
from backfill_tui.http.tokens import fingerprint
from backfill_tui.screens.app import BackfillApp
from backfill_tui.screens.dashboard import DashboardScreen
from backfill_tui.screens.messages import RunEnded
from backfill_tui.widgets.run_rows import SourceHeader, token_lines


def _run_and_read_headers(tmp_path: Path, config: str) -> tuple[dict[str, str], str, BackfillApp]:
    app = make_app(tmp_path, config)
    seen = Recorder()
    shown: dict[str, str] = {}

    async def scenario() -> str:
        async with app.run_test(size=(80, 24), message_hook=seen) as pilot:
            request = RunRequest(
                "ws", (SourceSpec.parse("github:acme/rocket"),), depth=30, max_items=100_000
            )
            run_id = app.plan_and_start(request)
            assert run_id is not None
            await wait_until(pilot, lambda: seen.of(RunEnded), timeout=60)
            await settle(pilot)
            # Progress still buffered (the 4-a-second flush) lands now, and its redraw is laid
            # out: on a loaded machine it came after the settle and a header had its new lines
            # but not yet the rows for them.
            app.flush_progress()
            await pilot.pause()
            assert isinstance(app.screen, DashboardScreen)
            for header in app.screen.query(SourceHeader):
                assert header.size.width <= 80
                # Every line is on screen, none wrapped: one row per line of text.
                assert header.size.height == len(str(header.render()).splitlines())
                shown[header.source] = str(header.render())
            return app.export_screenshot()

    screenshot = asyncio.run(scenario())
    return shown, screenshot, app


def test_the_dashboard_shows_calls_and_quota_per_token_at_80x24(tmp_path: Path) -> None:
    shown, screenshot, app = _run_and_read_headers(tmp_path, "tokens=3,quota=50,scale=4")
    simulator = app.environment.simulator
    assert simulator is not None
    issued = simulator.issued_tokens("github")
    header, *lines = shown["github:acme/rocket"].splitlines()
    assert header.startswith("github:acme/rocket · 3 tokens · quota ")
    assert [line.split()[0] for line in lines] == [fingerprint(t) for t in issued]
    calls = [int(line.split()[1]) for line in lines]
    github_calls = sum(1 for r in simulator.requests if r.provider == "github")
    assert sum(calls) == github_calls > 1  # every call the simulator answered, on some token
    assert all(c > 0 for c in calls)  # the rotation used each one
    for line, token, spent in zip(lines, issued, calls, strict=True):
        # Each token's own quota, as the simulator kept it: 50 less the calls sent with it.
        assert line.endswith(f"quota {50 - spent}/50 left"), line
        assert token not in screenshot
    text = screenshot.replace("&#160;", " ")
    assert "3 tokens" in text and all(fingerprint(t) in text for t in issued)


def test_one_token_shows_the_header_line_alone(tmp_path: Path) -> None:
    shown, screenshot, _ = _run_and_read_headers(tmp_path, "quota=50,scale=4")
    (line,) = shown["github:acme/rocket"].splitlines()
    assert "quota " in line and "/50 left" in line and "token" not in line
    assert "tok:" not in screenshot.replace("&#160;", " ")


def test_a_dropped_token_says_so_and_calls_line_up() -> None:
    state = SourceState(
        "github:acme/rocket",
        tokens=(
            TokenLeft("tok:aaaaaaaa", 120, 30, 5000),
            TokenLeft("tok:bbbbbbbb", 1, None, None, dropped=True),
            TokenLeft("tok:cccccccc", 7, None, None),
        ),
    )
    assert token_lines(state) == [
        "  tok:aaaaaaaa  120 calls · quota 30/5000 left",
        "  tok:bbbbbbbb    1 call  · rejected (401), dropped",
        "  tok:cccccccc    7 calls · quota not reported yet",
    ]
