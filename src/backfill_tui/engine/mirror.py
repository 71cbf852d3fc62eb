"""Opening the mirror, as a face does, and the records it reads back.

:func:`open_for_app` is the terminal app's rule: the mirror writable when it can be, else
read-only for browsing (a run then says why it cannot write). The records (:class:`RunRecord`,
:class:`StreamRecord`) and :class:`Mirror` itself are the store's; faces name them from here.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import MirrorCorrupt, PermissionDenied, ReadOnly
from ..store import Mirror, RunRecord, StreamRecord, upgrade_notes
from ..store.failures import mirror_refusal, said_as_lines, text_shown
from ..store.opening import check_whole as _check_whole
from ..store.opening import wal_size

__all__ = [
    "Mirror",
    "MirrorCheck",
    "RunRecord",
    "StreamRecord",
    "check_mirror",
    "check_whole",
    "mirror_refusal",
    "open_for_app",
    "open_mirror",
    "said_as_lines",
    "text_shown",
    "upgrade_notes",
]


def open_mirror(path: Path, *, readonly: bool = False, create: bool = True) -> Mirror:
    """The mirror at ``path`` (``Mirror.open``: checked before a byte is written; reading or
    ``create=False`` never makes a file, a missing one raises ``MirrorMissing``)."""
    return Mirror.open(path, readonly=readonly, create=create)


def check_whole(mirror: Mirror, refused: str) -> None:
    """SQLite's ``quick_check`` over every page of ``mirror`` unless its open did (a file past
    16 MB is checked only by its header and schema there): before a command that writes into
    it or compares it row by row, where a damaged page read past would go unsaid (a fresh
    tester's finding: ``run`` wrote into a damaged 173 MB mirror, exit 0; ``diff`` said "0
    changed"). 0.25 s warm at 173 MB. Raises ``MirrorCorrupt``, one line naming ``verify``
    and ``refused`` (what the command did not do)."""
    _check_whole(mirror.conn, mirror.path, refused=refused)


def open_for_app(path: Path) -> Mirror:
    """The app's mirror: writable if it can be, else read-only for browsing (runs say why not).
    A file that does not exist and cannot be made raises as :meth:`Mirror.open` does."""
    try:
        return Mirror.open(path)
    except (ReadOnly, PermissionDenied):
        if not path.is_file():
            raise
        return Mirror.open(path, readonly=True)


@dataclass(frozen=True)
class MirrorCheck:
    """What ``backfill-tui verify`` found: ``problems`` (SQLite's own lines, ``[]`` when the
    file is sound), the check run (``full``), the mirror's size in bytes (the file and its
    write-ahead log, whose pages SQLite reads in place of the file's) and the check's seconds.
    """

    path: Path
    full: bool
    size_bytes: int
    seconds: float
    problems: list[str] = field(default_factory=list)

    @property
    def sound(self) -> bool:
        return not self.problems


def check_mirror(path: Path, *, full: bool = False) -> MirrorCheck:
    """Check the whole mirror at ``path`` without writing to it (:meth:`Mirror.problems`:
    ``quick_check``, or with ``full`` ``integrity_check`` and ``foreign_key_check``).

    Damage found on opening (a truncated file, a header or schema SQLite cannot read) is
    returned as the check's one problem, not raised. Raises what :meth:`Mirror.open` raises for
    anything else: :class:`MirrorMissing`, :class:`MirrorError` (not a mirror, too new, an older
    one that must be upgraded first) or a :class:`StorageError`; and, once SQLite finds the
    file sound, :class:`MirrorError` for a run, stream or source row holding a value
    backfill-tui never writes (edited by hand: :meth:`Mirror.check_rows`), which every command
    refuses.
    """
    started = time.perf_counter()
    try:
        mirror = Mirror.open(path, readonly=True)
    except MirrorCorrupt as exc:
        found = [exc.problem or str(exc)]
        return MirrorCheck(path, full, _on_disk(path), time.perf_counter() - started, found)
    try:
        problems = mirror.problems(full=full)
        if not problems:  # a value edited by hand that SQLite holds but no command can read
            mirror.check_rows()
    except MirrorCorrupt as exc:
        problems = [exc.problem or str(exc)]
    finally:
        mirror.close()
    size = _on_disk(mirror.path)
    return MirrorCheck(mirror.path, full, size, time.perf_counter() - started, problems)


def _on_disk(path: Path) -> int:
    """Bytes of the mirror at ``path`` and of its write-ahead log (``-wal``): a run the disk
    stopped left its pages in the log, and verify said "0.0 MB" of a mirror holding 317
    observations (a tester's finding)."""
    size = 0
    with contextlib.suppress(OSError):
        size = path.stat().st_size if path.is_file() else 0
    return size + wal_size(path)
