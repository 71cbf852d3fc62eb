"""What of a page a stream keeps under ``--max-items`` (the per-stream cap).

Pure functions over a connector's :class:`~backfill_tui.connectors.Page`; the engine's stream
loop (``engine/run.py``) calls them before committing the page.
"""

from __future__ import annotations

from ..connectors import ItemFailure, Page
from ..models import SourceEvent

__all__ = ["kept_notes", "within_cap"]


def within_cap(
    page: Page, room: int
) -> tuple[list[SourceEvent], list[ItemFailure], str | None, bool]:
    """The part of a page that fits under ``--max-items``: (events, failures, capped_at, done).

    ``capped_at`` says how far a capped stream got (the last kept item's time); a page that
    exactly fills the cap on the stream's last page is not a cap.
    """
    done = page.next_cursor is None and page.stalled is None
    count = len(page.events) + len(page.failures)
    if count < room or (count == room and done):
        return page.events, page.failures, None, done
    events = page.events[: max(0, room - len(page.failures))]
    failures = page.failures[: room - len(events)]
    reached = events[-1].occurredAt if events else page.reached or "the first page"
    return events, failures, reached, True


def kept_notes(page: Page, events: list[SourceEvent]) -> list[tuple[str, str]]:
    """(sourceId, reason) of the page's partly read items that were kept under the cap."""
    kept = {e.sourceId for e in events}
    return [(n.key, n.reason) for n in page.item_notes if n.key in kept]
