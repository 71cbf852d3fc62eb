"""What of a page a stream keeps under ``--max-items`` (the per-stream cap), and how big a
stream looks from its first page.

Pure functions over a connector's :class:`~backfill_tui.connectors.Page`; the engine's stream
loop (``engine/run.py``) calls them before committing the page, and the estimate
(``engine/estimate.py``) sizes each stream from its first page with :func:`first_page_estimate`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from ..connectors import ItemFailure, Page
from ..connectors.base import provider_time
from ..models import SourceEvent

__all__ = [
    "PageEstimate",
    "extrapolate",
    "first_page_estimate",
    "item_keys",
    "kept_notes",
    "within_cap",
]


def within_cap(
    page: Page, room: int
) -> tuple[list[SourceEvent], list[ItemFailure], str | None, bool]:
    """The part of a page that fits under ``--max-items``: (events, failures, capped_at, done).

    ``capped_at`` says how far a capped stream got: the window field's value of the last kept
    item (``Page.windowed``, else its ``occurredAt``, which is the window's field where the
    stream does not say), in the mirror's form to the second (``2026-11-28T09:14:03+00:00``,
    as every other time the summary shows). It named a Linear issue's creation, days before
    the window, with microseconds (a fresh tester's finding). A page that exactly fills the
    cap on the stream's last page is not a cap.
    """
    done = page.next_cursor is None and page.stalled is None
    count = len(page.events) + len(page.failures)
    if count < room or (count == room and done):
        return page.events, page.failures, None, done
    events = page.events[: max(0, room - len(page.failures))]
    failures = page.failures[: room - len(events)]
    if events:
        last = events[-1]
        reached = _to_the_second(page.windowed.get(last.sourceId) or last.occurredAt)
    else:
        reached = _to_the_second(page.reached) if page.reached else "the first page"
    return events, failures, reached, True


def _to_the_second(value: str) -> str:
    """A provider's time as the mirror writes it, cut to the second; as given if unreadable."""
    moment = provider_time(value)
    return value if moment is None else moment.replace(microsecond=0).isoformat()


def item_keys(page: Page) -> tuple[list[str], bool]:
    """The keys of the items a page listed that its stream knows, and whether that is every
    item: its events' sourceIds, and its failed and skipped items' keys (the stream's key
    function; marked apart by a leading NUL, so that no such key reads as another item's
    sourceId). A malformed item's key may not tell it apart (``?`` when unreadable: a GitHub
    item without its number, once keyed ``#None``): failed items count only when their keys on the
    page are readable and all different; otherwise, as with a skipped item of no known key,
    the keys are not every item. ``PagingGuard.check`` tells by them a page of nothing but
    items already read (a server ignoring the cursor)."""
    keys = [event.sourceId for event in page.events]
    failed = {"\0" + failure.key for failure in page.failures}
    if len(failed) == len(page.failures) and "\0?" not in failed:
        keys += failed
    keys += ["\0" + key for key in page.skipped_keys]
    every = len(keys) >= len(page.events) + len(page.failures) + page.skipped
    return keys, every


def kept_notes(page: Page, events: list[SourceEvent]) -> list[tuple[str, str]]:
    """(sourceId, reason) of the page's partly read items that were kept under the cap."""
    kept = {e.sourceId for e in events}
    return [(n.key, n.reason) for n in page.item_notes if n.key in kept]


def extrapolate(in_window: int, now: datetime, cutoff: datetime, oldest: datetime | None) -> int:
    """Items in the whole window, from ``in_window`` items reaching back to ``oldest``:
    ``in_window × (now − cutoff) / (now − oldest)``, rounded up, never fewer than counted."""
    if oldest is None or in_window == 0:
        return in_window
    covered = (now - oldest).total_seconds()
    window = (now - cutoff).total_seconds()
    if covered <= 0:
        return in_window
    return max(in_window, math.ceil(in_window * window / covered))


@dataclass(frozen=True)
class PageEstimate:
    """A stream's size judged from its first page: ``items`` in the window, ``exact`` when the
    page held the whole window, ``api_calls`` the pages that will take."""

    items: int
    exact: bool
    api_calls: int


def first_page_estimate(
    page: Page, *, now: datetime, cutoff: datetime, since: datetime | None, max_items: int
) -> PageEstimate:
    """How many items a stream holds in its window, from its first ``page``.

    The items on the page in the window (only those newer than ``since`` on a re-sync, which
    fetches only what is newer: ``engine/resync.py``'s gap rule); when more pages follow,
    extrapolated linearly over time (:func:`extrapolate`) from how far back the page reached
    (``Page.reached``, else its oldest occurrence) to ``since`` or the window's ``cutoff``;
    at most ``max_items`` (the per-stream cap). ``now``, ``cutoff`` and ``since`` are aware
    datetimes on the run's clock.
    """
    in_window = len(page.events) + len(page.failures)
    if since is not None:
        in_window = sum(1 for e in page.events if (provider_time(e.occurredAt) or now) >= since)
    reached = provider_time(page.reached)
    if reached is None:  # a connector that does not say: the oldest occurrence
        reached = min(
            (m for m in (provider_time(e.occurredAt) for e in page.events) if m), default=None
        )
    exact = page.next_cursor is None or (
        since is not None and reached is not None and reached <= since
    )
    items, calls = in_window, 1
    if not exact:
        items = extrapolate(in_window, now, since or cutoff, reached)
        calls = max(2, math.ceil(items / in_window)) if in_window else 2
    if items > max_items:
        items, exact = max_items, False
        calls = min(calls, max(1, math.ceil(max_items / max(in_window, 1))))
    return PageEstimate(items, exact, calls)
