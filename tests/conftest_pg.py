"""A throwaway PostgreSQL cluster for the export tests, started once per session.

Finds ``initdb``/``pg_ctl`` (PATH, /usr/lib/postgresql/*/bin, /usr/local/bin), makes a cluster in
a temporary directory (as root it runs them as the ``postgres`` user, or ``nobody``, since
initdb refuses root), starts it on a free 127.0.0.1 port with password (scram-sha-256) auth over
TCP and trust on its private socket, and stops and deletes it at the end. A test that needs it
fails, rather than skips, under CI=true when no server can be started.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shlex
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

USER = "exporter"
PASSWORD = "Xq7-exp0rt-pw-2718"


@dataclass(frozen=True)
class PgServer:
    port: int
    socket_dir: str
    admin: str

    def dsn(self, dbname: str, password: str = PASSWORD, user: str = USER) -> str:
        return f"postgresql://{user}:{password}@127.0.0.1:{self.port}/{dbname}"

    def admin_connect(self, dbname: str = "postgres") -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(
            host=self.socket_dir, port=self.port, user=self.admin, dbname=dbname, autocommit=True
        )

    def create_production_table(self, dbname: str, *extra_sql: str) -> None:
        """Production's observations table (``export.postgres.DDL``) in ``dbname``, and each
        of ``extra_sql`` after it, run as the admin; the table is then the export role's."""
        from backfill_tui.export.postgres import DDL, TABLE

        with self.admin_connect(dbname) as conn:
            for statement in (*DDL, *extra_sql):
                conn.execute(statement)  # type: ignore[arg-type]
            conn.execute(f"ALTER TABLE {TABLE} OWNER TO {USER}")  # type: ignore[arg-type]

    def lock_production_table(self, dbname: str) -> psycopg.Connection[tuple[object, ...]]:
        """A session of the export's role, named ``psql`` as a colleague's would be, holding
        production's table in ACCESS EXCLUSIVE mode until its transaction ends (``rollback``)."""
        from backfill_tui.export.postgres import TABLE

        holder = psycopg.connect(self.dsn(dbname))
        holder.execute("SET application_name = 'psql'")
        holder.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")  # type: ignore[arg-type]
        return holder

    def create_database(self) -> str:
        name = f"scratch_{secrets.token_hex(4)}"
        with self.admin_connect() as conn:
            conn.execute(f"CREATE DATABASE {name} OWNER {USER}")  # type: ignore[arg-type]
        return name


def find_binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0,
        reverse=True,
    )
    candidates.append(f"/usr/local/bin/{name}")
    return next((c for c in candidates if os.access(c, os.X_OK)), None)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL is needed under CI and {reason}")
    pytest.skip(f"no PostgreSQL: {reason}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _runner() -> tuple[list[str], int | None, int | None]:
    """How to run the server's binaries: as ourselves, or as an unprivileged user when root."""
    if os.geteuid() != 0:
        return [], None, None
    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        if shutil.which("runuser"):
            return ["runuser", "-u", name, "--"], entry.pw_uid, entry.pw_gid
        return ["su", "-s", "/bin/sh", name, "-c"], entry.pw_uid, entry.pw_gid
    return [], None, None


def _run(prefix: list[str], argv: list[str]) -> subprocess.CompletedProcess[str]:
    command = [*prefix, shlex.join(argv)] if prefix[:1] == ["su"] else [*prefix, *argv]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    initdb, pg_ctl = find_binary("initdb"), find_binary("pg_ctl")
    if not initdb or not pg_ctl:
        _unavailable("initdb/pg_ctl were not found (apt-get install postgresql)")
    assert initdb and pg_ctl
    prefix, uid, gid = _runner()
    base = Path(tempfile.mkdtemp(prefix="backfill-pg-"))
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    pwfile = base / "pw"
    admin = "pgadmin"
    pwfile.write_text(secrets.token_hex(16) + "\n")
    if uid is not None and gid is not None:
        for path in (base, sock, pwfile):
            os.chown(path, uid, gid)
    init = _run(
        prefix,
        [initdb, "-D", str(data), "-U", admin, f"--pwfile={pwfile}", "-A", "scram-sha-256",
         "--auth-local=trust", "-E", "UTF8", "--no-sync"],
    )  # fmt: skip
    if init.returncode != 0:
        shutil.rmtree(base, ignore_errors=True)
        _unavailable(f"initdb failed: {init.stderr.strip()[-500:]}")
    port, started = 0, None
    for _ in range(3):  # a free port can be taken between the check and the start
        port = _free_port()
        options = f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off"
        started = _run(
            prefix, [pg_ctl, "-D", str(data), "-l", str(base / "log"), "-w", "-t", "60",
                     "-o", options, "start"],
        )  # fmt: skip
        if started.returncode == 0:
            break
    if started is None or started.returncode != 0:
        log = (base / "log").read_text() if (base / "log").exists() else ""
        shutil.rmtree(base, ignore_errors=True)
        _unavailable(
            f"pg_ctl start failed: {(started.stderr if started else '')[-300:]} {log[-300:]}"
        )
    server = PgServer(port=port, socket_dir=str(sock), admin=admin)
    try:
        with server.admin_connect() as conn:
            conn.execute(f"CREATE ROLE {USER} LOGIN PASSWORD '{PASSWORD}'")  # type: ignore[arg-type]
        yield server
    finally:
        _run(prefix, [pg_ctl, "-D", str(data), "-w", "-m", "immediate", "stop"])
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def pg_db(pg_server: PgServer) -> str:
    """A fresh, empty database owned by the password user, for one test."""
    return pg_server.create_database()
