"""Export to production's PostgreSQL table ``lightfast_workspace_neural_observations``.

Rows get production's columns and types (lightfast-data-model.md §5.2): the mirror's
``external_id`` (a 21-character nanoid), ``ingestion_source = 'backfill'``, JSONB actor,
references and metadata. Production has no unique index on (workspace_id, source_id) and dedups
in the application, so each batch is written in a transaction that first takes
``pg_advisory_xact_lock(hashtext(workspace_id))`` and then inserts only the rows not already
there: two exports of one workspace at once cannot both write a row. (Production's own
capture workflow does not take this lock; a webhook landing in the same instant could still
race it, as two webhooks can today.)

A DSN's password never leaves this module: it is registered with ``secrets_registry`` and every
psycopg message is reduced to one redacted line before it becomes an :class:`ExportError`.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from ..secrets_registry import redact, register
from ..store.exports import ObservationRow
from .common import ExportError, ExportTarget

log = logging.getLogger("backfill_tui.export")

TABLE = "lightfast_workspace_neural_observations"
BATCH_SIZE = 500
CONNECT_TIMEOUT_S = 10

# Production's DDL (Era A migrations 0015 + 0027). external_id has no database default: production
# fills it in the application (nanoid). The foreign key workspace_id -> lightfast_org_workspaces(id)
# ON DELETE CASCADE is left out: that table does not exist in a scratch database.
DDL = (
    f"""CREATE TABLE {TABLE} (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        external_id varchar(21) NOT NULL,
        workspace_id varchar(191) NOT NULL,
        cluster_id bigint,
        occurred_at timestamp with time zone NOT NULL,
        captured_at timestamp with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP,
        actor jsonb,
        actor_id bigint,
        observation_type varchar(100) NOT NULL,
        title text NOT NULL,
        content text NOT NULL,
        topics jsonb,
        significance_score real,
        source varchar(50) NOT NULL,
        source_type varchar(100) NOT NULL,
        source_id varchar(255) NOT NULL,
        source_references jsonb,
        metadata jsonb,
        embedding_vector_id varchar(191),
        embedding_title_id varchar(191),
        embedding_content_id varchar(191),
        embedding_summary_id varchar(191),
        ingestion_source varchar(20) NOT NULL DEFAULT 'webhook',
        created_at timestamp with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP
    )""",
    f"CREATE UNIQUE INDEX obs_external_id_idx ON {TABLE} (external_id)",
    f"CREATE INDEX obs_workspace_occurred_idx ON {TABLE} (workspace_id, occurred_at)",
    f"CREATE INDEX obs_cluster_idx ON {TABLE} (cluster_id)",
    f"CREATE INDEX obs_source_idx ON {TABLE} (workspace_id, source, source_type)",
    # Not unique, as in production: dedup is the writer's job.
    f"CREATE INDEX obs_source_id_idx ON {TABLE} (workspace_id, source_id)",
    f"CREATE INDEX obs_type_idx ON {TABLE} (workspace_id, observation_type)",
    f"CREATE INDEX obs_embedding_title_idx ON {TABLE} (workspace_id, embedding_title_id)",
    f"CREATE INDEX obs_embedding_content_idx ON {TABLE} (workspace_id, embedding_content_id)",
    f"CREATE INDEX obs_embedding_summary_idx ON {TABLE} (workspace_id, embedding_summary_id)",
)

#: The columns an export writes; the rest keep production's defaults (NULL until enrichment).
COLUMNS: tuple[tuple[str, str], ...] = (
    ("external_id", "text"),
    ("workspace_id", "text"),
    ("occurred_at", "timestamptz"),
    ("captured_at", "timestamptz"),
    ("actor", "jsonb"),
    ("observation_type", "text"),
    ("title", "text"),
    ("content", "text"),
    ("significance_score", "real"),
    ("source", "text"),
    ("source_type", "text"),
    ("source_id", "text"),
    ("source_references", "jsonb"),
    ("metadata", "jsonb"),
    ("ingestion_source", "text"),
    ("created_at", "timestamptz"),
)

_names = ", ".join(name for name, _ in COLUMNS)
# Arrays come in as text (JSON and timestamps as their text form) and are cast on the way in.
_INSERT = (
    f"INSERT INTO {TABLE} ({_names}) "
    f"SELECT {', '.join(f'v.{n}::{t}' for n, t in COLUMNS)} "
    f"FROM unnest({', '.join('%s::text[]' for _ in COLUMNS)}) AS v({_names}) "
    f"WHERE NOT EXISTS (SELECT 1 FROM {TABLE} o "
    "WHERE o.workspace_id = v.workspace_id AND o.source_id = v.source_id) "
    "RETURNING source_id"
)
_LOCK = "SELECT pg_advisory_xact_lock(hashtext(%s))"


def _one_line(exc: BaseException) -> str:
    """psycopg's message, first meaningful line, without any registered secret."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    text = lines[0] if lines else type(exc).__name__
    text = re.sub(r"^connection failed:\s*", "", text)
    text = re.sub(r"password\s*=\s*\S+", "password=***", text)
    return redact(text)


class PostgresTarget(ExportTarget):
    """Production's observations table in the database a DSN names."""

    kind = "postgres"
    skip_reason = "already in the table"

    def __init__(
        self, dsn: str, *, create_schema: bool = False, batch_size: int = BATCH_SIZE
    ) -> None:
        self.create_schema = create_schema
        self.batch_size = batch_size
        self._conn: psycopg.Connection[Any] | None = None
        self._target_id = ""
        self._schema_created = False
        self._params = self._parse(dsn)
        self._params.setdefault("connect_timeout", str(CONNECT_TIMEOUT_S))
        self._params.setdefault("application_name", "backfill-tui export")

    @staticmethod
    def _parse(dsn: str) -> dict[str, Any]:
        # Register the password before anything can echo it (libpq's own parse errors can).
        for match in re.finditer(r"://[^:/@]*:([^@]*)@|password\s*=\s*'?([^\s']+)", dsn):
            secret = match.group(1) or match.group(2)
            register(secret)
            register(quote(secret, safe=""))
        try:
            params = conninfo_to_dict(dsn)
        except psycopg.Error:
            register(dsn)
            raise ExportError(
                "--dsn is not a PostgreSQL connection string; write "
                "postgresql://USER:PASSWORD@HOST:PORT/DBNAME or 'host=... dbname=...'"
            ) from None
        register(os.environ.get("PGPASSWORD"))  # libpq falls back on it
        password = params.get("password")
        if password:
            register(str(password))
            register(quote(str(password), safe=""))
        return params

    # -- connection ------------------------------------------------------------------------

    @property
    def target_id(self) -> str:
        return self._target_id

    def _where(self) -> str:
        host = self._params.get("host") or self._params.get("hostaddr") or "localhost"
        port = self._params.get("port") or 5432
        return f"{host}:{port}/{self._params.get('dbname') or self._params.get('user') or ''}"

    def open(self, *, apply: bool) -> None:
        where = redact(self._where())
        try:
            conn = psycopg.connect(make_conninfo(**self._params), autocommit=True)
        except psycopg.OperationalError as exc:
            raise ExportError(_connect_message(exc, where, self._params)) from None
        except psycopg.Error as exc:
            raise ExportError(
                f"cannot connect to PostgreSQL at {where}: {_one_line(exc)}"
            ) from None
        info = conn.info
        self._target_id = redact(f"{info.host}:{info.port}/{info.dbname}")
        self._conn = conn
        try:
            with self._errors():
                if not apply:  # a dry run cannot write, whatever happens below
                    conn.execute("SET default_transaction_read_only = on")
                self._check_table()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    @property
    def conn(self) -> psycopg.Connection[Any]:
        assert self._conn is not None, "open() first"
        return self._conn

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except psycopg.Error as exc:
            raise ExportError(f"PostgreSQL at {self._target_id}: {_one_line(exc)}") from None

    def _table_exists(self) -> bool:
        row = self.conn.execute("SELECT to_regclass(%s)", (TABLE,)).fetchone()
        return row is not None and row[0] is not None

    def _check_table(self) -> None:
        exists = self._table_exists()
        if self.create_schema:
            if exists:
                raise ExportError(
                    f"table {TABLE} already exists in {self._target_id}; --create-schema only "
                    "creates it in an empty scratch database (drop it there, or leave the flag off)"
                )
            return
        if not exists:
            raise ExportError(
                f"table {TABLE} does not exist in {self._target_id}; on a scratch database, "
                "create it with --create-schema"
            )
        cur = self.conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
            "AND table_schema = ANY (current_schemas(false))",
            (TABLE,),
        )
        found = {row[0] for row in cur.fetchall()}
        missing = [name for name, _ in COLUMNS if name not in found]
        if missing:
            raise ExportError(
                f"table {TABLE} in {self._target_id} lacks column(s) {', '.join(missing)}; "
                "it is not production's schema (Era A, with ingestion_source)"
            )

    # -- export ----------------------------------------------------------------------------

    def plan_details(self) -> dict[str, Any]:
        return {"create_schema": self.create_schema}

    def stats(self) -> dict[str, Any]:
        return {"schema_created": self._schema_created}

    def prepare(self) -> None:
        if not self.create_schema:
            return
        with self._errors(), self.conn.transaction():
            self.conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (TABLE,))
            if self._table_exists():
                raise ExportError(
                    f"table {TABLE} already exists in {self._target_id}; --create-schema refuses"
                )
            for statement in DDL:
                self.conn.execute(statement)
        self._schema_created = True

    def present(
        self, workspace: str, rows: Sequence[ObservationRow], recorded: set[str]
    ) -> set[str]:
        # The table is the truth (it may have been emptied or recreated since the ledger said
        # so); the ledger is not consulted.
        if not rows or (self.create_schema and not self._schema_created):
            return set()
        with self._errors():
            cur = self.conn.execute(
                f"SELECT DISTINCT source_id FROM {TABLE} "
                "WHERE workspace_id = %s AND source_id = ANY (%s)",
                (workspace, [r.source_id for r in rows]),
            )
            return {row[0] for row in cur.fetchall()}

    def batches(self, workspace: str, rows: Sequence[ObservationRow]) -> list[list[ObservationRow]]:
        return [list(rows[i : i + self.batch_size]) for i in range(0, len(rows), self.batch_size)]

    def send(self, workspace: str, batch: Sequence[ObservationRow]) -> list[ObservationRow]:
        columns: list[list[Any]] = [[] for _ in COLUMNS]
        for row in batch:
            for i, (name, _) in enumerate(COLUMNS):
                value = "backfill" if name == "ingestion_source" else getattr(row, name)
                columns[i].append(None if value is None else str(value))
        with self._errors(), self.conn.transaction():
            self.conn.execute(_LOCK, (workspace,))
            cur = self.conn.execute(_INSERT, columns)
            written = {row[0] for row in cur.fetchall()}
        log.info("wrote %d of %d rows to %s", len(written), len(batch), self._target_id)
        return [row for row in batch if row.source_id in written]


def _connect_message(exc: psycopg.OperationalError, where: str, params: dict[str, Any]) -> str:
    text = str(exc)
    user = params.get("user") or "the default user"
    if "password authentication failed" in text or "no password supplied" in text:
        return (
            f"PostgreSQL at {where} refused the password for user {user}; "
            "check the password in --dsn (or PGPASSWORD)"
        )
    if "could not translate host name" in text or "failed to resolve host" in text:
        return f"cannot find the PostgreSQL host in --dsn ({where}); check the host name"
    if "does not exist" in text and "database" in text:
        return f"PostgreSQL at {where}: {_one_line(exc)}; check the database name in --dsn"
    if "Connection refused" in text or "timeout expired" in text or "No route" in text:
        return (
            f"cannot reach PostgreSQL at {where} ({_one_line(exc).split(': ')[-1]}); "
            "is the server running, and are the host and port in --dsn right?"
        )
    return f"cannot connect to PostgreSQL at {where}: {_one_line(exc)}"
