"""Linear: ``linear:TEAM_KEY`` with streams issue, comment and project, over GraphQL.

Queries go through gql's httpx transport on top of the run's :class:`ResilientTransport`, so
they get the same credential pinning, retries, rate-limit waits (``RATELIMITED`` answers, HTTP
400, are recognised by :class:`LinearPolicy` before gql sees them) and call accounting as REST.
Each stream pages one root connection filtered server-side to the team and to
``updatedAt >= cutoff`` (``linear_query``); the checkpoint cursor is Linear's ``endCursor``.
``prepare()`` resolves the team first, because Linear answers a filter on an unknown team key
with an empty list rather than an error.
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, Callable
from datetime import UTC, datetime
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
from ..http.client import TIMEOUT, USER_AGENT
from ..models import SourceEvent
from ..secrets_registry import redact
from . import linear_query as lq
from . import linear_transform as lt
from .base import Connector, ItemFailure, Page, ProviderInfo, Stream, transform_item

__all__ = ["PROVIDER", "LinearConnector"]

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


def _first_error(errors: list[Any] | None) -> tuple[str, str]:
    """(code, message) of the first GraphQL error, as one safe line."""
    first = errors[0] if errors else {}
    if not isinstance(first, dict):
        return "", redact(str(first))[:200]
    ext = lt.as_dict(first.get("extensions"))
    code = str(ext.get("code") or ext.get("type") or "")
    message = str(ext.get("userPresentableMessage") or first.get("message") or "no message")
    return code, redact(" ".join(message.split()))[:200]


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


class LinearStream(Stream):
    def __init__(self, connector: LinearConnector, entity: str) -> None:
        self.entity = entity
        self._connector = connector
        self._query, self._root = lq.QUERIES[entity]
        self._transform, self._key = _STREAMS[entity]

    async def pages(self, cursor: str | None) -> AsyncGenerator[Page, None]:
        connector = self._connector
        after = cursor
        while True:
            variables = {"team": connector.target, "cutoff": connector.cutoff_text, "after": after}
            data = await connector.execute(
                GraphQLRequest(self._query.document, variable_values=variables), self._root
            )
            nodes, has_next, end_cursor = _connection(data, self._root)
            page = Page()
            for node in nodes:
                self._take(node, page)
            last = nodes[-1] if nodes else None
            if isinstance(last, dict) and isinstance(last.get("updatedAt"), str):
                page.reached = last["updatedAt"]  # ordered by updatedAt, the window's field
            if has_next and (not end_cursor or end_cursor == after):
                raise UnexpectedResponse(
                    f"Linear said more {self._root} follow but gave no new cursor after {after!r}"
                )
            page.next_cursor = end_cursor if has_next else None
            yield page
            if page.next_cursor is None:
                return
            after = page.next_cursor

    def _take(self, node: Any, page: Page) -> None:
        if isinstance(node, dict):
            # A comment on a project update or document has no issue: not an issue comment.
            if self.entity == "comment" and node.get("issue") is None:
                page.skipped += 1
                return
            updated = _parse_time(node.get("updatedAt"))
            if updated is not None and updated < self._connector.cutoff:
                page.skipped += 1  # the server filter should make this impossible
                return
        team = self._connector.team
        result = transform_item(node, lambda n: self._transform(n, team), self._key)
        if isinstance(result, ItemFailure):
            page.failures.append(result)
        else:
            page.events.append(result)


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
    entities = ("issue", "comment", "project")
    target_pattern = re.compile(r"[A-Za-z][A-Za-z0-9]{0,9}")
    target_help = "linear:TEAM_KEY (for example linear:ENG)"

    team: lt.Team

    def __init__(self, target: str, client: Any, cutoff: datetime) -> None:
        super().__init__(target, client, cutoff)
        utc = cutoff.astimezone(UTC)
        self.cutoff_text = utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"

    @classmethod
    def parse_target(cls, target: str) -> str:
        """Team keys are upper case in Linear; ``linear:eng`` means ``linear:ENG``."""
        if not cls.target_pattern.fullmatch(target):
            raise UsageError(
                f"'linear:{target}' is not a valid Linear source; write it as {cls.target_help}"
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
            raise AccessDenied(
                f"Linear has no team {self.target} visible to this key; check the team key "
                "(Settings → Teams) and that the key's user belongs to the team"
            )
        organization = lt.as_dict(team.get("organization"))
        self.team = lt.Team(
            id=str(team["id"]),
            key=self.target,
            name=str(team.get("name") or self.target),
            organization_id=organization.get("id"),
        )

    def stream(self, entity: str) -> Stream:
        if entity not in _STREAMS:
            raise ValueError(f"Linear has no stream {entity!r}")
        return LinearStream(self, entity)

    async def execute(self, request: GraphQLRequest, what: str) -> dict[str, Any]:
        """Send one query; any failure becomes an :class:`ApiError` with one clear line."""
        transport = HTTPXAsyncTransport(
            url=self.client.base_url,
            transport=_SharedTransport(self.client.transport),
            headers={"User-Agent": USER_AGENT},
            timeout=TIMEOUT,
            follow_redirects=False,
            trust_env=False,  # a proxy mount would route calls around the resilient transport
        )
        try:
            async with Client(transport=transport, execute_timeout=None) as session:
                data = await session.execute(request)
        except TransportQueryError as exc:
            raise _query_error(exc, what) from None
        except TransportConnectionFailed as exc:
            # httpx raised inside gql: our own ApiError (auth, retries, rate limits) or a bug.
            if exc.__cause__ is not None:
                raise exc.__cause__ from None
            raise UnexpectedResponse(f"Linear: the {what} query failed ({exc})") from None
        except TransportServerError as exc:
            raise UnexpectedResponse(
                f"Linear answered {exc.code} to the {what} query without a GraphQL result"
            ) from None
        except TransportProtocolError:
            raise UnexpectedResponse(
                f"Linear answered the {what} query with something other than a GraphQL result"
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
    token_env="LINEAR_API_KEY",
    base_url_env="BACKFILL_LINEAR_API_URL",
    default_base_url="https://api.linear.app/graphql",
    connector=LinearConnector,
    policy=LinearPolicy,
    reserve_fraction=0.10,
)
