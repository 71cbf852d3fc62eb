"""The two transports of a recording, both below :class:`ResilientTransport`.

:class:`RecordingTransport` wraps the inner transport of a live run (the network or the
simulator) and hands every exchange, scrubbed, to a sink: answers, 5xx, rate limits and dropped
connections exactly as they happened, retries included. :class:`ReplayTransport` answers from a
recording: requests are matched by method, scrubbed URL and request body, and repeated identical
requests get the recorded answers in their recorded order, so retries and waits replay too.
"""

from __future__ import annotations

import json
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable

import httpx

from ..http import ApiError
from .fileformat import Exchange
from .scrub import scrub_headers, scrub_text, scrub_url

ExchangeSink = Callable[[Exchange], None]
Key = tuple[str, str, str]


class RecordingMismatch(ApiError):
    """The replay asked for something the recording has no (more) answers for."""


def scrub_body(data: bytes, extra: Iterable[str] = ()) -> bytes:
    """A request or response body with credentials masked (binary bodies byte for byte)."""
    if not data:
        return data
    try:
        return scrub_text(data.decode("utf-8"), extra).encode("utf-8")
    except UnicodeDecodeError:
        return scrub_text(data.decode("latin-1"), extra).encode("latin-1")


def body_key(body: bytes | None) -> str:
    """The request body as matched: JSON canonicalised (key order, spacing), else as is."""
    if not body:
        return ""
    try:
        return json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"))
    except ValueError:
        return body.decode("latin-1")


def request_key(method: str, url: str, body: bytes | None) -> Key:
    return (method.upper(), url, body_key(body))


class RecordingTransport(httpx.AsyncBaseTransport):
    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        sink: ExchangeSink,
        *,
        start: float,
        secrets: Iterable[str] = (),
        next_seq: Callable[[], int],
    ) -> None:
        self._inner = inner
        self._sink = sink
        self._start = start
        self._secrets = tuple(secrets)
        self._next_seq = next_seq

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        began = time.perf_counter()
        try:
            response = await self._inner.handle_async_request(request)
            await response.aread()
        except httpx.TransportError as exc:
            self._record(request, body, began, None, exc)
            raise
        self._record(request, body, began, response, None)
        return response

    def _record(
        self,
        request: httpx.Request,
        body: bytes,
        began: float,
        response: httpx.Response | None,
        error: httpx.TransportError | None,
    ) -> None:
        secrets = self._secrets
        self._sink(
            Exchange(
                seq=self._next_seq(),
                method=request.method,
                url=scrub_url(request.url, secrets),
                body=scrub_body(body, secrets) or None,
                status=response.status_code if response is not None else None,
                headers=scrub_headers(response.headers.multi_items(), secrets)
                if response is not None
                else [],
                content=scrub_body(response.content, secrets) if response is not None else b"",
                error=(type(error).__name__, scrub_text(str(error), secrets))
                if error is not None
                else None,
                started=began - self._start,
                elapsed=time.perf_counter() - began,
            )
        )

    async def aclose(self) -> None:
        await self._inner.aclose()


def _error(exchange: Exchange, request: httpx.Request) -> httpx.TransportError:
    name, message = exchange.error or ("TransportError", "")
    kind = getattr(httpx, name, None)
    if not (isinstance(kind, type) and issubclass(kind, httpx.TransportError)):
        kind = httpx.TransportError
    return kind(message, request=request)


def _operation(body: str) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    name = data.get("operationName") if isinstance(data, dict) else None
    return f" (operation {name})" if isinstance(name, str) and name else ""


class ReplayTransport(httpx.AsyncBaseTransport):
    """Answers from recorded exchanges; one instance serves every source of a replay."""

    def __init__(self, exchanges: Iterable[Exchange]) -> None:
        self._answers: dict[Key, deque[Exchange]] = {}
        for exchange in sorted(exchanges, key=lambda e: e.seq):
            key = request_key(exchange.method, exchange.url, exchange.body)
            self._answers.setdefault(key, deque()).append(exchange)
        self._served: Counter[Key] = Counter()
        self.unanswered: list[str] = []

    @property
    def remaining(self) -> int:
        """Recorded answers not asked for (a faithful replay leaves none)."""
        return sum(len(q) for q in self._answers.values())

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = scrub_body(await request.aread())
        url = scrub_url(request.url)
        key = request_key(request.method, url, body)
        queue = self._answers.get(key)
        if not queue:
            raise self._mismatch(key, url)
        exchange = queue.popleft()
        self._served[key] += 1
        if exchange.error is not None or exchange.status is None:
            raise _error(exchange, request)
        return httpx.Response(
            exchange.status, headers=exchange.headers, content=exchange.content, request=request
        )

    def _mismatch(self, key: Key, url: str) -> RecordingMismatch:
        method, _, body = key
        parsed = httpx.URL(url)
        target = parsed.raw_path.decode("ascii", "replace")
        what = f"{method} {target}{_operation(body)}"
        served = self._served[key]
        if served:
            detail = f"; it holds {served} answer(s) for it and all were used"
        elif any(k[0] == method and k[1] == url for k in self._answers):
            detail = "; it has this request only with a different body"
        else:
            detail = ""
        self.unanswered.append(what)
        return RecordingMismatch(f"the recording has no answer for {what}{detail}")

    async def aclose(self) -> None:  # shared by every source of the replay
        return None
