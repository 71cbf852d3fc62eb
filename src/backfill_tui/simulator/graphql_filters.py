"""Linear's filter language for the simulated GraphQL API, and its request errors.

``matches(node, filter, now)`` evaluates a ``filter`` argument against a built node the way
Linear documents it: comparators (``eq`` … ``nin``, ``null``, the ``IgnoreCase`` and string
forms), nested object filters (``issue: {team: {key: {eq: "ENG"}}}``), ``some``/``every`` on
collections and ``and``/``or``. Dates compare as instants; an operand may be an ISO-8601
duration relative to now (``-P30D``). Used by ``graphql_server``.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

__all__ = ["QueryError", "instant", "matches"]

Json = dict[str, Any]
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$")
_DURATION = re.compile(r"^(-)?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")


class QueryError(Exception):
    """A request the server refuses, with its HTTP status and Linear's error code."""

    def __init__(self, message: str, code: str = "GRAPHQL_VALIDATION_FAILED", status: int = 400):
        super().__init__(message)
        self.message, self.code, self.status = message, code, status


_ORDER: dict[str, Callable[[Any, Any], Any]] = {
    "eq": operator.eq,
    "neq": operator.ne,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}
_COMPARATORS = {
    "eq",
    "neq",
    "gt",
    "gte",
    "lt",
    "lte",
    "in",
    "nin",
    "null",
    "eqIgnoreCase",
    "neqIgnoreCase",
    "contains",
    "containsIgnoreCase",
    "startsWith",
    "endsWith",
}


def matches(obj: Any, flt: Json, now: float) -> bool:
    if not flt:
        return True
    if not isinstance(obj, dict):
        return False
    for key, cond in flt.items():
        if key == "and":
            ok = all(matches(obj, f, now) for f in cond or [])
        elif key == "or":
            ok = any(matches(obj, f, now) for f in cond or [])
        elif key not in obj:
            raise QueryError(
                f'Field "{key}" is not defined by type "{obj.get("__typename")}Filter".'
            )
        else:
            ok = _field_matches(obj[key], cond, now, key)
        if not ok:
            return False
    return True


def _field_matches(value: Any, cond: Any, now: float, name: str) -> bool:
    if not isinstance(cond, dict):
        raise QueryError(f'Filter on "{name}" must be an object.', "INVALID_INPUT")
    for op, operand in cond.items():
        if op in ("some", "every"):
            if not isinstance(value, list):
                raise QueryError(f'"{op}" applies to collections, not "{name}".')
            test = any if op == "some" else all
            ok = test(matches(v, operand or {}, now) for v in value)
        elif op in _COMPARATORS:
            ok = _compare(value, op, operand, now)
        elif isinstance(value, dict):
            ok = matches(value, {op: operand}, now)
        elif value is None:
            ok = False
        else:
            raise QueryError(f'Unknown comparator "{op}" for field "{name}".')
        if not ok:
            return False
    return True


def _compare(value: Any, op: str, operand: Any, now: float) -> bool:
    if op == "null":
        return (value is None) == bool(operand)
    if value is None:
        return op in ("neq", "nin", "neqIgnoreCase")
    if op.endswith("IgnoreCase") or op in ("contains", "startsWith", "endsWith"):
        a, b = str(value), str(operand)
        if op.endswith("IgnoreCase"):
            a, b = a.lower(), b.lower()
        return {
            "eq": a == b,
            "neq": a != b,
            "contains": b in a,
            "startsWith": a.startswith(b),
            "endsWith": a.endswith(b),
        }[op.removesuffix("IgnoreCase")]
    if op in ("in", "nin"):
        found = any(_coerce(value, o, now)[0] == _coerce(value, o, now)[1] for o in operand or [])
        return found if op == "in" else not found
    a, b = _coerce(value, operand, now)
    try:
        return bool(_ORDER[op](a, b))
    except TypeError:
        raise QueryError(f"Cannot compare {value!r} with {operand!r}.", "INVALID_INPUT") from None


def _coerce(value: Any, operand: Any, now: float) -> tuple[Any, Any]:
    """Dates compare as instants (an operand may be an ISO duration such as ``-P30D``)."""
    if isinstance(value, str) and isinstance(operand, str) and _DATE.match(value):
        return instant(value, now), instant(operand, now)
    return value, operand


def instant(text: Any, now: float) -> float:
    if not isinstance(text, str):
        raise QueryError(f"Expected a DateTime or duration, got {text!r}.", "INVALID_INPUT")
    duration = _DURATION.match(text)
    if duration and text not in ("P", "-P"):
        sign, weeks, days, hours, minutes, seconds = duration.groups()
        delta = timedelta(
            weeks=int(weeks or 0),
            days=int(days or 0),
            hours=int(hours or 0),
            minutes=int(minutes or 0),
            seconds=int(seconds or 0),
        ).total_seconds()
        return now - delta if sign else now + delta
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise QueryError(f'Invalid DateTime "{text[:40]}".', "INVALID_INPUT") from None
