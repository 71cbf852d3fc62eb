"""Export to production's PostgreSQL table ``lightfast_workspace_neural_observations``.

Rows get production's columns and types (lightfast-data-model.md §5.2): the mirror's
``external_id`` (a 21-character nanoid), ``ingestion_source = 'backfill'``, JSONB actor,
references and metadata. Production has no unique index on (workspace_id, source_id) and dedups
in the application, so an apply first takes ``pg_advisory_lock(hashtext(workspace_id))``
for its whole session and only then reads which sourceIds the table holds: two exports of one
workspace at once cannot both write a row (the second waits for the first to finish, then finds
its rows there). (Production's own capture workflow does not take this lock; a webhook landing
while an export runs could still race it, as two webhooks can today.)

Before anything else, a walk asks :meth:`~PostgresTarget.holds_all` whether the table holds
every one of the mirror's sourceIds for the workspace (``presence.py``): the table's count
first, then the server counts, chunk by chunk, how many of the mirror's ids it holds (one index
probe each); where it holds them all, nothing is new and the walk ends there, whatever other
writers' rows the table also holds. Otherwise the table's sourceIds are streamed in byte order
on a connection of their own and merged against the mirror's (:class:`_SortedIds`), one
sequential read instead of a probe per row.
Each batch is then one transaction whose ``COPY`` writes the rows the merge did not find
straight into the table. No row can be written by another export between the read and the
COPY, since the lock is held throughout, so this is the same exactly-once rule as an
``INSERT … WHERE NOT EXISTS``, at COPY's speed. The one exception is a sourceId that cleaning
changed (it then holds U+FFFD, see ``values.py``): two mirror rows may clean to the same id, so
such ids are probed again under the lock, batch by batch, and the second is skipped. A
batch the table refuses (a value its CHECK constraint, trigger or foreign key rejects) is split
in halves until the row at fault is found, and only that row is refused, with the server's
reason. Before any of that, opening the target checks that the table can take the rows at
all: production's columns present, of types that take text, and no NOT NULL column without a
default that the export cannot fill
(docs/real-world.md, "Export targets").

A DSN's password never leaves this module: it is registered with ``secrets_registry`` and every
psycopg message is reduced to one redacted line before it becomes an :class:`ExportError`.

Past 400 lines on purpose: this is one destination's whole dialogue with a server, and its
parts are one rule read together (the DDL and limits the checks compare against, the lock and
probe that make COPY exactly-once, the halving that isolates a refused row, the one-line
redaction of every psycopg message). Splitting them would scatter the password's path.
"""

from __future__ import annotations

import bisect
import json
import logging
import operator
import os
import queue
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from typing import Any
from urllib.parse import quote

import psycopg
import psycopg.sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from ..secrets_registry import dsn_passwords, redact, register
from ..store.exports import ObservationRow
from ..terms import WORKSPACE_ID_MAX
from .pg_waits import LockWatch
from .presence import READ as PRESENCE_CHUNK
from .target import ExportError, ExportFailed, ExportTarget, Prepared, SendNotice, Sent, Stopped
from .values import Refused

log = logging.getLogger("backfill_tui.export")

TABLE = "lightfast_workspace_neural_observations"
BATCH_SIZE = 2000
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
#: Production's varchar limits (the DDL above), used when --create-schema will make the table.
DDL_LIMITS = {
    "external_id": 21, "workspace_id": WORKSPACE_ID_MAX, "observation_type": 100, "source": 50,
    "source_type": 100, "source_id": 255, "ingestion_source": 20,
}  # fmt: skip
#: Which column types take each kind of value the export writes.
_TYPES = {
    "text": {"text", "character varying", "character"},
    "timestamptz": {"timestamp with time zone", "timestamp without time zone"},
    "jsonb": {"jsonb", "json"},
    "real": {"real", "double precision", "numeric"},
}
#: What is COPYed per row, in this order; ingestion_source, a constant, goes last.
_TEXTS = tuple(
    name for name, _ in COLUMNS if name not in ("significance_score", "ingestion_source")
)
_COPY = f"COPY {TABLE} (significance_score, {', '.join(_TEXTS)}, ingestion_source) FROM STDIN"
_texts = operator.attrgetter(*_TEXTS)
_BACKFILL = "backfill"
_NULL = "\\N"


def _copy_text(value: str | None) -> str:
    """A value in COPY's text format (PostgreSQL docs, COPY, "Text Format"): a backslash,
    newline, carriage return and the tab that delimits columns are escaped; NULL is ``\\N``.
    Each ``in`` is one scan in C; most values need no replace at all."""
    if value is None:
        return _NULL
    if "\\" in value:
        value = value.replace("\\", "\\\\")
    if "\n" in value:
        value = value.replace("\n", "\\n")
    if "\r" in value:
        value = value.replace("\r", "\\r")
    if "\t" in value:
        value = value.replace("\t", "\\t")
    return value


def _copy_score(score: float | None) -> str:
    """The score as psycopg's text dumper writes a float (``repr``); NULL as ``\\N``."""
    return _NULL if score is None else repr(score)


def _copy_line(row: ObservationRow) -> str:
    """One COPY text line for ``row``, as psycopg's ``write_row`` would send its values
    (PostgreSQL decodes both to the same text), built without a connection so that the walk's
    thread can build it while the previous batch is being sent."""
    values = map(_copy_text, _texts(row))
    return "\t".join([_copy_score(row.significance_score), *values, _BACKFILL]) + "\n"


# How many rows the table holds for a workspace (presence.py): fewer than the mirror's
# sourceIds and one is missing, so no id is sent.
_COUNT = f"SELECT count(*) FROM {TABLE} WHERE workspace_id = %s"
# How many of a JSON array of sourceIds the table holds for a workspace (presence.py). The
# comparison is the column's own '=' (its collation wins over the default one of the JSON
# texts), the same as _PRESENT_PROBE's; holds_all is only asked where that collation is
# deterministic, whose '=' is byte equality (texteq: memcmp), the same as the merge's equality
# of Python strings. OFFSET 0 keeps the EXISTS a subplan run per id, one probe of production's
# (workspace_id, source_id) index each (EXPLAIN ANALYZE, PostgreSQL 15, 100k rows: ~50 ms per
# 20,000 ids). Without it the planner, guessing 100 rows for the JSON array and, before the
# table is analyzed, ~150 for the workspace, hashes every row of the workspace per chunk
# instead (200-400 ms per chunk, spilling to disk; LIMIT 1 does not stop it, the planner drops
# a LIMIT inside EXISTS). Without such an index, that join is the faster form.
_HELD = (
    "SELECT count(*) FROM json_array_elements_text(%s::json) AS s(id) WHERE EXISTS "
    f"(SELECT 1 FROM {TABLE} t WHERE t.workspace_id = %s AND t.source_id = s.id{{}})"
)
_HELD_PROBE = _HELD.format(" OFFSET 0")
_HELD_JOIN = _HELD.format("")
# The workspace's sourceIds in byte order (as the mirror walks them), read on a connection of
# their own; a walk merges its chunks against them.
_SORTED = f'SELECT source_id FROM {TABLE} WHERE workspace_id = %s ORDER BY source_id COLLATE "C"'
MERGE_FETCH = 10000
#: How many fetches of :data:`MERGE_FETCH` sourceIds the reading thread keeps ready.
MERGE_AHEAD = 2
# Which of a JSON array of sourceIds the table holds for a workspace, asked as _HELD asks: OFFSET
# 0 keeps each sourceId one probe of production's (workspace_id, source_id) index. (A LIMIT 1
# did not: PostgreSQL drops a LIMIT inside EXISTS, and before the table is analyzed it then
# hashed the whole workspace for each chunk.) Without such an index, the join form is faster.
_PRESENT_PROBE = (
    f"SELECT s FROM json_array_elements_text(%s::json) AS s WHERE EXISTS "
    f"(SELECT 1 FROM {TABLE} o WHERE o.workspace_id = %s AND o.source_id = s OFFSET 0)"
)
_PRESENT_JOIN = (
    f"SELECT s FROM json_array_elements_text(%s::json) AS s WHERE EXISTS "
    f"(SELECT 1 FROM {TABLE} o WHERE o.workspace_id = %s AND o.source_id = s)"
)
#: Errors that belong to a value or a row (SQLSTATE classes 22, 23, P0): the batch is split to
#: find the row at fault instead of failing the export.
_ROW_ERRORS = (
    psycopg.errors.DataError,
    psycopg.errors.IntegrityError,
    psycopg.errors.RaiseException,
)
_LOCK = "SELECT pg_advisory_lock(hashtext(%s))"
#: What cleaning puts in a sourceId it changes (values.REPLACEMENT): only such ids can collide.
_CLEANED = "\ufffd"


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
    read_ahead = True  # present() reads its own connection; send() its own
    presence = True

    def __init__(
        self, dsn: str, *, create_schema: bool = False, batch_size: int = BATCH_SIZE
    ) -> None:
        self.create_schema = create_schema
        self.batch_size = batch_size
        self.max_batch_rows = batch_size
        self._limits: dict[str, int] = {}
        self._probe = True
        self._exact = True
        self._apply = False
        self._locked: str | None = None
        self._merge: _SortedIds | None = None
        self._conn: psycopg.Connection[Any] | None = None
        self._target_id = ""
        self._schema_created = False
        #: Says what a statement waits for (a lock another session holds) while a face
        #: listens (:meth:`on_retry`); stopped with the connection.
        self._watch: LockWatch | None = None
        self._told: Callable[[SendNotice], object] | None = None
        self._stop: Callable[[], bool] | None = None
        self._params = self._parse(dsn)
        self._params.setdefault("connect_timeout", str(CONNECT_TIMEOUT_S))
        self._params.setdefault("application_name", "backfill-tui export")

    @staticmethod
    def _parse(dsn: str) -> dict[str, Any]:
        # Register the password before anything can echo it (libpq's own parse errors can).
        for secret in dsn_passwords(dsn):
            register(secret)
        try:
            params = conninfo_to_dict(dsn)
        except psycopg.Error:
            register(dsn)
            raise ExportError(
                "--dsn is not a PostgreSQL connection string; write "
                "postgresql://USER:PASSWORD@HOST:PORT/DBNAME or 'host=... dbname=...'"
            ) from None
        register(os.environ.get("PGPASSWORD"))  # libpq falls back on it
        if "://" in dsn:
            # libpq ends the password at its first '@' and the host at the next '/': what the
            # user meant as password runs up to the last '@' (registered whole), and an '@'
            # left in a part after it means the password held one unescaped. Nothing of the
            # DSN is shown then: the part libpq took for the host is the password's tail.
            userinfo = dsn.partition("://")[2].rpartition("@")[0]
            register(userinfo.partition(":")[2])
            if any("@" in str(params.get(k) or "") for k in ("host", "hostaddr", "port", "dbname")):
                raise ExportError(
                    "cannot find the PostgreSQL host in --dsn: the user name or password holds "
                    "an '@' or '/'; percent-encode it ('@' as %40, '/' as %2F)"
                )
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
        """Connect to the DSN's database (and, on ``apply``, ready it). Raises
        :class:`ExportFailed` (exit 1) when the server cannot be reached (refused, timed out,
        no route: the server, not the input, as an Inngest that never answers), and
        :class:`ExportError` (exit 2) for bad input: a refused password, an unknown host or
        database, an unsuitable table."""
        where = redact(self._where())
        try:
            conn = psycopg.connect(make_conninfo(**self._params), autocommit=True)
        except psycopg.OperationalError as exc:
            said = _connect_message(exc, where, self._params)
            if said.startswith("cannot reach"):  # the server, not the input: exit 1, as Inngest
                raise ExportFailed(said) from None
            raise ExportError(said) from None
        except psycopg.Error as exc:
            raise ExportError(
                f"cannot connect to PostgreSQL at {where}: {_one_line(exc)}"
            ) from None
        info = conn.info
        self._target_id = redact(f"{info.host}:{info.port}/{info.dbname}")
        self._conn = conn
        if (self._told or self._stop) and self._watch is None:  # the table's checks may wait
            where = f"PostgreSQL at {self._target_id}"
            conninfo = make_conninfo(**self._params)
            self._watch = LockWatch(conninfo, where, self._told, self._stop)
            self._watch.add(conn)
        self._apply = apply
        self._locked = None
        try:
            with self._errors():
                if not apply:  # a dry run cannot write, whatever happens below
                    conn.execute("SET default_transaction_read_only = on")
                # A timestamp column without a zone stores UTC, as the mirror does.
                conn.execute("SET TIME ZONE 'UTC'")
                self._check_table()
        except BaseException:
            self.close()
            raise

    def on_retry(self, told: Callable[[SendNotice], object]) -> None:
        """Have ``told`` told when a statement of this export waits on a lock other sessions
        hold (a ``LockWait``, once per wait: ``pg_waits.LockWatch``, from :meth:`open` on);
        nothing is retried."""
        self._told = told

    def stop_when(self, stop: Callable[[], bool]) -> None:
        """Once ``stop()`` is true (escape, a quit), a statement under way (waiting on a lock)
        is cancelled within a second and the export or dry run raises ``Stopped``: it blocked
        its thread until the lock went (``pg_waits``). Set before :meth:`open`."""
        self._stop = stop

    def _watched(self, conn: psycopg.Connection[Any]) -> None:
        """Watch ``conn``'s session too (the merge's, the presence check's second)."""
        if self._watch is not None:
            self._watch.add(conn)

    def close(self) -> None:
        if self._watch is not None:
            self._watch.stop()
            self._watch = None
        if self._merge is not None:
            self._merge.close()
            self._merge = None
        if self._conn is not None:  # closing the session releases its advisory lock
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
        except psycopg.errors.QueryCanceled:
            if self._watch is not None and self._watch.cancelled:  # on request: a stop
                raise Stopped(f"PostgreSQL at {self._target_id}: stopped while it waited") from None
            raise ExportError(
                f"PostgreSQL at {self._target_id}: the statement was cancelled"
            ) from None
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
            "SELECT column_name, data_type, character_maximum_length, is_nullable, "
            "column_default, is_identity, is_generated FROM information_schema.columns "
            "WHERE table_name = %s AND table_schema = ANY (current_schemas(false))",
            (TABLE,),
        )
        found = {row[0]: row for row in cur.fetchall()}
        missing = [name for name, _ in COLUMNS if name not in found]
        if missing:
            raise ExportError(
                f"table {TABLE} in {self._target_id} lacks column(s) {', '.join(missing)}; "
                "it is not production's schema (Era A, with ingestion_source)"
            )
        ours = dict(COLUMNS)
        wrong = [
            f"{name} is {found[name][1]}"
            for name, kind in COLUMNS
            if found[name][1] not in _TYPES[kind]
        ]
        if wrong:
            raise ExportError(
                f"table {TABLE} in {self._target_id} has column types the export cannot write "
                f"({'; '.join(wrong)}); it is not production's schema"
            )
        unfillable = sorted(
            name
            for name, (_, _, _, nullable, default, identity, generated) in found.items()
            if name not in ours
            and nullable == "NO"
            and default is None
            and identity != "YES"
            and generated in (None, "NEVER")
        )
        if unfillable:
            raise ExportError(
                f"table {TABLE} in {self._target_id} has NOT NULL column(s) without a default "
                f"that the export cannot fill: {', '.join(unfillable)}; give each a DEFAULT or "
                "allow NULL (production's table has no such column)"
            )
        indexed = self.conn.execute(
            "SELECT 1 FROM pg_index i WHERE i.indrelid = to_regclass(%s) AND i.indnatts >= 2 "
            "AND i.indkey[0] = (SELECT attnum FROM pg_attribute WHERE attrelid = i.indrelid "
            "AND attname = 'workspace_id') AND i.indkey[1] = (SELECT attnum FROM pg_attribute "
            "WHERE attrelid = i.indrelid AND attname = 'source_id')",
            (TABLE,),
        ).fetchone()
        self._probe = indexed is not None
        # Whether '=' on source_id is byte equality, as the merge's is (holds_all is asked
        # only then): not for a nondeterministic collation (PostgreSQL 12+; to_jsonb reads the
        # flag where it exists, older servers have only deterministic ones), nor for
        # character(n), whose comparison ignores trailing spaces.
        collation = self.conn.execute(
            "SELECT to_jsonb(c) ->> 'collisdeterministic' FROM pg_attribute a "
            "JOIN pg_collation c ON c.oid = a.attcollation "
            "WHERE a.attrelid = to_regclass(%s) AND a.attname = 'source_id'",
            (TABLE,),
        ).fetchone()
        deterministic = collation is None or collation[0] != "false"
        self._exact = deterministic and found["source_id"][1] != "character"
        self._limits = {name: int(row[2]) for name, row in found.items() if name in ours and row[2]}

    def check(self, workspace: str) -> None:
        limit = (DDL_LIMITS if self.create_schema else self._limits).get("workspace_id")
        if limit is not None and len(workspace) > limit:
            raise ExportError(
                f"--workspace is {len(workspace)} characters; {TABLE}.workspace_id holds {limit}"
            )
        if self.create_schema:
            return
        self._check_foreign_key(workspace)
        if self._apply:  # before holds_all and the merge read (the caller closes on error)
            with self._errors():
                self._lock(workspace)

    def _check_foreign_key(self, workspace: str) -> None:
        # A foreign key on workspace_id (production's points at lightfast_org_workspaces): the
        # workspace must exist there, or every row would be refused.
        with self._errors():
            keys = self.conn.execute(
                "SELECT confrelid::regclass::text, "
                "(SELECT attname FROM pg_attribute WHERE attrelid = c.confrelid "
                " AND attnum = c.confkey[1]) "
                "FROM pg_constraint c WHERE c.contype = 'f' AND c.conrelid = to_regclass(%s) "
                "AND array_length(c.conkey, 1) = 1 AND c.conkey[1] = "
                "(SELECT attnum FROM pg_attribute WHERE attrelid = to_regclass(%s) "
                " AND attname = 'workspace_id')",
                (TABLE, TABLE),
            ).fetchall()
            for table, column in keys:
                query = psycopg.sql.SQL("SELECT 1 FROM {} WHERE {} = %s LIMIT 1").format(
                    psycopg.sql.Identifier(*table.split(".")), psycopg.sql.Identifier(column)
                )
                if self.conn.execute(query, (workspace,)).fetchone() is None:
                    raise ExportError(
                        f"workspace '{workspace}' is not in {table} in {self._target_id}, which "
                        f"{TABLE}.workspace_id refers to; every row would be refused"
                    )

    # -- export ----------------------------------------------------------------------------

    def plan_details(self) -> dict[str, Any]:
        return {"create_schema": self.create_schema}

    def stats(self) -> dict[str, Any]:
        return {"schema_created": self._schema_created}

    def prepare_schema(self) -> None:
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

    def holds_all(self, workspace: str, count: int, source_ids: Iterable[list[str] | None]) -> bool:
        # Read after an apply's lock (check()): no other export writes until the apply ends.
        if self.create_schema and not self._schema_created:
            return False  # no table yet (a dry run's): it holds nothing
        if not self._exact:
            return False  # '=' is not the merge's equality: the walk decides
        with self._errors():
            row = self.conn.execute(_COUNT, (workspace,)).fetchone()
            if row is None or int(row[0]) < count:
                return False  # the usual answer when something is new: no id is read
            query = _HELD_PROBE if self._probe else _HELD_JOIN
            # Two server backends take the chunks in turn (the probes are the server's work,
            # ~50 ms per 20,000 ids; one backend runs on one core), each in a pipeline: they
            # look up chunks while the next ones are read from the mirror, and the answers
            # come back at the end. Nothing is written before this, so a second connection sees
            # what the apply's does.
            with self._second_connection(count) as other, ExitStack() as pipelines:
                conns = [self.conn, *([other] if other is not None else [])]
                for conn in conns:
                    pipelines.enter_context(conn.pipeline())
                asked = []
                try:
                    for at, ids in enumerate(source_ids):
                        if ids is None:
                            return False
                        text = json.dumps(ids, ensure_ascii=False)
                        on = conns[at % len(conns)]
                        asked.append((len(ids), on.execute(query, (text, workspace))))
                    pipelines.close()  # every answer in
                except psycopg.DataError:  # e.g. a character the database's encoding lacks
                    return False
                held = [(size, cur.fetchone()) for size, cur in asked]
        return sum(size for size, _ in held) == count and all(
            found is not None and int(found[0]) == size for size, found in held
        )

    @contextmanager
    def _second_connection(self, count: int) -> Iterator[psycopg.Connection[Any] | None]:
        """A connection of its own to the same database for :meth:`holds_all`'s other half of
        the chunks, when there is more than one chunk; None when there is one or the server
        refuses another connection (its ``max_connections``): one backend then does all."""
        other: psycopg.Connection[Any] | None = None
        if count > PRESENCE_CHUNK:
            with suppress(psycopg.Error):
                other = psycopg.connect(make_conninfo(**self._params), autocommit=True)
        if other is not None:
            self._watched(other)
        try:
            yield other
        finally:
            if other is not None:
                with suppress(psycopg.Error):
                    other.close()

    def present(self, workspace: str, source_ids: Sequence[str], recorded: set[str]) -> set[str]:
        # The table is the truth (it may have been emptied or recreated since the ledger said
        # so); the ledger is not consulted. One index probe per sourceId, chunk by chunk.
        if not source_ids or (self.create_schema and not self._schema_created):
            return set()
        with self._errors():
            if self._merge is None or self._merge.workspace != workspace:
                self._start_merge(workspace)
            assert self._merge is not None
            found, stray = self._merge.among(source_ids)
            if stray:  # ids out of byte order (changed by cleaning): asked one by one
                found |= self._present(workspace, stray, self._merge.conn)
            return found

    def _start_merge(self, workspace: str) -> None:
        """Start streaming the workspace's sourceIds; an apply first takes the workspace's
        lock for the rest of its session, so no other export writes between that read and
        this one's COPYs (two exports at once: the second waits here for the first)."""
        if self._merge is not None:
            self._merge.close()
            self._merge = None
        if self._apply:
            self._lock(workspace)
        self._merge = _SortedIds(self._params, workspace)
        self._watched(self._merge.conn)

    def _lock(self, workspace: str) -> None:
        """Hold the workspace's advisory lock for the rest of the session (once)."""
        if self._locked == workspace:
            return
        if self._locked is not None:
            self.conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (self._locked,))
            self._locked = None
        self.conn.execute(_LOCK, (workspace,))
        self._locked = workspace

    def _present(
        self,
        workspace: str,
        source_ids: Sequence[str],
        conn: psycopg.Connection[Any] | None = None,
    ) -> set[str]:
        """Which of ``source_ids`` the table holds, by one probe each, on ``conn`` (the
        merge's own connection from the walk, which may run beside a send) or the target's."""
        query = _PRESENT_PROBE if self._probe else _PRESENT_JOIN
        on = conn if conn is not None else self.conn
        cur = on.execute(query, (json.dumps(list(source_ids)), workspace))
        return {row[0] for row in cur.fetchall()}

    def limits(self) -> dict[str, int]:
        return DDL_LIMITS if self.create_schema else self._limits

    def prepare(
        self, workspace: str, row: ObservationRow, *, checked: bool = False
    ) -> tuple[Prepared, list[str]]:
        if checked:
            return Prepared(row, _copy_line(row)), []
        for name, limit in self.limits().items():
            value = getattr(row, name, None)
            if isinstance(value, str) and len(value) > limit:
                raise Refused(f"{name} is {len(value)} characters; the column holds {limit}")
        return Prepared(row, _copy_line(row)), []

    def send(self, workspace: str, batch: Sequence[Prepared]) -> Sent:
        with self._errors():
            written, present, refused = self._write(workspace, batch)
        log.info("wrote %d of %d rows to %s", len(written), len(batch), self._target_id)
        return Sent(delivered=[p.row for p in written], present=present, refused=refused)

    def _write(
        self, workspace: str, batch: Sequence[Prepared]
    ) -> tuple[list[Prepared], int, list[tuple[str, str]]]:
        """Under the workspace's lock (held since the walk began), COPY the rows of
        ``batch`` (which the walk found new); a sourceId changed by cleaning is asked again,
        since an earlier batch may have written another row cleaned to the same id. A row
        the table refuses is found by halving, the rest are written. Returns the rows
        written, how many were already there, and the refused (sourceId, reason)."""
        try:
            with self.conn.transaction():
                if self._locked != workspace:  # a send without a walk: lock, probe all
                    self._lock(workspace)
                    suspects = [p.row.source_id for p in batch]
                else:
                    suspects = [p.row.source_id for p in batch if _CLEANED in p.row.source_id]
                present = self._present(workspace, suspects) if suspects else set()
                fresh, seen = [], set(present)
                for prepared in batch:
                    if prepared.row.source_id not in seen:
                        seen.add(prepared.row.source_id)
                        fresh.append(prepared)
                if fresh:
                    with self.conn.cursor() as cur, cur.copy(_COPY) as copy:
                        copy.write("".join([prepared.payload for prepared in fresh]))
                return fresh, len(batch) - len(fresh), []
        except _ROW_ERRORS as exc:
            if len(batch) == 1:
                reason = f"refused by the table: {_one_line(exc)}"
                return [], 0, [(batch[0].row.source_id, reason)]
            half = len(batch) // 2
            first = self._write(workspace, batch[:half])
            second = self._write(workspace, batch[half:])
            return first[0] + second[0], first[1] + second[1], first[2] + second[2]


class _SortedIds:
    """The table's sourceIds for one workspace, streamed in byte order and merged against the
    mirror's chunks (also in byte order): one sequential read instead of an index probe per
    sourceId. A thread reads them on a connection of its own (one read-only transaction, so
    one snapshot, taken after an apply's lock) and keeps at most :data:`MERGE_AHEAD` fetches
    of :data:`MERGE_FETCH` ready, so memory stays bounded and the server's sort overlaps the
    walk's reading of the mirror."""

    def __init__(self, params: dict[str, Any], workspace: str) -> None:
        self.workspace = workspace
        self.conn: psycopg.Connection[Any] = psycopg.connect(make_conninfo(**params))
        self.conn.read_only = True
        self._ready: queue.Queue[list[str] | BaseException] = queue.Queue(MERGE_AHEAD)
        self._stop = threading.Event()
        self._buffer: list[str] = []
        self._at = 0
        self._done = False
        self._last = ""
        self._thread = threading.Thread(
            target=self._read, name="backfill-export-merge", daemon=True
        )
        self._thread.start()

    def _read(self) -> None:
        try:
            with self.conn.cursor(name="backfill_export_present") as cursor:
                cursor.execute(_SORTED, (self.workspace,))
                while not self._stop.is_set():
                    ids = [row[0] for row in cursor.fetchmany(MERGE_FETCH)]
                    self._put(ids)
                    if len(ids) < MERGE_FETCH:
                        return
        except BaseException as exc:  # raised again where the walk asks (present())
            self._put(exc)

    def _put(self, item: list[str] | BaseException) -> None:
        while not self._stop.is_set():
            try:
                self._ready.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            with suppress(psycopg.Error):
                self.conn.cancel_safe(timeout=5)
            self._thread.join(timeout=10)
        self.conn.close()

    def _upto(self, top: str) -> list[str]:
        """The table's ids not yet passed that are <= ``top``; the stream moves past them."""
        taken: list[str] = []
        while True:
            if self._at >= len(self._buffer):
                if self._done:
                    return taken
                item = self._ready.get()
                if isinstance(item, BaseException):
                    self._done = True
                    raise item
                self._buffer, self._at = item, 0
                self._done = len(item) < MERGE_FETCH
                continue
            end = bisect.bisect_right(self._buffer, top, self._at)
            taken.extend(self._buffer[self._at : end])
            self._at = end
            if end < len(self._buffer):
                return taken

    def among(self, source_ids: Sequence[str]) -> tuple[set[str], list[str]]:
        """(the ids the table holds, the ids out of order that the merge cannot answer)."""
        # Python orders str by code point, which is UTF-8's byte order (cleaned ids hold no
        # surrogates), and so is PostgreSQL's "C" collation.
        ordered = list(source_ids)
        stray: list[str] = []
        if ordered != sorted(ordered) or (ordered and ordered[0] < self._last):
            stray = [i for i in ordered if i < self._last]
            ordered = sorted(i for i in ordered if i >= self._last)
        if not ordered:
            return set(), stray
        self._last = ordered[-1]
        return set(ordered).intersection(self._upto(ordered[-1])), stray


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
