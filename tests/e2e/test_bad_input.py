"""Bad input gets one clear line and exit status 2; nothing stored is lost."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from support import run_cli

from backfill_tui.cli import build_parser
from backfill_tui.store.schema import SCHEMA_VERSION


def _one_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]


def test_days_outside_the_offer(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    result = run_cli(
        capsys,
        "run",
        "github:acme/rocket",
        "--simulate",
        "--workspace",
        "demo",
        "--days",
        "45",
        "--db",
        str(tmp_path / "m.db"),
    )
    assert result.code == 2
    line = _one_line(result.err)
    assert "45" in line and "7" in line and "30" in line and "90" in line
    assert not (tmp_path / "m.db").exists()


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("acme/rocket", ["PROVIDER:TARGET"]),
        ("github:", ["PROVIDER:TARGET"]),
        ("github:acme", ["github:OWNER/REPO"]),
        ("github:acme/rocket/extra", ["github:OWNER/REPO"]),
        ("gitlab:acme/rocket", ["unknown provider", "github"]),
    ],
)
def test_malformed_source_specs(
    spec: str, words: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    result = run_cli(
        capsys, "run", spec, "--simulate", "--workspace", "demo", "--db", str(tmp_path / "m.db")
    )
    assert result.code == 2
    line = _one_line(result.err)
    for word in words:
        assert word in line


def test_unknown_entity(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    result = run_cli(
        capsys,
        "run",
        "github:acme/rocket",
        "--simulate",
        "--workspace",
        "demo",
        "--entities",
        "pull_request,wiki",
        "--db",
        str(tmp_path / "m.db"),
    )
    assert result.code == 2
    assert "wiki" in _one_line(result.err)


@pytest.mark.parametrize(
    "content",
    [b"this is not a database at all\n" * 10, b"SQLite format 3\x00" + b"\xff" * 4000],
    ids=["text", "corrupt-sqlite"],
)
def test_corrupt_db_is_refused_and_left_untouched(
    content: bytes, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = tmp_path / "broken.db"
    db.write_bytes(content)
    for args in (("run", "github:acme/rocket", "--simulate", "--workspace", "demo"), ("runs",)):
        result = run_cli(capsys, *args, "--db", str(db))
        assert result.code == 2
        line = _one_line(result.err)
        assert "broken.db" in line and "untouched" in line
    assert db.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.db", "home"]


def test_someone_elses_sqlite_file_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = tmp_path / "notes.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
        conn.execute("INSERT INTO notes VALUES ('keep me')")
    before = db.read_bytes()
    result = run_cli(
        capsys, "run", "github:acme/rocket", "--simulate", "--workspace", "demo", "--db", str(db)
    )
    assert result.code == 2
    assert "not a backfill-tui mirror" in _one_line(result.err)
    assert db.read_bytes() == before


def test_newer_schema_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, anchor: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor}")
    db = tmp_path / "m.db"
    assert (
        run_cli(
            capsys,
            "run",
            "github:acme/rocket",
            "--simulate",
            "--workspace",
            "demo",
            "--days",
            "7",
            "--db",
            str(db),
        ).code
        == 0
    )
    with sqlite3.connect(db) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    before = db.read_bytes()
    result = run_cli(capsys, "runs", "--db", str(db))
    assert result.code == 2
    assert "newer version of backfill-tui" in _one_line(result.err)
    assert db.read_bytes() == before


def test_missing_token_on_a_real_run(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    result = run_cli(
        capsys, "run", "github:acme/rocket", "--workspace", "demo", "--db", str(tmp_path / "m.db")
    )
    assert result.code == 2
    line = _one_line(result.err)
    assert "GITHUB_TOKEN" in line


def test_bad_simulator_setting(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKFILL_SIM", "faults=lots")
    result = run_cli(
        capsys,
        "run",
        "github:acme/rocket",
        "--simulate",
        "--workspace",
        "demo",
        "--db",
        str(tmp_path / "m.db"),
    )
    assert result.code == 2
    assert "faults" in _one_line(result.err)


def test_resume_of_an_unknown_run(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    result = run_cli(capsys, "resume", "nope", "--db", str(tmp_path / "m.db"))
    assert result.code == 2
    assert "no mirror at" in _one_line(result.err)
    assert not (tmp_path / "m.db").exists()


def test_every_command_has_help_text() -> None:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    helps = {c.dest: c.help for c in subparsers._choices_actions}
    assert set(helps) >= {"run", "runs", "resume", "auth"}
    for name, text in helps.items():
        assert text, f"{name} has no help"
        sub = subparsers.choices[name]
        for action in sub._actions:
            if action.dest != "help":
                assert action.help, f"{name} {action.dest} has no help"
