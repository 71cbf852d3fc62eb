"""An export whose statement waits on a lock another session holds says so: with the target
table locked by an open transaction (``psql``'s ``BEGIN; LOCK TABLE ...``), ``export postgres
--apply`` sat silent for as long as that session kept it (a fresh tester's finding). The face
is told once, naming the session that holds it; the export goes on, writing every row once,
when that session ends its transaction."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from conftest_pg import PgServer

from backfill_tui.export import (
    ExportPlan,
    ExportResult,
    PostgresTarget,
    export_now,
    pg_waits,
    plan_export,
)
from backfill_tui.export.target import LockWait, SendNotice

TABLE = "lightfast_workspace_neural_observations"


@pytest.mark.parametrize("apply", [True, False], ids=["apply", "dry run"])
def test_a_table_locked_by_another_session_is_said_and_the_export_goes_on_after(
    mirror: Path, pg_server: PgServer, pg_db: str, monkeypatch: pytest.MonkeyPatch, apply: bool
) -> None:
    monkeypatch.setattr(pg_waits, "SILENCE_NOTICE_S", 0.3)  # 5 s in use
    monkeypatch.setattr(pg_waits, "POLL_S", 0.1)
    pg_server.create_production_table(pg_db)
    # a colleague's psql, of the same role as the export: the server shows its state
    holder = pg_server.lock_production_table(pg_db)
    holder_pid = holder.info.backend_pid

    told: list[SendNotice] = []
    results: list[ExportResult | ExportPlan] = []
    errors: list[BaseException] = []

    def export() -> None:
        try:
            target = PostgresTarget(pg_server.dsn(pg_db), batch_size=50)
            if apply:
                results.append(export_now(mirror, target, "demo", retrying=told.append))
            else:
                results.append(plan_export(mirror, target, "demo", retrying=told.append))
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=export)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not any(isinstance(n, LockWait) for n in told) and time.monotonic() < deadline:
            time.sleep(0.05)
        waits = [n for n in told if isinstance(n, LockWait)]
        assert waits, told
        line = waits[0].line()
        assert line.startswith("waiting for PostgreSQL at 127.0.0.1:"), line
        said = f"a lock held by another session (pid {holder_pid}, psql, idle in transaction for "
        assert said in line, line
        assert line.endswith("the export goes on once that session commits or ends"), line
        assert pg_server.dsn(pg_db).split("@")[0].split(":")[-1] not in line  # no password
        assert thread.is_alive()  # still waiting
    finally:
        holder.rollback()
        holder.close()
        thread.join(timeout=60)
    assert not errors, errors
    (result,) = results
    if isinstance(result, ExportPlan):  # the dry run: every row would be written
        assert not apply and result.would_write == result.total > 0
    else:
        assert result.written > 0 and not result.cancelled
        with pg_server.admin_connect(pg_db) as conn:
            row = conn.execute(
                f"SELECT count(*), count(DISTINCT source_id) FROM {TABLE}"
            ).fetchone()  # type: ignore[arg-type]
        assert row == (result.written, result.written)
    assert len([n for n in told if isinstance(n, LockWait)]) == 1  # said once per wait
