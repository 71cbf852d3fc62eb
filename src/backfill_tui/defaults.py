"""What a run is asked when the user does not say: the offered depths and the per-stream cap.

Kept apart from :mod:`models` (which needs pydantic) so that ``--help`` and argument parsing
load nothing heavy; :mod:`models` re-exports these names.
"""

from __future__ import annotations

DEPTHS: tuple[int, ...] = (7, 30, 90)  # days of history a backfill may cover
DEFAULT_DEPTH = 30  # days
DEFAULT_MAX_ITEMS = 1000  # items per stream
