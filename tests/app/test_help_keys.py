"""The help lists F2-F6 as working anywhere: pressed while the help is open, each closes it and
goes to its screen (a fresh tester pressed them and nothing happened)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from app_support import SIZE, make_app, settle
from textual.binding import Binding
from textual.dom import DOMNode
from textual.widgets import Markdown

from backfill_tui.screens.app import BackfillApp
from backfill_tui.screens.confirm import ConfirmScreen
from backfill_tui.screens.diff import DiffScreen
from backfill_tui.screens.help import HelpScreen
from backfill_tui.screens.mode_screen import ModeScreen
from backfill_tui.screens.path_prompt import PathPromptScreen
from backfill_tui.screens.quit import QuitScreen
from backfill_tui.screens.trigger import TriggerScreen
from backfill_tui.widgets.row_table import RowTable

SCREENS = {
    "f2": "ConnectScreen",
    "f3": "DashboardScreen",
    "f4": "ObservationsScreen",
    "f5": "RunsScreen",
    "f6": "ExportScreen",
}


@pytest.mark.parametrize("key", sorted(SCREENS))
def test_an_f_key_in_the_help_closes_it_and_goes_to_its_screen(tmp_path: Path, key: str) -> None:
    app = make_app(tmp_path)

    async def scenario() -> str:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f1")
            await settle(pilot)
            assert isinstance(app.screen, HelpScreen)
            await pilot.press(key)
            await settle(pilot)
            return type(app.screen).__name__

    assert asyncio.run(scenario()) == SCREENS[key]


def _sections(text: str) -> dict[str, str]:
    """The help's text by section: each bold-named paragraph and the key lines after it."""
    parts = re.split(r"^\*\*(.+?)\*\*", text, flags=re.M)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def _bound(node: type[DOMNode]) -> list[tuple[str, str]]:
    """Every (key, description) ``node`` binds itself, a binding's several keys each."""
    return [
        ({"slash": "/"}.get(key.strip(), key.strip()), binding.description)
        for binding in node.BINDINGS
        if isinstance(binding, Binding) and not binding.action.startswith("leave_for(")
        for key in binding.key.split(",")
    ]


def test_f1_lists_every_key_of_every_screen(tmp_path: Path) -> None:
    """F1 left out the export screen's ctrl+t and the ctrl+r reloads of the observations and
    runs, though the README says F1 lists every key (a tester's finding): every binding of the
    app, of every screen (each mode screen, found as ModeScreen's subclasses, so a new one
    cannot be missed) and of their dialogs is in the help, under its section, with its name."""
    app = make_app(tmp_path)

    async def scenario() -> str:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f1")
            await settle(pilot)
            assert isinstance(app.screen, HelpScreen)
            return str(app.screen.query_one("#help-text", Markdown).source)

    sections = _sections(asyncio.run(scenario()))
    modes = {cls.__name__: cls for cls in ModeScreen.__subclasses__()}
    assert set(modes) == {
        "ConnectScreen",
        "DashboardScreen",
        "ObservationsScreen",
        "RunsScreen",
        "ExportScreen",
    }
    where: dict[str, list[type[DOMNode]]] = {
        "Anywhere": [BackfillApp],
        "Connect": [modes["ConnectScreen"]],
        "Dashboard": [modes["DashboardScreen"]],
        "Observations": [modes["ObservationsScreen"], RowTable],
        "Runs": [modes["RunsScreen"], DiffScreen],
        "Export": [modes["ExportScreen"], TriggerScreen],
        "In a dialog": [ConfirmScreen, QuitScreen, PathPromptScreen, HelpScreen],
    }
    for section, nodes in where.items():
        text = sections[section]
        for node in nodes:
            for key, description in _bound(node):
                assert re.search(rf"`{re.escape(key)}`[^·\n]* {re.escape(description)}", text), (
                    f"{node.__name__}'s {key} ({description}) not under {section}:\n{text}"
                )
    assert "`ctrl+t` Trigger in production" in sections["Export"]
    assert "`ctrl+r` Reload" in sections["Observations"] and "`ctrl+r` Reload" in sections["Runs"]
