"""A recording given as the mirror (``--db sync.rec.gz``) is said to be one, with the command
that reads it; it said only "not a SQLite database" (a fresh tester's finding). A recording
decompressed (``.jsonl``) is recognised too, by ``--db`` and by ``replay``, and told to be
compressed again; one cut short or damaged is said to look like a recording cut short. Each
refusal is one line, exit 2, the file byte for byte as it was."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from support import run_cli


@pytest.fixture
def recording(
    tmp_path: Path, anchor: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Path:
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor}")
    rec = tmp_path / "sync.rec.gz"
    result = run_cli(
        capsys, "run", "github:acme/rocket", "--simulate", "--workspace", "demo", "--quiet",
        "--max-items", "5", "--db", str(tmp_path / "m.db"), "--record", str(rec),
    )  # fmt: skip
    assert result.code == 0, result.err
    return rec


COMMANDS = [
    ("runs",),
    ("report", "1"),
    ("diff", "1", "2"),
    ("run", "github:acme/rocket", "--simulate", "--workspace", "demo", "--quiet"),
    # the recording given twice: it was told "Replay it with: backfill-tui replay REC", which
    # is what it had typed (a fresh tester's finding)
    ("replay", "REC"),
]


@pytest.mark.parametrize("command", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_a_recording_given_as_the_mirror_says_to_replay_it(
    recording: Path, command: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    before = recording.read_bytes()
    args = [str(recording) if part == "REC" else part for part in command]
    result = run_cli(capsys, *args, "--db", str(recording))
    assert result.code == 2
    assert result.err == (
        f"backfill-tui: error: {recording} is a backfill-tui recording, not a mirror; it was "
        f"left untouched. --db takes a mirror (a .db file); to replay the recording into one: "
        f"backfill-tui replay {recording} --db MIRROR.db\n"
    )
    assert recording.read_bytes() == before


def test_a_decompressed_recording_is_told_to_be_compressed_and_replayed(
    recording: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = tmp_path / "sync.jsonl"
    plain.write_bytes(gzip.decompress(recording.read_bytes()))
    before = plain.read_bytes()
    result = run_cli(capsys, "runs", "--db", str(plain))
    assert result.code == 2 and result.err.count("\n") == 1
    assert f"{plain} is a backfill-tui recording (decompressed), not a mirror" in result.err
    assert f"gzip -k {plain} && backfill-tui replay {plain}.gz" in result.err
    result = run_cli(capsys, "replay", str(plain), "--db", str(tmp_path / "r.db"))
    assert result.code == 2 and result.err.count("\n") == 1
    assert f"gzip -k {plain} && backfill-tui replay {plain}.gz" in result.err
    assert plain.read_bytes() == before and not (tmp_path / "r.db").exists()
    # done as said, the replay reads it
    (tmp_path / "sync.jsonl.gz").write_bytes(gzip.compress(before))
    result = run_cli(capsys, "replay", f"{plain}.gz", "--db", str(tmp_path / "r.db"), "--quiet")
    assert result.code == 0, result.err


def test_a_mirror_given_to_replay_says_it_is_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`replay n.db` said "not a backfill-tui recording (not gzip-compressed)", not what the
    file was (a fresh tester's finding): one line naming it a SQLite file, exit 2, untouched."""
    db = tmp_path / "n.db"
    made = run_cli(capsys, "run", "github:acme/rocket", "--simulate", "--workspace", "demo",
                   "--quiet", "--max-items", "5", "--db", str(db))  # fmt: skip
    assert made.code == 0, made.err
    before = db.read_bytes()
    result = run_cli(capsys, "replay", str(db), "--db", str(tmp_path / "other.db"))
    assert result.code == 2 and result.err.count("\n") == 1, result.err
    assert f"{db} is a SQLite file (a mirror?), not a recording" in result.err, result.err
    assert db.read_bytes() == before and not (tmp_path / "other.db").exists()


CUT = (
    "looks like a backfill-tui recording cut short or damaged (its compressed data ends early "
    "or does not decompress), not a mirror; it was left untouched. --db takes a mirror (a .db "
    "file); replay a whole copy of the recording into one (backfill-tui replay RECORDING --db "
    "MIRROR.db), or record the run again\n"
)


@pytest.mark.parametrize("kept", [100, 2000, 10])
@pytest.mark.parametrize("command", COMMANDS[:3], ids=[c[0] for c in COMMANDS[:3]])
def test_a_recording_cut_short_given_as_the_mirror_says_so(
    recording: Path, kept: int, command: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    """Its first 100 bytes (the gzip magic, nothing that decompresses yet) said "not a SQLite
    database"; its first 2,000 (the first line whole) said to replay it, which then refused it
    as truncated (a fresh tester's finding). Each says it looks like a recording cut short."""
    cut = recording.with_name("cut.rec.gz")
    cut.write_bytes(recording.read_bytes()[:kept])
    before = cut.read_bytes()
    result = run_cli(capsys, *command, "--db", str(cut))
    assert result.code == 2, result.err
    assert result.err == f"backfill-tui: error: {cut} {CUT}", result.err
    assert cut.read_bytes() == before


def test_a_damaged_recording_given_as_the_mirror_says_so(
    recording: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    damaged = bytearray(recording.read_bytes())
    damaged[300:340] = bytes(40)  # inside the first deflate block
    bad = recording.with_name("bad.rec.gz")
    bad.write_bytes(bytes(damaged))
    result = run_cli(capsys, "runs", "--db", str(bad))
    assert (result.code, result.err) == (2, f"backfill-tui: error: {bad} {CUT}"), result.err


def test_other_gzip_files_cut_short_are_not_called_recordings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A cut gzip file whose start decompresses to something else (here: text) is no mirror,
    and no recording either."""
    text = b"".join(b"line %d of some log\n" % n for n in range(5000))
    other = tmp_path / "log.gz"
    other.write_bytes(gzip.compress(text, compresslevel=6, mtime=0)[:2000])
    result = run_cli(capsys, "runs", "--db", str(other))
    assert result.code == 2 and result.err.count("\n") == 1, result.err
    assert f"{other} is not a backfill-tui mirror (not a SQLite database)" in result.err
