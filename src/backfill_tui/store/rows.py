"""An observation as the mirror stores it: the row's columns from a ``SourceEvent``, in
production's shapes (public id, derived observation type, compact JSON, significance score).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .significance import score

if TYPE_CHECKING:  # the pydantic models load with the engine, not with every open of a mirror
    from ..models import SourceEvent

__all__ = [
    "json_text",
    "nanoid",
    "nanoids",
    "now_iso",
    "observation_row",
    "observation_type",
    "seconds_between",
]

_NANOID = "useandom-26T198340PX75pxJACKVERYMINDBUSHWOLF_GQZbfghjklqvwyzrict"
#: byte b -> the alphabet's character b & 63, for bytes.translate
_NANOID_BYTES = bytes(ord(_NANOID[b & 63]) for b in range(256))
#: The alphabet's letters and digits in byte order: a public id's time prefix, written in
#: them, sorts as the time does (SQLite compares TEXT byte by byte), and never begins with "-"
#: (an id given on a command line would read as an option).
_DIGITS = "".join(sorted(c for c in _NANOID if c.isalnum()))
#: 8 base-62 digits: milliseconds since the epoch, in order until about the year 8900.
_TIME_CHARS = 8


def seconds_between(start: str | None, end: str | None) -> float:
    """Seconds from ISO 8601 instant ``start`` to ``end``; 0 when either is missing or not an
    instant, or when ``end`` is before ``start``."""
    try:
        first = datetime.fromisoformat(start or "")
        last = datetime.fromisoformat(end or "")
        return max(0.0, (last - first).total_seconds())
    except (TypeError, ValueError):
        return 0.0


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def nanoid() -> str:
    """A 21-character URL-safe public id, like production's ``nanoid()`` (see :func:`nanoids`)."""
    return nanoids(1)[0]


def nanoids(count: int) -> list[str]:
    """``count`` public ids: 21 characters of production's ``nanoid()`` alphabet, the
    first :data:`_TIME_CHARS` the milliseconds since the epoch in base 62, the rest random.

    Production's ``nanoid()`` is random throughout (lightfast-data-model.md: ``external_id``).
    Here the ids grow with time, in SQLite's byte order, so the mirror's unique index on
    ``external_id`` grows at its right edge: with random ids every page's rows landed on pages
    all over that index, and its upkeep grew faster than the mirror (bench/growth.py). Each id
    keeps 78 random bits (13 characters) after its time, from one read of the OS's random
    source for all of them (one system call instead of one per observation). Raises nothing.
    """
    if count <= 0:
        return []
    now, digits = time.time_ns() // 1_000_000, []
    for _ in range(_TIME_CHARS):
        now, digit = divmod(now, 62)
        digits.append(_DIGITS[digit])
    prefix, rest = "".join(reversed(digits)), 21 - _TIME_CHARS
    pool = os.urandom(count * rest).translate(_NANOID_BYTES).decode("ascii")
    return [prefix + pool[i : i + rest] for i in range(0, count * rest, rest)]


def observation_type(event: SourceEvent) -> str:
    """Production's ``deriveObservationType``: Vercel's first '.' becomes '_'."""
    if event.source == "vercel":
        return event.sourceType.replace(".", "_", 1)
    return event.sourceType


def json_text(value: Any) -> str:
    """Compact JSON text (no spaces, non-ASCII kept), as the mirror stores lists."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _json_of(value: Any) -> str:
    """Compact JSON of models, lists and dicts, ``None`` fields left out (pydantic's encoder)."""
    global _to_json
    if _to_json is None:  # bound on first use, not at the top: `runs` and the app never need it
        from pydantic_core import to_json

        _to_json = to_json
    return str(_to_json(value, exclude_none=True).decode())


_to_json: Any = None


_written: tuple[Callable[[Any], str], Callable[[Any], str]] | None = None


def _writers() -> tuple[Callable[[Any], str], Callable[[Any], str]]:
    """(``models.actor_json``, ``models.references_json``), bound on first use: the models
    load with the engine, whose events come here, not with every open of a mirror."""
    global _written
    if _written is None:
        from ..models import actor_json, references_json

        _written = actor_json, references_json
    return _written


def observation_row(
    event: SourceEvent, workspace: str, run_id: str, at: str, external_id: str | None = None
) -> tuple[Any, ...]:
    """The mirror's columns (``schema.ROW_COLUMNS``, in order) of one observation stored by run
    ``run_id`` at ``at`` (ISO 8601); ``external_id``: its public id (default a new nanoid)."""
    actor_json, references_json = _written or _writers()
    return (
        external_id or nanoid(),
        workspace,
        event.source,
        event.sourceType,
        event.sourceId,
        observation_type(event),
        event.title,
        event.body,
        actor_json(event.actor) if event.actor is not None else None,
        references_json(event.references),
        _json_of(event.metadata),
        event.occurredAt,
        at,
        at,
        score(event),
        run_id,
    )
