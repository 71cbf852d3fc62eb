"""A newcomer finds the keys (issue 12 item 8) and the footer fits any width (item 2).

The command palette names each action's key; the help modal has a footer of its own; the
footer's order does not move with focus and never runs past the terminal's edge; ``c`` and
``r`` on a finished run say why they do nothing.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from app_support import (
    SIZE,
    Recorder,
    make_app,
    open_observations,
    populate,
    wait_until,
)
from textual.command import CommandList, CommandPalette
from textual.notifications import Notify
from textual.pilot import Pilot

from backfill_tui.screens.app import BackfillApp, DemoSetup
from backfill_tui.screens.help import HelpScreen
from backfill_tui.widgets.app_footer import AppFooter, fit_keys


def _footer(app: BackfillApp) -> list[str]:
    return [key.key for key in app.screen.query_one(AppFooter).shown]


async def _settled_footer(pilot: Pilot[Any], app: BackfillApp) -> list[str]:
    await pilot.pause()
    await pilot.pause()
    return _footer(app)


def test_the_palette_names_each_action_and_its_key(tmp_path: Path) -> None:
    app = make_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("ctrl+p")
            palette = app.screen
            assert isinstance(palette, CommandPalette)
            await pilot.press(*"start")
            commands = palette.query_one(CommandList)
            await wait_until(pilot, lambda: commands.option_count > 0)
            first = str(commands.get_option_at_index(0).prompt)
            assert "Start backfill" in first and "ctrl+s" in first
            await pilot.press(*["backspace"] * 5, *"observ")
            await wait_until(
                pilot, lambda: "Observations" in str(commands.get_option_at_index(0).prompt)
            )
            assert "F4" in str(commands.get_option_at_index(0).prompt)

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("typed", "command", "key"),
    [
        ("resu", "Resume run", "r on runs"),
        ("mark", "Mark run as A", "m on runs"),
        ("dry", "Dry run export", "ctrl+r on export"),
        ("trigger", "Trigger in production", "ctrl+t on export"),
        ("search", "Search observations", "/ on observations"),
    ],
)
def test_the_palette_finds_every_screens_action(
    tmp_path: Path, typed: str, command: str, key: str
) -> None:
    """ "resu", "mark" and "dry" found nothing, though r, m and ctrl+r do them (a tester's
    finding): the palette lists every action, with its key."""
    app = make_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("ctrl+p")
            palette = app.screen
            assert isinstance(palette, CommandPalette)
            await pilot.press(*typed)
            commands = palette.query_one(CommandList)
            await wait_until(pilot, lambda: commands.option_count > 0)
            first = str(commands.get_option_at_index(0).prompt)
            assert command in first and key in first

    asyncio.run(scenario())


def test_the_palettes_dry_run_runs_the_export_screens_dry_run(tmp_path: Path) -> None:
    from backfill_tui.screens.export import ExportScreen

    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=7)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("ctrl+p", *"dry run", "enter")
            await wait_until(pilot, lambda: isinstance(app.screen, ExportScreen))
            # no destination filled in yet: the export screen's dry run says what is missing
            await wait_until(pilot, lambda: any(n.title == "Not ready" for n in app._notifications))

    asyncio.run(scenario())


def test_help_has_its_own_footer_and_closes_from_it(tmp_path: Path) -> None:
    app = make_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("f1")
            assert isinstance(app.screen, HelpScreen)
            keys = await _settled_footer(pilot, app)
            assert "escape" in keys
            await pilot.press("escape")
            assert not isinstance(app.screen, HelpScreen)

    asyncio.run(scenario())


def test_the_footer_order_does_not_follow_focus(tmp_path: Path) -> None:
    app = make_app(tmp_path, demo=DemoSetup("ws", ("github:acme/rocket",)))

    async def scenario() -> None:
        async with app.run_test(size=(200, 50)) as pilot:
            seen = []
            for _ in range(8):  # the workspace, the depth, record-to, provider, target, …
                seen.append(await _settled_footer(pilot, app))
                await pilot.press("tab")
            orders = {tuple(keys) for keys in seen}
            assert len(orders) == 1, orders
            keys = seen[0]
            assert keys[:3] == ["ctrl+s", "ctrl+t", "ctrl+e"]  # the screen's own, declared order
            assert keys.index("f1") > keys.index("ctrl+e")

    asyncio.run(scenario())


@pytest.mark.parametrize("width", [50, 80, 120])
def test_the_footer_never_runs_past_the_edge(tmp_path: Path, width: int) -> None:
    """Nor drops help or quit (a fresh tester found ^q Quit gone on F2 and F4 at 50x15)."""
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket")

    async def scenario() -> None:
        async with app.run_test(size=(width, 24)) as pilot:
            for key in ("f2", "f3", "f4", "f5", "f6", "f1"):
                await pilot.press(key)
                keys = await _settled_footer(pilot, app)
                assert "f1" in keys or key == "f1", keys  # help is always one key away
                assert "ctrl+q" in keys or key == "f1", (key, keys)
                footer = app.screen.query_one(AppFooter)
                for footer_key in footer.shown:
                    right = footer.region.x + footer_key.x + footer_key.width
                    assert right <= width, (key, footer_key.key)
                if key != "f1":
                    assert "ctrl+p" in keys

    asyncio.run(scenario())


def test_fit_keys_drops_the_screen_keys_before_the_screens_own() -> None:
    items = [
        ("c", "c", "Cancel", 0),
        ("r", "r", "Retry", 0),
        ("ctrl+q", "^q", "Quit", 2),
        ("f1", "f1", "Help", 2),
        ("f2", "f2", "Connect", 2),
        ("f3", "f3", "Dashboard", 2),
        ("f4", "f4", "Observations", 2),
        ("f5", "f5", "Runs", 2),
        ("f6", "f6", "Export", 2),
    ]
    # the screen's own key never, even with room (a fresh tester's finding: "f3 Dashboard")
    assert fit_keys(items, 200, "f3") == {key for key, *_ in items} - {"f3"}
    narrow = fit_keys(items, 50, "f3")
    assert {"c", "r", "f1"} <= narrow and "f3" not in narrow
    assert fit_keys(items, 10, "f3") >= {"c", "f1", "ctrl+q"}  # help, quit, the first key


def test_c_and_r_on_a_finished_run_say_why_they_do_nothing(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    run_id = populate(app, "github:acme/rocket")
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            app.open_run(run_id)
            await pilot.pause()
            await pilot.press("c")  # a finished run: said at once, nothing asked
            await pilot.press("r")
            await pilot.pause()
            notes = [m.notification.message for m in seen.of(Notify)]
            assert any("completed" in n and "nothing to cancel" in n for n in notes), notes
            assert any("nothing to retry" in n for n in notes), notes
            assert not app.running

    asyncio.run(scenario())


def test_a_focused_one_line_filter_is_plain_to_see(tmp_path: Path) -> None:
    """Below 100 columns the filters are one line high, without the border that shows focus;
    the focused one had only a 5% tint (a tester could not tell it had the focus). It takes
    the cursor's colours; the unfocused one keeps its own."""
    from textual.widgets import Select
    from textual.widgets._select import SelectCurrent

    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=7)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            screen, _table = await open_observations(pilot)
            kinds = screen.query_one("#type-filter", Select)
            sources = screen.query_one("#source-filter", Select)
            assert kinds.compact
            kinds.focus()
            await pilot.pause()
            cursor = app.theme_variables["block-cursor-background"]
            focused = kinds.query_one(SelectCurrent).styles.background.hex
            other = sources.query_one(SelectCurrent).styles.background.hex
            assert focused.lower() == cursor.lower()[:7] and other != focused

    asyncio.run(scenario())


def test_a_long_type_shows_whole_at_120_columns_on_one_line(tmp_path: Path) -> None:
    """ "deployment_canceled" in the 24-cell type filter wrapped mid-word at 120 columns, "led"
    on a line of its own over the table (a tester's finding): a choice stays on its line. And
    the bordered filter at 120 showed fewer of a type's cells than the borderless one at 80
    ("deployment_succ…" beside "deployment_succee…", a later finding): at 120 the longest
    type shows whole, and never fewer cells than at 80."""
    from textual.widgets import Select, Static
    from textual.widgets._select import SelectCurrent

    app = make_app(tmp_path)
    populate(app, "vercel:acme/rocket-web", days=30)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            screen, _table = await open_observations(pilot)
            kinds = screen.query_one("#type-filter", Select)
            longest = max((v for _, v in kinds._options if isinstance(v, str)), key=len)
            assert longest == "deployment_succeeded"
            kinds.value = longest
            await pilot.pause()
            label = kinds.query_one(SelectCurrent).query_one("#label", Static)
            shown: dict[int, str] = {}
            for width, height in ((80, 24), (120, 36)):
                await pilot.resize_terminal(width, height)
                await pilot.pause()
                await pilot.pause()
                assert label.size.height == 1
                shown[width] = label.render_line(0).text.rstrip()
            assert shown[120] == longest
            assert shown[80].endswith("…") and longest.startswith(shown[80][:-1])

    asyncio.run(scenario())


@pytest.mark.parametrize("width", [80, 120])
def test_the_dashboard_footer_lists_o_for_the_observations(tmp_path: Path, width: int) -> None:
    """``o`` opens the observations from the dashboard; its footer never listed it (a fresh
    tester's finding). Now F4 says it (``o`` stays bound, in F1): "o Observations" beside it
    pushed F4 and F6 off at 80 columns (a later fresh tester's finding); and on a completed
    run c and r, which cannot act, are not shown."""
    app = make_app(tmp_path)
    run_id = populate(app, "github:acme/rocket")

    async def scenario() -> None:
        async with app.run_test(size=(width, 24)) as pilot:
            app.open_run(run_id)
            keys = await _settled_footer(pilot, app)
            assert {"f4", "ctrl+q", "f1", "f2", "f5", "f6"} <= set(keys), keys
            assert not {"c", "r"} & set(keys), keys

    asyncio.run(scenario())
