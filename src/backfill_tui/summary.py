"""The run summary of interfaces.md §4 (``--json``), built from what the mirror recorded."""

from __future__ import annotations

from typing import Any

from .store import Mirror, RunRecord, combined_status


def run_summary(mirror: Mirror, run: RunRecord) -> dict[str, Any]:
    streams = mirror.streams(run.id)
    sources = []
    for src in mirror.run_sources(run.id):
        own = [s for s in streams if s.provider == src["provider"] and s.target == src["target"]]
        error = src["error"] or next((s.error for s in own if s.error), None)
        sources.append(
            {
                "source": src["provider"],
                "target": src["target"],
                "status": combined_status(s.status for s in own),
                "api_calls": src["api_calls"] + sum(s.api_calls for s in own),
                "rate_limit_wait_s": round(
                    src["rate_limit_wait_s"] + sum(s.rate_limit_wait_s for s in own), 3
                ),
                "error": error,
                "streams": [
                    {
                        "entity": s.entity,
                        "status": s.status,
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
                    }
                    for s in own
                ],
            }
        )
    return {
        "run_id": run.id,
        "workspace": run.workspace,
        "depth_days": run.depth_days,
        "since": run.since,
        "status": run.status,
        "sources": sources,
    }
