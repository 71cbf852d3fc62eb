"""Every file the product writes is checked against what it must not overwrite, and written
atomically (issue 10, item 1).

The table runs every command that writes a file against every file it must never replace: the
mirror in use and its -wal/-shm, another SQLite database and a recording under names that hide
what they are, and another database's write-ahead log. Each must be refused with one line and
exit status 2, leaving the mirror and the target byte-identical and no temporary file behind.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import sqlite3
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from support import run_cli

from backfill_tui import cli
from backfill_tui.engine.environment import Environment
from backfill_tui.engine.outputs import AtomicFile, atomic_write, check_output, in_use, sniff
from backfill_tui.engine.recording import Recorder
from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
from backfill_tui.errors import UsageError
from backfill_tui.recording import read_recording
from backfill_tui.recording.fileformat import RecordingWriter
from backfill_tui.store import Mirror
from backfill_tui.terms import log_path

SIM = "clock=virtual,anchor=2026-11-28T00:00:00Z"


@dataclass
class Fixture:
    db: Path
    rec: Path
    run_id: str


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Fixture:
    """One small simulated run, recorded: a mirror and a recording to copy into each test."""
    base = tmp_path_factory.mktemp("built")
    db, rec = base / "m.db", base / "r.rec"
    environment = Environment.create(simulate=True, simulator_config=SIM, env={})
    mirror = Mirror.open(db)
    try:
        engine = Engine(mirror, environment)
        request = RunRequest(
            workspace="w",
            sources=(SourceSpec.parse("github:acme/rocket"),),
            depth=30,
            entities=frozenset({"release"}),
            max_items=20,
        )
        run = engine.plan(request, simulator_text=SIM)  # stored, as `run` stores them
        with Recorder(rec).recording(environment, run):
            asyncio.run(engine.run(run.id))
    finally:
        mirror.close()
    return Fixture(db, rec, run.id)


def digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def make_wal(path: Path) -> None:
    """Leave another database's write-ahead log at ``path`` (copied while it is open)."""
    other = path.with_name("walsource.db")
    conn = sqlite3.connect(other)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    conn.execute("CREATE TABLE t (x)")
    conn.execute("INSERT INTO t VALUES (1)")
    conn.commit()
    shutil.copy(other.with_name("walsource.db-wal"), path)
    conn.close()


# Each target: (id, how to make it in the test folder given the mirror and recording) -> path.
TARGETS: dict[str, Callable[[Path, Fixture], Path]] = {
    "the mirror": lambda d, f: f.db,
    "the mirror's -wal": lambda d, f: f.db.with_name(f.db.name + "-wal"),
    "the mirror's -shm": lambda d, f: f.db.with_name(f.db.name + "-shm"),
    "the mirror through a symlink": lambda d, f: _symlink(d / "link.md", f.db),
    "another SQLite db named notes.txt": lambda d, f: Path(shutil.copy(f.db, d / "notes.txt")),
    "a recording named report.md": lambda d, f: Path(shutil.copy(f.rec, d / "report.md")),
    "another db's WAL named out.log": lambda d, f: _then(make_wal, d / "out.log"),
}


def _symlink(link: Path, to: Path) -> Path:
    link.symlink_to(to)
    return link


def _then(make: Callable[[Path], None], path: Path) -> Path:
    make(path)
    return path


def _run(f: Fixture, extra: list[str]) -> list[str]:
    return [
        "run", "github:acme/rocket", "--simulate", "--workspace", "w", "--entities", "release",
        "--max-items", "5", "--db", str(f.db), "--quiet", *extra,
    ]  # fmt: skip


# Each command that writes a file: (id, argv for a target, BACKFILL_SIM for a target).
COMMANDS: dict[str, Callable[[Fixture, Path], tuple[list[str], str]]] = {
    "report --output": lambda f, t: (["report", f.run_id, "--db", str(f.db), "--output", str(t)], SIM),
    "run --record": lambda f, t: (_run(f, ["--record", str(t)]), SIM),
    "run with the simulator's request_log": lambda f, t: (_run(f, []), f"{SIM},request_log={t}"),
    "resume with the simulator's request_log": lambda f, t: (
        ["resume", f.run_id, "--db", str(f.db), "--quiet"], f"{SIM},request_log={t}"
    ),
}  # fmt: skip


@pytest.mark.parametrize("target", list(TARGETS))
@pytest.mark.parametrize("command", list(COMMANDS))
def test_no_command_overwrites_a_file_it_must_not(
    command: str,
    target: str,
    built: Fixture,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    f = Fixture(
        Path(shutil.copy(built.db, work / "m.db")),
        Path(shutil.copy(built.rec, work / "r.rec")),
        built.run_id,
    )
    if command.startswith("resume"):  # a resumable run: mark it interrupted
        conn = sqlite3.connect(f.db)
        with conn:
            conn.execute("UPDATE runs SET status = 'failed'")
        conn.close()
    path = TARGETS[target](work, f)
    argv, sim = COMMANDS[command](f, path)
    monkeypatch.setenv("BACKFILL_SIM", sim)
    before = {p: digest(p) for p in (f.db, f.rec, path)}
    listing = sorted(p.name for p in work.iterdir())

    result = run_cli(capsys, *argv)

    assert result.code == 2, result.err
    assert result.err.count("\n") == 1 and "Traceback" not in result.err
    assert "choose another file" in result.err
    assert {p: digest(p) for p in (f.db, f.rec, path)} == before
    assert sorted(p.name for p in work.iterdir()) == listing  # no temporary file left behind


@pytest.mark.parametrize("target", list(TARGETS))
def test_the_apps_recorder_refuses_the_same_files(
    target: str, built: Fixture, tmp_path: Path
) -> None:
    """The app records through :class:`Recorder` with the mirror in use protected (app.py)."""
    f = Fixture(
        Path(shutil.copy(built.db, tmp_path / "m.db")),
        Path(shutil.copy(built.rec, tmp_path / "r.rec")),
        built.run_id,
    )
    path = TARGETS[target](tmp_path, f)
    before = digest(path)
    with pytest.raises(UsageError, match="choose another file"):
        Recorder(path, protected=in_use(f.db))
    assert digest(path) == before


def test_replay_into_the_recording_itself_is_refused(
    built: Fixture, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rec = Path(shutil.copy(built.rec, tmp_path / "r.rec"))
    before = digest(rec)
    result = run_cli(capsys, "replay", str(rec), "--db", str(rec))
    assert result.code == 2 and result.err.count("\n") == 1, result.err
    assert digest(rec) == before


def test_what_may_be_written_is_written_whole(
    built: Fixture,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A report may replace an earlier report; a recording goes to a new path."""
    db = Path(shutil.copy(built.db, tmp_path / "m.db"))
    old = tmp_path / "report.md"
    assert run_cli(capsys, "report", built.run_id, "--db", str(db), "-o", str(old)).code == 0
    old.write_text(old.read_text() + "an old line\n")
    result = run_cli(capsys, "report", built.run_id, "--db", str(db), "--output", str(old))
    assert result.code == 0, result.err
    assert old.read_text().startswith(f"# backfill-tui run {built.run_id}")
    assert "an old line" not in old.read_text()
    rec = tmp_path / "run.rec.gz"
    result = run_cli(capsys, *_run(Fixture(db, rec, ""), ["--record", str(rec)]))
    assert result.code == 0, result.err
    assert read_recording(rec).exchanges
    assert stat.S_IMODE(rec.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "m.db", "report.md", "run.rec.gz"]
    requests = tmp_path / "requests.jsonl"  # the simulator's request log, private as the rest
    monkeypatch.setenv("BACKFILL_SIM", f"{SIM},request_log={requests}")
    assert run_cli(capsys, *_run(Fixture(db, rec, ""), [])).code == 0
    assert requests.read_text().count("\n") >= 1
    assert stat.S_IMODE(requests.stat().st_mode) == 0o600


@pytest.mark.parametrize("option", ["--record", "--output"])
def test_an_ordinary_file_is_never_overwritten(
    option: str, built: Fixture, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--record`` (and ``report --output``) over a text file the user keeps: refused in one
    line, exit 2, the file untouched. ``--record`` replaced it silently (a tester's notes)."""
    db = Path(shutil.copy(built.db, tmp_path / "m.db"))
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes, not precious to the product\n")
    if option == "--record":
        result = run_cli(capsys, *_run(Fixture(db, notes, ""), ["--record", str(notes)]))
    else:
        result = run_cli(capsys, "report", built.run_id, "--db", str(db), "--output", str(notes))
    assert result.code == 2, result.err
    assert result.err == (
        f"backfill-tui: error: {option} {notes} already exists and is not overwritten: choose "
        "another file (or delete it yourself first if it is no longer needed)\n"
    )
    assert notes.read_text() == "my notes, not precious to the product\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "m.db", "notes.txt"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    target.write_text("the good report\n")
    with pytest.raises(OSError, match="disk full"), atomic_write(target) as handle:
        handle.write(b"half a rep")
        raise OSError("disk full")
    assert target.read_text() == "the good report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "report.md"]


def test_a_recording_cut_short_never_replaces_the_file(built: Fixture, tmp_path: Path) -> None:
    """A run killed while recording leaves the old file where it was, never half a recording."""
    target = tmp_path / "run.rec"
    target.write_text("yesterday's notes\n")
    recording = read_recording(built.rec)
    writer = RecordingWriter(AtomicFile(target, mode=0o600), recording.header)
    writer.add(recording.exchanges[0])
    assert target.read_text() == "yesterday's notes\n"  # nothing in place until sealed
    writer.discard()
    assert target.read_text() == "yesterday's notes\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "run.rec"]


def test_sniffing_reads_the_header_not_the_name(built: Fixture, tmp_path: Path) -> None:
    assert sniff(Path(shutil.copy(built.db, tmp_path / "a.md"))) == "a SQLite database"
    assert sniff(Path(shutil.copy(built.rec, tmp_path / "b.db"))) == "a backfill-tui recording"
    make_wal(tmp_path / "c.txt")
    assert sniff(tmp_path / "c.txt") == "a SQLite write-ahead log"
    (tmp_path / "d.db").write_text("plain text")
    assert sniff(tmp_path / "d.db") is None
    # the name is no reason to refuse a log appended to it; a new file refuses any file there
    assert check_output(tmp_path / "d.db", option="log", existing="append") == tmp_path / "d.db"
    with pytest.raises(UsageError, match="already exists"):
        check_output(tmp_path / "d.db", option="--output")


def test_the_log_is_private_and_never_written_into_a_database(
    built: Fixture, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = log_path()
    log.parent.mkdir(parents=True)
    log.write_text("old line\n")
    log.chmod(0o644)
    run_cli(capsys, "runs", "--db", str(built.db))
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    log.unlink()
    cli.setup_logging()
    assert stat.S_IMODE(log.stat().st_mode) == 0o600  # created private too
    log.unlink()
    shutil.copy(built.db, log)  # the log path holds a database: nothing is appended to it
    before = digest(log)
    run_cli(capsys, "runs", "--db", str(built.db), "--json")
    cli.logging.getLogger("backfill_tui").error("a line that must not land in a database")
    assert digest(log) == before


def test_the_apps_screenshots_refuse_the_same_files(built: Fixture, tmp_path: Path) -> None:
    """``save_screenshot`` (scripts, the command palette's screenshot) goes through outputs.py."""
    import asyncio

    from app_support import SIZE, sim_environment

    from backfill_tui.screens.app import BackfillApp

    work = tmp_path / "work"
    work.mkdir()
    f = Fixture(
        Path(shutil.copy(built.db, work / "m.db")),
        Path(shutil.copy(built.rec, work / "r.rec")),
        built.run_id,
    )
    targets = {name: make(work, f) for name, make in TARGETS.items()}
    before = {name: digest(path) for name, path in targets.items()}
    app = BackfillApp(Mirror.open(f.db), sim_environment())
    refused: list[str] = []

    async def scenario() -> str:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            for name, path in targets.items():
                try:
                    app.save_screenshot(path.name, str(path.parent))
                except UsageError:
                    refused.append(name)
            return app.save_screenshot("shot.svg", str(work))

    saved = asyncio.run(scenario())
    app.mirror.close()
    assert refused == list(TARGETS)
    assert {name: digest(path) for name, path in targets.items()} == before
    assert Path(saved).read_text().startswith("<svg")
    assert not list(work.glob(".*.part"))


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_an_unwritable_folder_or_read_only_file_is_one_line(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    kept = tmp_path / "kept.md"
    kept.write_text("keep me\n")
    kept.chmod(0o444)
    locked.chmod(0o500)
    try:
        with pytest.raises(UsageError, match="is not writable"):
            check_output(locked / "r.md", option="--output")
        with pytest.raises(UsageError, match="is read-only"):
            check_output(kept, option="--output")
    finally:
        locked.chmod(0o700)
    assert kept.read_text() == "keep me\n"


@pytest.mark.parametrize("ending", ["rec/..", "rec/.", "rec/../", "rec/"])
def test_an_output_path_ending_in_a_dot_is_a_folder_even_before_it_exists(
    tmp_path: Path, ending: str
) -> None:
    """The app's Record to took ``DIR/..``: the run went whole, then the recording's rename
    onto a folder failed (an internal error) and the recording was lost (a fresh tester's
    finding). Refused before anything is made."""
    with pytest.raises(UsageError, match="names a folder"):
        check_output(f"{tmp_path}/{ending}", option="Record to")
    assert not (tmp_path / "rec").exists()
