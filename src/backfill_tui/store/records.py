"""Plain records of runs and streams as the mirror stores them (no SQL here).

Statuses and counters are the kernel's (``terms.RunStatus``, ``terms.StreamStatus``,
``terms.StreamCounters``): a stream's counts are held once, in its ``counters``, the same
object the engine's progress events carry."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

from ..terms import RunStatus, StreamCounters, StreamStatus
from ..terms import combined_status as combined_status
from .columns import check_run_row, check_stream_row


@dataclass
class RunRecord:
    id: str
    workspace: str
    sources: list[str]  # "provider:target"
    depth_days: int
    since: str
    entities: set[str] | None
    max_items: int
    status: RunStatus = RunStatus.RUNNING
    simulate: bool = False
    simulator: str | None = None
    started_at: str = ""
    finished_at: str | None = None
    pid: int | None = None
    host: str | None = None
    error: str | None = None
    #: A replayed run: the recording's absolute path and its file's SHA-256 (hex).
    recording: str | None = None
    recording_sha256: str | None = None
    #: A run recorded to a file (``run --record``): the recording's absolute path.
    recorded_to: str | None = None
    #: Simulator options given but not stored (secrets), by name, comma-separated.
    simulator_left_out: str | None = None
    #: A replayed run: whether its recording was of a simulated run (None: not a replay, or
    #: one stored before the mirror kept this; its recording's header then says).
    recording_simulated: bool | None = None
    #: Seconds the run ran in its spans before its latest (a resume), and when that latest
    #: span began (ISO 8601, on the run's clock; None: at ``started_at``). See
    #: ``engine.live.run_seconds``.
    ran_s: float = 0.0
    resumed_at: str | None = None
    #: A replayed run: token-shaped strings its recording masked with ``***`` (None: not a
    #: replay, or its recording or mirror did not count them).
    recording_masked: int | None = None
    #: A replayed run: when it was replayed (ISO 8601, UTC, the wall clock); its
    #: ``started_at`` is its recording's instant. None: not a replay, or an older one.
    replayed_at: str | None = None

    @property
    def made_at(self) -> str:
        """When the run was made (ISO 8601): a replay's ``replayed_at``, else its start."""
        return self.replayed_at or self.started_at

    @classmethod
    def from_row(cls, cols: Sequence[str], row: Sequence[Any]) -> RunRecord:
        """The record of a ``runs`` row; raises :class:`MirrorError` (one line naming the run,
        the column and how to set it back: ``columns.check_run_row``) for a row holding what
        the product never writes: the README invites editing the mirror with sqlite3, and one
        hand-edited row made `runs`, `report` and `resume` exit 70 (fresh testers' findings)."""
        data = dict(zip(cols, row, strict=True))
        check_run_row(data)
        entities = json.loads(data["entities"]) if data["entities"] else None
        return cls(
            id=data["id"],
            workspace=data["workspace_id"],
            sources=json.loads(data["sources"]),
            depth_days=data["depth_days"],
            since=data["since"],
            entities=set(entities) if entities is not None else None,
            max_items=data["max_items"],
            status=RunStatus(data["status"]),
            simulate=bool(data["simulate"]),
            simulator=data["simulator"],
            started_at=data["started_at"],
            finished_at=data["finished_at"],
            pid=data["pid"],
            host=data["host"],
            error=data["error"],
            recording=data.get("recording"),
            recording_sha256=data.get("recording_sha256"),
            recorded_to=data.get("recorded_to"),
            simulator_left_out=data.get("simulator_left_out"),
            recording_simulated=(
                None
                if data.get("recording_simulated") is None
                else bool(data["recording_simulated"])
            ),
            ran_s=float(data.get("ran_s") or 0.0),
            resumed_at=data.get("resumed_at"),
            recording_masked=data.get("recording_masked"),
            replayed_at=data.get("replayed_at"),
        )


@dataclass
class StreamRecord:
    id: int
    run_id: str
    provider: str
    target: str
    entity: str
    status: StreamStatus = StreamStatus.PENDING
    cursor: str | None = None
    counters: StreamCounters = field(default_factory=StreamCounters)
    rate_limit_wait_s: float = 0.0
    capped: bool = False
    capped_at: str | None = None
    error: str | None = None
    #: What to mend before this failed stream can succeed (a permanent cause: a rejected token,
    #: a source not found); ``None`` when resuming may succeed.
    mend: str | None = None
    #: A plain line about an ordinary account state the stream met (not a failure).
    note: str | None = None
    #: Items the run's estimate expected of this stream (None: no estimate was made).
    estimate: int | None = None
    #: The estimate was judged from the stream's own first page (no estimate was made before).
    sized: bool = False
    #: A re-sync's narrowed window: fetch only what is newer than this instant (ISO 8601), the
    #: start of run ``resync_of`` whose completed stream already covered the run's window.
    fetch_since: str | None = None
    resync_of: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    # The counts, read through the one ``counters`` (the record holds no copy of its own).
    @property
    def fetched(self) -> int:
        return self.counters.fetched

    @property
    def new(self) -> int:
        return self.counters.new

    @property
    def duplicates(self) -> int:
        return self.counters.duplicates

    @property
    def failed(self) -> int:
        return self.counters.failed

    @property
    def pages(self) -> int:
        return self.counters.pages

    @property
    def api_calls(self) -> int:
        return self.counters.api_calls

    def with_counters(self, **counts: int) -> StreamRecord:
        """A copy with some counts replaced (``fetched=40``)."""
        return replace(self, counters=replace(self.counters, **counts))

    @property
    def key(self) -> str:
        return f"{self.provider}:{self.target}/{self.entity}"

    @property
    def source(self) -> str:
        return f"{self.provider}:{self.target}"

    @classmethod
    def from_row(cls, cols: Sequence[str], row: Sequence[Any]) -> StreamRecord:
        """The record of a ``streams`` row; raises :class:`MirrorError` (one line naming the
        stream, its row id and the column) for a value the product never writes there
        (``columns.check_stream_row``): a text ``fetched`` made ``report`` exit 70."""
        data = dict(zip(cols, row, strict=True))
        check_stream_row(data)
        names = {f.name for f in fields(cls)} - {"extra", "counters"}
        kwargs = {k: v for k, v in data.items() if k in names}
        kwargs["capped"] = bool(kwargs.get("capped"))
        kwargs["sized"] = bool(kwargs.get("sized"))
        kwargs["status"] = StreamStatus(kwargs["status"])
        counts = {f.name: data[f.name] for f in fields(StreamCounters) if f.name in data}
        return cls(**kwargs, counters=StreamCounters(**counts))
