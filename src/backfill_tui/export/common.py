"""The shape every export shares: a dry-run :class:`ExportPlan`, then :func:`apply_export`.

:func:`plan_export` reads the mirror without writing to it, asks the destination which of the
workspace's observations it already holds (a read-only query for Postgres, the mirror's ledger
for Inngest) and returns what would be sent, in batches, with a sample. Nothing is changed
anywhere. :func:`apply_export` sends the plan's rows batch by batch and records each delivered
batch in the mirror's ledger (``store/exports.py``) as soon as the destination has it, so an
interrupted export loses nothing and a repeat sends nothing new. Both block: a terminal UI runs
them in a worker thread and can stop an export between batches with ``cancel``.
"""

from __future__ import annotations

import abc
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import BackfillError
from ..store import Mirror
from ..store.exports import (
    ObservationRow,
    export_counts,
    exported_source_ids,
    observations,
    open_for_reading,
    record_exports,
    run_exists,
)

SAMPLE_SIZE = 5


class ExportError(BackfillError):
    """An export could not start or finish; one line, no secret (exit status 2)."""


class ExportTarget(abc.ABC):
    """A destination: opened for a plan (read-only) or for an apply, then closed."""

    kind: str = ""
    #: Why a skipped observation is skipped, in the user's words.
    skip_reason: str = ""

    @property
    @abc.abstractmethod
    def target_id(self) -> str:
        """Names the destination without secrets (known once opened)."""

    @abc.abstractmethod
    def open(self, *, apply: bool) -> None: ...

    @abc.abstractmethod
    def close(self) -> None: ...

    @abc.abstractmethod
    def present(
        self, workspace: str, rows: Sequence[ObservationRow], recorded: set[str]
    ) -> set[str]:
        """The sourceIds among ``rows`` the destination already has (``recorded``: the ledger's)."""

    @abc.abstractmethod
    def batches(
        self, workspace: str, rows: Sequence[ObservationRow]
    ) -> list[list[ObservationRow]]: ...

    def prepare(self) -> None:
        """Called once by an apply before the first batch (Postgres: ``--create-schema``)."""
        return None

    @abc.abstractmethod
    def send(self, workspace: str, batch: Sequence[ObservationRow]) -> list[ObservationRow]:
        """Deliver one batch; returns the rows the destination newly took."""

    def plan_details(self) -> dict[str, Any]:
        """Target-specific facts for the plan (e.g. that the table would be created)."""
        return {}

    def stats(self) -> dict[str, Any]:
        """Target-specific counters for the result (e.g. HTTP requests and retries)."""
        return {}


def sample_row(row: ObservationRow) -> dict[str, Any]:
    return {
        "source_id": row.source_id,
        "observation_type": row.observation_type,
        "occurred_at": row.occurred_at,
        "title": row.title,
    }


@dataclass
class ExportPlan:
    """What an export would do; computing it changed nothing. Pass it to :func:`apply_export`."""

    target: ExportTarget = field(repr=False)
    mirror_path: Path
    workspace: str
    run_id: str | None
    target_kind: str
    target_id: str
    total: int
    rows: list[ObservationRow] = field(repr=False)
    skipped: int
    skip_reason: str
    batch_sizes: list[int]
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def would_write(self) -> int:
        return len(self.rows)

    @property
    def sample(self) -> list[ObservationRow]:
        return self.rows[:SAMPLE_SIZE]

    def to_dict(self) -> dict[str, Any]:
        return {
            "dry_run": True,
            "target": self.target_kind,
            "target_id": self.target_id,
            "workspace": self.workspace,
            "run_id": self.run_id,
            "observations": self.total,
            "would_write": self.would_write,
            "skipped": self.skipped,
            "skip_reason": self.skip_reason,
            "batches": len(self.batch_sizes),
            "sample": [sample_row(r) for r in self.sample],
            **self.details,
        }


@dataclass(frozen=True)
class ExportProgress:
    """Sent to the ``progress`` callback after each batch."""

    batch: int
    batches: int
    written: int
    skipped: int
    remaining: int


@dataclass
class ExportResult:
    target_kind: str
    target_id: str
    workspace: str
    run_id: str | None
    written: int
    skipped: int
    skip_reason: str
    batches: int
    cancelled: bool = False
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "dry_run": False,
            "target": self.target_kind,
            "target_id": self.target_id,
            "workspace": self.workspace,
            "run_id": self.run_id,
            "written": self.written,
            "skipped": self.skipped,
            "skip_reason": self.skip_reason,
            "batches": self.batches,
            "cancelled": self.cancelled,
            **self.details,
        }


def export_status(db: str | Path, workspace: str) -> dict[tuple[str, str], int]:
    """How many of the workspace's observations each destination has taken, read-only:
    ``{("postgres", "host:5432/db"): 412, ("inngest", "inn.gs"): 300}``."""
    conn = open_for_reading(Path(db).expanduser())
    try:
        return export_counts(conn, workspace)
    finally:
        conn.close()


def plan_export(
    db: str | Path, target: ExportTarget, workspace: str, run_id: str | None = None
) -> ExportPlan:
    """The dry run: reads the mirror and the destination, changes neither."""
    path = Path(db).expanduser()
    conn = open_for_reading(path)
    try:
        if run_id is not None:  # a unique prefix names its run (UsageError if ambiguous)
            from ..store.browse import unique_run_id

            run_id = unique_run_id(conn, run_id) or run_id
        if run_id is not None and not run_exists(conn, run_id):
            raise ExportError(f"no run {run_id} in {path}; `backfill-tui runs` lists them")
        rows = observations(conn, workspace, run_id)
        if not rows:
            scope = f" from run {run_id}" if run_id else ""
            raise ExportError(
                f"no observations for workspace '{workspace}'{scope} in {path}; "
                "check --workspace (and --db), or run a backfill first"
            )
        target.open(apply=False)
        try:
            recorded = exported_source_ids(conn, workspace, target.kind, target.target_id)
            present = target.present(workspace, rows, recorded)
            to_send = [r for r in rows if r.source_id not in present]
            batches = target.batches(workspace, to_send)
            return ExportPlan(
                target=target,
                mirror_path=path,
                workspace=workspace,
                run_id=run_id,
                target_kind=target.kind,
                target_id=target.target_id,
                total=len(rows),
                rows=to_send,
                skipped=len(rows) - len(to_send),
                skip_reason=target.skip_reason,
                batch_sizes=[len(b) for b in batches],
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

    The destination is asked again first (another export may have run since the plan), and the
    Postgres writer dedups under a lock besides, so the rows a plan lists are written once.
    """
    target = plan.target
    mirror = Mirror.open(plan.mirror_path)
    try:
        target.open(apply=True)
        try:
            target.prepare()
            recorded = exported_source_ids(
                mirror.conn, plan.workspace, target.kind, target.target_id
            )
            present = target.present(plan.workspace, plan.rows, recorded)
            rows = [r for r in plan.rows if r.source_id not in present]
            skipped = plan.skipped + len(plan.rows) - len(rows)
            batches = target.batches(plan.workspace, rows)
            written, sent, remaining, cancelled = 0, 0, len(rows), False
            for number, batch in enumerate(batches, start=1):
                if cancel is not None and cancel.is_set():
                    cancelled = True
                    break
                try:
                    delivered = target.send(plan.workspace, batch)
                except ExportError as exc:
                    if written:
                        raise ExportError(
                            f"{exc} ({written} observations were written before this and are "
                            "recorded; run the export again to send the rest)"
                        ) from None
                    raise
                record_exports(mirror.conn, target.kind, target.target_id, delivered)
                sent += 1
                written += len(delivered)
                skipped += len(batch) - len(delivered)
                remaining -= len(batch)
                if progress is not None:
                    progress(ExportProgress(number, len(batches), written, skipped, remaining))
            return ExportResult(
                target_kind=target.kind,
                target_id=target.target_id,
                workspace=plan.workspace,
                run_id=plan.run_id,
                written=written,
                skipped=skipped,
                skip_reason=target.skip_reason,
                batches=sent,
                cancelled=cancelled,
                details=target.stats(),
            )
        finally:
            target.close()
    finally:
        mirror.close()
