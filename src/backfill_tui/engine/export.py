"""Exporting a workspace's observations to production, as the faces start it: name the
destination (:func:`postgres_target`, :func:`inngest_target`), plan (a dry run that changes
nothing), then apply (writes, and records in the mirror what was sent).

    target = postgres_target(dsn)
    plan = plan_export(db, target, workspace)          # or export_now(...) to plan and apply
    result = apply_export(plan, progress=callback)

The destinations, the value rules and the walk are ``export/``'s; the faces go through here.
Here too: which observations came from the simulator (:func:`simulated_observations`), which
the plan counts and ``export_now`` refuses unless told (a tester exported 1,741 made-up demo
observations to a production table, warned of nothing).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from pathlib import Path

from ..errors import user_path
from ..export import (
    DEFAULT_BASE_URL,
    ExportFailed,
    ExportPlan,
    ExportProgress,
    ExportResult,
    ExportTarget,
    InngestTarget,
    PostgresTarget,
    RetryNotice,
    SendNotice,
    Stopped,
    WaitNotice,
    apply_export,
    export_status,
)
from ..export import export_now as _export_now
from ..export import plan_export as _plan_export
from ..export.outcome import Tally
from ..export.postgres import TABLE as PRODUCTION_TABLE
from ..export.target import ExportError
from ..export.values import Refused
from ..secrets_registry import holds_credential
from ..store.exports import open_for_reading, simulated_runs

__all__ = [
    "DEFAULT_BASE_URL",
    "PRODUCTION_TABLE",
    "ExportFailed",
    "ExportPlan",
    "ExportProgress",
    "ExportResult",
    "ExportTarget",
    "Refused",
    "RetryNotice",
    "SendNotice",
    "Stopped",
    "Tally",
    "WaitNotice",
    "apply_export",
    "export_now",
    "export_status",
    "inngest_target",
    "plan_export",
    "postgres_target",
    "simulated_note",
    "simulated_observations",
]


def simulated_observations(db: str | Path, workspace: str, run_id: str | None = None) -> int:
    """How many of the observations an export of ``workspace`` (``run_id``'s only, when given)
    would cover came from the built-in simulator: those first stored by a simulated run, or by
    a replay of a recording of one (a replay stores ``simulate`` 0, as it never asks the
    simulator, and what its recording's header said: ``runs.recording_simulated``). A replay
    stored by an older backfill-tui is told by its recording's header, and not counted once
    that file is gone. 0 where there is no mirror (the export says so itself)."""
    from ..recording.fileformat import peek_header

    path = user_path(db)
    if not path.is_file() or path.stat().st_size == 0:
        return 0
    conn = open_for_reading(path)
    try:
        runs = simulated_runs(conn, workspace, run_id)
    finally:
        conn.close()
    count = 0
    for _, simulate, recording, kept, stored in runs:
        if kept is not None:  # a replay: as its recording's header said when it was planned
            simulate = kept
        elif recording is not None:  # a replay of an older mirror: its header, if still there
            header = peek_header(recording)
            simulate = header is not None and header.simulated
        count += stored if simulate else 0
    return count


def simulated_note(count: int, total: int) -> str:
    """The line every face says of ``count`` simulated observations among ``total``."""
    these = f"all {total}" if count == total else f"{count} of the {total}"
    return (
        f"{these} observations to export came from the built-in simulator (simulated runs), "
        "not from the providers; exporting them puts made-up data in production"
    )


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
    """The dry run (:func:`backfill_tui.export.plan_export`), with how many of its observations
    were simulated (``ExportPlan.simulated``)."""
    plan = _plan_export(
        db, target, workspace, run_id, count=count, retrying=retrying, cancel=cancel
    )
    simulated = simulated_observations(db, workspace, plan.run_id)
    return dataclasses.replace(plan, simulated=simulated)


def export_now(
    db: str | Path,
    target: ExportTarget,
    workspace: str,
    run_id: str | None = None,
    *,
    include_simulated: bool = False,
    progress: Callable[[ExportProgress], None] | None = None,
    cancel: threading.Event | None = None,
    retrying: Callable[[SendNotice], object] | None = None,
) -> ExportResult:
    """``export --apply`` (:func:`backfill_tui.export.export_now`), with how many of its
    observations were simulated (``ExportResult.simulated``). Without ``include_simulated`` it
    refuses them before anything is read from or sent to the destination
    (:class:`ExportError`, exit status 2): made-up data goes to production only when asked for
    by name."""
    count = simulated_observations(db, workspace, run_id)
    if count and not include_simulated:
        raise ExportError(
            f"{count} of the observations to export came from the built-in simulator (simulated "
            "runs), not from the providers; nothing was written or sent; add --include-simulated "
            "to export them anyway (made-up data in production)"
        )
    result = _export_now(
        db, target, workspace, run_id, progress=progress, cancel=cancel, retrying=retrying
    )
    return dataclasses.replace(result, simulated=count)


def postgres_target(dsn: str, *, create_schema: bool = False) -> ExportTarget:
    """Production's Postgres table behind ``dsn`` (its form is checked now; nothing connects
    until a plan opens it). ``create_schema``: an apply may create the table first."""
    return PostgresTarget(dsn, create_schema=create_schema)


def inngest_target(
    event_key: str, *, base_url: str | None = None, clerk_org: str | None = None
) -> ExportTarget:
    """Production's Inngest pipeline, sent events with ``event_key``: at ``base_url`` when
    given (not empty), else Inngest's own (:data:`DEFAULT_BASE_URL`); ``clerk_org`` when not
    empty (the face's form may hold an empty one). :class:`ExportError` for a ``clerk_org``
    holding a token (``secrets_registry.holds_credential``): it went into every event sent, in
    clear (a fresh tester's finding)."""
    if clerk_org and holds_credential(clerk_org):
        raise ExportError(
            "the Clerk org holds what looks like a token (not shown); give the org's id "
            "(org_...), or none"
        )
    return InngestTarget(
        event_key, base_url=base_url or DEFAULT_BASE_URL, clerk_org=clerk_org or None
    )
