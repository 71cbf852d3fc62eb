"""What each column of the mirror's ``runs``, ``streams`` and ``run_sources`` tables may hold,
checked in one place as a row is read (``RunRecord.from_row``, ``StreamRecord.from_row``,
``Mirror.run_sources``).

The README invites opening the mirror with ``sqlite3``, so rows get edited by hand, and SQLite
keeps whatever it is given: text in an INTEGER column (``UPDATE runs SET pid = 'abc'``), a
date that is no date, a blob where text belongs. Read as they were, such values became an
``internal error`` (exit 70) wherever they were first used: ``runs`` for a text ``pid``,
``report`` for a text ``fetched``, ``resume`` for a ``since`` that is no instant, a resumed
stream for a text ``max_items`` (fresh testers' findings). Every column is now checked when its
row is read, against what backfill-tui writes there (``schema.py``, ``mirror.py``), and a value
it never writes is one :class:`~backfill_tui.errors.MirrorError` (exit 2): the table, the row
(run id, or the stream and its row id), the column, the value, and how to set it back, with
an ``UPDATE`` statement where a value is known to be safe. Nothing is changed: reading never
writes.

What needs more than the row is checked where that knowledge loads, in this module's wording
(:func:`unwritten`): a run's ``simulator`` settings, parsed when a resume would use them, and
the providers and entities of a run to resume, which only the connectors know
(``engine/runs.py``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..errors import MirrorError
from ..terms import DEPTHS, MAX_COUNT, RunStatus, StreamStatus

__all__ = [
    "RUN_COLUMNS",
    "RUN_STATUSES",
    "SOURCE_COLUMNS",
    "STREAM_COLUMNS",
    "STREAM_STATUSES",
    "check_run_row",
    "check_source_row",
    "check_stream_row",
    "sql_literal",
    "stream_row",
    "unwritten",
]

#: The largest process id a system gives (``pid_t`` is a signed 32-bit integer): a larger one
#: stored made ``os.kill`` raise OverflowError when asking whether the run's process lives.
MAX_PID = 2**31 - 1


@dataclass(frozen=True)
class Column:
    """What one column holds: ``check(value)`` is True for a value backfill-tui writes there;
    ``written`` says it in the user's words ("a whole number from 0"); ``safe`` is an SQL value
    that may always be set instead (``NULL``, ``0``), or None when only the user knows it."""

    check: Callable[[Any], bool]
    written: str
    safe: str | None = None
    nullable: bool = False


def _text(value: Any) -> bool:
    return isinstance(value, str)


def _whole(low: int, high: int | None = None) -> Callable[[Any], bool]:
    def check(value: Any) -> bool:
        return (
            isinstance(value, int)
            and not isinstance(value, bool)
            and value >= low
            and (high is None or value <= high)
        )

    return check


def _seconds(value: Any) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value) and value >= 0


def _flag(value: Any) -> bool:
    return isinstance(value, int) and value in (0, 1)


def _instant(value: Any) -> bool:
    """An ISO 8601 instant with its UTC offset (a naive one cannot be compared with the run's
    clock: the window's cutoff and a re-sync's start are compared with aware instants)."""
    return _parsed_instant(value) is not None


def _parsed_instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _json_list(item: Callable[[Any], bool]) -> Callable[[Any], bool]:
    def check(value: Any) -> bool:
        try:
            listed = json.loads(value)
        except (ValueError, TypeError):
            return False
        return isinstance(listed, list) and all(item(one) for one in listed)

    return check


def _source(value: Any) -> bool:
    """``provider:target``, both parts non-empty (as ``SourceSpec`` writes a source)."""
    if not isinstance(value, str):
        return False
    provider, colon, target = value.partition(":")
    return bool(provider and colon and target)


def _one_of(values: tuple[str, ...]) -> Callable[[Any], bool]:
    return lambda value: value in values


_INSTANT = "an ISO 8601 instant with its UTC offset, such as 2026-11-25T06:56:13+00:00"
#: The most a stored count may hold: far past any run (--max-items is at most 10^9), and low
#: enough that summing every stream of a page of runs cannot pass SQLite's 64-bit integers.
#: A count edited to 9223372036854775807 made the runs overview's sum overflow, and the app
#: ended with an internal error (a fresh tester's finding).
MAX_STORED_COUNT = 10**12
_COUNT = Column(_whole(0, MAX_STORED_COUNT), "a whole number from 0 to 10^12", safe="0")


def _text_column(what: str, *, nullable: bool = True) -> Column:
    return Column(_text, what, nullable=nullable)


#: The statuses the mirror stores, as the mend names them (the shown-only ones, ``interrupted``
#: and ``capped``, are never written, though a row holding one has always been read).
RUN_STATUSES = tuple(str(s) for s in RunStatus if s is not RunStatus.INTERRUPTED)
STREAM_STATUSES = tuple(
    str(s) for s in StreamStatus if s not in (StreamStatus.INTERRUPTED, StreamStatus.CAPPED)
)

#: Every column of ``runs`` (schema.py), in table order.
RUN_COLUMNS: dict[str, Column] = {
    "id": _text_column("the run's id as text", nullable=False),
    "workspace_id": _text_column("the workspace id as text", nullable=False),
    "sources": Column(_json_list(_source), 'a JSON list of "provider:target"'),
    "depth_days": Column(
        lambda value: _whole(1)(value) and value in DEPTHS, "the window's days: 7, 30 or 90"
    ),
    "since": Column(_instant, f"{_INSTANT} (the window's start)"),
    "entities": Column(
        _json_list(_text), "a JSON list of entity names, or NULL for all", nullable=True
    ),
    # at most what a run may be given (engine.plan.validate_max_items): 99999999999999 was read
    # as a cap no run can have, in runs, report and resume (a fresh tester's finding)
    "max_items": Column(
        _whole(1, MAX_COUNT),
        f"a whole number from 1 to {MAX_COUNT:,} (items per stream; the default 1000)",
    ),
    "status": Column(_one_of(tuple(RunStatus)), f"one of {', '.join(RUN_STATUSES)}"),
    "simulate": Column(_flag, "0 (the live APIs) or 1 (the simulator)"),
    "simulator": _text_column("simulator settings such as seed=7,scale=0.2, or NULL"),
    "pid": Column(
        _whole(1, MAX_PID), "a process id (a whole number) or NULL", safe="NULL", nullable=True
    ),
    "host": Column(_text, "a host name or NULL", safe="NULL", nullable=True),
    "started_at": Column(_instant, f"{_INSTANT} (when the run started)"),
    "finished_at": Column(_instant, f"{_INSTANT}, or NULL", safe="NULL", nullable=True),
    "error": Column(_text, "text or NULL", safe="NULL", nullable=True),
    "recording": _text_column("the recording's path as text, or NULL"),
    "recording_sha256": _text_column("the recording's SHA-256 as text, or NULL"),
    "recorded_to": _text_column("the recording's path as text, or NULL"),
    "simulator_left_out": _text_column("option names such as token, or NULL"),
    "recording_simulated": Column(
        lambda value: value is None or _flag(value),
        "0 (a replay of a live run), 1 (of a simulated one) or NULL",
        safe="NULL",
        nullable=True,
    ),
    "ran_s": Column(_seconds, "seconds, a number from 0 (its spans before a resume)", safe="0"),
    "resumed_at": Column(_instant, f"{_INSTANT}, or NULL", safe="NULL", nullable=True),
    "recording_masked": Column(
        lambda value: value is None or _whole(0)(value),
        "a whole number of 0 or more, or NULL",
        safe="NULL",
        nullable=True,
    ),
    "replayed_at": Column(
        _instant, f"{_INSTANT} (when it was replayed), or NULL", safe="NULL", nullable=True
    ),
}

#: Every column of ``streams`` (schema.py), in table order; ``id`` is SQLite's own rowid.
STREAM_COLUMNS: dict[str, Column] = {
    "run_id": _text_column("its run's id as text", nullable=False),
    "provider": _text_column("the provider's name as text", nullable=False),
    "target": _text_column("the target as text", nullable=False),
    "entity": _text_column("the entity's name as text", nullable=False),
    "status": Column(_one_of(tuple(StreamStatus)), f"one of {', '.join(STREAM_STATUSES)}"),
    "cursor": _text_column("the next page's cursor as text, or NULL"),
    "fetched": _COUNT,
    "new": _COUNT,
    "duplicates": _COUNT,
    "failed": _COUNT,
    "pages": _COUNT,
    "api_calls": _COUNT,
    "rate_limit_wait_s": Column(_seconds, "seconds, a number from 0", safe="0"),
    "capped": Column(_flag, "0 or 1 (capped by --max-items)", safe="0"),
    "capped_at": _text_column("text or NULL"),
    "error": Column(_text, "text or NULL", safe="NULL", nullable=True),
    "updated_at": Column(_instant, f"{_INSTANT}, or NULL", safe="NULL", nullable=True),
    "note": Column(_text, "text or NULL", safe="NULL", nullable=True),
    "estimate": Column(_whole(0), "a whole number from 0, or NULL", safe="NULL", nullable=True),
    # NULL: the stream fetches its whole window again, which a re-sync only narrows
    "fetch_since": Column(
        _instant, f"{_INSTANT}, or NULL (the whole window)", safe="NULL", nullable=True
    ),
    "resync_of": _text_column("a run id as text, or NULL"),
    "mend": Column(_text, "text or NULL", safe="NULL", nullable=True),
    # 1: a later page's 404 ended the stream short, so it covers no window for a re-sync (1 is
    # the safe mend: the next re-sync reads that stream's whole window)
    "ended_short": Column(_flag, "0 or 1 (ended short by a resource gone between pages)", safe="1"),
    # 0 is the safe mend: the estimate is then taken as made before the run, as it was
    "sized": Column(_flag, "0 or 1 (1: its estimate judged from its first page)", safe="0"),
}


#: Every column of ``run_sources`` (schema.py): a source's calls, waits and last quota in a run.
SOURCE_COLUMNS: dict[str, Column] = {
    "run_id": _text_column("its run's id as text", nullable=False),
    "provider": _text_column("the provider's name as text", nullable=False),
    "target": _text_column("the target as text", nullable=False),
    "api_calls": _COUNT,
    "rate_limit_wait_s": Column(_seconds, "seconds, a number from 0", safe="0"),
    "error": Column(_text, "text or NULL", safe="NULL", nullable=True),
    # as the provider reported them: any whole number
    "quota_remaining": Column(
        _whole(-(2**63)), "a whole number or NULL", safe="NULL", nullable=True
    ),
    "quota_limit": Column(_whole(-(2**63)), "a whole number or NULL", safe="NULL", nullable=True),
    "waited_s": Column(_seconds, "seconds, a number from 0, or NULL", safe="NULL", nullable=True),
    # the provider's id of the source, from the run's first lookup (a resume looks it up by it)
    "resource_id": Column(_text, "text or NULL", safe="NULL", nullable=True),
    "owner": _text_column("the owning account's id as text, or NULL"),
}


def check_run_row(data: Mapping[str, Any]) -> None:
    """Raise :class:`MirrorError` for the first column of a ``runs`` row (``data``: column
    name to value, as SQLite returned them) holding what backfill-tui never writes there."""
    what = f"run {_label(data.get('id'))}"
    key = f"id = {sql_literal(data.get('id'))}"
    _check_row("runs", RUN_COLUMNS, data, what, key, derive=True)


def check_stream_row(data: Mapping[str, Any]) -> None:
    """Raise :class:`MirrorError` for the first column of a ``streams`` row holding what
    backfill-tui never writes there (as :func:`check_run_row`)."""
    what = stream_row(
        data.get("provider"), data.get("target"), data.get("entity"), data.get("run_id"),
        data.get("id"),
    )  # fmt: skip
    key = f"id = {sql_literal(data.get('id'))}"
    _check_row("streams", STREAM_COLUMNS, data, what, key)


def check_source_row(data: Mapping[str, Any]) -> None:
    """Raise :class:`MirrorError` for the first column of a ``run_sources`` row holding what
    backfill-tui never writes there (as :func:`check_run_row`)."""
    provider, target = data.get("provider"), data.get("target")
    what = f"source {_label(provider)}:{_label(target)} of run {_label(data.get('run_id'))}"
    key = " AND ".join(
        f"{name} = {sql_literal(data.get(name))}" for name in ("run_id", "provider", "target")
    )
    _check_row("run_sources", SOURCE_COLUMNS, data, what, key)


def _check_row(
    table: str,
    columns: Mapping[str, Column],
    data: Mapping[str, Any],
    what: str,
    key: str,
    *,
    derive: bool = False,
) -> None:
    """The check the ``check_*_row`` functions share: :class:`MirrorError` for the first of
    ``columns`` that ``data`` holds a value of that backfill-tui never writes, naming the row
    (``what``, found by ``key``) and the mend (a value worked out from the row's other columns
    where ``derive``, as a run's ``since`` from its ``started_at`` and ``depth_days``)."""
    for name, column in columns.items():
        if name in data and not _holds(column, data[name]):
            derived = _derived(name, data) if derive else None
            raise unwritten(
                what, table, name, data[name], column.written, key=key,
                safe=derived or _safe(column, name, data[name]),
            )  # fmt: skip


def stream_row(provider: Any, target: Any, entity: Any, run_id: Any, row_id: Any) -> str:
    """How a line names a ``streams`` row: ``stream github:acme/rocket/issue of run … (row id
    3)`` (the row id is what an ``UPDATE ... WHERE id = 3`` needs)."""
    stream = f"{_label(provider)}:{_label(target)}/{_label(entity)}"
    return f"stream {stream} of run {_label(run_id)} (row id {_label(row_id)})"


def unwritten(
    what: str,
    table: str,
    column: str,
    value: Any,
    written: str,
    *,
    key: str,
    safe: str | None = None,
    shown: str | None = None,
    also: str = "",
) -> MirrorError:
    """The one line for a mirror value backfill-tui never writes: ``what`` names the row (``run
    20261202-…``), ``table.column`` the column, ``value`` is shown (at most 60 characters; a
    blob by its size; ``shown`` instead when the value must not be echoed), ``written`` says
    what belongs there, and ``safe`` (an SQL expression) makes the mend one statement:
    ``UPDATE table SET column = safe WHERE key``; ``also``: another way out, said last."""
    mend = f"set it back to {written} with sqlite3"
    if safe is not None:
        mend += f": UPDATE {table} SET {column} = {safe} WHERE {key}"
    if also:
        mend += f"; {also}"
    return MirrorError(
        f"the mirror's {what} has {column} {shown or _shown(value)} (column {table}.{column}), "
        f"which backfill-tui never writes (edited by hand?); {mend}"
    )


def sql_literal(value: Any) -> str:
    """``value`` as an SQL literal: ``'text'`` (quotes doubled), ``X'hex'``, a number, NULL."""
    if value is None:
        return "NULL"
    if isinstance(value, bytes):
        return f"X'{value.hex()}'"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _holds(column: Column, value: Any) -> bool:
    return (value is None and column.nullable) or (value is not None and column.check(value))


def _safe(column: Column, name: str, value: Any) -> str | None:
    """The SQL value that mends ``value`` without losing it, else the column's safe value: a
    blob where text belongs is that text (``CAST(col AS TEXT)``)."""
    if isinstance(value, bytes) and column.check(""):
        return f"CAST({name} AS TEXT)"
    return column.safe


def _derived(name: str, data: Mapping[str, Any]) -> str | None:
    """A run's ``since``, ``started_at`` or ``depth_days`` from the other two, as the run
    computed it (``engine/run.py`` plan: since = started - depth days), when they are sound;
    a ``max_items`` past the most a run may be given, that most."""
    since, started = _parsed_instant(data.get("since")), _parsed_instant(data.get("started_at"))
    depth = data.get("depth_days")
    days = depth if _whole(1)(depth) else None
    if name == "since" and started is not None and days is not None:
        return sql_literal((started - timedelta(days=days)).isoformat())
    if name == "started_at" and since is not None and days is not None:
        return sql_literal((since + timedelta(days=days)).isoformat())
    if name == "max_items" and _whole(MAX_COUNT + 1)(data.get(name)):
        return str(MAX_COUNT)  # the most a run may be given, which no stream reaches either
    if name == "depth_days" and since is not None and started is not None:
        whole = round((started - since) / timedelta(days=1))
        return str(whole) if whole >= 1 else None
    return None


def _shown(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bytes):
        return f"a blob of {len(value)} bytes"
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:60] + "…")
    return repr(value)


def _label(value: Any) -> str:
    """A row's id or name as its line names it (a blob by its size)."""
    return value if isinstance(value, str) else _shown(value)
