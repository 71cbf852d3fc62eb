"""The recording file: gzip-compressed JSON lines with a header and a checksummed trailer.

    {"kind": "header", "format": "backfill-tui-recording", "version": 1, "run": {...}, ...}
    {"kind": "exchange", "seq": 1, "method": "GET", "url": "...", "status": 200, ...}
    ...
    {"kind": "run_end", "status": "cancelled", "reason": null}   (version 2: how the run ended)
    {"kind": "end", "exchanges": N, "masked": M, "sha256": "<of every line before this one>"}

``masked``: how many token-shaped strings the recorder replaced with ``***`` in the answers
(``scrub.scrub_counted``), never which; a replay stores ``***`` where its recorded run stored
the text, and says so (``RecordingHeader.masked``). Absent in recordings made before it was
counted, which are read as they are; no version change, as older readers ignore the field.

gzip's CRC catches a damaged or cut file, the trailer catches a cut at a line boundary, and the
SHA-256 catches a file decompressed, edited and compressed again. :func:`read_recording`
refuses any of these with one line (:class:`RecordingError`, exit status 2). The checksum is no
seal (anyone can compute it again), so a file edited and sealed again is refused for what the
edit broke: a header, exchange or ``run_end`` line holding what backfill-tui never writes
(``header.py`` and ``exchange.py`` read them field by field), naming the line and the field, or
a trailer counting other than the exchanges the file holds. The writer creates the file with
mode 0600; everything handed to it has already been scrubbed (``scrub.py``).

Past 400 lines on purpose: the file format is written and read by the same rules (framing,
limits, checksums), kept side by side so they cannot drift apart.
"""

from __future__ import annotations

import errno
import gzip
import hashlib
import io
import json
import os
import pickle
import shlex
import tempfile
import threading
import zlib
from array import array
from collections import deque
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any, Protocol

from ..errors import BackfillError, RecordingNotKept, user_path
from ..http.body import MAX_BODY_BYTES
from ..terms import plural
from .exchange import Exchange
from .header import (
    FORMAT,
    READS_VERSIONS,
    VERSION,
    EntryFault,
    Fields,
    RecordingHeader,
    RunEnd,
    RunParameters,
)

__all__ = [
    "FORMAT",
    "MAX_LINE_BYTES",
    "MAX_TOTAL_BYTES",
    "READS_VERSIONS",
    "VERSION",
    "Exchange",
    "RecordingError",
    "RecordingFile",
    "RecordingHeader",
    "RecordingWriter",
    "RunEnd",
    "RunParameters",
    "SpooledRecording",
    "file_sha256",
    "open_recording",
    "peek_header",
    "read_recording",
]


class RecordingError(BackfillError):
    """A recording that cannot be used: missing, not ours, cut short, damaged or modified."""


@dataclass(frozen=True)
class RecordingFile:
    header: RecordingHeader
    exchanges: list[Exchange]
    path: Path


def _loads(line: bytes) -> Any:
    """One line's JSON: orjson's parser (a four-provider recording's lines, mostly long
    escaped answer bodies: 0.043 s -> 0.025 s to read), then pydantic-core's for what orjson
    refuses (NaN, Infinity), then ``json.loads`` for what only Python reads (a lone surrogate
    escape). Raises ``ValueError`` as ``json.loads`` does. orjson reads an integer past 64
    bits as a float; the lines ``RecordingWriter`` writes hold none (counts, statuses, seconds),
    and a file edited to hold one fails its checksum."""
    import orjson

    try:
        return orjson.loads(line)
    except ValueError:  # orjson.JSONDecodeError
        pass
    from pydantic_core import from_json

    try:
        return from_json(line)
    except ValueError:
        return json.loads(line)


def _line(obj: dict[str, Any]) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


class AtomicOutput(Protocol):
    """A new file that replaces its path only when committed (``engine.outputs.AtomicFile``)."""

    path: Path
    file: IO[bytes]

    def commit(self) -> None: ...

    def discard(self) -> None: ...


class RecordingWriter:
    """Appends lines to a new recording and seals it with the trailer on close.

    The lines go to ``out``, a temporary file beside the recording's path (the engine opens it
    with ``engine.outputs.AtomicFile(path, mode=0o600)``) that :meth:`close` renames into place
    once sealed, so a killed run never leaves half a recording where a file stood; :meth:`discard`
    drops it. Check the path first (``outputs.check_output``): the writer replaces whatever is there.

    A write the machine refuses (a full disk, an I/O error: any ``OSError``) ends the writer at
    once: its temporary file is removed, and :meth:`add` or :meth:`close` raises
    :class:`~backfill_tui.errors.RecordingNotKept` (:attr:`failure`), as every later
    :meth:`add` does. Going on would seal a file missing what the refused write held, whose
    gzip stream no longer decompresses, into place as a good recording: a disk that refused
    one write and took the next (space freed meanwhile) left one that ``replay`` called
    damaged (found reproducing a fresh tester's full disk).
    """

    def __init__(self, out: AtomicOutput, header: RecordingHeader) -> None:
        self.path = out.path
        self._out = out
        self._raw: IO[bytes] = self._out.file
        self._gz = gzip.GzipFile(fileobj=self._raw, mode="wb", mtime=0, compresslevel=6)
        self._hash = hashlib.sha256()
        self._lock = threading.Lock()
        self._count = 0
        self._masked = 0
        self._closed = False
        #: The refused write that ended this writer (its file removed), or None.
        self.failure: RecordingNotKept | None = None
        with self._lock:
            self._put(header.to_json())

    def _put(self, obj: dict[str, Any]) -> None:
        """Write one line (the lock held); a refused write ends the writer (:meth:`_refused`)."""
        data = _line(obj)
        self._hash.update(data)
        try:
            self._gz.write(data)
        except OSError as exc:
            raise self._refused(exc) from exc

    def _refused(self, exc: OSError) -> RecordingNotKept:
        """End the writer after ``exc``: its file removed, nothing written again."""
        self._closed = True
        self._out.discard()
        self.failure = RecordingNotKept(self.path, exc)
        return self.failure

    def add(self, exchange: Exchange) -> None:
        """Append one exchange; raises :class:`~backfill_tui.errors.RecordingNotKept` once a
        write was refused (this one or an earlier one). Nothing after :meth:`close`."""
        with self._lock:
            if self.failure is not None:
                raise self.failure
            if self._closed:
                return
            self._put(exchange.to_json())
            self._count += 1
            self._masked += exchange.masked

    @property
    def count(self) -> int:
        return self._count

    def close(self, end: RunEnd | None = None) -> None:
        """Seal the recording (``end``: how its run ended, written before the trailer) and put
        it into place. Raises :class:`~backfill_tui.errors.RecordingNotKept` when a write (its
        last lines, the flush, the fsync) or the rename is refused, its file removed; nothing
        for a writer a refused :meth:`add` already ended (that raised)."""
        with self._lock:
            if self._closed:
                return
            if end is not None:
                self._put(end.to_json())
            self._closed = True
            trailer = {
                "kind": "end",
                "exchanges": self._count,
                "masked": self._masked,
                "sha256": self._hash.hexdigest(),
            }
            try:
                self._gz.write(_line(trailer))
                self._gz.close()
                self._out.commit()
            except OSError as exc:
                raise self._refused(exc) from exc
            except BaseException:
                self._out.discard()
                raise

    def discard(self) -> None:
        """Drop the recording: the temporary file is removed, ``path`` left as it was."""
        with self._lock:
            self._closed = True
            self._out.discard()


#: Room in a line for what is not a long answer's body: its URL, headers (h11 reads at most
#: 64 KiB of them), the request's body (a GraphQL query) and a short body's escapes
#: (``exchange._ALWAYS_TEXT``, at most six times as long).
_LINE_ROOM = 4 * 1024 * 1024
#: Longest line a recording may hold, in decompressed bytes: the longest answer the HTTP layer
#: accepts (``http.body.MAX_BODY_BYTES``) as a line holds it, a third more at most
#: (``exchange._pack``: JSON-escaped text, or base64 where escapes would swell it more), and
#: the rest of the exchange. What a run records a replay reads (a fixed 32 MiB refused a 36 MB
#: page of Sentry events a run had recorded: a tester's finding), and a hostile file's line is
#: still read no further than this.
MAX_LINE_BYTES = MAX_BODY_BYTES * 4 // 3 + _LINE_ROOM
#: Bytes read from the decompressed stream at a time (``_scan``).
_READ_BUFFER = 1024 * 1024
#: Most a recording may hold in all, decompressed: what a replay keeps in memory is bounded by it.
MAX_TOTAL_BYTES = 1024 * 1024 * 1024


def read_recording(
    path: str | os.PathLike[str],
    *,
    max_line: int = MAX_LINE_BYTES,
    max_total: int = MAX_TOTAL_BYTES,
) -> RecordingFile:
    """Read and verify a whole recording, or raise :class:`RecordingError` with one line.

    The file is read as a stream, one line at a time: a line longer than ``max_line`` bytes or
    a file inflating past ``max_total`` bytes (decompressed) is refused as soon as the bound is
    crossed, so a small file that decompresses to gigabytes costs at most ``max_line`` of memory.
    Every exchange is kept in memory; a replay uses :func:`open_recording`, which keeps none.
    """
    exchanges: list[Exchange] = []
    target = user_path(path)
    header = _scan(target, max_line, max_total, lambda exchange, line: exchanges.append(exchange))
    return RecordingFile(header, exchanges, target)


def peek_header(path: str | os.PathLike[str]) -> RecordingHeader | None:
    """The header of the recording at ``path``, read from its first line only (nothing is
    verified: for showing what a replayed run came from); None when it cannot be read."""
    try:
        with gzip.open(user_path(path), "rb") as gz:
            first = json.loads(gz.readline(MAX_LINE_BYTES))
        if not isinstance(first, dict) or first.get("format") != FORMAT:
            return None
        return RecordingHeader.from_json(first)
    except (OSError, EOFError, zlib.error, ValueError, KeyError, TypeError):
        return None


def _scan(
    target: Path, max_line: int, max_total: int, sink: Callable[[Exchange, bytes], None]
) -> RecordingHeader:
    """Verify the recording at ``target``, handing each exchange (and its line) to ``sink``.

    Raises :class:`RecordingError`: the file's own faults (not ours, cut, damaged, modified)
    and, apart, what the machine refused (:func:`_cannot_read`: a permission, a folder, a
    missing file), which no new copy of the recording would mend."""
    try:
        if target.is_dir():
            raise RecordingError(
                f"{target} is a folder, not a recording; give the file `run --record` wrote"
            )
        if not target.is_file():
            raise RecordingError(f"no recording at {target}; give the file `run --record` wrote")
    except OSError as exc:  # a folder on the path that may not be entered, say
        raise _cannot_read(target, exc) from None
    from ..store.opening import held_here

    if held_here(target):  # the open mirror: never read outside SQLite (store/opening.py)
        raise RecordingError(
            f"{target} is the mirror in use here, not a recording; give the file "
            "`run --record` wrote"
        )
    try:
        # Lines are read through a 1 MiB buffer: gzip's own is 8 KiB, and an exchange's line is
        # often hundreds of KiB (about a third less CPU to read one).
        with gzip.open(target, "rb") as gz, io.BufferedReader(gz, _READ_BUFFER) as handle:
            return _parse(target, _bounded_lines(target, handle, max_line, max_total), sink)
    except gzip.BadGzipFile as exc:
        if "CRC" in str(exc) or "length" in str(exc):
            raise _damaged(target, "what it decompresses to fails gzip's own checksum") from None
        if _starts_as_gzip(target):  # gzip data, then what is not: said as the file's damage
            what = (
                "bytes that are not gzip data follow its compressed data"
                if "Not a gzipped file" in str(exc)
                else "a gzip header in it is damaged"
            )
            raise _damaged(target, what) from None
        raise _not_gzip(target) from None
    except EOFError:
        raise RecordingError(
            f"{target} is truncated (it ends early: was the recording cut or its run killed?); "
            "record the run again"
        ) from None
    except zlib.error:  # zlib's class is named "error": "is damaged (error)" said nothing
        raise _damaged(target, "its compressed data cannot be decompressed") from None
    except OSError as exc:
        if exc.errno is None:  # gzip's own complaint about the bytes, not the machine's
            raise _damaged(target, "its compressed data cannot be read") from None
        raise _cannot_read(target, exc) from None


def _damaged(target: Path, what: str) -> RecordingError:
    """The line for a recording whose gzip framing is damaged, ``what`` saying how in words
    (a gzip header followed by garbage said "is damaged (error)", zlib's class name: a fresh
    tester's finding)."""
    return RecordingError(f"{target} is damaged: {what}; ask for the original recording")


def _not_gzip(target: Path) -> RecordingError:
    """The line for a file that is no gzip data: a recording decompressed (``gunzip``) is told
    to be compressed again (its checksum is of the lines, which compressing keeps)."""
    from ..store.opening import recording_kind

    try:
        with target.open("rb") as file:
            head = file.read(4096)
    except OSError:
        head = b""
    if head.startswith(b"SQLite format 3\0"):  # it said "not gzip-compressed" (a tester's finding)
        return RecordingError(
            f"{target} is a SQLite file (a mirror?), not a recording; replay takes a recording "
            "that run --record wrote (a .rec.gz file), and --db the mirror to replay it into"
        )
    if recording_kind(target, head) == "plain":
        quoted = shlex.quote(str(target))
        return RecordingError(
            f"{target} is a backfill-tui recording decompressed; compress it again and replay "
            f"that: gzip -k {quoted} && backfill-tui replay {shlex.quote(str(target) + '.gz')}"
        )
    return RecordingError(f"{target} is not a backfill-tui recording (not gzip-compressed)")


def _starts_as_gzip(target: Path) -> bool:
    """Whether the file at ``target`` begins as gzip data does (its two magic bytes)."""
    try:
        with target.open("rb") as file:
            return file.read(2) == b"\x1f\x8b"
    except OSError:
        return False


def _cannot_read(target: Path, exc: OSError) -> RecordingError:
    """The line for a recording the machine would not let us read (``exc``, from opening or
    reading ``target``): what it refused and how to mend it. Not "damaged": the file may be
    sound, and asking for another copy would not help (a tester's finding, for a file that was
    only ``chmod 600`` by another user)."""
    number = exc.errno
    if number in (errno.EACCES, errno.EPERM):
        return RecordingError(
            f"{target} cannot be read (permission denied); give yourself read access to it and "
            "to its folders (chmod/chown, or ask their owner), or copy it to a place you can read"
        )
    if number == errno.EISDIR:
        return RecordingError(
            f"{target} is a folder, not a recording; give the file `run --record` wrote"
        )
    if number in (errno.ENOENT, errno.ENOTDIR):
        return RecordingError(f"no recording at {target}; give the file `run --record` wrote")
    reason = (exc.strerror or type(exc).__name__).lower()
    return RecordingError(
        f"{target} cannot be read ({reason}); check the disk it is on, or copy the recording "
        "to another place and give that path"
    )


class SpooledRecording:
    """A verified recording whose exchanges wait on disk, read back one at a time.

    :func:`open_recording` makes one. Its memory is the index a caller builds (``index``) and
    one offset per exchange, not the answers: those are in an anonymous temporary file (the
    exchanges as :func:`open_recording` decoded them, already scrubbed, pickled: this process
    wrote that file and nothing else reads it; removed when closed or when the process ends).
    Reading one back copies its bytes instead of decoding again a JSON line as long as its
    answer (a page of 100 GitHub items is a line of about 250 KB): bench/replay.py.
    """

    def __init__(
        self,
        header: RecordingHeader,
        path: Path,
        spool: IO[bytes],
        offsets: array[int],
        index: dict[Hashable, deque[int]],
    ) -> None:
        self.header = header
        self.path = path
        self._spool = spool
        self._offsets = offsets  # start of exchange i's line; one more entry: the spool's end
        self._lock = threading.Lock()
        #: Request key (as ``open_recording``'s ``key`` made it) → the exchanges holding answers
        #: to it, by position in the file (recorded order).
        self.index = index

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def exchange(self, position: int) -> Exchange:
        """The exchange at ``position`` (0-based, recorded order), read from the spool."""
        start, end = self._offsets[position], self._offsets[position + 1]
        with self._lock:
            self._spool.seek(start)
            data = self._spool.read(end - start)
        exchange: Exchange = pickle.loads(data)  # our own spool, written by open_recording
        return exchange

    def __iter__(self) -> Iterator[Exchange]:
        for position in range(len(self)):
            yield self.exchange(position)

    def close(self) -> None:
        self._spool.close()


def open_recording(
    path: str | os.PathLike[str],
    key: Callable[[Exchange], Hashable],
    *,
    max_line: int = MAX_LINE_BYTES,
    max_total: int = MAX_TOTAL_BYTES,
) -> SpooledRecording:
    """Verify a recording in one streaming pass and spool its exchanges for reading back.

    Checks and bounds exactly as :func:`read_recording` (one :class:`RecordingError` line for a
    missing, foreign, cut, damaged, modified or oversized file), but keeps no exchange in memory:
    each line goes to a temporary file, and ``index`` maps ``key(exchange)`` to the positions of
    the exchanges with that key, in recorded order. Memory is the index, not the answers.

    A path holding a token (``secrets_registry.holds_credential``) is refused first, unechoed:
    a replay stores its recording's path in the mirror and shows it, and ``run --record``
    refuses to write such a file (``engine.outputs.token_path_problem``).
    """
    from ..secrets_registry import holds_credential

    if holds_credential(os.fspath(path)):
        raise RecordingError(
            "the recording's path holds what looks like a token (not shown); rename the file "
            "(a replayed run stores the path in the mirror)"
        )
    target = user_path(path)
    spool = tempfile.TemporaryFile(prefix="backfill-tui-replay-")  # noqa: SIM115 (kept open)
    offsets: array[int] = array("q", [0])
    index: dict[Hashable, deque[int]] = {}

    def sink(exchange: Exchange, line: bytes) -> None:
        index.setdefault(key(exchange), deque()).append(len(offsets) - 1)
        data = pickle.dumps(exchange, protocol=pickle.HIGHEST_PROTOCOL)
        spool.write(data)
        offsets.append(offsets[-1] + len(data))

    try:
        header = _scan(target, max_line, max_total, sink)
        spool.flush()
    except BaseException:
        spool.close()
        raise
    return SpooledRecording(header, target, spool, offsets, index)


def _bounded_lines(
    target: Path, handle: IO[bytes], max_line: int, max_total: int
) -> Iterator[bytes]:
    """The file's lines (with their newline), refusing one past ``max_line`` or the file past
    ``max_total`` bytes as soon as either is crossed."""
    total = 0
    while True:
        parts = [handle.readline(_READ_BUFFER)]
        size = len(parts[0])
        # a long line in pieces, joined once whole: one cut short at the bound was held once,
        # not twice over as a growing buffer is (a bomb's refusal costs about ``max_line``)
        while size and size <= max_line and not parts[-1].endswith(b"\n"):
            part = handle.readline(_READ_BUFFER)
            if not part:
                break
            parts.append(part)
            size += len(part)
        if not size:
            return
        total += size
        if size > max_line:
            raise RecordingError(
                f"{target} has a line longer than {max_line // (1024 * 1024)} MiB; it is not a "
                "recording this backfill-tui wrote (ask for the original recording)"
            )
        if total > max_total:
            raise RecordingError(
                f"{target} holds more than {max_total // (1024 * 1024)} MiB once decompressed; "
                "it is not a recording this backfill-tui wrote (ask for the original recording)"
            )
        yield parts[0] if len(parts) == 1 else b"".join(parts)


def _unreadable(target: Path, exc: Exception) -> RecordingError:
    """The line for an entry that cannot be read: a field of a line says which
    (:class:`~.header.EntryFault`), anything else its kind of fault."""
    what = f": {exc}" if isinstance(exc, EntryFault) else f" ({type(exc).__name__})"
    return RecordingError(f"{target} has an unreadable entry{what}; ask for the original recording")


def _cut(target: Path) -> RecordingError:
    return RecordingError(
        f"{target} is truncated (no end marker: was its run killed while recording?); "
        "record the run again"
    )


def _parse(
    target: Path, lines: Iterator[bytes], sink: Callable[[Exchange, bytes], None]
) -> RecordingHeader:
    """Verify and decode the lines of a recording as they arrive (header, exchanges, trailer)."""
    first_line = next(lines, b"")
    try:
        first = json.loads(first_line) if first_line.strip() else None
    except ValueError:
        first = None
    if not isinstance(first, dict) or first.get("format") != FORMAT:
        raise RecordingError(f"{target} is not a backfill-tui recording")
    if first.get("version") not in READS_VERSIONS:
        raise RecordingError(
            f"{target} is a recording format version {first.get('version')!r}; this backfill-tui "
            f"reads versions {READS_VERSIONS[0]} to {READS_VERSIONS[-1]}: use the backfill-tui "
            "that recorded it"
        )
    # The first fault of an entry, said once the checksum is known: an edit not sealed again
    # says "modified", one sealed again (anyone can: the checksum is no seal) what it broke.
    unreadable: Exception | None = None
    header: RecordingHeader | None = None
    try:
        header = RecordingHeader.from_json(first)
    except (KeyError, TypeError, ValueError) as exc:
        unreadable = exc
    digest = hashlib.sha256()
    digest.update(first_line if first_line.endswith(b"\n") else first_line + b"\n")
    count = 0  # exchanges: the lines between header and trailer, but the run_end line
    number = 1  # the line's, from 1 (the header)
    trailer: Any = None
    end: RunEnd | None = None
    end_line = 0
    for line in lines:
        number += 1
        if trailer is not None:  # anything after the end marker
            raise _modified(target)
        try:
            data = _loads(line)
        except ValueError:  # said at once: a file of a billion empty lines is not read through
            if not line.endswith(b"\n"):
                raise _cut(target) from None
            raise _modified(target) from None
        if isinstance(data, dict) and data.get("kind") == "end":
            trailer = data
            continue
        if not line.endswith(b"\n"):
            line += b"\n"
        digest.update(line)
        if isinstance(data, dict) and data.get("kind") == "run_end":
            # Hashed like an exchange, not counted as one; the writer writes one at most.
            if end_line:
                again = f"its line {number} is a second run_end line (the first is line {end_line})"
                unreadable = unreadable or EntryFault(again)
                continue
            end_line = number
            try:
                end = RunEnd.from_json(data)
            except (KeyError, TypeError, ValueError) as exc:
                unreadable = unreadable or exc
            continue
        count += 1
        if unreadable is not None:
            continue  # counted, not used: the file is refused once its checksum is known
        try:
            exchange = Exchange.from_json(data, count)
        except (KeyError, TypeError, ValueError) as exc:
            unreadable = exc
            continue
        sink(exchange, line)
    if trailer is None:
        raise _cut(target)
    if digest.hexdigest() != trailer.get("sha256"):
        raise _modified(target)
    if unreadable is not None or header is None:
        raise _unreadable(target, unreadable or ValueError())
    try:
        fields = Fields(trailer, "its trailer's ")
        counted = fields.whole("exchanges")
        masked = fields.whole("masked") if trailer.get("masked") is not None else None
        if masked is not None and masked < 0:
            raise fields.fault("masked", "0 or more")
    except EntryFault as exc:
        raise _unreadable(target, exc) from None
    if counted != count:
        raise RecordingError(
            f"{target}: its trailer counts {plural(counted, 'exchange')} but the file holds "
            f"{count} (it was edited after it was recorded, and its checksum computed again); "
            "ask for the original recording"
        )
    return replace(header, end=end if end is not None else header.end, masked=masked)


def _modified(target: Path) -> RecordingError:
    return RecordingError(
        f"{target} was modified after it was recorded (checksum mismatch); "
        "ask for the original recording"
    )


def file_sha256(path: Path) -> str:
    """The SHA-256 (hex) of the whole file at ``path``, read in blocks (a replayed run stores
    its recording's, and resumes only from a file that still has it). Raises ``OSError``."""
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()
