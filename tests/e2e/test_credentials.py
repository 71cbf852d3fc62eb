"""Tokens in the keyring: "saved" only when it really was (read back), for every backend that
cannot store; `auth delete` says when nothing was deleted (issue 12 item 3). Never the real
keyring: an in-memory backend, keyring's null backend and a backend that keeps nothing."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import keyring
import pytest
from app_support import SIZE, make_app
from keyring.backends.null import Keyring as NullKeyring
from memory_keyring import MemoryKeyring
from support import run_cli
from textual.widgets import Label

from backfill_tui.engine.credentials import SERVICE, delete_token, keyring_status, save_token
from backfill_tui.engine.environment import Environment
from backfill_tui.screens.connect import ConnectScreen
from backfill_tui.widgets.source_card import SourceCard

TOKEN = "ghp_" + "k33p" * 9


class ForgetfulKeyring(MemoryKeyring):
    """Claims a good priority and accepts writes, but keeps nothing (a locked store)."""

    def set_password(self, service: str, username: str, password: str) -> None:
        return None


def _set(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, token: str):  # type: ignore[no-untyped-def]
    monkeypatch.setattr("sys.stdin", io.StringIO(token + "\n"))
    return run_cli(capsys, "auth", "set", "github")


def test_memory_backend_saves_reads_back_and_deletes(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert keyring_status() is None
    result = _set(capsys, monkeypatch, TOKEN)
    assert result.code == 0 and "saved in the keyring" in result.out
    assert keyring.get_password(SERVICE, "github") == TOKEN
    assert TOKEN not in result.out + result.err
    result = run_cli(capsys, "auth", "delete", "github")
    assert result.code == 0 and "deleted" in result.out
    result = run_cli(capsys, "auth", "delete", "github")
    assert result.code == 2 and "nothing was deleted" in result.err


@pytest.mark.parametrize("backend", [NullKeyring(), ForgetfulKeyring()], ids=["null", "forgetful"])
def test_a_backend_that_keeps_nothing_is_never_reported_as_saved(
    backend: keyring.backend.KeyringBackend,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keyring.set_keyring(backend)
    result = _set(capsys, monkeypatch, TOKEN)
    assert result.code == 2 and "saved" not in result.err.replace("not saved", "")
    assert "GITHUB_TOKEN" in result.err and TOKEN not in result.err
    assert result.err.count("\n") == 1
    outcome = save_token("github", "GitHub", "GITHUB_TOKEN", TOKEN)
    assert not outcome.done
    result = run_cli(capsys, "auth", "delete", "github")
    assert result.code == 2 and "nothing" in result.err
    assert not delete_token("github", "GitHub", "GITHUB_TOKEN").done


def test_null_backend_is_named_as_unusable(capsys: pytest.CaptureFixture[str]) -> None:
    keyring.set_keyring(NullKeyring())
    note = keyring_status()
    assert note is not None and "cannot store tokens" in note
    result = run_cli(capsys, "auth", "status")
    assert result.code == 0 and "environment only" in result.out


@pytest.mark.parametrize("backend", [NullKeyring(), ForgetfulKeyring()], ids=["null", "forgetful"])
def test_the_app_never_says_saved_when_the_keyring_kept_nothing(
    backend: keyring.backend.KeyringBackend, tmp_path: Path
) -> None:
    keyring.set_keyring(backend)
    app = make_app(tmp_path, environment=Environment.create(simulate=False, env={}))
    shown: list[str] = []

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            assert isinstance(screen, ConnectScreen)
            screen.add_source("github:acme/rocket")
            await pilot.pause()
            card = screen.query_one(SourceCard)
            status = str(card.query_one(".token-status", Label).content)
            if isinstance(backend, NullKeyring):  # known unusable: no field, the env var
                assert "set GITHUB_TOKEN (no keyring here)" in status
                assert not card.query_one(".token-entry").display
                return
            card.post_message(SourceCard.SaveToken(card, "github", TOKEN))
            await pilot.pause()
            shown.extend(str(n.message) for n in app._notifications)
            assert "missing" in str(card.query_one(".token-status", Label).content)

    asyncio.run(scenario())
    if isinstance(backend, ForgetfulKeyring):
        assert shown
        assert not any("token saved" in m for m in shown)
        assert any("did not keep it" in m and "GITHUB_TOKEN" in m for m in shown)
        assert not any(TOKEN in m for m in shown)
