"""``ApiClient``: the one way connectors talk to a REST API.

It owns an ``httpx.AsyncClient`` on top of :class:`ResilientTransport`, joins paths to the
configured base URL, follows a provider's next-page URLs verbatim (after checking their host)
and turns answers a connector cannot use into :mod:`errors` with one clear line.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from .. import __version__
from ..secrets_registry import redact
from .errors import AccessDenied, ApiError, HostNotAllowed, UnexpectedResponse
from .transport import PARSED_JSON, ResilientTransport, origin

USER_AGENT = f"backfill-tui/{__version__} (+https://github.com/lightfastai)"
TIMEOUT = httpx.Timeout(30.0, connect=10.0)


@dataclass(frozen=True)
class ApiResponse:
    """A successful answer: its parsed JSON body, headers and parsed ``Link`` header."""

    url: str
    json: Any
    headers: httpx.Headers
    links: dict[str, dict[str, str]]


def provider_message(body: Any) -> str:
    """The provider's own explanation in an error body (GitHub, Vercel, Sentry shapes)."""
    if isinstance(body, dict):
        for key in ("message", "detail"):
            if isinstance(body.get(key), str):
                return str(body[key])
        error = body.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return str(error["message"])
    return ""


class ApiClient:
    def __init__(
        self,
        *,
        label: str,
        base_url: str,
        transport: ResilientTransport,
        headers: Mapping[str, str] | None = None,
        concurrency: int = 4,
    ) -> None:
        self.label = label
        self.base_url = base_url.rstrip("/")
        self.transport = transport
        self._origin = origin(httpx.URL(self.base_url))
        self._gate = asyncio.Semaphore(concurrency)
        self.http = httpx.AsyncClient(
            base_url=self.base_url,
            transport=transport,
            headers={"User-Agent": USER_AGENT, **(headers or {})},
            timeout=TIMEOUT,
            follow_redirects=False,
            trust_env=False,  # a proxy from the environment must not route around our transport
        )

    def check_next(self, url: str) -> str:
        """Refuse a next-page URL on another host before anything is sent there."""
        parsed = httpx.URL(url)
        if parsed.is_absolute_url and origin(parsed) != self._origin:
            raise HostNotAllowed(
                f"{self.label}: a next-page link points to {parsed.host}; refused, because "
                f"credentials go only to {self._origin[1]}"
            )
        return url

    async def get(self, url: str, params: Mapping[str, Any] | None = None) -> ApiResponse:
        """GET a path (joined to the base URL) or an absolute next-page URL."""
        if url.startswith(("http://", "https://")):
            self.check_next(url)
        async with self._gate:
            response = await self.http.get(url, params=params)
        body = response.extensions.get(PARSED_JSON)
        if response.is_success:
            if body is None and response.content.strip():
                raise UnexpectedResponse(
                    f"{self.label}: {response.request.url.path} answered with something other "
                    "than JSON"
                )
            return ApiResponse(str(response.url), body, response.headers, _links(response))
        raise _error_for(self.label, response, body)

    async def aclose(self) -> None:
        await self.http.aclose()


def _links(response: httpx.Response) -> dict[str, dict[str, str]]:
    try:
        return {str(key): dict(value) for key, value in response.links.items()}
    except Exception:  # a malformed Link header is the provider's problem; treat as no links
        return {}


def _error_for(label: str, response: httpx.Response, body: Any) -> ApiError:
    error = _error_line(label, response, body)
    error.status = response.status_code
    error.said = redact(provider_message(body))[:200]
    error.location = response.headers.get("location")
    return error


def _error_line(label: str, response: httpx.Response, body: Any) -> ApiError:
    status = response.status_code
    path = response.request.url.path
    said = redact(provider_message(body))[:200]
    detail = f": {said}" if said else ""
    if status == 403:
        return AccessDenied(
            f"{label} denied access to {path} (403{detail}); check the token's permissions"
        )
    if status == 404:
        return AccessDenied(
            f"{label} has no {path} (404{detail}); check the target name and that the "
            "token can see it"
        )
    return UnexpectedResponse(f"{label} answered {status} for {path}{detail}")
