"""Inngest's event API as a client: ``POST {BASE}/e/{EVENT_KEY}`` with a JSON array of events.

Shared by ``export inngest`` (:mod:`.inngest`, one ``observation.capture`` per observation) and
``trigger`` (:mod:`.trigger`, one ``backfill.requested`` per integration). It owns everything
that touches the wire and the key:

- the key sits in the URL path, so it is registered with ``secrets_registry`` (raw and
  percent-encoded) and never formatted into a message; httpx's own request log is filtered;
  the base URL is checked and named by :mod:`.event_endpoint`;
- requests of at most :data:`~.event_batches.MAX_EVENTS` events and
  :data:`~.event_batches.MAX_REQUEST_BYTES` bytes, cut by :mod:`.event_batches` (Inngest's
  documented limits are there);
- a 429 or 5xx answer (but 501 and 505: the server does not take a POST there) or a
  dropped connection is retried with exponential backoff and full
  jitter, or after the ``Retry-After`` the server asks for where that is longer (never sooner
  than the backoff: :meth:`RetryPolicy.wait`), a bounded number of times; each
  wait is said before it starts (``on_retry``, a :class:`RetryNotice`), so a face can show it:
  a server asking for 120 s between five tries had a command sit silent for ten minutes; so is
  a request still unanswered after :data:`SILENCE_NOTICE_S` (a :class:`WaitNotice`);
- a 413 (request too large) splits the batch and sends the halves again, under the limit the
  answer states where it states one (``"max 262144 bytes"``, ``"256KB"``), else under half the
  refused size; the lower limit is kept for the rest of the session. An event too large for a
  request on its own is handed to the caller's ``refit`` (which shortens it or refuses it).

Errors: :class:`~.common.ExportError` (one line, never the key) for a bad key or URL, a refused
key (401/403), a rejected request, a TLS handshake that failed (a plain-http server at an
``https://`` URL, a certificate not trusted: at once, not retried), or a server still failing
after the retries. What an answer says (whether a 2xx took the events, a TLS failure, a stated
limit, the server's error text) is read by :mod:`.event_answers`.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Generic
from urllib.parse import quote

import httpx

from ..http.tls import tls_failure
from ..http.transport import describe_transport_error
from ..secrets_registry import RedactingFilter, redact, register
from .event_answers import check_accepted, described, refusal, stated_limit
from .event_batches import (
    MAX_EVENTS,
    MAX_REQUEST_BYTES,
    MIN_REQUEST_BYTES,
    E,
    batches,
    request_body,
)
from .event_endpoint import DEFAULT_BASE_URL, endpoint, ledger_target
from .target import ExportError, RetryNotice, SendNotice, Stopped, WaitNotice
from .values import Refused

log = logging.getLogger("backfill_tui.export")

TIMEOUT_S = 30.0
#: Seconds a request goes without an answer before that is said (:class:`~.target.WaitNotice`):
#: long enough that a working Inngest (well under a second) never says it, short enough that a
#: silent server does not look like a frozen command for the whole :data:`TIMEOUT_S`.
SILENCE_NOTICE_S = 5.0
#: Seconds a request under way is given to be answered once sending is asked to stop.
STOP_GRACE_S = 2.0


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry a 429, a 5xx or a dropped connection."""

    attempts: int = 6
    base_s: float = 0.5
    cap_s: float = 30.0
    max_retry_after_s: float = 120.0

    def backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2**(attempt-1))]."""
        return random.uniform(0, min(self.cap_s, self.base_s * 2 ** (attempt - 1)))

    def retry_after(self, header: str | None) -> float | None:
        """The seconds a ``Retry-After`` header asks for (RFC 9110 §10.2.3: a number of
        seconds or an HTTP date), from 0 up to :attr:`max_retry_after_s`; None where there is
        none or it cannot be read. A date in the past or a negative number reads as 0."""
        if not header:
            return None
        try:
            seconds = float(header)
        except ValueError:
            try:
                when = parsedate_to_datetime(header)
            except (TypeError, ValueError):
                return None
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            seconds = (when - datetime.now(UTC)).total_seconds()
        return min(max(seconds, 0.0), self.max_retry_after_s)

    def wait(self, attempt: int, header: str | None) -> float:
        """Seconds to wait before trying again after try number ``attempt`` (1-based), when the
        answer carried ``Retry-After: header`` (None: it had none, or there was no answer): what
        the header asks for (:meth:`retry_after`, at most :attr:`max_retry_after_s`), but never
        less than the ordinary :meth:`backoff` for that attempt.

        Why a floor: ``Retry-After: 0``, a negative number or a date already past asks for no
        wait at all; taken at its word, all the tries were spent within a second against a
        server that had just said it was overloaded, and the export failed where the backoff
        would have ridden out a few seconds' trouble (a fresh tester's finding). RFC 9110
        §10.2.3 makes the header how long the client "ought to wait", so waiting longer is
        within it; the backoff is the wait the same failure gets without the header."""
        floor = self.backoff(attempt)
        asked = self.retry_after(header)
        return floor if asked is None else max(asked, floor)


@dataclass
class Delivery(Generic[E]):
    """What one :meth:`EventApi.send` did: the events Inngest took, those refused (with the
    reason) and those ``refit`` changed to fit a request (also in ``delivered``, as sent)."""

    delivered: list[E] = field(default_factory=list)
    refused: list[tuple[E, str]] = field(default_factory=list)
    refitted: list[E] = field(default_factory=list)

    def merge(self, more: Delivery[E]) -> None:
        self.delivered.extend(more.delivered)
        self.refused.extend(more.refused)
        self.refitted.extend(more.refitted)


class EventApi:
    """One Inngest event API endpoint and key; :meth:`open` before :meth:`send`.

    ``base_url``: Inngest Cloud (``https://inn.gs``) or a dev server. Raises
    :class:`ExportError` for a key or URL that cannot be one (before anything is sent).
    ``requests`` and ``retries`` count HTTP requests made and retried since creation."""

    def __init__(
        self,
        event_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        retry: RetryPolicy | None = None,
        max_bytes: int = MAX_REQUEST_BYTES,
        max_events: int = MAX_EVENTS,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        user_agent: str = "backfill-tui",
        stop: Callable[[], bool] | None = None,
        on_retry: Callable[[SendNotice], object] | None = None,
    ) -> None:
        key = event_key.strip()
        register(key)
        register(quote(key, safe=""))
        if not key or any(c.isspace() or c in "/?#" for c in key):
            raise ExportError("--event-key is not an Inngest event key; copy it again")
        self.host, base = endpoint(base_url)
        #: What the ledgers record deliveries to (:func:`ledger_target`).
        self.ledger_id = ledger_target(self.host, key)
        self._url = f"{base}/e/{quote(key, safe='')}"
        self.retry = retry or RetryPolicy()
        self.max_bytes = max_bytes
        self.max_events = max_events
        self._transport = transport
        self._sleep = sleep
        self._user_agent = user_agent
        #: True once sending should stop (a quit): a retry's wait ends early and no more tries
        #: are made (:class:`Stopped`); a quit waited out six 30 s timeouts (a fresh tester).
        self.stop = stop
        #: Told each retry before its wait starts (a :class:`RetryNotice`), and of a request
        #: with no answer after :data:`SILENCE_NOTICE_S` (a :class:`WaitNotice`, once per
        #: request): a face shows it; the log has it anyway.
        self.on_retry = on_retry
        self._client: httpx.Client | None = None
        self.requests = 0
        self.retries = 0

    @property
    def where(self) -> str:
        """``Inngest at HOST[:PORT]``: how messages name the endpoint (never with the key)."""
        return f"Inngest at {self.host}"

    def open(self) -> None:
        if self._client is not None:
            return
        httpx_log = logging.getLogger("httpx")  # it logs request URLs, and ours holds the key
        if not any(isinstance(f, RedactingFilter) for f in httpx_log.filters):
            httpx_log.addFilter(RedactingFilter())
        self._client = httpx.Client(
            transport=self._transport,
            timeout=TIMEOUT_S,
            headers={"content-type": "application/json", "user-agent": self._user_agent},
        )

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def batches(self, events: Sequence[E]) -> list[list[E]]:
        """``events`` cut, in order, into requests within this endpoint's limits."""
        return batches(events, self.max_events, self.max_bytes)

    def send(self, batch: Sequence[E], refit: Callable[[E], E] | None = None) -> Delivery[E]:
        """Send one batch; on a 413, split it under the limit learnt and send the parts.

        ``refit(event)`` returns the event made to fit ``max_bytes`` alone, or raises
        :class:`~.values.Refused` (without ``refit`` such an event is refused). Raises
        :class:`ExportError` when the server refuses for good."""
        assert self._client is not None, "open() first"
        content = request_body(batch)
        response = self._post(content, len(batch))
        if response.status_code != 413:
            return Delivery(delivered=list(batch))
        # Too large: take the limit from the answer, keep it, and send the batch again in parts.
        stated = stated_limit(response, len(content))
        limit = stated if stated is not None else len(content) // 2
        if limit < MIN_REQUEST_BYTES:
            raise ExportError(
                f"{self.where} says even a {len(content)}-byte request is too large ("
                f"{described(response)})"
            )
        self.max_bytes = min(self.max_bytes, limit)
        log.warning(
            "%s refused %d bytes as too large (413); sending in parts of at most %d bytes",
            self.where, len(content), self.max_bytes,
        )  # fmt: skip
        outcome: Delivery[E] = Delivery()
        part: list[E] = []
        size = 2
        for event in batch:
            if event.size + 2 > self.max_bytes:
                try:
                    if refit is None:
                        raise Refused(
                            f"the event is {event.size} bytes, over the {self.max_bytes}-byte "
                            "request limit"
                        )
                    event = refit(event)
                except Refused as exc:
                    outcome.refused.append((event, str(exc)))
                    continue
                outcome.refitted.append(event)
            if part and size + 1 + event.size > self.max_bytes:
                outcome.merge(self.send(part, refit))
                part, size = [], 2
            size += event.size + (1 if part else 0)
            part.append(event)
        if part:  # each part is below the refused size, so this recursion ends
            outcome.merge(self.send(part, refit))
        return outcome

    def _post(self, content: bytes, events: int) -> httpx.Response:
        """POST one request, retrying 429, 5xx (but :data:`~.event_answers.PERMANENT`) and
        dropped connections; a 2xx or a 413 is returned, anything else raises
        :class:`ExportError`."""
        assert self._client is not None
        where = self.where
        last = ""
        for attempt in range(1, self.retry.attempts + 1):
            self.requests += 1
            retry_after: str | None = None
            try:
                response = self._post_once(content, attempt)
            except httpx.TransportError as exc:
                tls = tls_failure(exc)
                if tls is not None:  # it will not mend itself: no retries
                    raise ExportError(f"{where} {tls}") from None
                # in the words a run's retries use ("could not connect"), not httpx's class
                # name: "gave no answer (ConnectError)" (a fresh tester's finding)
                last = describe_transport_error(exc)
            else:
                status = response.status_code
                if 200 <= status < 300:
                    check_accepted(response, events, where)
                    log.info("sent %d events (%d bytes) to %s", events, len(content), where)
                    return response
                if status == 413:
                    return response
                refused = refusal(response, where)  # a 4xx, a 501: trying again will not mend it
                if refused is not None:
                    raise ExportError(refused)
                last = f"answered {described(response)}"
                retry_after = response.headers.get("retry-after")
            if attempt == self.retry.attempts:
                break
            wait = self.retry.wait(attempt, retry_after)
            self._stop_if_asked(last)
            self.retries += 1
            notice = RetryNotice(where, redact(last), attempt, self.retry.attempts - 1, wait)
            log.warning("%s", notice.line())
            if self.on_retry is not None:
                self.on_retry(notice)
            self._wait(wait)
            self._stop_if_asked(last)
        raise ExportError(
            f"{where} still failing after {self.retry.attempts} attempts: the last "
            f"{redact(last)}; try again later"
        )

    def _post_once(self, content: bytes, attempt: int = 1) -> httpx.Response:
        """One POST, try ``attempt`` of the retry policy's. With a ``stop`` or an ``on_retry``,
        the request goes on a thread of its own while this one watches:

        - once ``stop()`` is true, the request under way has :data:`STOP_GRACE_S` to be
          answered; past that it is left to finish alone (its client with it) and
          :class:`Stopped` is raised, so a quit does not wait out a silent server's 30 s
          timeout (a fresh tester's finding). A batch left so is not recorded as sent: the
          next export or trigger sends it again, and Inngest drops the repeat by its event id;
        - after :data:`SILENCE_NOTICE_S` without an answer, ``on_retry`` is told once (a
          :class:`WaitNotice`, from this thread, as a retry is): a server that took the
          connection and said nothing left the command silent for its whole timeout (a fresh
          tester's finding)."""
        client = self._client
        assert client is not None
        stop, told = self.stop, self.on_retry
        if stop is None and told is None:
            return client.post(self._url, content=content)
        answer: list[httpx.Response] = []
        failure: list[BaseException] = []
        done = threading.Event()
        lock = threading.Lock()
        state = {"ended": False, "left": False}

        def post() -> None:
            try:
                answer.append(client.post(self._url, content=content))
            except BaseException as exc:  # handed back to the watching thread
                failure.append(exc)
            finally:
                with lock:
                    state["ended"] = True
                    left = state["left"]
                done.set()
                if left:  # nobody waits for it any more: its client goes with it
                    client.close()

        threading.Thread(target=post, name="inngest-post", daemon=True).start()
        started = time.monotonic()
        silent = told is not None
        while not done.wait(0.1):
            waited = time.monotonic() - started
            if silent and told is not None and waited >= SILENCE_NOTICE_S:
                silent = False  # one line per request
                # the read timeout the client was made with: when the request gives up
                timeout_s = client.timeout.read or TIMEOUT_S
                notice = WaitNotice(self.where, waited, timeout_s, attempt, self.retry.attempts)
                log.info("%s", notice.line())
                told(notice)
            if stop is not None and stop() and not done.wait(STOP_GRACE_S):
                with lock:
                    state["left"] = not state["ended"]
                if state["left"]:
                    self._client = None  # the next open() makes a new one
                    raise Stopped(
                        f"{self.where}: stopped with a batch under way and no answer yet (it "
                        "is not recorded as sent, and is sent again next time)"
                    )
                break  # answered just now: kept
        if failure:
            raise failure[0]
        return answer[0]

    def _stop_if_asked(self, last: str) -> None:
        if self.stop is not None and self.stop():
            raise Stopped(f"{self.where}: stopped while retrying (it {redact(last)})")

    def _wait(self, seconds: float) -> None:
        """``sleep`` for ``seconds``, in slices of at most 0.1 s while a ``stop`` may come."""
        stop = self.stop
        if stop is None:
            self._sleep(seconds)
            return
        end = time.monotonic() + seconds
        while not stop() and (left := end - time.monotonic()) > 0:
            self._sleep(min(left, 0.1))
