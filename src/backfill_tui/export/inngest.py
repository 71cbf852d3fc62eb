"""Export to production's event pipeline: one ``apps-console/neural/observation.capture`` per row.

Each mirror observation becomes the event production's webhook route sends
(lightfast-data-model.md §7): ``data = {workspaceId, clerkOrgId?, sourceEvent, ingestionSource:
"backfill"}``, the SourceEvent rebuilt from the row. The event ``id`` is derived from the
workspace and sourceId, so Inngest drops a repeat (its event-id dedup) and production's
capture workflow, keyed on the sourceId, stores it once.

Events go to Inngest's event API, ``POST {BASE}/e/{EVENT_KEY}`` with a JSON array, in requests
of at most 100 events and 250,000 bytes: Inngest's documented request limit is 256 KB on the
free tier (512 KB on older plans, up to 3 MB on request) and 5,000 events. A 429 or 5xx answer
or a dropped connection is retried with exponential backoff and full jitter, or after the
``Retry-After`` the server asks for, a bounded number of times. A 413 (request too large)
splits the batch and sends the halves again, under the limit the answer states where it states
one (``"max 262144 bytes"``, ``"256KB"``), else under half the refused size; the lower limit is
kept for the rest of the export. An event too large for a request on its own has its body
shortened (ending in "...", as production's sanitiser does) and the change is counted.

Why httpx rather than the official ``inngest`` SDK: the SDK's ``send`` posts the list it is given
as one request (no size-bounded batching), retries only 5xx and transport errors, not 429, and
ignores ``Retry-After``; it also reads its own environment (dev-server mode, base URLs) and
builds a full client meant for serving functions. We need all three of the first, and the event
key sits in the URL path, so we want to own every log and error line that could carry it: the
key is registered with ``secrets_registry`` and never formatted into a message.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from ..secrets_registry import RedactingFilter, redact, register
from ..store.exports import ObservationRow
from .target import ExportError, ExportTarget, Prepared, Sent
from .values import Refused

log = logging.getLogger("backfill_tui.export")

DEFAULT_BASE_URL = "https://inn.gs"
EVENT_NAME = "apps-console/neural/observation.capture"
MAX_REQUEST_BYTES = 250_000
MAX_EVENTS = 100
TIMEOUT_S = 30.0
#: Below this, a 413 is not a size problem we can split our way out of.
MIN_REQUEST_BYTES = 1024
SHORTENED = "body shortened to fit Inngest's request limit"
_SIZE = re.compile(r"(\d[\d,_]*(?:\.\d+)?)\s*(kib|kb|k|mib|mb|m|bytes|byte|b)?\b", re.I)
_UNITS = {"k": 1000, "kb": 1000, "kib": 1024, "m": 10**6, "mb": 10**6, "mib": 2**20}


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


def event_id(workspace: str, source_id: str) -> str:
    """A stable event id per (workspace, sourceId): the same observation is always the same event."""
    digest = hashlib.sha256(f"{workspace}\n{source_id}".encode()).hexdigest()
    return f"backfill-{digest[:40]}"


def source_event(row: ObservationRow) -> dict[str, Any]:
    """The SourceEvent production's transformers made, rebuilt from a mirror row."""
    event: dict[str, Any] = {
        "source": row.source,
        "sourceType": row.source_type,
        "sourceId": row.source_id,
        "title": row.title,
        "body": row.content,
    }
    if row.actor:
        event["actor"] = json.loads(row.actor)
    event["occurredAt"] = row.occurred_at
    event["references"] = json.loads(row.source_references) if row.source_references else []
    event["metadata"] = json.loads(row.metadata) if row.metadata else {}
    return event


def capture_event(row: ObservationRow, workspace: str, clerk_org: str | None) -> dict[str, Any]:
    data: dict[str, Any] = {"workspaceId": workspace}
    if clerk_org:
        data["clerkOrgId"] = clerk_org
    data["sourceEvent"] = source_event(row)
    data["ingestionSource"] = "backfill"
    return {"id": event_id(workspace, row.source_id), "name": EVENT_NAME, "data": data}


def _encode(event: dict[str, Any]) -> bytes:
    return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()


class InngestTarget(ExportTarget):
    """Inngest's event API at ``base_url`` (Inngest Cloud by default, or a dev server)."""

    kind = "inngest"
    skip_reason = "already sent (recorded in the mirror)"
    uses_ledger = True

    def __init__(
        self,
        event_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        clerk_org: str | None = None,
        retry: RetryPolicy | None = None,
        max_bytes: int = MAX_REQUEST_BYTES,
        max_events: int = MAX_EVENTS,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        key = event_key.strip()
        register(key)
        register(quote(key, safe=""))
        if not key or any(c.isspace() or c in "/?#" for c in key):
            raise ExportError("--event-key is not an Inngest event key; copy it again")
        parts = urlsplit(base_url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ExportError(f"--url must be an http(s) URL such as {DEFAULT_BASE_URL}")
        self._host = parts.hostname + (f":{parts.port}" if parts.port else "")
        self._url = f"{parts.scheme}://{self._host}{parts.path.rstrip('/')}/e/{quote(key, safe='')}"
        self.clerk_org = clerk_org
        self.retry = retry or RetryPolicy()
        self.max_bytes = max_bytes
        self.max_events = max_events
        self.max_batch_rows = max_events
        self.max_batch_bytes = max_bytes
        self._transport = transport
        self._sleep = sleep
        self._client: httpx.Client | None = None
        self.requests = 0
        self.retries = 0

    @property
    def target_id(self) -> str:
        return self._host

    def open(self, *, apply: bool) -> None:
        if not apply:
            return  # a dry run sends nothing, so it needs no client
        httpx_log = logging.getLogger("httpx")  # it logs request URLs, and ours holds the key
        if not any(isinstance(f, RedactingFilter) for f in httpx_log.filters):
            httpx_log.addFilter(RedactingFilter())
        self._client = httpx.Client(
            transport=self._transport,
            timeout=TIMEOUT_S,
            headers={"content-type": "application/json", "user-agent": "backfill-tui export"},
        )

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def present(self, workspace: str, source_ids: Sequence[str], recorded: set[str]) -> set[str]:
        # Inngest cannot be asked what it has seen; the mirror's ledger says what was sent.
        return recorded

    def prepare(
        self, workspace: str, row: ObservationRow, *, checked: bool = False
    ) -> tuple[Prepared, list[str]]:
        """The encoded event; its body is shortened if the event alone would not fit a request."""
        data = _encode(capture_event(row, workspace, self.clerk_org))
        if len(data) + 2 <= self.max_bytes:
            return Prepared(row, data, len(data)), []
        return Prepared(row, *self._shortened(row, workspace)), [SHORTENED]

    def _shortened(self, row: ObservationRow, workspace: str) -> tuple[bytes, int]:
        room = self.max_bytes - 2

        def encoded(keep: int) -> bytes:
            body = row.content[:keep] + "..." if keep < len(row.content) else row.content
            event = capture_event(row, workspace, self.clerk_org)
            event["data"]["sourceEvent"]["body"] = body
            return _encode(event)

        if len(encoded(0)) > room:
            raise Refused(
                f"the event is {len(encoded(0))} bytes even without its body, over the "
                f"{self.max_bytes}-byte request limit"
            )
        low, high = 0, len(row.content) - 1  # the longest prefix that fits
        while low < high:
            middle = (low + high + 1) // 2
            if len(encoded(middle)) <= room:
                low = middle
            else:
                high = middle - 1
        data = encoded(low)
        return data, len(data)

    def body(self, batch: Sequence[Prepared]) -> bytes:
        return b"[" + b",".join(p.payload for p in batch) + b"]"

    def stats(self) -> dict[str, Any]:
        return {"requests": self.requests, "retries": self.retries, "max_bytes": self.max_bytes}

    def send(self, workspace: str, batch: Sequence[Prepared]) -> Sent:
        assert self._client is not None, "open(apply=True) first"
        content = self.body(batch)
        where = f"Inngest at {self._host}"
        response = self._post(content, len(batch), where)
        if response.status_code != 413:
            return Sent(delivered=[p.row for p in batch])
        # Too large: take the limit from the answer, keep it, and send the batch again in parts.
        stated = _stated_limit(response, len(content))
        limit = stated if stated is not None else len(content) // 2
        if limit < MIN_REQUEST_BYTES:
            raise ExportError(
                f"{where} says even a {len(content)}-byte request is too large (413: "
                f"{_why(response)})"
            )
        self.max_bytes = self.max_batch_bytes = min(self.max_bytes, limit)
        log.warning(
            "%s refused %d bytes as too large (413); sending in parts of at most %d bytes",
            where, len(content), self.max_bytes,
        )  # fmt: skip
        outcome = Sent(delivered=[])
        part: list[Prepared] = []
        size = 2
        for prepared in batch:
            if prepared.size + 2 > self.max_bytes:
                try:
                    data, length = self._shortened(prepared.row, workspace)
                except Refused as exc:
                    outcome.refused.append((prepared.row.source_id, str(exc)))
                    continue
                prepared = Prepared(prepared.row, data, length)
                outcome.changes.append(SHORTENED)
            if part and size + 1 + prepared.size > self.max_bytes:
                self._merge(outcome, self.send(workspace, part))
                part, size = [], 2
            size += prepared.size + (1 if part else 0)
            part.append(prepared)
        if part:  # each part is below the refused size, so this recursion ends
            self._merge(outcome, self.send(workspace, part))
        return outcome

    @staticmethod
    def _merge(into: Sent, more: Sent) -> None:
        into.delivered.extend(more.delivered)
        into.refused.extend(more.refused)
        into.changes.extend(more.changes)

    def _post(self, content: bytes, events: int, where: str) -> httpx.Response:
        """POST one request, retrying 429, 5xx and dropped connections; a 2xx or a 413 is
        returned, anything else raises :class:`ExportError`."""
        assert self._client is not None
        last = ""
        for attempt in range(1, self.retry.attempts + 1):
            self.requests += 1
            delay: float | None = None
            try:
                response = self._client.post(self._url, content=content)
            except httpx.TransportError as exc:
                last = f"no answer: {type(exc).__name__}"
            else:
                status = response.status_code
                if 200 <= status < 300:
                    self._check_accepted(response, events, where)
                    log.info("sent %d events (%d bytes) to %s", events, len(content), where)
                    return response
                if status == 413:
                    return response
                if status in (401, 403):
                    raise ExportError(
                        f"{where} refused the event key ({status}); check --event-key"
                    )
                if status != 429 and status < 500:
                    raise ExportError(f"{where} rejected the events ({status}: {_why(response)})")
                last = f"{status}: {_why(response)}"
                delay = self.retry.retry_after(response.headers.get("retry-after"))
            if attempt == self.retry.attempts:
                break
            wait = delay if delay is not None else self.retry.backoff(attempt)
            self.retries += 1
            log.warning("%s answered %s; retry %d in %.1fs", where, last, attempt, wait)
            self._sleep(wait)
        raise ExportError(
            f"{where} still failing after {self.retry.attempts} attempts ({redact(last)}); "
            "try again later"
        )

    @staticmethod
    def _check_accepted(response: httpx.Response, expected: int, where: str) -> None:
        try:
            payload = response.json()
        except ValueError:
            return  # a 2xx is acceptance; the body is informative only
        if isinstance(payload, dict) and payload.get("error"):
            raise ExportError(f"{where} did not take the events: {_why(response)}")
        ids = payload.get("ids") if isinstance(payload, dict) else None
        if isinstance(ids, list) and len(ids) != expected:
            log.warning("%s acknowledged %d of %d events", where, len(ids), expected)


def _stated_limit(response: httpx.Response, refused: int) -> int | None:
    """The request-size limit a 413 answer states (``max 262144 bytes``, ``256KB``, ``1 MiB``;
    KB and MB read as powers of 1000, the smaller reading): the largest size it names below the
    ``refused`` request's size, or None where it names none."""
    sizes: list[int] = []
    for number, unit in _SIZE.findall(_why(response)):
        try:
            value = float(number.replace(",", "").replace("_", ""))
        except ValueError:
            continue
        size = int(value * _UNITS.get(unit.lower(), 1)) if unit else int(value)
        if (unit or size >= MIN_REQUEST_BYTES) and MIN_REQUEST_BYTES <= size < refused:
            sizes.append(size)
    return max(sizes) if sizes else None


def _why(response: httpx.Response) -> str:
    """The server's error text, one short redacted line."""
    try:
        payload = response.json()
        text = str(payload.get("error") or payload) if isinstance(payload, dict) else str(payload)
    except ValueError:
        text = response.text or response.reason_phrase
    return redact(" ".join(text.split())[:200])
