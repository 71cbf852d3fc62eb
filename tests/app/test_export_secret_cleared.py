"""A token or a DSN put in the export screen's clear fields (the workspace, the Clerk org) is
cleared from the screen (a fresh tester's finding, demoing on a shared screen): refused "(not
shown)", the Clerk org still showed ``ghp_…`` and the workspace
``postgresql://dev:S3cretPw!@127.0.0.1:55432/scratch`` beside the notice. The field is emptied
once the value is done with (pasted, entered, left, or refused by ctrl+r), and the notice says
it was cleared."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import make_app, open_export, populate, settle
from screen_text import screen_lines
from textual.widgets import Input

from backfill_tui.screens.app import BackfillApp

TOKEN = "ghp_" + "Abc123" * 6
DSN = "postgresql://dev:S3cretPw!@127.0.0.1:55432/scratch"


def _notices(app: BackfillApp) -> list[tuple[str, str]]:
    return [(n.title, n.message) for n in app._notifications]


def _shown(app: BackfillApp) -> str:
    return "\n".join(screen_lines(app))


def test_a_token_typed_as_the_clerk_org_is_cleared_when_left(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=7)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            screen = await open_export(pilot)
            await pilot.click("#kind-inngest")
            await settle(pilot)
            await pilot.press(*"evtkey-Cleared-1", "tab", "tab")
            clerk = screen.query_one("#clerk-org", Input)
            assert app.focused is clerk
            await pilot.press(*TOKEN)
            await settle(pilot)
            assert clerk.password and "Abc123" not in _shown(app)  # dots while typed
            await pilot.press("tab")
            await settle(pilot)
            assert not clerk.password
            assert clerk.value == ""
            assert TOKEN not in _shown(app)
            notes = _notices(app)
            assert any("the Clerk org" in m and "was cleared" in m for _, m in notes), notes
            assert all(TOKEN not in m for _, m in notes)

    asyncio.run(scenario())


def test_a_dsn_typed_as_the_workspace_is_cleared_by_a_dry_run(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=7)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            screen = await open_export(pilot)
            screen.query_one("#dsn", Input).value = "postgresql://u@127.0.0.1:5/d"
            workspace = screen.query_one("#export-workspace", Input)
            workspace.focus()
            await pilot.press("ctrl+u", *DSN, "ctrl+r")
            await settle(pilot)
            assert workspace.value == ""
            assert "S3cretPw" not in _shown(app)
            notes = _notices(app)
            assert any(t == "Not ready" and "was cleared" in m for t, m in notes), notes
            assert any("goes in the DSN field" in m for _, m in notes), notes
            assert not any("the DSN field, the DSN field" in m for _, m in notes), notes
            assert all("S3cretPw" not in m for _, m in notes)
            assert app.focused is workspace

    asyncio.run(scenario())
