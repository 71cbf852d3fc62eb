"""A token put in the connect screen's workspace or target field is cleared from the screen
(a fresh tester's finding, demoing on a shared screen): refused "(not shown)", it stayed in the
field beside the notice (``Workspace   ghp_abc…``, the Add-source field ``lin_api_…``). The field
is emptied once the value is done with (pasted, entered, left, or refused by ctrl+s), and the
notice says it was cleared; a DSN's refusal no longer says "the DSN field, the DSN field"."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import connect_screen, make_app, settle
from screen_text import screen_lines
from textual.widgets import Input, Label

from backfill_tui.screens.app import BackfillApp

GITHUB_TOKEN = "ghp_" + "Abc123" * 6
LINEAR_TOKEN = "lin_api_" + "Zyx987" * 5


def _notices(app: BackfillApp) -> list[tuple[str, str]]:
    return [(n.title, n.message) for n in app._notifications]


def _shown(app: BackfillApp) -> str:
    return "\n".join(screen_lines(app))


def test_a_token_typed_as_the_workspace_is_cleared_when_refused(tmp_path: Path) -> None:
    """Typed key by key (as tmux sends it), the token shows as dots from its prefix on (the
    whole token stayed in view until the field was left: a session's note); then ctrl+s: "Not
    ready", and the field is empty."""
    app = make_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            screen = await connect_screen(pilot)
            workspace = screen.query_one("#workspace", Input)
            assert app.focused is workspace
            await pilot.press(*GITHUB_TOKEN[:10])
            await settle(pilot)
            assert workspace.password and "Abc123" not in _shown(app)
            await pilot.press(*GITHUB_TOKEN[10:])
            await settle(pilot)
            assert workspace.password and "Abc123" not in _shown(app)
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert not workspace.password
            assert workspace.value == ""
            assert GITHUB_TOKEN not in _shown(app)
            notes = _notices(app)
            assert any(t == "Not ready" and "was cleared" in m for t, m in notes), notes
            assert all(GITHUB_TOKEN not in m for _, m in notes)

    asyncio.run(scenario())


def test_a_token_pasted_as_the_workspace_is_cleared_at_once(tmp_path: Path) -> None:
    app = make_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            screen = await connect_screen(pilot)
            workspace = screen.query_one("#workspace", Input)
            workspace.value = GITHUB_TOKEN  # a paste: the whole value in one change
            await settle(pilot)
            assert workspace.value == ""
            assert GITHUB_TOKEN not in _shown(app)
            assert any("the workspace" in m and "was cleared" in m for _, m in _notices(app))

    asyncio.run(scenario())


def test_a_token_entered_as_a_source_is_cleared_and_the_hint_says_so(tmp_path: Path) -> None:
    app = make_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            screen = await connect_screen(pilot)
            await pilot.press(*"ws1", "tab", "tab", "tab")
            target = screen.query_one("#target", Input)
            assert app.focused is target
            await pilot.press(*LINEAR_TOKEN, "enter")
            await settle(pilot)
            assert target.value == "" and not screen.cards()
            assert LINEAR_TOKEN not in _shown(app)
            hint = str(screen.query_one("#target-hint", Label).render())
            assert "was cleared" in hint, hint
            notes = _notices(app)
            assert any(t == "Not a source" and "was cleared" in m for t, m in notes), notes

    asyncio.run(scenario())


def test_a_url_as_the_workspace_names_the_dsn_field_once(tmp_path: Path) -> None:
    """ "(a connection string goes in the DSN field, --dsn)" read "the DSN field, the DSN
    field" in the app."""
    app = make_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await connect_screen(pilot)
            await pilot.press(*"postgresql://dev@127.0.0.1/scratch", "ctrl+s")
            await settle(pilot)
            said = [m for t, m in _notices(app) if t == "Not ready"]
            assert any("goes in the DSN field" in m for m in said), said
            assert not any("the DSN field, the DSN field" in m for m in said), said

    asyncio.run(scenario())


def test_a_name_shaped_like_a_token_prefix_is_shown_again_when_left(tmp_path: Path) -> None:
    """``ghs_tools`` starts as a GitHub token does, so it is masked while typed; it is no
    token, so it stays, in clear, once the field is left. Backspacing to below the prefix shows
    the field again as typed."""
    app = make_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            screen = await connect_screen(pilot)
            workspace = screen.query_one("#workspace", Input)
            await pilot.press(*"ghs_tools")
            await settle(pilot)
            assert workspace.password and "ghs_tools" not in _shown(app)
            await pilot.press(*["backspace"] * 6)
            await settle(pilot)
            assert not workspace.password and workspace.value == "ghs"
            await pilot.press(*"_tools", "tab")
            await settle(pilot)
            assert workspace.value == "ghs_tools" and not workspace.password
            assert "ghs_tools" in _shown(app)
            assert not any("was cleared" in m for _, m in _notices(app))

    asyncio.run(scenario())


def test_a_token_shaped_record_to_path_is_masked_refused_and_never_recorded(
    tmp_path: Path,
) -> None:
    """ "Record to" took ``ghp_…jsonl`` as typed: shown on screen, recorded to, its path
    stored in the mirror (a stranger's finding). As `run --record` now refuses it, the field
    masks it from the token's prefix, says why under it without it, and clears it at Start
    ("Not ready"), nothing started or stored."""
    from backfill_tui.screens.app import DemoSetup

    app = make_app(tmp_path, demo=DemoSetup("demo", ("github:acme/rocket",)))
    path = f"{tmp_path}/{GITHUB_TOKEN}.jsonl"

    async def scenario() -> None:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            screen = await connect_screen(pilot)
            field = screen.query_one("#record-to", Input)
            field.focus()
            await pilot.press(*path)
            await settle(pilot)
            assert field.password and "Abc123" not in _shown(app)
            hint = str(screen.query_one("#record-hint", Label).render())
            assert "looks like a token (not shown)" in hint and "Abc123" not in hint, hint
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert field.value == "" and not field.password
            assert "Abc123" not in _shown(app)
            notes = _notices(app)
            assert any(t == "Not ready" and "was cleared" in m for t, m in notes), notes
            assert all("Abc123" not in m for _, m in notes)
            assert app.mirror.list_runs(5) == []
            assert not list(tmp_path.glob("ghp_*"))

    asyncio.run(scenario())
