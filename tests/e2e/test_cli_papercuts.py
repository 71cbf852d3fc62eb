"""Small command-line findings of a fresh tester, each a line a user reads: `-o -` is stdout,
`-o /dev/null` is written into, an empty --record or PATH:RUN_ID is said as empty, diff says
when A and B are different workspaces, an overlong GitHub name is said as too long, a resume
says which simulator settings were not stored, and a replay's report says what it replayed."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import run_cli, simulated_run

SIM = "clock=virtual,anchor=2026-11-28T00:00:00Z"


@pytest.fixture
def made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[Path, str]:
    """A mirror with one small simulated run: (its path, the run's id)."""
    monkeypatch.setenv("BACKFILL_SIM", SIM)
    db = tmp_path / "m.db"
    result = simulated_run(capsys, db, "--max-items", "20", "--json")
    assert result.code == 0, result.err
    return db, str(result.summary["run_id"])


def test_report_to_dash_is_stdout_and_to_dev_null_is_written_into(
    made: tuple[Path, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db, run_id = made
    monkeypatch.chdir(tmp_path)  # where a file named '-' would have been written
    dash = run_cli(capsys, "report", run_id, "--db", str(db), "-o", "-")
    assert dash.code == 0, dash.err
    assert dash.out.startswith(f"# backfill-tui run {run_id}")
    assert not (tmp_path / "-").exists()

    null = run_cli(capsys, "report", run_id, "--db", str(db), "-o", "/dev/null")
    assert null.code == 0, null.err
    assert Path("/dev/null").is_char_device()  # written into, never replaced

    folder = run_cli(capsys, "report", run_id, "--db", str(db), "-o", str(tmp_path))
    assert folder.code == 2 and "is a folder" in folder.err


@pytest.mark.parametrize(("command", "option"), [("run", "--record"), ("report", "--output")])
def test_an_empty_file_option_is_said_as_empty(
    command: str, option: str, made: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    db, run_id = made
    args = (
        ["run", "github:acme/rocket", "--simulate", "--workspace", "w", "--record", ""]
        if command == "run"
        else ["report", run_id, "--output", ""]
    )
    result = run_cli(capsys, *args, "--db", str(db))
    assert result.code == 2
    assert f"error: {option} is empty; give a file path" in result.err
    assert "folder" not in result.err and result.err.count("\n") == 1


def test_diff_says_an_empty_run_id_after_the_colon(
    made: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    db, _ = made
    result = run_cli(capsys, "diff", f"{db}:", str(db))
    assert result.code == 2
    assert f"{db}:: the run id after ':' is empty" in result.err
    assert "no mirror at" not in result.err


def test_diff_of_two_workspaces_says_so_and_still_compares(
    made: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, _ = made
    other = tmp_path / "k.db"
    assert simulated_run(capsys, other, "--max-items", "20", workspace="acme").code == 0
    result = run_cli(capsys, "diff", str(db), str(other), "--json")
    assert result.code == 0, result.err
    assert "note: A is workspace w and B is workspace acme; they are compared anyway" in result.err
    assert result.summary["counts"]["unchanged"] > 0
    same = run_cli(capsys, "diff", str(db), str(db), "--json")
    assert "workspace" not in same.err


@pytest.mark.parametrize(
    ("target", "says"),
    [
        ("acme/" + "r" * 300, "the repository name has 300 characters; GitHub allows at most 100"),
        ("o" * 40 + "/rocket", "the owner name has 40 characters; GitHub allows at most 39"),
    ],
    ids=["repository", "owner"],
)
def test_an_overlong_github_name_is_said_as_too_long(
    target: str, says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(
        capsys, "run", f"github:{target}", "--simulate", "--workspace", "w",
        "--db", str(tmp_path / "m.db"),
    )  # fmt: skip
    assert result.code == 2
    assert says in result.err and "not a valid GitHub source" not in result.err
    assert result.err.count("\n") == 1
    assert not (tmp_path / "m.db").exists()


def test_a_resume_says_the_simulator_token_was_not_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db, secret = tmp_path / "m.db", "SimTok-1a2b3c4d5e6f"
    monkeypatch.setenv("BACKFILL_SIM", f"token={secret},faults=1,{SIM}")
    monkeypatch.setenv("GITHUB_TOKEN", secret)
    failed = simulated_run(capsys, db, "--days", "7", "--json")
    assert failed.code == 1, failed.err
    monkeypatch.delenv("BACKFILL_SIM")
    resumed = run_cli(capsys, "resume", failed.summary["run_id"], "--quiet", "--db", str(db))
    first = resumed.err.splitlines()[0]
    assert first.startswith("note: resuming on the simulator settings stored with the run: ")
    assert "the defaults" not in first
    assert "token= was given but not stored" in first
    assert secret not in resumed.err + resumed.out + failed.err


def test_the_report_of_a_replay_says_it_replayed_a_simulated_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BACKFILL_SIM", SIM)
    rec = tmp_path / "s.rec.gz"
    made = simulated_run(capsys, tmp_path / "m.db", "--max-items", "20", "--record", str(rec))
    assert made.code == 0, made.err
    replay_db = tmp_path / "r.db"
    replayed = run_cli(capsys, "replay", str(rec), "--db", str(replay_db), "--json")
    assert replayed.code == 0, replayed.err
    report = run_cli(capsys, "report", replayed.summary["run_id"], "--db", str(replay_db))
    row = next(line for line in report.out.splitlines() if line.startswith("| Simulated"))
    assert "yes (replayed from a recording of a simulated run" in row


@pytest.mark.parametrize(
    ("source", "label"),
    [("github:acme", "GitHub"), ("vercel:a/b/c", "Vercel"), ("sentry:acme", "Sentry")],
)
def test_a_malformed_source_names_its_provider_as_written(
    source: str, label: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A fresh tester's finding: "is not a valid github source", the provider's name in lower
    case where every other line writes it "GitHub"."""
    result = run_cli(
        capsys, "run", source, "--simulate", "--workspace", "w", "--db", str(tmp_path / "m.db")
    )
    assert result.code == 2 and result.err.count("\n") == 1
    assert f"'{source}' is not a valid {label} source; write it as " in result.err


@pytest.mark.parametrize("provider", ["github", "linear"])
def test_a_long_malformed_source_is_repeated_cut_short(
    provider: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 280-character target was repeated whole (in the app, a notice of several lines: a
    tester's finding): its start and end are kept around "…"."""
    source = f"{provider}:{'x' * 270}end"
    result = run_cli(
        capsys, "run", source, "--simulate", "--workspace", "w", "--db", str(tmp_path / "m.db")
    )
    assert result.code == 2 and result.err.count("\n") == 1
    assert f"'{provider}:xxx" in result.err and "…" in result.err and "xxend'" in result.err
    assert len(result.err) < 250 and source not in result.err
