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
``Retry-After`` the server asks for, a bounded number of times.

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
from .common import ExportError, ExportTarget

log = logging.getLogger("backfill_tui.export")

DEFAULT_BASE_URL = "https://inn.gs"
EVENT_NAME = "apps-console/neural/observation.capture"
MAX_REQUEST_BYTES = 250_000
MAX_EVENTS = 100
TIMEOUT_S = 30.0


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

    def present(
        self, workspace: str, rows: Sequence[ObservationRow], recorded: set[str]
    ) -> set[str]:
        # Inngest cannot be asked what it has seen; the mirror's ledger says what was sent.
        return {r.source_id for r in rows if r.source_id in recorded}

    def batches(self, workspace: str, rows: Sequence[ObservationRow]) -> list[list[ObservationRow]]:
        """Greedy batches: at most ``max_events`` events and ``max_bytes`` of JSON array each."""
        out: list[list[ObservationRow]] = []
        current: list[ObservationRow] = []
        size = 2  # "[" and "]"
        for row in rows:
            length = len(_encode(capture_event(row, workspace, self.clerk_org)))
            if length + 2 > self.max_bytes:
                raise ExportError(
                    f"observation {row.source_id} makes an event of {length} bytes, over the "
                    f"{self.max_bytes}-byte request limit; it cannot be sent"
                )
            extra = length + (1 if current else 0)
            if current and (len(current) >= self.max_events or size + extra > self.max_bytes):
                out.append(current)
                current, size, extra = [], 2, length
            current.append(row)
            size += extra
        if current:
            out.append(current)
        return out

    def body(self, workspace: str, batch: Sequence[ObservationRow]) -> bytes:
        events = [_encode(capture_event(r, workspace, self.clerk_org)) for r in batch]
        return b"[" + b",".join(events) + b"]"

    def stats(self) -> dict[str, Any]:
        return {"requests": self.requests, "retries": self.retries}

    def send(self, workspace: str, batch: Sequence[ObservationRow]) -> list[ObservationRow]:
        assert self._client is not None, "open(apply=True) first"
        content = self.body(workspace, batch)
        where = f"Inngest at {self._host}"
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
                    self._check_accepted(response, len(batch), where)
                    log.info("sent %d events (%d bytes) to %s", len(batch), len(content), where)
                    return list(batch)
                if status in (401, 403):
                    raise ExportError(
                        f"{where} refused the event key ({status}); check --event-key"
                    )
                if status == 413:
                    raise ExportError(
                        f"{where} says a {len(content)}-byte request is too large (413)"
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


def _why(response: httpx.Response) -> str:
    """The server's error text, one short redacted line."""
    try:
        payload = response.json()
        text = str(payload.get("error") or payload) if isinstance(payload, dict) else str(payload)
    except ValueError:
        text = response.text or response.reason_phrase
    return redact(" ".join(text.split())[:200])
