"""The connect screen's depth is one widget (issue 13) that looks and behaves as the compact
RadioSet of three RadioButtons it replaced (marked, ``widgets/toggles.py``): drawn beside a real RadioSet under the connect
screen's old rules, the two lines match cell for cell (character and style) blurred, focused,
with the cursor moved, after a press and under the mouse; and on the connect screen Tab, the
arrows, enter, space and clicks choose the depth as they did."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from app_support import SIZE, Recorder, connect_screen, make_app, populate, settle, wait_until
from rich.style import Style
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input, RadioSet

from backfill_tui.screens.connect import ConnectScreen
from backfill_tui.terms import DEFAULT_DEPTH, DEPTHS
from backfill_tui.widgets.depth_choice import DepthChoice
from backfill_tui.widgets.toggles import MarkedRadioButton

LABELS = [
    (days, f"{days} days" + (" · recommended" if days == DEFAULT_DEPTH else "")) for days in DEPTHS
]


class Beside(App[None]):
    """A RadioSet styled by the connect screen's former rules, and a DepthChoice under it."""

    CSS = """
    Screen { layout: vertical; }
    #old, #new { width: auto; height: auto; }
    #old { layout: horizontal; }
    #old RadioButton { width: auto; margin-right: 2; }
    #old:blur > RadioButton.-selected > .toggle--label { background: transparent; }
    """

    def compose(self) -> ComposeResult:
        with RadioSet(id="old", compact=True):
            for days, label in LABELS:
                yield MarkedRadioButton(label, value=days == DEFAULT_DEPTH, compact=True)
        yield DepthChoice(LABELS, DEFAULT_DEPTH, id="new")
        yield Input(id="elsewhere")


def _cells(app: App[Any], row: int, width: int) -> list[tuple[object, ...]]:
    """What shows of each cell of screen line ``row`` up to ``width``: its character, its
    background, its colour unless a space, and its text style (Textual's mouse offsets aside)."""
    strip = app.screen._compositor.render_strips()[row].crop(0, width)
    cells: list[tuple[object, ...]] = []
    for segment in strip:
        style = segment.style or Style()
        for char in segment.text:
            colour = None if char == " " else style.color
            cells.append((char, style.bgcolor, colour, style.bold, style.dim, style.italic))
    return cells


def test_it_draws_what_the_radio_set_drew(tmp_path: Path) -> None:
    app = Beside()

    async def scenario() -> None:
        async with app.run_test(size=(80, 6)) as pilot:
            old = app.query_one("#old", RadioSet)
            new = app.query_one("#new", DepthChoice)
            await pilot.pause()
            width = old.region.width
            assert new.region.width == width == 55  # the last choice's margin included
            assert old.region.y == 0 and new.region.y == 1

            async def both(focused: bool, action: str = "", *keys: str) -> None:
                """Do the same to each in turn (focused or not), and compare what each drew."""
                seen = []
                for widget, row in ((old, 0), (new, 1)):
                    (widget if focused else app.query_one("#elsewhere")).focus()
                    if action.startswith("hover:"):
                        await pilot.hover(widget, offset=(int(action[6:]), 0))
                    elif action.startswith("click:"):
                        await pilot.click(widget, offset=(int(action[6:]), 0))
                    await pilot.press(*keys)
                    await pilot.pause()
                    seen.append(_cells(app, row, width))
                assert seen[0] == seen[1], (focused, action, keys)

            await both(False)
            await both(True)  # the cursor on the first choice, the dot on the pressed one
            await both(True, "", "right")
            await both(True, "", "right", "enter")  # the cursor's choice pressed
            await both(False)
            await both(True, "", "left", "left", "space")  # wraps to the last, presses it
            await both(True, "hover:30")  # another choice under the mouse
            await both(True, "hover:45")  # the cursor's choice under the mouse
            await both(False, "hover:4")  # under the mouse, blurred
            await both(False, "hover:45")  # the cursor's, blurred: not highlighted
            await both(False, "hover:11")  # between two choices
            await both(False, "click:16")  # on the second choice: focused, pressed
            await both(False, "click:53")  # after the last choice: focused only

    asyncio.run(scenario())


def test_tab_keys_and_clicks_choose_the_depth(tmp_path: Path) -> None:
    app = make_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            screen = await connect_screen(pilot)
            choice = screen.query_one("#depth", DepthChoice)
            assert screen.depth == DEFAULT_DEPTH == 30
            screen.query_one("#workspace").focus()
            await pilot.press("tab")
            assert screen.focused is choice  # one stop for the three choices
            await pilot.press("enter")  # the cursor starts on the first choice
            assert screen.depth == 7
            await pilot.press("right", "right", "space")
            assert screen.depth == 90
            await pilot.press("right", "enter")  # wraps to the first
            assert screen.depth == 7
            await pilot.press("left", "enter")  # and back to the last
            assert screen.depth == 90
            await pilot.press("tab")
            assert screen.focused is not choice
            await pilot.click(choice, offset=(16, 0))  # on "30 days · recommended"
            assert (screen.depth, choice.cursor, screen.focused) == (30, 1, choice)
            await pilot.press("shift+tab")
            await pilot.click(choice, offset=(11, 0))  # between two choices: focus only
            assert (screen.depth, screen.focused) == (30, choice)

    asyncio.run(scenario())


async def _estimated(pilot: Pilot[Any], says: str = "over 30 days") -> tuple[ConnectScreen, Widget]:
    """Workspace ws, github:acme/rocket added, ctrl+e, its estimate shown (saying ``says``):
    the connect screen and its estimate summary."""
    screen = await connect_screen(pilot)
    screen.query_one("#workspace", Input).value = "ws"
    screen.add_source("github:acme/rocket")
    await settle(pilot)
    await pilot.press("ctrl+e")
    summary = screen.query_one("#estimate-summary")
    await wait_until(pilot, lambda: says in str(summary.render()))
    return screen, summary


def test_a_change_of_depth_makes_the_shown_estimate_stale(tmp_path: Path) -> None:
    app = make_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            _, summary = await _estimated(pilot)
            await pilot.click("#depth", offset=(4, 0))
            await settle(pilot)
            assert "depth changed" in str(summary.render())

    asyncio.run(scenario())


def test_a_change_of_workspace_makes_the_shown_estimate_stale(tmp_path: Path) -> None:
    """A re-sync's estimate ("only what is new") is the workspace's: typed into another
    workspace, which has no earlier run, it understated the run (~1401 shown, 1755 fetched:
    a fresh tester's finding). It is marked stale as a change of depth or sources is."""
    app = make_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            screen, summary = await _estimated(pilot)
            screen.query_one("#workspace", Input).focus()
            await pilot.press("end", "2")
            await wait_until(pilot, lambda: "workspace, sources or depth" in str(summary.render()))

    asyncio.run(scenario())


def test_a_run_to_record_is_estimated_in_full_not_as_a_re_sync(tmp_path: Path) -> None:
    """A recorded run is made in full (Recorder.request_for), yet with "Record to" filled
    the estimate still said "↻ a re-sync: only what is new" (github 0) and the run fetched
    everything (a third fresh tester's finding). Filling it marks the estimate stale; the
    next one counts every window whole."""
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", workspace="ws", days=30)  # an earlier run covers it

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            screen, summary = await _estimated(pilot, says="a re-sync")
            screen.query_one("#record-to", Input).value = str(tmp_path / "run.rec.gz")
            await wait_until(pilot, lambda: "or the recording" in str(summary.render()))
            await pilot.press("ctrl+e")
            await wait_until(pilot, lambda: "over 30 days" in str(summary.render()))
            assert "re-sync" not in str(summary.render())

    asyncio.run(scenario())


def test_an_estimate_that_ends_after_the_form_changed_is_shown_stale(tmp_path: Path) -> None:
    """ "Record to" filled while the estimate still ran: the estimate, of the form before it,
    then stood as the form's ("↻ a re-sync", github 0, for a run that, recorded, fetched in
    full: a fresh tester's finding). It is said stale when it ends."""
    from app_support import held_environment

    from backfill_tui.screens.messages import EstimateReady

    environment, released = held_environment()
    app = make_app(tmp_path, environment=environment)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            screen, summary = await _estimated(pilot, says="Estimating")  # held: still going
            screen.query_one("#record-to", Input).value = str(tmp_path / "run.rec.gz")
            await pilot.pause()  # not settle: it would wait for the held estimate
            released.set()  # the estimate's requests answer now
            await wait_until(pilot, lambda: bool(seen.of(EstimateReady)), timeout=30)
            await settle(pilot)
            assert "or the recording: press ctrl+e" in str(summary.render())

    asyncio.run(scenario())
