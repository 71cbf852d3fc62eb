"""The mirror's ledger of backfills asked of production (``backfill-tui trigger``).

One row per ``apps-console/backfill.requested`` event id delivered to an event API host
(migration ``0008_trigger_ledger``). ``export/trigger.py`` reads it before sending (which ids
went before, and when) and records each batch as soon as Inngest has taken it. A dry run reads
through ``exports.open_for_reading`` (never writes or migrates); a mirror made before the
ledger existed simply has no sends recorded.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .exports import insert_new
from .rows import now_iso

TABLE = "trigger_ledger"


@dataclass(frozen=True)
class TriggerSent:
    """One delivered ``backfill.requested`` event, as the ledger records it."""

    event_id: str
    integration_id: str
    workspace_id: str
    provider: str
    depth_days: int
    entity_types: str  #: comma-separated, sorted
    requested_by: str | None


def has_ledger(conn: sqlite3.Connection) -> bool:
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (TABLE,)
    ).fetchone()
    return row is not None


def sent_among(
    conn: sqlite3.Connection, target_id: str, event_ids: Sequence[str]
) -> dict[str, str]:
    """Which of ``event_ids`` the ledger says were delivered to ``target_id`` (the event API's
    host), each with its ``sent_at`` (ISO 8601 UTC)."""
    if not event_ids or not has_ledger(conn):
        return {}
    found: dict[str, str] = {}
    for start in range(0, len(event_ids), 900):
        chunk = event_ids[start : start + 900]
        rows = conn.execute(
            f"SELECT event_id, sent_at FROM {TABLE} WHERE target_id = ? "
            f"AND event_id IN ({','.join('?' * len(chunk))})",
            (target_id, *chunk),
        )
        found.update((event_id, sent_at) for event_id, sent_at in rows)
    return found


def record_sent(conn: sqlite3.Connection, target_id: str, sent: Iterable[TriggerSent]) -> int:
    """Record delivered events in one transaction (a repeat keeps its first ``sent_at``);
    returns how many were new. ``conn``: a writable, migrated mirror connection."""
    at = now_iso()
    values = [
        (
            target_id,
            s.event_id,
            s.integration_id,
            s.workspace_id,
            s.provider,
            s.depth_days,
            s.entity_types,
            s.requested_by,
            at,
        )
        for s in sent
    ]
    return insert_new(
        conn,
        f"INSERT OR IGNORE INTO {TABLE} (target_id, event_id, integration_id, workspace_id, "
        "provider, depth_days, entity_types, requested_by, sent_at) VALUES (?,?,?,?,?,?,?,?,?)",
        values,
    )
