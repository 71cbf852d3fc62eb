"""The seam between the simulator and each simulated provider, and the provider registry.

A provider module (``github.py``; later ``vercel.py``, ``linear.py``, ``sentry.py``) subclasses
:class:`ProviderSim` and calls :func:`register` at import time. The :class:`Simulator` routes each
request to a provider by host (then by :meth:`ProviderSim.claims`), applies the cross-cutting
misbehaviour (auth, rate limits, quota, faults) using the provider's own error shapes, and asks
the provider for ground truth when a test wants to know what a backfill should find.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from backfill_tui.simulator.config import SimulatorConfig

__all__ = ["PROVIDERS", "ProviderSim", "QuotaState", "WorldSpec", "json_response", "register"]


@dataclass(frozen=True)
class WorldSpec:
    """What every simulated provider is generated from."""

    seed: int
    anchor: float  # epoch seconds: the newest instant of generated history
    scale: float
    #: The whole configuration, for provider behaviours it selects (``url_prefix``, ...).
    config: SimulatorConfig = field(default_factory=SimulatorConfig)


@dataclass(frozen=True)
class QuotaState:
    """The primary rate-limit bucket as the response headers report it."""

    limit: int
    remaining: int
    reset: int  # epoch seconds

    @property
    def used(self) -> int:
        return self.limit - self.remaining


def json_response(
    status: int, payload: Any, headers: dict[str, str] | None = None, *, floats: bool = True
) -> httpx.Response:
    """A response whose body is compact UTF-8 JSON, as the providers send it.

    Written by pydantic-core's encoder (about 4x ``json.dumps`` on a page of 100 GitHub items),
    with NaN and Infinity as Python writes them; anything it refuses goes through
    ``json.dumps`` as before. ``floats=False`` says the payload holds no float (GitHub's
    lists hold none): orjson then writes it, the very bytes pydantic-core writes for strings,
    ints, booleans, null, lists and dicts with string keys, about 4x faster again (a page of
    100 GitHub items: 1.3 ms, 0.3 ms; bench/pipeline.py). orjson would write NaN as null,
    hence the flag; what it refuses (an int past 64 bits, a lone surrogate, a key that is not
    a string) goes the usual way."""
    body: bytes | None = None
    if not floats:
        import orjson

        try:
            body = orjson.dumps(payload)
        except TypeError:  # orjson.JSONEncodeError
            body = None
    if body is None:
        from pydantic_core import to_json

        try:
            body = to_json(payload, inf_nan_mode="constants")
        except ValueError:
            body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    merged = {"content-type": "application/json; charset=utf-8"}
    merged.update(headers or {})
    return httpx.Response(status, headers=merged, content=body)


class ProviderSim(ABC):
    """One simulated provider API: its endpoints, error shapes and ground truth."""

    name: str = ""
    hosts: tuple[str, ...] = ()

    def claims(self, request: httpx.Request) -> bool:
        """Whether a request to an unknown host (a configured base URL) is for this provider."""
        return False

    @abstractmethod
    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer a well-behaved request (no faults, quota available)."""

    @abstractmethod
    def ground_truth(self, target: str, cutoff: datetime, entities: set[str] | None) -> set[str]:
        """The sourceIds a correct backfill of ``target`` since ``cutoff`` stores."""

    @abstractmethod
    def min_pages(self, target: str, entity: str, cutoff: datetime) -> int:
        """The fewest 100-item pages a correct backfill of one stream must fetch."""

    def authorized(self, header: str | None, token: str) -> bool:
        """Whether an ``Authorization`` header carries the configured token (as ``Bearer``)."""
        return header == f"Bearer {token}"

    # Error shapes; override to match the provider's real answers.
    def bad_credentials(self) -> httpx.Response:
        return json_response(401, {"message": "Unauthorized"})

    def rate_limited(
        self, secondary: bool, retry_after: int, secondary_retry_after: int = 0
    ) -> httpx.Response:
        return json_response(
            429, {"message": "Too Many Requests"}, {"retry-after": str(retry_after)}
        )

    def quota_exceeded(self) -> httpx.Response:
        return json_response(429, {"message": "Quota exceeded"})

    def server_error(self, variant: int) -> httpx.Response:
        if variant % 2 == 0:
            return httpx.Response(
                502,
                headers={"content-type": "text/html"},
                content=b"<html><body><h1>502 Bad Gateway</h1></body></html>",
            )
        return json_response(503, {"message": "Service Unavailable"})

    def conditional(self, request: httpx.Request, response: httpx.Response) -> httpx.Response:
        """A 304 Not Modified in place of ``response`` when the request's ``If-None-Match``
        names its validator; providers without ETags answer as usual (the default)."""
        return response

    def grow(self, items: int, now: float, *, dated_days_ago: float = 0) -> None:
        """Add ``items`` new items dated ``now`` (the simulator's :meth:`Simulator.grow`)."""
        raise ValueError(f"the simulated {self.name or 'provider'} cannot grow its world yet")

    def begin(self, quota: QuotaState, now: float) -> None:  # noqa: B027 - optional hook
        """Told before each request is answered: the hour's quota window and the time."""

    def finish(
        self, response: httpx.Response, quota: QuotaState, request_id: str, now: float
    ) -> httpx.Response:
        """Add the headers every response of this provider carries."""
        return response


ProviderFactory = Callable[[WorldSpec], ProviderSim]
PROVIDERS: dict[str, ProviderFactory] = {}


def register(name: str, factory: ProviderFactory) -> None:
    """Make a provider available to every :class:`Simulator` created afterwards."""
    PROVIDERS[name] = factory
