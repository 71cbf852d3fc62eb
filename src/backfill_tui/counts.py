"""Counts in words: ``1 stream``, ``2 streams``, ``1 item was``, ``2 items were``.

Every count followed by its noun in the headless output, the summary, the report and the app
goes through :func:`plural`, so no face says "1 streams" (English: one is singular, zero and
more are plural).
"""

from __future__ import annotations


def plural(count: int, one: str, many: str | None = None) -> str:
    """``1 page``, ``2 pages``, ``0 pages``; ``many`` for an irregular plural (``"entries"``)."""
    return f"{count} {noun(count, one, many)}"


def noun(count: int, one: str, many: str | None = None) -> str:
    """The noun alone, agreeing with ``count``: ``noun(1, "run")`` is ``run``."""
    return one if count == 1 else (many or one + "s")


def were(count: int) -> str:
    """``was`` for one, ``were`` for any other count."""
    return "was" if count == 1 else "were"
