"""Vercel: ``vercel:PROJECT`` or ``vercel:TEAM/PROJECT`` with the stream ``deployment``.

TEAM is a team id (``team_…``, sent as ``teamId``) or a team slug (sent as ``slug``); without
it Vercel answers from the token owner's personal scope. ``prepare()`` resolves the project
once (``GET /v9/projects/{idOrName}``) for its id and name. Deployments are listed newest first
with ``GET /v6/deployments`` at 100 a page; the next page is Vercel's own pointer
(``pagination.next``, sent as ``until``) with the same ``since`` kept on every page. A 404 by
the project's name on a later page looks the project up again by its id: renamed mid-run, the
stream reads on by id with a note (``VercelConnector.renamed_mid_run``); gone, it ends there.
A resume whose lookup by name answers 404 looks the project up by the id the run's first
lookup learned (``Connector.known_id``), and reads on by it when it is there, renamed.

Window rule (interfaces.md §1): ``created >= cutoff``. Vercel documents ``since`` as "created
after" without saying whether the bound is inclusive, so ``since`` is one millisecond before the
cutoff and the rule is applied here too; paging stops at the first deployment older than it.
"""

from __future__ import annotations

import math
import re
from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from ..errors import UsageError
from ..http import (
    AccessDenied,
    ApiClient,
    ApiError,
    ApiResponse,
    UnexpectedResponse,
    VercelPolicy,
)
from ..textsafe import excerpt, one_line
from . import CATALOG
from . import vercel_transform as vt
from .base import (
    Connector,
    Page,
    ProviderInfo,
    Stream,
    StreamOrder,
    gone_between_pages,
)
from .items import ItemFailure, not_an_object, transform_item

PAGE_SIZE = 100

#: The ordering, window and stop rule of the stream (docs/real-world.md, "Streams and account
#: states"; provider-apis.md §2.2). The order follows from Vercel's own pointer: the next page
#: is "created before ``until``", ``until`` being the last item's ``created``.
ORDERS: dict[str, StreamOrder] = {
    "deployment": StreamOrder(
        ordered_by="created, descending (the until cursor is the last item's created)",
        window_on="created",
        server_filter="since=cutoff-1ms (created after)",
        early_stop=True,
        stop_rule="stop at the first deployment created before the cutoff: the list is sorted "
        "on the window's own field",
    ),
}


def _millis(value: Any) -> int | None:
    """A Vercel timestamp (epoch ms) as an int, or None when it is not one. The schema says
    a number; a string of digits is read as one too, rather than taken for the list's end (a
    fresh tester's finding)."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return int(value)


def _iso(millis: int | None) -> str | None:
    """Epoch ``millis`` as ISO 8601 (UTC), or None for None and for a time outside the years
    1 to 9999 (``created: 99999999999999999``: it failed the whole page as an internal error,
    a fresh tester's finding; the item's own transform fails that item alone)."""
    if millis is None:
        return None
    try:
        return datetime.fromtimestamp(millis / 1000, UTC).isoformat()
    except (OverflowError, OSError, ValueError):
        return None


def _uid(item: Any) -> str:
    return str(item.get("uid")) if isinstance(item, dict) else "?"


class DeploymentStream(Stream):
    entity = "deployment"

    def __init__(self, connector: VercelConnector) -> None:
        self._connector = connector

    async def pages(self, cursor: str | None) -> AsyncGenerator[Page, None]:
        connector = self._connector
        client = connector.client
        cutoff_ms = math.floor(connector.cutoff.timestamp() * 1000)
        # ``projectId`` takes the project's id or name (provider-apis.md §2). When the lookup
        # runs beside the streams (the engine's way), every page is asked by the name the user
        # gave, whether or not the lookup has answered yet: the requests then do not depend on
        # which answered first, so a replay (whose lookup answers at once) asks exactly what
        # the recorded run asked. A lookup that ran before (``prepare()`` awaited) gives the id.
        overlapped = connector.lookup_overlapped
        known = getattr(connector, "project", None)
        base: dict[str, Any] = {
            "projectId": known.id
            if known is not None and not overlapped
            else connector.project_ref,
            **connector.scope,
            "since": cutoff_ms - 1,
            "limit": PAGE_SIZE,
        }
        until: int | None = int(cursor) if cursor else None
        waiting = known is None
        renamed: str | None = None  # the note of a rename met mid-run, for the next page
        read = 0  # pages read by this scan
        while True:
            params = base if until is None else {**base, "until": until}
            try:
                answer = await client.get("/v6/deployments", params)
            except ApiError as exc:
                if waiting:  # the lookup's own failure, if any, is the stream's
                    await connector.ready()
                    waiting = False
                    # A resume's lookup found the project by the run's id, renamed since the
                    # run began: its old name answers 404, the page is asked again by id
                    by_id = {**base, "projectId": connector.project.id}
                    if connector.resumed_by_id and base != by_id:
                        base = by_id
                        continue
                what = f"project {connector.project.name}"
                first = until is None and cursor is None
                note = gone_between_pages("Vercel", what, exc, first)
                if note is None:
                    raise
                # Asked by name: a project renamed mid-run answers 404 by its old name, which
                # no longer names it; its id still does. Asked by id, the 404 is the end.
                if base["projectId"] != connector.project.id:
                    renamed = await connector.renamed_mid_run()
                    if renamed is not None:
                        base = {**base, "projectId": connector.project.id}
                        continue  # the same page again, by the project's id
                note = "; ".join(n for n in (renamed, note) if n)
                yield Page(note=note, ended_short=not first)  # the later pages were not read
                return
            if waiting:
                await connector.ready()
                waiting = False
            body = answer.json
            items = body.get("deployments") if isinstance(body, dict) else None
            if not isinstance(items, list):
                raise UnexpectedResponse(
                    "Vercel answered /v6/deployments without a list of deployments"
                )
            page = Page(note=renamed)
            renamed = None
            read += 1
            if answer.redirects:  # /v6/deployments answered from elsewhere (ApiClient.get)
                moved = connector.moved_note(
                    f"the deployment list of project {connector.project.name}", answer
                )
                page.note = "; ".join(n for n in (page.note, moved) if n) or None
            older = False
            for index, item in enumerate(items, 1):
                if (odd := not_an_object(item, f"item {index} of page {read}")) is not None:
                    page.failures.append(odd)
                    continue
                created = _millis(item.get("created"))
                if created is not None and created < cutoff_ms:
                    older = True  # newest first: everything after it is older still
                    break
                result = transform_item(
                    item, lambda i: vt.deployment_from_rest(i, connector.project), _uid
                )
                if isinstance(result, ItemFailure):
                    page.failures.append(result)
                else:
                    page.events.append(result)
            last = (
                _millis(items[-1].get("created")) if items and isinstance(items[-1], dict) else None
            )
            page.reached = _iso(last)
            pagination = body.get("pagination")
            pointer = pagination.get("next") if isinstance(pagination, dict) else None
            following = _millis(pointer)
            # A pointer that cannot be followed stops the stream after this page is stored
            # (``Page.stalled``): raised here, it threw the page's good items away, 0 fetched
            # (a fresh tester's finding); read as "no more pages", it ended the stream
            # completed with the rest unread.
            if following is None and pointer is not None and not older:
                page.stalled = (
                    f"Vercel's next-page pointer is not a timestamp ({str(pointer)[:60]!r}); "
                    "stopped rather than call the list complete"
                )
                page.stuck = True  # the same page gives the same pointer to a resume
            if older or following is None:
                following = None
            elif until is not None and following >= until:
                page.stalled = (
                    f"Vercel's next-page pointer ({following}) does not move past the last "
                    f"one ({until}); stopped to avoid reading the same page forever"
                )
                page.stuck = True
                following = None
            page.next_cursor = None if following is None else str(following)
            yield page
            if following is None:
                return
            until = following


class VercelConnector(Connector):
    provider = "vercel"
    label = "Vercel"
    entities = ("deployment",)
    cursor_form = "until"
    target_pattern = re.compile(r"(?:[A-Za-z0-9][A-Za-z0-9_-]{0,99}/)?[A-Za-z0-9._-]{1,100}")
    target_help = "vercel:PROJECT or vercel:TEAM/PROJECT (for example vercel:acme/rocket-web)"

    #: A team id as Vercel writes it: ``team_`` and then letters and digits (provider-apis.md
    #: §2.1, ``teamId=team_…``; the ids Vercel's dashboard and API show, such as
    #: ``team_1a2B3c4D5e6F7g8H9i0J1k2L``, have nothing else after the prefix).
    team_id_pattern = re.compile(r"(?i:team_)[A-Za-z0-9]+")

    @classmethod
    def parse_target(cls, target: str) -> str:
        """``PROJECT`` or ``TEAM/PROJECT``; :class:`UsageError` for one the pattern refuses
        and for a TEAM that starts as a team id (``team_``, sent as ``teamId``) without being
        one: ``vercel:team_/web`` was taken and sent ``teamId=team_`` (a fresh tester's
        finding). A slug, any other TEAM, is kept as it was accepted."""
        team, sep, _ = target.partition("/")
        if sep and team.lower().startswith("team_") and not cls.team_id_pattern.fullmatch(team):
            raise UsageError(
                f"'{excerpt(f'vercel:{target}')}' is not a valid Vercel source: "
                f"'{excerpt(team)}' is no team id (a team id is team_ followed by letters and "
                "digits, as Vercel's team settings show it); write vercel:TEAM/PROJECT with "
                "the team's id or its slug, for example vercel:acme/rocket-web"
            )
        return super().parse_target(target)

    orders = ORDERS
    overlaps_lookup = True  # deployments are listed by the project's name meanwhile
    project: vt.Project

    def __init__(self, target: str, client: ApiClient, cutoff: datetime) -> None:
        super().__init__(target, client, cutoff)
        team, _, self.project_ref = target.rpartition("/")
        self.team: str | None = team or None

    @property
    def scope(self) -> dict[str, str]:
        """The query parameter naming the team: ``teamId`` for an id, ``slug`` for a slug."""
        if self.team is None:
            return {}
        return {"teamId": self.team} if self.team.startswith("team_") else {"slug": self.team}

    async def prepare(self) -> None:
        """Look the project up by the name given (``GET /v9/projects/{name}``) for its id and
        name; on a resume whose lookup by name answers 404, by the id the run's first lookup
        learned (:attr:`known_id`, :meth:`_renamed_since`). Raises :class:`AccessDenied` (403,
        404: "cannot be read") and the client's other :class:`ApiError`."""
        path = f"/v9/projects/{quote(self.project_ref, safe='')}"
        try:
            answer = await self.client.get(path, self.scope)
        except AccessDenied as exc:
            where = (
                f"team '{self.team}'"
                if self.team
                else "the token's personal account (for a team project write vercel:TEAM/PROJECT)"
            )
            denied = AccessDenied(
                f"Vercel project '{self.project_ref}' in {where} cannot be read: {exc}"
            )
            if exc.status != 404 or self.known_id is None:
                raise denied from None
            answer = await self._renamed_since(self.known_id, denied)
            path = f"/v9/projects/{quote(self.known_id, safe='')}"
        data = answer.json
        if not isinstance(data, dict) or not isinstance(data.get("id"), str) or not data["id"]:
            raise UnexpectedResponse(f"Vercel answered {path} without a project id")
        team_id = self.team if self.team and self.team.startswith("team_") else None
        account = data.get("accountId")
        if isinstance(account, str) and account.startswith("team_"):
            team_id = account
        name = data.get("name")
        self.project = vt.Project(
            id=data["id"],
            name=name if isinstance(name, str) and name else self.project_ref,
            team_id=team_id,
        )
        self.resource_id = self.project.id
        if self.resumed_by_id:
            self.notes.append(
                f"project renamed from {self.project_ref} to {self.project.name} since the run "
                f"began; resumed by its id ({self.project.id})"
            )

    #: Set by ``prepare()`` when a resume found the project by the run's id, not its name: the
    #: deployments are then asked by id (a page asked by name beside the lookup, again by id).
    resumed_by_id = False

    async def _renamed_since(self, known: str, denied: AccessDenied) -> ApiResponse:
        """A resume's lookup by the id the run's first lookup learned (``known``), after the
        name given answered 404: the project renamed since the run began keeps its id
        (``projectId`` and ``/v9/projects/{idOrName}`` take either, provider-apis.md §2), and
        the resume reads on by it; it failed the source, so the run could never finish (left
        open by the mid-run rename's fix). Gone or hidden by id too (403, 404, 410, another
        project's answer, or its name unchanged): ``denied``, the lookup's line as before, is
        raised; any other failure of the lookup (:class:`ApiError`) is raised as it is, to
        resume later. With an earlier run's id (:attr:`known_earlier`: a new run), the
        project is not read under its new name: ``denied`` is raised with that name added,
        for the user to give."""
        answer = await self._project_by_id(known)
        if answer is None:
            raise denied
        name = answer.json.get("name")
        if not isinstance(name, str) or not name or name == self.project_ref:
            raise denied  # not renamed: nothing to go on by
        if self.known_earlier:  # a new run: the user names the project as it is now
            team = f"{self.team}/" if self.team else ""
            raise AccessDenied(
                f"{denied}; the project an earlier run read as {self.project_ref} ({known}) is "
                f"now named {excerpt(one_line(name))}: give vercel:{team}{excerpt(one_line(name))}"
            )
        self.resumed_by_id = True
        return answer

    async def _project_by_id(self, project_id: str) -> ApiResponse | None:
        """The project whose id is ``project_id`` (``GET /v9/projects/{idOrName}``, which takes
        either, provider-apis.md §2), whatever its name is now: its answer, whose ``json`` is
        an object with that id; None when it is gone or hidden (403, 404, 410) or the answer
        names another project. Raises the client's other :class:`ApiError`. Both a mid-run
        404 (:meth:`renamed_mid_run`) and a resume's (:meth:`_renamed_since`) ask it."""
        try:
            answer = await self.client.get(f"/v9/projects/{quote(project_id, safe='')}", self.scope)
        except ApiError as exc:
            if exc.status in (403, 404, 410):
                return None
            raise
        data = answer.json
        return answer if isinstance(data, dict) and data.get("id") == project_id else None

    async def renamed_mid_run(self) -> str | None:
        """After the deployment list answered 404 by the project's name on a later page: the
        project looked up again by the id the lookup learned (``GET /v9/projects/{id}``). Still
        there: :attr:`project` becomes what it is now (its new name) and the stream's note is
        returned ("project renamed from rocket-web to rocket-site mid-run; …"). Gone or
        hidden (403, 404, 410): None, and the stream ends "deleted or hidden" as before. A
        renamed project keeps its id, and its old name no longer names it (``projectId``
        takes an id or a name, provider-apis.md §2): a 404 by name on page 2 ended the stream
        "deleted or hidden" with the rest of its window unread (a fresh tester's finding).
        Any other failure of the lookup (:class:`ApiError`) is raised: the stream fails, to
        resume, rather than guess."""
        old = self.project
        answer = await self._project_by_id(old.id)
        if answer is None:
            return None
        name = answer.json.get("name")
        now = name if isinstance(name, str) and name else old.name
        self.project = vt.Project(id=old.id, name=now, team_id=old.team_id)
        if now != old.name:
            return (
                f"project renamed from {old.name} to {now} mid-run; the rest of its "
                f"deployments were read by its id ({old.id})"
            )
        return (
            f"Vercel answered 404 for project {old.name}'s deployments by name mid-run, but "
            f"the project is still there; the rest were read by its id ({old.id})"
        )

    def stream(self, entity: str) -> Stream:
        if entity == "deployment":
            return DeploymentStream(self)
        raise ValueError(f"Vercel has no stream {entity!r}")


PROVIDER = ProviderInfo(
    name="vercel",
    label="Vercel",
    token_env=CATALOG["vercel"].token_env,
    base_url_env="BACKFILL_VERCEL_API_URL",
    default_base_url="https://api.vercel.com",
    connector=VercelConnector,
    policy=VercelPolicy,
    reserve_fraction=0.10,
)
