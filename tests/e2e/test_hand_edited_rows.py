"""A row of ``runs``, ``streams`` or ``run_sources`` edited by hand (the README invites
sqlite3) into a value backfill-tui never writes is one line naming the table, the row and the
column, with how to set it back, exit 2, in every command and the app; nothing stored changes.

Every column is checked in one place, as its row is read (``store/columns.py``). Fresh testers
met the rest as internal errors: a text ``pid`` in ``runs`` and the Runs screen, a text
``fetched`` in ``report``, a ``since`` that is no instant in ``resume`` (and a source's text
``api_calls`` was one in ``report`` too). The commands one by one are in the bad-input suite
(tests/e2e/test_bad_input_suite.py, "hand-edited" cases); here each column is edited in turn
(``verify`` reads every row), the suggested ``UPDATE`` is run to see that it mends, and the two
faces that met such rows elsewhere (a later run's re-sync, the app) are checked.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from app_support import SIZE, sim_environment
from support import run_cli, simulated_engine

from backfill_tui import cli
from backfill_tui.cli.app import app_ended
from backfill_tui.screens.app import BackfillApp
from backfill_tui.store import Mirror
from backfill_tui.store.columns import RUN_COLUMNS, SOURCE_COLUMNS, STREAM_COLUMNS, Column

#: Each checked table's columns, by table.
TABLES = {"runs": RUN_COLUMNS, "streams": STREAM_COLUMNS, "run_sources": SOURCE_COLUMNS}

SIM = "seed=7,scale=0.2"


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A real mirror (one 7-day simulated run of github:acme/rocket) and that run's id."""
    db = tmp_path_factory.mktemp("made") / "made.db"
    engine = simulated_engine(db, SIM)
    run_id = engine.run("github:acme/rocket", days=7, max_items=5)
    engine.mirror.close()
    return db, run_id


def _copy(made: tuple[Path, str], tmp_path: Path, *statements: str) -> Path:
    db = tmp_path / "m.db"
    shutil.copyfile(made[0], db)
    conn = sqlite3.connect(db, isolation_level=None)
    for statement in statements:
        conn.execute(statement)
    conn.close()
    return db


def _stored(db: Path) -> tuple[str, object]:
    """The mirror file's bytes (as a digest) and its runs and streams rows."""
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?immutable=1", uri=True)
    try:
        rows = [
            conn.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall()
            for t in ("runs", "streams")
        ]
    finally:
        conn.close()
    return hashlib.sha256(db.read_bytes()).hexdigest(), rows


def _never_written(column: Column) -> str:
    """An SQL value the column never holds: a blob where text belongs, else text."""
    return "X'00ff'" if column.check("") else "'never'"


def _one_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_every_column_of_runs_streams_and_run_sources_is_checked(made: tuple[Path, str]) -> None:
    """A migration that adds a column must say what it holds (store/columns.py)."""
    with sqlite3.connect(made[0]) as conn:
        found = {t: [r[1] for r in conn.execute(f"PRAGMA table_info({t})")] for t in TABLES}
    conn.close()
    assert list(RUN_COLUMNS) == found["runs"]
    assert ["id", *STREAM_COLUMNS] == found["streams"]  # id: SQLite's own rowid, nothing else
    assert list(SOURCE_COLUMNS) == found["run_sources"]


@pytest.mark.parametrize(
    ("table", "name"),
    [(table, name) for table, columns in TABLES.items() for name in columns],
)
def test_each_column_edited_is_one_line_naming_it(
    table: str,
    name: str,
    made: tuple[Path, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``verify`` reads every row as the commands read them (SQLite itself finds the file
    sound): the edited value is named with its table, row and column, exit 2, nothing changed."""
    column = TABLES[table][name]
    where = " WHERE entity = 'issue'" if table == "streams" else ""
    db = _copy(made, tmp_path, f"UPDATE {table} SET {name} = {_never_written(column)}{where}")
    before = _stored(db)
    result = run_cli(capsys, "verify", "--db", str(db))
    line = _one_line(result.err)
    assert result.code == 2, line
    assert f"(column {table}.{name}), which backfill-tui never writes" in line
    assert "set it back to" in line and "with sqlite3" in line
    if table == "streams":
        if name not in ("provider", "target", "entity", "run_id"):  # the name edited is shown
            assert f"stream github:acme/rocket/issue of run {made[1]}" in line
        assert "(row id 2)" in line
    elif table == "run_sources" and name not in ("provider", "target", "run_id"):
        assert f"source github:acme/rocket of run {made[1]} has {name}" in line
    elif table == "runs" and name != "id":
        assert f"run {made[1]} has {name}" in line
    assert _stored(db) == before


@pytest.mark.parametrize(
    ("edit", "command"),
    [
        ("UPDATE runs SET status = 'running', pid = 'abc'", ("runs",)),
        ("UPDATE runs SET status = 'running', pid = 1099511627776", ("runs",)),  # OverflowError
        ("UPDATE runs SET since = 'last week'", ("report", "{run}")),
        ("UPDATE runs SET started_at = 'soon'", ("report", "{run}")),
        ("UPDATE runs SET depth_days = 'a week'", ("report", "{run}")),
        ("UPDATE runs SET workspace_id = CAST('demo' AS BLOB)", ("runs",)),
        ("UPDATE streams SET fetched = 'many' WHERE entity = 'issue'", ("report", "{run}")),
        ("UPDATE streams SET new = 'many' WHERE entity = 'issue'", ("runs",)),
        # summed past SQLite's integers, the overview's sum overflowed: exit 70 in the app
        ("UPDATE streams SET new = 9223372036854775807 WHERE entity = 'issue'", ("runs",)),
        ("UPDATE streams SET new = 1000000000001 WHERE entity = 'issue'", ("report", "{run}")),
        ("UPDATE runs SET depth_days = 45", ("report", "{run}")),  # a cutoff of 30 days shown
        ("UPDATE streams SET fetch_since = 'then' WHERE entity = 'issue'", ("report", "{run}")),
        ("UPDATE run_sources SET api_calls = 'many'", ("report", "{run}")),
        # more than any run may be given (--max-items, a recording's header): it was read
        ("UPDATE runs SET max_items = 99999999999999", ("runs",)),
        ("UPDATE runs SET max_items = 99999999999999", ("report", "{run}")),
    ],
)
def test_the_update_the_line_gives_mends_the_row(
    edit: str,
    command: tuple[str, ...],
    made: tuple[Path, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Where a value is known to be safe (NULL, 0, the text a blob holds, a window's start
    computed from the run's start and depth as the run computed it), the line ends with the
    statement that sets it: run as given, the command works again."""
    db = _copy(made, tmp_path, edit)
    args = [a.format(run=made[1]) for a in command]
    line = _one_line(run_cli(capsys, *args, "--db", str(db)).err)
    mend = re.search(r"with sqlite3: (UPDATE .*)$", line)
    assert mend is not None, line
    with sqlite3.connect(db) as conn:
        conn.execute(mend.group(1))
    conn.close()
    again = run_cli(capsys, *args, "--db", str(db))
    assert again.code == 0, again.err


def test_a_run_whose_max_items_was_edited_past_the_most_is_not_resumed(
    made: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``max_items`` is checked by the bound every run meets (1 to 1,000,000,000, as
    ``--max-items`` and a recording's header): edited to 99999999999999, a cancelled run was
    resumed with it as its cap (a fresh tester's finding). It is the column's one line, exit 2,
    nothing changed; the line's UPDATE (the most a run takes) lets it resume."""
    db = _copy(
        made, tmp_path,
        "UPDATE runs SET status = 'cancelled', max_items = 99999999999999",
        "UPDATE streams SET status = 'cancelled' WHERE entity = 'issue'",
    )  # fmt: skip
    before = _stored(db)
    result = run_cli(capsys, "resume", made[1], "--db", str(db), "--quiet")
    line = _one_line(result.err)
    assert result.code == 2, line
    assert "has max_items 99999999999999 (column runs.max_items)" in line
    assert "a whole number from 1 to 1,000,000,000" in line
    assert _stored(db) == before
    mend = re.search(r"with sqlite3: (UPDATE .*)$", line)
    assert mend is not None and "max_items = 1000000000" in mend.group(1), line
    with sqlite3.connect(db) as conn:
        conn.execute(mend.group(1))
    conn.close()
    again = run_cli(capsys, "resume", made[1], "--db", str(db), "--quiet")
    assert again.code == 0, again.err


def test_a_run_beside_a_hand_edited_run_is_not_narrowed_by_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A re-sync narrows a stream to what is newer than an earlier completed run's start: a
    start edited into no instant was copied into the new stream's ``fetch_since`` as it was,
    and every stream of the new run failed with an internal error. An unreadable run vouches
    for nothing: the new run fetches its whole window, and completes."""
    monkeypatch.setenv("BACKFILL_SIM", SIM)  # one history: the earlier run may vouch
    db = tmp_path / "m.db"
    run = (
        "run", "github:acme/rocket", "--simulate", "--workspace", "demo", "--days", "7",
        "--entities", "issue", "--quiet", "--json", "--db", str(db),
    )  # fmt: skip
    assert run_cli(capsys, *run).code == 0
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE runs SET started_at = '2000-01-01 at noon'")
    conn.close()
    result = run_cli(capsys, *run)
    assert result.code == 0, result.out + result.err
    assert "internal error" not in result.out + result.err
    with sqlite3.connect(db) as conn:
        narrowed = conn.execute("SELECT count(*) FROM streams WHERE fetch_since IS NOT NULL")
        assert narrowed.fetchone()[0] == 0
    conn.close()


def test_the_app_meeting_a_hand_edited_row_ends_with_its_line_and_2(
    made: tuple[Path, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The Runs screen (F5) of a mirror whose run has a text process id: it ended the app with
    "internal error (TypeError)" and 70 (a fresh tester's finding). It ends it as a command
    ends: the row's one line, exit 2."""
    monkeypatch.setenv("BACKFILL_SIM", SIM)
    db = _copy(made, tmp_path)
    cli.setup_logging()
    mirror = Mirror.open(db)
    app = BackfillApp(mirror, sim_environment(SIM))

    async def drive() -> None:
        async with app.run_test(size=SIZE) as pilot:
            with sqlite3.connect(db) as conn:  # edited while the app runs, as a sqlite3 shell
                conn.execute("UPDATE runs SET status = 'running', pid = 'abc'")
            conn.close()
            await pilot.press("f5")
            await pilot.pause()

    try:
        with pytest.raises(Exception):  # noqa: B017  (run_test hands it on, whatever it is)
            asyncio.run(drive())
    finally:
        mirror.close()
    capsys.readouterr()
    status = app_ended(app)
    line = _one_line(capsys.readouterr().err)
    assert status == 2, line
    assert "has pid 'abc' (column runs.pid)" in line
    assert "UPDATE runs SET pid = NULL WHERE id = " in line
