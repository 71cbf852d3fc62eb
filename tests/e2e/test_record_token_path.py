"""`run --record FILE` refuses a FILE named like a token (``ghp_`` + 36 characters): the
run recorded to it, printed its name in "recorded N exchanges to ghp_…" and stored it in the
mirror's runs (a stranger's finding). One line, exit 2, the name not in it, nothing made."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from support import run_cli

TOKEN = "ghp_" + "Q" * 36  # a GitHub token's shape


@pytest.mark.parametrize(
    "name",
    [f"{TOKEN}.jsonl", f"runs/{TOKEN}/sync.rec.gz", f"{TOKEN}/", "lin_api_" + "z9" * 10 + ".rec"],
)
def test_run_record_refuses_a_token_shaped_file_unechoed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str
) -> None:
    db, out = tmp_path / "m.db", tmp_path / "out"
    out.mkdir()
    result = run_cli(capsys, "run", "github:acme/rocket", "--workspace", "w", "--simulate",
                     "--quiet", "--max-items", "5", "--record", str(out / name),
                     "--db", str(db))  # fmt: skip
    assert result.code == 2, result
    assert result.err.count("\n") == 1, result.err
    assert "--record holds what looks like a token (not shown)" in result.err, result.err
    secret = "QQQQ" if TOKEN in name else "z9z9"
    assert secret not in result.err + result.out
    assert not db.exists()
    assert list(out.iterdir()) == []


def test_replay_refuses_a_recording_named_like_a_token_unechoed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A recording renamed ``ghp_….rec.gz`` replayed, and the replayed run stored (and `runs`
    showed) its path: refused in one line without it, no mirror made."""
    made, db = tmp_path / "made.rec.gz", tmp_path / "m.db"
    result = run_cli(capsys, "run", "github:acme/rocket", "--workspace", "w", "--simulate",
                     "--quiet", "--max-items", "5", "--record", str(made),
                     "--db", str(tmp_path / "first.db"))  # fmt: skip
    assert result.code == 0, result
    named = made.rename(tmp_path / f"{TOKEN}.rec.gz")
    result = run_cli(capsys, "replay", str(named), "--db", str(db))
    assert result.code == 2, result
    assert result.err.count("\n") == 1, result.err
    assert "looks like a token (not shown)" in result.err and "QQQQ" not in result.err, result.err
    assert not db.exists()


#: A Vercel token has no known prefix: only the environment says it is one.
PLAIN_TOKEN = "Zq8xW3rT9yU2iO4pA6sD7fG1"


@pytest.mark.parametrize(
    ("command", "refused"),
    [
        (["report", "RUN", "--output", f"{PLAIN_TOKEN}.md"], True),
        (["replay", f"{PLAIN_TOKEN}.rec.gz"], True),
        (["runs", "--db", f"x{PLAIN_TOKEN}.db"], False),
        (["resume", "abc", "--db", f"x{PLAIN_TOKEN}.db"], False),
        (["diff", f"x{PLAIN_TOKEN}.db", "y.db"], False),
    ],
)
def test_a_token_only_the_environment_knows_is_refused_and_never_repeated_by_any_command(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    command: list[str],
    refused: bool,
) -> None:
    """Only `run` (its Environment) registered the environment's tokens: `report --output`
    wrote a file named by a VERCEL_TOKEN, `replay` of a recording so named stored its path in
    the mirror, and the error lines of `runs`, `resume` and `diff` repeated it (a fresh
    tester's finding). Every command now masks and refuses them from its first line."""
    monkeypatch.setenv("VERCEL_TOKEN", PLAIN_TOKEN)
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "m.db"
    made = run_cli(capsys, "run", "github:acme/rocket", "--workspace", "w", "--simulate",
                   "--quiet", "--max-items", "5", "--db", str(db))  # fmt: skip
    assert made.code == 0, made.err
    with closing(sqlite3.connect(db)) as conn:
        (run_id,) = conn.execute("SELECT id FROM runs").fetchone()
    args = [run_id if a == "RUN" else a for a in command]
    if "--db" not in args and command[0] != "diff":
        args += ["--db", str(db)]
    if command[0] == "replay":
        (tmp_path / f"{PLAIN_TOKEN}.rec.gz").write_bytes(b"not even a recording")
    # a process of its own: in this one, the run above has registered the token already
    result = subprocess.run(
        [sys.executable, "-m", "backfill_tui", *args], capture_output=True, text=True,
        cwd=tmp_path, env={**os.environ, "VERCEL_TOKEN": PLAIN_TOKEN}, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2, result
    assert result.stderr.count("\n") == 1, result.stderr
    assert PLAIN_TOKEN[:8] not in result.stderr + result.stdout, result.stderr
    if refused:
        assert "looks like a token (not shown)" in result.stderr, result.stderr
    assert not (tmp_path / f"{PLAIN_TOKEN}.md").exists()


def test_runs_refusal_names_the_variable_that_holds_a_prefixless_token(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`run --record` refused a VERCEL_TOKEN-named file saying "such as GITHUB_TOKEN" (a fresh
    tester's finding): it names the variable that holds it."""
    monkeypatch.setenv("VERCEL_TOKEN", PLAIN_TOKEN)
    result = run_cli(capsys, "run", "github:acme/rocket", "--workspace", "w", "--simulate",
                     "--record", str(tmp_path / f"{PLAIN_TOKEN}.rec.gz"),
                     "--db", str(tmp_path / "m.db"))  # fmt: skip
    assert result.code == 2, result
    assert "VERCEL_TOKEN" in result.err and "GITHUB_TOKEN" not in result.err, result.err
    assert PLAIN_TOKEN[:8] not in result.err
