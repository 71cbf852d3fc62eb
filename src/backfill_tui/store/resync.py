"""What a re-sync knows from earlier runs: which run already covered a stream's window, and the
validators (ETags) of the conditional requests it may send.

Production's gap rule (lightfast-data-model.md §9.2, the orchestrator's gap filter): a
(resource, entity) whose earlier *completed* run has ``since <=`` the requested ``since`` is
already backfilled. Here such a stream is not skipped but narrowed: it fetches only what is
newer than that run's start (``streams.fetch_since``), first asking with ``If-None-Match``
whether its first page changed at all. The engine's side is ``engine/resync.py``; this module
is the SQL (mixed into :class:`~backfill_tui.store.Mirror`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..errors import MirrorError
from .records import RunRecord

#: The ``entity`` under which a source's lookup (GitHub's repository, ...) keeps its validator.
LOOKUP = ""


@dataclass(frozen=True)
class Coverage:
    """An earlier completed run whose stream covered a window: its id and start (ISO 8601)."""

    run_id: str
    started_at: str


@dataclass(frozen=True)
class Validator:
    """A stored validator: the URL asked, its ETag, the JSON body it stands for (lookups only),
    and the run whose completed stream stored or last revalidated it."""

    url: str
    etag: str
    body: Any
    run_id: str


class ResyncRecords:
    """The mirror's re-sync queries; mixed into ``Mirror`` (which provides ``conn`` and
    ``transaction``)."""

    conn: sqlite3.Connection

    if TYPE_CHECKING:

        def transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...

    def covering_run(
        self,
        workspace: str,
        provider: str,
        target: str,
        entity: str,
        *,
        since: str,
        before_run: str,
        simulate: bool,
        same_settings: Callable[[str | None], bool],
    ) -> Coverage | None:
        """The latest earlier run (not ``before_run``) of ``workspace`` whose stream
        ``provider:target/entity`` completed uncapped, having read its whole window (not
        ``ended_short``: a resource gone between two pages left the later pages unread), with
        a window starting at or before ``since`` (ISO 8601 UTC), made in the same kind of
        environment (live, or the simulator with settings ``same_settings`` accepts, given the
        run's stored ``simulator`` text; never a replay); ``None`` when there is none. A run
        whose row holds what backfill-tui never writes (edited by hand: ``store/columns.py``)
        vouches for nothing: its ``started_at`` became the new stream's ``fetch_since`` as it
        was, and the new run failed on it; the stream now fetches its whole window, and every
        command that reads that run says which value to set back."""
        cur = self.conn.execute(
            "SELECT r.* FROM streams s JOIN runs r ON r.id = s.run_id"
            " WHERE r.workspace_id = ? AND s.provider = ? AND s.target = ? AND s.entity = ?"
            " AND s.status = 'completed' AND s.capped = 0 AND s.ended_short = 0"
            " AND r.since <= ? AND r.id != ?"
            " AND r.simulate = ? AND r.recording_sha256 IS NULL"
            " ORDER BY r.started_at DESC, r.rowid DESC",
            (workspace, provider, target, entity, since, before_run, int(simulate)),
        )  # fmt: skip
        cols = [c[0] for c in cur.description]
        for row in cur:
            try:
                run = RunRecord.from_row(cols, row)
            except MirrorError:
                continue
            if same_settings(run.simulator):
                return Coverage(run.id, run.started_at)
        return None

    def set_fetch_since(self, stream_id: int, since: str, covered_by: str) -> None:
        """Narrow a stream to what is newer than ``since``, the start of run ``covered_by``."""
        with self.transaction() as conn:
            conn.execute(
                "UPDATE streams SET fetch_since = ?, resync_of = ? WHERE id = ?",
                (since, covered_by, stream_id),
            )

    def validator(self, workspace: str, source: str, entity: str) -> Validator | None:
        """The stored validator of a stream's first page (``entity``) or of the source's
        lookup (``entity=LOOKUP``), if any."""
        row = self.conn.execute(
            "SELECT url, etag, body, run_id FROM etags"
            " WHERE workspace_id = ? AND source = ? AND entity = ?",
            (workspace, source, entity),
        ).fetchone()
        if row is None:
            return None
        body = json.loads(row[2]) if row[2] is not None else None
        return Validator(row[0], row[1], body, row[3])

    def store_validator(
        self,
        workspace: str,
        source: str,
        entity: str,
        run_id: str,
        url: str,
        etag: str,
        body: Any = None,
    ) -> None:
        """Keep (replace) the validator of a stream's first page or a source's lookup
        (``entity=LOOKUP``) in a transaction of its own (the engine keeps a stream's with the
        page that completes it: :func:`keep_validator`). Raises a :class:`StorageError` or
        :class:`MirrorError` (nothing kept)."""
        with self.transaction() as conn:
            keep_validator(conn, workspace, source, entity, run_id, url, etag, body, at=_now())

    def revalidated(self, workspace: str, source: str, entity: str, run_id: str) -> None:
        """A 304 answered the stored validator: it now vouches for run ``run_id``."""
        with self.transaction() as conn:
            conn.execute(
                "UPDATE etags SET run_id = ?, stored_at = ?"
                " WHERE workspace_id = ? AND source = ? AND entity = ?",
                (run_id, _now(), workspace, source, entity),
            )

    def validators(self, workspace: str) -> Iterator[tuple[str, str, str]]:
        """(source, entity, url) of every validator kept for ``workspace``."""
        yield from self.conn.execute(
            "SELECT source, entity, url FROM etags WHERE workspace_id = ? ORDER BY source, entity",
            (workspace,),
        )


def keep_validator(
    conn: sqlite3.Connection,
    workspace: str,
    source: str,
    entity: str,
    run_id: str,
    url: str,
    etag: str,
    body: Any = None,
    *,
    at: str,
) -> None:
    """Inside a transaction: keep (replace) the validator ``url``/``etag`` (with the JSON-able
    ``body`` it stands for: lookups only) of ``source``'s ``entity`` in ``workspace``, stored
    by run ``run_id`` at ``at`` (ISO 8601). A stream's is kept in the transaction of the page
    that completes it (``Mirror.commit_pages``, ``PageWrite.validator``): stored apart, after
    that page, a full disk could refuse it once the stream was stored complete, and the engine
    stored the stream back as ``running`` from no cursor (resume read it all again). Raises
    SQLite's error (:meth:`Mirror.transaction` translates it and rolls everything back)."""
    text = json.dumps(body, ensure_ascii=False) if body is not None else None
    conn.execute(
        "INSERT OR REPLACE INTO etags (workspace_id, source, entity, url, etag, body,"
        " run_id, stored_at) VALUES (?,?,?,?,?,?,?,?)",
        (workspace, source, entity, url, etag, text, run_id, at),
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
