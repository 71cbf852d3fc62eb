"""A re-export with nothing new is decided before the walk by asking whether the table holds every
one of the mirror's sourceIds (issue 13 item 6, ``export/presence.py``). What must hold: the
shortcut is taken when it does (non-ASCII ids included), whatever else the table holds (other
writers' rows for the workspace, as production's webhooks write them; the rows of other runs
when one run is exported), and never when a row is missing from the table, however the table
came to differ: a row deleted and another writer's added (same count), a duplicate beside a
missing row (same count), other writers' rows beside a missing one (more rows than the mirror),
a table emptied or recreated under the same name (the ledger says everything went there), an
earlier export stopped part way, two mirror ids that clean to one. Each case checks the dry run
and the apply write exactly the missing rows.

Each case starts from a real simulated backfill and exports to the real PostgreSQL server of
``conftest_pg``.
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing
from pathlib import Path

import psycopg
import pytest
from conftest_pg import PgServer

from backfill_tui.export import PostgresTarget, export_now, plan_export
from backfill_tui.export.postgres import DDL
from backfill_tui.export.presence import as_sent, held_whole
from backfill_tui.store.exports import open_for_reading, source_id_bytes

TABLE = "lightfast_workspace_neural_observations"


def source_ids(db: Path) -> list[str]:
    with closing(sqlite3.connect(db)) as conn:
        return [r[0] for r in conn.execute("SELECT source_id FROM observations ORDER BY id")]


def exported(mirror: Path, server: PgServer, dbname: str) -> tuple[list[str], str]:
    """The mirror's sourceIds and the DSN of ``dbname``, after a first export of the mirror
    into production's table there (what each case starts from)."""
    ids = source_ids(mirror)
    server.create_production_table(dbname)
    dsn = server.dsn(dbname)
    export_now(mirror, PostgresTarget(dsn), "demo")
    return ids, dsn


def held(db: Path, dsn: str, run_id: str | None = None) -> int:
    """What the walk's shortcut skips at once (all, or 0), asked as a dry run asks."""
    target = PostgresTarget(dsn)
    target.open(apply=False)
    try:
        with closing(open_for_reading(db)) as conn:
            return held_whole(conn, target, "demo", run_id)
    finally:
        target.close()


def table_ids(server: PgServer, dbname: str) -> list[str]:
    with server.admin_connect(dbname) as conn:
        rows = conn.execute(f"SELECT source_id FROM {TABLE}").fetchall()  # type: ignore[arg-type]
    return sorted(r[0] for r in rows)


def repeat(db: Path, dsn: str, run_id: str | None = None) -> int:
    """The dry run's would-write, checked equal to what the apply then writes."""
    planned = plan_export(db, PostgresTarget(dsn), "demo", run_id).would_write
    result = export_now(db, PostgresTarget(dsn), "demo", run_id)
    assert result.written == planned
    return planned


def add_webhook_rows(server: PgServer, dbname: str, count: int) -> list[str]:
    """``count`` rows for workspace demo written by another writer (sourceIds the mirror lacks)."""
    ids = [f"webhook:push:{n}" for n in range(count)]
    with server.admin_connect(dbname) as conn:
        conn.execute(
            f"INSERT INTO {TABLE} (external_id, workspace_id, occurred_at, observation_type, "  # type: ignore[arg-type]
            "title, content, source, source_type, source_id) SELECT 'webhook' || "
            "lpad(n::text, 14, '0'), 'demo', now(), 'push', 't', 'c', 'github', 'push', "
            "'webhook:push:' || n FROM generate_series(0, %s - 1) AS n",
            (count,),
        )
    return ids


def test_a_repeat_with_nothing_new_is_decided_before_the_walk(
    mirror: Path, pg_server: PgServer, pg_db: str
) -> None:
    ids = source_ids(mirror)
    with closing(sqlite3.connect(mirror)) as conn, conn:  # non-ASCII ids are found too
        conn.execute(
            "UPDATE observations SET source_id = ? WHERE source_id = ?", ("é✓ 𝄞 ü", ids[0])
        )
    pg_server.create_production_table(pg_db)
    dsn = pg_server.dsn(pg_db)
    assert held(mirror, dsn) == 0  # an empty table holds nothing
    assert export_now(mirror, PostgresTarget(dsn), "demo").written == len(ids)
    assert held(mirror, dsn) == len(ids)
    plan = plan_export(mirror, PostgresTarget(dsn), "demo")
    assert (plan.would_write, plan.skipped, plan.total, plan.sample) == (0, len(ids), len(ids), [])
    result = export_now(mirror, PostgresTarget(dsn), "demo")
    assert (result.written, result.skipped) == (0, len(ids))


def test_a_row_deleted_and_another_writers_row_added_is_written_again(
    mirror: Path, pg_server: PgServer, pg_db: str
) -> None:
    """The table's count is the mirror's again, but one of the mirror's ids is gone."""
    ids, dsn = exported(mirror, pg_server, pg_db)
    with pg_server.admin_connect(pg_db) as conn:
        conn.execute(f"DELETE FROM {TABLE} WHERE source_id = %s", (ids[7],))  # type: ignore[arg-type]
        conn.execute(
            f"INSERT INTO {TABLE} (external_id, workspace_id, occurred_at, observation_type, "  # type: ignore[arg-type]
            "title, content, source, source_type, source_id) VALUES ('webhook0000000000001', "
            "'demo', now(), 'push', 't', 'c', 'github', 'push', 'webhook:push:1')"
        )
    assert held(mirror, dsn) == 0
    assert repeat(mirror, dsn) == 1
    assert table_ids(pg_server, pg_db) == sorted([*ids, "webhook:push:1"])


def test_a_duplicate_beside_a_missing_row_does_not_hide_it(
    mirror: Path, pg_server: PgServer, pg_db: str
) -> None:
    """Same count again, and every id the table holds is the mirror's: one is held twice."""
    ids, dsn = exported(mirror, pg_server, pg_db)
    columns = "workspace_id, occurred_at, observation_type, title, content, source, source_type"
    with pg_server.admin_connect(pg_db) as conn:
        conn.execute(f"DELETE FROM {TABLE} WHERE source_id = %s", (ids[3],))  # type: ignore[arg-type]
        conn.execute(
            f"INSERT INTO {TABLE} (external_id, source_id, {columns}) "  # type: ignore[arg-type]
            f"SELECT 'dup' || left(external_id, 18), source_id, {columns} FROM {TABLE} "
            "WHERE source_id = %s",
            (ids[4],),
        )
    assert held(mirror, dsn) == 0
    assert repeat(mirror, dsn) == 1
    assert table_ids(pg_server, pg_db) == sorted([*ids, ids[4]])


def test_other_writers_rows_beside_every_mirror_row_leave_nothing_new(
    mirror: Path, pg_server: PgServer, pg_db: str
) -> None:
    """Production's table: webhooks write rows for the same workspace as well, so the table
    holds more rows than the mirror; every mirror row is there, so nothing is new."""
    ids, dsn = exported(mirror, pg_server, pg_db)
    webhooks = add_webhook_rows(pg_server, pg_db, 25)
    assert held(mirror, dsn) == len(ids)
    plan = plan_export(mirror, PostgresTarget(dsn), "demo")
    assert (plan.would_write, plan.skipped, plan.total) == (0, len(ids), len(ids))
    result = export_now(mirror, PostgresTarget(dsn), "demo")
    assert (result.written, result.skipped) == (0, len(ids))
    assert table_ids(pg_server, pg_db) == sorted([*ids, *webhooks])


def test_other_writers_rows_do_not_hide_a_missing_mirror_row(
    mirror: Path, pg_server: PgServer, pg_db: str
) -> None:
    ids, dsn = exported(mirror, pg_server, pg_db)
    webhooks = add_webhook_rows(pg_server, pg_db, 25)
    with pg_server.admin_connect(pg_db) as conn:
        conn.execute(f"DELETE FROM {TABLE} WHERE source_id = %s", (ids[-1],))  # type: ignore[arg-type]
    assert held(mirror, dsn) == 0
    assert repeat(mirror, dsn) == 1
    assert table_ids(pg_server, pg_db) == sorted([*ids, *webhooks])
    assert held(mirror, dsn) == len(ids)


def test_a_run_whose_rows_are_all_there_leaves_nothing_new(
    mirror: Path, pg_server: PgServer, pg_db: str
) -> None:
    """``export --run``: only the run's rows are asked about; the workspace's other run, not
    exported yet, does not stop the shortcut, and once all is there the table holds more rows
    than the run has."""
    ids = source_ids(mirror)
    with closing(sqlite3.connect(mirror)) as conn, conn:  # a second run first stored 10 rows
        (first,) = conn.execute("SELECT id FROM runs").fetchone()
        second = "20260102-030405-0001"
        names = [r[1] for r in conn.execute("PRAGMA table_info(runs)") if r[1] != "id"]
        conn.execute(
            f"INSERT INTO runs (id, {', '.join(names)}) SELECT ?, {', '.join(names)} "
            "FROM runs WHERE id = ?",
            (second, first),
        )
        conn.executemany(
            "UPDATE observations SET run_id = ? WHERE source_id = ?",
            [(second, source_id) for source_id in ids[:10]],
        )
    pg_server.create_production_table(pg_db)
    dsn = pg_server.dsn(pg_db)
    assert held(mirror, dsn, first) == 0
    assert export_now(mirror, PostgresTarget(dsn), "demo", first).written == len(ids) - 10
    assert held(mirror, dsn, first) == len(ids) - 10
    assert held(mirror, dsn) == 0  # the second run's rows are not there
    assert repeat(mirror, dsn, first) == 0
    assert repeat(mirror, dsn, second) == 10
    assert held(mirror, dsn, first) == len(ids) - 10  # beside the second run's rows
    assert held(mirror, dsn, second) == 10
    assert held(mirror, dsn) == len(ids)
    assert table_ids(pg_server, pg_db) == sorted(ids)


def test_a_nondeterministic_collation_leaves_the_decision_to_the_walk(
    mirror: Path, pg_server: PgServer, pg_db: str
) -> None:
    """Under a case-insensitive collation on source_id, the server's '=' finds 'case:abc' for
    the mirror's 'Case:ABC', but the walk compares bytes and writes it: the shortcut, which
    would skip it, is not asked, and the walk decides."""
    ids = source_ids(mirror)
    with closing(sqlite3.connect(mirror)) as conn, conn:
        conn.execute(
            "UPDATE observations SET source_id = 'Case:ABC' WHERE source_id = ?", (ids[0],)
        )
    with pg_server.admin_connect(pg_db) as conn:
        try:
            conn.execute(
                "CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', "
                "deterministic = false)"
            )
        except psycopg.Error as exc:  # a server built without ICU
            pytest.skip(f"no ICU collation: {exc}")
        for statement in DDL:
            conn.execute(  # type: ignore[call-overload]
                statement.replace("source_id varchar(255)", "source_id varchar(255) COLLATE ci")
            )
        conn.execute(f"ALTER TABLE {TABLE} OWNER TO exporter")  # type: ignore[arg-type]
    dsn = pg_server.dsn(pg_db)
    export_now(mirror, PostgresTarget(dsn), "demo")
    with pg_server.admin_connect(pg_db) as conn:
        conn.execute(f"DELETE FROM {TABLE} WHERE source_id = 'Case:ABC'")  # type: ignore[arg-type]
        add_webhook_rows(pg_server, pg_db, 1)  # another writer's row, then its id in lower case
        conn.execute(f"UPDATE {TABLE} SET source_id = 'case:abc' WHERE external_id LIKE 'webhook%'")  # type: ignore[arg-type]
    assert held(mirror, dsn) == 0
    assert repeat(mirror, dsn) == 1
    assert table_ids(pg_server, pg_db) == sorted([*ids[1:], "Case:ABC", "case:abc"])


@pytest.mark.parametrize("how", ["emptied", "recreated with half"])
def test_a_table_emptied_or_recreated_since_the_ledger_says_all_went_there(
    mirror: Path, pg_server: PgServer, pg_db: str, how: str
) -> None:
    ids, dsn = exported(mirror, pg_server, pg_db)
    with pg_server.admin_connect(pg_db) as conn:
        if how == "emptied":
            conn.execute(f"TRUNCATE {TABLE}")  # type: ignore[arg-type]
        else:  # another table under the same name, holding only half the rows
            conn.execute(f"CREATE TABLE kept AS SELECT * FROM {TABLE}")  # type: ignore[arg-type]
            conn.execute(f"DROP TABLE {TABLE}")  # type: ignore[arg-type]
    if how != "emptied":
        pg_server.create_production_table(pg_db)
        with pg_server.admin_connect(pg_db) as conn:
            names = "external_id, workspace_id, occurred_at, observation_type, title, content, "
            names += "source, source_type, source_id"
            conn.execute(
                f"INSERT INTO {TABLE} ({names}) SELECT {names} FROM kept "  # type: ignore[arg-type]
                "WHERE source_id = ANY(%s)",
                (ids[::2],),
            )
    missing = len(ids) if how == "emptied" else len(ids) - len(ids[::2])
    assert held(mirror, dsn) == 0
    assert repeat(mirror, dsn) == missing
    assert table_ids(pg_server, pg_db) == sorted(ids)
    assert held(mirror, dsn) == len(ids)


def test_an_export_stopped_part_way_is_finished_by_the_next(
    mirror: Path, pg_server: PgServer, pg_db: str
) -> None:
    ids = source_ids(mirror)
    pg_server.create_production_table(pg_db)
    dsn = pg_server.dsn(pg_db)
    stop = threading.Event()
    first = export_now(
        mirror,
        PostgresTarget(dsn, batch_size=5),
        "demo",
        progress=lambda p: stop.set(),
        cancel=stop,
    )
    assert first.cancelled and first.written == 5
    assert held(mirror, dsn) == 0
    assert repeat(mirror, dsn) == len(ids) - 5
    assert table_ids(pg_server, pg_db) == sorted(ids)
    assert held(mirror, dsn) == len(ids)
    assert repeat(mirror, dsn) == 0


def test_a_new_observation_in_the_mirror_is_written(
    mirror: Path, pg_server: PgServer, pg_db: str
) -> None:
    ids, dsn = exported(mirror, pg_server, pg_db)
    with closing(sqlite3.connect(mirror)) as conn, conn:
        columns = [r[1] for r in conn.execute("PRAGMA table_info(observations)") if r[1] != "id"]
        chosen = ", ".join(
            {
                "source_id": "source_id || ':new'",
                "external_id": "'new' || substr(external_id, 1, 18)",
            }.get(c, c)
            for c in columns
        )
        conn.execute(
            f"INSERT INTO observations ({', '.join(columns)}) SELECT {chosen} "
            "FROM observations WHERE source_id = ?",
            (ids[2],),
        )
    assert held(mirror, dsn) == 0
    assert repeat(mirror, dsn) == 1
    assert table_ids(pg_server, pg_db) == sorted([*ids, ids[2] + ":new"])


def test_two_mirror_ids_cleaned_to_one_are_decided_by_the_walk(
    mirror: Path, pg_server: PgServer, pg_db: str
) -> None:
    """'a\\x00' cleans to 'a\\ufffd', which another mirror row holds as it is: the table holds
    one row for the two. Whether the table holds all is then unknown, and the walk skips both, or
    writes the one row once it is deleted from the table."""
    ids = source_ids(mirror)
    with closing(sqlite3.connect(mirror)) as conn, conn:
        for new, old in (("a\x00", ids[0]), ("a\ufffd", ids[1])):
            conn.execute("UPDATE observations SET source_id = ? WHERE source_id = ?", (new, old))
    pg_server.create_production_table(pg_db)
    dsn = pg_server.dsn(pg_db)
    assert export_now(mirror, PostgresTarget(dsn), "demo").written == len(ids) - 1
    assert held(mirror, dsn) == 0
    assert repeat(mirror, dsn) == 0
    with pg_server.admin_connect(pg_db) as conn:
        conn.execute(f"DELETE FROM {TABLE} WHERE source_id = %s", ("a\ufffd",))  # type: ignore[arg-type]
    # (The dry run counts both rows here: only the apply's probe under its lock sees the second.)
    assert export_now(mirror, PostgresTarget(dsn), "demo").written == 1
    assert len(table_ids(pg_server, pg_db)) == len(ids) - 1


@pytest.mark.parametrize(
    "raw",
    [b"a\x00b", b"caf\xe9", b"\xed\xa0\x80 lone surrogate", b"\xff"],
    ids=["NUL", "Latin-1", "encoded surrogate", "not UTF-8"],
)
def test_an_id_the_export_would_clean_leaves_the_mirrors_side_unknown(raw: bytes) -> None:
    """Such an id reaches the table cleaned (U+FFFD), so it says nothing of what the table
    holds (a SQL_ASCII database could even hold its bytes as they are)."""
    fine = [b"plain", "é✓ 𝄞".encode()]
    assert list(as_sent([fine, [b"plain", raw]])) == [["plain", "é✓ 𝄞"], None]


@pytest.mark.parametrize("chunk", [0, 1, 2, 3])
def test_chunks_shared_by_two_connections_each_count(
    mirror: Path, pg_server: PgServer, pg_db: str, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """With more than one chunk, a second connection looks up every other chunk: a row missing
    from any chunk, the first connection's or the second's, is found missing."""
    from backfill_tui.export import postgres, presence

    ids = source_ids(mirror)
    size = len(ids) // 5
    monkeypatch.setattr(presence, "READ", size)  # five chunks or more, not 20,000 ids each
    monkeypatch.setattr(postgres, "PRESENCE_CHUNK", size)
    pg_server.create_production_table(pg_db)
    dsn = pg_server.dsn(pg_db)
    export_now(mirror, PostgresTarget(dsn), "demo")
    assert held(mirror, dsn) == len(ids)
    with closing(open_for_reading(mirror)) as conn:  # the chunks as the mirror sends them
        sent = [i for part in source_id_bytes(conn, "demo", None, size) for i in part]
    missing = sent[chunk * size + size // 2].decode()
    with pg_server.admin_connect(pg_db) as conn:
        conn.execute(f"DELETE FROM {TABLE} WHERE source_id = %s", (missing,))  # type: ignore[arg-type]
    assert held(mirror, dsn) == 0
    assert repeat(mirror, dsn) == 1
    assert held(mirror, dsn) == len(ids)
