"""Export to production's event pipeline: one ``apps-console/neural/observation.capture`` per row.

Each mirror observation becomes the event production's webhook route sends
(lightfast-data-model.md §7): ``data = {workspaceId, clerkOrgId?, sourceEvent, ingestionSource:
"backfill"}``, the SourceEvent rebuilt from the row. The event ``id`` is derived from the
workspace and sourceId, so Inngest drops a repeat (its event-id dedup) and production's
capture workflow, keyed on the sourceId, stores it once.

Events go to Inngest's event API through :class:`.event_api.EventApi` (shared with
``trigger``): requests of at most 100 events and 250,000 bytes, 429/5xx retried with backoff or
after ``Retry-After``, a 413 split under the limit the answer states. An event too large for a
request on its own has its body shortened (ending in "...", as production's sanitiser does) and
the change is counted.

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
import time
from collections.abc import Callable, Sequence
from typing import Any

import httpx

from ..store.exports import ObservationRow
from .event_api import EventApi, RetryPolicy
from .event_batches import MAX_EVENTS, MAX_REQUEST_BYTES, encode, request_body
from .event_endpoint import DEFAULT_BASE_URL
from .target import ExportTarget, Prepared, SendNotice, Sent
from .values import Refused

__all__ = ["DEFAULT_BASE_URL", "EVENT_NAME", "InngestTarget", "RetryPolicy", "event_id"]

EVENT_NAME = "apps-console/neural/observation.capture"
SHORTENED = "body shortened to fit Inngest's request limit"


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


class InngestTarget(ExportTarget):
    """Inngest's event API at ``base_url`` (Inngest Cloud by default, or a dev server)."""

    kind = "inngest"
    skip_reason = "already sent, as the mirror records"
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
        self.api = EventApi(
            event_key,
            base_url=base_url,
            retry=retry,
            max_bytes=max_bytes,
            max_events=max_events,
            transport=transport,
            sleep=sleep,
            user_agent="backfill-tui export",
        )
        self.clerk_org = clerk_org
        self.max_batch_rows = max_events

    @property
    def max_bytes(self) -> int:
        """The request limit in bytes (lowered for the rest of the export by a 413)."""
        return self.api.max_bytes

    @property
    def max_batch_bytes(self) -> int:  # type: ignore[override]
        return self.api.max_bytes

    @property
    def requests(self) -> int:
        return self.api.requests

    @property
    def retries(self) -> int:
        return self.api.retries

    @property
    def target_id(self) -> str:
        return self.api.ledger_id  # the host and the key's fingerprint (ledger_target)

    def open(self, *, apply: bool) -> None:
        if apply:  # a dry run sends nothing, so it needs no client
            self.api.open()

    def close(self) -> None:
        self.api.close()

    def present(self, workspace: str, source_ids: Sequence[str], recorded: set[str]) -> set[str]:
        # Inngest cannot be asked what it has seen; the mirror's ledger says what was sent.
        return recorded

    def prepare(
        self, workspace: str, row: ObservationRow, *, checked: bool = False
    ) -> tuple[Prepared, list[str]]:
        """The encoded event; its body is shortened if the event alone would not fit a request."""
        data = encode(capture_event(row, workspace, self.clerk_org))
        if len(data) + 2 <= self.max_bytes:
            return Prepared(row, data, len(data)), []
        return Prepared(row, *self._shortened(row, workspace)), [SHORTENED]

    def _shortened(self, row: ObservationRow, workspace: str) -> tuple[bytes, int]:
        room = self.max_bytes - 2

        def encoded(keep: int) -> bytes:
            body = row.content[:keep] + "..." if keep < len(row.content) else row.content
            event = capture_event(row, workspace, self.clerk_org)
            event["data"]["sourceEvent"]["body"] = body
            return encode(event)

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
        return request_body(batch)

    def stats(self) -> dict[str, Any]:
        return {"requests": self.requests, "retries": self.retries, "max_bytes": self.max_bytes}

    def stop_when(self, stop: Callable[[], bool]) -> None:
        self.api.stop = stop  # a retry's wait ends early, and no more tries (EventApi)

    def on_retry(self, told: Callable[[SendNotice], object]) -> None:
        self.api.on_retry = told

    def send(self, workspace: str, batch: Sequence[Prepared]) -> Sent:
        """Send one batch (split on a 413, an event too large alone shortened or refused)."""

        def refit(prepared: Prepared) -> Prepared:
            return Prepared(prepared.row, *self._shortened(prepared.row, workspace))

        done = self.api.send(batch, refit)
        return Sent(
            delivered=[p.row for p in done.delivered],
            refused=[(p.row.source_id, reason) for p, reason in done.refused],
            changes=[SHORTENED] * len(done.refitted),
        )
