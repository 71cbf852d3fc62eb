"""What each run fetched: a ``run_items`` row per item fetched, with a digest of its content.

The mirror keeps only the first stored version of an observation, so a later run's duplicates
leave no row of their own. :meth:`Mirror.commit_page` therefore also records, in the same
transaction, every observation a run fetched as ``(run_id, source_id, digest)``; the digest is a
short hash per content field, so a diff can say *which* fields changed (``diffing.py``) and a
report can count what a run saw per day (``report.py``). Runs recorded before this table existed
fall back to the rows they first stored (``FetchedItems.exact`` is then false). Rows are kept in
fetch order; a sourceId fetched twice in one run has two, and every reader counts it once,
with the digest it was first fetched with.
"""

from __future__ import annotations

import sqlite3
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from ..terms import unchanged_note
from .records import StreamRecord
from .schema import ROW_COLUMNS


class Mirror(Protocol):
    """What these reads need of a :class:`~backfill_tui.store.Mirror` (a protocol, so that
    ``mirror``, which records fetched items through this module, is not imported back)."""

    conn: sqlite3.Connection

    def streams(self, run_id: str) -> list[StreamRecord]: ...


#: The fields compared between runs (not the ids, timestamps of capture, workspace or run).
CONTENT_FIELDS: tuple[str, ...] = (
    "source",
    "source_type",
    "observation_type",
    "title",
    "content",
    "actor",
    "source_references",
    "metadata",
    "occurred_at",
    "significance_score",
)
DIGEST_VERSION = "1"
_PART = 8  # hex characters of CRC-32 per field
_CHUNK = 500  # sourceIds per IN (...) query


def _normal(value: Any) -> str:
    if value is None:
        return "\x00null"
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int | float):
        return repr(float(value))
    return str(value)


#: ``"1:"`` then 8 hex characters per content field: one formatting for the whole digest
#: (about a third less time per row than formatting each part, bench/pipeline.py).
_DIGEST_FORMAT = DIGEST_VERSION + ":" + "%08x" * len(CONTENT_FIELDS)
_crc32 = zlib.crc32


def _fingerprint(values: Iterable[Any]) -> str:
    return _DIGEST_FORMAT % tuple(
        [_crc32((v if v.__class__ is str else _normal(v)).encode()) for v in values]
    )


def digest(values: Mapping[str, Any]) -> str:
    """``"1:"`` then the CRC-32 (8 hex characters) of each content field, in field order.

    A fingerprint to tell versions apart and name the fields that differ, not a defence
    against crafted collisions; CRC-32 keeps it cheap enough to run on every stored page.
    """
    return _fingerprint(values.get(name) for name in CONTENT_FIELDS)


def changed_fields(a: str, b: str) -> list[str]:
    """The content fields whose hashes differ between two digests (all if versions differ)."""
    va, _, ha = a.partition(":")
    vb, _, hb = b.partition(":")
    if va != vb or len(ha) != len(hb):
        return list(CONTENT_FIELDS)
    return [
        name
        for i, name in enumerate(CONTENT_FIELDS)
        if ha[i * _PART : (i + 1) * _PART] != hb[i * _PART : (i + 1) * _PART]
    ]


_SOURCE_ID = ROW_COLUMNS.index("source_id")
_CONTENT_AT = tuple(ROW_COLUMNS.index(name) for name in CONTENT_FIELDS)


def row_digest(row: Sequence[Any]) -> tuple[str, str]:
    """(source_id, digest) of a row made by ``observation_row``."""
    if len(row) != len(ROW_COLUMNS):
        raise ValueError(f"an observation row has {len(row)} columns, not {len(ROW_COLUMNS)}")
    return str(row[_SOURCE_ID]), _fingerprint([row[i] for i in _CONTENT_AT])


def record_fetched(conn: sqlite3.Connection, run_id: str, rows: Sequence[Sequence[Any]]) -> None:
    """Inside a page's transaction: remember what the run fetched, in the order it came.

    A sourceId fetched twice in one run gets a second row; readers keep the first (the first
    version wins, :func:`fetched_items`). Rows go in fetch order, not by sourceId, so the
    table grows at its end (schema migration 0015). One multi-row statement per 500 rows, not
    ``executemany``: the writer thread gives up the GIL once per statement instead of once per
    row (store/mirror.py, ``_insert_rows``).
    """
    for start in range(0, len(rows), _CHUNK):
        part = rows[start : start + _CHUNK]
        values = [value for row in part for value in (run_id, *row_digest(row))]
        marks = ", ".join("(?, ?, ?)" for _ in part)
        conn.execute(f"INSERT INTO run_items (run_id, source_id, digest) VALUES {marks}", values)


@dataclass(frozen=True)
class FetchedItems:
    """sourceId → digest of everything a run fetched."""

    run_id: str
    items: dict[str, str]
    #: False for a run recorded before ``run_items`` existed: only its first-stored rows count.
    exact: bool


def _select(mirror: Mirror, sql: str, args: Sequence[Any]) -> list[dict[str, Any]]:
    cur = mirror.conn.execute(sql, tuple(args))
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]


def _chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


_CONTENT_SQL = ", ".join(("source_id", *CONTENT_FIELDS))


def unchanged_streams(mirror: Mirror, run_id: str) -> list[tuple[str, str]]:
    """(stream key, the run it was unchanged since) for each stream of ``run_id`` a 304
    completed (``engine/resync.py``): it fetched nothing, the items being as that earlier run
    fetched them, so they have no ``run_items`` rows of this run."""
    found = []
    for record in mirror.streams(run_id):
        if unchanged_note(record.note) and record.resync_of and not record.fetched:
            found.append((record.key, record.resync_of))
    return found


def fetched_items(mirror: Mirror, run_id: str) -> FetchedItems:
    """What ``run_id`` fetched: each sourceId's digest as first fetched in the run (a later
    fetch of the same item in that run, after it moved between pages, does not count), or
    for a run recorded before ``run_items`` existed, the rows it first stored."""
    items: dict[str, str] = {}
    for source_id, row_digest_ in mirror.conn.execute(
        "SELECT source_id, digest FROM run_items WHERE run_id = ? ORDER BY rowid", (run_id,)
    ):
        items.setdefault(source_id, row_digest_)
    if items:
        return FetchedItems(run_id, items, exact=True)
    stored = _select(mirror, f"SELECT {_CONTENT_SQL} FROM observations WHERE run_id = ?", (run_id,))
    fetched = sum(s.fetched - s.failed for s in mirror.streams(run_id))
    exact = not stored and fetched == 0
    return FetchedItems(run_id, {r["source_id"]: digest(r) for r in stored}, exact=exact)


def stored_observations(
    mirror: Mirror, workspace: str, source_ids: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """The stored rows (content fields, source_id, run_id) of some sourceIds of a workspace."""
    found: dict[str, dict[str, Any]] = {}
    for chunk in _chunks(list(source_ids)):
        marks = ",".join("?" * len(chunk))
        for row in _select(
            mirror,
            f"SELECT {_CONTENT_SQL}, run_id FROM observations "
            f"WHERE workspace_id = ? AND source_id IN ({marks})",
            (workspace, *chunk),
        ):
            found[row["source_id"]] = row
    return found


def observations_per_day(mirror: Mirror, run_id: str, workspace: str) -> dict[str, int]:
    """UTC day (``YYYY-MM-DD``) of ``occurred_at`` → observations the run fetched that day."""
    if mirror.conn.execute(
        "SELECT 1 FROM run_items WHERE run_id = ? LIMIT 1", (run_id,)
    ).fetchone():
        sql = (  # each sourceId once: a run may have fetched an item twice
            "SELECT o.occurred_at FROM (SELECT DISTINCT source_id FROM run_items"
            " WHERE run_id = ?) AS r JOIN observations o"
            " ON o.workspace_id = ? AND o.source_id = r.source_id"
        )
        args: tuple[Any, ...] = (run_id, workspace)
    else:
        sql = "SELECT occurred_at FROM observations WHERE run_id = ?"
        args = (run_id,)
    days: dict[str, int] = {}
    for (occurred,) in mirror.conn.execute(sql, args):
        try:
            day = datetime.fromisoformat(str(occurred)).astimezone(UTC).date().isoformat()
        except ValueError:
            day = str(occurred)[:10]
        days[day] = days.get(day, 0) + 1
    return dict(sorted(days.items()))
