"""Export-to-Postgres benchmark: our export beside a plain COPY of the same rows into the same table.

Builds a mirror of realistic observations (one simulated 90-day backfill of github:acme/rocket,
its rows then copied with fresh sourceIds and external ids by direct store inserts, up to the
size asked), starts a throwaway PostgreSQL cluster on a loopback port (initdb/pg_ctl, as
tests/conftest_pg.py does), and prints, from one run:

- the rate of a plain ``COPY`` of the same rows (already in memory as tuples) into production's
  table (its DDL, its ten indexes) in a fresh database;
- the rate of our export (what ``export postgres --apply`` does: its checks, then the apply)
  into another fresh database, and the ratio of the two; the dry run's own time beside it;
- the export's peak resident memory at two sizes (each in a fresh subprocess);
- a re-export at the larger size when nothing is new: the dry run's time and the apply's, first
  with the table holding only the mirror's rows, then with other writers' rows for the same
  workspace beside them (:data:`OTHERS` of the mirror's count, inserted by plain SQL, as
  production's webhooks write them).

Usage: .venv/bin/python bench/export.py [--sizes 10000,100000]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import resource
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from conftest_pg import _free_port, _run, _runner, find_binary  # noqa: E402

from backfill_tui import cli  # noqa: E402
from backfill_tui.export import PostgresTarget, export_now, plan_export  # noqa: E402
from backfill_tui.export.postgres import COLUMNS, DDL, TABLE  # noqa: E402
from backfill_tui.store.opening import check_existing as _check_existing  # noqa: E402

USER, PASSWORD = "bench", "bench-pw-1618"
#: Other writers' rows added for the nothing-new measure's second case, as a share of the mirror.
OTHERS = 0.10


@contextmanager
def postgres() -> Iterator[tuple[str, int, str]]:
    """A throwaway cluster: yields (socket dir, port, admin user)."""
    initdb, pg_ctl = find_binary("initdb"), find_binary("pg_ctl")
    if not initdb or not pg_ctl:
        raise SystemExit("initdb/pg_ctl not found (apt-get install postgresql)")
    prefix, uid, gid = _runner()
    base = Path(tempfile.mkdtemp(prefix="bench-pg-"))
    data, sock, pwfile = base / "data", base / "sock", base / "pw"
    sock.mkdir()
    pwfile.write_text(secrets.token_hex(16) + "\n")
    if uid is not None and gid is not None:
        for path in (base, sock, pwfile):
            os.chown(path, uid, gid)
    admin = "pgadmin"
    init = _run(
        prefix,
        [initdb, "-D", str(data), "-U", admin, f"--pwfile={pwfile}", "-A", "scram-sha-256",
         "--auth-local=trust", "-E", "UTF8", "--no-sync"],
    )  # fmt: skip
    if init.returncode != 0:
        raise SystemExit(f"initdb failed: {init.stderr[-300:]}")
    port = _free_port()
    options = f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off"
    started = _run(
        prefix,
        [pg_ctl, "-D", str(data), "-l", str(base / "log"), "-w", "-t", "60", "-o", options,
         "start"],
    )  # fmt: skip
    if started.returncode != 0:
        raise SystemExit(f"pg_ctl start failed: {started.stderr[-300:]}")
    try:
        with admin_connect(str(sock), port, admin) as conn:
            conn.execute(f"CREATE ROLE {USER} LOGIN PASSWORD '{PASSWORD}'")  # type: ignore[arg-type]
        yield str(sock), port, admin
    finally:
        _run(prefix, [pg_ctl, "-D", str(data), "-w", "-m", "immediate", "stop"])
        shutil.rmtree(base, ignore_errors=True)


def admin_connect(sock: str, port: int, admin: str, dbname: str = "postgres") -> Any:
    return psycopg.connect(host=sock, port=port, user=admin, dbname=dbname, autocommit=True)


def fresh_database(server: tuple[str, int, str]) -> str:
    """A new database holding production's table (owned by the bench user); returns its DSN."""
    sock, port, admin = server
    name = f"bench_{secrets.token_hex(4)}"
    with admin_connect(sock, port, admin) as conn:
        conn.execute(f"CREATE DATABASE {name} OWNER {USER}")  # type: ignore[arg-type]
    with admin_connect(sock, port, admin, name) as conn:
        for statement in DDL:
            conn.execute(statement)  # type: ignore[arg-type]
        conn.execute(f"ALTER TABLE {TABLE} OWNER TO {USER}")  # type: ignore[arg-type]
    return f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{port}/{name}"


def build_mirror(db: Path, size: int) -> None:
    """A simulated backfill, its rows copied (fresh sourceId and external id) up to ``size``."""
    seed = db.with_suffix(".seed.db")
    if not seed.exists():
        with contextlib.redirect_stdout(io.StringIO()):
            code = cli.main(
                ["run", "github:acme/rocket", "--simulate", "--workspace", "bench", "--days",
                 "90", "--db", str(seed), "--quiet", "--json"]
            )  # fmt: skip
        assert code == 0
    shutil.copy(seed, db)
    names = [n for n, _ in COLUMNS if n != "ingestion_source"] + ["run_id"]
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT count(*) FROM observations").fetchone()[0]
        copies = -(-size // rows)
        select = ", ".join(
            {
                "external_id": "printf('b%020d', k.n * 1000000 + o.id)",
                "source_id": "o.source_id || ':copy' || k.n",
            }.get(n, f"o.{n}")
            for n in names
        )
        conn.execute(
            f"WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < ?) "
            f"INSERT INTO observations ({', '.join(names)}) SELECT {select} "
            "FROM observations o, k",
            (copies - 1,),
        )
        conn.execute(
            "DELETE FROM observations WHERE id NOT IN "
            "(SELECT id FROM observations ORDER BY id LIMIT ?)",
            (size,),
        )
        assert conn.execute("SELECT count(*) FROM observations").fetchone()[0] == size
    with contextlib.closing(sqlite3.connect(db)) as conn:  # as a mirror at rest: no big WAL
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _copy_text(value: Any) -> str:
    """One value in COPY's text format (PostgreSQL docs, COPY, "Text Format")."""
    if value is None:
        return "\\N"
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy_binary(conn: Any, statement: str, rows: list[tuple[Any, ...]]) -> bytes:
    """The rows as one COPY BINARY stream, formatted by psycopg's own binary dumpers (its C
    implementation) into memory: the timestamps as datetimes, the JSON text as jsonb as is."""
    from datetime import datetime

    from psycopg.copy import Writer
    from psycopg.types.json import Jsonb

    class Buffer(Writer):
        def __init__(self) -> None:
            self.parts: list[bytes] = []

        def write(self, data: Any) -> None:
            self.parts.append(bytes(data))

    kinds = [kind for _, kind in COLUMNS]
    pg_types = {"text": "text", "timestamptz": "timestamptz", "jsonb": "jsonb", "real": "float4"}

    def keep(text: Any) -> Any:
        return text

    def typed(value: Any, kind: str) -> Any:
        if value is None:
            return None
        if kind == "timestamptz":
            return datetime.fromisoformat(value)
        if kind == "jsonb":
            return Jsonb(value, dumps=keep)
        return float(value) if kind == "real" else value

    buffer = Buffer()
    # A COPY started only to format (on a connection thrown away after): nothing is sent.
    with conn.cursor().copy(statement, writer=buffer) as copy:
        copy.set_types([pg_types[kind] for kind in kinds])
        for row in rows:
            copy.write_row(tuple(typed(v, k) for v, k in zip(row, kinds, strict=True)))
    return b"".join(buffer.parts)


def plain_copy(db: Path, server: tuple[str, int, str]) -> dict[str, float]:
    """Seconds for one COPY of the mirror's rows into the table, in a fresh database each, in
    the fastest forms a DBA would use: the COPY stream formatted before the clock starts
    (text, as ``psql \\copy`` sends a file, and binary, which spares the server parsing the
    timestamps), then sent in 1 MB writes and committed. Also psycopg's ``write_row`` from
    tuples in memory (this benchmark's baseline before), for comparison."""
    names = [n for n, _ in COLUMNS]
    statement = f"COPY {TABLE} ({', '.join(names)}) FROM STDIN"
    with sqlite3.connect(db) as conn:
        rows = [
            tuple(None if v is None else str(v) for v in row)
            for row in conn.execute(f"SELECT {', '.join(names)} FROM observations")
        ]
    streams = {
        "text": "".join("\t".join(_copy_text(v) for v in row) + "\n" for row in rows).encode(),
    }
    scratch = psycopg.connect(fresh_database(server))
    try:
        streams["binary"] = _copy_binary(scratch, statement + " (FORMAT BINARY)", rows)
    finally:
        with contextlib.suppress(psycopg.Error):
            scratch.close()
    seconds: dict[str, float] = {}
    for form in ("text", "binary", "write_row"):
        with psycopg.connect(fresh_database(server)) as pg:
            data = streams.get(form, b"")
            sql = statement + (" (FORMAT BINARY)" if form == "binary" else "")
            started = time.perf_counter()
            with pg.cursor() as cur, cur.copy(sql) as copy:  # type: ignore[arg-type]
                if form == "write_row":
                    for row in rows:
                        copy.write_row(row)
                else:
                    for at in range(0, len(data), 1 << 20):
                        copy.write(data[at : at + (1 << 20)])
            pg.commit()
            seconds[form] = time.perf_counter() - started
            (count,) = pg.execute(f"SELECT count(*) FROM {TABLE}").fetchone()  # type: ignore[arg-type,misc]
            assert count == len(rows), (form, count)
    return seconds


def peak_mb() -> float:
    """This process's peak resident memory. Not ``ru_maxrss``: Linux carries that across
    fork and exec, so a child would report its parent's peak (here, the COPY's rows)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def export_child(db: str, dsn: str) -> None:
    """In a fresh process: the dry run, then what ``export postgres --apply`` does (its checks,
    then the apply); prints seconds, counts and peak memory as JSON."""
    started = time.perf_counter()
    dry = plan_export(db, PostgresTarget(dsn), "bench")
    planned = time.perf_counter()
    result = export_now(db, PostgresTarget(dsn), "bench")
    done = time.perf_counter()
    peak = peak_mb()
    assert dry.would_write == result.written, (dry.would_write, result.written)
    print(
        json.dumps(
            {"dry_s": planned - started, "export_s": done - planned, "written": result.written,
             "skipped": result.skipped, "peak_mb": peak}
        )
    )  # fmt: skip


def add_other_writers(dsn: str, count: int) -> None:
    """``count`` rows for the workspace that the mirror does not hold (webhook sourceIds)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            f"INSERT INTO {TABLE} (external_id, workspace_id, occurred_at, observation_type, "  # type: ignore[arg-type]
            "title, content, source, source_type, source_id) SELECT 'w' || lpad(n::text, 20, '0'), "
            "'bench', now(), 'push', 't', 'c', 'github', 'push', 'webhook:push:' || n "
            "FROM generate_series(1, %s) AS n",
            (count,),
        )


def nothing_new(db: Path, dsn: str, size: int, repeat: int) -> dict[str, float]:
    """The best dry run and apply of ``repeat`` re-exports that find nothing new."""
    again: dict[str, float] = {}
    for _ in range(repeat):
        run = run_export(db, dsn)
        assert run["written"] == 0 and run["skipped"] == size, run
        again = {key: min(run[key], again.get(key, run[key])) for key in ("dry_s", "export_s")}
    return again


def run_export(db: Path, dsn: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(db), dsn],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--child", nargs=2, metavar=("DB", "DSN"))
    parser.add_argument(
        "--repeat", type=int, default=2,
        help="COPY and export measured this many times each, interleaved; the best of each "
        "is shown (on a shared machine the least disturbed run is the fairest figure)",
    )  # fmt: skip
    args = parser.parse_args()
    if args.child:
        export_child(*args.child)
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    work = Path(tempfile.mkdtemp(prefix="bench-export-"))
    results: dict[int, dict[str, Any]] = {}
    try:
        with postgres() as server:
            for size in sizes:
                db = work / f"mirror-{size}.db"
                build_mirror(db, size)
                copies: dict[str, float] = {}
                first: dict[str, Any] = {}
                each: list[float] = []
                for _ in range(args.repeat):  # interleaved, so both meet the same noise
                    for form, seconds in plain_copy(db, server).items():
                        copies[form] = min(seconds, copies.get(form, seconds))
                    dsn = fresh_database(server)
                    run = run_export(db, dsn)
                    assert run["written"] == size, run
                    if not first or run["export_s"] < first["export_s"]:
                        first = run
                    each.append(run["export_s"])
                copy_s = min(copies["text"], copies["binary"])  # the faster is the baseline
                results[size] = {"copy_s": copy_s, "copies": copies, "first": first, "each": each}
                if size == sizes[-1]:
                    results[size]["again"] = nothing_new(db, dsn, size, args.repeat)
                    add_other_writers(dsn, int(size * OTHERS))
                    results[size]["others"] = nothing_new(db, dsn, size, args.repeat)
                    started = time.perf_counter()  # what every open of a mirror costs today
                    _check_existing(db)
                    results[size]["open_check_s"] = time.perf_counter() - started
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"export to PostgreSQL 15 (loopback, fsync off), {os.cpu_count()} CPUs shared")
    print(f"{'rows':>8} {'COPY rows/s':>12} {'export rows/s':>14} {'ratio':>6} "
          f"{'dry run s':>10} {'peak MB':>8}   COPY forms, rows/s")  # fmt: skip
    for size, r in results.items():
        copy_rate = size / r["copy_s"]
        first = r["first"]
        rate = size / first["export_s"]
        forms = ", ".join(f"{form} {size / s:,.0f}" for form, s in r["copies"].items())
        print(
            f"{size:>8} {copy_rate:>12,.0f} {rate:>14,.0f} {rate / copy_rate:>6.2f} "
            f"{first['dry_s']:>10.2f} {first['peak_mb']:>8.0f}   {forms}; export runs "
            + ", ".join(f"{size / s:,.0f}" for s in r["each"])
        )
    print(
        f"COPY rows/s is the faster of text and binary (each pre-formatted, 1 MB writes); "
        f"every figure is the best of {args.repeat}, measured interleaved"
    )
    small, large = sizes[0], sizes[-1]
    print(
        f"peak memory {large:,} vs {small:,}: "
        f"{results[large]['first']['peak_mb'] / results[small]['first']['peak_mb']:.2f}x"
    )
    again = results[large]["again"]
    print(
        f"nothing new at {large:,}: dry run {again['dry_s']:.2f} s, export --apply "
        f"{again['export_s']:.2f} s (in-process, after start-up; each includes one open of "
        f"the mirror, whose integrity check alone took {results[large]['open_check_s']:.2f} s)"
    )
    others = results[large]["others"]
    print(
        f"nothing new at {large:,}, the table also holding {int(large * OTHERS):,} other "
        f"writers' rows for the workspace: dry run {others['dry_s']:.2f} s, export --apply "
        f"{others['export_s']:.2f} s"
    )


if __name__ == "__main__":
    main()
