"""One side of a comparison of two runs (``engine/diff.py``): the run, what it fetched, and
which of its streams deliberately read less than their window, with a note for each kind.

A run may leave items of its window unread on purpose, and a comparison must say so, or those
items read as lost ("277 only in A"): streams a 304 completed (a re-sync of unchanged lists:
nothing fetched), streams narrowed to a gap (a re-sync reading only what was updated since an
earlier run's start less a margin, ``engine/resync.py``), and streams stopped by the run's
``--max-items`` cap. A side with any of them, or of a run recorded before per-run records, is
not ``exact``. Streams are named with their source (:func:`streams_named`): a note on two
sources listed "7 streams (pull_request, issue, release, push, pull_request, issue, release)"
(a fresh tester's finding).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..store import Mirror, RunRecord
from ..store.run_items import FetchedItems, unchanged_streams
from ..terms import RunStatus, masked_note, plural

__all__ = ["DiffSide", "side_of", "streams_named"]


def streams_named(keys: Iterable[str], *, tier: int = 0) -> str:
    """Stream keys (``github:acme/rocket/issue``) grouped by source, in the order met:
    ``github:acme/rocket: issue, release; github:acme/web: push``. Shorter by ``tier``, for a
    face's one line: 1, each source with its count (``github:acme/rocket: 2 streams``); 2, the
    counts only (``3 streams of 2 sources``)."""
    by_source: dict[str, list[str]] = {}
    for key in keys:
        source, _, entity = key.rpartition("/")
        by_source.setdefault(source, []).append(entity)
    if tier >= 2:
        count = sum(len(entities) for entities in by_source.values())
        return f"{plural(count, 'stream')} of {plural(len(by_source), 'source')}"
    if tier == 1:
        return ", ".join(f"{src}: {plural(len(ents), 'stream')}" for src, ents in by_source.items())
    return "; ".join(f"{source}: {', '.join(entities)}" for source, entities in by_source.items())


@dataclass(frozen=True)
class DiffSide:
    label: str
    mirror: str
    run_id: str
    workspace: str
    sources: list[str]
    started_at: str
    fetched: int
    recorded: bool  # False: the run predates per-run records; only rows it first stored count
    #: Streams a 304 completed (a re-sync: unchanged since an earlier run), by stream key, with
    #: that run's id: they fetched nothing, so what the earlier run fetched there is not on
    #: this side (``engine/resync.py``).
    unchanged: tuple[tuple[str, str], ...] = ()
    #: Streams narrowed to a gap (a re-sync that fetched): (stream key, the instant it read
    #: from, ISO 8601, the run it re-synced): items not updated since are not on this side.
    narrowed: tuple[tuple[str, str, str], ...] = ()
    #: Streams the run's ``--max-items`` cap stopped (keys): items past the cap are not here.
    capped: tuple[str, ...] = ()
    max_items: int = 0
    #: The run's scope beside its sources: its entities (None: all) and backfill window (days).
    entities: tuple[str, ...] | None = None
    depth_days: int = 0
    #: The run's status as every face shows it (``engine.runs.shown_status``: ``interrupted``
    #: for a run marked running whose process is gone).
    status: str = RunStatus.COMPLETED
    #: A replay: token-shaped strings its recording masked with ``***`` (``masked_note``), so
    #: observations holding them differ from its original's; 0 for any other run.
    masked: int = 0

    @property
    def exact(self) -> bool:
        """Whether this side holds everything in its run's window: per-run records, and no
        stream that read less on purpose (304, narrowed, capped)."""
        return self.recorded and not (self.unchanged or self.narrowed or self.capped)

    def scope(self) -> str:
        """``github:acme/rocket, linear:ENG; issue; 7 days`` (entities left out when all)."""
        parts = [", ".join(self.sources)]
        if self.entities:
            parts.append(",".join(self.entities))
        parts.append(plural(self.depth_days, "day"))
        return "; ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "mirror": self.mirror,
            "run_id": self.run_id,
            "workspace": self.workspace,
            "sources": self.sources,
            "started_at": self.started_at,
            "fetched": self.fetched,
            "exact": self.exact,
            "per_run_records": self.recorded,
            "unchanged_streams": [{"stream": k, "since_run": r} for k, r in self.unchanged],
            "narrowed_streams": [
                {"stream": k, "since": s, "resync_of": r} for k, s, r in self.narrowed
            ],
            "capped_streams": [{"stream": k, "max_items": self.max_items} for k in self.capped],
            "entities": list(self.entities) if self.entities else None,
            "depth_days": self.depth_days,
            "status": str(self.status),
            "recording_masked": self.masked,
        }

    def _streams(self, keys: list[str]) -> str:
        return f"run {self.run_id}'s {plural(len(keys), 'stream')} ({streams_named(keys)})"

    def unchanged_note(self) -> str | None:
        """One line on the streams a 304 completed, or None."""
        if not self.unchanged:
            return None
        since = sorted({run for _, run in self.unchanged})
        return (
            f"{self._streams([k for k, _ in self.unchanged])} answered 304 Not Modified: "
            f"unchanged since run {', '.join(since)}, they fetched nothing again, so their "
            "items show as only in the other run"
        )

    def narrowed_note(self) -> str | None:
        """One line on the streams narrowed to a gap, or None."""
        if not self.narrowed:
            return None
        since = min(s for _, s, _ in self.narrowed)
        runs = sorted({r for _, _, r in self.narrowed})
        return (
            f"{self._streams([k for k, _, _ in self.narrowed])} re-synced run "
            f"{', '.join(runs)}, reading only items updated since {since[:16].replace('T', ' ')} UTC"
            ", so items not updated since then show as only in the other run"
        )

    def capped_note(self) -> str | None:
        """One line on the streams the ``--max-items`` cap stopped, or None."""
        if not self.capped:
            return None
        return (
            f"{self._streams(list(self.capped))} stopped at the run's cap of "
            f"{plural(self.max_items, 'item')} a stream (--max-items), so items past it may show as "
            "only in the other run"
        )

    def notes(self) -> list[str]:
        """This side's notes on streams that read less on purpose: 304, narrowed, capped."""
        found = (self.unchanged_note(), self.narrowed_note(), self.capped_note())
        return [note for note in found if note] + (
            [masked_note(self.masked)] if self.masked else []
        )

    def brief_notes(self, other: str, width: int = 78) -> list[str]:
        """:meth:`notes` as a face shows them, one line each of at most ``width`` characters
        (the app's compare view at 80 columns; ``other``: the other side's label), the
        streams named as fully as fits (:func:`streams_named`): ``capped at 20 a stream
        (3 streams of 2 sources): may show only in B``, ``HTTP 304 Not Modified
        (github:acme/rocket: 4 streams): may show only in B``."""
        kinds = [
            # the status named as one: "304, fetched nothing" led the line with a number that
            # read as a count beside "303 only in B" (a fresh tester's finding)
            ("HTTP 304 Not Modified", [k for k, _ in self.unchanged]),
            ("narrowed re-sync", [k for k, _, _ in self.narrowed]),
            (f"capped at {self.max_items:,} a stream", list(self.capped)),
        ]
        lines = []
        for kind, keys in kinds:
            if not keys:
                continue
            for tier in range(3):
                line = f"{kind} ({streams_named(keys, tier=tier)}): may show only in {other}"
                if len(line) <= width:
                    break
            lines.append(line)
        if self.masked:  # a replay: what its recording masked differs from the original's
            lines.append(
                f"recording masked {plural(self.masked, 'token-shaped text')} as ***: "
                "those observations differ"
            )
        return lines


def side_of(label: str, mirror: Mirror, run: RunRecord, items: FetchedItems) -> DiffSide:
    """The side ``label`` (``A``, ``B``) of a comparison: ``run`` of ``mirror``, which
    fetched ``items``."""
    from .runs import shown_status

    unchanged = tuple(unchanged_streams(mirror, run.id))
    quiet = {key for key, _ in unchanged}
    streams = mirror.streams(run.id)
    narrowed = tuple(
        (s.key, s.fetch_since, s.resync_of or "")
        for s in streams
        if s.fetch_since is not None and s.key not in quiet
    )
    return DiffSide(
        label,
        str(mirror.path),
        run.id,
        run.workspace,
        list(run.sources),
        run.started_at,
        len(items.items),
        items.exact,
        unchanged,
        narrowed,
        tuple(s.key for s in streams if s.capped),
        run.max_items,
        tuple(sorted(run.entities)) if run.entities else None,
        run.depth_days,
        shown_status(mirror, run),
        (run.recording_masked or 0) if run.recording is not None else 0,
    )
