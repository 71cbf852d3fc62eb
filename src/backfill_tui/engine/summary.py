"""The run summary of interfaces.md §4 (``--json``), built from what the mirror recorded."""

from __future__ import annotations

import time
from typing import Any

from ..secrets_registry import redact
from ..store import Mirror, RunRecord, combined_status
from ..terms import RunStatus, StreamStatus, shown_run_status, shown_stream_status
from ..textsafe import clean
from . import progress as ev
from .live import run_seconds
from .runs import shown_status


def run_summary(
    mirror: Mirror, run: RunRecord, *, process_alive: bool | None = None
) -> dict[str, Any]:
    """The summary of ``run`` with the statuses every face shows (``terms.shown_run_status``):
    a run marked running whose process is gone is ``interrupted``, and so are its running
    streams and the sources with an unfinished stream, as ``runs`` shows it afterwards.
    ``process_alive``: whether the run's process lives on (None: ask the mirror; the headless
    face passes False for a run the mirror stopped mid-way, a full disk, before it exits)."""
    streams = mirror.streams(run.id)
    if process_alive is None:  # the one rule every face shows
        shown = shown_status(mirror, run)
    else:
        shown = shown_run_status(run.status, process_alive)
    gone = shown is RunStatus.INTERRUPTED

    def stream_status(stored: str) -> str:
        return shown_stream_status(stored, run_gone=gone)

    def source_status(stored: list[str]) -> str:
        unfinished = {StreamStatus.RUNNING, StreamStatus.PENDING}
        if gone and any(status in unfinished for status in stored):
            return RunStatus.INTERRUPTED
        return combined_status(stored)

    first_failure: dict[int, str] = {}  # stream id -> its first item's failure, as stored
    for stream_id, key, reason in mirror.item_failures(run.id):
        # a reason that begins with its key ("item 3 of page 2 is null, …") says it once
        said = reason if reason.startswith(f"{key} ") else f"{key}: {reason}"
        first_failure.setdefault(stream_id, clean(redact(said))[:300])
    sources = []
    for src in mirror.run_sources(run.id):
        own = [s for s in streams if s.provider == src["provider"] and s.target == src["target"]]
        error = src["error"] or next((s.error for s in own if s.error), None)
        sources.append(
            {
                "source": src["provider"],
                "target": src["target"],
                "status": source_status([s.status for s in own]),
                "api_calls": src["api_calls"] + sum(s.api_calls for s in own),
                "rate_limit_wait_s": round(_source_waited(src, own), 3),
                "error": error,
                "note": None if own else _no_stream_note(run, src["provider"]),
                "streams": [
                    {
                        "entity": s.entity,
                        "status": stream_status(s.status),
                        "fetched": s.fetched,
                        "new": s.new,
                        "duplicates": s.duplicates,
                        "failed": s.failed,
                        "pages": s.pages,
                        "capped": s.capped,
                        "capped_at": s.capped_at,
                        "api_calls": s.api_calls,
                        "error": s.error,
                        "note": s.note,
                        # the first item that failed (``report`` lists them all), None if none
                        "first_failure": first_failure.get(s.id),
                    }
                    for s in own
                ],
            }
        )
    # The seconds it ran, its spans before a resume and its latest (``live.run_seconds``).
    ran = run_seconds(run, time.time(), mirror.last_page_at(run.id), gone=gone)
    return {
        "run_id": run.id,
        "workspace": run.workspace,
        "depth_days": run.depth_days,
        "since": run.since,
        "status": shown,
        "ran_s": round(ran, 3),
        # A replay: token-shaped strings its recording masked (None: not a replay, or unsaid)
        "recording_masked": run.recording_masked if run.recording is not None else None,
        "sources": sources,
    }


def _no_stream_note(run: RunRecord, provider_name: str) -> str | None:
    """Why a source of the run has no stream: ``--entities`` names none of its entities. It
    read "completed (0 API calls)" and nothing more (a fresh tester's finding). None when the
    run named no entities (nothing to say why)."""
    from .catalog import provider

    if not run.entities:
        return None
    asked = ",".join(sorted(run.entities))
    has = ", ".join(provider(provider_name).connector.entities)
    return f"nothing to fetch: --entities {asked} names none of its entities ({has})"


def _source_waited(src: dict[str, Any], own: list[Any]) -> float:
    """Seconds the source waited (README: "`waited` counts the time that passed"): its
    ``waited_s``, the union of its streams' waits, once the source's engine has ended it;
    before that (a run going, or whose process died) the sum of what its parts waited."""
    summed = float(src["rate_limit_wait_s"]) + sum(s.rate_limit_wait_s for s in own)
    waited = src.get("waited_s")
    return summed if waited is None else float(waited)


class BudgetLog:
    """A progress subscriber keeping each source's rate-limit budgets as last reported.

    The mirror does not keep them (they are the provider's state, not the run's), so the
    headless face adds them to the summary of the run it drove: ``rate_limit_budgets`` on each
    source, ``{"requests": {"remaining": 1490, "limit": 1500}, "complexity": {...}}`` (Linear
    reports both budgets; a source that made no call this session has ``{}``).
    """

    def __init__(self) -> None:
        self.by_source: dict[str, dict[str, dict[str, int]]] = {}

    def __call__(self, event: ev.ProgressEvent) -> None:
        if isinstance(event, ev.PageStored | ev.StreamFinished) and event.budgets:
            source = event.stream.rsplit("/", 1)[0]
            known = self.by_source.setdefault(source, {})
            for budget in event.budgets:
                known[budget.name] = {"remaining": budget.remaining, "limit": budget.limit}

    def annotate(self, summary: dict[str, Any]) -> dict[str, Any]:
        """Add ``rate_limit_budgets`` to every source of a :func:`run_summary` (in place)."""
        for source in summary.get("sources", []):
            key = f"{source['source']}:{source['target']}"
            known = self.by_source.get(key, {})
            # requests first, then complexity: in the order of the headers first read, the
            # two swapped places between runs (a fresh tester's finding)
            names = sorted(known, key=lambda name: (name == "complexity", name))
            source["rate_limit_budgets"] = {name: known[name] for name in names}
        return summary
