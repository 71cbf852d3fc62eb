"""Opening the mirror, as a face does, and the records it reads back.

:func:`open_for_app` is the terminal app's rule: the mirror writable when it can be, else
read-only for browsing (a run then says why it cannot write). The records (:class:`RunRecord`,
:class:`StreamRecord`) and :class:`Mirror` itself are the store's; faces name them from here.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import PermissionDenied, ReadOnly
from ..store import Mirror, RunRecord, StreamRecord

__all__ = ["Mirror", "RunRecord", "StreamRecord", "open_for_app", "open_mirror"]


def open_mirror(path: Path, *, readonly: bool = False, create: bool = True) -> Mirror:
    """The mirror at ``path`` (``Mirror.open``: checked before a byte is written; reading or
    ``create=False`` never makes a file, a missing one raises ``MirrorMissing``)."""
    return Mirror.open(path, readonly=readonly, create=create)


def open_for_app(path: Path) -> Mirror:
    """The app's mirror: writable if it can be, else read-only for browsing (runs say why not).
    A file that does not exist and cannot be made raises as :meth:`Mirror.open` does."""
    try:
        return Mirror.open(path)
    except (ReadOnly, PermissionDenied):
        if not path.is_file():
            raise
        return Mirror.open(path, readonly=True)
