"""One API item through its transformer: an observation, or a counted failure with a reason.

What every stream does with each item it lists (``Stream.pages``): :func:`transform_item` runs
the provider's transformer and turns a malformed item into an :class:`ItemFailure` (its key and
one line of reason) instead of failing the stream; :func:`listed_key` is the item's key as the
paging guard and a catch-up compare them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from ..models import SourceEvent
from ..textsafe import clean


@dataclass(frozen=True)
class ItemFailure:
    """An item the API returned that could not become a valid SourceEvent."""

    key: str
    reason: str


Transform = Callable[[Any], SourceEvent]


def transform_item(
    item: Any, transform: Transform, key: Callable[[Any], str]
) -> SourceEvent | ItemFailure:
    """Run a transformer on one API item; a malformed item becomes a counted failure: a
    ``ValidationError``, a lookup or type error, or an ``ArithmeticError`` (``int()`` of
    ``1e400``, read as infinity, raises ``OverflowError``: it failed the whole stream as an
    internal error, the page's good items lost, a tester's finding)."""
    try:
        return transform(item)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        return ItemFailure(
            _safe_key(item, key), _one_line(f"invalid {where}: {first.get('msg')}", 300)
        )
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, ArithmeticError) as exc:
        kind = type(exc).__name__
        return ItemFailure(
            _safe_key(item, key), _one_line(f"unexpected item shape ({kind}: {exc})", 300)
        )


def _one_line(text: str, limit: int) -> str:
    """Provider text in a failure report: whitespace folded, control characters gone, bounded."""
    return " ".join(clean(text).split())[:limit] or "?"


def _safe_key(item: Any, key: Callable[[Any], str]) -> str:
    return _one_line(listed_key(key, item), 80)  # "?" for none


def listed_key(key: Callable[[Any], str], item: Any) -> str:
    """``key(item)`` as text (a listed item's key: a sourceId's distinguishing part), or ""
    where the item has none (malformed: ``key`` raised). For comparing pages' items: the
    paging guard's, and a catch-up's "already read"."""
    try:
        return str(key(item))
    except Exception:
        return ""


def json_kind(value: object) -> str:
    """What a JSON answer is, in words (``"an object"``, ``"an empty answer"``): a list's
    stream named Python's types ("with a NoneType, not a list", a fresh tester's finding)."""
    if value is None:
        return "an empty answer"
    if isinstance(value, bool):
        return "true or false"
    kinds = {dict: "an object", str: "a string", int: "a number", float: "a number"}
    return next((kind for cls, kind in kinds.items() if isinstance(value, cls)), "a value")


def not_an_object(item: Any, where: str) -> ItemFailure | None:
    """None for a JSON object; else ``item``'s failure, said in plain words: ``item 3 of page
    2 is a number, not an object`` (``where``: ``item 3 of page 2``, counted from 1, pages
    as this scan read them), the key ``where`` too, as such an item has none of its own.

    Every provider lists objects (provider-apis.md §1.3, §2.3, §3.4, §4.4); ``[1, null, "x"]``
    failed each item as ``?: unexpected item shape (AttributeError: 'int' object has no
    attribute 'get')`` (a fresh tester's finding)."""
    if isinstance(item, dict):
        return None
    return ItemFailure(where, f"{where} is {_item_kind(item)}, not an object")


def _item_kind(value: object) -> str:
    """What a listed item that is no object is, in words (``null``, ``a number``)."""
    if value is None:
        return "null"
    if isinstance(value, list):
        return "a list"
    return json_kind(value)
