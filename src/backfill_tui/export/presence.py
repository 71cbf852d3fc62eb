"""Whether a destination already holds every one of the mirror's sourceIds, asked in one
pipelined pass before the walk compares them one by one: how a re-export with nothing new
decides so in a fraction of a second (issue 13 item 6 asks for under 0.5 s at 100k).

Comparing id by id (``walk.py``) streams every sourceId of the workspace back from the
destination in byte order: at 100k observations, 0.6-1.4 s, about half of it the server sorting
the ids and half the mirror reading them. The walk's rule is that an observation is skipped
exactly when the destination holds its sourceId (:meth:`~.target.ExportTarget.present`), so if
the destination holds *every* one of the mirror's sourceIds (for the workspace, or for the run
exported), the walk would skip every observation: the answer is the walk's, exactly, whatever
else the destination holds (other writers' rows for the workspace, such as production's
webhooks; a sourceId held twice, since production's index on it is not unique; the rows of
another run).

The rule (:func:`held_whole`, which the walk asks before its first chunk):

1. If the destination holds fewer rows for the workspace than the mirror has sourceIds (they
   are distinct: the mirror's ``UNIQUE (workspace_id, source_id)``), one is missing: no, at
   once, and no id is read. This is the usual case when something is new.
2. Otherwise the mirror's ids are sent in chunks of :data:`READ` and the destination counts how
   many of each it holds; yes exactly when every chunk's count is its length.

A mirror id the export would change before sending it (not UTF-8, or holding NUL: the
destination holds its cleaned form, see ``values.py``) makes the answer unknown: two such ids
may clean to one, and only the walk counts that right. Unknown is no: the walk decides.

Errors: whatever the destination's :meth:`~.target.ExportTarget.holds_all` raises
(:class:`~.target.ExportError`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from ..store.exports import count_observations, source_id_bytes
from .target import ExportTarget

__all__ = ["READ", "as_sent", "held_whole"]

#: How many sourceIds the mirror reads, and sends to be looked up, at once (memory stays flat:
#: about 1 MB of ids per chunk).
READ = 20000


def as_sent(chunks: Iterable[list[bytes]]) -> Iterator[list[str] | None]:
    """Each chunk of raw sourceIds (as ``store.exports.source_id_bytes`` reads them) as the
    texts the export sends, or None for a chunk where one of them would be cleaned first:
    not UTF-8 (an encoded surrogate included) or holding NUL (``values.clean_text``). One
    scan of the joined chunk in C, then one decode per id."""
    for ids in chunks:
        joined = b"\n".join(ids)
        if b"\x00" in joined:
            yield None
            continue
        if not joined.isascii():
            try:
                joined.decode("utf-8")  # strict: an encoded surrogate is refused as well
            except UnicodeDecodeError:
                yield None
                continue
        yield [raw.decode("utf-8") for raw in ids]


def held_whole(conn: Any, target: ExportTarget, workspace: str, run_id: str | None) -> int:
    """How many observations the walk may skip before it starts: all the workspace's (or the
    run's), when the destination holds every one of their sourceIds (the module's rule); else 0.

    ``conn`` reads the mirror. The destination is asked only if :attr:`ExportTarget.presence`,
    and given the mirror's count, so that where the destination holds fewer rows (the usual
    case when something is new) the answer costs one count and no id is read. Raises what the
    destination's :meth:`~.target.ExportTarget.holds_all` raises."""
    if not target.presence:
        return 0
    count = count_observations(conn, workspace, run_id)
    chunks = as_sent(source_id_bytes(conn, workspace, run_id, READ))
    return count if count and target.holds_all(workspace, count, chunks) else 0
