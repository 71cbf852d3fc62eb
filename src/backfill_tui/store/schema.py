"""The mirror's schema, as numbered migrations recorded in the database (sqlite-utils' way).

``observations`` mirrors production's ``lightfast_workspace_neural_observations`` column for
column (interfaces.md §3); the other tables are ours: runs, their sources and streams (with
checkpoints and API-call accounting), item failures, and the per-source run locks.
A migration is only ever appended; ``SCHEMA_VERSION`` is the number of migrations.

The steps are listed here without sqlite-utils; :func:`migrations` builds sqlite-utils'
``Migrations`` set from them the first time a mirror needs one applied. Opening a mirror that is
up to date reads ``_sqlite_migrations`` itself (``opening.py``) and never imports sqlite-utils,
whose import (click, dateutil, pluggy: about 0.1 s) was on the app's first frame (issue 13).

Past 400 lines on purpose: every migration, in order, in one file; they are only appended.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from sqlite_utils.migrations import Migrations


class Database(Protocol):
    """What a step needs of its database: sqlite-utils' ``Database`` when a mirror is
    upgraded, the connection itself when a blank one is made (:func:`create_schema`)."""

    def execute(self, sql: str, /) -> Any: ...


APPLICATION_ID = 0x42464C54  # "BFLT": marks a file as a backfill-tui mirror
#: sqlite-utils' name for the set of migrations in ``MIGRATIONS_TABLE`` that are ours.
MIGRATION_SET = "backfill_tui"
#: Where sqlite-utils records the migrations applied (``Migrations.migrations_table``).
MIGRATIONS_TABLE = "_sqlite_migrations"

_STEPS: list[tuple[str, Callable[[Database], None]]] = []


def _migration(name: str) -> Callable[[Callable[[Database], None]], Callable[[Database], None]]:
    """Append the decorated function to the schema's steps as migration ``name``."""

    def register(step: Callable[[Database], None]) -> Callable[[Database], None]:
        _STEPS.append((name, step))
        return step

    return register


#: sqlite-utils' ``_sqlite_migrations`` table and its index, exactly as
#: ``Migrations.ensure_migrations_table`` creates them (a test holds the text to sqlite-utils').
_MIGRATIONS_DDL = (
    f'CREATE TABLE "{MIGRATIONS_TABLE}" (\n   "id" INTEGER PRIMARY KEY,\n'
    '   "migration_set" TEXT,\n   "name" TEXT,\n   "applied_at" TEXT\n)',
    f'CREATE UNIQUE INDEX "idx_{MIGRATIONS_TABLE}_migration_set_name"\n'
    f'    ON "{MIGRATIONS_TABLE}" ("migration_set", "name")',
)


def create_schema(conn: sqlite3.Connection) -> None:
    """Every step into a blank database, inside the caller's transaction, each recorded in
    ``_sqlite_migrations`` as sqlite-utils' ``Migrations.apply`` records it (same table,
    index, set, names and ``applied_at`` text), so a later version upgrades the mirror
    through sqlite-utils as ever.

    A new mirror no longer imports sqlite-utils (0.07-0.1 s: click, dateutil, pluggy) nor
    commits nine transactions to be made (0.045 s): a replay into a new mirror counts both
    (bench/replay.py). Raises what SQLite raises (``sqlite3.Error``).
    """
    for statement in _MIGRATIONS_DDL:
        conn.execute(statement)
    for name, step in _STEPS:
        step(conn)
        conn.execute(
            f'INSERT INTO "{MIGRATIONS_TABLE}" ("migration_set", "name", "applied_at") '
            "VALUES (?, ?, ?)",
            (MIGRATION_SET, name, str(datetime.now(UTC))),
        )


@cache
def migrations() -> Migrations:
    """sqlite-utils' migration set of the mirror (made once; imports sqlite-utils)."""
    from sqlite_utils.migrations import Migrations

    found = Migrations(MIGRATION_SET)
    for name, step in _STEPS:
        found(name=name)(step)
    return found


#: The observations table's columns but ``id``, in table order (production's names).
OBSERVATION_COLUMNS: tuple[str, ...] = (
    "external_id",
    "workspace_id",
    "source",
    "source_type",
    "source_id",
    "observation_type",
    "title",
    "content",
    "actor",
    "source_references",
    "metadata",
    "occurred_at",
    "captured_at",
    "created_at",
    "ingestion_source",
    "significance_score",
    "run_id",
)
#: The columns of a row made by ``mirror.observation_row``, in order (ingestion_source is
#: always 'backfill' and written by the INSERT itself).
ROW_COLUMNS: tuple[str, ...] = tuple(c for c in OBSERVATION_COLUMNS if c != "ingestion_source")


@_migration("0001_initial")
def _initial(db: Database) -> None:
    _run_script(
        db,
        """
        CREATE TABLE observations (
            id INTEGER PRIMARY KEY,
            external_id TEXT NOT NULL UNIQUE,
            workspace_id TEXT NOT NULL,
            source TEXT NOT NULL,
            source_type TEXT NOT NULL,
            source_id TEXT NOT NULL,
            observation_type TEXT NOT NULL,
            title TEXT NOT NULL,
            content TEXT NOT NULL,
            actor TEXT,
            source_references TEXT,
            metadata TEXT,
            occurred_at TEXT NOT NULL,
            captured_at TEXT NOT NULL,
            created_at TEXT NOT NULL,
            ingestion_source TEXT NOT NULL DEFAULT 'backfill',
            significance_score REAL,
            run_id TEXT NOT NULL,
            UNIQUE (workspace_id, source_id)
        );
        CREATE INDEX observations_workspace_occurred ON observations (workspace_id, occurred_at);
        CREATE INDEX observations_source ON observations (workspace_id, source, source_type);
        CREATE INDEX observations_run ON observations (run_id);

        CREATE TABLE runs (
            id TEXT PRIMARY KEY,
            workspace_id TEXT NOT NULL,
            sources TEXT NOT NULL,
            depth_days INTEGER NOT NULL,
            since TEXT NOT NULL,
            entities TEXT,
            max_items INTEGER NOT NULL,
            status TEXT NOT NULL,
            simulate INTEGER NOT NULL DEFAULT 0,
            simulator TEXT,
            pid INTEGER,
            host TEXT,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            error TEXT
        );
        CREATE TABLE run_sources (
            run_id TEXT NOT NULL REFERENCES runs (id),
            provider TEXT NOT NULL,
            target TEXT NOT NULL,
            api_calls INTEGER NOT NULL DEFAULT 0,
            rate_limit_wait_s REAL NOT NULL DEFAULT 0,
            error TEXT,
            PRIMARY KEY (run_id, provider, target)
        );
        CREATE TABLE streams (
            id INTEGER PRIMARY KEY,
            run_id TEXT NOT NULL REFERENCES runs (id),
            provider TEXT NOT NULL,
            target TEXT NOT NULL,
            entity TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending',
            cursor TEXT,
            fetched INTEGER NOT NULL DEFAULT 0,
            new INTEGER NOT NULL DEFAULT 0,
            duplicates INTEGER NOT NULL DEFAULT 0,
            failed INTEGER NOT NULL DEFAULT 0,
            pages INTEGER NOT NULL DEFAULT 0,
            api_calls INTEGER NOT NULL DEFAULT 0,
            rate_limit_wait_s REAL NOT NULL DEFAULT 0,
            capped INTEGER NOT NULL DEFAULT 0,
            capped_at TEXT,
            error TEXT,
            updated_at TEXT,
            UNIQUE (run_id, provider, target, entity)
        );
        CREATE TABLE item_failures (
            id INTEGER PRIMARY KEY,
            run_id TEXT NOT NULL,
            stream_id INTEGER NOT NULL REFERENCES streams (id),
            item_key TEXT NOT NULL,
            reason TEXT NOT NULL
        );
        CREATE TABLE run_locks (
            workspace_id TEXT NOT NULL,
            source TEXT NOT NULL,
            run_id TEXT NOT NULL,
            pid INTEGER NOT NULL,
            host TEXT NOT NULL,
            acquired_at TEXT NOT NULL,
            PRIMARY KEY (workspace_id, source)
        );
        """,
    )


def _run_script(db: Database, script: str) -> None:
    # executescript() would COMMIT the migration's transaction; run statements one by one.
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


@_migration("0002_exports")
def _exports(db: Database) -> None:
    # What was exported where (store/exports.py): one row per observation and destination.
    # target_id names the destination without secrets: host:port/dbname for Postgres, the
    # event API's host for Inngest. run_id is the run that stored the observation.
    _run_script(
        db,
        """
        CREATE TABLE exports (
            id INTEGER PRIMARY KEY,
            workspace_id TEXT NOT NULL,
            source_id TEXT NOT NULL,
            target_kind TEXT NOT NULL,
            target_id TEXT NOT NULL,
            exported_at TEXT NOT NULL,
            run_id TEXT NOT NULL,
            UNIQUE (target_kind, target_id, workspace_id, source_id)
        )
        """,
    )


@_migration("0003_run_items")
def _run_items(db: Database) -> None:
    # What each run fetched (first-seen or duplicate), as a sourceId and a digest of the
    # observation's content fields (store/run_items.py), so two runs of one mirror can be diffed.
    _run_script(
        db,
        """
        CREATE TABLE run_items (
            run_id TEXT NOT NULL REFERENCES runs (id),
            source_id TEXT NOT NULL,
            digest TEXT NOT NULL,
            PRIMARY KEY (run_id, source_id)
        ) WITHOUT ROWID
        """,
    )


#: How ``observations_fts`` splits text into words (migration 0004); the in-memory table that
#: matches a common word's newest rows (``browse._newest_matching``) splits it the same way.
FTS_TOKENIZE = "unicode61 remove_diacritics 2"


@_migration("0004_observations_search")
def _observations_search(db: Database) -> None:
    # Full-text search over titles and bodies for the terminal app: an external-content FTS5
    # table (no second copy of the text) kept in step by triggers, named as sqlite-utils'
    # enable_fts names them so sqlite-utils and Datasette find it. Statements run one by one
    # because the trigger bodies contain semicolons.
    for statement in (
        "CREATE VIRTUAL TABLE observations_fts USING fts5 (title, content, "
        f"content='observations', content_rowid='id', tokenize='{FTS_TOKENIZE}')",
        "CREATE TRIGGER observations_ai AFTER INSERT ON observations BEGIN "
        "INSERT INTO observations_fts (rowid, title, content) "
        "VALUES (new.id, new.title, new.content); END",
        "CREATE TRIGGER observations_ad AFTER DELETE ON observations BEGIN "
        "INSERT INTO observations_fts (observations_fts, rowid, title, content) "
        "VALUES ('delete', old.id, old.title, old.content); END",
        "CREATE TRIGGER observations_au AFTER UPDATE ON observations BEGIN "
        "INSERT INTO observations_fts (observations_fts, rowid, title, content) "
        "VALUES ('delete', old.id, old.title, old.content); "
        "INSERT INTO observations_fts (rowid, title, content) "
        "VALUES (new.id, new.title, new.content); END",
        "INSERT INTO observations_fts (observations_fts) VALUES ('rebuild')",
    ):
        db.execute(statement)


@_migration("0005_stream_notes")
def _stream_notes(db: Database) -> None:
    # A stream's note: a plain line about an ordinary account state it met (an empty
    # repository, issues turned off, a moved repository), shown by the summary, dashboard and
    # report; a completed stream with a note is not a failure. item_notes: items stored with a
    # part the provider could not give (a GraphQL error pointing into one node), recorded
    # against the item without counting it as failed.
    _run_script(
        db,
        """
        ALTER TABLE streams ADD COLUMN note TEXT;
        CREATE TABLE item_notes (
            id INTEGER PRIMARY KEY,
            run_id TEXT NOT NULL,
            stream_id INTEGER NOT NULL REFERENCES streams (id),
            item_key TEXT NOT NULL,
            reason TEXT NOT NULL
        )
        """,
    )


@_migration("0006_replays_and_estimates")
def _replays_and_estimates(db: Database) -> None:
    # A run replayed from a recording: the file's path and SHA-256, so that resuming it answers
    # from the same recording (or is refused) and never goes to the live API. A stream's
    # estimate (items the connect screen's estimate expected), so a resumed or reopened run
    # still shows its progress against it.
    _run_script(
        db,
        """
        ALTER TABLE runs ADD COLUMN recording TEXT;
        ALTER TABLE runs ADD COLUMN recording_sha256 TEXT;
        ALTER TABLE streams ADD COLUMN estimate INTEGER
        """,
    )


@_migration("0007_resync")
def _resync(db: Database) -> None:
    # Re-syncs (store/resync.py): a stream's own window start when an earlier completed run
    # already covered the run's window (production's gap rule: fetch only what is newer than
    # that run's start), and which run that was; and the validators of conditional requests:
    # per workspace, source and stream (entity '' = the source's lookup), the URL last fetched
    # as a stream's first page, its ETag, and for a lookup its JSON body (what a 304 stands
    # for). A row belongs to the run whose completed stream stored or revalidated it.
    _run_script(
        db,
        """
        ALTER TABLE streams ADD COLUMN fetch_since TEXT;
        ALTER TABLE streams ADD COLUMN resync_of TEXT;
        CREATE TABLE etags (
            workspace_id TEXT NOT NULL,
            source TEXT NOT NULL,
            entity TEXT NOT NULL,
            url TEXT NOT NULL,
            etag TEXT NOT NULL,
            body TEXT,
            run_id TEXT NOT NULL,
            stored_at TEXT NOT NULL,
            PRIMARY KEY (workspace_id, source, entity)
        )
        """,
    )


@_migration("0008_trigger_ledger")
def _trigger_ledger(db: Database) -> None:
    # The backfills asked of production (`backfill-tui trigger`, export/trigger.py): one row per
    # backfill.requested event id delivered to an event API host (target_id, never the key), so
    # a repeated trigger knows what was sent and when. The ids include the UTC day, so a row
    # names a send that Inngest's 24-hour event-id dedup still covers on that day.
    _run_script(
        db,
        """
        CREATE TABLE trigger_ledger (
            target_id TEXT NOT NULL,
            event_id TEXT NOT NULL,
            integration_id TEXT NOT NULL,
            workspace_id TEXT NOT NULL,
            provider TEXT NOT NULL,
            depth_days INTEGER NOT NULL,
            entity_types TEXT NOT NULL,
            requested_by TEXT,
            sent_at TEXT NOT NULL,
            PRIMARY KEY (target_id, event_id)
        ) WITHOUT ROWID
        """,
    )


@_migration("0009_recorded_to")
def _recorded_to(db: Database) -> None:
    # A run recorded with `run --record` (or the app's "Record to"): the recording's absolute
    # path. The recording is sealed when the run's process ends, so a resume or retry of the
    # run is not in it: resuming says so, naming the file (engine/runs.py). And the simulator
    # options given but left out of the stored settings (secrets: "token"), by name only, so a
    # resume on the stored settings says what was not kept rather than "the defaults".
    _run_script(
        db,
        """
        ALTER TABLE runs ADD COLUMN recorded_to TEXT;
        ALTER TABLE runs ADD COLUMN simulator_left_out TEXT
        """,
    )


@_migration("0010_stream_mend")
def _stream_mend(db: Database) -> None:
    # What the user must mend before a failed stream can succeed (a rejected token, a source
    # that does not exist: http/errors.py ApiError.mend), NULL when resuming may succeed: the
    # last line after a run, the app's run-ended notice and the report then never suggest a
    # `resume` that would fail the same way (engine/runs.py next_step). A failed stream of an
    # older mirror has NULL: `resume` stays its hint, as before.
    _run_script(db, "ALTER TABLE streams ADD COLUMN mend TEXT")


@_migration("0011_source_quota")
def _source_quota(db: Database) -> None:
    # The request quota a source's provider last reported in the run (remaining, limit), as a
    # stream of it ended: a run reopened later, or resumed without that source's streams (all
    # done), showed no quota on the dashboard's source line (a fresh tester's finding). NULL
    # when none was reported, and for the runs of an older mirror.
    _run_script(
        db,
        """
        ALTER TABLE run_sources ADD COLUMN quota_remaining INTEGER;
        ALTER TABLE run_sources ADD COLUMN quota_limit INTEGER
        """,
    )


@_migration("0012_source_waited")
def _source_waited(db: Database) -> None:
    # The seconds a source waited in the run, its streams' concurrent waits counted once (the
    # summary's `waited`; the streams' own rate_limit_wait_s stay per stream): three streams
    # waiting out one quota reset summed to 11 s in a run of 4 s (a fresh tester's finding).
    # Older runs get the sum they showed; NULL when the source's process ended before it did.
    _run_script(
        db,
        """
        ALTER TABLE run_sources ADD COLUMN waited_s REAL;
        UPDATE run_sources SET waited_s = rate_limit_wait_s + (
            SELECT COALESCE(SUM(s.rate_limit_wait_s), 0) FROM streams s
            WHERE s.run_id = run_sources.run_id AND s.provider = run_sources.provider
            AND s.target = run_sources.target
        )
        """,
    )


@_migration("0013_search_index_by_transaction")
def _search_index_by_transaction(db: Database) -> None:
    # The search index learns a transaction's new rows in one statement at its end
    # (Mirror.commit_pages: INSERT INTO observations_fts ... SELECT the rows past the largest id
    # before it), not row by row from an AFTER INSERT trigger: the trigger's program ran once
    # per row and took 1.5 of the 4.3 s SQLite spent on a 50,000-item run (bench/pipeline.py).
    # Rows are only ever inserted by commit_pages; the delete and update triggers stay (every
    # row is indexed by the time its transaction commits, so they always find it).
    db.execute("DROP TRIGGER IF EXISTS observations_ai")


@_migration("0014_stream_ended_short")
def _stream_ended_short(db: Database) -> None:
    # 1 when a stream completed without reading its whole window: an error answer on a later
    # page was an ordinary state (a resource deleted or hidden from the token between two
    # pages, connectors.base.gone_between_pages), so the pages after it were never read. Such
    # a stream does not count as covering its window for a re-sync's gap rule
    # (store/resync.py covering_run): it counted, and a passing 404 on page 2 became a hole
    # that only `--full` filled (a fresh tester's finding). An older mirror's streams that
    # completed with that state's note are marked as such, so the next re-sync reads their
    # whole window again.
    _run_script(
        db,
        """
        ALTER TABLE streams ADD COLUMN ended_short INTEGER NOT NULL DEFAULT 0;
        UPDATE streams SET ended_short = 1 WHERE status = 'completed'
            AND note LIKE '%was deleted or hidden from this token while it was being read%'
        """,
    )


@_migration("0015_run_items_in_fetch_order")
def _run_items_in_fetch_order(db: Database) -> None:
    # What a run fetched is kept in the order it was fetched (a rowid table, looked up by run),
    # no longer keyed by (run_id, source_id): every page's items landed at random places of
    # that key (sourceIds hold commit shas and ids), and keeping it took a growing share of a
    # run as the mirror grew (bench/growth.py). A sourceId a run fetched twice (an item that
    # moved between pages) now has two rows; readers keep the first (store/run_items.py), as
    # INSERT OR IGNORE did. The rows of an older mirror are copied over as they are.
    _run_script(
        db,
        """
        CREATE TABLE run_items_in_fetch_order (
            run_id TEXT NOT NULL REFERENCES runs (id),
            source_id TEXT NOT NULL,
            digest TEXT NOT NULL
        );
        INSERT INTO run_items_in_fetch_order (run_id, source_id, digest)
            SELECT run_id, source_id, digest FROM run_items;
        DROP TABLE run_items;
        ALTER TABLE run_items_in_fetch_order RENAME TO run_items;
        CREATE INDEX run_items_run ON run_items (run_id)
        """,
    )


@_migration("0016_recording_simulated")
def _recording_simulated(db: Database) -> None:
    # A replayed run: 1 when its recording was of a simulated run (the header's "simulated"),
    # 0 when of a live one. Read from the recording's header only while the file was where the
    # replay found it, an export of a replay whose recording had moved sent the simulator's
    # made-up rows to production without a word (a fresh tester's finding). NULL for a run
    # that is not a replay, and for the replays of an older mirror (their header is read, as
    # before).
    _run_script(db, "ALTER TABLE runs ADD COLUMN recording_simulated INTEGER")


@_migration("0017_run_spans")
def _run_spans(db: Database) -> None:
    # A resumed run's time: ran_s, the seconds it ran in its spans before the one that began
    # at resumed_at (NULL: its one span began at started_at). A resume of a killed run showed
    # only the time since the resume ("completed 00:01"), or, reopened, the hours between the
    # kill and the resume as if it had run through them (a fresh tester's finding). Older
    # runs get 0 and NULL: their one span, as they showed it.
    _run_script(
        db,
        """
        ALTER TABLE runs ADD COLUMN ran_s REAL NOT NULL DEFAULT 0;
        ALTER TABLE runs ADD COLUMN resumed_at TEXT
        """,
    )


@_migration("0018_stream_sized")
def _stream_sized(db: Database) -> None:
    # 1: the stream's estimate was judged from its own first page (engine/run.py's sizing, for
    # a stream begun without one: every headless run), not made before the run by the
    # estimate; a stream that stopped is then said by what it fetched, not by a share of that
    # guess ("failed at 64%" on a headless run's stream that no estimate was ever shown for:
    # a fresh tester's finding). Older mirrors' estimates are taken as made before (0).
    _run_script(db, "ALTER TABLE streams ADD COLUMN sized INTEGER NOT NULL DEFAULT 0")


@_migration("0019_source_resource_id")
def _source_resource_id(db: Database) -> None:
    # The provider's own id of a run's source, as the run's first lookup learned it (a Vercel
    # project's id, a Linear team's id; NULL where the connector keeps none, and for the runs of
    # an older mirror). A resume whose lookup by the name the user gave answers 404 (the project
    # or team renamed since the run began) looks the source up by it and goes on by id: it
    # failed the source, and the run could never finish (left open by the mid-run rename's fix).
    _run_script(db, "ALTER TABLE run_sources ADD COLUMN resource_id TEXT")


@_migration("0020_recording_masked")
def _recording_masked(db: Database) -> None:
    # A replayed run: how many token-shaped strings its recording masked with *** (the
    # trailer's "masked", recording/fileformat.py), so `diff` of the replay against its
    # original and its summary say why observations holding them differ (a fresh tester's
    # finding: "8 changed" with no word of why). NULL for a run that is not a replay, and for
    # a replay of a recording that did not count them.
    _run_script(db, "ALTER TABLE runs ADD COLUMN recording_masked INTEGER")


@_migration("0021_source_owner")
def _source_owner(db: Database) -> None:
    # The account that owns a run's source as its lookup found it, where the source's name
    # leaves it out (Linear: the team's organization id; linear:ENG of two organizations is one
    # name). A later run of the workspace that finds another owner says the two share
    # production's sourceIds (linear-issue:{team key}:..., engine/shared_ids.py). NULL where
    # unknown: older runs, and providers whose names say it.
    _run_script(db, "ALTER TABLE run_sources ADD COLUMN owner TEXT")


@_migration("0022_replayed_at")
def _replayed_at(db: Database) -> None:
    # A replayed run: when it was replayed (ISO 8601, UTC, the wall clock). Its started_at is
    # its recording's instant (it runs on the recording's clock), which the runs list showed as
    # its start: a replay made a moment ago read as one made when it was recorded (a fresh
    # tester's finding). NULL for a run that is not a replay, and for older replays.
    _run_script(db, "ALTER TABLE runs ADD COLUMN replayed_at TEXT")


MIGRATION_NAMES: tuple[str, ...] = tuple(name for name, _ in _STEPS)
SCHEMA_VERSION = len(MIGRATION_NAMES)


@cache
def expected_objects(applied: int) -> dict[str, tuple[str, str]]:
    """Every table, index and trigger a mirror holds once its first ``applied`` migrations ran:
    name -> (type, its SQL on one line), SQLite's own ``sqlite_`` objects and the FTS5 table's
    shadow tables left out. Made once per count, by running the steps into a blank in-memory
    database (a few milliseconds). Raises ``ValueError`` for a count past :data:`SCHEMA_VERSION`.
    """
    if not 0 <= applied <= SCHEMA_VERSION:
        raise ValueError(f"{applied} migrations applied; this version knows {SCHEMA_VERSION}")
    conn = sqlite3.connect(":memory:")
    try:
        for statement in _MIGRATIONS_DDL:
            conn.execute(statement)
        for _, step in _STEPS[:applied]:
            step(conn)
        rows = conn.execute("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL")
        found = {str(name): (str(kind), " ".join(str(sql).split())) for kind, name, sql in rows}
    finally:
        conn.close()
    virtual = [name for name, (_, sql) in found.items() if sql.startswith("CREATE VIRTUAL")]
    return {
        name: shape
        for name, shape in found.items()
        if not name.startswith("sqlite_") and not any(name.startswith(f"{v}_") for v in virtual)
    }


def missing_object_line(name: str, kind: str, sql: str) -> str:
    """The sentence for a mirror that lacks its ``kind`` ``name`` (dropped by hand, as nothing
    backfill-tui does drops one), with what mends it: an index or a trigger is made again with
    ``sql``; a table's rows are gone, so a copy of the file is the mend, or ``sql`` makes it again
    empty (the search index is then filled again from the observations: FTS5's ``rebuild``,
    sqlite.org/fts5.html#the_rebuild_command)."""
    said = f"the mirror lacks its {kind} {name} (dropped by hand?)"
    if kind != "table":
        return f"{said}; make it again with sqlite3: {sql}"
    if sql.startswith("CREATE VIRTUAL"):
        rebuild = f"INSERT INTO {name} ({name}) VALUES ('rebuild')"
        return f"{said}; make it again with sqlite3: {sql}; {rebuild}"
    return (
        f"{said}; restore the file from a copy (the table's rows are gone), or make it again "
        f"empty with sqlite3: {sql}"
    )
