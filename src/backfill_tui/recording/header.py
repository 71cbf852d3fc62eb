"""A recording's header (the run's parameters and start) and its ``run_end`` line, read strictly.

Every field a replay uses is read here by its type and form, so a value backfill-tui never
writes (a ``started_at`` of ``"garbage"``, ``null`` or ``12345``; a ``simulated`` of ``"yes"``;
a ``simulator`` of ``"faults=2"``; a ``run_end`` status of ``"weird"``) is refused as the file is read, naming the field, instead of
crashing the replay later or being taken for something else (``str(None)`` as a run id). The
trailer's SHA-256 is no seal against an edit (anyone may compute it again), so the reader
cannot trust a field because the checksum matched. :class:`EntryFault` (a ``ValueError``) says
which field; ``fileformat`` turns it into the file's one :class:`RecordingError` line, and
:class:`Fields` reads the exchanges' lines the same way (``exchange.py``). Whether
the values also pass the run's own rules (a depth of 7, 30 or 90...) is the planner's to say:
``engine.recording.Replay`` asks it, with the same rules a typed run meets.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..secrets_registry import holds_credential
from ..terms import RECORDING_FORMAT, RunStatus

__all__ = [
    "ENDS",
    "FORMAT",
    "READS_VERSIONS",
    "VERSION",
    "EntryFault",
    "Fields",
    "RecordingHeader",
    "RunEnd",
    "RunParameters",
    "shown",
]

FORMAT = RECORDING_FORMAT
#: Version 2 adds the ``run_end`` line (how the recorded run ended); version 1 files are read
#: as they are (their run's end is unknown).
VERSION = 2
READS_VERSIONS = (1, 2)

#: How a recorded run may have ended (its ``run_end`` status): a run's stored statuses but
#: ``running`` (``terms.combined_status`` never gives it; a run stopped by the mirror is
#: ``interrupted``).
ENDS = tuple(status.value for status in RunStatus if status is not RunStatus.RUNNING)
#: A run id as ``engine.plan.new_run_id`` makes one, or any id of its characters.
_RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
#: The instants a recorded run may start at, in epoch seconds: the years 1970 to 9000, as the
#: simulator's anchor (``simulator.config``), so a replay's clock, its cutoff (90 days back at
#: most) and its end stay well within what Python's datetime holds.
_EARLIEST, _LATEST = 0.0, datetime(9001, 1, 1, tzinfo=UTC).timestamp()
_YEARS = "between the years 1970 and 9000"


class EntryFault(ValueError):
    """One field of a recording's line (its header, an exchange, its ``run_end`` line) that is
    missing or not of the type and form backfill-tui writes; ``str()`` names it (``its header's
    run.started_at "garbage" is not a date and time with its UTC offset (ISO 8601)``, ``its
    exchange 3's status "abc" is not an HTTP status (100 to 999)``)."""


#: What a refusal says in place of a value that holds a credential.
NOT_SHOWN = "(a value that looks like a token, not shown)"


def shown(value: Any) -> str:
    """``value`` as a recording spells it (JSON, ASCII only: a control character is shown as
    its escape), cut to 40 characters, for a line naming a field's value; :data:`NOT_SHOWN`
    for one holding a token's shape or a registered secret (``holds_credential``): a header
    edited to hold ``ghp_…`` was echoed, 38 of its 40 characters (a fresh tester's finding)."""
    try:
        text = json.dumps(value, ensure_ascii=True)
    except (TypeError, ValueError):
        text = repr(value)
    if holds_credential(text) or (isinstance(value, str) and holds_credential(value)):
        return NOT_SHOWN
    return text if len(text) <= 40 else text[:39] + "…"


class Fields:
    """Reads the fields of one JSON object of the file (``where``: how a fault names them,
    ``its header's run.``; ``name``: how it names the object itself, by default ``where``
    without its dot). The exchanges' lines are read with it too (``exchange.py``)."""

    def __init__(self, data: Any, where: str, *, name: str | None = None) -> None:
        if not isinstance(data, dict):
            raise EntryFault(f"{name or where.rstrip('.')} is {shown(data)}, not an object")
        self.data = data
        self.where = where

    def said(self, key: str, fault: str) -> EntryFault:
        """``fault`` (``is empty``) said of field ``key`` and its value."""
        return EntryFault(f"{self.where}{key} {shown(self.data[key])} {fault}")

    def fault(self, key: str, should: str) -> EntryFault:
        return self.said(key, f"is not {should}")

    def get(self, key: str, default: Any = ...) -> Any:
        if key not in self.data:
            if default is ...:
                raise EntryFault(f"{self.where}{key} is missing")
            return default
        return self.data[key]

    def text(self, key: str) -> str:
        value = self.get(key)
        if not isinstance(value, str):
            raise self.fault(key, "text")
        return value

    def optional_text(self, key: str) -> str | None:
        value = self.get(key, None)
        if value is not None and not isinstance(value, str):
            raise self.fault(key, "text or null")
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.get(key)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fault(key, "a list of texts")
        return tuple(value)

    def whole(self, key: str) -> int:
        value = self.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fault(key, "a whole number")
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.get(key, default)
        if not isinstance(value, bool):
            raise self.fault(key, "true or false")
        return value

    def instant(self, key: str, *, bounded: bool = True) -> str:
        """An ISO 8601 date and time with its UTC offset; ``bounded``: within the years a
        replay can run from."""
        value = self.get(key)
        try:
            moment = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            raise self.fault(key, "a date and time with its UTC offset (ISO 8601)")
        if bounded and not _EARLIEST <= moment.timestamp() < _LATEST:
            raise self.fault(key, _YEARS)
        return str(value)

    def epoch(self, key: str) -> float:
        """Epoch seconds, within the years a replay can run."""
        value = self.get(key)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise self.fault(key, "a number of seconds")
        if not _EARLIEST <= value < _LATEST:
            raise self.fault(key, f"an instant {_YEARS} (epoch seconds)")
        return float(value)


@dataclass(frozen=True)
class RunParameters:
    """What ``run`` was asked, and the instant its window was computed from."""

    workspace: str
    sources: tuple[str, ...]
    depth: int
    entities: tuple[str, ...] | None
    max_items: int
    started_at: str  # ISO 8601: the run's "now"; the cutoff is started_at - depth days
    since: str
    #: Sources with their own choice of entities (the app's per-source checkboxes), each
    #: source as in ``sources`` to its entities; None when none has one (then not written, so
    #: such a header reads as before). A replay plans the same streams: it planned every
    #: entity of such a source, and failed the unrecorded stream (a tester's finding).
    source_entities: Mapping[str, tuple[str, ...]] | None = None

    def to_json(self) -> dict[str, Any]:
        data = {
            "workspace": self.workspace,
            "sources": list(self.sources),
            "depth": self.depth,
            "entities": list(self.entities) if self.entities is not None else None,
            "max_items": self.max_items,
            "started_at": self.started_at,
            "since": self.since,
        }
        if self.source_entities is not None:
            data["source_entities"] = {k: list(v) for k, v in self.source_entities.items()}
        return data

    @classmethod
    def from_json(cls, data: Any) -> RunParameters:
        """The header's ``run`` object, or :class:`EntryFault` naming its first bad field."""
        fields = Fields(data, "its header's run.")
        entities = fields.get("entities", None)
        return cls(
            workspace=fields.text("workspace"),
            sources=fields.texts("sources"),
            depth=fields.whole("depth"),
            entities=fields.texts("entities") if entities is not None else None,
            max_items=fields.whole("max_items"),
            started_at=fields.instant("started_at"),
            # A replay plans its cutoff again from started_at and depth, as the run did, and
            # refuses a since that disagrees (engine.recording.Replay._check_window).
            since=fields.instant("since", bounded=False),
            source_entities=_source_entities(fields),
        )


def _source_entities(fields: Fields) -> dict[str, tuple[str, ...]] | None:
    """The run's ``source_entities`` (a source in ``sources`` to a list of entities), None
    when absent; :class:`EntryFault` for any other shape."""
    value = fields.get("source_entities", None)
    if value is None:
        return None
    sources = fields.texts("sources")
    if not isinstance(value, dict) or not all(
        key in sources and isinstance(v, list) and all(isinstance(e, str) for e in v)
        for key, v in value.items()
    ):
        raise fields.fault("source_entities", "an object of this run's sources to entity lists")
    return {key: tuple(v) for key, v in value.items()}


@dataclass(frozen=True)
class RunEnd:
    """How the recorded run ended, as its recording says (the ``run_end`` line): its status
    (``completed``, ``partial``, ``failed``, ``cancelled``, ``interrupted``) and, when a stream
    failed or the run stopped, the first reason. A replay ends where the recording does: a
    request past the end of a cancelled run's recording is that end, not a mismatch.

    A recording may hold no ``run_end`` line: version 1 files, and a recording sealed by a run
    that stopped before it ended (the mirror refused its start, say: ``Recorder.end`` is then
    None). Its replay then ends where its answers do."""

    status: str
    reason: str | None = None
    #: Stream key → how many pages that stream had stored when it stopped, for each stream
    #: that stopped without completing or failing (cancelled, interrupted). Its recording may
    #: hold one more page than it stored: the page read ahead (``engine.run._ReadAhead``) or
    #: being transformed when the stop came was answered, and recorded, but never stored. A
    #: replay stops each such stream after as many pages as its original stored, so it ends
    #: where the original stream stopped, not a page later (a tester's finding). Empty in
    #: recordings made before it was written (their replays stop where their answers end).
    stops: dict[str, int] = field(default_factory=dict)
    #: When the run ended (its ``finished_at``, whole seconds), in seconds after the
    #: recording's ``clock_start``: its replay ends then too, so its finished time and
    #: ``ran_s`` are the recorded run's (a fresh tester's replays said 16, 17 and 16 s for a
    #: run of 12). None in recordings made before it was written.
    ended: float | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": "run_end", "status": self.status, "reason": self.reason}
        if self.stops:
            data["streams"] = dict(sorted(self.stops.items()))
        if self.ended is not None:
            data["ended"] = round(self.ended, 6)
        return data

    @classmethod
    def from_json(cls, data: Any) -> RunEnd:
        """A ``run_end`` line, or :class:`EntryFault` naming its first bad field."""
        fields = Fields(data, "its run_end line's ")
        status = fields.text("status")
        if status not in ENDS:
            raise fields.fault("status", "one of " + ", ".join(ENDS))
        reason = fields.optional_text("reason")
        streams = Fields(fields.get("streams", None) or {}, "its run_end line's streams.")
        stops = {key: streams.whole(key) for key in streams.data}
        if any(pages < 0 for pages in stops.values()):
            raise streams.fault(next(k for k, v in stops.items() if v < 0), "0 or more")
        ended = fields.get("ended", None)
        if ended is not None and (
            isinstance(ended, bool)
            or not isinstance(ended, int | float)
            or not 0 <= ended < _LATEST - _EARLIEST  # finite: the run's clock stays in range
        ):
            raise fields.fault("ended", "a number of seconds from 0")
        return cls(
            status=status,
            reason=reason or None,
            stops=stops,
            ended=None if ended is None else float(ended),
        )


@dataclass(frozen=True)
class RecordingHeader:
    run: RunParameters
    run_id: str  # the recorded run's id in its own mirror
    clock_start: float  # epoch seconds on the run's clock when recording began
    base_urls: dict[str, str]  # provider → API base URL the run used
    simulated: bool = False
    simulator: str | None = None  # BACKFILL_SIM without its token
    app_version: str = ""
    recorded_at: str = ""
    #: How the run ended (the file's ``run_end`` line, read with the trailer); None when the
    #: recording does not say (version 1, or a run that stopped before its end: ``RunEnd``) or
    #: is being written.
    end: RunEnd | None = None
    #: How many token-shaped strings the recorder masked in the answers (the trailer's
    #: ``masked``, read with it); None when the recording does not say (made before it was
    #: counted) or is being written.
    masked: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "header",
            "format": FORMAT,
            "version": VERSION,
            "app_version": self.app_version,
            "recorded_at": self.recorded_at,
            "run_id": self.run_id,
            "run": self.run.to_json(),
            "clock_start": self.clock_start,
            "base_urls": self.base_urls,
            "simulated": self.simulated,
            "simulator": self.simulator,
        }

    @classmethod
    def from_json(cls, data: Any) -> RecordingHeader:
        """The header line, or :class:`EntryFault` naming its first bad field."""
        fields = Fields(data, "its header's ")
        urls = Fields(fields.get("base_urls"), "its header's base_urls.")
        run_id = fields.text("run_id")
        if not _RUN_ID.fullmatch(run_id):
            raise fields.fault("run_id", "a run id (letters, digits, '.', '_' or '-')")
        return cls(
            run=RunParameters.from_json(fields.get("run")),
            run_id=run_id,
            clock_start=fields.epoch("clock_start"),
            base_urls={name: urls.text(name) for name in urls.data},
            simulated=fields.flag("simulated", False),
            simulator=_simulator(fields),
            app_version=fields.optional_text("app_version") or "",
            recorded_at=fields.optional_text("recorded_at") or "",
        )


def _simulator(fields: Fields) -> str | None:
    """The header's ``simulator`` (``BACKFILL_SIM`` as the run had it, its token left out):
    null, or settings read by the parser ``BACKFILL_SIM`` is read with
    (``SimulatorConfig.from_env_string``). ``faults=2``, which ``BACKFILL_SIM`` refuses, was
    taken, and a report of the replay said "(settings not shown: they could not be read)" (a
    fresh tester's finding). The value is not echoed (edited, it may hold a token); the
    parser's reason names the option, as for a mirror's ``runs.simulator``."""
    text = fields.optional_text("simulator")
    if text is None:
        return None
    from ..simulator.config import SimulatorConfig

    try:
        config = SimulatorConfig.from_env_string(text)
    except (ValueError, TypeError) as exc:
        reason = str(exc).split(";", 1)[0]
        raise EntryFault(
            f"{fields.where}simulator holds settings the simulator cannot read ({reason})"
        ) from None
    # What a recording never holds, so an edit or another writer: settings for a live run's
    # recording (replayed, they were shown as the run's and never applied), and a token, which
    # recording leaves out (README "Record and replay"). Both were taken (a tester's finding).
    if not fields.flag("simulated", False):
        raise EntryFault(
            f"{fields.where}simulator holds settings, but its simulated is false: a live "
            "run's recording has none (null)"
        )
    if config.token is not None:
        raise EntryFault(
            f"{fields.where}simulator holds a token (not shown): a recording never holds "
            "one; remove the token option"
        )
    return text
