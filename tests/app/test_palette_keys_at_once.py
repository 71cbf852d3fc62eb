"""Keys typed with ctrl+p, before the palette has laid out its list (a fresh tester's finding:
``tmux send-keys C-p PageDown`` crashed the app, exit 70, ``KeyError: 0`` in the
``OptionList``'s ``_move_page``: the palette's list had its options but no lines yet).

The keys are put on the app's queue all at once, as a terminal delivers a burst (see
test_keys_in_order.py), and the app is left to itself meanwhile: ``asyncio.sleep``, not
``pilot.pause`` (whose wait for the screen's messages lets the list be laid out first)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app_support import make_app, wait_until
from test_keys_in_order import burst
from textual.command import CommandList, CommandPalette


async def _left_until(app: Any, predicate: Callable[[], object], timeout: float = 30) -> None:
    """Sleep (the app runs on its own) until ``predicate()`` holds or the app stopped."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while app.is_running and not predicate():
        assert loop.time() < deadline, f"gave up waiting after {timeout}s"
        await asyncio.sleep(0.02)


def test_pagedown_sent_with_ctrl_p_moves_down_the_palette_list(tmp_path: Path) -> None:
    app = make_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            burst(app, ["ctrl+p", "pagedown"])
            # Open, then composed: the palette screen is pushed before its list is mounted (a
            # loaded CI machine queried in between: NoMatches).
            await _left_until(
                app, lambda: CommandPalette.is_open(app) and app.screen.query(CommandList)
            )
            commands = app.screen.query_one(CommandList)
            await _left_until(app, lambda: (commands.highlighted or 0) > 0)
            assert app.is_running
            await pilot.press("escape")
            await wait_until(pilot, lambda: not CommandPalette.is_open(app))

    asyncio.run(scenario())


def test_list_keys_sent_with_ctrl_p_then_enter_run_a_command(tmp_path: Path) -> None:
    """Down Up End Home Enter at once: the palette runs the first command, nothing crashes."""
    app = make_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            burst(app, ["ctrl+p", "down", "up", "pagedown", "pageup", "end", "home", "enter"])
            await _left_until(app, lambda: not CommandPalette.is_open(app))
            assert app.is_running

    asyncio.run(scenario())
