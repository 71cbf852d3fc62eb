"""The local SQLite mirror (the only place that speaks SQL)."""

from .browse import ObservationDetail, ObservationRow
from .mirror import Mirror, PageResult, PageWrite, upgrade_notes
from .opening import held_here
from .overview import RunTotals
from .records import RunRecord, StreamRecord, combined_status
from .rows import nanoid, now_iso, observation_row, observation_type
from .significance import THRESHOLD, kept_by_production, score

__all__ = [
    "THRESHOLD",
    "Mirror",
    "ObservationDetail",
    "ObservationRow",
    "PageResult",
    "PageWrite",
    "RunRecord",
    "RunTotals",
    "StreamRecord",
    "combined_status",
    "held_here",
    "kept_by_production",
    "nanoid",
    "now_iso",
    "observation_row",
    "observation_type",
    "score",
    "upgrade_notes",
]
