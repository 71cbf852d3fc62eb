"""A missing token's line offers `auth set` only where a keyring can keep the token: on a
machine with none (headless Linux), `auth set` exits 2, so the advice could not work (a
tester's finding)."""

from __future__ import annotations

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
