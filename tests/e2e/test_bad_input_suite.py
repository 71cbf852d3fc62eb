"""The bad-input suite: arguments, files, locks, disks and signals, one table.

Each case runs the real CLI (in this process where it can, through ``cli.main``) against a copy
of a real mirror built through the simulator, and asserts the promise of interfaces.md §4:
exactly one line on stderr saying what is wrong, the documented exit status, no traceback, and,
where nothing was to be written, the mirror's rows and bytes unchanged and no file created.

Cases that need another process (a lock held elsewhere) or another user (permission bits do
not bind root) use a child process. A full disk is SQLite's own SQLITE_FULL, met by a
connection whose ``max_page_count`` leaves no room. Signals are in test_store_failures.py (the
headless face's message on a signal is another item's). ``len(CASES)`` is the count reported.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from support import NOBODY, limit_pages, run_cli, run_cli_as_nobody, simulated_engine

from backfill_tui.store.schema import SCHEMA_VERSION

#: Today's UTC midnight: the simulated history ends about now, so every window holds items.
ANCHOR = (datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0).isoformat()).replace(
    "+00:00", "Z"
)
SIM = f"anchor={ANCHOR}"


# -- the mirror every case starts from ------------------------------------------------------------


@pytest.fixture(scope="module")
def good_mirror(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A real mirror (one 7-day simulated run of github:acme/rocket) and that run's id."""
    db = tmp_path_factory.mktemp("good") / "good.db"
    engine = simulated_engine(db, SIM)
    run_id = engine.run("github:acme/rocket", days=7)
    engine.mirror.close()
    return db, run_id


def fingerprint(folder: Path, db: Path) -> tuple[dict[str, str], object]:
    """Every file's bytes in the case folder (as digests; a new or vanished file shows), and
    the mirror's rows, table by table (``None`` where the file is not a readable database).
    SQLite's ``-wal``/``-shm`` are left out: a lock holder has them open; the test checks
    separately that none is left behind."""
    files = {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and os.access(p, os.R_OK) and not p.name.endswith(("-wal", "-shm"))
    }
    try:
        conn = sqlite3.connect(f"{db.resolve().as_uri()}?immutable=1", uri=True)
        try:
            names = conn.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
            rows: object = {
                t: sorted(conn.execute(f"SELECT * FROM [{t}]").fetchall(), key=repr)
                for (t,) in names
            }
        finally:
            conn.close()
    except (sqlite3.Error, OSError):
        rows = None
    return files, rows


def one_line(err: str) -> str:
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got: {err!r}"
    assert lines[0].startswith("backfill-tui"), lines[0]
    return lines[0]


# -- the case table -------------------------------------------------------------------------------


@dataclass
class Ctx:
    """What a case's setup sees: its folder, the mirror copy, the good run's id, the env."""

    dir: Path
    db: Path
    run_id: str
    env: dict[str, str] = field(default_factory=dict)
    cleanup: list[Callable[[], None]] = field(default_factory=list)


Setup = Callable[[Ctx], None]


@dataclass
class Case:
    id: str
    args: tuple[str, ...]
    words: tuple[str, ...]  # each must appear in the one line (case-insensitive)
    code: int = 2
    setup: Setup | None = None
    untouched: bool = True  # the mirror's rows and bytes must not change
    absent: tuple[str, ...] = ()  # files (relative to the case folder) that must not exist
    how: str = "inprocess"  # or "nobody": as an unprivileged user (permission bits)
    pages: int | None = None  # the disk has room for this many more pages of the mirror
    unsaid: tuple[str, ...] = ()  # words the line must not hold (a wrong mend, a doubled space)


def write(name: str, content: bytes) -> Setup:
    def setup(ctx: Ctx) -> None:
        (ctx.dir / name).write_bytes(content)

    return setup


def fifo(name: str) -> Setup:
    """A named pipe: not a file a mirror or an output may be written over (a FIFO stands in for
    /dev/null, which a regression would replace when the suite runs as root)."""

    def setup(ctx: Ctx) -> None:
        os.mkfifo(ctx.dir / name)

    return setup


def env(**values: str) -> Setup:
    def setup(ctx: Ctx) -> None:
        ctx.env.update(values)

    return setup


def sql(*statements: str) -> Setup:
    """Change the mirror copy as another program (or a newer backfill-tui) would have."""

    def setup(ctx: Ctx) -> None:
        conn = sqlite3.connect(ctx.db, isolation_level=None)
        for statement in statements:
            conn.execute(statement.replace("{run}", ctx.run_id))
        conn.close()

    return setup


def foreign_sqlite(ctx: Ctx) -> None:
    with sqlite3.connect(ctx.dir / "notes.db") as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
        conn.execute("INSERT INTO notes VALUES ('keep me')")
    conn.close()


def truncated(ctx: Ctx) -> None:
    data = ctx.db.read_bytes()
    ctx.db.write_bytes(data[: len(data) // 3])


def locked_here(ctx: Ctx) -> None:
    """Another connection (as a sqlite3 shell would) holds the mirror's write lock."""
    conn = sqlite3.connect(ctx.db, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")

    def release() -> None:
        conn.execute("ROLLBACK")
        conn.close()

    ctx.cleanup.append(release)


def locked_by_process(ctx: Ctx) -> None:
    """Another process holds the write lock; its pid is what the line should name."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys, time\n"
            "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
            "c.execute('BEGIN IMMEDIATE')\nprint('held', flush=True)\nsys.stdin.read()\n"
            "c.execute('ROLLBACK')\nc.close()",
            str(ctx.db),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    ctx.env["EXPECT_PID"] = str(holder.pid)

    def stop() -> None:  # closing its stdin lets it roll back and close, as a shell would
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)

    ctx.cleanup.append(stop)


def live_run_holds(source: str) -> Setup:
    """A live backfill (another process) holds the run lock of ``source`` in workspace demo."""

    def setup(ctx: Ctx) -> None:
        sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        ctx.cleanup.append(lambda: (sleeper.kill(), sleeper.wait()))
        host = socket.gethostname()
        taken = datetime.now(UTC).isoformat(timespec="seconds")  # after the process started
        sql(
            f"INSERT INTO run_locks VALUES ('demo', '{source}', 'other-run', {sleeper.pid}, "
            f"'{host}', '{taken}')"
        )(ctx)

    return setup


def sub(name: str) -> Setup:
    def setup(ctx: Ctx) -> None:
        (ctx.dir / name).mkdir()

    return setup


def chmod(name: str, mode: int) -> Setup:
    def setup(ctx: Ctx) -> None:
        (ctx.dir / name).chmod(mode)

    return setup


def both(*setups: Setup) -> Setup:
    def setup(ctx: Ctx) -> None:
        for one in setups:
            one(ctx)

    return setup


def unknown_migration(ctx: Ctx) -> None:
    sql(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
        "VALUES ('backfill_tui', '0099_from_the_future', '2027-01-01')"
    )(ctx)


def _blank(*statements: str) -> Setup:
    """The mirror's file becomes an SQLite database with nothing in its schema, made by
    ``statements`` elsewhere and written over the file in place (its owner stays)."""

    def setup(ctx: Ctx) -> None:
        with tempfile.TemporaryDirectory() as scratch:
            made = Path(scratch) / "blank.db"
            conn = sqlite3.connect(made, isolation_level=None)
            for statement in statements:
                conn.execute(statement)
            conn.close()
            ctx.db.write_bytes(made.read_bytes())

    return setup


#: What a run killed as it created the mirror leaves: a 4 KB WAL-mode header, no tables.
killed_as_created = _blank("PRAGMA journal_mode=WAL")
#: Any blank SQLite database (`sqlite3 u.db "create table t(x); drop table t;"`).
blank_sqlite = _blank("CREATE TABLE t (x)", "DROP TABLE t")
#: The line for both: no mirror (none is made by reading), and how to make one.
NO_TABLES = ("no mirror at", "good.db", "SQLite file with no tables", "run` into it", "--db")


#: Marks the good run as interrupted (killed mid-run), so `resume` has work to do.
INTERRUPT = "UPDATE runs SET status = 'cancelled', finished_at = NULL WHERE id = '{run}'"

RUN = ("run", "github:acme/rocket", "--simulate", "--workspace", "demo", "--days", "7")
DB = ("--db", "{db}")
TRIGGER = ("trigger", "--event-key", "k" * 8, "--url", "http://127.0.0.1:9")
ONE_ROW = (
    "--integration",
    "i",
    "--workspace",
    "w",
    "--org",
    "o",
    "--user-source",
    "u",
    "--provider",
)

CASES: list[Case] = [
    # -- arguments: argparse ------------------------------------------------------------------
    Case("run-without-source", ("run", "--workspace", "demo", *DB), ("SOURCE",)),
    Case(
        "run-without-workspace", ("run", "github:acme/rocket", "--simulate", *DB), ("--workspace",)
    ),
    Case("days-45", (*RUN[:-2], "--days", "45", *DB), ("45", "7", "30", "90")),
    Case("days-not-a-number", (*RUN[:-2], "--days", "ten", *DB), ("ten",)),
    Case("days-negative", (*RUN[:-2], "--days", "-7", *DB), ("--days",)),
    Case("max-items-zero", (*RUN, "--max-items", "0", *DB), ("at least 1",)),
    Case("max-items-word", (*RUN, "--max-items", "many", *DB), ("many",)),
    # int() reads other scripts' digits and underscores: "٣" ran capped at 3 (a tester's finding)
    Case("max-items-arabic-indic", (*RUN, "--max-items", "\u0663", *DB), ("not a whole number",)),
    Case("max-items-underscore", (*RUN, "--max-items", "1_000", *DB), ("1_000",)),
    Case("days-fullwidth", (*RUN[:-2], "--days", "\uff13\uff10", *DB), ("not offered",)),
    Case("runs-limit-zero", ("runs", "--limit", "0", *DB), ("at least 1",)),
    # a run's workspace id every export would refuse (a fresh tester's finding: 5,000 ran)
    Case(
        "workspace-longer-than-production-holds",
        ("run", "github:acme/rocket", "--simulate", "--workspace", "w" * 192, "--days", "7", *DB),
        ("--workspace is 192 characters", "at most 191"),
    ),
    # Path drops a trailing slash: `--db new/` made a FILE `new` (a fresh tester's finding)
    Case(
        "db-ends-in-a-slash",
        (*RUN, "--db", "{dir}/new/"),
        ("ends in a slash", "names a folder", "new/mirror.db"),
        absent=("new",),
    ),
    # Path("x/.") is Path("x"); `--record r/..` ran the whole run and then crashed (exit 70)
    Case(
        "db-ends-in-a-dot",
        (*RUN, "--db", "{dir}/new/."),
        ("ends in '.'", "names a folder", "new/mirror.db"),
        absent=("new",),
    ),
    Case(
        "record-ends-in-two-dots",
        (*RUN, "--record", "{dir}/rec/..", *DB),
        ("--record", "ends in '..'", "names a folder", "sync.rec.gz"),
        absent=("rec",),
    ),
    Case(
        "record-ends-in-a-slash",
        (*RUN, "--record", "{dir}/rec/", *DB),
        ("--record", "ends in a slash", "rec/sync.rec.gz"),
        absent=("rec",),
    ),
    Case("unknown-command", ("runn", *DB), ("runn",)),
    Case("unknown-option", (*RUN, "--fast", *DB), ("--fast",)),
    Case("auth-unknown-action", ("auth", "show", "github"), ("show",)),
    Case("resume-without-id", ("resume", *DB), ("RUN_ID",)),
    # -- arguments: sources and entities ------------------------------------------------------
    Case(
        "source-without-provider",
        ("run", "acme/rocket", "--simulate", "--workspace", "demo", *DB),
        ("PROVIDER:TARGET",),
    ),
    Case(
        "source-empty-target",
        ("run", "github:", "--simulate", "--workspace", "demo", *DB),
        ("PROVIDER:TARGET",),
    ),
    Case(
        "github-owner-only",
        ("run", "github:acme", "--simulate", "--workspace", "demo", *DB),
        ("github:OWNER/REPO",),
    ),
    Case(
        "github-three-parts",
        ("run", "github:acme/rocket/x", "--simulate", "--workspace", "demo", *DB),
        ("github:OWNER/REPO",),
    ),
    Case(
        "unknown-provider",
        ("run", "gitlab:acme/rocket", "--simulate", "--workspace", "demo", *DB),
        ("unknown provider", "github"),
    ),
    Case(
        "linear-key-with-dash",
        ("run", "linear:ENG-1", "--simulate", "--workspace", "demo", *DB),
        ("linear:TEAM_KEY",),
    ),
    Case(
        "sentry-org-only",
        ("run", "sentry:acme", "--simulate", "--workspace", "demo", *DB),
        ("sentry:ORG/PROJECT",),
    ),
    Case(
        "vercel-three-parts",
        ("run", "vercel:a/b/c", "--simulate", "--workspace", "demo", *DB),
        ("vercel:",),
    ),
    Case(
        "github-space-in-name",
        ("run", "github:acme/ro cket", "--simulate", "--workspace", "demo", *DB),
        ("github:OWNER/REPO",),
    ),
    Case("unknown-entity", (*RUN, "--entities", "pull_request,wiki", *DB), ("wiki",)),
    Case("empty-entities", (*RUN, "--entities", " , ", *DB), ("--entities is empty",)),
    Case("entity-of-another-provider", (*RUN, "--entities", "deployment", *DB), ("deployment",)),
    Case(
        "blank-workspace",
        ("run", "github:acme/rocket", "--simulate", "--workspace", " ", *DB),
        ("--workspace is empty",),
    ),
    # -- arguments: environment and credentials -----------------------------------------------
    Case(
        "missing-github-token",
        ("run", "github:acme/rocket", "--workspace", "demo", *DB),
        ("GITHUB_TOKEN",),
    ),
    Case(
        "missing-linear-key", ("run", "linear:ENG", "--workspace", "demo", *DB), ("LINEAR_API_KEY",)
    ),
    Case(
        "missing-one-of-two-tokens",
        ("run", "github:acme/rocket", "sentry:acme/rocket", "--workspace", "demo", *DB),
        ("SENTRY_AUTH_TOKEN",),
        setup=env(GITHUB_TOKEN="ghp_" + "a" * 36),
    ),
    Case("bad-simulator-setting", RUN + DB, ("faults",), setup=env(BACKFILL_SIM="faults=lots")),
    # a fresh tester's: a latency no run outlives, an option with no name
    Case(
        "simulator-latency-past-a-minute",
        RUN + DB,
        ("latency", "0 to 60"),
        setup=env(BACKFILL_SIM="latency=1e9"),
    ),
    Case(
        "simulator-option-without-a-name",
        RUN + DB,
        ("no name", "NAME=VALUE"),
        setup=env(BACKFILL_SIM="="),
    ),
    Case(
        "bad-base-url",
        ("run", "github:acme/rocket", "--workspace", "demo", *DB),
        ("BACKFILL_GITHUB_API_URL",),
        setup=env(BACKFILL_GITHUB_API_URL="ftp://example.test", GITHUB_TOKEN="ghp_" + "b" * 36),
    ),
    # the token in every header, over plain http to another machine: refused (a tester's
    # finding: taken without a word); plain http to this machine stays allowed
    Case(
        "plain-http-base-url",
        ("run", "github:acme/rocket", "--workspace", "demo", *DB),
        ("BACKFILL_GITHUB_API_URL is plain http to example.test", "use https"),
        setup=env(BACKFILL_GITHUB_API_URL="http://example.test", GITHUB_TOKEN="ghp_" + "b" * 36),
    ),
    # a token variable set to no token at all (only commas or whitespace): said, not ignored
    Case(
        "github-token-only-commas",
        ("run", "github:acme/rocket", "--workspace", "demo", *DB),
        ("GITHUB_TOKEN is set but holds no token",),
        setup=env(GITHUB_TOKEN=",,,"),
    ),
    Case(
        "vercel-token-only-blanks",
        ("run", "vercel:acme/rocket-web", "--workspace", "demo", *DB),
        ("VERCEL_TOKEN is set but holds no token",),
        setup=env(VERCEL_TOKEN=" \t "),
    ),
    Case(
        "linear-key-only-commas-simulated",
        ("run", "linear:ENG", "--simulate", "--workspace", "demo", *DB),
        ("LINEAR_API_KEY is set but holds no token",),
        setup=env(LINEAR_API_KEY=", ,"),
    ),
    Case(
        "auth-status-sentry-token-only-commas",
        ("auth", "status"),
        ("SENTRY_AUTH_TOKEN is set but holds no token",),
        setup=env(SENTRY_AUTH_TOKEN=","),
    ),
    # -- runs that cannot be resumed, reported or compared ------------------------------------
    Case("resume-unknown-run", ("resume", "nope", *DB), ("no run nope",)),
    Case("resume-completed-run", ("resume", "{run}", *DB), ("already completed",)),
    Case("report-unknown-run", ("report", "nope", *DB), ("nope",)),
    Case("diff-unknown-run", ("diff", "{run}", "nope", *DB), ("no run nope",)),
    # -- files: no mirror where one is read (nothing is created) -------------------------------
    Case(
        "runs-typo-db",
        ("runs", "--db", "{dir}/typo.db"),
        ("no mirror at", "typo.db", "--db"),
        absent=("typo.db",),
    ),
    Case(
        "report-typo-db",
        ("report", "{run}", "--db", "{dir}/typo.db"),
        ("no mirror at",),
        absent=("typo.db",),
    ),
    Case(
        "diff-typo-db",
        ("diff", "a", "b", "--db", "{dir}/typo.db"),
        ("no mirror at",),
        absent=("typo.db",),
    ),
    Case(
        "resume-typo-db",
        ("resume", "{run}", "--db", "{dir}/typo.db"),
        ("no mirror at",),
        absent=("typo.db",),
    ),
    Case("runs-no-default-mirror", ("runs",), ("no mirror yet at the default path", "--db")),
    Case("resume-no-default-mirror", ("resume", "x"), ("no mirror yet at the default path",)),
    Case(
        "runs-db-in-missing-folder",
        ("runs", "--db", "{dir}/nowhere/m.db"),
        ("/nowhere does not exist", "mkdir -p", "correct the path"),
        absent=("nowhere",),
    ),
    Case(
        "run-db-in-missing-folder",  # a mistyped folder: it was made, with a new mirror
        (*RUN, "--db", "{dir}/nowhere/m.db"),
        ("/nowhere does not exist", "mkdir -p", "correct the path"),
        absent=("nowhere",),
    ),
    Case(
        "export-dry-run-typo-db",
        (
            "export",
            "inngest",
            "--event-key",
            "k" * 8,
            "--workspace",
            "demo",
            "--db",
            "{dir}/typo.db",
        ),
        ("no mirror at",),
        absent=("typo.db",),
    ),
    Case(
        "db-is-a-pipe",
        ("run", "github:acme/rocket", "--simulate", "--workspace", "w", "--db", "{dir}/pipe"),
        ("pipe", "regular file"),
        setup=fifo("pipe"),
    ),
    Case(
        "runs-db-is-a-pipe", ("runs", "--db", "{dir}/pipe"), ("regular file",), setup=fifo("pipe")
    ),
    Case(
        "report-output-is-a-pipe",
        ("report", "{run}", "--output", "{dir}/pipe", *DB),
        ("--output", "regular file"),
        setup=fifo("pipe"),
    ),
    Case(
        "report-output-under-a-file",
        ("report", "{run}", "--output", "{dir}/plain/r.md", *DB),
        ("plain",),
        setup=write("plain", b"x"),
        absent=("plain/r.md",),
    ),
    Case(
        "diff-of-a-plain-file",
        ("diff", "{dir}/plain", "{db}"),
        ("not a backfill-tui mirror", "choose another file"),
        setup=write("plain", b"x" * 200),
        unsaid=("--db",),
    ),
    Case(
        "record-under-a-file",
        (*RUN, "--record", "{dir}/plain/x", *DB),
        ("plain is a file, not a folder",),
        setup=write("plain", b"x"),
        absent=("plain/x",),
    ),
    Case(
        "request-log-under-a-file",
        (*RUN, *DB),
        ("plain is a file, not a folder",),
        setup=lambda ctx: (
            write("plain", b"x")(ctx),
            env(BACKFILL_SIM=f"{SIM},request_log={ctx.dir}/plain/x")(ctx),
        )[0],
        absent=("plain/x",),
    ),
    Case(
        "runs-db-empty",
        ("runs", "--db", ""),
        ("--db is empty; give a file path",),
        unsaid=("directory",),
    ),
    Case(
        "report-empty-run-id",
        ("report", "", *DB),
        ("give a run id", "runs` lists them"),
        unsaid=("no run",),
    ),
    Case("resume-empty-run-id", ("resume", " ", *DB), ("give a run id",)),
    Case(
        "runs-empty-file",
        ("runs", "--db", "{dir}/empty.db"),
        ("no mirror at", "empty"),
        setup=write("empty.db", b""),
    ),
    # A blank SQLite file (a run killed as it made the mirror): reading made the mirror in it,
    # said "sound", and on a read-only file blamed "an older backfill-tui" (a tester's finding).
    Case("verify-killed-as-created", ("verify", *DB), NO_TABLES, setup=killed_as_created),
    Case("verify-blank-sqlite", ("verify", *DB), NO_TABLES, setup=blank_sqlite),
    Case("runs-killed-as-created", ("runs", *DB), NO_TABLES, setup=killed_as_created),
    Case("report-blank-sqlite", ("report", "x", *DB), NO_TABLES, setup=blank_sqlite),
    Case("diff-killed-as-created", ("diff", "a", "b", *DB), NO_TABLES, setup=killed_as_created),
    Case(  # the blank file given as diff's PATH, not with --db: the mend names no --db
        "diff-path-blank-sqlite",
        ("diff", "{db}", "{db}"),
        (*NO_TABLES[:4], "another mirror"),
        setup=blank_sqlite,
        unsaid=("--db",),
    ),
    Case("resume-blank-sqlite", ("resume", "x", *DB), NO_TABLES, setup=blank_sqlite),
    Case(
        "export-dry-run-blank-sqlite",
        ("export", "inngest", "--event-key", "k" * 8, "--workspace", "demo", *DB),
        ("no mirror at", "good.db", "no tables", "run a backfill into it"),
        setup=killed_as_created,
    ),
    Case(
        "runs-killed-as-created-read-only",
        ("runs", *DB),
        NO_TABLES,
        setup=both(killed_as_created, chmod("good.db", 0o444), chmod(".", 0o555)),
        how="nobody",
        unsaid=("read-only", "older"),
    ),
    # -- files: what is there is not a mirror (left untouched) ---------------------------------
    Case("run-db-is-the-mirrors-wal-name", (*RUN, "--db", "{db}-wal"), ("wal file of good.db",)),
    Case("runs-db-is-a-shm-name", ("runs", "--db", "{db}-shm"), ("shm file of good.db",)),
    Case(
        "run-db-is-a-journal-name",
        (*RUN, "--db", "{dir}/other.db-journal"),
        ("journal file of other.db",),
    ),
    Case("run-db-is-a-folder", (*RUN, "--db", "{dir}"), ("is a directory",)),
    Case("runs-db-is-a-folder", ("runs", "--db", "{dir}"), ("is a directory",)),
    Case(
        "run-db-is-text",
        (*RUN, "--db", "{dir}/notes.txt"),
        ("not a backfill-tui mirror",),
        setup=write("notes.txt", b"dear diary\n" * 50),
    ),
    Case(
        "runs-db-is-text",
        ("runs", "--db", "{dir}/notes.txt"),
        ("not a backfill-tui mirror",),
        setup=write("notes.txt", b"dear diary\n" * 50),
    ),
    Case(
        "run-db-is-corrupt",
        (*RUN, "--db", "{dir}/bad.db"),
        ("corrupt", "untouched"),
        setup=write("bad.db", b"SQLite format 3\x00" + b"\xff" * 4000),
    ),
    Case(
        "report-db-is-corrupt",
        ("report", "x", "--db", "{dir}/bad.db"),
        ("corrupt",),
        setup=write("bad.db", b"SQLite format 3\x00" + b"\xff" * 4000),
    ),
    Case("run-db-truncated", RUN + DB, ("corrupt", "untouched"), setup=truncated),
    Case("runs-db-truncated", ("runs", *DB), ("corrupt",), setup=truncated),
    Case(
        "run-someone-elses-sqlite",
        (*RUN, "--db", "{dir}/notes.db"),
        ("not a backfill-tui mirror",),
        setup=foreign_sqlite,
    ),
    Case(
        "runs-someone-elses-sqlite",
        ("runs", "--db", "{dir}/notes.db"),
        ("not a backfill-tui mirror",),
        setup=foreign_sqlite,
    ),
    Case(
        "run-newer-schema",
        RUN + DB,
        ("newer version of backfill-tui", "upgrade"),
        setup=sql(f"PRAGMA user_version = {SCHEMA_VERSION + 1}"),
    ),
    Case(
        "runs-newer-schema",
        ("runs", *DB),
        ("newer version of backfill-tui",),
        setup=sql(f"PRAGMA user_version = {SCHEMA_VERSION + 1}"),
    ),
    Case(
        "run-unknown-migration",
        RUN + DB,
        ("newer version of backfill-tui", "0099_from_the_future"),
        setup=unknown_migration,
    ),
    Case(
        "runs-unknown-migration",
        ("runs", *DB),
        ("newer version of backfill-tui",),
        setup=unknown_migration,
    ),
    Case(
        "resume-unknown-migration",
        ("resume", "{run}", *DB),
        ("newer version of backfill-tui",),
        setup=unknown_migration,
    ),
    Case(
        "report-unknown-migration",
        ("report", "{run}", *DB),
        ("newer version of backfill-tui",),
        setup=unknown_migration,
    ),
    # -- files: paths that cannot hold a mirror ------------------------------------------------
    Case(
        "run-db-under-a-file",
        (*RUN, "--db", "{dir}/plain/m.db"),
        ("plain is a file",),
        setup=write("plain", b"x"),
        absent=("plain/m.db",),
    ),
    Case(
        "run-db-deep-under-a-file",
        (*RUN, "--db", "{dir}/plain/a/b/m.db"),
        ("plain is a file",),
        setup=write("plain", b"x"),
    ),
    Case(
        "runs-db-under-a-file",
        ("runs", "--db", "{dir}/plain/m.db"),
        ("plain is a file",),
        setup=write("plain", b"x"),
    ),
    # -- locks ----------------------------------------------------------------------------------
    Case(
        "run-mirror-write-locked",
        RUN + DB,
        ("locked by another process", "wait"),
        setup=locked_here,
    ),
    Case(
        "resume-mirror-write-locked",
        ("resume", "{run}", *DB),
        ("already completed",),
        setup=locked_here,
    ),  # the lookup reads: the real reason wins over the lock
    Case(
        "resume-interrupted-run-write-locked",
        ("resume", "{run}", *DB),
        ("locked",),
        setup=both(sql(INTERRUPT), locked_here),
    ),
    Case(
        "run-two-spellings-one-held",
        (
            "run",
            "github:acme/rocket",
            "github:ACME/ROCKET",
            "--simulate",
            "--workspace",
            "demo",
            "--days",
            "7",
            *DB,
        ),
        ("github:acme/rocket running",),
        setup=live_run_holds("github:acme/rocket"),
    ),
    Case(
        "run-locked-by-a-process",
        RUN + DB,
        ("locked by another process", "{pid}"),
        setup=locked_by_process,
    ),
    Case(
        "run-source-held-by-live-run",
        RUN + DB,
        ("already has a backfill of github:acme/rocket",),
        setup=live_run_holds("github:acme/rocket"),
    ),
    Case(
        "run-source-other-spelling-held",
        ("run", "github:ACME/Rocket", "--simulate", "--workspace", "demo", "--days", "7", *DB),
        ("github:acme/rocket",),
        setup=live_run_holds("github:acme/rocket"),
    ),
    Case(
        "run-sentry-other-spelling-held",
        ("run", "sentry:Acme/ROCKET", "--simulate", "--workspace", "demo", "--days", "7", *DB),
        ("sentry:acme/rocket",),
        setup=live_run_holds("sentry:acme/rocket"),
    ),
    Case(
        "run-linear-lower-case-held",
        ("run", "linear:eng", "--simulate", "--workspace", "demo", "--days", "7", *DB),
        ("linear:ENG",),
        setup=live_run_holds("linear:ENG"),
    ),
    Case(
        "run-vercel-other-spelling-held",
        ("run", "vercel:ACME/Rocket-Web", "--simulate", "--workspace", "demo", "--days", "7", *DB),
        ("vercel:acme/rocket-web",),
        setup=live_run_holds("vercel:acme/rocket-web"),
    ),
    # -- disks (a real SQLITE_FULL: the mirror may grow by so many pages) ------------------------
    Case(
        "run-disk-full-at-first-page",
        (*RUN[:-2], "--days", "90", "--json", "--quiet", *DB),  # --quiet: the error alone
        ("disk full: 0 observations kept", "resume"),
        pages=0,
        untouched=False,
        code=1,  # the run began: it ends interrupted, not refused (README)
    ),
    Case(
        "run-disk-full-mid-run",
        (*RUN[:-2], "--days", "90", "--json", "--quiet", *DB),  # --quiet: the error alone
        ("disk full:", "observations kept", "resume"),
        pages=30,
        untouched=False,
        code=1,  # the run began: it ends interrupted, not refused (README)
    ),
    Case(
        "run-disk-full-new-mirror",
        (*RUN, "--db", "{dir}/new.db"),
        ("disk full",),
        pages=1,
        absent=("new.db", "new.db-wal", "new.db-shm"),
    ),
    Case("replay-disk-full", ("replay", "{dir}/missing.rec", *DB), ("missing.rec",), pages=0),
    # -- permissions (as an unprivileged user: root is not bound by them) ----------------------
    Case(
        "run-read-only-mirror-file",
        RUN + DB,
        ("read-only", "good.db"),
        setup=chmod("good.db", 0o444),
        how="nobody",
    ),
    Case(
        "resume-read-only-mirror-file",
        ("resume", "{run}", *DB),
        ("already completed",),
        setup=chmod("good.db", 0o444),
        how="nobody",
    ),
    Case(
        "resume-interrupted-run-read-only",
        ("resume", "{run}", *DB),
        ("read-only", "good.db"),
        setup=both(sql(INTERRUPT), chmod("good.db", 0o444)),
        how="nobody",
    ),
    Case(
        "export-dry-run-unreadable-mirror",
        ("export", "inngest", "--event-key", "k" * 8, "--workspace", "demo", *DB),
        ("permission denied", "good.db"),
        setup=chmod("good.db", 0o000),
        how="nobody",
    ),
    Case(
        "run-mirror-in-read-only-folder",
        RUN + DB,
        ("read-only",),
        setup=chmod(".", 0o555),
        how="nobody",
    ),
    Case(
        "runs-unreadable-mirror",
        ("runs", *DB),
        ("permission denied", "good.db"),
        setup=chmod("good.db", 0o000),
        how="nobody",
    ),
    Case(
        "run-unreadable-mirror",
        RUN + DB,
        ("permission denied", "good.db"),
        setup=chmod("good.db", 0o000),
        how="nobody",
    ),
    Case(
        "run-new-mirror-in-closed-folder",
        (*RUN, "--db", "{dir}/shut/new.db"),
        ("permission denied", "shut"),
        setup=both(sub("shut"), chmod("shut", 0o555)),
        how="nobody",
        absent=("shut/new.db",),
    ),
    Case(
        "runs-mirror-behind-closed-folder",
        ("runs", "--db", "{dir}/shut/m.db"),
        ("permission denied", "shut"),
        setup=both(sub("shut"), chmod("shut", 0o000)),
        how="nobody",
    ),
    # -- trigger: a file that cannot be read as rows, or flags that make no row (nothing sent)
    Case("trigger-file-missing", (*TRIGGER, "--file", "{dir}/nowhere.csv", *DB), ("no file at",)),
    Case("trigger-file-is-a-directory", (*TRIGGER, "--file", "{dir}", *DB), ("is a directory",)),
    Case(
        "trigger-file-not-utf8",
        (*TRIGGER, "--file", "{dir}/rows.csv", *DB),
        ("not utf-8",),
        setup=write(
            "rows.csv",
            b"integrationId,workspaceId,clerkOrgId,provider,userSourceId\ni,w,caf\xe9,github,u\n",
        ),
    ),
    Case(
        "trigger-file-no-header",
        (*TRIGGER, "--file", "{dir}/rows.csv", *DB),
        ("names none of the columns", "integrationId"),
        setup=write("rows.csv", b"i,w,o,github,u,30\n"),
    ),
    Case(
        "trigger-file-binary",
        (*TRIGGER, "--file", "{dir}/rows.csv", *DB),
        ("binary",),
        setup=write("rows.csv", b"\x89PNG\r\n\x1a\n\x00\x00"),
    ),
    Case(
        "trigger-file-empty",
        (*TRIGGER, "--file", "{dir}/rows.csv", *DB),
        ("is empty",),
        setup=write("rows.csv", b"\n \n"),
    ),
    Case(
        "trigger-flags-linear",
        (*TRIGGER, *ONE_ROW, "linear", *DB),
        ("linear has no backfill connector",),
    ),
    Case(
        "trigger-flags-depth-14",
        (*TRIGGER, *ONE_ROW, "github", "--depth", "14", *DB),
        ("--depth '14' is not 7, 30 or 90",),
    ),
    Case(
        "trigger-file-and-flags",
        (*TRIGGER, "--file", "x.csv", *ONE_ROW, "github", *DB),
        ("--file or the flags",),
    ),
    # -- found by a tester: each one line, exit 2 ------------------------------------------------
    Case(
        "demo-db-empty",
        ("demo", "--db", ""),
        ("--db is empty; give a file path",),
        unsaid=("directory",),
    ),
    Case(
        "export-postgres-dsn-empty",
        ("export", "postgres", "--dsn", "", "--workspace", "demo", *DB),
        ("--dsn is empty",),
        unsaid=("localhost",),
    ),
    Case(
        "diff-limit-negative",
        ("diff", "{run}", "{run}", "--limit", "-1", *DB),
        ("--limit", "-1 is negative"),
    ),
    Case(
        "run-option-typo",
        (*RUN[:-2], "--dyas", "7", *DB),
        ("unrecognized arguments: --dyas 7", "did you mean '--days'"),
    ),
    Case(
        "runs-db-with-control-characters",
        ("runs", "--db", "{dir}/nope\u202e\x1b[31mred.db"),
        ("no mirror at", "nope<U+202E>\\x1b[31mred.db"),
        unsaid=("\x1b", "\u202e"),
    ),
    Case(
        "runs-db-in-the-home-of-no-user",  # pathlib's RuntimeError was an internal error (70)
        ("runs", "--db", "~nosuchuser-bfl/x.db"),
        ("there is no user 'nosuchuser-bfl'", "write the path in full"),
    ),
    Case(
        "record-to-the-home-of-no-user",
        (*RUN[:-2], "--record", "~nosuchuser-bfl/x.rec.gz", *DB),
        ("~nosuchuser-bfl/x.rec.gz: there is no user", "write the path in full"),
    ),
    Case(
        "record-where-no-file-can-be-made",  # it failed once the run was in the mirror (a tester)
        (*RUN[:-2], "--record", "/proc/x.rec.gz", *DB),
        ("/proc/x.rec.gz", "choose another path"),
        unsaid=(".part",),
    ),
    Case(
        "runs-a-hand-edited-status",  # the README invites sqlite3; it was exit 70 (a tester)
        ("runs", *DB),
        (
            "has status 'weird' (column runs.status), which backfill-tui never writes",
            "one of running, completed",
        ),
        setup=sql("UPDATE runs SET status = 'weird'"),
    ),
    Case(
        "runs-a-run-whose-entities-are-not-json",  # blamed on its sound sources, at first
        ("runs", *DB),
        (
            "has entities 'oops' (column runs.entities), which backfill-tui never writes",
            "a JSON list",
        ),
        setup=sql("UPDATE runs SET entities = 'oops'"),
        unsaid=("has sources",),
    ),
    Case(
        "resume-a-run-whose-sources-are-not-json",
        ("resume", "{run}", *DB),
        (
            "has sources 'not json' (column runs.sources), which backfill-tui never writes",
            "a JSON list",
        ),
        setup=sql("UPDATE runs SET sources = 'not json'"),
    ),
    # -- hand-edited rows: every column checked as read (store/columns.py); each was exit 70 ---
    Case(
        "runs-a-running-run-whose-pid-is-text",  # and the app's Runs screen (a fresh tester)
        ("runs", *DB),
        (
            "run {run} has pid 'abc' (column runs.pid)",
            "UPDATE runs SET pid = NULL WHERE id = '{run}'",
        ),
        setup=sql("UPDATE runs SET status = 'running', pid = 'abc'"),
    ),
    Case(
        "runs-a-running-run-whose-pid-no-system-gives",  # os.kill's OverflowError
        ("runs", *DB),
        ("has pid 1099511627776 (column runs.pid)", "a process id"),
        setup=sql("UPDATE runs SET status = 'running', pid = 1099511627776"),
    ),
    Case(
        "runs-a-stream-whose-new-count-is-text",  # summed as 0 (SQLite's sum of text)
        ("runs", *DB),
        ("stream github:acme/rocket/issue of run {run}", "has new 'many' (column streams.new)"),
        setup=sql("UPDATE streams SET new = 'many' WHERE entity = 'issue'"),
    ),
    Case(
        "report-a-stream-whose-fetched-is-text",  # a fresh tester's finding
        ("report", "{run}", *DB),
        (
            "stream github:acme/rocket/issue of run {run} (row id",
            "has fetched 'lots' (column streams.fetched)",
            "UPDATE streams SET fetched = 0 WHERE id =",
        ),
        setup=sql("UPDATE streams SET fetched = 'lots' WHERE entity = 'issue'"),
    ),
    Case(
        "resume-a-run-whose-since-is-no-instant",  # a fresh tester's finding
        ("resume", "{run}", *DB),
        ("has since 'last week' (column runs.since)", "UPDATE runs SET since = '"),
        setup=sql(INTERRUPT, "UPDATE runs SET since = 'last week'"),
    ),
    Case(
        "resume-a-stream-whose-fetch-since-is-no-instant",  # "internal error" in its stream
        ("resume", "{run}", *DB),
        ("has fetch_since 'soon' (column streams.fetch_since)", "SET fetch_since = NULL"),
        setup=sql(
            INTERRUPT,
            "UPDATE streams SET status = 'failed', fetch_since = 'soon' WHERE entity = 'issue'",
        ),
    ),
    Case(
        "resume-a-run-whose-max-items-is-text",  # "internal error" in each resumed stream
        ("resume", "{run}", *DB),
        ("has max_items 'lots' (column runs.max_items)", "a whole number from 1"),
        setup=sql(
            INTERRUPT,
            "UPDATE runs SET max_items = 'lots'",
            "UPDATE streams SET status = 'failed' WHERE entity = 'issue'",
        ),
    ),
    Case(
        "resume-a-run-whose-simulator-settings-are-garbage",  # blamed on BACKFILL_SIM, unset
        ("resume", "{run}", *DB),
        (
            "run {run} has simulator settings the simulator cannot read",
            "unknown simulator option 'garbage'",
            "(column runs.simulator)",
            "UPDATE runs SET simulator = NULL WHERE id = '{run}'",
        ),
        setup=sql(
            INTERRUPT,
            "UPDATE runs SET simulator = 'garbage'",
            "UPDATE streams SET status = 'failed' WHERE entity = 'issue'",
        ),
        unsaid=("BACKFILL_SIM:",),
    ),
    Case(
        "resume-a-stream-of-no-provider",  # said once the run was marked running again
        ("resume", "{run}", *DB),
        ("has provider 'gitlab' (column streams.provider)", "one of github, vercel"),
        setup=sql(
            INTERRUPT,
            "UPDATE streams SET status = 'failed', provider = 'gitlab' WHERE entity = 'issue'",
        ),
    ),
    Case(
        "resume-a-stream-of-no-entity",  # an internal error in its stream
        ("resume", "{run}", *DB),
        ("has entity 'commits' (column streams.entity)", "one of pull_request, issue"),
        setup=sql(
            INTERRUPT,
            "UPDATE streams SET status = 'failed', entity = 'commits' WHERE entity = 'issue'",
        ),
    ),
    Case(
        "resume-a-stream-whose-cursor-is-no-link",  # read as a path: "repository deleted"
        ("resume", "{run}", *DB),
        (
            "has cursor 'not a link' (column streams.cursor)",
            "the next page's URL",
            "SET cursor = NULL WHERE id =",
        ),
        setup=sql(
            INTERRUPT,
            "UPDATE streams SET status = 'failed', cursor = 'not a link' WHERE entity = 'issue'",
        ),
    ),
    Case(
        "diff-a-run-whose-depth-is-text",
        ("diff", "{run}", "{run}", *DB),
        ("has depth_days 'a week' (column runs.depth_days)", "UPDATE runs SET depth_days = 7"),
        setup=sql("UPDATE runs SET depth_days = 'a week'"),
    ),
    Case(
        "verify-a-stream-whose-pages-are-text",  # SQLite's own checks pass it: "sound"
        ("verify", *DB),
        ("has pages 'two' (column streams.pages)", "UPDATE streams SET pages = 0 WHERE id ="),
        setup=sql("UPDATE streams SET pages = 'two' WHERE entity = 'issue'"),
    ),
    Case(
        "trigger-apply-without-key",
        ("trigger", *ONE_ROW, "github", "--apply", *DB),
        ("no inngest event key", "--event-key"),
    ),
]


# -- running a case -------------------------------------------------------------------------------


@pytest.fixture
def nobody_dir() -> Iterator[Path]:
    """A folder an unprivileged user may work in (pytest's own tmp folders are 0700)."""
    path = Path(tempfile.mkdtemp(prefix="bfl-suite-"))
    path.chmod(0o777)
    yield path
    for p in [path, *path.rglob("*")]:
        with contextlib.suppress(OSError):
            p.chmod(0o700)
    shutil.rmtree(path, ignore_errors=True)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(
    case: Case,
    good_mirror: tuple[Path, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    source, run_id = good_mirror
    unprivileged = case.how == "nobody"
    if unprivileged and os.geteuid() == 0 and not hasattr(os, "fork"):
        pytest.skip("needs fork to drop privileges")
    folder = request.getfixturevalue("nobody_dir") if unprivileged else tmp_path / "case"
    folder.mkdir(exist_ok=True)
    db = folder / "good.db"
    shutil.copyfile(source, db)
    if unprivileged and os.geteuid() == 0:
        os.chown(db, NOBODY, NOBODY)
        os.chown(folder, NOBODY, NOBODY)
    ctx = Ctx(folder, db, run_id)
    try:
        if case.setup is not None:
            case.setup(ctx)
        before = fingerprint(folder, db)
        args = [a.format(db=db, dir=folder, run=run_id) for a in case.args]
        environ = {k: v for k, v in ctx.env.items() if k != "EXPECT_PID"}
        for name, value in environ.items():
            monkeypatch.setenv(name, value)
        if case.pages is not None:
            limit_pages(monkeypatch, Path(args[args.index("--db") + 1]), case.pages)
        if unprivileged and os.geteuid() == 0:
            environ.update({k: v for k, v in os.environ.items() if k.startswith(("XDG_", "HOME"))})
            result = run_cli_as_nobody(args, environ)
            code, err = result.code, result.err
        else:
            result = run_cli(capsys, *args)
            code, err = result.code, result.err
    finally:
        for undo in reversed(ctx.cleanup):
            undo()
        if unprivileged:  # open everything up again, so the comparison below can read it
            folder.chmod(0o755)
            for p in folder.iterdir():
                p.chmod(0o755 if p.is_dir() else 0o644)
    line = one_line(err)
    assert code == case.code, line
    for word in case.words:
        word = word.format(pid=ctx.env.get("EXPECT_PID", ""), run=run_id)
        assert word.lower() in line.lower(), line
    for word in case.unsaid:
        assert word.lower() not in line.lower(), line
    if case.untouched:
        assert fingerprint(folder, db) == before, "a file changed, appeared or vanished"
        stray = [p.name for p in folder.rglob("*") if p.name.endswith(("-wal", "-shm", "-journal"))]
        assert not stray, f"left behind: {stray}"
    for name in case.absent:
        assert not (folder / name).exists(), name


def test_the_suite_has_sixty_distinct_cases() -> None:
    assert len({c.id for c in CASES}) == len(CASES) >= 60
    assert len({(c.args, c.setup, c.pages, c.how) for c in CASES}) == len(CASES)


def test_every_refused_days_value_is_said_alike(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A fresh tester's finding: ``--days 31`` said "31 is not offered; choose 7, 30
    (recommended) or 90" and ``--days 30.0`` "'30.0' is not 7, 30 or 90". One wording, what is
    wrong and how to mend it, for every value refused; exit 2, nothing made."""
    db = tmp_path / "m.db"
    for value in ("31", "30.0", "ten", "-7"):
        result = run_cli(capsys, *RUN[:-2], "--days", value, "--db", str(db))
        assert result.code == 2 and not db.exists(), result.err
        assert result.err == (
            f"backfill-tui run: error: --days {value} is not offered; choose 7, 30 (recommended) "
            "or 90 (see backfill-tui run --help)\n"
        )
