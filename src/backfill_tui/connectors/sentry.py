"""Sentry: ``sentry:ORG/PROJECT`` with streams issue and error.

``prepare()`` resolves the project's numeric id (``GET /api/0/projects/{org}/{project}/``).
Issues come from the organization issues endpoint filtered to that project, errors from the
project events endpoint (``full=true``). Both are bounded server-side by ``start`` = the cutoff
and ``end`` = the run's start, so a resumed or replayed run selects the same window; issues are
asked for with an empty ``query`` (Sentry's default ``is:unresolved`` would hide resolved and
ignored issues). Window rules (interfaces.md §1), re-checked on every item as a guard: issue
``lastSeen >= cutoff``, event ``dateCreated >= cutoff``. Pages follow the ``Link`` header's
``rel="next"`` URL verbatim while it says ``results="true"``.
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncGenerator, Callable
from contextlib import aclosing
from datetime import datetime, timedelta
from typing import Any

from ..http import ApiError, SentryPolicy, UnexpectedResponse
from ..models import DEPTHS
from . import CATALOG
from . import sentry_transform as st
from .base import (
    Connector,
    Page,
    ProviderInfo,
    Stream,
    StreamOrder,
    gone_between_pages,
    provider_time,
)
from .linked_list import Decision, LinkedListStream

#: The ordering, window and stop rule of each stream (docs/real-world.md, "Streams and account
#: states"; provider-apis.md §4.2).
ORDERS: dict[str, StreamOrder] = {
    "issue": StreamOrder(
        ordered_by="lastSeen, descending (sort=date)",
        window_on="lastSeen",
        server_filter="start=cutoff, end=run start",
        early_stop=False,
        stop_rule='read every page while the next link says results="true"; an issue last '
        "seen before the cutoff is skipped (the server already bounds the window)",
    ),
    "error": StreamOrder(
        ordered_by="not documented (newest first observed)",
        window_on="dateCreated",
        server_filter="start=cutoff, end=run start",
        early_stop=False,
        stop_rule='read every page while the next link says results="true"; an event '
        "created before the cutoff is skipped",
    ),
}

_SLUG = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}"
_PAGE = 100
#: How late a run may be resumed and still have its depth recognised from the cutoff.
_SLACK = timedelta(hours=6)


def _api_time(moment: datetime) -> str:
    """Sentry's ``start``/``end`` form: ISO 8601 without an offset, read as UTC."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


class SentryConnector(Connector):
    provider = "sentry"
    label = "Sentry"
    entities = ("issue", "error")
    cursor_form = "link"
    target_pattern = re.compile(f"{_SLUG}/{_SLUG}")
    target_help = "sentry:ORG/PROJECT (for example sentry:acme/rocket)"

    orders = ORDERS
    #: The events list is asked by slug beside the lookup; the issues list needs its id.
    overlaps_lookup = True
    project: st.Project

    @property
    def org(self) -> str:
        return self.target.split("/", 1)[0]

    @property
    def project_slug(self) -> str:
        return self.target.split("/", 1)[1]

    def run_start(self) -> datetime:
        """The window's end: the run's start, set by the engine (``Connector.started_at``).

        Without an engine (a connector built by hand) it is recognised from the cutoff, which is
        always the start minus one of the offered depths.
        """
        if self.started_at is not None:
            return self.started_at
        clock = getattr(self.client.transport, "_clock", None)
        now = clock.now() if clock is not None else time.time()
        elapsed = timedelta(seconds=now - self.cutoff.timestamp()) + _SLACK
        fitting = [d for d in DEPTHS if timedelta(days=d) <= elapsed]
        return self.cutoff + timedelta(days=max(fitting) if fitting else min(DEPTHS))

    async def prepare(self) -> None:
        """Read the project, following a 302 to its new slug on the same host.

        Sentry answers a project's old slug, after a rename, with 302 and
        ``{"detail": {"code": "resource-moved", "extra": {"url": ..., "slug": ...}}}``
        (``ProjectMoved``, its project endpoints' redirect), which the HTTP layer follows; the
        error stream then reads the project by its new slug, and the source keeps the name the
        user gave.
        """
        path = f"/api/0/projects/{self.org}/{self.project_slug}/"
        answer = await self.client.get(path)
        data = answer.json
        slug = data.get("slug") if isinstance(data, dict) else None
        renamed = isinstance(slug, str) and slug.lower() != self.project_slug.lower()
        if answer.moved is not None or renamed:
            self.lookup_moved = True
            now = f"{self.org}/{slug if isinstance(slug, str) else '?'}"
            self.notes.append(
                f"project {self.target} was renamed or moved to {now}; read from {now}"
            )
        ident = data.get("id") if isinstance(data, dict) else None
        if not re.fullmatch(r"[0-9]{1,30}", str(ident or "")):
            raise UnexpectedResponse(f"Sentry answered {path} without a numeric project id")
        assert isinstance(data, dict)
        self.project = st.Project(
            id=int(str(ident)),
            slug=str(data.get("slug") or self.project_slug),
            name=str(data.get("name") or data.get("slug") or self.project_slug),
            org=self.org,
        )

    def _slug(self) -> str:
        """The project's slug as the lookup found it (a rename followed), else as given."""
        project = getattr(self, "project", None)
        return project.slug if project is not None else self.project_slug

    def _outside(self, field: str) -> Callable[[dict[str, Any]], Decision]:
        """Skip an item dated before the cutoff (a guard: the window is also sent server-side)."""

        def decide(item: dict[str, Any]) -> Decision:
            moment = provider_time(item.get(field))
            if moment is None:
                # No time to check: the server's window listed it. An issue with a null
                # lastSeen (merged, or still processing) is stored at its firstSeen
                # (sentry_transform.issue_from_rest); an item with no time at all fails alone.
                return "take"
            return "skip" if moment < self.cutoff else "take"

        return decide

    def _state(self, error: ApiError, first: bool) -> str | None:
        """A project deleted (or hidden) between two pages ends the stream with what it read."""
        return gone_between_pages("Sentry", f"project {self.target}", error, first)

    def stream(self, entity: str) -> Stream:
        if entity == "issue":  # its list is asked by the project's numeric id: after the lookup
            return AfterLookup(self, entity)
        return self.stream_now(entity)

    def stream_now(self, entity: str) -> Stream:
        """The stream itself; the issue stream needs the lookup's project id first."""
        window = {"start": _api_time(self.cutoff), "end": _api_time(self.run_start())}
        if entity == "issue":
            project = self.project
            params = {
                "project": str(self.project.id),
                **window,
                "query": "",  # not Sentry's default is:unresolved, which hides resolved issues
                "sort": "date",
                "limit": _PAGE,
            }
            return LinkedListStream(
                self.client,
                entity,
                f"/api/0/organizations/{self.org}/issues/",
                params,
                self._outside("lastSeen"),
                lambda item: st.issue_from_rest(item, project),
                lambda i: str(i.get("shortId") or i.get("id") or ""),  # "": none
                lambda i: i.get("lastSeen"),
                self._state,
                moved=lambda answer: self.moved_note(f"organization {self.org}", answer),
                # sort=date is lastSeen, which a new event moves; the cursor is anchored on it
                catch_up=True,
                resumed_since=self.resumed_since,
            )
        if entity == "error":  # asked by the slugs the user gave, beside the lookup
            return LinkedListStream(
                self.client,
                entity,
                lambda: f"/api/0/projects/{self.org}/{self._slug()}/events/",
                {**window, "full": "true", "per_page": _PAGE},
                self._outside("dateCreated"),
                lambda item: st.error_from_rest(item, self.project),
                lambda i: str(i.get("eventID") or i.get("id") or "")[:12],
                lambda i: i.get("dateCreated"),
                self._state,
                ready=self.ready,
                moved=lambda answer: self.moved_note(f"project {self.target}", answer),
            )
        raise ValueError(f"Sentry has no stream {entity!r}")


class AfterLookup(Stream):
    """A stream whose first request needs the lookup's facts: it awaits the lookup, then
    reads as :meth:`SentryConnector.stream_now` builds it."""

    def __init__(self, connector: SentryConnector, entity: str) -> None:
        self.entity = entity
        self._connector = connector
        self.catches_up = entity == "issue"  # stream_now's issues, sorted by lastSeen

    async def pages(self, cursor: str | None) -> AsyncGenerator[Page, None]:
        await self._connector.ready()
        async with aclosing(self._connector.stream_now(self.entity).pages(cursor)) as pages:
            async for page in pages:
                yield page


PROVIDER = ProviderInfo(
    name="sentry",
    label="Sentry",
    token_env=CATALOG["sentry"].token_env,
    base_url_env="BACKFILL_SENTRY_API_URL",
    default_base_url="https://sentry.io",
    connector=SentryConnector,
    request_prefix="/api/0",
    policy=SentryPolicy,
    reserve_fraction=0.10,
    extra_headers={"Accept": "application/json"},
)
