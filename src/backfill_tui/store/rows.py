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

__all__ = ["json_text", "nanoid", "now_iso", "observation_row", "observation_type"]

_NANOID = "useandom-26T198340PX75pxJACKVERYMINDBUSHWOLF_GQZbfghjklqvwyzrict"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def nanoid(size: int = 21) -> str:
    """A 21-character URL-safe public id, like production's ``nanoid()``."""
    return "".join(_NANOID[b & 63] for b in os.urandom(size))


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
    from pydantic_core import to_json  # here, not at the top: `runs` and the app never need it

    return to_json(value, exclude_none=True).decode()


def observation_row(event: SourceEvent, workspace: str, run_id: str, at: str) -> tuple[Any, ...]:
    return (
        nanoid(),
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
