"""Keys a person types land where they expect: a burst after "/" or as a prompt opens lands in
the box, and ctrl+c says how to quit in plain words.

A person types "/fix" in one go, and tmux or a paste delivers the four keys at once: the app
reads them in one batch. Textual's ``Widget.focus()`` moves the focus later (a callback queued
behind the keys already read), so "fix" went to the table and the search box stayed empty (the
one failure of the tmux demo session under CI load). The screens move the focus at once.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import SIZE, make_app, populate, settle
from textual import events
from textual.widgets import Input

from backfill_tui.screens.observations import ObservationsScreen
from backfill_tui.screens.path_prompt import PathPromptScreen


def _type_at_once(app: object, keys: str) -> None:
    """Post every key before the app handles the first, as a terminal delivering a burst."""
    for key in keys:
        name = "slash" if key == "/" else key
        app.post_message(events.Key(name, key))  # type: ignore[attr-defined]


def test_slash_and_a_query_typed_at_once_fill_the_search_box(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket")

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f4")
            await settle(pilot)
            assert isinstance(app.screen, ObservationsScreen)
            _type_at_once(app, "/fix")
            await settle(pilot)
            assert app.screen.query_one("#search", Input).value == "fix"

    asyncio.run(scenario())


def test_a_path_typed_as_the_prompt_opens_lands_in_it(tmp_path: Path) -> None:
    app = make_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.push_screen(PathPromptScreen("Open a recording", "Path of the recording"))
            _type_at_once(app, "abc")
            await settle(pilot)
            assert isinstance(app.screen, PathPromptScreen)
            assert app.screen.query_one("#path-input", Input).value == "abc"

    asyncio.run(scenario())


def test_ctrl_c_says_how_to_quit_in_plain_words(tmp_path: Path) -> None:
    """Textual's own ctrl+c message is markup ("Press [b]ctrl+q[/b] …"), and the app's toasts
    show text as written: the tester saw the brackets."""
    app = make_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("ctrl+c")
            await settle(pilot)
            notes = [str(n.message) for n in app._notifications]  # type: ignore[attr-defined]
            assert notes[-1] == "Press ctrl+q to quit the app", notes

    asyncio.run(scenario())
