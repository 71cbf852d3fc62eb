"""Keeps every credential value in use, so that no text leaving the process can carry one.

The HTTP layer registers each token it is given; logs, stored errors and printed messages pass
through :func:`redact` as a last line of defence (the first is never formatting a token at all).

Settings that may carry a credential (the simulator's ``BACKFILL_SIM``) are stored and shown only
through :func:`public_settings`, which parses them and rebuilds the text from the parsed value
without its secret options: whatever the spelling the parser accepted (spaces around ``=``,
duplicated keys), the secret is gone, because nothing is matched against raw text.
"""

from __future__ import annotations

import logging
import threading

_lock = threading.Lock()
_values: set[str] = set()


def register(value: str | None) -> None:
    """Remember a credential value (values shorter than 4 characters are not worth masking)."""
    if value and len(value) >= 4:
        with _lock:
            _values.add(value)


UNREADABLE_SETTINGS = "(settings not shown: they could not be read)"


def public_settings(text: str | None) -> str | None:
    """A ``BACKFILL_SIM`` string fit to store with a run, print in a report or keep in a recording.

    Parsed with ``SimulatorConfig.from_env_string`` and rebuilt with every secret option left out
    (``SimulatorConfig.to_env_string(secrets=False)``); the token parsed is registered so that
    :func:`redact` masks it anywhere else. ``None`` stays ``None``; text the parser refuses (an
    old row, a hand-edited mirror) becomes :data:`UNREADABLE_SETTINGS`, never itself.
    """
    if text is None:
        return None
    from .simulator.config import SimulatorConfig

    try:
        config = SimulatorConfig.from_env_string(text)
    except (ValueError, TypeError):
        return UNREADABLE_SETTINGS
    register(config.token)
    return config.to_env_string(secrets=False, order=SimulatorConfig.option_names(text))


def redact(text: str) -> str:
    """Replace every registered credential value in ``text`` with ``***``."""
    if not _values:
        return text
    with _lock:
        values = sorted(_values, key=len, reverse=True)
    for value in values:
        if value in text:
            text = text.replace(value, "***")
    return text


class RedactingFilter(logging.Filter):
    """A logging filter that masks registered credentials in every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message or record.args:
            record.msg, record.args = clean, None
        return True
