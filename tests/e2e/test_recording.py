"""run --record and replay: a recorded run replays offline into identical observations."""

from __future__ import annotations

import gzip
import json
import stat
from pathlib import Path

import pytest
import respx
from support import observation_rows, run_cli, stream_counts

from backfill_tui.connectors import PROVIDERS
from backfill_tui.engine.outputs import AtomicFile
from backfill_tui.recording import read_recording
from backfill_tui.recording.fileformat import RecordingWriter

DEMO_SOURCES = {
    "github": "github:acme/rocket",
    "vercel": "vercel:acme/rocket-web",
    "linear": "linear:ENG",
    "sentry": "sentry:acme/rocket",
}
TOKEN = "ghp_SOMESECRET"


def record_demo(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, *extra: str
) -> tuple[Path, dict]:
    sources = [spec for name, spec in DEMO_SOURCES.items() if name in PROVIDERS]
    assert "github:acme/rocket" in sources
    db, rec = tmp_path / "original.db", tmp_path / "run.rec.gz"
    result = run_cli(
        capsys,
        "run",
        *sources,
        "--simulate",
        "--workspace",
        "demo",
        "--days",
        "30",
        "--json",
        "--db",
        str(db),
        "--record",
        str(rec),
        *extra,
    )
    assert result.code == 0, result.err
    # It says where the recording went, and how to replay it (it said nothing: a finding).
    assert f"exchanges to {rec}; replay it offline into another mirror with" in result.err
    return rec, result.summary


def test_replay_reproduces_every_observation_offline_without_a_token(
    tmp_path: Path, anchor: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Faults and rate limits, so the recording holds retries and waits that must replay in order.
    monkeypatch.setenv(
        "BACKFILL_SIM", f"anchor={anchor},faults=0.2,rate_limit_every=5,clock=virtual"
    )
    rec, original = record_demo(capsys, tmp_path)
    assert stat.S_IMODE(rec.stat().st_mode) == 0o600
    recording = read_recording(rec)
    assert any(e.error for e in recording.exchanges)  # a dropped connection was recorded
    assert any(e.status in (403, 429) for e in recording.exchanges)
    assert recording.header.run.since == original["since"]

    monkeypatch.delenv("BACKFILL_SIM")
    replay_db = tmp_path / "replay.db"
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as net:
        replayed = run_cli(capsys, "replay", str(rec), "--db", str(replay_db), "--json")
        assert not net.calls  # nothing went to any network transport
    assert replayed.code == 0, replayed.err
    assert "never asked for" not in replayed.err
    assert replayed.summary["since"] == original["since"]
    assert replayed.summary["run_id"] != original["run_id"]
    assert stream_counts(replayed.summary) == stream_counts(original)
    rows = observation_rows(replay_db)
    assert len(rows) > 500
    assert rows == observation_rows(tmp_path / "original.db")


def test_a_recording_holds_no_credential(
    tmp_path: Path, anchor: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor},token={TOKEN},faults=0.1,clock=virtual")
    rec = tmp_path / "secret.rec.gz"  # new: --record never replaces a file (test_output_safety)
    result = run_cli(
        capsys,
        "run",
        "github:acme/rocket",
        "--simulate",
        "--workspace",
        "demo",
        "--db",
        str(tmp_path / "m.db"),
        "--record",
        str(rec),
        "--json",
    )
    assert result.code == 0, result.err  # the simulator accepted the token: it was sent
    assert stat.S_IMODE(rec.stat().st_mode) == 0o600
    text = gzip.decompress(rec.read_bytes()).decode()
    assert "SOMESECRET" not in text
    assert "authorization" not in text.lower()
    assert "bearer" not in text.lower()
    header = json.loads(text.splitlines()[0])
    assert "token" not in (header["simulator"] or "")
    assert len(text.splitlines()) > 5


def test_credentials_inside_answers_are_scrubbed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    leaked = "ghp_" + "a1B2c3D4" * 5
    monkeypatch.setenv("GITHUB_TOKEN", "plain-token-without-shape")
    rec = tmp_path / "r.gz"
    with respx.mock(assert_all_mocked=True) as github:
        github.get("https://api.github.com/repos/acme/rocket").respond(
            200,
            json={"id": 7, "full_name": "acme/rocket", "note": f"pasted {leaked} here"},
            headers={"set-cookie": "session=abc123", "x-oauth-scopes": "repo"},
        )
        github.get(url__regex=r"https://api\.github\.com/repos/acme/rocket/\w+").respond(
            200, json=[]
        )
        result = run_cli(
            capsys,
            "run",
            "github:acme/rocket",
            "--workspace",
            "w",
            "--db",
            str(tmp_path / "m.db"),
            "--record",
            str(rec),
            "--json",
        )
    assert result.code == 0, result.err
    text = gzip.decompress(rec.read_bytes()).decode()
    for secret in (leaked, "plain-token-without-shape", "session=abc123", "set-cookie"):
        assert secret not in text
    assert "pasted *** here" in text
    assert '"x-oauth-scopes","repo"' in text


def _rewrite(rec: Path, edit: object) -> None:
    lines = gzip.decompress(rec.read_bytes()).decode().splitlines(keepends=True)
    rec.write_bytes(gzip.compress("".join(edit(lines)).encode()))  # type: ignore[operator]


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        (lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]), "truncated"),
        (lambda p: p.write_bytes(p.read_bytes()[:-8]), "truncated"),
        (lambda p: _rewrite(p, lambda lines: lines[:-1]), "truncated"),
        (lambda p: _rewrite(p, lambda lines: [lines[0], *lines[2:]]), "modified"),
        (
            lambda p: _rewrite(p, lambda lines: [x.replace('"title', '"tItle') for x in lines]),
            "modified",
        ),
        (lambda p: p.write_bytes(_flip(p.read_bytes())), "damaged"),
        # said "is damaged (error)", zlib's class name (a fresh tester's finding)
        (
            lambda p: p.write_bytes(p.read_bytes()[:10] + b"garbage " * 64),
            "is damaged: its compressed data cannot be decompressed; ask for the original",
        ),
        # said "not a backfill-tui recording (not gzip-compressed)", though it is one
        (
            lambda p: p.write_bytes(p.read_bytes() + b"trailing bytes"),
            "is damaged: bytes that are not gzip data follow its compressed data",
        ),
        (
            lambda p: p.write_bytes(p.read_bytes()[:2] + b"\x09" + p.read_bytes()[3:]),
            "is damaged: a gzip header in it is damaged",
        ),
        (lambda p: p.write_text("just some text\n"), "not a backfill-tui recording"),
        (lambda p: p.write_bytes(gzip.compress(b'{"hello": 1}\n')), "not a backfill-tui recording"),
        (lambda p: p.unlink(), "no recording"),
        (lambda p: (p.unlink(), p.mkdir()), "is a folder, not a recording"),
    ],
)
def test_a_damaged_recording_is_refused_in_one_line(
    damage: object,
    says: str,
    tmp_path: Path,
    anchor: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor}")
    rec = tmp_path / "r.gz"
    assert (
        run_cli(
            capsys,
            "run",
            "github:acme/rocket",
            "--simulate",
            "--workspace",
            "demo",
            "--db",
            str(tmp_path / "m.db"),
            "--record",
            str(rec),
        ).code
        == 0
    )
    damage(rec)  # type: ignore[operator]
    result = run_cli(capsys, "replay", str(rec), "--db", str(tmp_path / "replay.db"))
    assert result.code == 2
    assert says in result.err
    assert result.err.count("\n") == 1 and "Traceback" not in result.err
    assert not (tmp_path / "replay.db").exists()


def _flip(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]


def test_a_request_the_recording_cannot_answer_fails_its_stream_by_name(
    tmp_path: Path, anchor: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor}")
    full = tmp_path / "full.gz"
    assert (
        run_cli(
            capsys,
            "run",
            "github:acme/rocket",
            "--simulate",
            "--workspace",
            "demo",
            "--db",
            str(tmp_path / "m.db"),
            "--record",
            str(full),
        ).code
        == 0
    )
    recording = read_recording(full)
    partial = tmp_path / "partial.gz"
    writer = RecordingWriter(AtomicFile(partial, mode=0o600), recording.header)
    for exchange in recording.exchanges:
        if "/releases" not in exchange.url:
            writer.add(exchange)
    writer.close()
    result = run_cli(capsys, "replay", str(partial), "--db", str(tmp_path / "r.db"), "--json")
    assert result.code == 1
    streams = {s["entity"]: s for s in result.summary["sources"][0]["streams"]}
    assert streams["release"]["status"] == "failed"
    assert streams["release"]["error"] == (
        "the recording has no answer for GET /repos/acme/rocket/releases?per_page=100"
    )
    assert {s["status"] for e, s in streams.items() if e != "release"} == {"completed"}


def test_record_needs_a_usable_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "no").write_text("a file where the recording's folder should be")
    result = run_cli(
        capsys,
        "run",
        "github:acme/rocket",
        "--simulate",
        "--workspace",
        "demo",
        "--db",
        str(tmp_path / "m.db"),
        "--record",
        str(tmp_path / "no" / "r.gz"),
    )
    assert result.code == 2 and "is a file, not a folder" in result.err
    assert not (tmp_path / "m.db").exists()


def test_a_folder_that_takes_no_new_files_is_not_said_to_be_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--record /proc/x.rec.gz`` read "a folder on the path does not exist", of /proc (a
    fresh tester's finding): Linux answers ENOENT for a new file there, the folder being
    there. Exit 2, one line, no run."""
    if not Path("/proc/self").is_dir():
        pytest.skip("no /proc on this system")
    result = run_cli(capsys, "run", "github:acme/rocket", "--simulate", "--workspace", "demo",
                     "--db", str(tmp_path / "m.db"), "--record", "/proc/x.rec.gz")  # fmt: skip
    assert result.code == 2 and result.err.count("\n") == 1, result.err
    assert "its folder takes no new files, as /proc and /sys do" in result.err, result.err
    assert "does not exist" not in result.err
    assert not (tmp_path / "m.db").exists()


def _open_line(rec: Path) -> str:
    """What opening ``rec`` for a replay says (``RecordingError``'s line), or "opened"."""
    from backfill_tui.recording import RecordingError
    from backfill_tui.recording.fileformat import open_recording

    try:
        open_recording(rec, lambda exchange: 0).close()
    except RecordingError as exc:
        return str(exc)
    return "opened"


@pytest.mark.parametrize("locked", ["file", "folder"])
def test_a_recording_that_cannot_be_read_is_said_so_not_damaged(
    locked: str,
    tmp_path: Path,
    anchor: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A sound recording the user may not read (``chmod 600`` by another user, or in a folder
    they may not enter) is said to be unreadable, with how to mend it: it said "damaged
    (PermissionError); ask for the original recording" (a tester's finding), or for the folder
    a traceback. Root reads anything, so under root the attempt runs as ``nobody``."""
    import os
    import shutil
    import tempfile

    from support import call_as_nobody

    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor}")
    outer = Path(tempfile.mkdtemp(prefix="backfill-rec-", dir="/tmp"))  # nobody may enter /tmp
    try:
        outer.chmod(0o755)
        folder = outer / "kept"
        folder.mkdir(mode=0o755)
        rec = folder / "r.rec.gz"
        recorded = run_cli(capsys, "run", "github:acme/rocket", "--simulate", "--days", "7", "--workspace", "demo",
                           "--db", str(tmp_path / "m.db"), "--record", str(rec))  # fmt: skip
        assert recorded.code == 0, recorded.err
        assert _open_line(rec) == "opened"
        root = os.geteuid() == 0
        if locked == "file":
            rec.chmod(0o600 if root else 0o000)
        else:
            folder.chmod(0o700 if root else 0o000)
        line = call_as_nobody(lambda: _open_line(rec)) if root else _open_line(rec)
        assert line == (
            f"{rec} cannot be read (permission denied); give yourself read access to it and "
            "to its folders (chmod/chown, or ask their owner), or copy it to a place you can read"
        )
    finally:
        for path in (outer, outer / "kept"):
            if path.exists():
                path.chmod(0o755)
        shutil.rmtree(outer)


def test_a_long_valid_name_is_recorded_and_a_refused_path_leaves_no_run(
    tmp_path: Path, anchor: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 247-character name (valid: 255 bytes is the limit) was refused for the hidden file
    written beside it, which is longer; and a path where no file can be made (/proc) failed
    only once the run was in the mirror, which then listed a run never started (a fresh
    tester's findings)."""
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor}")
    db = tmp_path / "m.db"
    args = ("run", "github:acme/rocket", "--simulate", "--workspace", "demo", "--days", "7")
    long = tmp_path / ("c" * 240 + ".rec.gz")
    done = run_cli(capsys, *args, "--record", str(long), "--quiet", "--db", str(db))
    assert done.code == 0, done.err
    assert long.is_file() and not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
    if Path("/proc/self").is_dir():
        refused = run_cli(capsys, *args, "--record", "/proc/x.rec.gz", "--db", str(db))
        assert refused.code == 2 and ".part" not in refused.err, refused.err
        listed = run_cli(capsys, "runs", "--json", "--db", str(db))
        assert len(json.loads(listed.out)) == 1  # the first run only: none was planned
