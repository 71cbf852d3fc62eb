"""The two transports of a recording, both below :class:`ResilientTransport`.

:class:`RecordingTransport` wraps the inner transport of a live run (the network or the
simulator) and hands every exchange, scrubbed, to a sink: answers, 5xx, rate limits and dropped
connections exactly as they happened, retries included. :class:`ReplayTransport` answers from a
recording: requests are matched by method, scrubbed URL and request body, and repeated identical
requests get the recorded answers in their recorded order, so retries and waits replay too.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter, deque
from collections.abc import Callable, Hashable, Iterable

import httpx

from ..clock import Clock, ReplayClock
from ..http import ApiError
from ..http.body import BodyTooLarge, UndecodableBody, read_whole
from ..http.ratelimit import JITTER_FRACTION
from ..terms import plural
from .fileformat import Exchange, RunEnd, SpooledRecording
from .scrub import scrub_counted, scrub_headers, scrub_text, scrub_url

ExchangeSink = Callable[[Exchange], None]
Key = tuple[str, str, str]


class RecordingMismatch(ApiError):
    """The replay asked for something the recording has no (more) answers for."""


class RecordingEnded(RecordingMismatch):
    """The replay went past the end of a recording whose run did not complete (cancelled,
    failed, interrupted): not a mismatch but where the recorded run stopped. ``cancelled``: the
    recorded run was cancelled or interrupted (the replay's stream ends cancelled, as its
    original did), else it failed."""

    def __init__(self, end: RunEnd) -> None:
        self.end = end
        self.cancelled = end.status in ("cancelled", "interrupted")
        how = {"cancelled": "was cancelled", "interrupted": "was interrupted"}.get(
            end.status, "failed" if end.status == "failed" else f"ended {end.status}"
        )
        reason = f": {end.reason}" if end.reason and not self.cancelled else ""
        super().__init__(f"the recording ends where its run {how}{reason}")


def scrub_body(data: bytes, extra: Iterable[str] = ()) -> bytes:
    """A request or response body with credentials masked (binary bodies byte for byte)."""
    return scrub_body_counted(data, extra)[0]


def scrub_body_counted(data: bytes, extra: Iterable[str] = ()) -> tuple[bytes, int]:
    """:func:`scrub_body`, and how many token-shaped strings it masked (``scrub_counted``)."""
    if not data:
        return data, 0
    try:
        text, count = scrub_counted(data.decode("utf-8"), extra)
        return text.encode("utf-8"), count
    except UnicodeDecodeError:
        text, count = scrub_counted(data.decode("latin-1"), extra)
        return text.encode("latin-1"), count


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


def jitter_fraction(clock_start: float, seq: int) -> float:
    """The fraction (0 to 1) of a policy's jitter the wait for exchange ``seq`` of a recording
    begun at ``clock_start`` (``RecordingHeader.clock_start``) adds (``http.ratelimit
    .JITTER_FRACTION``): the recorded run and each replay of it draw the same, so a replay
    waits what its run waited; another run's (another start) differs, as jitter should."""
    digest = hashlib.sha256(f"{clock_start!r}/{seq}".encode()).digest()
    return int.from_bytes(digest[:7], "big") / float(1 << 56)


class RecordingTransport(httpx.AsyncBaseTransport):
    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        sink: ExchangeSink,
        *,
        start: float,
        secrets: Iterable[str] = (),
        next_seq: Callable[[], int],
        clock: Clock | None = None,
        clock_start: float = 0.0,
    ) -> None:
        """``start``: ``time.perf_counter()`` when recording began; ``clock`` and
        ``clock_start``: the run's clock and its ``now()`` then, for each answer's ``answered``."""
        self._inner = inner
        self._sink = sink
        self._start = start
        self._secrets = tuple(secrets)
        self._next_seq = next_seq
        self._clock = clock
        self._clock_start = clock_start

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        began = time.perf_counter()
        try:
            response = await self._inner.handle_async_request(request)
            await read_whole(response, request)  # a body that does not decode: an error
        except httpx.TransportError as exc:
            self._record(request, body, began, None, exc)
            raise
        seq = self._record(request, body, began, response, None)
        # the jitter its wait adds, should it ask for one: the replay's is the same
        response.extensions[JITTER_FRACTION] = jitter_fraction(self._clock_start, seq)
        return response

    def _record(
        self,
        request: httpx.Request,
        body: bytes,
        began: float,
        response: httpx.Response | None,
        error: httpx.TransportError | None,
    ) -> int:
        """Hand the exchange to the sink; returns its ``seq``."""
        secrets = self._secrets
        seq = self._next_seq()
        content, masked = (
            scrub_body_counted(response.content, secrets) if response is not None else (b"", 0)
        )
        self._sink(
            Exchange(
                seq=seq,
                method=request.method,
                url=scrub_url(request.url, secrets),
                body=scrub_body(body, secrets) or None,
                status=response.status_code if response is not None else None,
                headers=scrub_headers(response.headers.multi_items(), secrets)
                if response is not None
                else [],
                content=content,
                error=(type(error).__name__, scrub_text(str(error), secrets))
                if error is not None
                else None,
                started=began - self._start,
                elapsed=time.perf_counter() - began,
                answered=self._clock.now() - self._clock_start if self._clock is not None else None,
                masked=masked,
            )
        )
        return seq

    async def aclose(self) -> None:
        await self._inner.aclose()


def _error(exchange: Exchange, request: httpx.Request) -> httpx.TransportError:
    name, message = exchange.error or ("TransportError", "")
    ours = {kind.__name__: kind for kind in (UndecodableBody, BodyTooLarge)}
    kind = ours.get(name) or getattr(httpx, name, None)
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


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def answer_key(method: str, url: str, body: bytes | None) -> bytes:
    """A request's key (:func:`request_key`) as 32 bytes: a digest of method and URL, then one
    of the body. A replay's index holds these, so its memory does not grow with long URLs or
    GraphQL bodies."""
    method, url, body_text = request_key(method, url, body)
    return _digest(f"{method} {url}") + _digest(body_text)


def exchange_key(exchange: Exchange) -> bytes:
    """The :func:`answer_key` of a recorded exchange (``fileformat.open_recording``'s ``key``)."""
    return answer_key(exchange.method, exchange.url, exchange.body)


class ReplayTransport(httpx.AsyncBaseTransport):
    """Answers from recorded exchanges; one instance serves every source of a replay.

    ``exchanges`` is either the exchanges themselves or a :class:`SpooledRecording` (a replay's
    usual source: answers are read from its spool as they are asked for, so memory stays flat
    as recordings grow). Nothing here waits: recorded latency is not re-enacted, and when
    ``clock`` (the replay's :class:`ReplayClock`) is given, each answer moves it forward to the
    instant the original run received it (``clock_start`` + ``Exchange.arrival()``), so waits
    the retry layer computes from reset times are not inflated by the latency a replay skips,
    and once the last answer is served, to the instant the recorded run ended (``RunEnd.ended``),
    so the replay ends when its run did. Each answer carries the jitter fraction its run drew
    (:func:`jitter_fraction`): a wait for it is the run's.
    """

    def __init__(
        self,
        exchanges: Iterable[Exchange] | SpooledRecording,
        *,
        clock: ReplayClock | None = None,
        clock_start: float = 0.0,
        end: RunEnd | None = None,
    ) -> None:
        """``end``: how the recorded run ended (``RecordingHeader.end``); past the last answer
        of a run that did not complete, a request raises :class:`RecordingEnded`."""
        self._load: Callable[[int], Exchange]
        self._end = end
        self._answers: dict[Hashable, deque[int]]
        if isinstance(exchanges, SpooledRecording):
            self._answers = exchanges.index
            self._load = exchanges.exchange
        else:
            ordered = sorted(exchanges, key=lambda e: e.seq)
            self._answers = {}
            for position, exchange in enumerate(ordered):
                self._answers.setdefault(exchange_key(exchange), deque()).append(position)
            self._load = ordered.__getitem__
        self._clock = clock
        self._clock_start = clock_start
        self._left = sum(len(q) for q in self._answers.values())  # answers not yet served
        self._served: Counter[Hashable] = Counter()
        self.unanswered: list[str] = []

    @property
    def remaining(self) -> int:
        """Recorded answers not asked for (a faithful replay leaves none)."""
        return sum(len(q) for q in self._answers.values())

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = scrub_body(await request.aread())
        url = scrub_url(request.url)
        key = answer_key(request.method, url, body)
        queue = self._answers.get(key)
        if not queue:
            if self._end is not None and self._end.status != "completed":
                raise RecordingEnded(self._end)
            raise self._mismatch(key, request.method, url, body)
        exchange = self._load(queue.popleft())
        self._served[key] += 1
        self._left -= 1
        if self._clock is not None:
            self._clock.answered(self._clock_start + exchange.arrival())
            if not self._left and self._end is not None and self._end.ended is not None:
                self._clock.ended(self._clock_start + self._end.ended)  # the recorded end
        if exchange.error is not None or exchange.status is None:
            raise _error(exchange, request)
        # A header's text as recorded: httpx decoded its bytes as UTF-8 (or Latin-1) for the
        # recording, and would encode it back as ASCII, which a non-ASCII value fails.
        headers = httpx.Headers(exchange.headers, encoding="utf-8")
        return httpx.Response(
            exchange.status,
            headers=headers,
            content=exchange.content,
            request=request,
            extensions={JITTER_FRACTION: jitter_fraction(self._clock_start, exchange.seq)},
        )

    def _mismatch(self, key: bytes, method: str, url: str, body: bytes) -> RecordingMismatch:
        parsed = httpx.URL(url)
        target = parsed.raw_path.decode("ascii", "replace")
        what = f"{method.upper()} {target}{_operation(body_key(body))}"
        served = self._served[key]
        if served:
            detail = f"; it holds {plural(served, 'answer')} for it and all were used"
        elif any(isinstance(k, bytes) and k[:16] == key[:16] for k in self._answers):
            detail = "; it has this request only with a different body"
        else:
            detail = ""
        self.unanswered.append(what)
        return RecordingMismatch(f"the recording has no answer for {what}{detail}")

    async def aclose(self) -> None:  # shared by every source of the replay
        return None
