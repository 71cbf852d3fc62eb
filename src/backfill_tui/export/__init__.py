"""Export the mirror's observations to production: its Postgres table or its Inngest pipeline.

    plan = plan_export(db, PostgresTarget(dsn), workspace)     # dry run: changes nothing
    result = apply_export(plan, progress=callback)             # writes, records in the mirror

``export_cli`` is the headless face; a terminal UI screen calls the same two functions.
"""

from .common import (
    ExportError,
    ExportFailed,
    ExportPlan,
    ExportProgress,
    ExportResult,
    ExportTarget,
    apply_export,
    export_now,
    export_status,
    plan_export,
)
from .inngest import DEFAULT_BASE_URL, InngestTarget, RetryPolicy
from .postgres import PostgresTarget

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
    "RetryPolicy",
    "apply_export",
    "export_now",
    "export_status",
    "plan_export",
]
