"""The app's first minute (issue 12 item 4, and the cap of item 11): focus where typing goes,
a hint that the demo exists, one check shared by ctrl+t/ctrl+e/ctrl+s, messages in the app's
words, the per-stream cap from the form, and scripts/bootstrap saying what it is doing."""

from __future__ import annotations

import asyncio
import os
import shutil
import stat
import subprocess
from pathlib import Path

from app_support import SIZE, Recorder, make_app, populate, wait_until
from textual.widgets import Input, Label

from backfill_tui.engine.environment import Environment
from backfill_tui.screens.app import DemoSetup
from backfill_tui.screens.connect import DEMO_HINT, ConnectScreen
from backfill_tui.screens.messages import RunEnded
from backfill_tui.widgets.run_rows import StreamRow
from backfill_tui.widgets.source_card import SourceCard
from backfill_tui.widgets.wording import in_app

ROOT = Path(__file__).resolve().parents[2]


def _toasts(app: object) -> list[str]:
    return [str(n.message) for n in app._notifications]  # type: ignore[attr-defined]


def test_typing_at_start_goes_to_the_workspace_and_the_demo_is_hinted(tmp_path: Path) -> None:
    app = make_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert app.focused is not None and app.focused.id == "workspace"
            await pilot.press(*"acme")
            assert app.screen.query_one("#workspace", Input).value == "acme"
            hint = app.screen.query_one("#demo-hint", Label)
            assert "backfill-tui demo" in str(hint.content) and str(hint.content) == DEMO_HINT
            # Adding a source answers it: the hint's lines go back to the form.
            await pilot.click("#target")
            await pilot.press(*"linear:ENG", "enter")
            await pilot.pause()
            assert len(app.screen.query(SourceCard)) == 1
            assert not app.screen.query("#demo-hint")

    asyncio.run(scenario())


def test_no_demo_hint_once_there_are_runs_or_in_the_demo(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    populate(app, "linear:ENG", days=7)
    demo = make_app(tmp_path, demo=DemoSetup("demo", ("linear:ENG",)), db="demo.db")

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert not app.screen.query("#demo-hint")
            assert app.focused is not None and app.focused.id == "target"  # workspace known
        async with demo.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert not demo.screen.query("#demo-hint")

    asyncio.run(scenario())


def test_test_estimate_and_start_check_the_same_things_in_the_same_order(tmp_path: Path) -> None:
    app = make_app(tmp_path)

    async def first_complaint(pilot: object, key: str) -> str:
        app.clear_notifications()
        await pilot.press(key)  # type: ignore[attr-defined]
        await pilot.pause()  # type: ignore[attr-defined]
        toasts = _toasts(app)
        assert len(toasts) == 1, toasts
        return toasts[0]

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            assert isinstance(screen, ConnectScreen)
            keys = ("ctrl+t", "ctrl+e", "ctrl+s")
            said = [await first_complaint(pilot, k) for k in keys]
            assert len(set(said)) == 1 and "workspace is empty" in said[0]
            screen.query_one("#workspace", Input).value = "ws"
            said = [await first_complaint(pilot, k) for k in keys]
            assert len(set(said)) == 1 and "no source yet" in said[0]
            screen.add_source("linear:ENG")
            screen.query_one("#max-items", Input).value = "0"
            await pilot.pause()
            said = [await first_complaint(pilot, k) for k in keys]
            assert len(set(said)) == 1 and "max items" in said[0]
            assert app.session is None  # nothing started
            # The most the command line takes fits (it was cut to 100000000 silently, a fresh
            # tester's finding); one more is said, not cut.
            field = screen.query_one("#max-items", Input)
            field.value = ""
            field.focus()
            await pilot.press(*"1000000000")
            assert field.value == "1000000000" and screen.max_items == 1_000_000_000
            await pilot.press("1")  # an eleventh digit does not fit
            assert field.value == "1000000000"
            field.value = "1000000001"
            said = [await first_complaint(pilot, k) for k in ("ctrl+s",)]
            assert "max items is at most 1,000,000,000" in said[0], said
            assert app.session is None

    asyncio.run(scenario())


def test_the_per_stream_cap_is_set_from_the_form_and_shown_as_capped(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    seen = Recorder()

    async def scenario() -> str:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            screen = app.screen
            assert isinstance(screen, ConnectScreen)
            assert screen.query_one("#max-items", Input).value == "1000"  # the CLI's default
            screen.query_one("#workspace", Input).value = "ws"
            screen.add_source("github:acme/rocket")
            screen.query_one("#max-items", Input).value = "3"
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: seen.of(RunEnded))
            await pilot.pause()
            session = app.session
            assert session is not None
            capped = [s for s in session.progress.streams.values() if s.capped]
            assert capped and all(s.shown_status == "capped" for s in capped)
            statuses = [row.status_text for row in app.screen.query(StreamRow)]
            assert "capped" in statuses
            return session.run.id

    run_id = asyncio.run(scenario())
    run = app.mirror.get_run(run_id)
    assert run is not None and run.max_items == 3
    assert all(s.fetched <= 3 for s in app.mirror.streams(run_id))


def test_messages_in_the_app_name_fields_and_keys_not_flags(tmp_path: Path) -> None:
    for text in (
        "no GitHub token: set GITHUB_TOKEN or run `backfill-tui auth set github` (or try --simulate)",
        "cannot find the PostgreSQL host in --dsn (x); check the host name",
        "no observations for workspace 'w' in m.db; check --workspace (and --db), or run a backfill",
        "table observations already exists in x; --create-schema only creates",
        "--event-key is not an Inngest event key; copy it again",
    ):
        assert "--" not in in_app(text), in_app(text)
    app = make_app(tmp_path, environment=Environment.create(simulate=False, env={}))

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            assert isinstance(screen, ConnectScreen)
            screen.query_one("#workspace", Input).value = "ws"
            screen.add_source("github:acme/rocket")
            app.clear_notifications()
            await pilot.press("ctrl+s")  # no token anywhere: the run cannot start
            await pilot.pause()
            toasts = _toasts(app)
            assert toasts and not any("--" in t for t in toasts), toasts
            assert any("backfill-tui demo" in t for t in toasts)

    asyncio.run(scenario())


def test_bootstrap_says_what_it_is_doing_before_the_install(tmp_path: Path) -> None:
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "bootstrap", tmp_path / "scripts" / "bootstrap")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    # A stand-in python: `-m venv DIR` makes DIR/bin/python (itself); anything else logs.
    fake = tmp_path / "fakepython"
    fake.write_text(
        "#!/usr/bin/env bash\n"
        'if [ "$1 $2" = "-m venv" ]; then mkdir -p "$3/bin"; cp "$0" "$3/bin/python"; exit 0; fi\n'
        'echo "INSTALLING $*" >&2\n'
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    env = {**os.environ, "PYTHON": str(fake)}
    first = subprocess.run(
        ["bash", str(tmp_path / "scripts" / "bootstrap")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    lines = first.stderr.splitlines()
    setting_up = next(i for i, line in enumerate(lines) if "Setting up .venv" in line)
    installing = next(i for i, line in enumerate(lines) if line.startswith("INSTALLING"))
    assert setting_up < installing and "first run" in lines[setting_up]
    again = subprocess.run(
        ["bash", str(tmp_path / "scripts" / "bootstrap")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert again.stderr == ""  # quiet once installed


def test_a_source_cards_connection_test_speaks_the_apps_words(tmp_path: Path) -> None:
    """Test connections (ctrl+t) without a token: the card's line names the app's way out
    (`backfill-tui demo`), not the CLI's ``--simulate`` (found by a tester)."""
    from backfill_tui.widgets.source_card import SourceCard

    app = make_app(tmp_path, environment=Environment.create(simulate=False, env={}))

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            assert isinstance(screen, ConnectScreen)
            screen.query_one("#workspace", Input).value = "ws"
            screen.add_source("github:acme/rocket")
            await pilot.pause()
            await pilot.press("ctrl+t")
            await app.workers.wait_for_complete()
            await pilot.pause()
            card = screen.query_one(SourceCard)
            text = str(card.query_one(".check", Label).render())
            assert "token" in text and "testing" not in text, text
            assert "--simulate" not in text and "backfill-tui demo" in text, text

    asyncio.run(scenario())
