"""The mirror on the user's own machine: full disks, locks, read-only files, newer versions,
and the run lock with one spelling per source (issue 10 items 4 to 7, issue 12 item 9).

A full disk is a real SQLite condition: the CLI's own connection is opened with
``PRAGMA max_page_count`` (SQLite then answers SQLITE_FULL, "database or disk is full", exactly
as on a full file system); nothing of ours is mocked.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from support import (
    NOBODY,
    call_as_nobody,
    limit_pages,
    run_cli,
    run_cli_unprivileged,
    simulated_engine,
    stored_ids,
)

from backfill_tui.engine.run import SourceSpec
from backfill_tui.errors import DiskFull, FileLocked, RunConflict
from backfill_tui.store import Mirror

#: Today's UTC midnight: the simulated history ends about now, so every window holds items.
ANCHOR = (datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0).isoformat()).replace(
    "+00:00", "Z"
)
SIM = f"anchor={ANCHOR}"
RUN = ("run", "github:acme/rocket", "--simulate", "--workspace", "demo")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def sim(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKFILL_SIM", SIM)


# -- a full disk ----------------------------------------------------------------------------------


def test_disk_full_mid_run_keeps_what_was_stored_says_so_and_resumes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sim: None
) -> None:
    db = tmp_path / "m.db"
    Mirror.open(db).close()
    limit_pages(monkeypatch, db, room=100)  # room for some pages, not for 90 days
    full = run_cli(capsys, *RUN, "--days", "90", "--json", "--db", str(db))
    assert full.code == 1
    assert "Traceback" not in full.err
    started, line = full.err.strip().splitlines()  # its id, then the one line of the error
    summary = full.summary  # --json still prints the summary of a run that ended early
    run_id = summary["run_id"]
    assert started.startswith(f"run {run_id}: "), started
    kept = len(stored_ids(db))
    assert kept > 0, line
    assert line == (
        f"backfill-tui: error: disk full: {kept} observations kept in {db}; free space and "
        f"`backfill-tui resume {run_id} --db {db}`"
    )
    assert summary["status"] == "interrupted"  # nobody cancelled it: the disk stopped it
    streams = [s for source in summary["sources"] for s in source["streams"]]
    assert any("disk full" in (s.get("error") or "") for s in streams)
    assert {s["status"] for s in streams} <= {"completed", "interrupted"}
    runs = run_cli(capsys, "runs", "--json", "--db", str(db))
    assert runs.code == 0 and runs.summary[0]["status"] != "running"

    monkeypatch.undo()  # space is free again
    monkeypatch.setenv("BACKFILL_SIM", SIM)
    resumed = run_cli(capsys, "resume", run_id, "--json", "--db", str(db))
    assert resumed.code == 0, resumed.err
    clean = tmp_path / "clean.db"
    assert run_cli(capsys, *RUN, "--days", "90", "--json", "--db", str(clean)).code == 0
    assert sorted(stored_ids(db)) == sorted(stored_ids(clean))


def test_disk_full_at_the_first_page_says_none_kept_and_the_run_is_resumable(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sim: None
) -> None:
    db = tmp_path / "m.db"
    Mirror.open(db).close()
    limit_pages(monkeypatch, db, room=0)  # the run's record fits; its first page does not
    result = run_cli(capsys, *RUN, "--days", "7", "--json", "--db", str(db))
    assert result.code == 1
    started, line = result.err.strip().splitlines()  # its id, then the one line of the error
    assert line.startswith("backfill-tui: error: disk full: 0 observations kept")
    run_id = result.summary["run_id"]
    assert started.startswith(f"run {run_id}: "), started
    assert result.summary["status"] != "completed"
    monkeypatch.undo()
    monkeypatch.setenv("BACKFILL_SIM", SIM)
    assert stored_ids(db) == []
    assert run_cli(capsys, "resume", run_id, "--db", str(db)).code == 0
    assert stored_ids(db)


def test_disk_full_is_one_kind_whether_sqlite_or_the_os_says_it(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    mirror = Mirror.open(db)
    mirror.conn.execute("PRAGMA max_page_count = 1")
    with pytest.raises(DiskFull) as caught, mirror.transaction() as conn:
        conn.execute("CREATE TABLE grow (x)")
        conn.executemany("INSERT INTO grow VALUES (?)", [("x" * 4000,)] * 50)
    assert str(caught.value).startswith(f"disk full: {db}")
    mirror.close()
    from backfill_tui.errors import storage_error

    assert isinstance(storage_error(OSError(28, "No space left on device", "r.md")), DiskFull)


# -- locks ----------------------------------------------------------------------------------------


@pytest.fixture
def mirror_with_a_run(tmp_path: Path) -> tuple[Path, str]:
    db = tmp_path / "m.db"
    engine = simulated_engine(db, SIM)
    run_id = engine.run("github:acme/rocket", days=7)
    engine.mirror.close()
    return db, run_id


def test_reading_works_while_another_process_holds_the_write_lock(
    capsys: pytest.CaptureFixture[str], mirror_with_a_run: tuple[Path, str]
) -> None:
    db, run_id = mirror_with_a_run
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        assert run_cli(capsys, "runs", "--db", str(db)).code == 0
        assert run_cli(capsys, "report", run_id, "--db", str(db)).code == 0
        with pytest.raises(FileLocked):
            Mirror.open(db)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_refused_second_run_leaves_no_record(mirror_with_a_run: tuple[Path, str]) -> None:
    """Two runs of one source in one workspace: the second is refused before it is recorded,
    so `runs` lists nothing new and `resume` has nothing to start over."""
    db, _ = mirror_with_a_run
    first = simulated_engine(db, SIM)
    from backfill_tui.engine.run import RunRequest

    run = first.engine.plan(RunRequest("demo", (SourceSpec.parse("github:acme/rocket"),), 7))
    second = simulated_engine(db, SIM)
    before = second.mirror.list_runs()
    for spelling in ("github:acme/rocket", "github:ACME/Rocket", "github:Acme/ROCKET"):
        with pytest.raises(RunConflict, match="github:acme/rocket"):
            second.engine.plan(RunRequest("demo", (SourceSpec.parse(spelling),), 7))
    assert second.mirror.list_runs() == before
    assert next(r.id for r in before) == run.id
    first.mirror.release(run.id)
    first.mirror.close()
    second.mirror.close()


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("github:ACME/Rocket", "github:acme/rocket"),
        ("github:acme/rocket", "github:acme/rocket"),
        ("sentry:Acme/Rocket", "sentry:acme/rocket"),
        ("vercel:Rocket-Web", "vercel:rocket-web"),
        ("vercel:ACME/Rocket-Web", "vercel:acme/rocket-web"),
        ("vercel:team_AbC123/Rocket-Web", "vercel:team_AbC123/rocket-web"),  # ids keep their case
        ("vercel:acme/prj_XyZ9", "vercel:acme/prj_XyZ9"),
        ("linear:eng", "linear:ENG"),
        ("GitHub:acme/rocket", "github:acme/rocket"),
    ],
)
def test_one_spelling_per_source(typed: str, canonical: str) -> None:
    assert str(SourceSpec.parse(typed)) == canonical


def test_two_spellings_of_a_repository_are_one_source(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, sim: None
) -> None:
    db = tmp_path / "m.db"
    first = run_cli(capsys, *RUN, "--days", "7", "--json", "--db", str(db))
    again = run_cli(
        capsys,
        "run",
        "github:ACME/Rocket",
        "--simulate",
        "--workspace",
        "demo",
        "--days",
        "7",
        "--json",
        "--db",
        str(db),
    )
    assert first.code == again.code == 0
    streams = again.summary["sources"][0]["streams"]
    assert again.summary["sources"][0]["target"] == "acme/rocket"
    assert sum(s["new"] for s in streams) == 0  # everything was a duplicate
    ids = stored_ids(db)
    assert ids and all(i.split(":")[1].startswith("acme/rocket") for i in ids if ":" in i)


# -- read-only mirrors ----------------------------------------------------------------------------


@pytest.fixture
def open_folder() -> Iterator[Path]:
    """A folder user nobody may enter (pytest's own temporary folders are 0700)."""
    path = Path(tempfile.mkdtemp(prefix="bfl-ro-"))
    path.chmod(0o755)
    yield path
    path.chmod(0o755)
    shutil.rmtree(path, ignore_errors=True)


@pytest.mark.parametrize("where", ["read-only file", "read-only folder"])
def test_a_good_mirror_that_cannot_be_written_is_read_not_called_corrupt(
    where: str,
    capsys: pytest.CaptureFixture[str],
    mirror_with_a_run: tuple[Path, str],
    open_folder: Path,
) -> None:
    source, run_id = mirror_with_a_run
    db = open_folder / "m.db"
    shutil.copyfile(source, db)
    db.chmod(0o444 if where == "read-only file" else 0o644)
    if os.geteuid() == 0:
        os.chown(db, NOBODY, NOBODY)
    if where == "read-only folder":
        open_folder.chmod(0o555)
    before = digest(db)
    try:
        runs = run_cli_unprivileged(capsys, "runs", "--db", str(db))
        report = run_cli_unprivileged(capsys, "report", run_id, "--db", str(db))
        diff = run_cli_unprivileged(capsys, "diff", run_id, run_id, "--db", str(db))
        run = run_cli_unprivileged(capsys, *RUN, "--days", "7", "--db", str(db))
    finally:
        open_folder.chmod(0o755)
    assert runs.code == 0 and run_id in runs.out, runs.err
    assert report.code == 0 and run_id in report.out, report.err
    assert diff.code == 0, diff.err
    assert run.code == 2
    (line,) = run.err.strip().splitlines()
    assert "read-only" in line and "corrupt" not in line
    assert digest(db) == before
    assert sorted(p.name for p in open_folder.iterdir()) == ["m.db"]


def test_the_app_opens_a_read_only_mirror_for_browsing(
    mirror_with_a_run: tuple[Path, str], open_folder: Path
) -> None:
    """The terminal app falls back to reading; a run there is refused with "read-only"."""
    from backfill_tui.cli.app import _open_for_app
    from backfill_tui.errors import ReadOnly

    source, run_id = mirror_with_a_run
    db = open_folder / "m.db"
    shutil.copyfile(source, db)
    open_folder.chmod(0o555)

    def browse() -> dict[str, Any]:
        mirror = _open_for_app(db)
        try:
            run = mirror.get_run(run_id)
            assert run is not None
            try:
                mirror.set_run_status(run_id, "cancelled")
            except ReadOnly as exc:
                return {"run": run.id, "refused": str(exc)}
            return {"run": run.id, "refused": None}
        finally:
            mirror.close()

    try:
        result = call_as_nobody(browse) if os.geteuid() == 0 else browse()
    finally:
        open_folder.chmod(0o755)
    assert result["run"] == run_id, result
    assert result["refused"] and result["refused"].startswith("read-only"), result


# -- a newer mirror -------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["run", "runs", "report", "resume", "diff"])
def test_a_mirror_from_a_newer_version_is_refused_byte_identical(
    command: str, capsys: pytest.CaptureFixture[str], mirror_with_a_run: tuple[Path, str]
) -> None:
    db, run_id = mirror_with_a_run
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
            "VALUES ('backfill_tui', '0005_something_new', '2027-01-01')"
        )
    conn.close()
    before = digest(db)
    args = {
        "run": RUN,
        "runs": ("runs",),
        "report": ("report", run_id),
        "resume": ("resume", run_id),
        "diff": ("diff", run_id, run_id),
    }[command]
    result = run_cli(capsys, *args, "--db", str(db))
    assert result.code == 2
    (line,) = result.err.strip().splitlines()
    assert "written by a newer version of backfill-tui" in line and "upgrade" in line
    assert digest(db) == before
    assert sorted(p.name for p in db.parent.iterdir() if p.name.startswith("m.db")) == ["m.db"]


def _has_observations(db: Path) -> bool:
    try:
        return db.exists() and bool(stored_ids(db))
    except sqlite3.Error:
        return False


# -- signals --------------------------------------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_mid_run_ends_it_resumable_without_a_traceback(
    sig: signal.Signals, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "m.db"
    env = {**os.environ, "BACKFILL_SIM": f"{SIM},latency=0.2"}
    child = subprocess.Popen(
        [sys.executable, "-m", "backfill_tui", *RUN, "--days", "90", "--quiet", "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    for _ in range(1200):  # wait until the run has stored a page, then signal it
        if _has_observations(db):
            break
        time.sleep(0.05)
    child.send_signal(sig)
    _out, err = child.communicate(timeout=120)
    assert "Traceback" not in err
    assert child.returncode == 1, err
    assert len([line for line in err.splitlines() if line.strip()]) <= 1
    runs = run_cli(capsys, "runs", "--json", "--db", str(db))
    assert runs.summary[0]["status"] == "cancelled"


# -- the one table --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "kind", "label"),
    [
        (errno.ENOSPC, "DiskFull", "disk full"),
        (errno.EDQUOT, "DiskFull", "disk full"),
        (errno.EROFS, "ReadOnlyFilesystem", "read-only filesystem"),
        (errno.EACCES, "PermissionDenied", "permission denied"),
        (errno.EPERM, "PermissionDenied", "permission denied"),
        (errno.ENOTDIR, "BadPath", "not a usable path"),
        (errno.EISDIR, "BadPath", "not a usable path"),
        (errno.ENAMETOOLONG, "BadPath", "not a usable path"),
    ],
)
def test_every_os_refusal_a_user_can_mend_has_its_line(number: int, kind: str, label: str) -> None:
    from backfill_tui.errors import storage_error

    error = storage_error(OSError(number, os.strerror(number), "/data/report.md"))
    assert error is not None and type(error).__name__ == kind
    line = str(error)
    assert line.startswith(f"{label}: /data/report.md") and "; " in line and "\n" not in line
    assert storage_error(OSError(errno.EIO, "I/O error", "x")) is None  # not ours to explain


def test_a_folder_on_a_read_only_mount_is_said_so_not_as_a_permission(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tester's finding: on a read-only filesystem the line said "permission denied ...;
    give yourself access to it (chmod/chown)", which no chmod can do. The mount's flag is
    the operating system's (``statvfs``), faked here: mounting needs privileges tests lack."""
    from backfill_tui.store.failures import diagnose

    real = os.statvfs

    class ReadOnlyMount:
        def __init__(self, result: os.statvfs_result) -> None:
            self.f_flag = result.f_flag | os.ST_RDONLY

    monkeypatch.setattr(
        os, "statvfs", lambda p: ReadOnlyMount(real(p)) if str(p) == str(tmp_path) else real(p)
    )
    access = os.access  # access(2) refuses only writing there (EROFS)
    monkeypatch.setattr(
        os, "access", lambda p, mode, **k: False if mode & os.W_OK else access(p, mode, **k)
    )
    error = diagnose(tmp_path / "m.db")
    assert error is not None
    line = str(error)
    assert line.startswith(f"read-only filesystem: {tmp_path}")
    assert "chmod/chown" not in line and "another filesystem" in line


def test_a_write_to_a_mirror_opened_for_reading_says_read_only(
    mirror_with_a_run: tuple[Path, str],
) -> None:
    from backfill_tui.errors import ReadOnly

    db, run_id = mirror_with_a_run
    mirror = Mirror.open(db, readonly=True)
    try:
        with pytest.raises(ReadOnly, match=r"^read-only: "):
            mirror.set_run_status(run_id, "cancelled")
    finally:
        mirror.close()


def test_a_new_mirror_the_disk_cannot_hold_leaves_no_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sim: None
) -> None:
    db = tmp_path / "new.db"
    limit_pages(monkeypatch, db, room=1)  # the schema needs more than one page
    result = run_cli(capsys, *RUN, "--days", "7", "--db", str(db))
    assert result.code == 2
    (line,) = result.err.strip().splitlines()
    assert line.startswith(f"backfill-tui: error: disk full: {db}")
    assert list(tmp_path.glob("new.db*")) == []
