"""The shape every export shares: a dry-run :class:`ExportPlan`, then :func:`apply_export`.

Both run the same walk over the mirror (``walk.py``: in chunks of sourceIds, never holding the
workspace in memory, asking the destination which it already holds and making the rest
storable), so the dry run predicts the apply exactly: rows written, skipped, refused, values
changed and batches (an Inngest 413, which only the server can tell, is the one exception: the
batches are then split). The plan only counts; :func:`apply_export` sends each batch and records
it in the mirror's ledger (``store/exports.py``) as soon as the destination has it, so an
interrupted export loses nothing and a repeat sends nothing new.

The destination's interface and the export's errors are ``target.py``; the plan and result a
face shows, ``outcome.py``.

Errors: :class:`ExportError` is bad input found before anything was sent (exit status 2);
:class:`ExportFailed` is the destination failing after the input was accepted (exit status 1);
:class:`MirrorCorrupt` (exit status 2) a damaged mirror: SQLite's ``quick_check`` runs over the
whole file before a dry run or an apply reads it (``check_whole``), and the walk stops where a
row it counted cannot be read (what was sent before is recorded).
Both block: a terminal UI runs them in a worker thread and can stop between batches (``cancel``).
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import MirrorCorrupt, MirrorError, user_path
from ..store import Mirror
from ..store.exports import (
    ObservationRow,
    count_observations,
    export_counts,
    observations_by_id,
    open_for_reading,
    run_exists,
    run_store,
)
from ..store.opening import check_whole
from ..terms import plural, suggest, were
from .outcome import ExportPlan, ExportProgress, ExportResult, Tally
from .target import ExportError, ExportFailed, ExportTarget, SendNotice, Stopped
from .walk import Ledger, absorb, walk
from .walk import steps as walk_steps

__all__ = ["apply_export", "export_now", "export_status", "plan_export"]


SAMPLE_SIZE = 5


def export_status(db: str | Path, workspace: str) -> dict[tuple[str, str], int]:
    """How many of the workspace's observations each destination has taken, read-only:
    ``{("postgres", "host:5432/db"): 412, ("inngest", "inn.gs"): 300}``."""
    conn = open_for_reading(user_path(db))
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
    retrying: Callable[[SendNotice], object] | None = None,
    cancel: threading.Event | None = None,
) -> ExportPlan:
    """The dry run: reads the mirror and the destination, changes neither. ``retrying`` is
    told what a read of the destination waits for (a Postgres ``LockWait``), as the apply's is;
    once ``cancel`` is set, a read waiting (on a lock) is stopped: :class:`Stopped`.

    With ``count=False`` (``export --apply``, which prints the apply's own summary) only the
    checks run: the rows are not walked, ``would_write`` is the mirror's count (an upper bound)
    and ``batch_sizes`` is empty.

    Raises :class:`ExportError` (bad input: no such run, no observations, a destination that
    cannot be reached or cannot take the rows at all, e.g. a NOT NULL column without default)."""
    path = user_path(db)
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
        check_whole(conn, path)  # what is sent to production is read whole, or not at all
        if retrying is not None:
            target.on_retry(retrying)
        if cancel is not None:
            target.stop_when(cancel.is_set)
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

            batches = (
                walk(
                    conn,
                    target,
                    workspace,
                    run_id,
                    tally,
                    counting=True,
                    sampler=keep,
                    mirror_path=path,
                )
                if count
                else ()
            )
            for batch in batches:
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
    retrying: Callable[[SendNotice], object] | None = None,
) -> ExportResult:
    """Send the plan's observations; each delivered batch is recorded in the mirror at once.
    ``retrying`` is told each wait before a batch is tried again (a ``RetryNotice``), and of a
    request with no answer after a few seconds (a ``WaitNotice``).

    The mirror and the destination are walked again (another export may have run since the
    plan), and the Postgres writer dedups under a lock besides, so each row is written once.
    Raises :class:`ExportFailed` (exit status 1) when the destination fails part way; what was
    delivered before is recorded and a repeat sends only the rest.
    """
    mirror = Mirror.open(plan.mirror_path)
    try:
        check_whole(mirror.conn, mirror.path)  # done by the plan, unless the file changed since
        return _apply(
            mirror, plan.target, plan.workspace, plan.run_id, plan, progress, cancel, retrying
        )
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
    retrying: Callable[[SendNotice], object] | None = None,
) -> ExportResult:
    """``export --apply`` in one pass, opening the mirror once: the checks a dry run makes
    (:class:`ExportError`, exit status 2, before anything is sent), then the apply
    (:class:`ExportFailed`, exit status 1, if the destination fails part way). ``retrying``:
    as :func:`apply_export`'s."""
    path = user_path(db)
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
        check_whole(mirror.conn, path)
        return _apply(mirror, target, workspace, run_id, None, progress, cancel, retrying)
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


def _apply(
    mirror: Mirror,
    target: ExportTarget,
    workspace: str,
    run_id: str | None,
    plan: ExportPlan | None,
    progress: Callable[[ExportProgress], None] | None,
    cancel: threading.Event | None,
    retrying: Callable[[SendNotice], object] | None = None,
) -> ExportResult:
    planned_rows = plan.would_write if plan is not None else 0
    planned_batches = len(plan.batch_sizes) if plan is not None else 0
    # both before open: a Postgres table locked is waited for (and stopped) from there on
    if retrying is not None:
        target.on_retry(retrying)
    if cancel is not None:
        target.stop_when(cancel.is_set)
    target.open(apply=True)
    try:
        target.check(workspace)
        tally = Tally()
        written, sent, present, processed, cancelled = 0, 0, 0, 0, False
        number = 0
        try:
            target.prepare_schema()
            steps = walk_steps(mirror, target, workspace, run_id, threading.Event())
            ledger = Ledger(mirror, target)
            try:
                for batch, counted in steps:
                    absorb(tally, counted)
                    if batch is None:
                        break
                    number += 1
                    if cancel is not None and cancel.is_set():
                        cancelled = True
                        break
                    try:
                        outcome = target.send(workspace, batch)
                    except Stopped:  # cancelled while the batch was retried: none of it sent
                        cancelled = True
                        break
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
        except Stopped:  # stopped while a statement waited (a lock): what was sent is recorded
            cancelled = True
        except (ExportError, MirrorCorrupt) as exc:
            done = (
                f" ({plural(written, 'observation')} {were(written)} written before this and "
                "recorded; "
                "run the export again to send the rest)"
                if written
                else ""
            )
            if isinstance(exc, MirrorCorrupt):  # a damaged page met by the walk: exit 2
                raise MirrorCorrupt(f"{exc}{done}", exc.problem) from None
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
