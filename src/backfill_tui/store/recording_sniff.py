"""Whether a file given as the mirror is a recording: whole, decompressed, or cut short.

:func:`recording_kind` reads a file's first bytes so that ``--db sync.rec.gz`` is told it is a
recording, with the command that reads it (``store/opening.py``), and ``replay`` a decompressed
one to compress it again (``recording/fileformat.py``). Never raises; reads little.
"""

from __future__ import annotations

import zlib
from pathlib import Path

from ..terms import RECORDING_FORMAT

__all__ = ["RECORDER_GZIP_HEADER", "recording_kind"]

#: The gzip header ``run --record`` writes (RFC 1952 §2.3: deflate, no flags, mtime 0, XFL 0
#: for level 6, OS 255 "unknown": Python's ``GzipFile`` as ``recording/fileformat.py`` opens
#: it). What is left of a recording cut within its first block holds nothing else to know it by.
RECORDER_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
#: How a recording's first line begins, decompressed (``recording/header.py``'s ``to_json``).
_FIRST_LINE_START = b'{"kind":"header","format":"' + RECORDING_FORMAT.encode() + b'"'
#: Compressed bytes read to judge whether a gzip file ends early: a longer file is not judged
#: cut (``replay`` says so when it reads it), which keeps a large recording's check short.
_CUT_CHECK_BYTES = 1 << 16


def recording_kind(path: Path, header: bytes) -> str | None:
    """``"gzip"`` when the file at ``path`` (its first bytes ``header``) begins as a recording
    does as ``run --record`` writes it (``.rec.gz``: a gzip-compressed first line whose
    ``format`` is :data:`~backfill_tui.terms.RECORDING_FORMAT`), ``"plain"`` for the same lines
    decompressed (``.jsonl``), ``"cut"`` for one whose compressed data ends early or is
    damaged (see :func:`_gzip_start`), else None. Reads at most 64 KiB compressed and 4 KiB
    decompressed (keeps no more); never raises."""
    if header.startswith(b"\x1f\x8b"):
        return _gzip_kind(path, header)
    first = header.lstrip().split(b"\n", 1)[0]
    said = first.startswith(b"{") and f'"{RECORDING_FORMAT}"'.encode() in first
    return "plain" if said else None


def _gzip_kind(path: Path, header: bytes) -> str | None:
    """:func:`recording_kind` of a file starting with gzip's magic. A recording cut short
    (its first 100 bytes, still with the magic: a fresh tester's finding) was "not a SQLite
    database"; it is ``"cut"`` when what decompresses is its first line or the start of one,
    or, cut within the first block (nothing decompresses), its gzip header is the recorder's
    own (:data:`RECORDER_GZIP_HEADER`)."""
    start, broken = _gzip_start(path)
    first = start.split(b"\n", 1)[0]
    if first.startswith(b"{") and f'"{RECORDING_FORMAT}"'.encode() in first:
        return "cut" if broken else "gzip"
    if not broken:
        return None
    if start:
        return "cut" if _FIRST_LINE_START.startswith(start) else None
    return "cut" if header.startswith(RECORDER_GZIP_HEADER) else None


def _gzip_start(path: Path) -> tuple[bytes, bool]:
    """The first 4 KiB that decompress from the gzip file at ``path``, and whether its
    compressed data is damaged, or ends before its end (judged for files of at most
    :data:`_CUT_CHECK_BYTES`). Never raises: an unreadable file is ``(b"", False)``."""
    try:
        with path.open("rb") as handle:
            data = handle.read(_CUT_CHECK_BYTES + 1)
    except OSError:
        return b"", False
    whole = len(data) <= _CUT_CHECK_BYTES
    inflate = zlib.decompressobj(wbits=31)  # gzip framing (zlib's manual, windowBits 16+)
    start = b""
    try:
        start = inflate.decompress(data, 4096)
        while whole and not inflate.eof:  # on to the end, the output kept nowhere
            tail = inflate.unconsumed_tail
            if not inflate.decompress(tail, 1 << 16) and not tail:
                break  # every byte read, nothing more to give: it ends early
    except zlib.error:
        return start, True
    return start, whole and not inflate.eof
