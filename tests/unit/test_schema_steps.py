"""The mirror's migrations without sqlite-utils on the way in (issue 13 start-up).

``store/schema.py`` lists its steps itself and builds sqlite-utils' ``Migrations`` only when a
mirror needs one applied; opening reads ``_sqlite_migrations`` with its own names for the table
and the set. These tests hold those names to sqlite-utils' own, and show that an up-to-date
mirror opens (in a fresh interpreter) without importing sqlite-utils while an older one is
still upgraded through it.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from support import older_mirror

from backfill_tui.store import Mirror
from backfill_tui.store.schema import (
    MIGRATION_NAMES,
    MIGRATION_SET,
    MIGRATIONS_TABLE,
    SCHEMA_VERSION,
    migrations,
)

#: Opens the mirror at argv[1], lists its runs, prints whether sqlite-utils was imported.
PROBE = """
import json, sys
from backfill_tui.store import Mirror
mirror = Mirror.open(sys.argv[1])
mirror.list_runs(1)
version = mirror.conn.execute("PRAGMA user_version").fetchone()[0]
mirror.close()
print(json.dumps({"sqlite_utils": "sqlite_utils" in sys.modules, "version": version}))
"""


def probe(db: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(db)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    answer: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def test_the_steps_are_sqlite_utils_migrations_under_the_names_opening_reads() -> None:
    steps = migrations()
    assert steps.migrations_table == MIGRATIONS_TABLE
    assert steps.name == MIGRATION_SET
    assert tuple(m.name for m in steps._migrations) == MIGRATION_NAMES
    assert len(MIGRATION_NAMES) == SCHEMA_VERSION == len(set(MIGRATION_NAMES))
    assert migrations() is steps  # built once


def test_an_up_to_date_mirror_opens_without_sqlite_utils(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    Mirror.open(db).close()  # made and migrated here
    assert probe(db) == {"sqlite_utils": False, "version": SCHEMA_VERSION}


def test_an_older_mirror_is_upgraded_through_sqlite_utils(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    Mirror.open(db).close()
    last = MIGRATION_NAMES[-1]
    # As a mirror of one migration ago: without the last step's record, version, tables and
    # columns.
    before = _tables_without_step(tmp_path, last)
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute(f"DELETE FROM {MIGRATIONS_TABLE} WHERE name = ?", (last,))
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")
    for table, columns in _columns(db).items():
        if table not in before:
            conn.execute(f"DROP TABLE [{table}]")
            continue
        for column in columns - before[table]:
            conn.execute(f"ALTER TABLE [{table}] DROP COLUMN [{column}]")
    conn.close()
    assert probe(db) == {"sqlite_utils": True, "version": SCHEMA_VERSION}
    conn = sqlite3.connect(db)
    applied = [row[0] for row in conn.execute(f"SELECT name FROM {MIGRATIONS_TABLE}")]
    conn.close()
    assert tuple(applied) == MIGRATION_NAMES


def _tables(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    finally:
        conn.close()


def _columns(db: Path) -> dict[str, set[str]]:
    """Each ordinary table of the mirror at ``db`` and its columns."""
    conn = sqlite3.connect(db)
    try:
        return {
            table: {row[1] for row in conn.execute(f"PRAGMA table_info([{table}])")}
            for table in _tables(db)
            if not table.startswith(("sqlite_", "observations_fts"))
        }
    finally:
        conn.close()


def _tables_without_step(tmp_path: Path, last: str) -> dict[str, set[str]]:
    """The tables (and their columns) a mirror has with every step but ``last`` applied."""
    from sqlite_utils import Database
    from sqlite_utils.migrations import Migrations

    partial = Migrations(MIGRATION_SET)
    for step in migrations()._migrations:
        if step.name != last:
            partial(name=step.name)(step.fn)
    db = tmp_path / "partial.db"
    conn = sqlite3.connect(db, isolation_level=None)
    partial.apply(Database(conn))
    conn.close()
    return _columns(db)


def _schema(db: Path) -> tuple[list[tuple[str, ...]], list[tuple[object, ...]], tuple[int, int]]:
    conn = sqlite3.connect(db)
    try:
        master = sorted(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))
        applied = conn.execute(
            f"SELECT id, migration_set, name FROM {MIGRATIONS_TABLE} ORDER BY id"
        ).fetchall()
        ids = (
            conn.execute("PRAGMA application_id").fetchone()[0],
            conn.execute("PRAGMA user_version").fetchone()[0],
        )
    finally:
        conn.close()
    return master, applied, ids


def test_a_new_mirror_is_made_as_sqlite_utils_would_make_it(tmp_path: Path) -> None:
    # Mirror.open makes a new mirror without sqlite-utils (schema.create_schema): the same
    # tables, indexes, triggers, migration records and header as its Migrations would leave.
    from sqlite_utils import Database

    from backfill_tui.store.schema import APPLICATION_ID

    ours = tmp_path / "ours.db"
    Mirror.open(ours).close()
    theirs = tmp_path / "theirs.db"
    conn = sqlite3.connect(theirs, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    migrations().apply(Database(conn))
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    conn.close()
    assert _schema(ours) == _schema(theirs)
    conn = sqlite3.connect(ours)
    assert migrations().pending(Database(conn)) == []  # sqlite-utils sees nothing to apply
    conn.close()


def test_an_older_mirror_marks_streams_a_later_404_ended_short_and_keeps_every_row(
    tmp_path: Path,
) -> None:
    """Migration 0014 adds ``streams.ended_short``. A mirror written before it opens and is
    upgraded with nothing lost; its streams that completed noted "deleted or hidden ... while
    it was being read" (a later page's 404) are marked, so the next re-sync reads their whole
    window again instead of narrowing on a run that left pages unread."""
    db = tmp_path / "old.db"
    conn = older_mirror(db, "0014_stream_ended_short")
    gone = (
        "repository acme/rocket was deleted or hidden from this token while it was being read "
        "(GitHub: Not Found); kept what came before"
    )
    conn.execute(
        "INSERT INTO runs (id, workspace_id, sources, depth_days, since, max_items, status,"
        " started_at) VALUES ('r1', 'demo', '[\"github:acme/rocket\"]', 30,"
        " '2026-10-29T00:00:00+00:00', 1000, 'completed', '2026-11-28T00:00:00+00:00')"
    )
    for entity, note in (
        ("issue", gone),
        ("pull_request", None),
        ("push", "repository x is empty"),
    ):
        conn.execute(
            "INSERT INTO streams (run_id, provider, target, entity, status, note)"
            " VALUES ('r1', 'github', 'acme/rocket', ?, 'completed', ?)",
            (entity, note),
        )
    conn.execute(
        "INSERT INTO observations (external_id, workspace_id, source, source_type, source_id,"
        " observation_type, title, content, occurred_at, captured_at, created_at, run_id)"
        " VALUES ('x' || hex(randomblob(10)), 'demo', 'github', 'issue.opened',"
        " 'issue:acme/rocket#1:opened', 'issue_opened', 'Issue 1', '',"
        " '2026-11-27T00:00:00+00:00', '2026-11-28T00:00:00+00:00',"
        " '2026-11-28T00:00:00+00:00', 'r1')"
    )
    conn.close()

    mirror = Mirror.open(db)
    try:
        rows = mirror.conn.execute(
            "SELECT entity, note, ended_short FROM streams ORDER BY entity"
        ).fetchall()
        assert rows == [
            ("issue", gone, 1),
            ("pull_request", None, 0),
            ("push", "repository x is empty", 0),
        ]
        assert mirror.source_ids("demo") == ["issue:acme/rocket#1:opened"]

        def covered(entity: str) -> object:
            return mirror.covering_run(
                "demo", "github", "acme/rocket", entity, since="2026-10-30T00:00:00+00:00",
                before_run="r2", simulate=False, same_settings=lambda _stored: True,
            )  # fmt: skip

        assert covered("issue") is None  # its window was not read whole: no narrowing
        assert covered("pull_request") is not None
    finally:
        mirror.close()


def test_an_older_mirrors_fetched_items_are_kept_in_fetch_order_after_migration_0015(
    tmp_path: Path,
) -> None:
    """Migration 0015 keeps ``run_items`` in fetch order (a rowid table looked up by run)
    instead of keyed by (run_id, source_id), whose every page landed at random places. A
    mirror written before it opens with every fetched item kept, and what a diff and a
    report read of them is what they read before."""
    from backfill_tui.store.run_items import fetched_items, observations_per_day

    db = tmp_path / "old.db"
    conn = older_mirror(db, "0015_run_items_in_fetch_order")
    assert (
        "WITHOUT ROWID"
        in conn.execute("SELECT sql FROM sqlite_master WHERE name = 'run_items'").fetchone()[0]
    )
    conn.execute(
        "INSERT INTO runs (id, workspace_id, sources, depth_days, since, max_items, status,"
        " started_at) VALUES ('r1', 'demo', '[\"github:acme/rocket\"]', 30,"
        " '2026-10-29T00:00:00+00:00', 1000, 'completed', '2026-11-28T00:00:00+00:00')"
    )
    for number in (1, 2):
        conn.execute(
            "INSERT INTO observations (external_id, workspace_id, source, source_type,"
            " source_id, observation_type, title, content, occurred_at, captured_at,"
            " created_at, run_id) VALUES (?, 'demo', 'github', 'issue.opened', ?,"
            " 'issue_opened', 'Issue', '', ?, '2026-11-28T00:00:00+00:00',"
            " '2026-11-28T00:00:00+00:00', 'r1')",
            (f"id{number}", f"issue:acme/rocket#{number}:opened", f"2026-11-2{number}T10:00:00Z"),
        )
        conn.execute(
            "INSERT INTO run_items (run_id, source_id, digest) VALUES ('r1', ?, ?)",
            (f"issue:acme/rocket#{number}:opened", f"1:{number:08x}"),
        )
    conn.close()

    mirror = Mirror.open(db)
    try:
        assert (
            "WITHOUT ROWID"
            not in mirror.conn.execute(
                "SELECT sql FROM sqlite_master WHERE name = 'run_items'"
            ).fetchone()[0]
        )
        assert fetched_items(mirror, "r1").items == {
            "issue:acme/rocket#1:opened": "1:00000001",
            "issue:acme/rocket#2:opened": "1:00000002",
        }
        assert observations_per_day(mirror, "r1", "demo") == {"2026-11-21": 1, "2026-11-22": 1}
        assert mirror.problems(full=True) == []
    finally:
        mirror.close()
