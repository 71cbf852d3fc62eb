"""Export the mirror's observations to production: its Postgres table or its Inngest pipeline.

    plan = plan_export(db, PostgresTarget(dsn), workspace)     # dry run: changes nothing
    result = apply_export(plan, progress=callback)             # writes, records in the mirror

``cli/export.py`` is the headless face; the terminal UI's export screen calls the same two
functions, both through ``engine/export.py``.
"""

from .common import apply_export, export_now, export_status, plan_export
from .inngest import DEFAULT_BASE_URL, InngestTarget, RetryPolicy
from .outcome import ExportPlan, ExportProgress, ExportResult
from .postgres import PostgresTarget
from .target import (
    ExportError,
    ExportFailed,
    ExportTarget,
    LockWait,
    RetryNotice,
    SendNotice,
    Stopped,
    WaitNotice,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "ExportError",
    "ExportFailed",
    "ExportPlan",
    "ExportProgress",
    "ExportResult",
    "ExportTarget",
    "InngestTarget",
    "LockWait",
    "PostgresTarget",
    "RetryNotice",
    "RetryPolicy",
    "SendNotice",
    "Stopped",
    "WaitNotice",
    "apply_export",
    "export_now",
    "export_status",
    "plan_export",
]
