"""Events cut into the requests Inngest's event API takes: each event's JSON, a request's body
and the limits a request keeps to.

A request is a JSON array of at most :data:`MAX_EVENTS` events and :data:`MAX_REQUEST_BYTES`
bytes: Inngest's documented request limit is 256 KB on the free tier (512 KB on older plans, up
to 3 MB on request) and 5,000 events. Nothing here touches the wire: a dry run counts its
batches here without a connection (``trigger``'s plan), and :class:`.event_api.EventApi` sends
them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Protocol, TypeVar

MAX_REQUEST_BYTES = 250_000
MAX_EVENTS = 100
#: Below this, a 413 is not a size problem we can split our way out of.
MIN_REQUEST_BYTES = 1024


class Encoded(Protocol):
    """One event ready to send: its JSON bytes and their length."""

    @property
    def payload(self) -> bytes: ...

    @property
    def size(self) -> int: ...


E = TypeVar("E", bound=Encoded)


def batches(
    events: Sequence[E], max_events: int = MAX_EVENTS, max_bytes: int = MAX_REQUEST_BYTES
) -> list[list[E]]:
    """``events`` cut, in order, into requests of at most ``max_events`` events and
    ``max_bytes`` bytes of JSON array (an event larger than that alone is a batch of its own)."""
    out: list[list[E]] = []
    part: list[E] = []
    size = 2
    for event in events:
        if part and (len(part) >= max_events or size + 1 + event.size > max_bytes):
            out.append(part)
            part, size = [], 2
        size += event.size + (1 if part else 0)
        part.append(event)
    if part:
        out.append(part)
    return out


def request_body(batch: Sequence[Encoded]) -> bytes:
    """The JSON array a request carries: the events' bytes joined, 2 + n - 1 bytes of framing."""
    return b"[" + b",".join(e.payload for e in batch) + b"]"


def encode(event: dict[str, Any]) -> bytes:
    """An event as compact UTF-8 JSON (what is sent, and what the byte limit counts)."""
    return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()
