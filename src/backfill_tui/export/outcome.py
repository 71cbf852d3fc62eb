"""What an export would do (:class:`ExportPlan`, a dry run) and what it did
(:class:`ExportResult`), as both faces show them; a walk's counts are a :class:`Tally`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..store.exports import ObservationRow
from .target import ExportTarget
from .values import clean_text

__all__ = ["ExportPlan", "ExportProgress", "ExportResult", "Tally", "sample_row"]

#: How many refused rows a plan or result names (all are counted).
REFUSED_EXAMPLES = 5


def sample_row(row: ObservationRow) -> dict[str, Any]:
    return {
        "source_id": row.source_id,
        "observation_type": row.observation_type,
        "occurred_at": row.occurred_at,
        "title": row.title,
    }


@dataclass
class Tally:
    """What a walk found: counts, values changed (by kind) and rows refused (by reason)."""

    total: int = 0
    skipped: int = 0
    changes: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    refused_examples: list[tuple[str, str]] = field(default_factory=list)

    def refuse(self, source_id: str, reason: str) -> None:
        self.refused[reason] += 1
        if len(self.refused_examples) < REFUSED_EXAMPLES:
            self.refused_examples.append((clean_text(source_id)[0], reason))

    @property
    def refused_count(self) -> int:
        return sum(self.refused.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "changed_values": dict(sorted(self.changes.items())),
            "refused": self.refused_count,
            "refused_reasons": dict(sorted(self.refused.items())),
            "refused_examples": [
                {"source_id": sid, "reason": why} for sid, why in self.refused_examples
            ],
        }


class _Tallied:
    """What a plan and a result both say of their walk's :class:`Tally`."""

    tally: Tally

    @property
    def refused(self) -> int:
        """How many rows the destination cannot hold (each refused alone)."""
        return self.tally.refused_count

    @property
    def changes(self) -> dict[str, int]:
        """Values changed to be storable, by kind."""
        return dict(self.tally.changes)


@dataclass
class ExportPlan(_Tallied):
    """What an export would do; computing it changed nothing. Pass it to :func:`apply_export`."""

    target: ExportTarget = field(repr=False)
    mirror_path: Path
    workspace: str
    run_id: str | None
    target_kind: str
    target_id: str
    total: int
    would_write: int
    skipped: int
    skip_reason: str
    batch_sizes: list[int]
    sample: list[ObservationRow] = field(default_factory=list, repr=False)
    tally: Tally = field(default_factory=Tally, repr=False)
    details: dict[str, Any] = field(default_factory=dict)
    #: How many of the ``total`` came from simulated runs (or replays of them): made-up data,
    #: which the faces say before anything is sent (``engine.export.plan_export`` counts them).
    simulated: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "dry_run": True,
            "target": self.target_kind,
            "target_id": self.target_id,
            "workspace": self.workspace,
            "run_id": self.run_id,
            "observations": self.total,
            "simulated": self.simulated,
            "would_write": self.would_write,
            "skipped": self.skipped,
            "skip_reason": self.skip_reason,
            "batches": len(self.batch_sizes),
            **self.tally.to_dict(),
            "sample": [sample_row(r) for r in self.sample],
            **self.details,
        }


@dataclass(frozen=True)
class ExportProgress:
    """Sent to the ``progress`` callback after each batch."""

    batch: int
    batches: int
    written: int
    skipped: int
    remaining: int


@dataclass
class ExportResult(_Tallied):
    target_kind: str
    target_id: str
    workspace: str
    run_id: str | None
    written: int
    skipped: int
    skip_reason: str
    batches: int
    cancelled: bool = False
    details: dict[str, Any] = field(default_factory=dict)
    tally: Tally = field(default_factory=Tally, repr=False)
    #: How many of the observations it covered came from simulated runs, sent only as
    #: ``include_simulated`` asked (``engine.export.export_now``).
    simulated: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "dry_run": False,
            "target": self.target_kind,
            "target_id": self.target_id,
            "workspace": self.workspace,
            "run_id": self.run_id,
            "written": self.written,
            "skipped": self.skipped,
            "skip_reason": self.skip_reason,
            "batches": self.batches,
            "cancelled": self.cancelled,
            "simulated": self.simulated,
            **self.tally.to_dict(),
            **self.details,
        }
