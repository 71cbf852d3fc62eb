"""An export to a server nothing answers on exits 1, for both targets, dry run or apply: the
server, not the input, failed (README, "Exit status"). PostgreSQL at a closed port exited 2,
"bad input", where Inngest at one retried and exited 1 (a fresh tester's finding)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from support import run_cli, simulated_run

PASSWORD = "unreachablePw-2718"


def _closed_port() -> int:
    with socket.socket() as probe:  # a free loopback port, closed again: nothing listens there
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def mirror(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Path:
    monkeypatch.setenv("BACKFILL_SIM", "scale=1,clock=virtual")
    db = tmp_path / "m.db"
    made = simulated_run(capsys, db, "--days", "7", "--entities", "release", workspace="demo")
    assert made.code == 0, made.err
    return db


@pytest.mark.parametrize("apply", [False, True])
def test_postgres_unreachable_is_exit_1_in_one_line_without_the_password(
    capsys: pytest.CaptureFixture[str], mirror: Path, apply: bool
) -> None:
    dsn = f"postgresql://u:{PASSWORD}@127.0.0.1:{_closed_port()}/db"
    result = run_cli(
        capsys, "export", "postgres", "--dsn", dsn, "--workspace", "demo", "--db", str(mirror),
        *(["--apply", "--include-simulated"] if apply else []),
    )  # fmt: skip
    assert result.code == 1, result
    assert result.err.count("\n") == 1 and "cannot reach PostgreSQL at 127.0.0.1:" in result.err
    assert PASSWORD not in result.err + result.out


def test_inngest_unreachable_is_exit_1_after_its_retries(
    capsys: pytest.CaptureFixture[str], mirror: Path
) -> None:
    result = run_cli(
        capsys, "export", "inngest", "--url", f"http://127.0.0.1:{_closed_port()}",
        "--event-key", "k" * 32, "--workspace", "demo", "--db", str(mirror), "--apply",
        "--include-simulated",
    )  # fmt: skip
    assert result.code == 1, result
    assert result.err.splitlines()[-1].startswith("backfill-tui: export failed: Inngest at")
    assert "could not connect" in result.err
