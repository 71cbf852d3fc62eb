"""Where a "Not ready" on the export screen (F6) puts the cursor: on the field the notice names,
with none of its text selected (a fresh tester's finding). A Clerk org holding a token was
refused, yet the cursor went to the Event key with all of it selected, so the next key typed
replaced the whole (masked) key; a refused field's text was selected too, and a key typed to
amend it replaced it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import make_app, open_export, populate, settle
from textual.widgets import Input

TOKEN = "ghp_" + "Abc123" * 6  # a GitHub token's shape: ghp_ and 36 letters and digits
EVENT_KEY = "evtkey-Refused-Focus-77"


def _field(app: object, selector: str) -> Input:
    return app.screen.query_one(selector, Input)  # type: ignore[attr-defined, no-any-return]


def test_a_refused_clerk_org_takes_the_cursor_and_the_event_key_is_kept(tmp_path: Path) -> None:
    """The tester's steps: Inngest, an event key typed, Tab Tab to Clerk org, a token typed
    there, ctrl+r, then ``x``. The notice is about the Clerk org; the cursor is there, and the
    ``x`` lands there, the event key untouched."""
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=7)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await open_export(pilot)
            await pilot.click("#kind-inngest")
            await settle(pilot)
            assert app.focused is _field(app, "#event-key")
            await pilot.press(*EVENT_KEY, "tab", "tab")
            assert app.focused is _field(app, "#clerk-org")
            await pilot.press(*TOKEN, "ctrl+r")
            await settle(pilot)
            assert app.focused is _field(app, "#clerk-org")
            await pilot.press("x")
            await pilot.pause()
            assert _field(app, "#event-key").value == EVENT_KEY
            assert _field(app, "#clerk-org").value.endswith("x")

    asyncio.run(scenario())


def test_a_refused_field_keeps_its_text_when_a_key_is_typed(tmp_path: Path) -> None:
    """A base URL refused (its port out of range): the cursor goes to its end, nothing
    selected, so a key typed amends the URL rather than replacing it."""
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=7)
    url = "http://127.0.0.1:99999"

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await open_export(pilot)
            await pilot.click("#kind-inngest")
            await settle(pilot)
            _field(app, "#event-key").value = EVENT_KEY
            _field(app, "#base-url").value = url
            await pilot.press("ctrl+r")
            await settle(pilot)
            assert app.focused is _field(app, "#base-url")
            await pilot.press("backspace")
            await pilot.pause()
            assert _field(app, "#base-url").value == url[:-1]
            assert _field(app, "#event-key").value == EVENT_KEY

    asyncio.run(scenario())
