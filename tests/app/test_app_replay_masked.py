"""The app's replay of a recording that masked token-shaped provider text says so in its notice
(the run it stores differs from the recorded one there: ``***`` for the text), as the CLI's
replay and ``diff`` do (a fresh tester's finding). The recording is made by the real CLI
against Sentry answered with respx; the app replays it from the Runs screen (F5, o)."""

from __future__ import annotations

import asyncio
import gzip
from pathlib import Path

import pytest
import respx
from app_support import SIZE, Recorder, make_app, wait_until
from support import TOKEN_SHAPED_TEXT, run_cli, sentry_answers_with_token_shaped_titles
from textual.notifications import Notify
from textual.widgets import Input

from backfill_tui.screens.messages import RunEnded
from backfill_tui.screens.path_prompt import PathPromptScreen

BASE = "http://127.0.0.1:8783"
SHAPED = TOKEN_SHAPED_TEXT
SAID = "the recording replaced 1 token-shaped text with ***"


@respx.mock(assert_all_called=False)
def test_the_apps_replay_says_what_its_recording_masked(
    respx_mock: respx.MockRouter,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sentry_answers_with_token_shaped_titles(respx_mock, monkeypatch, BASE, 3, {2})
    rec = tmp_path / "rec.gz"
    made = run_cli(
        capsys, "run", "sentry:acme/api", "--workspace", "w", "--db", str(tmp_path / "o.db"),
        "--record", str(rec),
    )  # fmt: skip
    assert made.code == 0, made.err
    assert SHAPED.encode() not in gzip.decompress(rec.read_bytes())
    app = make_app(tmp_path)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            await pilot.press("f5")
            await pilot.press("o")
            assert isinstance(app.screen, PathPromptScreen)
            app.screen.query_one("#path-input", Input).value = str(rec)
            await pilot.press("enter")
            await wait_until(pilot, lambda: seen.of(RunEnded))

    asyncio.run(scenario())
    said = [n.notification.message for n in seen.of(Notify)]
    assert any(SAID in message for message in said), said
