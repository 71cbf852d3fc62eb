"""Plain records of runs and streams as the mirror stores them (no SQL here)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

RUN_STATUSES = ("running", "completed", "partial", "failed", "cancelled")
STREAM_STATUSES = ("pending", "running", "completed", "failed", "cancelled")


def combined_status(stream_statuses: Iterable[str]) -> str:
    """A run's (or a source's) status from its streams' (interfaces.md §4 summary values)."""
    statuses = set(stream_statuses)
    if statuses <= {"completed"}:
        return "completed"
    if statuses & {"cancelled", "running", "pending"}:
        return "cancelled"
    return "partial" if "completed" in statuses else "failed"


@dataclass
class RunRecord:
    id: str
    workspace: str
    sources: list[str]  # "provider:target"
    depth_days: int
    since: str
    entities: set[str] | None
    max_items: int
    status: str = "running"
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

    @classmethod
    def from_row(cls, cols: Sequence[str], row: Sequence[Any]) -> RunRecord:
        data = dict(zip(cols, row, strict=True))
        entities = json.loads(data["entities"]) if data["entities"] else None
        return cls(
            id=data["id"],
            workspace=data["workspace_id"],
            sources=json.loads(data["sources"]),
            depth_days=data["depth_days"],
            since=data["since"],
            entities=set(entities) if entities is not None else None,
            max_items=data["max_items"],
            status=data["status"],
            simulate=bool(data["simulate"]),
            simulator=data["simulator"],
            started_at=data["started_at"],
            finished_at=data["finished_at"],
            pid=data["pid"],
            host=data["host"],
            error=data["error"],
            recording=data.get("recording"),
            recording_sha256=data.get("recording_sha256"),
        )


@dataclass
class StreamRecord:
    id: int
    run_id: str
    provider: str
    target: str
    entity: str
    status: str = "pending"
    cursor: str | None = None
    fetched: int = 0
    new: int = 0
    duplicates: int = 0
    failed: int = 0
    pages: int = 0
    api_calls: int = 0
    rate_limit_wait_s: float = 0.0
    capped: bool = False
    capped_at: str | None = None
    error: str | None = None
    #: A plain line about an ordinary account state the stream met (not a failure).
    note: str | None = None
    #: Items the run's estimate expected of this stream (None: no estimate was made).
    estimate: int | None = None
    #: A re-sync's narrowed window: fetch only what is newer than this instant (ISO 8601), the
    #: start of run ``resync_of`` whose completed stream already covered the run's window.
    fetch_since: str | None = None
    resync_of: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.provider}:{self.target}/{self.entity}"

    @property
    def source(self) -> str:
        return f"{self.provider}:{self.target}"

    @classmethod
    def from_row(cls, cols: Sequence[str], row: Sequence[Any]) -> StreamRecord:
        data = dict(zip(cols, row, strict=True))
        names = {f.name for f in fields(cls)} - {"extra"}
        kwargs = {k: v for k, v in data.items() if k in names}
        kwargs["capped"] = bool(kwargs.get("capped"))
        return cls(**kwargs)
