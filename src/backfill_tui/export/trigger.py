"""Ask production to run its own backfills: one ``apps-console/backfill.requested`` per integration.

Production's backfill orchestrator (lightfast-data-model.md §7 and §9.1, Era A ``5d0218601``)
is an Inngest function triggered by ``apps-console/backfill.requested`` with ``data =
{integrationId, workspaceId, clerkOrgId, provider, userSourceId, depth, entityTypes,
requestedBy}``. We hand it the work rather than run a fleet ourselves.

    rows = read_rows(path)                   # CSV or JSON lines; TriggerFileError if unreadable
    plan = plan_trigger(rows, host, db)      # dry run: refusals, duplicates, the ledger
    result = apply_trigger(plan, api, db)    # sends in batches, records each in the ledger

Which rows are refused, and why (each with its 1-based line number):

- a provider without a backfill connector: at 5d0218601 only GitHub (entity types
  ``pull_request``, ``issue``, ``release``, all three by default) and Vercel (``deployment``)
  have one (§6 enums, ``packages/console-validation/src/schemas/sources.ts``); production's
  ``start`` refuses Linear and Sentry with "no connector" (§9.1 API), so we refuse them here;
  an unknown provider likewise;
- a depth not in {7, 30, 90} (``backfillDepthSchema``, §6); an empty one is 30, the depth
  production's own auto-trigger sends (§9.1, ``router/org/workspace.ts``);
- a missing integrationId, workspaceId, clerkOrgId or userSourceId; an entity type the
  provider's connector does not have (empty: the connector's defaults).

Each event's ``id`` is derived from (integrationId, depth, sorted entity types, UTC day), so a
repeated trigger on the same day carries the same id and Inngest does not start the
orchestrator again: "Inngest uses it to avoid starting functions again for a duplicate event
received within 24 hours" (https://www.inngest.com/docs/durable-execution/guides-and-advanced/
idempotency, "At the event producer"). A UTC day is shorter than that window, so any repeat of
an id is inside it. Rows of one file that make the same event collapse to one (counted as
duplicates); two rows with the same id but other fields that differ keep the first and refuse
the second.

The mirror's ledger (``store/triggers.py``) records every id delivered to an event API host. A
later trigger skips the ids it finds there (``resend=True`` sends them anyway, and Inngest
drops them): skipping keeps Inngest's event history free of repeats and lets a trigger that
failed part way send only the rest.

Errors: :class:`TriggerFileError` (exit status 2) for a file that cannot be read as rows at all;
:class:`~.common.ExportError` from the event API (a bad key or URL before sending).

Past 400 lines on purpose, for now: reading a file of rows, the event each becomes and sending
them are one feature read together; the HTTP part is shared with ``export inngest``
(``event_api.py`` and its ``event_*`` modules). Rows (``read_rows``) are the seam for a split.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import user_path
from ..secrets_registry import holds_credential
from ..store.exports import open_for_reading
from ..store.opening import held_here
from ..store.triggers import TriggerSent, record_sent, sent_among
from ..terms import DEFAULT_DEPTH, DEPTHS, plural
from ..textsafe import ascii_int
from .event_api import EventApi
from .event_batches import MAX_EVENTS, MAX_REQUEST_BYTES, batches, encode
from .target import ExportError, Stopped

EVENT_NAME = "apps-console/backfill.requested"
#: Production's backfill connectors at 5d0218601 and their entity types (all are the defaults).
CONNECTORS: dict[str, tuple[str, ...]] = {
    "github": ("pull_request", "issue", "release"),
    "vercel": ("deployment",),
}
#: Providers production knows (``sourceTypeSchema``) but cannot backfill at 5d0218601.
NO_CONNECTOR = ("linear", "sentry")
#: The event's data fields, in production's order; the four ids must be given.
FIELDS = (
    "integrationId",
    "workspaceId",
    "clerkOrgId",
    "provider",
    "userSourceId",
    "depth",
    "entityTypes",
    "requestedBy",
)
REQUIRED_IDS = ("integrationId", "workspaceId", "clerkOrgId", "userSourceId")
DEFAULT_REQUESTED_BY = "backfill-tui"
SAMPLE_SIZE = 3
_ENTITY_SPLIT = re.compile(r"[;,\s]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class TriggerFileError(ExportError):
    """The trigger file cannot be read as rows (missing, a folder, not UTF-8, binary, empty, no
    header); one line naming the file and how to mend it (exit status 2)."""


def _key(name: str) -> str:
    """A column name folded so that ``integrationId``, ``integration_id`` and ``Integration
    ID`` are one."""
    return re.sub(r"[\s_\-]", "", name).lower()


_FOLDED = {_key(name): name for name in FIELDS}


@dataclass(frozen=True)
class TriggerRow:
    """One accepted row: a backfill production should run. ``line``: 1-based, 0 for flags."""

    line: int
    integration_id: str
    workspace_id: str
    clerk_org_id: str
    provider: str
    user_source_id: str
    depth: int  #: days, 7, 30 or 90
    entity_types: tuple[str, ...]  #: sorted
    requested_by: str

    def event_id(self, day: str) -> str:
        """``backfill-requested-`` + 40 hex of SHA-256 over (integrationId, depth, entity types,
        ``day`` as YYYY-MM-DD UTC): the same backfill asked twice on one day is one event."""
        text = "\n".join((self.integration_id, str(self.depth), ",".join(self.entity_types), day))
        return f"backfill-requested-{hashlib.sha256(text.encode()).hexdigest()[:40]}"

    def data(self) -> dict[str, Any]:
        """The event's ``data``, as production's Zod schema names the fields."""
        return {
            "integrationId": self.integration_id,
            "workspaceId": self.workspace_id,
            "clerkOrgId": self.clerk_org_id,
            "provider": self.provider,
            "userSourceId": self.user_source_id,
            "depth": self.depth,
            "entityTypes": list(self.entity_types),
            "requestedBy": self.requested_by,
        }

    def event(self, day: str) -> dict[str, Any]:
        return {"id": self.event_id(day), "name": EVENT_NAME, "data": self.data()}


@dataclass(frozen=True)
class Refusal:
    """A row not sent: its 1-based line number and why, in one line."""

    line: int
    reason: str


@dataclass(frozen=True)
class TriggerEvent:
    """An accepted row with its event encoded (what :class:`EventApi` sends)."""

    row: TriggerRow
    event_id: str
    payload: bytes
    size: int


# -- reading a file ----------------------------------------------------------------------------


def read_rows(path: Path) -> tuple[list[tuple[int, dict[str, Any]]], list[Refusal]]:
    """The rows of a CSV (header row) or JSON-lines file, each with its 1-based line number,
    and the lines that are not rows at all (JSON lines that are not objects), as refusals.

    The format is told by the extension (``.csv``; ``.jsonl``, ``.ndjson``, ``.json``), else by
    the first character that is not blank (``{``: JSON lines). Raises
    :class:`TriggerFileError` for a file that is missing, a folder, unreadable, binary, not
    UTF-8, empty, or a CSV whose first line is not a header naming the required columns."""
    path = user_path(path)  # ~ as every other path the user types (a tester)
    text = _read_text(path)
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        as_json = True
    elif suffix == ".csv":
        as_json = False
    else:
        as_json = text.lstrip().startswith("{")
    return _json_lines(text) if as_json else _csv_rows(path, text)


def _read_text(path: Path) -> str:
    mend = "give --file a CSV or JSON-lines file with one row per integration"
    if held_here(path):  # the open mirror: never read outside SQLite (store/opening.py)
        raise TriggerFileError(f"{path} is the mirror in use here; {mend}")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise TriggerFileError(f"no file at {path}; {mend}") from None
    except IsADirectoryError:
        raise TriggerFileError(f"{path} is a directory; {mend}") from None
    except PermissionError:
        raise TriggerFileError(f"{path} cannot be read (permission denied)") from None
    except OSError as exc:
        raise TriggerFileError(f"{path} cannot be read ({exc.strerror or exc}); {mend}") from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _utf16_without_bom(data):
        # Excel's "Unicode text" and PowerShell's redirection write UTF-16; read as bytes it is
        # full of NULs and was called "a binary file" (a fresh tester's finding)
        raise TriggerFileError(f"{path} is UTF-16 text; save it as UTF-8 and try again")
    if b"\x00" in data:
        raise TriggerFileError(f"{path} is a binary file, not CSV or JSON lines; {mend}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise TriggerFileError(
            f"{path} is not UTF-8 text (line {line}); save it as UTF-8 and try again"
        ) from None
    if not text.strip():
        raise TriggerFileError(f"{path} is empty; {mend}")
    return text


#: Why a CSV row whose every value is empty is not sent (:func:`read_rows`).
EMPTY_ROW = "every value is empty; fill the row in or delete it"


def _csv_rows(path: Path, text: str) -> tuple[list[tuple[int, dict[str, Any]]], list[Refusal]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    opened = _unclosed_quote(text) if '"' in text else None
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        header = []
    if opened is not None and reader.line_num >= opened:  # the header took in the whole file
        raise TriggerFileError(f"{path} line {opened}: {_unclosed(opened, reader.line_num)}")
    known = {_FOLDED[_key(h)]: i for i, h in enumerate(header) if _key(h) in _FOLDED}
    columns = ",".join(FIELDS)
    if not known:  # no cell of the first line names a column we know
        named = ", ".join(repr(h.strip()) for h in header[:4] if h.strip())
        seen = f" (it names {named})" if named else ""
        raise TriggerFileError(
            f"{path}'s first line names none of the columns{seen}; it must be a header naming "
            f"them, e.g. {columns}"
        )
    _check_header(path, header)
    missing = [name for name in (*REQUIRED_IDS, "provider") if name not in known]
    if missing:
        raise TriggerFileError(
            f"{path}'s header has no {' or '.join(missing)} column; name the columns {columns}"
        )
    rows: list[tuple[int, dict[str, Any]]] = []
    refused: list[Refusal] = []
    try:
        for cells in reader:
            line = reader.line_num  # the line the record ends on (a quoted cell may span lines)
            if opened is not None and line >= opened:  # the last record: it ends the file
                refused.append(Refusal(opened, _unclosed(opened, line)))
                break
            if len(cells) <= 1 and not "".join(cells).strip():
                continue  # an empty line is no record, as a blank line of JSON lines is none
            if not any(cell.strip() for cell in cells):
                # a spreadsheet's blank row (",,,,,,,"): a record of nothing, refused with its
                # line as any row not sent is; it was passed over unsaid, not counted in the
                # rows read (a fresh tester's finding)
                refused.append(Refusal(line, EMPTY_ROW))
                continue
            while len(cells) > len(header) and not cells[-1].strip():
                cells.pop()  # trailing empty cells (a spreadsheet's export) say nothing
            if len(cells) != len(header):
                # Short or long, its values may sit under the wrong columns: a short row took
                # depth 30 and every entity type unsaid, a long one was sent as it fell (a
                # fresh tester's finding). RFC 4180 §2.4: each record has the header's fields.
                refused.append(
                    Refusal(
                        line,
                        f"{plural(len(cells), 'value')} under a header of {len(header)} columns; "
                        "give one value per column (empty for a default), and quote a value "
                        "holding a comma",
                    )
                )
                continue
            rows.append((line, {name: cells[i] for name, i in known.items()}))
    except csv.Error as exc:
        if "field limit" in str(exc):  # csv.field_size_limit(): 128 KiB, far past any id
            raise TriggerFileError(
                f"{path} line {reader.line_num} holds a value longer than "
                f"{csv.field_size_limit() // 1024} KiB; no id or name is that long: check that "
                "line (a value pasted whole, or a file that is not this list)"
            ) from None
        raise TriggerFileError(f"{path} line {reader.line_num} is not CSV ({exc})") from None
    return rows, refused


def _utf16_without_bom(data: bytes) -> bool:
    """Whether ``data`` reads as UTF-16 text with no byte-order mark: ASCII text in UTF-16 has
    a NUL in every other byte, on the odd bytes (little-endian) or the even ones (big)."""
    head = data[:512]
    if len(head) < 4 or len(head) % 2:
        return False
    odd, even = head[1::2], head[0::2]
    return (odd.count(0) == len(odd) and 0 not in even) or (
        even.count(0) == len(even) and 0 not in odd
    )


def _unclosed_quote(text: str) -> int | None:
    r"""The line (1-based) where a quoted value opens that no quote closes, else None.

    Python's csv module (not strict, as read here) takes such a value to the end of the file,
    newlines and the rows after it too, and says nothing: the record read "1 value under a
    header of 8 columns; … quote a value holding a comma" at the file's last line, and every
    row after the quote was lost unsaid (a fresh tester's finding). This follows the reader's
    rules for the excel dialect: a quote opens a value only as its first character; inside,
    ``""`` is a quote; lines end at ``\r\n``, ``\r`` or ``\n``, as ``line_num`` counts
    them."""
    line, opened, state, previous = 1, 0, "start", ""
    for char in text:
        if state == "quoted":
            state = "closing" if char == '"' else "quoted"
        elif state == "closing":  # a quote inside a quoted value: "" or its end
            state = "quoted" if char == '"' else "start" if char in ",\r\n" else "field"
        elif char == '"' and state == "start":
            state, opened = "quoted", line
        else:
            state = "start" if char in ",\r\n" else "field"
        if char == "\r" or (char == "\n" and previous != "\r"):
            line += 1
        previous = char
    return opened if state == "quoted" else None


def _unclosed(opened: int, last: int) -> str:
    """Why the value a quote on line ``opened`` began, read to the file's end (``last``),
    is no row."""
    rest = ""
    if last > opened:
        rest = f", so lines {opened} to {last} (the rest of the file) read as one value"
    return (
        f"a quote opened and never closed{rest}; close the quote (a quote inside a quoted "
        'value is written twice: "")'
    )


def _unknown_column(name: str) -> str:
    """``'entityType'`` said with the column it most likely means (``entityTypes``)."""
    import difflib

    near = difflib.get_close_matches(_key(name), list(_FOLDED), n=1, cutoff=0.75)
    return f"{name.strip()!r}" + (f" (did you mean {_FOLDED[near[0]]}?)" if near else "")


def _check_header(path: Path, header: list[str]) -> None:
    """Refuse a header naming a column no field has, or one field twice (raises
    :class:`TriggerFileError`): a typo (``entityType``) was dropped without a word and every
    row went with the default, all entity types; of two ``integrationId`` columns the second
    won (a fresh tester's finding)."""
    unknown = [h for h in header if h.strip() and _key(h) not in _FOLDED]
    if unknown:
        raise TriggerFileError(
            f"{path}'s header names {plural(len(unknown), 'column')} no event field has: "
            f"{', '.join(map(_unknown_column, unknown))}; the columns are {','.join(FIELDS)}"
        )
    named = [_FOLDED[_key(h)] for h in header if h.strip()]
    twice = sorted({name for name in named if named.count(name) > 1})
    if twice:
        raise TriggerFileError(f"{path}'s header names {', '.join(twice)} twice; name it once")


def _json_lines(text: str) -> tuple[list[tuple[int, dict[str, Any]]], list[Refusal]]:
    rows: list[tuple[int, dict[str, Any]]] = []
    refused: list[Refusal] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError:
            refused.append(Refusal(number, "not a JSON object"))
            continue
        if not isinstance(value, dict):
            refused.append(Refusal(number, "not a JSON object"))
            continue
        unknown = [k for k in value if _key(k) not in _FOLDED]
        if unknown:  # a typo would send the field's default unsaid (as a CSV header's would)
            names = ", ".join(map(_unknown_column, unknown))
            refused.append(Refusal(number, f"no event field is named {names}"))
            continue
        folded = {_FOLDED[_key(k)]: v for k, v in value.items()}
        rows.append((number, folded))
    return rows, refused


# -- checking a row ----------------------------------------------------------------------------


def check_row(
    line: int, fields: Mapping[str, Any], names: Mapping[str, str] | None = None
) -> TriggerRow | Refusal:
    """A row as production's ``backfill.requested`` takes it, or why not (see the module).

    ``fields``: values by event field name (strings, or a number/list from JSON); ``names``:
    how a reason names each field (the CLI's flags), else the field name itself."""

    def name(field_name: str) -> str:
        return (names or {}).get(field_name, field_name)

    for field_name, value in fields.items():  # first, unechoed: every reason repeats its value
        if isinstance(value, str) and holds_credential(value):
            return Refusal(  # it was printed by the dry run and sent (a fresh tester's finding)
                line,
                f"{name(field_name)} holds what looks like a token (not shown); give the id "
                "production knows it by",
            )

    def text(field_name: str) -> str | None:
        value = fields.get(field_name)
        if value is None:
            return ""
        if not isinstance(value, str):
            return None
        return value.strip()

    provider = text("provider")
    if provider is None:
        return Refusal(line, f"{name('provider')} is not text")
    provider = provider.lower()
    if not provider:
        return Refusal(line, f"no {name('provider')}; production backfills github or vercel")
    if provider in NO_CONNECTOR:
        return Refusal(
            line,
            f"{provider} has no backfill connector in production (only github and vercel); "
            "production's start refuses it",
        )
    if provider not in CONNECTORS:
        return Refusal(
            line, f"unknown provider '{provider}'; production backfills github or vercel"
        )
    ids: dict[str, str] = {}
    for field_name in REQUIRED_IDS:
        value = text(field_name)
        if value is None:
            return Refusal(line, f"{name(field_name)} is not text")
        if not value:
            return Refusal(line, f"no {name(field_name)}")
        if _CONTROL.search(value):
            return Refusal(line, f"{name(field_name)} holds a control character")
        ids[field_name] = value
    depth = _depth(fields.get("depth"))
    if depth is None:
        given = _given(fields.get("depth"))
        return Refusal(line, f"{name('depth')} {given} is not 7, 30 or 90 (days)")
    entities = _entities(fields.get("entityTypes"))
    if entities is None:
        return Refusal(line, f"{name('entityTypes')} is not a list of names")
    offered = CONNECTORS[provider]
    unknown = [e for e in entities if e not in offered]
    if unknown:
        return Refusal(
            line,
            f"{provider} has no entity type '{unknown[0]}'; choose from {', '.join(offered)}",
        )
    requested_by = text("requestedBy")
    if requested_by is None or _CONTROL.search(requested_by or ""):
        return Refusal(line, f"{name('requestedBy')} is not one line of text")
    return TriggerRow(
        line=line,
        integration_id=ids["integrationId"],
        workspace_id=ids["workspaceId"],
        clerk_org_id=ids["clerkOrgId"],
        provider=provider,
        user_source_id=ids["userSourceId"],
        depth=depth,
        entity_types=tuple(sorted(set(entities or offered))),
        requested_by=requested_by or DEFAULT_REQUESTED_BY,
    )


#: How a JSON value that is not text is named in a refusal: ``true (a boolean)``.
_JSON_TYPES: tuple[tuple[type, str], ...] = (
    (bool, "a boolean"),
    (int, "a number"),
    (float, "a number"),
    (list, "a list"),
    (dict, "an object"),
)


def _given(value: Any) -> str:
    """A field's value as a refusal shows it: text quoted (``'14'``), a value from JSON as JSON
    writes it with its type (``true (a boolean)``, ``14 (a number)``), cut at 40 characters."""
    if isinstance(value, str):
        return repr(value.strip()[:40])
    for kind, label in _JSON_TYPES:
        if isinstance(value, kind):
            shown = json.dumps(value, ensure_ascii=True)
            return f"{shown[:40]}{'…' if len(shown) > 40 else ''} ({label})"
    return repr(str(value)[:40])


def _depth(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return DEFAULT_DEPTH
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = int(value) if float(value).is_integer() else None
    elif isinstance(value, str):
        try:
            number = ascii_int(value)
        except ValueError:
            return None
    else:
        return None
    return number if number in DEPTHS else None


def _entities(value: Any) -> list[str] | None:
    if value is None:
        return []
    if isinstance(value, str):
        return [part for part in _ENTITY_SPLIT.split(value.strip()) if part]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value if v.strip()]
    return None


# -- the plan ----------------------------------------------------------------------------------


def today() -> str:
    """Today's UTC date, YYYY-MM-DD: the day an event id is derived from."""
    return datetime.now(UTC).date().isoformat()


@dataclass
class TriggerPlan:
    """What a trigger would do (a dry run changes nothing).

    ``host``: where it goes, as messages say it; ``target``: what the ledger records it went
    to (``event_endpoint.ledger_target``: the host and the event key's fingerprint); ``events``:
    the events to send, in file order; ``already``: event id → when the ledger says it went
    to this target (skipped unless ``resend``); ``duplicates``: (line, first line) of rows
    that made an event an earlier row already made; ``refused``: rows not sent."""

    host: str
    day: str
    resend: bool
    rows: int
    target: str = ""
    events: list[TriggerEvent] = field(default_factory=list)
    already: dict[str, str] = field(default_factory=dict)
    duplicates: list[tuple[int, int]] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    batch_sizes: list[int] = field(default_factory=list)

    @property
    def to_send(self) -> list[TriggerEvent]:
        if self.resend:
            return list(self.events)
        return [e for e in self.events if e.event_id not in self.already]

    @property
    def skipped(self) -> int:
        return len(self.events) - len(self.to_send)

    def sample(self) -> list[dict[str, Any]]:
        return [json.loads(e.payload) for e in self.to_send[:SAMPLE_SIZE]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "dry_run": True,
            "event": EVENT_NAME,
            "target": self.host,
            "day": self.day,
            "rows": self.rows,
            "events": len(self.events),
            "would_send": len(self.to_send),
            "already_sent": len(self.already),
            "skipped_already_sent": self.skipped,
            "duplicates_in_file": len(self.duplicates),
            "refused": [{"line": r.line, "reason": r.reason} for r in self.refused],
            "batches": len(self.batch_sizes),
            "sample": self.sample(),
        }


def plan_trigger(
    rows: Sequence[TriggerRow | Refusal],
    host: str,
    db: Path | None,
    *,
    resend: bool = False,
    day: str | None = None,
    max_events: int = MAX_EVENTS,
    max_bytes: int = MAX_REQUEST_BYTES,
    target: str | None = None,
) -> TriggerPlan:
    """The dry run over checked rows (:func:`check_row`): events in file order with duplicates
    collapsed, what the ledger at ``db`` says went to ``target`` before (default ``host``; a
    missing mirror: nothing), and the batch sizes a send within ``max_events`` and ``max_bytes``
    would cut. Reads the mirror without writing or migrating it."""
    plan = TriggerPlan(
        host=host, day=day or today(), resend=resend, rows=len(rows), target=target or host
    )
    first: dict[str, TriggerRow] = {}
    for item in rows:
        if isinstance(item, Refusal):
            plan.refused.append(item)
            continue
        event_id = item.event_id(plan.day)
        earlier = first.get(event_id)
        if earlier is not None:
            if earlier.data() == item.data():
                plan.duplicates.append((item.line, earlier.line))
            else:
                plan.refused.append(
                    Refusal(
                        item.line,
                        f"the same integrationId, depth and entity types as line {earlier.line} "
                        "with other fields that differ; keep one of them",
                    )
                )
            continue
        first[event_id] = item
        payload = encode(item.event(plan.day))
        plan.events.append(TriggerEvent(item, event_id, payload, len(payload)))
    plan.refused.sort(key=lambda r: r.line)
    if db is not None and db.is_file() and db.stat().st_size:
        conn = open_for_reading(db)
        try:
            plan.already = sent_among(conn, plan.target, [e.event_id for e in plan.events])
        finally:
            conn.close()
    plan.batch_sizes = [len(b) for b in batches(plan.to_send, max_events, max_bytes)]
    return plan


# -- sending -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TriggerProgress:
    """After each batch: events sent so far and how many the trigger sends in all."""

    sent: int
    total: int


@dataclass
class TriggerResult:
    """What an applied trigger did; ``failed`` is the one line saying why it stopped early."""

    plan: TriggerPlan
    sent: int = 0
    batches: int = 0
    requests: int = 0
    retries: int = 0
    refused_by_api: list[tuple[str, str]] = field(default_factory=list)  #: (event id, reason)
    failed: str | None = None
    #: Stopped on request (``apply_trigger``'s ``cancel``) before every event was sent.
    cancelled: bool = False

    @property
    def complete(self) -> bool:
        return (
            self.failed is None
            and not self.cancelled
            and not self.plan.refused
            and not self.refused_by_api
        )

    def to_dict(self) -> dict[str, Any]:
        plan = self.plan
        return {
            "dry_run": False,
            "event": EVENT_NAME,
            "target": plan.host,
            "day": plan.day,
            "rows": plan.rows,
            "sent": self.sent,
            "already_sent": len(plan.already),
            "skipped_already_sent": plan.skipped,
            "duplicates_in_file": len(plan.duplicates),
            "refused": [{"line": r.line, "reason": r.reason} for r in plan.refused]
            + [{"event_id": i, "reason": r} for i, r in self.refused_by_api],
            "batches": self.batches,
            "requests": self.requests,
            "retries": self.retries,
            "failed": self.failed,
        }


def apply_trigger(
    plan: TriggerPlan,
    api: EventApi,
    db: Path,
    *,
    progress: Callable[[TriggerProgress], None] | None = None,
    cancel: threading.Event | None = None,
) -> TriggerResult:
    """Send the plan's events in batches within the event API's limits, recording each batch in
    the mirror's ledger at ``db`` (made or migrated if need be) as soon as Inngest has taken it.
    A batch that fails for good stops the trigger: ``result.failed`` says why, and what was
    sent stays recorded. ``cancel`` set stops it between batches, or during a batch's retries
    when ``api`` was made with it as its ``stop`` (``result.cancelled``). Raises the mirror's
    :class:`~..errors.BackfillError` before sending if the ledger cannot be opened."""
    from ..store import Mirror

    result = TriggerResult(plan)
    todo = plan.to_send
    mirror = Mirror.open(db)
    try:
        api.open()
        try:
            for batch in api.batches(todo):
                if cancel is not None and cancel.is_set():
                    result.cancelled = True
                    break
                try:
                    done = api.send(batch)
                except Stopped:
                    result.cancelled = True
                    break
                except ExportError as exc:
                    result.failed = str(exc)
                    break
                result.refused_by_api.extend((e.event_id, why) for e, why in done.refused)
                record_sent(mirror.conn, plan.target, [_ledger_row(e) for e in done.delivered])
                result.sent += len(done.delivered)
                result.batches += 1
                if progress is not None:
                    progress(TriggerProgress(result.sent, len(todo)))
        finally:
            api.close()
    finally:
        mirror.close()
    result.requests, result.retries = api.requests, api.retries
    return result


def _ledger_row(event: TriggerEvent) -> TriggerSent:
    row = event.row
    return TriggerSent(
        event_id=event.event_id,
        integration_id=row.integration_id,
        workspace_id=row.workspace_id,
        provider=row.provider,
        depth_days=row.depth,
        entity_types=",".join(row.entity_types),
        requested_by=row.requested_by,
    )
