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
from datetime import datetime, timedelta
from typing import Any

from ..http import SentryPolicy, UnexpectedResponse
from ..models import DEPTHS
from . import sentry_transform as st
from .base import Connector, ItemFailure, Page, ProviderInfo, Stream, transform_item

_SLUG = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}"
_PAGE = 100
#: How late a run may be resumed and still have its depth recognised from the cutoff.
_SLACK = timedelta(hours=6)


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _api_time(moment: datetime) -> str:
    """Sentry's ``start``/``end`` form: ISO 8601 without an offset, read as UTC."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


class SentryStream(Stream):
    def __init__(
        self,
        connector: SentryConnector,
        entity: str,
        path: str,
        params: dict[str, Any],
        moment: str,
        transform: Callable[[Any, st.Project], Any],
        key: Callable[[Any], str],
    ) -> None:
        self.entity = entity
        self._connector = connector
        self._path = path
        self._params = params
        self._moment = moment
        self._transform = transform
        self._key = key

    def _outside(self, item: Any) -> bool:
        moment = _parse_time(item.get(self._moment)) if isinstance(item, dict) else None
        if moment is None:
            return False  # let the transformer count it as a failure
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self._connector.cutoff.tzinfo)
        return moment < self._connector.cutoff

    async def pages(self, cursor: str | None) -> AsyncGenerator[Page, None]:
        client = self._connector.client
        project = self._connector.project
        url: str | None = cursor or self._path
        params: dict[str, Any] | None = None if cursor else self._params
        while url is not None:
            answer = await client.get(url, params)
            if not isinstance(answer.json, list):
                raise UnexpectedResponse(
                    f"Sentry answered {self._path} with a {type(answer.json).__name__}, not a list"
                )
            page = Page()
            for item in answer.json:
                if self._outside(item):
                    page.skipped += 1
                    continue
                result = transform_item(item, lambda i: self._transform(i, project), self._key)
                if isinstance(result, ItemFailure):
                    page.failures.append(result)
                else:
                    page.events.append(result)
            following = answer.links.get("next", {})
            next_url = following.get("url") if following.get("results") == "true" else None
            if next_url is not None:
                client.check_next(next_url)
            page.next_cursor = next_url
            yield page
            url, params = next_url, None


class SentryConnector(Connector):
    provider = "sentry"
    entities = ("issue", "error")
    target_pattern = re.compile(f"{_SLUG}/{_SLUG}")
    target_help = "sentry:ORG/PROJECT (for example sentry:acme/rocket)"

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
        path = f"/api/0/projects/{self.org}/{self.project_slug}/"
        data = (await self.client.get(path)).json
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

    def stream(self, entity: str) -> Stream:
        window = {"start": _api_time(self.cutoff), "end": _api_time(self.run_start())}
        if entity == "issue":
            params = {
                "project": str(self.project.id),
                **window,
                "query": "",  # not Sentry's default is:unresolved, which hides resolved issues
                "sort": "date",
                "limit": _PAGE,
            }
            return SentryStream(
                self,
                entity,
                f"/api/0/organizations/{self.org}/issues/",
                params,
                "lastSeen",
                st.issue_from_rest,
                lambda i: str(i.get("shortId") or i.get("id")),
            )
        if entity == "error":
            return SentryStream(
                self,
                entity,
                f"/api/0/projects/{self.org}/{self.project_slug}/events/",
                {**window, "full": "true", "per_page": _PAGE},
                "dateCreated",
                st.error_from_rest,
                lambda i: str(i.get("eventID") or i.get("id"))[:12],
            )
        raise ValueError(f"Sentry has no stream {entity!r}")


PROVIDER = ProviderInfo(
    name="sentry",
    label="Sentry",
    token_env="SENTRY_AUTH_TOKEN",
    base_url_env="BACKFILL_SENTRY_API_URL",
    default_base_url="https://sentry.io",
    connector=SentryConnector,
    policy=SentryPolicy,
    reserve_fraction=0.10,
    extra_headers={"Accept": "application/json"},
)
