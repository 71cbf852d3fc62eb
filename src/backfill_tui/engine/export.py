"""Exporting a workspace's observations to production, as the faces start it: name the
destination (:func:`postgres_target`, :func:`inngest_target`), plan (a dry run that changes
nothing), then apply (writes, and records in the mirror what was sent).

    target = postgres_target(dsn)
    plan = plan_export(db, target, workspace)          # or export_now(...) to plan and apply
    result = apply_export(plan, progress=callback)

The destinations, the value rules and the walk are ``export/``'s; the faces go through here.
"""

from __future__ import annotations

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
    export_now,
    export_status,
    plan_export,
)
from ..export.outcome import Tally
from ..export.postgres import TABLE as PRODUCTION_TABLE
from ..export.values import Refused

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
]


def postgres_target(dsn: str, *, create_schema: bool = False) -> ExportTarget:
    """Production's Postgres table behind ``dsn`` (its form is checked now; nothing connects
    until a plan opens it). ``create_schema``: an apply may create the table first."""
    return PostgresTarget(dsn, create_schema=create_schema)


def inngest_target(
    event_key: str, *, base_url: str | None = None, clerk_org: str | None = None
) -> ExportTarget:
    """Production's Inngest pipeline, sent events with ``event_key``: at ``base_url`` when
    given (not empty), else Inngest's own (:data:`DEFAULT_BASE_URL`); ``clerk_org`` when not
    empty (the face's form may hold an empty one)."""
    return InngestTarget(
        event_key, base_url=base_url or DEFAULT_BASE_URL, clerk_org=clerk_org or None
    )
