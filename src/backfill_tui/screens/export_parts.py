"""The export screen's pieces: the form's values, the messages its workers post, its texts.

:class:`ExportForm` builds the destination (:mod:`backfill_tui.export`, imported lazily so
psycopg loads only when an export is asked for); the messages carry plans, batches and results
from the thread workers back to the screen (tests watch them with ``message_hook``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual.message import Message

from ..errors import BackfillError, UsageError
from ..secrets_registry import holds_credential
from ..terms import export_verb
from ..textsafe import clean

if TYPE_CHECKING:
    from ..engine.export import (
        ExportPlan,
        ExportProgress,
        ExportResult,
        ExportTarget,
        SendNotice,
    )

__all__ = [
    "ExportFailed",
    "ExportFinished",
    "ExportForm",
    "ExportPlanned",
    "ExportStepped",
    "SendRetrying",
    "plan_text",
    "verb",
    "where",
]


@dataclass(frozen=True)
class ExportForm:
    """What the form says; two equal forms give the same plan (so a plan can be reused)."""

    kind: str
    workspace: str
    run_id: str | None
    dsn: str = field(default="", repr=False)
    create_schema: bool = False
    event_key: str = field(default="", repr=False)
    base_url: str = ""
    clerk_org: str = ""

    def target(self) -> ExportTarget:
        """The destination (checks the DSN's form or the key; connects to nothing)."""
        from ..engine.export import inngest_target, postgres_target
        from ..engine.plan import validate_workspace

        if not self.workspace:
            raise UsageError(
                "the workspace is empty; type the workspace whose observations to send"
            )
        validate_workspace(self.workspace, name="the workspace")  # the runs' own rule
        if self.kind == "postgres":
            if not self.dsn:
                raise UsageError("type the DSN: postgresql://USER:PASSWORD@HOST:PORT/DBNAME")
            return postgres_target(self.dsn, create_schema=self.create_schema)
        if not self.event_key:
            raise UsageError("type the Inngest event key")
        return inngest_target(self.event_key, base_url=self.base_url, clerk_org=self.clerk_org)

    def refused_field(self) -> str:
        """The id of the field :meth:`target` refused, checked in its order (workspace, then
        the DSN, or the event key, the Clerk org and the base URL), for the cursor to go to it:
        what was typed after a "Not ready" went nowhere (a fresh tester's finding)."""
        from ..engine.plan import validate_workspace
        from ..engine.trigger import DEFAULT_BASE_URL, endpoint  # the event API's URL check

        try:
            validate_workspace(self.workspace)
        except BackfillError:
            return "export-workspace"
        if self.kind == "postgres":
            return "dsn"
        if not self.event_key:
            return "event-key"
        if self.clerk_org and holds_credential(self.clerk_org):
            # inngest_target's own first check: the Event key was focused, all of it selected,
            # and the next key typed replaced it (a fresh tester's finding)
            return "clerk-org"
        try:
            endpoint(self.base_url or DEFAULT_BASE_URL)
        except BackfillError:
            return "base-url"
        return "event-key"


@dataclass
class ExportPlanned(Message):
    """A dry run came back; ``confirm``: the user pressed Export, so ask next. ``dry_run``: the
    dry run's stop event, which names it: one a new dry run or a change of target replaced is
    not shown (its panel was cleared for the new one)."""

    form: ExportForm
    plan: ExportPlan
    confirm: bool = False
    dry_run: threading.Event | None = None


@dataclass
class ExportStepped(Message):
    """One batch was delivered and recorded."""

    step: ExportProgress

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ExportStepped)


@dataclass
class SendRetrying(Message):
    """A batch (of an export, or of the trigger dialog's Send) is about to be tried again:
    Inngest answered 429 or 5xx, or nothing (a ``RetryNotice``); or its request has had no
    answer for a few seconds (a ``WaitNotice``). The screen says so until the next batch lands:
    a server asking for 120 s between tries, or saying nothing for its 30 s timeout, had the
    screen sit still."""

    notice: SendNotice


@dataclass
class ExportFinished(Message):
    result: ExportResult


@dataclass
class ExportFailed(Message):
    """A dry run or an apply stopped; ``error`` is one line without secrets; ``dry_run`` as
    :class:`ExportPlanned`'s."""

    stage: str
    error: str
    dry_run: threading.Event | None = None


def where(kind: str, target_id: str) -> str:
    return f"PostgreSQL {target_id}" if kind == "postgres" else f"Inngest at {target_id}"


def verb(kind: str, form: int = 0) -> str:
    """write / written for Postgres; send / sent for Inngest (the command line's words too)."""
    return export_verb(kind, form)


def plan_text(plan: ExportPlan) -> str:
    scope = f"run {plan.run_id}" if plan.run_id else "all runs"
    batches = len(plan.batch_sizes)
    in_batches = f"  in {batches} batch{'es' if batches != 1 else ''}" if batches else ""
    lines = [
        f"Dry run: workspace {plan.workspace} ({scope}) to {where(plan.target_kind, plan.target_id)}"
    ]
    if plan.simulated:  # said second, before the figures (a tester exported 1,741 unwarned)
        these = (
            f"all {plan.total}"
            if plan.simulated == plan.total
            else f"{plan.simulated} of {plan.total}"
        )
        # One line at 80 columns, so the sample stays in view; the confirmation says it whole.
        lines.append(f"Note: {these} observations are the built-in simulator's made-up data.")
    if plan.details.get("create_schema"):
        from ..engine.export import PRODUCTION_TABLE  # loaded with the plan already

        lines.append(f"  would create table {PRODUCTION_TABLE} first")
    lines += [
        f"  {'in the mirror':<14}{plan.total:>7}",
        f"  {'would ' + verb(plan.target_kind):<14}{plan.would_write:>7}{in_batches}",
        f"  {'would skip':<14}{plan.skipped:>7}  {plan.skip_reason}",
        "Nothing was written or sent. ctrl+s exports (asks first)."
        if plan.would_write
        else "Nothing new to send; nothing was written or sent.",
    ]
    return clean("\n".join(lines))


def event_key_in(url: str) -> tuple[str, str] | None:
    """``(base, key)`` where ``url`` is Inngest's event endpoint with its key (``…/e/KEY``, as
    Inngest's docs show the ingest URL), else None. The Base URL field showed a key pasted
    there in clear, where the Event key field masks it (a fresh tester's finding): the screen
    moves it. The base keeps the URL's own path before ``/e/`` (a self-hosted prefix)."""
    from urllib.parse import unquote, urlsplit

    text = url.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    segments = parts.path.rstrip("/").split("/")
    if not parts.scheme or len(segments) < 3 or segments[-2] != "e" or not segments[-1]:
        return None
    base = f"{parts.scheme}://{parts.netloc}{'/'.join(segments[:-2])}"
    return base, unquote(segments[-1])
