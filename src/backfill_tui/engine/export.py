"""Exporting a run's observations to production, as the faces start it: plan (a dry run that
changes nothing), then apply (writes, and records in the mirror what was sent).

    plan = plan_export(db, target_for(destination, ...), workspace)
    result = apply_export(plan, progress=callback)

The destinations (:class:`PostgresTarget`, :class:`InngestTarget`), the value rules and the
walk are ``export/``'s; faces name them from here.
"""

from __future__ import annotations

from ..export import (
    DEFAULT_BASE_URL,
    ExportError,
    ExportFailed,
    ExportPlan,
    ExportProgress,
    ExportResult,
    ExportTarget,
    InngestTarget,
    PostgresTarget,
    apply_export,
    export_now,
    export_status,
    plan_export,
)
from ..export.common import Tally

__all__ = [
    "DEFAULT_BASE_URL",
    "ExportError",
    "ExportFailed",
    "ExportPlan",
    "ExportProgress",
    "ExportResult",
    "ExportTarget",
    "InngestTarget",
    "PostgresTarget",
    "Tally",
    "apply_export",
    "export_now",
    "export_status",
    "plan_export",
]
