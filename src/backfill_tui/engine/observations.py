"""Observations as the faces browse them: a row of the list, one observation in full, and
whether production would keep it (its significance score against production's threshold).

Read models over the store (``store/browse.py`` runs the queries); :func:`literal_terms` says
which typed words are searched literally (ones full-text search cannot index).
"""

from __future__ import annotations

from ..store import THRESHOLD, ObservationDetail, ObservationRow, kept_by_production
from ..store.browse import literal_terms

__all__ = [
    "THRESHOLD",
    "ObservationDetail",
    "ObservationRow",
    "kept_by_production",
    "literal_terms",
]
