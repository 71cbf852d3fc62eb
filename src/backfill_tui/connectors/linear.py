"""Linear: ``linear:TEAM_KEY`` with streams issue, comment and project, over GraphQL.

Queries go through gql's httpx transport on top of the run's :class:`ResilientTransport`, so
they get the same credential pinning, retries, rate-limit waits (``RATELIMITED`` answers, HTTP
400, are recognised by :class:`LinearPolicy` before gql sees them) and call accounting as REST.
Each stream pages one root connection filtered server-side to the team and to
``updatedAt >= cutoff`` (``linear_query``); the checkpoint cursor is Linear's ``endCursor``.
``prepare()`` resolves the team first, because Linear answers a filter on an unknown team key
with an empty list rather than an error. The lists filter on the team key the user gave, so
that their first page goes out beside that lookup; a key renamed mid-run (Linear lets a team's
key change, ENG → CORE) is met by :meth:`LinearConnector.key_renamed` (a list whose first
page came after it, by :meth:`LinearConnector.renamed_elsewhere`), and the lists go on by
the team's id; a resume whose lookup finds no team by the key looks it up by the id the run's
first lookup learned (``Connector.known_id``), and goes on by it when it is there, renamed.

Past 400 lines on purpose: one provider's connector (its streams, GraphQL paging, both rate
limit budgets and partial answers) in one file, one provider per file (style.md).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncGenerator, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from gql import Client, GraphQLRequest
from gql.transport.exceptions import (
    TransportConnectionFailed,
    TransportError,
    TransportProtocolError,
    TransportQueryError,
    TransportServerError,
)
from gql.transport.httpx import HTTPXAsyncTransport

from ..errors import UsageError
from ..http import (
    AccessDenied,
    ApiError,
    AuthenticationFailed,
    LinearPolicy,
    UnexpectedResponse,
)
from ..http.body import parse_json
from ..http.client import TIMEOUT, USER_AGENT, unbind
from ..http.errors import NotGraphQL, NotJson
from ..http.transport import PARSED_JSON
from ..models import SourceEvent
from ..secrets_registry import redact
from ..textsafe import excerpt, one_line
from . import CATALOG
from . import linear_query as lq
from . import linear_transform as lt
from .base import (
    CATCH_UP_MARGIN_S,
    Connector,
    Page,
    ProviderInfo,
    Stream,
    StreamOrder,
    provider_time,
)
from .items import ItemFailure, listed_key, not_an_object, transform_item

__all__ = ["PROVIDER", "LinearConnector"]


def _order(root: str) -> StreamOrder:
    return StreamOrder(
        ordered_by="updatedAt (orderBy: updatedAt)",
        window_on="updatedAt",
        server_filter="filter: {updatedAt: {gte: cutoff}}, team key (its id once found renamed)",
        early_stop=False,
        stop_rule=f"read every page while pageInfo.hasNextPage; any {root} updated before the "
        "cutoff is skipped (the server filter already bounds the window)",
    )


#: The ordering, window and stop rule of each stream (docs/real-world.md, "Streams and account
#: states"; provider-apis.md §3.2).
ORDERS: dict[str, StreamOrder] = {
    "issue": _order("issue"),
    "comment": _order("comment"),
    "project": _order("project"),
}

_AUTH_CODES = {"AUTHENTICATION_ERROR", "UNAUTHENTICATED"}
_FORBIDDEN_CODES = {"FORBIDDEN"}

Transform = Callable[[Any, lt.Team], SourceEvent]
_STREAMS: dict[str, tuple[Transform, Callable[[Any], str]]] = {
    "issue": (lt.issue_from_graphql, lt.issue_key),
    "comment": (lt.comment_from_graphql, lt.comment_key),
    "project": (lt.project_from_graphql, lt.project_key),
}


class _SharedTransport(httpx.AsyncBaseTransport):
    """The run's transport, lent to gql's short-lived httpx client without being closed by it."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        """The engine closes the real transport when the source is done."""


class _ParsedOnce(HTTPXAsyncTransport):
    """gql's httpx transport, reading an answer's JSON as the run's ``ResilientTransport``
    parsed it (``http.transport.PARSED_JSON``, with ``parse_json``, which gql was given too),
    instead of parsing the same bytes again: a tenth of a four-provider replay's JSON reading
    (bench/replay.py). Taken out of the answer, the tree is freed with its page, not kept in
    httpx's answer/stream cycle until a garbage collection (``ApiClient.get`` does the same).
    An answer the transport did not parse (not labelled JSON, or not JSON) is read by gql as
    before, with its own errors."""

    def _get_json_result(self, response: httpx.Response) -> Any:
        body = response.extensions.pop(PARSED_JSON, None)
        unbind(response)
        if body is None:
            return super()._get_json_result(response)
        self.response_headers = response.headers  # as gql's own keeps them
        return body


def _error_list(errors: Any) -> list[Any]:
    """A GraphQL answer's ``errors`` as a list: the spec's list as it is, anything else (a
    string, one object) as the one error it is; ``[]`` for none. ``"errors": "oops"`` was read
    as its first character (a fresh tester's finding)."""
    if isinstance(errors, list):
        return errors
    return [] if errors is None else [errors]


def _first_error(errors: Any) -> tuple[str, str]:
    """(code, message) of the first GraphQL error (``errors`` as :func:`_error_list` reads
    it), as one safe line."""
    listed = _error_list(errors)
    first = listed[0] if listed else {}
    if not isinstance(first, dict):
        return "", redact(str(first))[:200]
    ext = lt.as_dict(first.get("extensions"))
    code = str(ext.get("code") or ext.get("type") or "")
    message = str(ext.get("userPresentableMessage") or first.get("message") or "no message")
    return code, redact(" ".join(message.split()))[:200]


class LinearStream(Stream):
    catches_up = True  # after two pages or more, and after a resumed scan (_caught_up)

    def __init__(self, connector: LinearConnector, entity: str) -> None:
        self.entity = entity
        self._connector = connector
        self._query, self._root = lq.QUERIES[entity]
        self._transform, self._key = _STREAMS[entity]

    async def pages(self, cursor: str | None) -> AsyncGenerator[Page, None]:
        connector = self._connector
        after = cursor
        waiting = True  # the lists are filtered by team key: asked beside the team lookup
        read = 0  # pages read by this scan
        # The newest node's updatedAt at the start, less a minute; for a resumed scan (it
        # starts mid-list, where the newest node is old) the run's start less a minute: what
        # was updated while the run was stopped moved ahead of the cursor too
        began = connector.resumed_since() if cursor is not None else None
        recent: set[str] = set()  # ids of nodes read with an updatedAt since ``began``
        # This scan asks by the team's id once it met the key renamed itself (not on another
        # stream's word: what each stream sends then follows from its own answers alone, so a
        # replay, whose streams interleave otherwise, asks what the recording holds), or once
        # a resume's lookup found the team renamed since the run began (every stream awaits
        # the lookup's answer before its second request); an empty first page alone goes on
        # another stream's word, once the others' answers settled it (renamed_elsewhere)
        by_id = not connector.lookup_overlapped and connector.resumed_by_id
        renamed: str | None = None  # the note owed to the next page stored
        while True:
            try:
                data, errors = await connector.execute_partial(
                    self._request(connector.cutoff_text, after, by_id=by_id), self._root
                )
            except Exception:
                if waiting:  # the lookup's own failure, if any, is the stream's
                    waiting = False
                    await connector.ready()
                raise
            if waiting:
                waiting = False
                await connector.ready()
                if connector.resumed_by_id and not by_id:  # the same page again, by id
                    by_id = True
                    continue
            nodes, has_next, end_cursor = _connection(data, self._root)
            # A later page with nothing, after one that said more follow, is what a list
            # filtered on a key renamed since answers: asked again by the team's id if so
            ended = not nodes and not has_next and after is not None
            if ended and not by_id and await connector.key_renamed() is not None:
                by_id, renamed = True, connector.renamed_note()
                continue
            # An empty first page is what a quiet team gets, and what a list filtered on a
            # key renamed before it was answered gets: asked again by the team's id when
            # another stream of the run met the rename (its own answers said so)
            quiet = not nodes and not has_next and after is None and cursor is None
            if quiet and not by_id and await connector.renamed_elsewhere(self.entity):
                by_id, renamed = True, connector.renamed_note()
                continue
            said = [n for n in (renamed, _pathless(errors, self._root, len(nodes))) if n]
            page = Page(note="; ".join(said) or None)
            renamed = None
            lacking = _node_errors(errors, self._root)
            read += 1
            if read == 1 and cursor is None and nodes and isinstance(nodes[0], dict):
                newest = provider_time(nodes[0].get("updatedAt"))
                began = newest - timedelta(seconds=CATCH_UP_MARGIN_S) if newest else None
            for index, node in enumerate(nodes):
                if (odd := not_an_object(node, f"item {index + 1} of page {read}")) is not None:
                    page.failures.append(odd)
                    continue
                self._take(node, page, lacking.get(index, []))
                if began is not None and isinstance(node, dict):
                    updated = provider_time(node.get("updatedAt"))
                    if updated is not None and updated >= began:
                        recent.add(_read_key(node, self._key))
            last = nodes[-1] if nodes else None
            if isinstance(last, dict) and isinstance(last.get("updatedAt"), str):
                page.reached = last["updatedAt"]  # ordered by updatedAt, the window's field
            # A cursor that repeats is the engine's paging guard's to stop, after this page is
            # stored; none at all is said here, the page stored alike (both had dropped it).
            if has_next and not end_cursor:
                where = "on its first page" if after is None else f"after {after!r}"
                page.stalled = (
                    f"Linear said more {self._root} follow but gave no cursor {where}; stopped here"
                )
                page.stuck = True  # a resume asks the same page and is given no cursor again
            page.next_cursor = end_cursor if has_next else None
            whole = read > 1 or cursor is not None
            if page.next_cursor is None and page.stalled is None and whole and began:
                await self._caught_up(page, began, recent, by_id=by_id)
            yield page
            if page.next_cursor is None or page.stalled is not None:
                return
            after = page.next_cursor

    async def _caught_up(
        self, page: Page, began: datetime, recent: set[str], *, by_id: bool
    ) -> None:
        """Ask the list again, after its last page, for nodes updated since ``began`` (the
        newest node's ``updatedAt`` when the scan began, less :data:`CATCH_UP_MARGIN_S`), into
        ``page``, passing over ``recent`` (the ids of nodes this scan read since then);
        ``by_id``: asked by the team's id, as the scan went on after meeting the key renamed.

        The lists are ordered by ``updatedAt`` and paged by a cursor: a node updated while
        they are read moves ahead of the cursor, and no later page lists it (a tester's
        finding: an issue updated mid-run was missing from a completed run, with no duplicate
        to show it). Called after every scan of two pages or more and every resumed scan
        (a tester's finding: what changed while a run was stopped was missing after its
        resume, which started mid-list); a node this scan read
        before it moved is read again, a duplicate by sourceId. A failed answer leaves the
        page as it was (the nodes are a re-sync's to fetch).

        Asked by key, an answer with nothing where something must be (the scan read nodes
        updated since ``began``, which the filter still matches; or a later page after one
        that said more follow) is a key renamed since the scan's last page: the connector asks
        the team by id (:meth:`LinearConnector.key_renamed`; cached once any stream found the
        rename) and, renamed, the catch-up is asked again by the team's id, the page noting it.
        It ended with nothing, and what was updated during the run was missed (left open by
        the mid-run rename's fix). The switch follows from this stream's own answers and the
        team's, so a replay asks what the recording holds; a normal catch-up lists at least
        the scan's newest node, and sends what it sent."""
        connector = self._connector
        since = max(began, connector.cutoff).astimezone(UTC)
        cutoff = since.strftime("%Y-%m-%dT%H:%M:%S.") + f"{since.microsecond // 1000:03d}Z"
        after: str | None = None
        while True:
            try:
                data, errors = await connector.execute_partial(
                    self._request(cutoff, after, by_id=by_id), self._root
                )
            except ApiError:
                return
            nodes, has_next, end_cursor = _connection(data, self._root)
            if not nodes and not by_id and (recent or after is not None):
                try:
                    renamed = await connector.key_renamed()
                except ApiError:
                    return
                if renamed is not None:  # the same catch-up page again, by the team's id
                    by_id = True
                    page.note = "; ".join(n for n in (page.note, connector.renamed_note()) if n)
                    continue
            lacking = _node_errors(errors, self._root)
            for index, node in enumerate(nodes):
                if not isinstance(node, dict):  # as the other providers' catch-ups pass them
                    continue
                if _read_key(node, self._key) not in recent:
                    self._take(node, page, lacking.get(index, []))
            if not has_next or not end_cursor or end_cursor == after:
                return
            after = end_cursor

    def _request(self, cutoff: str, after: str | None, *, by_id: bool) -> GraphQLRequest:
        """One page of this stream's list from ``after``, filtered on the team key the user
        gave, or (``by_id``) on the team's id, once the key was found renamed."""
        connector = self._connector
        if by_id:
            document, team = lq.QUERIES_BY_ID[self.entity].document, connector.team.id
        else:
            document, team = self._query.document, connector.target
        variables = {"team": team, "cutoff": cutoff, "after": after}
        return GraphQLRequest(document, variable_values=variables)

    def _skip(self, node: dict[str, Any], page: Page) -> None:
        """Pass over a node, its key kept where it has one (``Page.skipped_keys``: the
        paging guard tells by them a page of nothing but nodes already read)."""
        page.skipped += 1
        if key := listed_key(self._key, node):  # no key: the page is not judged
            page.skipped_keys.append(key)

    def _take(self, node: Any, page: Page, lacking: list[tuple[list[Any], str]]) -> None:
        """Decide one node; ``lacking`` are (path inside the node, message) of its errors."""
        if lacking and isinstance(node, dict):
            for inside, _message in lacking:
                _clear(node, inside)  # absent, as a webhook would carry it
        if isinstance(node, dict):
            # A comment on a project update or document has no issue: not an issue comment.
            if self.entity == "comment" and node.get("issue") is None:
                self._skip(node, page)
                return
            updated = provider_time(node.get("updatedAt"))
            if updated is not None and updated < self._connector.cutoff:
                self._skip(node, page)  # the server filter should make this impossible
                return
        team = self._connector.team
        result = transform_item(node, lambda n: self._transform(n, team), self._key)
        if isinstance(result, ItemFailure):
            if lacking:
                said = "; ".join(m for _, m in lacking)
                result = ItemFailure(result.key, f"{result.reason} (Linear said: {said})"[:300])
            page.failures.append(result)
            return
        page.events.append(result)
        if isinstance(node, dict) and isinstance(node.get("updatedAt"), str):
            page.windowed[result.sourceId] = node["updatedAt"]  # the window's field
        for inside, message in lacking:
            where = ".".join(str(p) for p in inside) or "the node"
            key = result.sourceId
            page.item_notes.append(
                ItemFailure(key, f"stored without {where}: Linear said: {message}"[:300])
            )


def _read_key(node: Any, key: Callable[[Any], str]) -> str:
    """How a catch-up tells a node its scan read: its Linear ``id``, which a renamed team key
    leaves as it was (an issue read as ENG-900 and met again as CORE-900 was taken twice,
    under two sourceIds), else its listed key (``listed_key``)."""
    if isinstance(node, dict) and isinstance(node.get("id"), str) and node["id"]:
        return str(node["id"])
    return listed_key(key, node)


def _node_index(path: Any, root: str) -> int:
    """The node index of an error's ``[root, "nodes", i, ...]`` path; -1 for any other."""
    if isinstance(path, list) and len(path) >= 3 and path[:2] == [root, "nodes"]:
        index = path[2]
        if isinstance(index, int) and not isinstance(index, bool):
            return index
    return -1


def _node_errors(errors: list[Any], root: str) -> dict[int, list[tuple[list[Any], str]]]:
    """GraphQL errors that point into one node (``[root, "nodes", i, ...]``), by node index."""
    found: dict[int, list[tuple[list[Any], str]]] = {}
    for error in errors:
        path = error.get("path") if isinstance(error, dict) else None
        if isinstance(path, list) and len(path) >= 3 and path[:2] == [root, "nodes"]:
            index = path[2]
            if isinstance(index, int) and not isinstance(index, bool):
                _code, message = _first_error([error])
                found.setdefault(index, []).append((path[3:], message))
    return found


def _clear(node: dict[str, Any], inside: list[Any]) -> None:
    """Set the value at ``inside`` (a GraphQL error's path below a node) to null."""
    if not inside:
        return
    holder: Any = node
    for step in inside[:-1]:
        try:
            holder = holder[step]
        except (KeyError, IndexError, TypeError):
            return
    last = inside[-1]
    in_list = isinstance(holder, list) and isinstance(last, int) and 0 <= last < len(holder)
    if in_list or (isinstance(holder, dict) and isinstance(last, str)):
        holder[last] = None


def _connection(data: dict[str, Any], root: str) -> tuple[list[Any], bool, str | None]:
    connection = data.get(root)
    if not isinstance(connection, dict) or not isinstance(connection.get("nodes"), list):
        raise UnexpectedResponse(f"Linear answered the {root} query without a list of nodes")
    info = connection.get("pageInfo")
    if not isinstance(info, dict):
        raise UnexpectedResponse(f"Linear answered the {root} query without pageInfo")
    end = info.get("endCursor")
    return connection["nodes"], bool(info.get("hasNextPage")), end if isinstance(end, str) else None


class LinearConnector(Connector):
    provider = "linear"
    label = "Linear"
    entities = ("issue", "comment", "project")
    target_pattern = re.compile(r"[A-Za-z][A-Za-z0-9]{0,9}")
    target_help = "linear:TEAM_KEY (for example linear:ENG)"
    orders = ORDERS
    overlaps_lookup = True  # the lists filter on the team key the user gave

    team: lt.Team
    #: The team's key now, once :meth:`key_renamed` found it renamed mid-run; a list that
    #: meets the rename then goes on by the team's id.
    renamed_to: str | None = None

    def __init__(self, target: str, client: Any, cutoff: datetime) -> None:
        super().__init__(target, client, cutoff)
        self._rename_check = asyncio.Lock()
        # The entities the run reads (streams_planned), and those ended or waiting in
        # renamed_elsewhere; _wake is set (and replaced) whenever either changes
        self._planned: set[str] = set()
        self._settled: set[str] = set()
        self._wake = asyncio.Event()
        utc = cutoff.astimezone(UTC)
        self.cutoff_text = utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"

    @classmethod
    def parse_target(cls, target: str) -> str:
        """Team keys are upper case in Linear; ``linear:eng`` means ``linear:ENG``."""
        if not cls.target_pattern.fullmatch(target):
            raise UsageError(
                f"'{excerpt(f'linear:{target}')}' is not a valid Linear source; write it as "
                f"{cls.target_help}"
            )
        return target.upper()

    @staticmethod
    def auth_header(token: str) -> str:
        """A personal API key (``lin_api_…``) is sent as is; an OAuth token as ``Bearer``."""
        return token if token.startswith("lin_api_") else f"Bearer {token}"

    async def prepare(self) -> None:
        request = GraphQLRequest(lq.TEAM.document, variable_values={"key": self.target})
        data = await self.execute(request, "teams")
        teams = data.get("teams")
        nodes = teams.get("nodes") if isinstance(teams, dict) else None
        if not isinstance(nodes, list):
            raise UnexpectedResponse("Linear answered the teams query without a list of nodes")
        team = next((n for n in nodes if isinstance(n, dict) and n.get("key") == self.target), None)
        if team is None or not team.get("id"):
            denied = AccessDenied(
                f"Linear has no team {self.target} visible to this key; check the team key "
                "(Settings → Teams) and that the key's user belongs to the team"
            )
            if self.known_id is None:  # a fresh run: nothing to tell a renamed key by
                raise denied
            team = await self._renamed_since(self.known_id, denied)
        organization = lt.as_dict(team.get("organization"))
        self.team = lt.Team(
            id=str(team["id"]),
            key=self.target,
            name=str(team.get("name") or self.target),
            organization_id=organization.get("id"),
        )
        owner = organization.get("id")
        self.owner = str(owner) if owner else None  # linear:ENG names no organization
        self.resource_id = self.team.id
        if self.resumed_by_id:
            self.notes.append(
                f"Linear team {self.target} was renamed "
                f"{excerpt(one_line(str(self.renamed_to)))} since the run began; resumed by "
                "the team's id"
            )

    #: Set by ``prepare()`` when a resume found the team by the run's id under a new key: every
    #: list then filters on the team's id (a page asked by key beside the lookup, again by id).
    resumed_by_id = False

    async def _renamed_since(self, known: str, denied: AccessDenied) -> dict[str, Any]:
        """A resume's lookup by the team id the run's first lookup learned (``known``), after
        the key given matched no team: a key renamed since the run began (ENG → CORE) leaves
        the id as it was, and the resume reads on by it (:attr:`resumed_by_id`,
        :attr:`renamed_to`); it failed the source with "no team ENG", so the run could never
        finish (left open by the mid-run rename's fix). Returns the team's node; raises
        ``denied`` (the lookup's line as before) when no team has that id (or it still has
        the key given), and
        :class:`ApiError` as :meth:`execute` does. With an earlier run's id
        (:attr:`known_earlier`: a new run), a team found under a new key is not read:
        ``denied`` is raised with its key now added, for the user to give."""
        found = await self._team_by_id(known)
        key = found.get("key") if found is not None else None
        if found is None or not isinstance(key, str) or not key or key == self.target:
            raise denied  # gone, or not renamed: nothing to go on by
        if self.known_earlier:  # a new run: the user names the key as it is now
            now = excerpt(one_line(key))
            raise AccessDenied(
                f"{denied}; the team an earlier run read as {self.target} (its id {known}) is now "
                f"{now}: give linear:{now}"
            )
        self.resumed_by_id, self.renamed_to = True, key
        return found

    async def _team_by_id(self, team_id: str) -> dict[str, Any] | None:
        """The team whose id is ``team_id`` (``TEAM_BY_ID``, ``TeamFilter.id`` in Linear's
        schema.graphql), whatever its key is now; None when none is visible."""
        request = GraphQLRequest(lq.TEAM_BY_ID.document, variable_values={"id": team_id})
        data = await self.execute(request, "teams")
        teams = data.get("teams")
        nodes = teams.get("nodes") if isinstance(teams, dict) else None
        return next(
            (n for n in nodes or [] if isinstance(n, dict) and n.get("id") == team_id), None
        )

    async def key_renamed(self) -> str | None:
        """The team's key now when it is no longer the one the lists filter on (the target),
        else None; asks Linear at most until it finds a rename, one stream at a time.

        Linear lets a team's key be renamed (ENG → CORE; Settings → Teams), and a list whose
        filter names the old key then matches nothing: its next page came back empty with
        ``hasNextPage`` false, and the stream completed with the rest of its window unread (a
        fresh tester's finding). Called on such a page only (or a catch-up with nothing where
        the scan's newest nodes must be, ``LinearStream._caught_up``), so runs without a
        rename send what they sent before. Asks the team by the id the lookup found
        (``TEAM_BY_ID``, ``TeamFilter.id`` in Linear's schema.graphql). None too when the team
        is gone or hidden: the empty page was the list's end. Raises :class:`ApiError` as
        :meth:`execute` does (the stream fails and can be resumed, rather than complete
        short)."""
        async with self._rename_check:
            if self.renamed_to is None:
                found = await self._team_by_id(self.team.id)
                key = found.get("key") if found is not None else None
                if isinstance(key, str) and key and key != self.target:
                    self.renamed_to = key
                    self._poke()
            return self.renamed_to

    def streams_planned(self, entities: Sequence[str]) -> None:
        self._planned = set(entities)

    def stream_over(self, entity: str) -> None:
        self._settled.add(entity)
        self._poke()

    def _poke(self) -> None:
        """Wake :meth:`renamed_elsewhere`'s waiters to look again."""
        self._wake.set()
        self._wake = asyncio.Event()

    async def renamed_elsewhere(self, entity: str) -> bool:
        """Whether another stream of the run met the team's key renamed, for ``entity``'s
        stream, whose first page by key came back empty; waits until that is known.

        An empty first page is what a quiet team gets, and a run of one sends what it sent
        before (its recordings replay): nothing more is asked here. But a list answered
        after a rename is empty too (ENG → CORE, its issues now CORE-…): with
        ``rename_team=3`` the comments and projects completed with 0 fetched and no note (a
        fresh tester's finding). So this waits until :attr:`renamed_to` is set (another
        stream's own answers met the rename: :meth:`key_renamed`), or until every other
        stream the run reads (:meth:`streams_planned`) has ended or is waiting here too;
        True for the first. The answer follows from what the other streams were answered,
        not from when: a replay, whose streams interleave otherwise, decides alike and asks
        what its recording holds. Not caught: a rename before every list's first page
        (each waits here, none met it), which only an extra ask could tell from a quiet
        team (docs/real-world.md)."""
        self._settled.add(entity)
        self._poke()
        while self.renamed_to is None and not self._planned <= self._settled:
            await self._wake.wait()
        return self.renamed_to is not None

    def renamed_note(self) -> str:
        """A stream's note once the team's key was found renamed (:meth:`key_renamed`)."""
        return (
            f"Linear team {self.target} was renamed "
            f"{excerpt(one_line(str(self.renamed_to)))} while it was being read; read on by "
            "the team's id"
        )

    def stream(self, entity: str) -> Stream:
        if entity not in _STREAMS:
            raise ValueError(f"Linear has no stream {entity!r}")
        return LinearStream(self, entity)

    async def execute_partial(
        self, request: GraphQLRequest, root: str
    ) -> tuple[dict[str, Any], list[Any]]:
        """Send one paged query; keep a partial answer whose errors all point into nodes.

        GraphQL answers HTTP 200 with ``data`` and ``errors`` when some fields could not be
        resolved (a deleted user as an issue's assignee: path ``["issues", "nodes", 1,
        "assignee"]``); those fields come back null (provider-apis.md §3.6, §6). Returns
        ``(data, errors)``; an answer without usable ``data``, or with an error that does not
        point into one node of ``root``, keeps :meth:`execute`'s handling (an ApiError).
        """
        try:
            return await self.execute(request, root, partial_root=root), []
        except _Partial as partial:
            return partial.data, partial.errors

    async def execute(
        self, request: GraphQLRequest, what: str, *, partial_root: str | None = None
    ) -> dict[str, Any]:
        """Send one query; any failure becomes an :class:`ApiError` with one clear line."""
        transport = _ParsedOnce(
            url=self.client.base_url,
            transport=_SharedTransport(self.client.transport),
            headers={"User-Agent": USER_AGENT},
            timeout=TIMEOUT,
            follow_redirects=False,
            trust_env=False,  # a proxy mount would route calls around the resilient transport
            json_deserialize=parse_json,  # gql's json.loads kept a lone surrogate (http.body)
        )
        try:
            async with Client(transport=transport, execute_timeout=None) as session:
                data = await session.execute(request)
        except TransportQueryError as exc:
            if partial_root is not None and _usable_partial(exc, partial_root):
                assert isinstance(exc.data, dict) and exc.errors is not None
                raise _Partial(exc.data, list(exc.errors)) from None
            raise _query_error(exc, what) from None
        except TransportConnectionFailed as exc:
            # httpx raised inside gql: our own ApiError (auth, retries, rate limits) or a bug.
            if exc.__cause__ is not None:
                raise exc.__cause__ from None
            raise UnexpectedResponse(f"Linear: the {what} query failed ({exc})") from None
        except TransportServerError as exc:
            # An error status without a GraphQL result: a 501 or a 404 page meets the resume
            # again, so its hint is the endpoint (errors.NotGraphQL), not a resume.
            failed = NotGraphQL(
                f"Linear answered {exc.code} to the {what} query at {self._endpoint()} without a "
                f"GraphQL result{self._endpoint_hint()}"
            )
            failed.status = exc.code
            raise failed from None
        except TransportProtocolError:
            # A success that is not a GraphQL result (a web page, a proxy's login page): the
            # same query answers the same again, so its hint is the endpoint, not a resume.
            raise NotJson(
                f"Linear answered the {what} query at {self._endpoint()} with something other "
                f"than a GraphQL result{self._endpoint_hint()}"
            ) from None
        except TransportError as exc:
            raise UnexpectedResponse(
                f"Linear: the {what} query failed ({type(exc).__name__})"
            ) from None
        except AssertionError:  # gql: a result with neither data nor errors
            data = None
        if not isinstance(data, dict):
            raise UnexpectedResponse(f"Linear answered the {what} query without data")
        return data

    def _endpoint(self) -> str:
        """The URL queried, without any user:password or query string (never a secret)."""
        url = httpx.URL(self.client.base_url)
        return str(url.copy_with(userinfo=b"", query=None, fragment=None))

    def _endpoint_hint(self) -> str:
        """Mend for a non-GraphQL answer from a configured endpoint ('' for Linear's own).

        ``BACKFILL_LINEAR_API_URL`` must be the GraphQL endpoint itself (interfaces.md), so a
        base URL without ``/graphql`` answers 404 or an HTML page rather than a GraphQL result.
        """
        if self._endpoint().rstrip("/") == PROVIDER.default_base_url:
            return ""
        return (
            f"; {PROVIDER.base_url_env} must be the GraphQL endpoint, "
            f"e.g. {PROVIDER.default_base_url}"
        )


class _Partial(Exception):
    """A GraphQL answer with data and errors that each point into one node (not a failure)."""

    def __init__(self, data: dict[str, Any], errors: list[Any]) -> None:
        super().__init__("partial answer")
        self.data, self.errors = data, errors


def _usable_partial(exc: TransportQueryError, root: str) -> bool:
    """Whether a query error carries ``data`` for ``root`` (its ``nodes`` and ``pageInfo``)
    and only errors that point into one node, or that point nowhere.

    An error with no ``path`` is not tied to a field (GraphQL spec, "Errors": a field's error
    names its path); beside a whole connection it leaves the data as sent, which is kept, the
    error noted on the stream: a comments page whose one error had no path was dropped whole,
    its stream failed (a fresh tester's finding). An error with a path elsewhere (``pageInfo``,
    the root itself) leaves the page unusable, as before."""
    data = exc.data.get(root) if isinstance(exc.data, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("nodes"), list):
        return False
    if not isinstance(data.get("pageInfo"), dict):
        return False
    errors = exc.errors or []
    if not errors:
        return False
    for error in errors:
        path = error.get("path") if isinstance(error, dict) else None
        if path is None and isinstance(error, dict):
            continue
        if not (
            isinstance(path, list)
            and len(path) >= 3
            and path[:2] == [root, "nodes"]
            and isinstance(path[2], int)
        ):
            return False
    return True


def _pathless(errors: list[Any], root: str, count: int) -> str | None:
    """The page's note for errors that name no field (:func:`_usable_partial`), or that name
    a node the page does not have (``[root, "nodes", 999, ...]`` or ``-1`` beside ``count``
    nodes: dropped without a trace, a fresh tester's finding), or None."""
    unplaced = [
        e
        for e in errors
        if isinstance(e, dict)
        and (e.get("path") is None or not 0 <= _node_index(e.get("path"), root) < count)
    ]
    if not unplaced:
        return None
    _code, message = _first_error(unplaced)
    return f"Linear answered with an error that names no field ({message}); kept what it sent"


def _query_error(exc: TransportQueryError, what: str) -> ApiError:
    code, message = _first_error(exc.errors)
    if code.upper() in _AUTH_CODES or code.lower() == "authentication error":
        return AuthenticationFailed(
            f"Linear authentication failed ({message}); check or replace the API key"
        )
    if code.upper() in _FORBIDDEN_CODES:
        return AccessDenied(f"Linear denied the {what} query ({message}); check the key's access")
    suffix = f" [{code}]" if code else ""
    return UnexpectedResponse(f"Linear rejected the {what} query: {message}{suffix}")


PROVIDER = ProviderInfo(
    name="linear",
    label="Linear",
    token_env=CATALOG["linear"].token_env,
    base_url_env="BACKFILL_LINEAR_API_URL",
    default_base_url="https://api.linear.app/graphql",
    connector=LinearConnector,
    policy=LinearPolicy,
    reserve_fraction=0.10,
)
