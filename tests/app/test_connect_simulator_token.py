"""With ``BACKFILL_SIM=token=…`` the simulator answers 401 to a call without that token, and a
simulated run sends the provider's variable: the connect screen said "token not needed
(simulator)" and then every stream failed with a 401 (a fresh tester's finding). It says the
simulator expects a token, and finds the variable's; the connection test says so too."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

from app_support import make_app, settle, sim_environment, wait_until
from textual.widgets import Label

from backfill_tui.engine.connection import check_source
from backfill_tui.screens.app import DemoSetup
from backfill_tui.widgets.source_card import SourceCard


def _token_text(tmp_path: Path, env: dict[str, str]) -> str:
    environment = dataclasses.replace(sim_environment("token=sim-secret-1"), env=env)
    app = make_app(tmp_path, environment=environment, demo=DemoSetup("ws", ("github:acme/rocket",)))
    shown: list[str] = []

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            card = app.screen.query_one(SourceCard)
            shown.append(str(card.query_one(".token-status", Label).content))

    asyncio.run(scenario())
    return shown[0]


def test_a_simulator_wanting_a_token_says_so_on_the_connect_screen(tmp_path: Path) -> None:
    text = _token_text(tmp_path, {})
    assert "simulator expects a token" in text and "GITHUB_TOKEN" in text, text
    assert "not needed" not in text


def test_the_variables_token_is_found_for_such_a_simulator(tmp_path: Path) -> None:
    assert "found in the environment" in _token_text(tmp_path, {"GITHUB_TOKEN": "sim-secret-1"})


def test_the_connection_test_says_the_simulator_expects_a_token() -> None:
    environment = sim_environment("token=sim-secret-1")
    report = asyncio.run(check_source(environment, "github", "acme/rocket"))
    assert "simulator expects a token" in report.token, report
    assert not report.ok


def test_start_without_the_token_such_a_simulator_expects_is_refused(tmp_path: Path) -> None:
    """ctrl+s started the run and every stream failed as "rejected … replace the token", though
    none was sent (a fresh tester's finding): refused before anything starts, as a live run
    without a token is, naming the variable; no run is stored."""
    app = make_app(
        tmp_path,
        environment=sim_environment("token=sim-secret-1"),
        demo=DemoSetup("ws", ("github:acme/rocket",)),
    )
    said: list[str] = []

    async def scenario() -> None:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await settle(pilot)
            await pilot.press("ctrl+s")

            def cannot_start() -> bool:
                notices = app._notifications  # type: ignore[attr-defined]
                said[:] = [str(n.message) for n in notices if n.title == "Cannot start"]
                return bool(said)

            await wait_until(pilot, cannot_start)

    asyncio.run(scenario())
    assert said and "simulator expects a token" in said[0] and "GITHUB_TOKEN" in said[0], said
    assert app.mirror.list_runs(5) == []
    app.mirror.close()
