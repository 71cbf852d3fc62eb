"""`run --record FILE` refuses a FILE named like a token (``ghp_`` + 36 characters): the
run recorded to it, printed its name in "recorded N exchanges to ghp_…" and stored it in the
mirror's runs (a stranger's finding). One line, exit 2, the name not in it, nothing made."""

from __future__ import annotations

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
