"""The mirror's side of an export: the observations it reads and the ledger of what went where.

``export/`` (the Postgres and Inngest exporters) calls this module and never writes SQL for the
mirror itself. A dry run reads through :func:`open_for_reading`, a connection that cannot write
(``PRAGMA query_only``) and does not migrate, so the file stays byte for byte as it was; an
applied export records each observation it delivered in ``exports`` (migration ``0002_exports``).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ..errors import MirrorError, user_path
from ..terms import suggest
from .failures import translate
from .opening import check_existing, connect_read_only
from .records import RunRecord, StreamRecord
from .rows import now_iso
from .schema import OBSERVATION_COLUMNS

_COLUMNS = OBSERVATION_COLUMNS


@dataclass(frozen=True)
class ObservationRow:
    """One mirror observation as an export reads it (JSON columns still as text)."""

    external_id: str
    workspace_id: str
    source: str
    source_type: str
    source_id: str
    observation_type: str
    title: str
    content: str
    actor: str | None
    source_references: str | None
    metadata: str | None
    occurred_at: str
    captured_at: str
    created_at: str
    ingestion_source: str
    significance_score: float | None
    run_id: str
    #: False where SQLite's ``json_valid`` rejects one of the JSON columns (read by
    #: :func:`observations_by_id`; the export then parses them to repair or refuse the row).
    json_ok: bool = field(default=True, compare=False)


def open_for_reading(path: str | os.PathLike[str]) -> sqlite3.Connection:
    """A connection to an existing mirror that can read but never write, migrate or create it."""
    target = user_path(path)
    if not target.is_file() or target.stat().st_size == 0:
        raise MirrorError(
            f"no mirror at {target}; run a backfill first "
            f"(`{suggest('run SOURCE... --workspace ID', target)}`)"
        )
    if check_existing(target).blank:  # a killed run's leftover: no mirror, and none made here
        raise MirrorError(
            f"no mirror at {target} (an SQLite file with no tables); run a backfill into it "
            f"first (`{suggest('run SOURCE... --workspace ID', target)}`)"
        )
    try:
        conn = connect_read_only(target)  # also in a read-only folder (issue 10 item 5)
        conn.execute("SELECT count(*) FROM observations").fetchone()
    except sqlite3.DatabaseError as exc:
        raise translate(exc, target) from None
    return conn


def connect_mirror_reader(path: str | os.PathLike[str]) -> sqlite3.Connection:
    """One more read-only connection to a mirror this process holds open (``Mirror.path``),
    usable from any thread: an export reads the mirror on it in one thread while it writes
    the ledger on ``Mirror.conn`` in another (WAL lets the two run at once)."""
    return connect_read_only(user_path(path))


def run_exists(conn: sqlite3.Connection, run_id: str) -> bool:
    return conn.execute("SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone() is not None


@dataclass(frozen=True)
class RunStore:
    """What a run found already stored, for an ``export --run`` with nothing of its own to
    send: the run's workspace, how many duplicates it counted, and the runs that first stored
    the observations it fetched, as ``(run id, count)``, most first (none for a run recorded
    before ``run_items`` existed)."""

    workspace: str
    duplicates: int
    first_stored_by: list[tuple[str, int]]


def run_store(conn: sqlite3.Connection, run_id: str) -> RunStore:
    """:class:`RunStore` of an existing run. Its rows are read as records, so a value edited
    by hand is the one line naming it (``store/columns.py``), as in every other command."""
    cur = conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,))
    workspace = RunRecord.from_row([c[0] for c in cur.description], cur.fetchone()).workspace
    cur = conn.execute("SELECT * FROM streams WHERE run_id = ?", (run_id,))
    cols = [c[0] for c in cur.description]
    duplicates = sum(StreamRecord.from_row(cols, row).duplicates for row in cur)
    first = conn.execute(
        "SELECT o.run_id, count(*) FROM (SELECT DISTINCT source_id FROM run_items"
        " WHERE run_id = ?) AS i JOIN observations AS o"
        " ON o.workspace_id = ? AND o.source_id = i.source_id"
        " WHERE o.run_id != ? GROUP BY o.run_id ORDER BY count(*) DESC, o.run_id",
        (run_id, workspace, run_id),
    ).fetchall()
    return RunStore(workspace, int(duplicates), [(str(r), int(n)) for r, n in first])


def _tolerant(conn: sqlite3.Connection, sql: str, args: Sequence[Any]) -> tuple[list[Any], bool]:
    """Rows of ``sql``, and whether any text had to be read leniently: where a value is not
    valid UTF-8 (SQLite can hold such bytes), it is read with ``surrogateescape`` so the
    export can replace and count it instead of failing."""
    try:
        return conn.execute(sql, args).fetchall(), False
    except sqlite3.OperationalError as exc:
        if "decode" not in str(exc):
            raise
    conn.text_factory = lambda raw: raw.decode("utf-8", "surrogateescape")
    try:
        return conn.execute(sql, args).fetchall(), True
    finally:
        conn.text_factory = str


def count_observations(conn: sqlite3.Connection, workspace: str, run_id: str | None = None) -> int:
    """How many observations the workspace has (only those a given run first stored)."""
    sql = "SELECT count(*) FROM observations WHERE workspace_id = ?"
    args: tuple[Any, ...] = (workspace,)
    if run_id is not None:
        sql += " AND run_id = ?"
        args += (run_id,)
    return int(conn.execute(sql, args).fetchone()[0])


def simulated_runs(
    conn: sqlite3.Connection, workspace: str, run_id: str | None = None
) -> list[tuple[str, bool, str | None, bool | None, int]]:
    """The workspace's runs that were simulated or replayed (a replay is simulated as the run
    it recorded was), each as (id, simulate, recording, recording_simulated: what its
    recording's header said when it was planned, None in an older mirror, where the face reads
    the header; observations it first stored); only ``run_id`` when given. One query over the
    few runs, each counted on ``observations_run`` alone (a run stores only its workspace's
    observations), so a mirror of 500,000 rows answers at once."""
    sql = (
        "SELECT r.id, r.simulate, r.recording, r.recording_simulated,"
        " (SELECT count(*) FROM observations AS o WHERE o.run_id = r.id)"
        " FROM runs AS r WHERE r.workspace_id = ? AND (r.simulate = 1 OR r.recording IS NOT NULL)"
    )
    args: tuple[Any, ...] = (workspace,)
    if run_id is not None:
        sql += " AND r.id = ?"
        args += (run_id,)
    return [
        (i, bool(sim), rec, None if kept is None else bool(kept), int(n))
        for i, sim, rec, kept, n in conn.execute(sql, args)
        if n
    ]


def source_id_bytes(
    conn: sqlite3.Connection, workspace: str, run_id: str | None, size: int
) -> Iterator[list[bytes]]:
    """The workspace's sourceIds (only those a given run first stored) as the bytes SQLite
    holds (UTF-8 unless a writer stored otherwise: nothing is decoded, so nothing fails), in
    lists of at most ``size``, in no particular order. Without ``run_id`` it reads only the
    (workspace_id, source_id) index. One read transaction while it is iterated."""
    sql = "SELECT CAST(source_id AS BLOB) FROM observations WHERE workspace_id = ?"
    args: tuple[Any, ...] = (workspace,)
    if run_id is not None:
        sql += " AND run_id = ?"
        args += (run_id,)
    cursor = conn.execute(sql, args)
    try:
        while rows := cursor.fetchmany(size):
            yield [row[0] for row in rows]
    finally:
        cursor.close()


def observation_keys(
    conn: sqlite3.Connection,
    workspace: str,
    run_id: str | None,
    after: str | None,
    limit: int,
) -> list[tuple[str, int]]:
    """The next ``limit`` (source_id, id) of the workspace after the sourceId ``after``, in
    sourceId order (SQLite's BINARY collation: the bytes of the UTF-8). Each call is its own
    short read of the (workspace_id, source_id) index (keyset paging), so an export can stream
    a mirror of any size without holding a read transaction open while it writes its ledger."""
    sql = "SELECT source_id, id FROM observations WHERE workspace_id = ?"
    args: list[Any] = [workspace]
    if run_id is not None:
        sql += " AND run_id = ?"
        args.append(run_id)
    if after is not None:
        # As bytes cast to text: an id read leniently (not UTF-8) still compares by its bytes.
        sql += " AND source_id > CAST(? AS TEXT)"
        args.append(after.encode("utf-8", "surrogateescape"))
    sql += " ORDER BY source_id LIMIT ?"
    args.append(limit)
    rows: list[tuple[str, int]] = _tolerant(conn, sql, args)[0]
    return rows


def observations_by_id(
    conn: sqlite3.Connection, ids: Sequence[int], flag_sql: str = "0"
) -> list[tuple[int, bool, ObservationRow]]:
    """(id, flagged, row) for the given mirror row ids, in the order given. ``flagged`` is the
    value of the SQL expression ``flag_sql`` over the row (true for every row of a read that
    met text which is not UTF-8). ``json_ok`` (SQLite's
    ``json_valid`` of the JSON columns) is read only where a row is flagged: a row
    ``flag_sql`` passes has valid JSON by that check (``values.suspect_sql``)."""
    found: dict[int, tuple[int, bool, ObservationRow]] = {}
    flagging = flag_sql != "0"
    json_ok = (
        "coalesce(json_valid(actor), 1) AND coalesce(json_valid(source_references), 1) "
        "AND coalesce(json_valid(metadata), 1)"
    )
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        sql = (
            f"SELECT id, {flag_sql}, {', '.join(_COLUMNS)}, "
            f"{'1' if flagging else json_ok} FROM observations "
            f"WHERE id IN ({','.join('?' * len(chunk))})"
        )
        rows, lenient = _tolerant(conn, sql, chunk)
        flagged: list[int] = []
        for row in rows:
            bad = lenient or bool(row[1])
            if bad and flagging:
                flagged.append(row[0])
            found[row[0]] = (
                row[0],
                bad,
                ObservationRow(*row[2:-1], json_ok=bool(row[-1])),  # type: ignore[misc]
            )
        if flagged:
            marks = ",".join("?" * len(flagged))
            checked = conn.execute(
                f"SELECT id, {json_ok} FROM observations WHERE id IN ({marks})", flagged
            )
            for row_id, ok in checked:
                row_at = found[row_id]
                found[row_id] = (row_id, True, replace(row_at[2], json_ok=bool(ok)))
    return [found[i] for i in ids if i in found]


def observation_flags(
    conn: sqlite3.Connection, ids: Sequence[int], flag_sql: str
) -> list[tuple[int, bool, str]]:
    """(id, flagged, occurred_at) for the given ids, in the order given, without building
    rows: what a dry run needs for the rows it only counts. The text columns are still read
    (and dropped), so that one which is not UTF-8 flags its read as :func:`observations_by_id`
    does."""
    found: dict[int, tuple[int, bool, str]] = {}
    texts = ", ".join(c for c in _COLUMNS if c not in ("significance_score",))
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        sql = (
            f"SELECT id, {flag_sql}, occurred_at, {texts} FROM observations "
            f"WHERE id IN ({','.join('?' * len(chunk))})"
        )
        rows, lenient = _tolerant(conn, sql, chunk)
        found.update((row[0], (row[0], lenient or bool(row[1]), row[2])) for row in rows)
    return [found[i] for i in ids if i in found]


def exported_among(
    conn: sqlite3.Connection,
    workspace: str,
    target_kind: str,
    target_id: str,
    source_ids: Sequence[str],
) -> set[str]:
    """Which of ``source_ids`` the ledger says were delivered to this destination."""
    if not source_ids or not _has_ledger(conn):
        return set()
    found: set[str] = set()
    for start in range(0, len(source_ids), 900):
        chunk = source_ids[start : start + 900]
        rows = conn.execute(
            "SELECT source_id FROM exports WHERE target_kind = ? AND target_id = ? "
            f"AND workspace_id = ? AND source_id IN ({','.join('?' * len(chunk))})",
            (target_kind, target_id, workspace, *chunk),
        )
        found.update(row[0] for row in rows)
    return found


def _has_ledger(conn: sqlite3.Connection) -> bool:
    # A mirror written before 0002_exports (read without migrating) has no ledger yet.
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'exports'"
    ).fetchone()
    return row is not None


def exported_source_ids(
    conn: sqlite3.Connection, workspace: str, target_kind: str, target_id: str
) -> set[str]:
    """The sourceIds of the workspace already delivered to this destination."""
    if not _has_ledger(conn):
        return set()
    rows = conn.execute(
        "SELECT source_id FROM exports WHERE target_kind = ? AND target_id = ? "
        "AND workspace_id = ?",
        (target_kind, target_id, workspace),
    )
    return {row[0] for row in rows}


def record_exports(
    conn: sqlite3.Connection,
    target_kind: str,
    target_id: str,
    rows: Iterable[ObservationRow],
) -> int:
    """Record delivered observations in one transaction (a repeat is ignored); returns how many
    were new to the ledger. ``conn`` must be a writable mirror connection (``Mirror.conn``)."""
    return record_export_keys(
        conn, target_kind, target_id, [(r.workspace_id, r.source_id, r.run_id) for r in rows]
    )


def record_export_keys(
    conn: sqlite3.Connection,
    target_kind: str,
    target_id: str,
    keys: Iterable[tuple[str, str, str]],
) -> int:
    """:func:`record_exports` given each row's (workspace_id, source_id, run_id) alone."""
    at = now_iso()
    values = [(ws, sid, target_kind, target_id, at, run) for ws, sid, run in keys]
    return insert_new(
        conn,
        "INSERT OR IGNORE INTO exports (workspace_id, source_id, target_kind, target_id, "
        "exported_at, run_id) VALUES (?,?,?,?,?,?)",
        values,
    )


def insert_new(conn: sqlite3.Connection, sql: str, values: Sequence[Sequence[Any]]) -> int:
    """Run ``sql`` (an ``INSERT OR IGNORE``) for each of ``values`` in one write transaction,
    rolled back whole on any error; returns how many rows were new."""
    if not values:
        return 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        before = conn.total_changes
        conn.executemany(sql, values)
        added = conn.total_changes - before
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return added


def export_counts(conn: sqlite3.Connection, workspace: str) -> dict[tuple[str, str], int]:
    """How many of the workspace's observations each destination has received, the one
    exported to last first (at 80x24 the app's list scrolls, and the row just written was
    below its fold: a tester's finding)."""
    if not _has_ledger(conn):
        return {}
    rows = conn.execute(
        "SELECT target_kind, target_id, count(*) FROM exports WHERE workspace_id = ? "
        "GROUP BY target_kind, target_id ORDER BY max(exported_at) DESC, target_kind, target_id",
        (workspace,),
    )
    return {(kind, target): count for kind, target, count in rows}
