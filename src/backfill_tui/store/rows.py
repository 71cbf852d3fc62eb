"""An observation as the mirror stores it: the row's columns from a ``SourceEvent``, in
production's shapes (public id, derived observation type, compact JSON, significance score).
"""

from __future__ import annotations

import json
import os
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
]

_NANOID = "useandom-26T198340PX75pxJACKVERYMINDBUSHWOLF_GQZbfghjklqvwyzrict"
#: byte b -> the alphabet's character b & 63, for bytes.translate
_NANOID_BYTES = bytes(ord(_NANOID[b & 63]) for b in range(256))


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def nanoid(size: int = 21) -> str:
    """A 21-character URL-safe public id, like production's ``nanoid()``."""
    return "".join(_NANOID[b & 63] for b in os.urandom(size))


def nanoids(count: int, size: int = 21) -> list[str]:
    """``count`` ids as :func:`nanoid` makes them, from one read of the OS's random source (a
    page's worth at once: one system call instead of one per observation)."""
    pool = os.urandom(count * size).translate(_NANOID_BYTES).decode("ascii")
    return [pool[i : i + size] for i in range(0, count * size, size)]


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


def observation_row(
    event: SourceEvent, workspace: str, run_id: str, at: str, external_id: str | None = None
) -> tuple[Any, ...]:
    """The mirror's columns (``schema.ROW_COLUMNS``, in order) of one observation stored by run
    ``run_id`` at ``at`` (ISO 8601); ``external_id``: its public id (default a new nanoid)."""
    return (
        external_id or nanoid(),
        workspace,
        event.source,
        event.sourceType,
        event.sourceId,
        observation_type(event),
        event.title,
        event.body,
        _json_of(event.actor) if event.actor is not None else None,
        _json_of(event.references),
        _json_of(event.metadata),
        event.occurredAt,
        at,
        at,
        score(event),
        run_id,
    )
