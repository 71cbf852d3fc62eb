"""``backfill-tui export postgres`` against a real PostgreSQL server started by the tests."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from conftest_pg import PASSWORD, PgServer
from support import run_cli, simulated_too

from backfill_tui.export import ExportResult, PostgresTarget, apply_export, plan_export

TABLE = "lightfast_workspace_neural_observations"
JSON_COLUMNS = ("actor", "source_references", "metadata")
TIME_COLUMNS = ("occurred_at", "captured_at", "created_at")
SHARED_COLUMNS = (
    "external_id", "workspace_id", "source", "source_type", "source_id", "observation_type",
    "title", "content", "actor", "source_references", "metadata", "occurred_at", "captured_at",
    "created_at", "ingestion_source", "significance_score",
)  # fmt: skip


def mirror_rows(db: Path, workspace: str = "demo") -> dict[str, dict[str, Any]]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        rows = conn.execute("SELECT * FROM observations WHERE workspace_id = ?", (workspace,))
        return {r["source_id"]: dict(r) for r in rows}
    finally:
        conn.close()


def pg_rows(server: PgServer, dbname: str) -> list[dict[str, Any]]:
    with (
        server.admin_connect(dbname) as conn,
        conn.cursor(row_factory=psycopg.rows.dict_row) as cur,
    ):
        cur.execute(f"SELECT * FROM {TABLE} ORDER BY id")  # type: ignore[arg-type]
        return list(cur.fetchall())


def pg_count(server: PgServer, dbname: str) -> int:
    with server.admin_connect(dbname) as conn:
        row = conn.execute(f"SELECT count(*) FROM {TABLE}").fetchone()  # type: ignore[arg-type]
        assert row is not None
        return int(row[0])


def table_exists(server: PgServer, dbname: str) -> bool:
    with server.admin_connect(dbname) as conn:
        row = conn.execute("SELECT to_regclass(%s)", (TABLE,)).fetchone()
        return row is not None and row[0] is not None


def export(capsys: pytest.CaptureFixture[str], db: Path, dsn: str, *extra: str) -> Any:
    return run_cli(
        capsys, "export", "postgres", "--dsn", dsn, "--workspace", "demo", "--db", str(db),
        *simulated_too(extra),
    )  # fmt: skip


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_exported_rows_equal_the_mirror_column_by_column(
    capsys: pytest.CaptureFixture[str], mirror: Path, pg_server: PgServer, pg_db: str
) -> None:
    dsn = pg_server.dsn(pg_db)
    result = export(capsys, mirror, dsn, "--create-schema", "--apply", "--json")
    assert result.code == 0, result.err
    summary = json.loads(result.out)
    expected = mirror_rows(mirror)
    assert summary["written"] == len(expected) > 0 and summary["skipped"] == 0
    assert summary["schema_created"] is True

    rows = pg_rows(pg_server, pg_db)
    assert len(rows) == len(expected)
    for row in rows:
        want = expected[row["source_id"]]
        for column in SHARED_COLUMNS:
            got = row[column]
            if column in JSON_COLUMNS:
                assert got == (json.loads(want[column]) if want[column] else None), column
            elif column in TIME_COLUMNS:
                assert got == datetime.fromisoformat(want[column]), column
            elif column == "significance_score":
                assert got == pytest.approx(want[column], rel=1e-6), column
            else:
                assert got == want[column], column
        assert row["ingestion_source"] == "backfill"
        assert len(row["external_id"]) == 21
        # Enrichment columns stay as production leaves them before its workflow runs.
        for column in ("cluster_id", "actor_id", "topics", "embedding_vector_id"):
            assert row[column] is None
    assert "wrote" not in result.err

    # The ledger in the mirror says what went where, without the password.
    with sqlite3.connect(mirror) as conn:
        ledger = conn.execute("SELECT DISTINCT target_kind, target_id FROM exports").fetchall()
        assert conn.execute("SELECT count(*) FROM exports").fetchone()[0] == len(expected)
    assert ledger == [("postgres", f"127.0.0.1:{pg_server.port}/{pg_db}")]
    assert PASSWORD.encode() not in mirror.read_bytes()


def test_schema_is_productions(
    capsys: pytest.CaptureFixture[str], mirror: Path, pg_server: PgServer, pg_db: str
) -> None:
    assert export(capsys, mirror, pg_server.dsn(pg_db), "--create-schema", "--apply").code == 0
    with pg_server.admin_connect(pg_db) as conn:
        indexes = dict(
            conn.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", (TABLE,)
            ).fetchall()
        )
        types = dict(
            conn.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_name = %s",
                (TABLE,),
            ).fetchall()
        )
    assert "UNIQUE" in indexes["obs_external_id_idx"]
    assert "UNIQUE" not in indexes["obs_source_id_idx"]
    assert "(workspace_id, source_id)" in indexes["obs_source_id_idx"]
    assert len(indexes) == 10  # the primary key and production's nine indexes
    assert types["id"] == "bigint" and types["actor"] == "jsonb"
    assert types["occurred_at"] == "timestamp with time zone"
    assert types["ingestion_source"] == "character varying"


def test_second_export_writes_nothing_and_says_so(
    capsys: pytest.CaptureFixture[str], mirror: Path, pg_server: PgServer, pg_db: str
) -> None:
    dsn = pg_server.dsn(pg_db)
    first = export(capsys, mirror, dsn, "--create-schema", "--apply")
    assert first.code == 0, first.err
    count = pg_count(pg_server, pg_db)

    dry = export(capsys, mirror, dsn)
    assert dry.code == 0
    assert "nothing new to send" in dry.out

    again = export(capsys, mirror, dsn, "--apply")
    assert again.code == 0, again.err
    assert again.out.startswith("nothing new: 0 observations written")
    assert f"{count} skipped (already in the table)" in again.out
    assert pg_count(pg_server, pg_db) == count


def test_rows_already_in_the_table_are_skipped(
    capsys: pytest.CaptureFixture[str], mirror: Path, pg_server: PgServer, pg_db: str
) -> None:
    """A row a webhook already stored (same workspace and sourceId) is not written again."""
    dsn = pg_server.dsn(pg_db)
    pg_server.create_production_table(pg_db)
    expected = mirror_rows(mirror)
    taken = sorted(expected)[:7]
    with pg_server.admin_connect(pg_db) as conn:
        for n, source_id in enumerate(taken):
            row = expected[source_id]
            conn.execute(
                f"INSERT INTO {TABLE} (external_id, workspace_id, occurred_at, observation_type, "  # type: ignore[arg-type]
                "title, content, source, source_type, source_id) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s)",
                (f"webhook{n:014d}", "demo", row["occurred_at"], row["observation_type"],
                 row["title"], row["content"], row["source"], row["source_type"], source_id),
            )  # fmt: skip

    dry = export(capsys, mirror, dsn, "--json")
    assert json.loads(dry.out)["would_write"] == len(expected) - 7
    assert json.loads(dry.out)["skipped"] == 7
    done = export(capsys, mirror, dsn, "--apply", "--json")
    assert json.loads(done.out)["written"] == len(expected) - 7
    assert pg_count(pg_server, pg_db) == len(expected)


def test_two_exports_at_once_write_each_row_once(
    mirror: Path, pg_server: PgServer, pg_db: str
) -> None:
    dsn = pg_server.dsn(pg_db)
    pg_server.create_production_table(pg_db)

    # Both plan before either writes, so both think every row is new.
    plans = [plan_export(mirror, PostgresTarget(dsn, batch_size=25), "demo") for _ in range(2)]
    barrier = threading.Barrier(2)
    results: list[ExportResult] = []
    errors: list[BaseException] = []

    def go(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results.append(apply_export(plans[index]))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    total = len(mirror_rows(mirror))
    assert sum(r.written for r in results) == total
    with pg_server.admin_connect(pg_db) as conn:
        dupes = conn.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {TABLE} GROUP BY workspace_id, source_id "  # type: ignore[arg-type]
            "HAVING count(*) > 1) d"
        ).fetchone()
    assert dupes == (0,)
    assert pg_count(pg_server, pg_db) == total


def test_dry_run_changes_nothing(
    capsys: pytest.CaptureFixture[str], mirror: Path, pg_server: PgServer, pg_db: str
) -> None:
    dsn = pg_server.dsn(pg_db)
    files = sorted(p.name for p in mirror.parent.iterdir())
    before = digest(mirror)

    # --create-schema without --apply only says it would create the table.
    dry = export(capsys, mirror, dsn, "--create-schema")
    assert dry.code == 0, dry.err
    assert "would create table" in dry.out
    assert not table_exists(pg_server, pg_db)

    pg_server.create_production_table(pg_db)
    dry = export(capsys, mirror, dsn)
    assert dry.code == 0, dry.err
    total = len(mirror_rows(mirror))
    assert re.search(rf"would write +{total} +in 1 batch\n", dry.out)
    assert "sample:" in dry.out and "add --apply" in dry.out
    assert pg_count(pg_server, pg_db) == 0
    assert digest(mirror) == before
    assert sorted(p.name for p in mirror.parent.iterdir()) == files


@pytest.mark.parametrize(
    ("case", "expect"),
    [
        ("unparsable", "--dsn is not a PostgreSQL connection string"),
        ("wrong password", "refused the password for user exporter"),
        ("missing table", "does not exist in 127.0.0.1:"),
        ("no observations", "no observations for workspace 'nobody-here'"),
    ],
)
def test_bad_input_is_one_line_exit_2_without_the_password(
    capsys: pytest.CaptureFixture[str],
    mirror: Path,
    pg_server: PgServer,
    pg_db: str,
    isolated: Path,
    case: str,
    expect: str,
) -> None:
    """A server refusing connections is exit 1, not bad input (test_export_unreachable)."""
    wrong = "Wr0ng-pass-31415"
    args: list[str] = ["--workspace", "demo"]
    dsn = pg_server.dsn(pg_db)
    secret = PASSWORD
    if case == "unparsable":
        dsn = f"postgresql://{pg_server.port}:{PASSWORD}@[::1/{pg_db}"
    elif case == "wrong password":
        dsn, secret = pg_server.dsn(pg_db, password=wrong), wrong
    elif case == "no observations":
        assert export(capsys, mirror, dsn, "--create-schema", "--apply").code == 0
        args = ["--workspace", "nobody-here"]
    result = run_cli(
        capsys, "export", "postgres", "--dsn", dsn, *args, "--db", str(mirror), "--apply",
        "--include-simulated",
    )  # fmt: skip
    assert result.code == 2
    assert result.out == ""
    assert result.err.count("\n") == 1, result.err
    assert expect in result.err
    if case == "missing table":
        assert "--create-schema" in result.err
    logs = "".join(p.read_text() for p in isolated.rglob("*.log"))
    for text in (result.out, result.err, logs):
        assert secret not in text
    assert secret.encode() not in mirror.read_bytes()


def test_create_schema_refuses_an_existing_table(
    capsys: pytest.CaptureFixture[str], mirror: Path, pg_server: PgServer, pg_db: str
) -> None:
    dsn = pg_server.dsn(pg_db)
    assert export(capsys, mirror, dsn, "--create-schema", "--apply").code == 0
    count = pg_count(pg_server, pg_db)
    for extra in ((), ("--apply",)):
        again = export(capsys, mirror, dsn, "--create-schema", *extra)
        assert again.code == 2
        assert "already exists" in again.err and again.err.count("\n") == 1
    assert pg_count(pg_server, pg_db) == count


def test_run_filter_exports_only_that_runs_rows(
    capsys: pytest.CaptureFixture[str], mirror: Path, pg_server: PgServer, pg_db: str
) -> None:
    with sqlite3.connect(mirror) as conn:
        run_id = conn.execute("SELECT id FROM runs").fetchone()[0]
    dsn = pg_server.dsn(pg_db)
    done = export(capsys, mirror, dsn, "--create-schema", "--apply", "--run", run_id, "--json")
    assert done.code == 0, done.err
    assert json.loads(done.out)["written"] == len(mirror_rows(mirror))
    missing = export(capsys, mirror, dsn, "--run", "19990101-000000-0000")
    assert missing.code == 2 and "no run 19990101-000000-0000" in missing.err
