"""The export screen (F6) as a fresh tester met it at 80x24: choosing a run set no workspace, so
the dry run failed for want of one; a new dry run or the other target kept the last one's
progress bar and result; an Inngest export said "written" of the events it sent; and while an
export went the footer showed no key to stop it. Against the Inngest stub over HTTP
(tests/inngest_stub.py)."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest
from app_support import (
    Recorder,
    drawn,
    inngest_dry_run,
    make_app,
    open_export,
    populate,
    settle,
    wait_until,
)
from inngest_stub import FakeInngest
from screen_text import region_text
from textual import events
from textual.widgets import Input, Label, ProgressBar, RadioButton, Select

from backfill_tui.screens.export import DRY_RUN_HINT, ExportScreen
from backfill_tui.screens.export_parts import (
    ExportFailed,
    ExportFinished,
    ExportPlanned,
    ExportStepped,
)
from backfill_tui.widgets.app_footer import AppFooter

SIZE = (80, 24)


def _panel(app: Any, screen: ExportScreen) -> str:
    """The panel's words as shown (its scrolled view), one line."""
    return " ".join(region_text(app, screen.query_one("#plan-panel")).strip(" │╭╮╰╯─").split())


def _stale_free(screen: ExportScreen) -> None:
    """No progress bar, result or sample of an earlier dry run or export on the panel."""
    assert not screen.query_one("#export-progress", ProgressBar).display
    assert str(screen.query_one("#export-result", Label).content) == ""


def test_choosing_a_run_sets_the_workspace_to_the_runs_own(
    tmp_path: Path, inngest: FakeInngest
) -> None:
    """With the workspace field empty (or another workspace's), choosing a run in the Run list
    left it so and ctrl+r failed "the workspace is empty" (a fresh tester's finding): a run
    belongs to one workspace, so choosing it sets the field, and the dry run goes."""
    app = make_app(tmp_path)
    other = populate(app, "linear:ENG", workspace="other", days=7)
    populate(app, "linear:ENG", days=7)  # the newest run, of workspace ws
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            screen = await open_export(pilot)
            screen.query_one("#kind-inngest", RadioButton).value = True
            await wait_until(pilot, lambda: screen.kind == "inngest")
            screen.query_one("#event-key", Input).value = "evtkey-run-1"
            screen.query_one("#base-url", Input).value = inngest.url
            workspace = screen.query_one("#export-workspace", Input)
            assert workspace.value == "ws"
            workspace.value = ""  # emptied, as the tester had it
            # The run of workspace "other" chosen as a person does: open the list, down to it
            # (below "all runs" and the newest run), enter.
            choice = screen.query_one("#export-run", Select)
            choice.focus()
            await pilot.press("enter")
            await wait_until(pilot, lambda: choice.expanded)
            await pilot.press("down", "down", "enter")
            await wait_until(pilot, lambda: choice.value == other)
            await pilot.pause()
            assert workspace.value == "other"
            await pilot.press("ctrl+r")
            await wait_until(pilot, lambda: seen.of(ExportPlanned) or seen.of(ExportFailed))
            assert not seen.of(ExportFailed), seen.of(ExportFailed)
            plan = seen.of(ExportPlanned)[0].plan
            assert (plan.workspace, plan.run_id) == ("other", other)
            # Chosen, it stays when the screen is shown again (the app's workspace is ws).
            await pilot.press("f3")
            await drawn(pilot)
            await pilot.press("f6")
            await settle(pilot)
            assert (workspace.value, choice.value) == ("other", other)
            # The list refreshed as the screen came back is no choice: a workspace typed after
            # choosing the run stays as typed.
            workspace.value = "typed"
            await pilot.press("f3")
            await drawn(pilot)
            await pilot.press("f6")
            await settle(pilot)
            assert (workspace.value, choice.value) == ("typed", other)

    asyncio.run(scenario())


def test_a_new_dry_run_clears_the_last_exports_progress_and_result(
    tmp_path: Path, inngest: FakeInngest
) -> None:
    """After an export, ctrl+r showed the new dry run's figures under the export's full
    progress bar (a fresh tester's finding): a new dry run clears them."""
    app = make_app(tmp_path)
    populate(app, "linear:ENG", days=7)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            screen = await inngest_dry_run(pilot, inngest.url, seen)
            assert not seen.of(ExportFailed), seen.of(ExportFailed)
            screen.apply(seen.of(ExportPlanned)[0].plan)
            await wait_until(pilot, lambda: seen.of(ExportFinished))
            await pilot.pause()
            assert screen.query_one("#export-progress", ProgressBar).display  # the export's
            await pilot.press("ctrl+r")
            await wait_until(pilot, lambda: len(seen.of(ExportPlanned)) >= 2)
            await pilot.pause()
            assert seen.of(ExportPlanned)[1].plan.would_write == 0
            _stale_free(screen)
            text = _panel(app, screen)
            assert "Nothing new to send" in text and "Done:" not in text, text
            assert "━" not in text, text  # no bar drawn
            # nothing to send: no sample's headings over no rows
            assert not screen.query_one("#plan-sample").display

    asyncio.run(scenario())


def test_switching_the_target_clears_the_other_targets_dry_run_and_export(
    tmp_path: Path, inngest: FakeInngest
) -> None:
    """The Inngest dry run's figures, and its export's bar and result, stayed on the panel
    beside the Postgres fields (a fresh tester's finding): another target clears them, and a
    dry run of the target left that comes back late is not shown."""
    import backfill_tui.engine.export as engine_export

    app = make_app(tmp_path)
    populate(app, "linear:ENG", days=7)
    seen = Recorder()
    held = threading.Event()
    real_plan = engine_export.plan_export

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            screen = await inngest_dry_run(pilot, inngest.url, seen)
            screen.apply(seen.of(ExportPlanned)[0].plan)
            await wait_until(pilot, lambda: seen.of(ExportFinished))
            await pilot.click("#kind-postgres")
            await wait_until(pilot, lambda: screen.kind == "postgres")
            await pilot.pause()
            _stale_free(screen)
            assert not screen.query_one("#plan-sample").display
            assert str(screen.query_one("#plan-summary", Label).content) == DRY_RUN_HINT
            assert screen.query_one("#plan-panel").border_title == "Dry run"
            assert "Inngest" not in _panel(app, screen) and "Done:" not in _panel(app, screen)

            # A dry run still asking Inngest when the target changes: its answer is dropped.
            await pilot.click("#kind-inngest")
            await wait_until(pilot, lambda: screen.kind == "inngest")
            engine_export.plan_export = held_plan  # type: ignore[assignment]
            await pilot.press("ctrl+r")
            await wait_until(pilot, lambda: "asking the destination" in _panel(app, screen))
            await pilot.click("#kind-postgres")
            await wait_until(pilot, lambda: screen.kind == "postgres")
            held.set()
            await wait_until(pilot, lambda: len(seen.of(ExportPlanned)) >= 2)
            await settle(pilot)
            assert str(screen.query_one("#plan-summary", Label).content) == DRY_RUN_HINT
            assert screen.plan is None and not screen.query_one("#plan-sample").display

    def held_plan(*args: Any, **kwargs: Any) -> Any:
        held.wait(timeout=30)
        return real_plan(*args, **kwargs)

    try:
        asyncio.run(scenario())
    finally:
        engine_export.plan_export = real_plan


@pytest.mark.parametrize(
    ("field", "other", "planned"),
    [("#export-workspace", "other", "ws"), ("#event-key", "evtkey-Another-2", "evtkey-order-1")],
    ids=["workspace", "event-key"],
)
def test_editing_the_form_clears_the_last_dry_run(
    tmp_path: Path, inngest: FakeInngest, field: str, other: str, planned: str
) -> None:
    """After a dry run of workspace ws, typing another workspace left ws's figures on the
    panel, where they read as the new one's; so did editing the event key (or the DSN, the
    base URL) with the last destination's (testers' findings): the panel goes back to its
    hint, and typing the planned value back does not bring stale figures."""
    app = make_app(tmp_path)
    populate(app, "linear:ENG", days=7)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            screen = await inngest_dry_run(pilot, inngest.url, seen)
            assert screen.plan is not None and "would" in _panel(app, screen)
            edited = screen.query_one(field, Input)
            assert edited.value == planned
            edited.value = other
            await wait_until(pilot, lambda: screen.plan is None)
            await pilot.pause()
            assert str(screen.query_one("#plan-summary", Label).content) == DRY_RUN_HINT
            assert not screen.query_one("#plan-sample").display
            edited.value = planned
            await pilot.pause()
            assert str(screen.query_one("#plan-summary", Label).content) == DRY_RUN_HINT

    asyncio.run(scenario())


def test_a_finished_exports_result_goes_when_the_workspace_changes(
    tmp_path: Path, inngest: FakeInngest
) -> None:
    """After a run moved the app to another workspace, the panel still said the last export's
    "0 of 3869 sent" beside "Workspace acme-ws" (a tester's finding): a finished export's
    result goes with the form it was for, as a dry run's figures do."""
    app = make_app(tmp_path)
    populate(app, "linear:ENG", days=7)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            screen = await inngest_dry_run(pilot, inngest.url, seen)
            plan = seen.of(ExportPlanned)[0].plan
            screen.apply(plan)
            await wait_until(pilot, lambda: seen.of(ExportFinished))
            await pilot.pause()
            assert str(screen.query_one("#export-result", Label).content)
            screen.query_one("#export-workspace", Input).value = "acme-ws"
            await pilot.pause()
            assert str(screen.query_one("#plan-summary", Label).content) == DRY_RUN_HINT
            assert not str(screen.query_one("#export-result", Label).content)

    asyncio.run(scenario())


class OneThrough:
    """The stub's gate: the first request goes at once, the others wait until released."""

    def __init__(self) -> None:
        self.first = True
        self.released = threading.Event()

    def wait(self, timeout: float | None = None) -> bool:
        if self.first:
            self.first = False
            return True
        return self.released.wait(timeout)


async def _export_one_batch_in(
    pilot: Any, inngest: FakeInngest, seen: Recorder, gate: OneThrough
) -> tuple[ExportScreen, Any]:
    """A dry run to the stub, then its export with its first batch landed and the second held:
    the screen and the plan."""
    screen = await inngest_dry_run(pilot, inngest.url, seen)
    plan = seen.of(ExportPlanned)[0].plan
    assert plan.would_write > 200
    inngest.gate = gate  # type: ignore[assignment]
    screen.apply(plan)
    await wait_until(pilot, lambda: seen.of(ExportStepped))
    await pilot.pause()
    return screen, plan


def test_an_inngest_exports_progress_says_sent_not_written(
    tmp_path: Path, inngest: FakeInngest
) -> None:
    """The export's progress said "100 written" of events sent to Inngest (a fresh tester's
    finding): events are sent, as the command line says."""
    app = make_app(tmp_path)
    populate(app, "linear:ENG", days=30)
    seen = Recorder()
    gate = OneThrough()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            try:
                screen, plan = await _export_one_batch_in(pilot, inngest, seen, gate)
                result_line = str(screen.query_one("#export-result", Label).content)
                assert f"Batch 1/{len(plan.batch_sizes)}: 100 sent, " in result_line, result_line
                assert "written" not in _panel(app, screen)
            finally:  # the held batch goes, so the app can close
                assert isinstance(app.screen, ExportScreen)
                app.screen.action_cancel_export()
                gate.released.set()
            await wait_until(pilot, lambda: seen.of(ExportFinished) or seen.of(ExportFailed))

    asyncio.run(scenario())


def test_the_footer_shows_escape_while_an_export_goes_and_escape_stops_it(
    tmp_path: Path, inngest: FakeInngest
) -> None:
    """While an export went, the footer had no key to stop it, only ctrl+q (a fresh tester's
    finding): it shows escape first, and escape stops the export between batches, saying how
    many were sent."""
    app = make_app(tmp_path)
    populate(app, "linear:ENG", days=30)
    seen = Recorder()
    gate = OneThrough()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            screen = await open_export(pilot)
            footer = screen.query_one(AppFooter)
            assert "Cancel export" not in region_text(app, footer)  # nothing goes yet
            screen, plan = await _export_one_batch_in(pilot, inngest, seen, gate)
            try:
                keys = region_text(app, footer)
                assert keys.startswith("esc Cancel export"), keys
                await pilot.press("escape")
                assert screen.cancel_event is not None and screen.cancel_event.is_set()
            except BaseException:
                screen.action_cancel_export()  # the held batch goes, so the app can close
                raise
            finally:
                gate.released.set()  # the batch under way lands; no other goes
            await wait_until(pilot, lambda: seen.of(ExportFinished) or seen.of(ExportFailed))
            assert not seen.of(ExportFailed), seen.of(ExportFailed)
            result = seen.of(ExportFinished)[0].result
            assert result.cancelled and 100 <= result.written < plan.would_write
            assert inngest.received == result.written
            await pilot.pause()
            text = _panel(app, screen)
            assert f"Cancelled: {result.written} observations sent to Inngest" in text, text
            assert "Cancel export" not in region_text(app, footer)  # nothing goes now

    asyncio.run(scenario())


def test_an_ingest_url_pasted_as_the_base_url_moves_its_key_to_the_masked_field(
    tmp_path: Path, inngest: FakeInngest
) -> None:
    """``https://…/e/KEY`` pasted into Base URL showed the event key in clear there (a fresh
    tester's finding): the key goes to the masked Event key field, the base stays, and the
    dry run then goes to the base with that key."""
    app = make_app(tmp_path)
    populate(app, "linear:ENG", days=7)
    seen = Recorder()
    key = "evtkey-pasted-77"

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            screen = await open_export(pilot)
            screen.query_one("#kind-inngest", RadioButton).value = True
            await wait_until(pilot, lambda: screen.kind == "inngest")
            base = screen.query_one("#base-url", Input)
            base.focus()
            base.value = ""
            await pilot.pause()
            await pilot.press(*f"{inngest.url}/e/{key}")  # typed key by key: moved on leaving
            assert base.value == f"{inngest.url}/e/{key}"
            await pilot.press("tab")
            await pilot.pause()
            assert base.value == inngest.url
            assert screen.query_one("#event-key", Input).value == key
            shown = region_text(app, screen.query_one("#export-form"))
            assert key not in shown, shown
            # pasted: moved at once
            screen.query_one("#event-key", Input).value = ""
            base.focus()
            base.value = ""
            await pilot.pause()
            base.post_message(events.Paste(f"{inngest.url}/e/{key}"))
            await pilot.pause()
            assert base.value == inngest.url
            assert screen.query_one("#event-key", Input).value == key
            await pilot.press("ctrl+r")
            await wait_until(pilot, lambda: seen.of(ExportPlanned) or seen.of(ExportFailed))
            assert not seen.of(ExportFailed), seen.of(ExportFailed)

    asyncio.run(scenario())


def test_the_already_exported_lines_stay_in_view_with_inngests_fields(tmp_path: Path) -> None:
    """At 80x24 the form and the dry run had half the screen each: with Inngest's three fields
    showing, "Already exported from workspace …" and its lines fell below the form's fold (a
    tester's finding). The form is now as tall as what it holds, the dry run the rest."""
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=7)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_export(pilot)
            await pilot.click("#kind-inngest")
            await settle(pilot)
            form = region_text(app, screen.query_one("#export-form"))
            assert "Clerk org" in form and "Already exported from workspace ws:" in form, form
            assert "nothing yet" in form, form
            panel = region_text(app, screen.query_one("#plan-panel"))
            assert DRY_RUN_HINT.split(":")[0] in panel, panel

    asyncio.run(scenario())


def test_a_refused_dsn_says_the_example_whole_and_clears_the_last_failure(
    tmp_path: Path,
) -> None:
    """A DSN left half typed ("postgresql://") was registered whole as a secret, and every later
    "Not ready" masked our own example: "write ***USER:PASSWORD@HOST…". The panel also kept the
    last DSN's failure after a new ctrl+r was refused (testers' findings). Only a DSN's password
    is masked now, and a refused dry run puts the panel back to its hint."""
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=7)

    async def scenario() -> None:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            screen = await open_export(pilot)
            dsn = screen.query_one("#dsn", Input)
            dsn.focus()
            await pilot.press(*"postgresql://u:Pw0rd-9@127.0.0.1:9/db", "ctrl+r")
            await wait_until(pilot, lambda: screen._failed_dry_run)
            dsn.focus()
            dsn.value = "postgresql://"
            await pilot.press("tab")  # left half typed
            dsn.focus()
            dsn.value = "garbage"
            await pilot.press("ctrl+r")
            await settle(pilot)
            said = [n.message for n in app._notifications if n.title == "Not ready"]
            assert said and "write postgresql://USER:PASSWORD@HOST" in said[-1], said
            summary = str(screen.query_one("#plan-summary", Label).content)
            assert summary == DRY_RUN_HINT, summary
            assert "Pw0rd-9" not in region_text(app, screen)  # the password still masked

    asyncio.run(scenario())
