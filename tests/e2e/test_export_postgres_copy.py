"""What the faster Postgres export (issue 13 item 6) must keep: the COPY text lines it formats
itself (instead of psycopg's ``write_row``) land exactly as the mirror holds them (tabs,
newlines, carriage returns, backslashes, a lone ``\\.``), for rows sent as they stand and for
rows cleaned first; two mirror rows whose sourceIds clean to the same id in different batches
are written once; and an apply holds its workspace's lock for its whole session, so a second
export waits and writes nothing twice.

Each case starts from a real simulated backfill and exports to the real PostgreSQL server of
``conftest_pg``.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from conftest_pg import PgServer

from backfill_tui.export import PostgresTarget, export_now
from backfill_tui.export.values import NUL

TABLE = "lightfast_workspace_neural_observations"
AWKWARD = "a\ttab, a\nnewline, a\r\ncrlf, a \\ backslash, \\N, \\t, \b\f\v and\n\\.\nend"


def pg_rows(server: PgServer, dbname: str) -> dict[str, dict[str, Any]]:
    with (
        server.admin_connect(dbname) as conn,
        conn.cursor(row_factory=psycopg.rows.dict_row) as cur,
    ):
        cur.execute(f"SELECT * FROM {TABLE}")  # type: ignore[arg-type]
        return {r["source_id"]: r for r in cur.fetchall()}


def source_ids(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [r[0] for r in conn.execute("SELECT source_id FROM observations ORDER BY id")]


def test_awkward_text_lands_as_the_mirror_holds_it_whether_cleaned_or_not(
    mirror: Path, pg_server: PgServer, pg_db: str
) -> None:
    ids = source_ids(mirror)
    plain, cleaned = ids[3], ids[4]  # one row sent as it stands, one cleaned (a NUL)
    metadata = '{"note": "a\\ttab \\\\ and \\n", "k": [1, 2.5, null]}'
    with sqlite3.connect(mirror) as conn:
        for source_id, title in ((plain, AWKWARD), (cleaned, AWKWARD + "\x00")):
            conn.execute(
                "UPDATE observations SET title = ?, content = ?, metadata = ?, "
                "significance_score = 0.30000000000000004 WHERE source_id = ?",
                (title, "body\\" + AWKWARD, metadata, source_id),
            )
        conn.execute(
            "UPDATE observations SET actor = NULL, significance_score = NULL WHERE source_id = ?",
            (ids[5],),
        )
    pg_server.create_production_table(pg_db)
    result = export_now(mirror, PostgresTarget(pg_server.dsn(pg_db)), "demo")
    assert result.written == len(ids) and dict(result.tally.changes) == {NUL: 1}
    rows = pg_rows(pg_server, pg_db)
    assert rows[plain]["title"] == AWKWARD
    assert rows[cleaned]["title"] == AWKWARD + "\ufffd"
    for source_id in (plain, cleaned):
        assert rows[source_id]["content"] == "body\\" + AWKWARD
        assert rows[source_id]["metadata"] == {"note": "a\ttab \\ and \n", "k": [1, 2.5, None]}
        assert rows[source_id]["significance_score"] == pytest.approx(0.3)
        assert rows[source_id]["ingestion_source"] == "backfill"
    assert rows[ids[5]]["actor"] is None and rows[ids[5]]["significance_score"] is None


def test_two_sourceids_cleaned_to_one_in_different_batches_are_written_once(
    mirror: Path, pg_server: PgServer, pg_db: str
) -> None:
    """'x\\x00' cleans to 'x\\ufffd', which another mirror row holds as it is; with batches
    of 5 they travel apart, so the merge (read before either was written) cannot see the
    first: the apply asks again under its lock."""
    ids = source_ids(mirror)
    with sqlite3.connect(mirror) as conn:
        for new, old in (("a\x00", ids[0]), ("zz\ufffd", ids[1]), ("zz\x00", ids[20])):
            conn.execute("UPDATE observations SET source_id = ? WHERE source_id = ?", (new, old))
    pg_server.create_production_table(pg_db)
    target = PostgresTarget(pg_server.dsn(pg_db), batch_size=5)
    result = export_now(mirror, target, "demo")
    assert result.written == len(ids) - 1 and result.skipped == 1
    rows = pg_rows(pg_server, pg_db)
    assert len(rows) == len(ids) - 1 and {"a\ufffd", "zz\ufffd"} <= set(rows)


def test_an_apply_holds_the_workspace_lock_until_it_closes(
    mirror: Path, pg_server: PgServer, pg_db: str
) -> None:
    """Another session holding the workspace's lock (as a running export does) keeps an
    apply from writing; once it lets go, the apply writes every row."""
    pg_server.create_production_table(pg_db)
    total = len(source_ids(mirror))
    holder = pg_server.admin_connect(pg_db)
    holder.execute("SELECT pg_advisory_lock(hashtext('demo'))")
    results: list[Any] = []
    thread = threading.Thread(
        target=lambda: results.append(
            export_now(mirror, PostgresTarget(pg_server.dsn(pg_db)), "demo")
        )
    )
    thread.start()
    try:
        deadline = time.monotonic() + 30
        waiting = False
        while not waiting and time.monotonic() < deadline:  # the apply waits on the lock
            row = holder.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            ).fetchone()
            waiting = row is not None and row[0] == 1
            time.sleep(0.05)
        assert waiting
        assert pg_rows(pg_server, pg_db) == {}
    finally:
        holder.execute("SELECT pg_advisory_unlock(hashtext('demo'))")
        holder.close()
        thread.join(timeout=60)
    assert results and results[0].written == total
    assert len(pg_rows(pg_server, pg_db)) == total
