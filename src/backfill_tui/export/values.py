"""What a destination can hold: each mirror value made storable, every change counted.

The mirror (SQLite) holds text that production's targets refuse: PostgreSQL's ``text`` and
``jsonb`` refuse U+0000 (NUL) (``jsonb`` also refuses the ``\\u0000`` escape and a lone UTF-16
surrogate such as ``\\ud800``), ``jsonb`` refuses ``NaN``/``Infinity`` (which Python's ``json``
writes), and neither a lone surrogate nor invalid UTF-8 can be encoded as the UTF-8 JSON
Inngest's event API reads. Production's capture workflow stores each Inngest event in the same
Postgres table, so both exports apply the same rules (docs/real-world.md, "Export targets"):

    NUL (U+0000)                       -> U+FFFD, in text and in JSON strings and keys
    lone surrogate / invalid UTF-8     -> U+FFFD
    NaN / Infinity in JSON             -> null
    a timestamp without a time zone    -> read as UTC (the mirror writes UTC)
    an offset with seconds (+05:53:28) -> converted to UTC (production takes ±HH:MM)

A value that no rule can make storable (JSON that does not parse, a timestamp that is not
ISO-8601) refuses its row with a :class:`Refused` reason; the other rows are still written.
Rules are applied to a whole :class:`~backfill_tui.store.exports.ObservationRow` by
:func:`clean_row`, which returns the cleaned row and the kinds of change made, one entry per
value changed.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from ..errors import EXIT_INCOMPLETE, BackfillError
from ..store.exports import ObservationRow

REPLACEMENT = "\ufffd"

NUL = "NUL (U+0000) replaced by U+FFFD"
SURROGATE = "lone surrogate or invalid UTF-8 replaced by U+FFFD"
NON_FINITE = "NaN/Infinity in JSON replaced by null"
NAIVE_TIME = "timestamp without a time zone read as UTC"
SECONDS_OFFSET = "offset with seconds (e.g. +05:53:28) converted to UTC"
BAD_SCORE = "significance score not a number within real's range replaced by null"

_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")
# Anything in a JSON text that may need the slow path: a NUL or surrogate escape or character,
# or a non-finite number. A false alarm only costs a parse.
_SUSPECT_JSON = re.compile(r"\\u(?:0000|[dD][89a-fA-F])|NaN|Infinity|[\x00\ud800-\udfff]")

TEXT_FIELDS = (
    "workspace_id", "source", "source_type", "source_id", "observation_type", "title", "content",
)  # fmt: skip
JSON_FIELDS = ("actor", "source_references", "metadata")
TIME_FIELDS = ("occurred_at", "captured_at", "created_at")


class Refused(BackfillError):
    """A row the destination cannot hold, whatever is changed; ``str()`` says why in one line.
    The row is skipped and counted; an export that refused rows exits 1."""

    exit_status = EXIT_INCOMPLETE


def decode_text(raw: bytes) -> str:
    """The mirror's text as read by the export: invalid UTF-8 becomes lone surrogates
    (``surrogateescape``), which :func:`clean_text` then replaces and counts."""
    return raw.decode("utf-8", "surrogateescape")


def needs_cleaning(value: str) -> bool:
    """Whether :func:`clean_text` would change ``value``."""
    return _BAD_TEXT.search(value) is not None


def clean_text(value: str) -> tuple[str, list[str]]:
    """``value`` with NUL and lone surrogates replaced by U+FFFD, and the kinds of change."""
    if _BAD_TEXT.search(value) is None:
        return value, []
    kinds: list[str] = []
    if "\x00" in value:
        kinds.append(NUL)
        value = value.replace("\x00", REPLACEMENT)
    if _BAD_TEXT.search(value) is not None:
        kinds.append(SURROGATE)
        value = _BAD_TEXT.sub(REPLACEMENT, value)
    return value, kinds


def _walk(value: Any, kinds: set[str]) -> Any:
    if isinstance(value, str):
        cleaned, changed = clean_text(value)
        kinds.update(changed)
        return cleaned
    if isinstance(value, float) and not math.isfinite(value):
        kinds.add(NON_FINITE)
        return None
    if isinstance(value, list):
        return [_walk(v, kinds) for v in value]
    if isinstance(value, dict):
        return {_walk(k, kinds): _walk(v, kinds) for k, v in value.items()}
    return value


def clean_json(
    value: str | None, field: str, *, valid: bool = True
) -> tuple[str | None, list[str]]:
    """A JSON column's text made storable in ``jsonb`` (see the module's table). ``valid``
    says SQLite's ``json_valid`` took the text (parsing every value in Python would cost more
    than the write itself); a text it did not take, or one that looks suspect, is parsed.

    Raises :class:`Refused` when the text is not JSON at all."""
    if value is None or (valid and _SUSPECT_JSON.search(value) is None):
        return value, []
    try:
        parsed = json.loads(value)
    except ValueError:
        raise Refused(f"{field} is not JSON") from None
    kinds: set[str] = set()
    cleaned = _walk(parsed, kinds)
    if not kinds:
        return value, []
    return json.dumps(cleaned, ensure_ascii=False, allow_nan=False), sorted(kinds)


def clean_time(value: str, field: str) -> tuple[str, list[str]]:
    """An ISO-8601 timestamp with its offset kept (``+05:45``, ``+14:00``, ``-12:00``, ``Z``);
    fractions beyond microseconds are cut, as PostgreSQL rounds them anyway; a value without a
    zone is read as UTC. Raises :class:`Refused` for text that is not ISO-8601."""
    try:
        when = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise Refused(f"{field} {value[:40]!r} is not an ISO-8601 timestamp") from None
    if when.tzinfo is None:
        return when.replace(tzinfo=UTC).isoformat(), [NAIVE_TIME]
    offset = when.utcoffset()
    if offset is not None and (offset.seconds % 60 or offset.microseconds):
        # Production's occurredAt rule (Zod datetime({offset: true})) takes ±HH:MM only.
        try:
            return when.astimezone(UTC).isoformat(), [SECONDS_OFFSET]
        except OverflowError:
            raise Refused(f"{field} {value[:40]!r} is outside the years 1-9999") from None
    return when.isoformat(), []


def clean_row(row: ObservationRow) -> tuple[ObservationRow, list[str]]:
    """The row with every value made storable, and one change kind per value changed.

    Raises :class:`Refused` when a value cannot be made storable."""
    changes: list[str] = []
    updates: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        value = getattr(row, name)
        cleaned, kinds = clean_text(value)
        if kinds:
            updates[name] = cleaned
            changes.extend(kinds)
    for name in JSON_FIELDS:
        value = getattr(row, name)
        if value is None:
            continue
        found: set[str] = set()
        if _BAD_TEXT.search(value) is not None:  # raw NUL/surrogate characters in the text
            value, kinds = clean_text(value)
            found.update(kinds)
        cleaned_json, kinds = clean_json(value, name, valid=row.json_ok)
        found.update(kinds)
        if found:
            updates[name] = cleaned_json
            changes.extend(sorted(found))
    for name in TIME_FIELDS:
        cleaned, kinds = clean_time(getattr(row, name), name)
        updates[name] = cleaned
        changes.extend(kinds)
    score = row.significance_score
    if score is not None and not _storable_score(score):
        updates["significance_score"] = None  # PostgreSQL's real holds about ±3.4e38
        changes.append(BAD_SCORE)
    return replace(row, **updates, json_ok=True), changes


def _storable_score(score: object) -> bool:
    """Whether a stored significance score goes into PostgreSQL's ``real`` as it stands: a
    finite number within about ±3.4e38. A text or blob there (a hand edit: ``'high'``) was an
    internal TypeError that failed the whole export, and the dry run, which reads it as SQLite's
    ``abs`` does (0), predicted a write the table then refused."""
    return (
        isinstance(score, int | float)
        and not isinstance(score, bool)
        and math.isfinite(score)
        and abs(score) <= 3.4e38
    )


_CANONICAL_TIME = (
    "({c} GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]"
    "[+-][01][0-9]:[0-5][0-9]' AND substr({c}, 12, 2) < '24' AND substr({c}, 1, 4) <> '0000' "
    "AND (substr({c}, 9, 2) <= '28' OR date(substr({c}, 1, 10), '+0 days') = substr({c}, 1, 10)))"
)


def suspect_sql(limits: dict[str, int]) -> str:
    """A SQLite expression over an ``observations`` row that is 0 only where every value is
    already storable as it stands: no NUL in any text, JSON that ``json_valid`` takes with no
    NUL escape and no ``\\ud``/``\\uD`` escape (a surrogate, paired or not: a paired one only
    costs a parse), timestamps in the mirror's own form (``2026-01-10T05:45:00+05:45``)
    naming a real date, and texts within ``limits`` (column -> characters). Rows it flags go
    through :func:`clean_row`; the rest skip all per-value work in Python, which is what lets
    an export keep pace with ``COPY``. (Text that is not UTF-8 is caught on reading.)"""
    checks = [f"instr(CAST({name} AS BLOB), x'00')" for name in TEXT_FIELDS]
    for name in JSON_FIELDS:
        checks.append(
            f"({name} IS NOT NULL AND (instr({name}, '\\u0000') OR instr({name}, '\\ud') "
            f"OR instr({name}, '\\uD') OR NOT json_valid({name})))"
        )
    checks.extend(f"NOT {_CANONICAL_TIME.format(c=name)}" for name in TIME_FIELDS)
    checks.extend(
        f"length({name}) > {int(limit)}"
        for name, limit in sorted(limits.items())
        if name in TEXT_FIELDS or name == "external_id"
    )
    checks.append(  # a hand-edited text ('high', 'NaN') is no number: SQLite's abs reads it as 0
        "(significance_score IS NOT NULL AND (typeof(significance_score) NOT IN ('integer', "
        "'real') OR abs(significance_score) > 3.4e38))"
    )
    return "(" + " OR ".join(checks) + ")"
