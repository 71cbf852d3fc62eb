"""The shape every export shares: a dry-run :class:`ExportPlan`, then :func:`apply_export`.

Both walk the mirror the same way (:func:`_walk`), in chunks, never holding the workspace in
memory: for each chunk of sourceIds the destination is asked which it already holds (a
read-only query for Postgres, the mirror's ledger for Inngest); the rest are read in full, made
storable (``values.py``: NUL, lone surrogates, non-finite numbers, zone-less timestamps, each
change counted), checked against what the destination can hold (a row that cannot be held is
*refused*, with its reason, and the others go on), and grouped into the batches a send uses. The
plan only counts; :func:`apply_export` sends each batch and records it in the mirror's ledger
(``store/exports.py``) as soon as the destination has it, so an interrupted export loses nothing
and a repeat sends nothing new. Because both run the same walk over the same state, the dry run
predicts the apply exactly: rows written, skipped, refused, values changed and batches (an
Inngest 413, which only the server can tell, is the one exception: the batches are then split).

The destination's interface and the export's errors are ``target.py``; the plan and result a
face shows, ``outcome.py``.

Errors: :class:`ExportError` is bad input found before anything was sent (exit status 2);
:class:`ExportFailed` is the destination failing after the input was accepted (exit status 1).
Both block: a terminal UI runs them in a worker thread and can stop between batches (``cancel``).

Past 400 lines on purpose: the walk, the plan and the apply share one walk and its counts (that
is what makes the dry run predict the apply), and the apply's read-ahead and ledger threads sit
beside the loop they feed.
"""

from __future__ import annotations

import bisect
import queue
import threading
from collections import Counter
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

from ..errors import MirrorError
from ..store import Mirror
from ..store.exports import (
    ObservationRow,
    connect_mirror_reader,
    count_observations,
    export_counts,
    exported_among,
    observation_flags,
    observation_keys,
    observations_by_id,
    open_for_reading,
    record_export_keys,
    record_exports,
    run_exists,
    run_store,
)
from ..terms import plural, suggest, were
from .outcome import REFUSED_EXAMPLES, ExportPlan, ExportProgress, ExportResult, Tally
from .target import COUNTED, ExportError, ExportFailed, ExportTarget, Prepared
from .values import Refused, clean_row, clean_text, needs_cleaning, suspect_sql

__all__ = ["CHUNK", "apply_export", "export_now", "export_status", "plan_export"]

#: How many sourceIds the walk asks the destination about at once.
CHUNK = 5000
#: How many batches a walk reading ahead (``ExportTarget.read_ahead``) keeps ready.
AHEAD = 1
#: How many rows the walk reads from the mirror at once.
READ = 1000

SAMPLE_SIZE = 5


def _clean_ids(source_ids: list[str]) -> list[str]:
    """The sourceIds as a destination stores them (``values.clean_text``); one scan of the
    chunk in the usual case where none needs it."""
    joined = "\n".join(source_ids)
    # An ASCII text holds no surrogate: then only a NUL needs cleaning (both checks are C
    # scans, a regex over the chunk cost 0.15 s at 100k ids).
    if (joined.isascii() and "\x00" not in joined) or not needs_cleaning(joined):
        return source_ids
    return [clean_text(source_id)[0] for source_id in source_ids]


def _walk(
    conn: Any,
    target: ExportTarget,
    workspace: str,
    run_id: str | None,
    tally: Tally,
    *,
    counting: bool = False,
    sampler: Callable[[str, int, ObservationRow | None], None] | None = None,
) -> Iterator[list[Prepared]]:
    """The batches of new, storable rows, in send order and size; fills ``tally`` as it goes.

    Only rows that SQLite flags (``values.suspect_sql``) get per-value work in Python. With
    ``counting`` (a dry run) and a destination that limits rows, not bytes, per batch, the
    unflagged rows are not even read: each stands in the batch as :data:`COUNTED`.
    ``sampler`` sees each storable row's occurred_at, mirror id and row (None if only counted).
    """
    flag_sql = suspect_sql(target.limits())
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
            flags = observation_flags(conn, new_ids, flag_sql)
            wanted = [i for i, flagged, _ in flags if flagged]
            full = {i: row for i, _, row in observations_by_id(conn, wanted)}
            rows = ((i, flagged, at, full.get(i)) for i, flagged, at in flags)
        else:
            rows = (  # read a slice at a time: at most READ rows held, not the whole chunk
                (i, f, r.occurred_at, r)
                for start in range(0, len(new_ids), READ)
                for i, f, r in observations_by_id(conn, new_ids[start : start + READ], flag_sql)
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


def export_status(db: str | Path, workspace: str) -> dict[tuple[str, str], int]:
    """How many of the workspace's observations each destination has taken, read-only:
    ``{("postgres", "host:5432/db"): 412, ("inngest", "inn.gs"): 300}``."""
    conn = open_for_reading(Path(db).expanduser())
    try:
        return export_counts(conn, workspace)
    finally:
        conn.close()


def plan_export(
    db: str | Path,
    target: ExportTarget,
    workspace: str,
    run_id: str | None = None,
    *,
    count: bool = True,
) -> ExportPlan:
    """The dry run: reads the mirror and the destination, changes neither.

    With ``count=False`` (``export --apply``, which prints the apply's own summary) only the
    checks run: the rows are not walked, ``would_write`` is the mirror's count (an upper bound)
    and ``batch_sizes`` is empty.

    Raises :class:`ExportError` (bad input: no such run, no observations, a destination that
    cannot be reached or cannot take the rows at all, e.g. a NOT NULL column without default)."""
    path = Path(db).expanduser()
    conn = open_for_reading(path)
    try:
        if run_id is not None:  # a unique prefix names its run (UsageError if ambiguous)
            from ..store.browse import unique_run_id

            run_id = unique_run_id(conn, run_id) or run_id
        if run_id is not None and not run_exists(conn, run_id):
            raise ExportError(f"no run {run_id} in {path}; `{suggest('runs', path)}` lists them")
        observations = count_observations(conn, workspace, run_id)
        if observations == 0:
            raise _nothing_to_export(conn, path, workspace, run_id)
        target.open(apply=False)
        try:
            target.check(workspace)
            tally = Tally()
            sizes: list[int] = []
            sample: list[ObservationRow] = []
            if not count:
                tally.total = observations
            oldest: list[tuple[str, int, ObservationRow | None]] = []  # sorted, at most 5

            def keep(occurred_at: str, row_id: int, row: ObservationRow | None) -> None:
                # The sample is the oldest new observations, as it was before the walk streamed.
                if len(oldest) == SAMPLE_SIZE and (occurred_at, row_id) >= oldest[-1][:2]:
                    return
                bisect.insort(oldest, (occurred_at, row_id, row), key=lambda e: e[:2])
                del oldest[SAMPLE_SIZE:]

            walk = (
                _walk(conn, target, workspace, run_id, tally, counting=True, sampler=keep)
                if count
                else ()
            )
            for batch in walk:
                sizes.append(len(batch))
            missing = [row_id for _, row_id, row in oldest if row is None]
            fetched = {i: row for i, _, row in observations_by_id(conn, missing)}
            sample = [row if row is not None else fetched[row_id] for _, row_id, row in oldest]
            return ExportPlan(
                target=target,
                mirror_path=path,
                workspace=workspace,
                run_id=run_id,
                target_kind=target.kind,
                target_id=target.target_id,
                total=tally.total,
                would_write=sum(sizes) if count else observations,
                skipped=tally.skipped,
                skip_reason=target.skip_reason,
                batch_sizes=sizes,
                sample=sample,
                tally=tally,
                details=target.plan_details(),
            )
        finally:
            target.close()
    finally:
        conn.close()


def apply_export(
    plan: ExportPlan,
    *,
    progress: Callable[[ExportProgress], None] | None = None,
    cancel: threading.Event | None = None,
) -> ExportResult:
    """Send the plan's observations; each delivered batch is recorded in the mirror at once.

    The mirror and the destination are walked again (another export may have run since the
    plan), and the Postgres writer dedups under a lock besides, so each row is written once.
    Raises :class:`ExportFailed` (exit status 1) when the destination fails part way; what was
    delivered before is recorded and a repeat sends only the rest.
    """
    mirror = Mirror.open(plan.mirror_path)
    try:
        return _apply(mirror, plan.target, plan.workspace, plan.run_id, plan, progress, cancel)
    finally:
        mirror.close()


def export_now(
    db: str | Path,
    target: ExportTarget,
    workspace: str,
    run_id: str | None = None,
    *,
    progress: Callable[[ExportProgress], None] | None = None,
    cancel: threading.Event | None = None,
) -> ExportResult:
    """``export --apply`` in one pass, opening the mirror once: the checks a dry run makes
    (:class:`ExportError`, exit status 2, before anything is sent), then the apply
    (:class:`ExportFailed`, exit status 1, if the destination fails part way)."""
    path = Path(db).expanduser()
    if not path.is_file() or path.stat().st_size == 0:  # Mirror.open would create it
        raise MirrorError(
            f"no mirror at {path}; run a backfill first "
            f"(`{suggest('run SOURCE... --workspace ID', path)}`)"
        )
    mirror = Mirror.open(path)
    try:
        if run_id is not None and not run_exists(mirror.conn, run_id):
            raise ExportError(f"no run {run_id} in {path}; `{suggest('runs', path)}` lists them")
        if count_observations(mirror.conn, workspace, run_id) == 0:
            raise _nothing_to_export(mirror.conn, path, workspace, run_id)
        return _apply(mirror, target, workspace, run_id, None, progress, cancel)
    finally:
        mirror.close()


def _nothing_to_export(conn: Any, path: Path, workspace: str, run_id: str | None) -> ExportError:
    """Why there is nothing to export, and how to mend it. ``--run`` means the observations
    that run first stored (README): a run whose items were all in the mirror already (a replay,
    a second run of the same sources) stored none, so its line names the runs that did, rather
    than suggesting a wrong --workspace or a backfill (a tester's finding)."""
    if run_id is None:
        return ExportError(
            f"no observations for workspace '{workspace}' in {path}; "
            "check --workspace (and --db), or run a backfill first"
        )
    found = run_store(conn, run_id)
    if found.workspace != workspace:
        return ExportError(
            f"run {run_id} backfilled workspace '{found.workspace}', not '{workspace}'; "
            f"give --workspace {found.workspace}"
        )
    if found.duplicates == 0:
        return ExportError(
            f"run {run_id} stored no observations (it fetched none for workspace "
            f"'{workspace}'); export the whole workspace without --run, or another run "
            f"(`{suggest('runs', path)}` lists them)"
        )
    if found.first_stored_by:
        # Every run named, so each can be typed (a tester found "and 1 other run" untypable);
        # past three, the first three and how many more (`runs` lists them all).
        ids = [run for run, _ in found.first_stored_by]
        shown = ", ".join(ids[:3]) + (f" and {len(ids) - 3} more" if len(ids) > 3 else "")
        by = f"first stored by {'run' if len(ids) == 1 else 'runs'} {shown}"
        each = f"--run {ids[0]}" if len(ids) == 1 else "--run RUN, one export for each of them"
        how = f"export them with {each}, or the whole workspace without --run"
    else:
        by = "first stored by earlier runs"
        how = (
            "export the run that first stored them with --run, or the whole workspace without --run"
        )
    return ExportError(
        f"run {run_id} stored no new observations: the {plural(found.duplicates, 'observation')} "
        f"it fetched {were(found.duplicates)} already in {path}, {by}; {how}"
    )


def _take(tally: Tally) -> Tally:
    """What ``tally`` has counted so far, moved into a new :class:`Tally`; ``tally`` starts
    again from nothing (the walk goes on filling it)."""
    taken = Tally(tally.total, tally.skipped, tally.changes, tally.refused, tally.refused_examples)
    tally.total, tally.skipped = 0, 0
    tally.changes, tally.refused, tally.refused_examples = Counter(), Counter(), []
    return taken


def _absorb(tally: Tally, part: Tally) -> None:
    """Add ``part`` (from :func:`_take`) to ``tally``, examples in order up to the limit."""
    tally.total += part.total
    tally.skipped += part.skipped
    tally.changes.update(part.changes)
    tally.refused.update(part.refused)
    room = REFUSED_EXAMPLES - len(tally.refused_examples)
    tally.refused_examples.extend(part.refused_examples[: max(room, 0)])


_Step = tuple[list[Prepared] | None, Tally]


def _steps(
    mirror: Mirror,
    target: ExportTarget,
    workspace: str,
    run_id: str | None,
    stop: threading.Event,
) -> Generator[_Step, None, None]:
    """The walk's batches, each with what the walk counted while making it (the last step
    has no batch: what it counted after). For a target that reads ahead, the walk runs in a
    thread on a read-only connection of its own, at most :data:`AHEAD` batches ahead, so
    reading the mirror overlaps sending; a target that consults the ledger walks in step."""
    if not target.read_ahead:
        walked = Tally()
        for batch in _walk(mirror.conn, target, workspace, run_id, walked):
            yield batch, _take(walked)
        yield None, _take(walked)
        return
    reader = connect_mirror_reader(mirror.path)
    ready: queue.Queue[_Step | BaseException] = queue.Queue(AHEAD)

    def put(item: _Step | BaseException) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def walk() -> None:
        walked = Tally()
        try:
            for batch in _walk(reader, target, workspace, run_id, walked):
                if not put((batch, _take(walked))):
                    return
            put((None, _take(walked)))
        except BaseException as exc:  # raised again in the applying thread
            put(exc)

    thread = threading.Thread(target=walk, name="backfill-export-walk", daemon=True)
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


class _Ledger:
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


def _apply(
    mirror: Mirror,
    target: ExportTarget,
    workspace: str,
    run_id: str | None,
    plan: ExportPlan | None,
    progress: Callable[[ExportProgress], None] | None,
    cancel: threading.Event | None,
) -> ExportResult:
    planned_rows = plan.would_write if plan is not None else 0
    planned_batches = len(plan.batch_sizes) if plan is not None else 0
    target.open(apply=True)
    try:
        target.check(workspace)
        tally = Tally()
        written, sent, present, processed, cancelled = 0, 0, 0, 0, False
        number = 0
        try:
            target.prepare_schema()
            steps = _steps(mirror, target, workspace, run_id, threading.Event())
            ledger = _Ledger(mirror, target)
            try:
                for batch, counted in steps:
                    _absorb(tally, counted)
                    if batch is None:
                        break
                    number += 1
                    if cancel is not None and cancel.is_set():
                        cancelled = True
                        break
                    outcome = target.send(workspace, batch)
                    ledger.record(outcome.delivered)
                    sent += 1
                    processed += len(batch)
                    written += len(outcome.delivered)
                    present += outcome.present
                    tally.changes.update(outcome.changes)
                    for source_id, reason in outcome.refused:
                        tally.refuse(source_id, reason)
                    if progress is not None:
                        progress(
                            ExportProgress(
                                number,
                                max(number, planned_batches),
                                written,
                                tally.skipped + present,
                                max(planned_rows - processed, 0),
                            )
                        )
            finally:
                steps.close()  # stops a walk reading ahead, closes its connection
                ledger.close()  # every delivered batch recorded before the apply ends
        except ExportFailed:
            raise
        except ExportError as exc:
            done = (
                f" ({plural(written, 'observation')} {were(written)} written before this and "
                "recorded; "
                "run the export again to send the rest)"
                if written
                else ""
            )
            raise ExportFailed(f"{exc}{done}") from None
        return ExportResult(
            target_kind=target.kind,
            target_id=target.target_id,
            workspace=workspace,
            run_id=run_id,
            written=written,
            skipped=tally.skipped + present,
            skip_reason=target.skip_reason,
            batches=sent,
            cancelled=cancelled,
            details=target.stats(),
            tally=tally,
        )
    finally:
        target.close()
