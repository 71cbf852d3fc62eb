"""Recordings are read as a stream with bounds on line and file size (issue 10, item 3).

A 1.5 MB recording that inflates to 1.5 GB of spaces used to be decompressed whole (4.6 GB of
memory) before it was refused. Memory is measured with tracemalloc around the read itself: the
refusal must come at a small fraction of what the file inflates to. No timing is asserted.
"""

from __future__ import annotations

import gzip
import json
import shutil
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
from support import run_cli

from backfill_tui.recording import read_recording
from backfill_tui.recording.fileformat import (
    FORMAT,
    MAX_LINE_BYTES,
    VERSION,
    RecordingError,
)

MIB = 1024 * 1024
INFLATED = 1536 * MIB  # what each bomb below decompresses to


def _bomb(path: Path, prefix: bytes, filler: bytes) -> Path:
    """``prefix`` then ``INFLATED`` bytes of ``filler``, as gzip members of one compressed MiB
    each: about 1.5 MB on disk. Decompressing it whole would need 1.5 GB."""
    member = gzip.compress(filler * (MIB // len(filler)), compresslevel=9, mtime=0)
    with path.open("wb") as out:
        out.write(gzip.compress(prefix, mtime=0))
        for _ in range(INFLATED // MIB):
            out.write(member)
    return path


HEADER = (
    json.dumps(
        {
            "kind": "header",
            "format": FORMAT,
            "version": VERSION,
            "run_id": "r",
            "run": {
                "workspace": "w",
                "sources": ["github:acme/rocket"],
                "depth": 30,
                "entities": None,
                "max_items": 10,
                "started_at": "2026-11-28T00:00:00+00:00",
                "since": "2026-10-29T00:00:00+00:00",
            },
            "clock_start": 0.0,
            "base_urls": {},
        },
        separators=(",", ":"),
    ).encode()
    + b"\n"
)

BOMBS: dict[str, Callable[[Path], Path]] = {
    "1.5 GB of spaces": lambda d: _bomb(d / "spaces.rec", b"", b" "),
    "a valid header, then 1.5 GB of spaces": lambda d: _bomb(d / "h.rec", HEADER, b" "),
    "a valid header, then 1.5 GB of one JSON string": lambda d: _bomb(
        d / "s.rec", HEADER + b'{"kind":"exchange","url":"', b"a"
    ),
    "a valid header, then 1.5 GB of empty lines": lambda d: _bomb(d / "n.rec", HEADER, b"\n"),
}


@pytest.mark.parametrize("bomb", list(BOMBS))
def test_a_decompression_bomb_is_refused_with_bounded_memory(bomb: str, tmp_path: Path) -> None:
    path = BOMBS[bomb](tmp_path)
    assert path.stat().st_size < 4 * MIB  # small on disk
    tracemalloc.start()
    try:
        with pytest.raises(RecordingError) as refused:
            read_recording(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "\n" not in str(refused.value)
    assert peak < 4 * MAX_LINE_BYTES + 16 * MIB, f"peak {peak / MIB:.0f} MiB"
    assert peak < INFLATED // 8


def test_the_cli_refuses_a_bomb_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = BOMBS["a valid header, then 1.5 GB of spaces"](tmp_path)
    result = run_cli(capsys, "replay", str(path), "--db", str(tmp_path / "m.db"))
    assert result.code == 2
    assert result.err.count("\n") == 1 and f"longer than {MAX_LINE_BYTES // MIB} MiB" in result.err
    assert not (tmp_path / "m.db").exists()


@pytest.fixture
def recording(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Path:
    monkeypatch.setenv("BACKFILL_SIM", "clock=virtual,anchor=2026-11-28T00:00:00Z")
    rec = tmp_path / "r.rec"
    result = run_cli(
        capsys, "run", "github:acme/rocket", "--simulate", "--workspace", "w",
        "--max-items", "50", "--db", str(tmp_path / "m.db"), "--record", str(rec), "--quiet",
    )  # fmt: skip
    assert result.code == 0, result.err
    return rec


def test_the_bounds_admit_a_real_recording_and_refuse_one_byte_less(recording: Path) -> None:
    raw = gzip.decompress(recording.read_bytes())
    longest = max(len(line) + 1 for line in raw.split(b"\n"))
    whole = read_recording(recording, max_line=longest, max_total=len(raw))
    assert len(whole.exchanges) == raw.count(b"\n") - 3  # header, run_end, trailer
    assert whole.header.end is not None and whole.header.end.status == "completed"
    with pytest.raises(RecordingError, match="line longer than"):
        read_recording(recording, max_line=longest - 1)
    with pytest.raises(RecordingError, match=r"more than .* once decompressed"):
        read_recording(recording, max_total=len(raw) - 1)


def test_a_cut_recording_is_still_called_truncated(recording: Path, tmp_path: Path) -> None:
    """Streaming kept the old verdicts: a file cut mid-line says truncated, not damaged."""
    raw = gzip.decompress(recording.read_bytes())
    cut = tmp_path / "cut.rec"
    cut.write_bytes(gzip.compress(raw[: len(raw) // 2]))
    with pytest.raises(RecordingError, match="truncated"):
        read_recording(cut)
    edited = tmp_path / "edited.rec"
    shutil.copy(recording, edited)
    edited.write_bytes(gzip.compress(raw.replace(b'"method":"GET"', b'"method":"PUT"', 1)))
    with pytest.raises(RecordingError, match="modified"):
        read_recording(edited)
