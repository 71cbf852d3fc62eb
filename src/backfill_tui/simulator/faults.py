"""Deterministic misbehaviour of the simulated providers: faults and the hourly quota.

:class:`FaultPlan` decides, one draw per request from ``random.Random(seed)``, whether a request
fails and how (the kinds cycle: 5xx, dropped connection, truncated body). :class:`QuotaWindow`
is the primary rate-limit bucket, measured on the simulator's clock. :func:`trickle` is the
``trickle=N`` quirk: a body that never quite finishes. Used by ``simulator.py``.
"""

from __future__ import annotations

import asyncio
import math
import random
from collections.abc import AsyncIterator

import httpx

from backfill_tui.simulator.base import QuotaState

__all__ = ["FAULT_KINDS", "FaultPlan", "QuotaWindow", "drop", "trickle", "truncate"]

# The cycle of injected failures; 5xx alternates between a 502 (HTML) and a 503 (JSON).
FAULT_KINDS = ("http_502", "dropped", "truncated", "http_503", "dropped", "truncated")
QUOTA_WINDOW_S = 3600


class FaultPlan:
    """Which requests fail, reproducible from the seed and the order of requests."""

    def __init__(self, seed: int, rate: float) -> None:
        self._rng = random.Random(seed)
        self._rate = rate
        self._faults = 0

    def draw(self) -> str | None:
        """Advance by one request; the fault kind for it, or ``None``."""
        if self._rng.random() >= self._rate:
            return None
        kind = FAULT_KINDS[self._faults % len(FAULT_KINDS)]
        self._faults += 1
        return kind


class QuotaWindow:
    """``limit`` requests per hour; the hour starts with the first request after a reset."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.remaining = limit
        self.reset_at: int | None = None
        #: Requests counted against the quota since the simulator started (all windows).
        self.spent = 0

    def refresh(self, now: float) -> None:
        if self.reset_at is None or now >= self.reset_at:
            self.remaining = self.limit
            self.reset_at = math.ceil(now + QUOTA_WINDOW_S)

    @property
    def exhausted(self) -> bool:
        return self.remaining <= 0

    def consume(self) -> None:
        self.remaining = max(0, self.remaining - 1)
        self.spent += 1

    def state(self) -> QuotaState:
        return QuotaState(self.limit, self.remaining, self.reset_at or 0)


def drop(request: httpx.Request) -> httpx.RemoteProtocolError:
    """The error a client sees when the server hangs up without answering."""
    return httpx.RemoteProtocolError(
        "Server disconnected without sending a response.", request=request
    )


class _Trickle(httpx.AsyncByteStream):
    """A body sent one byte at a time, ``gap`` seconds apart (real time, like the wire)."""

    def __init__(self, body: bytes, gap: float) -> None:
        self._body, self._gap = body, gap

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for i in range(len(self._body)):
            if i:
                await asyncio.sleep(self._gap)
            yield self._body[i : i + 1]


def trickle(response: httpx.Response, gap: float = 2.0) -> httpx.Response:
    """The same status and headers at once, then the body a byte every ``gap`` seconds.

    httpx's read timeout restarts with every byte, so only a whole-request deadline ends it.
    """
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() != "content-length"]
    return httpx.Response(
        response.status_code, headers=headers, stream=_Trickle(response.content, gap)
    )


def truncate(response: httpx.Response) -> httpx.Response:
    """The same status and headers, but only the first half of the body arrives."""
    body = response.content
    return httpx.Response(
        response.status_code, headers=response.headers, content=body[: len(body) // 2]
    )
