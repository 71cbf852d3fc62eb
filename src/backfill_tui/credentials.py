"""Where a provider's token comes from: the environment first, then the OS keyring.

On a machine with no keyring backend (headless Linux, CI) the keyring is skipped and only the
environment is used; :func:`keyring_status` says so plainly for the faces to show.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from . import secrets_registry

SERVICE = "backfill-tui"


@dataclass(frozen=True)
class Credential:
    value: str
    origin: Literal["environment", "keyring"]

    def __repr__(self) -> str:  # never show the value, even in a traceback or a debugger
        return f"Credential(origin={self.origin!r})"


def _keyring_get(provider: str) -> str | None:
    try:
        import keyring
        from keyring.errors import KeyringError, NoKeyringError

        try:
            return keyring.get_password(SERVICE, provider)
        except (NoKeyringError, KeyringError, RuntimeError):
            return None
    except ImportError:
        return None


def keyring_status() -> str | None:
    """None when a usable keyring exists, else one line explaining the fallback."""
    try:
        import keyring
        from keyring.backends.fail import Keyring as FailKeyring

        if isinstance(keyring.get_keyring(), FailKeyring):
            return (
                "no OS keyring backend on this machine; tokens are read from the environment only"
            )
    except Exception:
        return "the OS keyring could not be used; tokens are read from the environment only"
    return None


def lookup(
    provider: str, token_env: str, env: Mapping[str, str] | None = None
) -> Credential | None:
    environ = os.environ if env is None else env
    value = environ.get(token_env, "").strip()
    if value:
        secrets_registry.register(value)
        return Credential(value, "environment")
    stored = _keyring_get(provider)
    if stored:
        secrets_registry.register(stored)
        return Credential(stored, "keyring")
    return None
