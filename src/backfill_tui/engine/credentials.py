"""Where a provider's token comes from: the environment first, then the OS keyring.

On a machine with no keyring backend (headless Linux, CI) the keyring is skipped and only the
environment is used; :func:`keyring_status` says so plainly for the faces to show.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from .. import secrets_registry

SERVICE = "backfill-tui"


@dataclass(frozen=True)
class Credential:
    value: str
    origin: Literal["environment", "keyring", "simulator"]

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


def _unusable_reason(backend: object) -> str | None:
    """Why this keyring backend cannot keep a token, or None when it looks like it can.

    keyring's own rule (``keyring.backend``): a backend whose ``priority`` is below 1 is a
    last resort (``fail`` raises, ``null`` silently keeps nothing); a ``ChainerBackend`` is as
    good as the best backend it chains.
    """
    from keyring.backends.chainer import ChainerBackend
    from keyring.backends.fail import Keyring as FailKeyring

    name = f"{type(backend).__module__}.{type(backend).__name__}"
    if isinstance(backend, FailKeyring):
        return "no OS keyring backend on this machine"
    if isinstance(backend, ChainerBackend):
        chained = list(ChainerBackend.backends)
        if not any(float(getattr(b, "priority", 0)) >= 1 for b in chained):
            return "no usable OS keyring backend on this machine"
        return None
    try:
        priority = float(getattr(backend, "priority", 0))
    except Exception:
        priority = 0.0
    if priority < 1:
        return f"the keyring backend {name} cannot store tokens"
    return None


def keyring_status() -> str | None:
    """None when a usable keyring exists, else one line explaining the fallback."""
    try:
        import keyring

        reason = _unusable_reason(keyring.get_keyring())
    except Exception:
        return "the OS keyring could not be used; tokens are read from the environment only"
    if reason is not None:
        return f"{reason}; tokens are read from the environment only"
    return None


@dataclass(frozen=True)
class KeyringOutcome:
    """What a keyring write really did: ``done`` only when read back as asked."""

    done: bool
    message: str  # one line for the user, never the token


def save_token(provider: str, label: str, token_env: str, token: str) -> KeyringOutcome:
    """Store ``token`` for ``provider`` in the OS keyring and read it back.

    "saved" is claimed only when the read-back equals the token; otherwise the outcome says
    what happened and that ``token_env`` is the way (a backend may accept a write and keep
    nothing: keyring's ``null`` backend, a locked or read-only store).
    """
    note = keyring_status()
    if note is not None:
        return KeyringOutcome(False, f"{note}; set {token_env} instead")
    try:
        import keyring

        keyring.set_password(SERVICE, provider, token)
        stored = keyring.get_password(SERVICE, provider)
    except Exception as exc:  # any backend failure: say so, never show the token
        return KeyringOutcome(
            False, f"could not save to the keyring ({type(exc).__name__}); set {token_env} instead"
        )
    if stored != token:
        return KeyringOutcome(
            False,
            f"the keyring accepted the {label} token but did not keep it (read back "
            f"{'nothing' if stored is None else 'another value'}); set {token_env} instead",
        )
    return KeyringOutcome(True, f"{label} token saved in the keyring (checked by reading it back)")


def delete_token(provider: str, label: str, token_env: str) -> KeyringOutcome:
    """Delete ``provider``'s token from the keyring; ``done`` only if one was there and is gone."""
    note = keyring_status()
    if note is not None:
        return KeyringOutcome(False, f"{note}; nothing to delete")
    try:
        import keyring
        from keyring.errors import PasswordDeleteError

        if keyring.get_password(SERVICE, provider) is None:
            return KeyringOutcome(False, f"no {label} token in the keyring; nothing was deleted")
        try:
            keyring.delete_password(SERVICE, provider)
        except PasswordDeleteError:
            return KeyringOutcome(False, f"no {label} token in the keyring; nothing was deleted")
        left = keyring.get_password(SERVICE, provider)
    except Exception as exc:
        return KeyringOutcome(False, f"could not delete from the keyring ({type(exc).__name__})")
    if left is not None:
        return KeyringOutcome(False, f"the keyring still holds a {label} token after deleting")
    return KeyringOutcome(True, f"{label} token deleted from the keyring")


def environment_token(token_env: str, env: Mapping[str, str] | None = None) -> str:
    """``token_env``'s value, stripped; "" when the variable is unset or empty.

    Raises :class:`~backfill_tui.errors.CredentialsMissing` when the variable is set to
    something that holds no token (only commas or whitespace, e.g. ``GITHUB_TOKEN=",,,"``):
    it was meant to hold one, so going on without it (or with the keyring's) would mislead.
    """
    from ..errors import CredentialsMissing
    from ..http.tokens import split_tokens

    environ = os.environ if env is None else env
    raw = environ.get(token_env, "")
    if raw and not split_tokens(raw):
        raise CredentialsMissing(
            f"{token_env} is set but holds no token (only commas or whitespace); "
            f"put the token in it or unset it"
        )
    return raw.strip()


def lookup(
    provider: str, token_env: str, env: Mapping[str, str] | None = None
) -> Credential | None:
    """The token for ``provider``: ``token_env`` first, then the keyring; None when neither.

    Raises ``CredentialsMissing`` when ``token_env`` is set but holds no token
    (:func:`environment_token`).
    """
    value = environment_token(token_env, env)
    if value:
        secrets_registry.register(value)
        return Credential(value, "environment")
    stored = _keyring_get(provider)
    if stored:
        secrets_registry.register(stored)
        return Credential(stored, "keyring")
    return None


def fingerprints(value: str) -> list[str]:
    """Each token of a credential (several: commas or whitespace between) by its fingerprint,
    ``tok:`` + 8 hex of its SHA-256 (http/tokens.py), never the token itself."""
    from ..http.tokens import fingerprint, split_tokens

    return [fingerprint(token) for token in split_tokens(value)]
