"""An export says when its observations came from the built-in simulator, and ``--apply``
refuses them unless ``--include-simulated`` is given (a fresh tester exported 1,741 made-up demo
observations into a production table, warned of nothing): the dry run's second line says how
many, Postgres and Inngest alike; a replay of a simulated run's recording counts as simulated.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from conftest_pg import PgServer
from inngest_stub import FakeInngest
from support import run_cli

NOTE = "came from the built-in simulator (simulated runs), not from the providers"
KEY = "evtkey-sim-Q42"


def observations(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM observations").fetchone()[0])


def pg_count(server: PgServer, dbname: str) -> int:
    with server.admin_connect(dbname) as conn:
        row = conn.execute("SELECT count(*) FROM lightfast_workspace_neural_observations")
        return int(row.fetchone()[0])  # type: ignore[index]


def test_postgres_dry_run_says_so_and_apply_refuses_without_include_simulated(
    capsys: pytest.CaptureFixture[str], mirror: Path, pg_server: PgServer, pg_db: str
) -> None:
    pg_server.create_production_table(pg_db)
    dsn, total = pg_server.dsn(pg_db), observations(mirror)
    dry = run_cli(
        capsys, "export", "postgres", "--dsn", dsn, "--workspace", "demo", "--db", str(mirror)
    )
    assert dry.code == 0, dry.err
    lines = dry.out.splitlines()
    assert lines[1] == (
        f"note: all {total} observations to export {NOTE}; exporting them puts made-up data "
        "in production"
    ), dry.out
    assert lines[-1] == "nothing was written or sent; add --apply --include-simulated to do it"
    as_json = run_cli(
        capsys, "export", "postgres", "--dsn", dsn, "--workspace", "demo", "--db", str(mirror),
        "--json",
    )  # fmt: skip
    assert json.loads(as_json.out)["simulated"] == total

    refused = run_cli(
        capsys, "export", "postgres", "--dsn", dsn, "--workspace", "demo", "--db", str(mirror),
        "--apply",
    )  # fmt: skip
    assert refused.code == 2 and refused.out == ""
    assert refused.err == (
        f"backfill-tui: error: {total} of the observations to export {NOTE}; nothing was written or "
        "sent; add --include-simulated to export them anyway (made-up data in production)\n"
    )
    assert pg_count(pg_server, pg_db) == 0

    done = run_cli(
        capsys, "export", "postgres", "--dsn", dsn, "--workspace", "demo", "--db", str(mirror),
        "--apply", "--include-simulated",
    )  # fmt: skip
    assert done.code == 0, done.err
    assert done.out.splitlines()[-1] == (
        f"note: {total} of the observations to export {NOTE}; they went too, as "
        "--include-simulated asked"
    ), done.out
    assert pg_count(pg_server, pg_db) == total


def test_inngest_says_so_and_refuses_without_include_simulated(
    capsys: pytest.CaptureFixture[str], mirror: Path, inngest: FakeInngest, isolated: Path
) -> None:
    args = ("export", "inngest", "--event-key", KEY, "--url", inngest.url, "--workspace", "demo",
            "--db", str(mirror))  # fmt: skip
    total = observations(mirror)
    dry = run_cli(capsys, *args)
    assert dry.code == 0 and f"note: all {total} observations to export {NOTE}" in dry.out, dry.out
    refused = run_cli(capsys, *args, "--apply")
    assert refused.code == 2 and "add --include-simulated" in refused.err, refused.err
    assert inngest.received == 0
    done = run_cli(capsys, *args, "--apply", "--include-simulated")
    assert done.code == 0 and NOTE in done.out, done.out
    assert len(inngest.events) == total


def _said_simulated_and_refused(
    capsys: pytest.CaptureFixture[str], db: Path, inngest: FakeInngest
) -> None:
    """An Inngest export of workspace w from ``db``: the dry run says all its observations are
    simulated, and ``--apply`` without ``--include-simulated`` refuses, sending nothing."""
    args = ("export", "inngest", "--event-key", KEY, "--url", inngest.url, "--workspace", "w",
            "--db", str(db))  # fmt: skip
    dry = run_cli(capsys, *args)
    assert dry.code == 0 and f"all {observations(db)} observations to export {NOTE}" in dry.out
    refused = run_cli(capsys, *args, "--apply")
    assert refused.code == 2 and "--include-simulated" in refused.err, refused.err
    assert inngest.received == 0


def test_a_replay_of_a_simulated_recording_is_simulated(
    capsys: pytest.CaptureFixture[str],
    recording: Path,
    tmp_path: Path,
    inngest: FakeInngest,
    isolated: Path,
) -> None:
    db = tmp_path / "replayed.db"
    replayed = run_cli(capsys, "replay", str(recording), "--db", str(db), "--quiet")
    assert replayed.code == 0, replayed.err
    with sqlite3.connect(db) as conn:  # a replay never asks the simulator: it stores 0
        assert conn.execute("SELECT simulate, recording IS NOT NULL FROM runs").fetchall() == [
            (0, 1)
        ]
    _said_simulated_and_refused(capsys, db, inngest)


def test_a_replay_stays_simulated_once_its_recording_has_moved(
    capsys: pytest.CaptureFixture[str],
    recording: Path,
    tmp_path: Path,
    inngest: FakeInngest,
    isolated: Path,
) -> None:
    """The replay was told simulated by reading its recording's header: once the file had
    moved, the dry run was silent and ``--apply`` sent the simulator's rows to production (a
    fresh tester's finding, 72,499 rows into Postgres). The mirror keeps what the header said
    (``runs.recording_simulated``)."""
    db = tmp_path / "replayed.db"
    assert run_cli(capsys, "replay", str(recording), "--db", str(db), "--quiet").code == 0
    recording.rename(tmp_path / "moved.rec.gz")
    _said_simulated_and_refused(capsys, db, inngest)


def test_only_the_simulated_runs_count_and_run_scopes_them(
    capsys: pytest.CaptureFixture[str], mirror: Path, pg_server: PgServer, pg_db: str
) -> None:
    with sqlite3.connect(mirror) as conn:  # the first run as if fetched from GitHub itself
        (live,) = conn.execute("SELECT id FROM runs").fetchone()
        conn.execute("UPDATE runs SET simulate = 0")
    pg_server.create_production_table(pg_db)
    dsn = pg_server.dsn(pg_db)
    # Live observations alone: the dry run is as it was, its last line naming --apply alone.
    dry = run_cli(
        capsys, "export", "postgres", "--dsn", dsn, "--workspace", "demo", "--db", str(mirror)
    )
    assert dry.code == 0 and "simulat" not in dry.out, dry.out
    assert dry.out.endswith("nothing was written or sent; add --apply to do it\n")
    second = run_cli(
        capsys, "run", "linear:ENG", "--simulate", "--workspace", "demo", "--db", str(mirror),
        "--quiet", "--max-items", "30",
    )  # fmt: skip
    assert second.code == 0, second.err
    with sqlite3.connect(mirror) as conn:
        simulated = conn.execute(
            "SELECT count(*) FROM observations WHERE run_id != ?", (live,)
        ).fetchone()[0]
    total = observations(mirror)
    assert 0 < simulated < total
    dry = run_cli(
        capsys, "export", "postgres", "--dsn", dsn, "--workspace", "demo", "--db", str(mirror)
    )
    assert f"note: {simulated} of the {total} observations to export {NOTE}" in dry.out, dry.out
    # The live run alone: nothing to say, nothing refused.
    done = run_cli(
        capsys, "export", "postgres", "--dsn", dsn, "--workspace", "demo", "--db", str(mirror),
        "--run", live, "--apply",
    )  # fmt: skip
    assert done.code == 0 and "simulat" not in done.out + done.err, done.out
    assert pg_count(pg_server, pg_db) == total - simulated
