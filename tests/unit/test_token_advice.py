"""A missing token's line offers `auth set` only where a keyring can keep the token: on a
machine with none (headless Linux), `auth set` exits 2, so the advice could not work (a
tester's finding)."""

from __future__ import annotations

from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from backfill_tui.connectors import provider
from backfill_tui.engine.environment import Environment
from backfill_tui.errors import CredentialsMissing


def _missing_line() -> str:
    environment = Environment.create(simulate=False, env={})
    with pytest.raises(CredentialsMissing) as caught:
        environment.credential(provider("github"))
    return str(caught.value)


def test_with_a_keyring_both_ways_are_offered() -> None:
    assert _missing_line() == (
        "no GitHub token: set GITHUB_TOKEN or run `backfill-tui auth set github` "
        "(or try --simulate)"
    )


def test_without_a_keyring_only_the_environment_is_offered() -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        assert _missing_line() == "no GitHub token: set GITHUB_TOKEN (or try --simulate)"
    finally:
        keyring.set_keyring(previous)


def test_every_provider_without_a_token_is_named_at_once(tmp_path: Path) -> None:
    """A run of GitHub, Linear and Sentry sources with no tokens: one line naming all three
    (the second tester was told about GitHub only, then Linear on the next try)."""
    from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
    from backfill_tui.store import Mirror

    mirror = Mirror.open(tmp_path / "m.db")
    try:
        engine = Engine(mirror, Environment.create(simulate=False, env={}))
        sources = ("github:acme/rocket", "github:acme/other", "linear:ENG", "sentry:acme/rocket")
        request = RunRequest("ws", tuple(SourceSpec.parse(s) for s in sources), depth=7)
        with pytest.raises(CredentialsMissing) as caught:
            engine.plan(request)
        assert str(caught.value) == (
            "no GitHub token: set GITHUB_TOKEN or run `backfill-tui auth set github`; "
            "no Linear token: set LINEAR_API_KEY or run `backfill-tui auth set linear`; "
            "no Sentry token: set SENTRY_AUTH_TOKEN or run `backfill-tui auth set sentry` "
            "(or try --simulate)"
        )
        assert mirror.list_runs(5) == []  # refused before anything was recorded
    finally:
        mirror.close()
