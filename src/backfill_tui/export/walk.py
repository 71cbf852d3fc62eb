"""The walk every export shares (:func:`walk`) and the threads an apply runs beside it.

:func:`walk` streams the mirror in chunks of sourceIds, in byte order, never holding the
workspace in memory: for each chunk the destination is asked which it already holds (a read-only
query for Postgres, the mirror's ledger for Inngest); the rest are read in full, made storable
(``values.py``: NUL, lone surrogates, non-finite numbers, zone-less timestamps, each change
counted), checked against what the destination can hold (a row that cannot be held is
*refused*, with its reason, and the others go on), and grouped into the batches a send uses.
``common.py``'s dry run and apply both run it, which is what makes the dry run predict the apply.

Before its first chunk, the walk asks whether the destination holds every one of the mirror's
sourceIds (``presence.py``): then nothing is new, every observation is skipped at once (the
answer the chunks would give), and no id is compared here.

For an apply, :func:`steps` runs the walk ahead of the sends in a thread of its own (where the
destination allows it) and :class:`Ledger` records each delivered batch in the mirror from
another, one batch behind, so reading the mirror, sending and recording overlap.
"""

from __future__ import annotations

import queue
import threading
from collections import Counter
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any, TypeVar

from ..errors import MirrorCorrupt
from ..store import Mirror
from ..store.exports import (
    ObservationRow,
    connect_mirror_reader,
    exported_among,
    observation_flags,
    observation_keys,
    observations_by_id,
    record_export_keys,
    record_exports,
)
from ..terms import plural, suggest
from .outcome import REFUSED_EXAMPLES, Tally
from .presence import held_whole
from .target import COUNTED, ExportTarget, Prepared
from .values import Refused, clean_row, clean_text, needs_cleaning, suspect_sql

__all__ = ["CHUNK", "Ledger", "Step", "absorb", "steps", "take", "walk"]

#: How many sourceIds the walk asks the destination about at once.
CHUNK = 5000
#: How many batches a walk reading ahead (``ExportTarget.read_ahead``) keeps ready.
AHEAD = 1
#: How many rows the walk reads from the mirror at once.
READ = 1000


def _clean_ids(source_ids: list[str]) -> list[str]:
    """The sourceIds as a destination stores them (``values.clean_text``); one scan of the
    chunk in the usual case where none needs it."""
    joined = "\n".join(source_ids)
    # An ASCII text holds no surrogate: then only a NUL needs cleaning (both checks are C
    # scans, a regex over the chunk cost 0.15 s at 100k ids).
    if (joined.isascii() and "\x00" not in joined) or not needs_cleaning(joined):
        return source_ids
    return [clean_text(source_id)[0] for source_id in source_ids]


_Found = TypeVar("_Found")


def walk(
    conn: Any,
    target: ExportTarget,
    workspace: str,
    run_id: str | None,
    tally: Tally,
    *,
    counting: bool = False,
    sampler: Callable[[str, int, ObservationRow | None], None] | None = None,
    mirror_path: Path | None = None,
) -> Iterator[list[Prepared]]:
    """The batches of new, storable rows, in send order and size; fills ``tally`` as it goes.

    Raises :class:`MirrorCorrupt` (naming ``mirror_path``) when rows the index lists cannot be
    read from the table (a damaged page: SQLite's reads by id pass over it without an error),
    before the slice of rows holding them is batched: an export said all went while 2 of 78,196 had not
    (a fresh tester's finding). Rows of earlier batches were sent.

    Only rows that SQLite flags (``values.suspect_sql``) get per-value work in Python. With
    ``counting`` (a dry run) and a destination that limits rows, not bytes, per batch, the
    unflagged rows are not even read: each stands in the batch as :data:`COUNTED`.
    ``sampler`` sees each storable row's occurred_at, mirror id and row (None if only counted).
    """
    held = held_whole(conn, target, workspace, run_id)  # nothing new: all skipped at once
    tally.total += held
    tally.skipped += held
    if held:
        return
    flag_sql = suspect_sql(target.limits())

    def whole(found: list[_Found], asked: list[int]) -> list[_Found]:
        if len(found) != len(asked):  # read before any of them is batched
            raise unreadable(mirror_path, len(asked) - len(found), tally)
        return found

    light = counting and target.max_batch_bytes is None
    current: list[Prepared] = []
    size = 2  # a JSON array's brackets, where bytes are limited
    after: str | None = None
    while True:
        keys = observation_keys(conn, workspace, run_id, after, CHUNK)
        if not keys:
            break
        after = keys[-1][0]
        tally.total += len(keys)
        cleaned = _clean_ids([k[0] for k in keys])
        recorded = (
            exported_among(conn, workspace, target.kind, target.target_id, cleaned)
            if target.uses_ledger
            else set()
        )
        present = target.present(workspace, cleaned, recorded) if cleaned else set()
        new_ids = [k[1] for k, sid in zip(keys, cleaned, strict=True) if sid not in present]
        new_ids.sort()  # rows are read in storage order: sequential pages, not random ones
        tally.skipped += len(keys) - len(new_ids)
        if not new_ids:
            continue
        rows: Iterator[tuple[int, bool, str, ObservationRow | None]]
        if light:
            flags = whole(observation_flags(conn, new_ids, flag_sql), new_ids)
            wanted = [i for i, flagged, _ in flags if flagged]
            full = {i: row for i, _, row in observations_by_id(conn, wanted)}
            rows = ((i, flagged, at, full.get(i)) for i, flagged, at in flags)
        else:
            rows = (  # read a slice at a time: at most READ rows held, not the whole chunk
                (i, f, r.occurred_at, r)
                for start in range(0, len(new_ids), READ)
                for i, f, r in whole(
                    observations_by_id(conn, new_ids[start : start + READ], flag_sql),
                    new_ids[start : start + READ],
                )
            )
        for row_id, flagged, occurred_at, row in rows:
            if row is None:
                prepared: Prepared = COUNTED
            else:
                try:
                    if flagged:
                        row, changes = clean_row(row)
                        tally.changes.update(changes)
                    prepared, more = target.prepare(workspace, row, checked=not flagged)
                except Refused as exc:
                    tally.refuse(row.source_id, str(exc))
                    continue
                if more:
                    tally.changes.update(more)
            if sampler is not None:
                sampler(occurred_at, row_id, prepared.row)
            limit = target.max_batch_bytes
            if current and (
                len(current) >= target.max_batch_rows
                or (limit is not None and size + 1 + prepared.size > limit)
            ):
                yield current
                current, size = [], 2
            size += prepared.size + (1 if current else 0)
            current.append(prepared)
    if current:
        yield current


def unreadable(path: Path | None, missing: int, tally: Tally) -> MirrorCorrupt:
    """The line for ``missing`` rows the mirror's index lists that its table does not give."""
    where = str(path) if path is not None else "the mirror"
    problem = (
        f"{plural(missing, 'observation')} of the {tally.total} counted so far could not be "
        "read (a damaged page)"
    )
    return MirrorCorrupt(
        f"{where} is corrupt: {problem}; the export stopped before sending them. "
        f"`{suggest('verify', path)}` lists the damage; restore the mirror from a copy",
        problem,
    )


def take(tally: Tally) -> Tally:
    """What ``tally`` has counted so far, moved into a new :class:`Tally`; ``tally`` starts
    again from nothing (the walk goes on filling it)."""
    taken = Tally(tally.total, tally.skipped, tally.changes, tally.refused, tally.refused_examples)
    tally.total, tally.skipped = 0, 0
    tally.changes, tally.refused, tally.refused_examples = Counter(), Counter(), []
    return taken


def absorb(tally: Tally, part: Tally) -> None:
    """Add ``part`` (from :func:`take`) to ``tally``, examples in order up to the limit."""
    tally.total += part.total
    tally.skipped += part.skipped
    tally.changes.update(part.changes)
    tally.refused.update(part.refused)
    room = REFUSED_EXAMPLES - len(tally.refused_examples)
    tally.refused_examples.extend(part.refused_examples[: max(room, 0)])


Step = tuple[list[Prepared] | None, Tally]


def steps(
    mirror: Mirror,
    target: ExportTarget,
    workspace: str,
    run_id: str | None,
    stop: threading.Event,
) -> Generator[Step, None, None]:
    """The walk's batches, each with what the walk counted while making it (the last step
    has no batch: what it counted after). For a target that reads ahead, the walk runs in a
    thread on a read-only connection of its own, at most :data:`AHEAD` batches ahead, so
    reading the mirror overlaps sending; a target that consults the ledger walks in step."""
    if not target.read_ahead:
        walked = Tally()
        for batch in walk(mirror.conn, target, workspace, run_id, walked, mirror_path=mirror.path):
            yield batch, take(walked)
        yield None, take(walked)
        return
    reader = connect_mirror_reader(mirror.path)
    ready: queue.Queue[Step | BaseException] = queue.Queue(AHEAD)

    def put(item: Step | BaseException) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        walked = Tally()
        try:
            for batch in walk(reader, target, workspace, run_id, walked, mirror_path=mirror.path):
                if not put((batch, take(walked))):
                    return
            put((None, take(walked)))
        except BaseException as exc:  # raised again in the applying thread
            put(exc)

    thread = threading.Thread(target=run, name="backfill-export-walk", daemon=True)
    thread.start()
    try:
        while True:
            item = ready.get()
            if isinstance(item, BaseException):
                raise item
            yield item
            if item[0] is None:
                return
    finally:
        stop.set()
        thread.join()
        reader.close()


class Ledger:
    """Records delivered rows in the mirror's ledger (``record_exports``). For a target that
    reads ahead, a thread of its own does it, one batch behind the sends, so the mirror's
    write overlaps the next COPY; :meth:`close` waits until every batch handed over is
    recorded (also when the apply fails or is interrupted) and raises the first error."""

    def __init__(self, mirror: Mirror, target: ExportTarget) -> None:
        self._conn, self._kind, self._id = mirror.conn, target.kind, target.target_id
        self._queue: queue.Queue[list[tuple[str, str, str]] | None] | None = None
        self._failed: BaseException | None = None
        self._thread: threading.Thread | None = None
        if target.read_ahead:
            self._queue = queue.Queue(1)
            self._thread = threading.Thread(target=self._run, name="backfill-export-ledger")
            self._thread.start()

    def _run(self) -> None:
        assert self._queue is not None
        while (keys := self._queue.get()) is not None:
            if self._failed is None:
                try:
                    record_export_keys(self._conn, self._kind, self._id, keys)
                except BaseException as exc:
                    self._failed = exc

    def record(self, rows: list[ObservationRow]) -> None:
        if self._failed is not None:
            raise self._failed
        if self._queue is None:
            record_exports(self._conn, self._kind, self._id, rows)
        elif rows:  # only the keys wait in the queue, not the rows' texts
            self._queue.put([(r.workspace_id, r.source_id, r.run_id) for r in rows])

    def close(self) -> None:
        if self._queue is not None and self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._queue = None
        if self._failed is not None:
            raise self._failed
