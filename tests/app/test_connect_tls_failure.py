"""The connect screen on a source whose TLS handshake fails (``BACKFILL_GITHUB_API_URL`` at
``https://`` on a plain-http server, here the loopback Inngest stand-in): the estimate led with
"0 items in 0 API calls over 30 days." before the reason, and the connection test said "the host
was not reached" of a host it had reached (fresh tester's findings)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from app_support import Recorder, connect_screen, make_app, settle, wait_until
from inngest_stub import FakeInngest
from textual.widgets import Label

from backfill_tui.clock import SystemClock
from backfill_tui.engine.environment import Environment
from backfill_tui.screens.host import DemoSetup
from backfill_tui.screens.messages import ConnectionChecked, EstimateReady

TOKEN = "ghp_" + "T" * 36


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
def test_an_estimate_of_sources_that_all_failed_leads_with_the_failure(
    tmp_path: Path, inngest: FakeInngest, size: tuple[int, int]
) -> None:
    host = inngest.url.removeprefix("http://")
    env = {"GITHUB_TOKEN": TOKEN, "BACKFILL_GITHUB_API_URL": f"https://{host}"}
    environment = Environment(clock=SystemClock(), env=env)
    app = make_app(tmp_path, environment=environment, demo=DemoSetup("ws", ("github:acme/rocket",)))
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=size, message_hook=seen) as pilot:
            await wait_until(pilot, lambda: seen.of(EstimateReady), timeout=30)
            screen = await connect_screen(pilot)
            await settle(pilot)
            label = screen.query_one("#estimate-summary", Label)
            lines = str(label.render()).split("\n")
            assert lines[0] == "No estimate: the source failed.", lines
            assert lines[1].startswith(
                f"github:acme/rocket: GitHub at {host} did not answer over TLS"
            ), lines
            assert "0 items" not in str(label.render())

            await pilot.press("ctrl+t")
            await wait_until(pilot, lambda: seen.of(ConnectionChecked), timeout=30)
            await settle(pilot)
            check = str(screen.query_one(".check", Label).render())
            assert (
                "token not checked (from the environment): the TLS handshake failed, so no "
                f"request was sent · access cannot reach {host} securely: it did not answer "
                "over TLS (https)"
            ) in " ".join(check.split()), check

    asyncio.run(scenario())
    app.mirror.close()
