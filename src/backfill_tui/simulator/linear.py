"""The simulated Linear GraphQL API (``POST https://api.linear.app/graphql``) for workspace acme.

Queries are executed for real by ``graphql_server`` over the lazy world of ``linear_world``:
root connections ``issues``, ``comments``, ``projects`` and ``teams`` with Linear's filters,
ordering, archived handling and Relay paging. Answers carry Linear's headers
(``X-RateLimit-Requests-*``, ``X-RateLimit-Complexity-*`` with resets in epoch milliseconds,
``X-Complexity``) and its error shapes: a rate limit is HTTP 400 with ``RATELIMITED`` in the
GraphQL errors, bad credentials ``AUTHENTICATION_ERROR``. Both hourly budgets are enforced: a
query whose complexity would overdraw the complexity budget (``complexity_quota``, default
3,000,000 points) is answered ``RATELIMITED`` until the window resets. A personal API key (``lin_api_…``)
is accepted raw in ``Authorization``, any other token as ``Bearer``. ``rename_team=N`` renames
team ENG's key to CORE as the Nth query is answered, as Linear lets a team's key be changed
(``LinearWorld.rename``): from that answer on, a filter on key ENG matches nothing.
"""

from __future__ import annotations

import email.utils
import functools
import json
import math
from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING, Any

import httpx

from backfill_tui.simulator.base import ProviderSim, QuotaState, WorldSpec, json_response, register
from backfill_tui.simulator.graphql_filters import QueryError
from backfill_tui.simulator.linear_world import TEAMS, LinearWorld

if TYPE_CHECKING:  # graphql_server loads graphql-core: only once a Linear request is served
    from backfill_tui.simulator.graphql_server import RootList

__all__ = ["ENTITIES", "LinearSim"]

ENTITIES = ("issue", "comment", "project")
#: The key ``rename_team=N`` gives team ENG (``TEAMS[0]``).
RENAMED_KEY = "CORE"
COMPLEXITY_LIMIT = 3_000_000
MAX_COMPLEXITY = 10_000
_RETRY = "backfill_tui.linear_retry_after"


def _errors(message: str, code: str, **extensions: Any) -> dict[str, Any]:
    ext = {"code": code, "type": code.lower().replace("_", " "), "userPresentableMessage": message}
    ext.update(extensions)
    return {"errors": [{"message": message, "extensions": ext}]}


class LinearSim(ProviderSim):
    """Linear's GraphQL API over one generated workspace."""

    name = "linear"
    hosts = ("api.linear.app",)

    def __init__(self, spec: WorldSpec) -> None:
        self.world = LinearWorld(spec.seed, spec.anchor, spec.scale)
        self.now = spec.anchor  # "now" for ISO-duration filters such as -P30D
        #: Root fields answered (one per well-behaved request that asked for them).
        self.calls: Counter[str] = Counter()
        self._complexity_used = 0
        self._window_reset = 0
        self._last_complexity = 0
        self.complexity_limit = spec.config.complexity_quota
        #: Queries answered RATELIMITED because the complexity budget was spent.
        self.complexity_refusals = 0
        self._created: dict[str, list[int]] = {}
        self._rename_at = spec.config.rename_team  # 0: never
        self._queries = 0  # POSTs to /graphql handled

    @functools.cached_property
    def roots(self) -> dict[str, RootList]:
        """The root connections, built on first use (a simulator serving only GitHub never
        imports graphql-core)."""
        from backfill_tui.simulator.graphql_server import RootList

        w = self.world
        return {
            "issues": RootList(
                "Issue",
                w.issues.n,
                w.issue,
                w.issues.count_since,
                lambda: self._by_created("issues"),
            ),
            "comments": RootList(
                "Comment",
                w.comments.n,
                w.comment,
                w.comments.count_since,
                lambda: self._by_created("comments"),
            ),
            "projects": RootList(
                "Project",
                w.projects.n,
                w.project,
                w.projects.count_since,
                lambda: self._by_created("projects"),
            ),
            "teams": RootList(
                "Team", len(TEAMS), w.team, lambda _t: len(TEAMS), lambda: range(len(TEAMS))
            ),
        }

    def _by_created(self, root: str) -> list[int]:
        if root not in self._created:
            build = self.roots[root].build
            order = range(self.roots[root].count)
            self._created[root] = sorted(order, key=lambda p: build(p)["createdAt"], reverse=True)
        return self._created[root]

    def claims(self, request: httpx.Request) -> bool:
        return request.url.path.rstrip("/").endswith("/graphql")

    def authorized(self, header: str | None, token: str) -> bool:
        if token.startswith("lin_api_"):
            return header == token
        return header == f"Bearer {token}"

    # -- serving -----------------------------------------------------------------------------
    def handle(self, request: httpx.Request) -> httpx.Response:
        from backfill_tui.simulator.graphql_server import execute

        self._last_complexity = 0
        if request.method != "POST" or not self.claims(request):
            return json_response(404, _errors("Not found", "NOT_FOUND"))
        self._queries += 1
        if self._queries == self._rename_at:
            self.world.rename(0, RENAMED_KEY)
        try:
            payload = json.loads(request.content or b"null")
        except ValueError:
            return json_response(400, _errors("Body is not valid JSON", "BAD_REQUEST"))
        if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
            return json_response(400, _errors("Must provide query string.", "BAD_REQUEST"))
        variables = payload.get("variables")
        try:
            data, roots, complexity = execute(
                payload["query"],
                variables if isinstance(variables, dict) else None,
                payload.get("operationName"),
                self.roots,
                self.now,
            )
        except QueryError as exc:
            return json_response(exc.status, _errors(exc.message, exc.code))
        if complexity > MAX_COMPLEXITY:  # [U] Linear's exact code for this rejection
            return json_response(
                400,
                _errors(
                    f"Query too complex: {complexity} points (limit {MAX_COMPLEXITY})",
                    "QUERY_TOO_COMPLEX",
                    complexity=complexity,
                    maxComplexity=MAX_COMPLEXITY,
                ),
            )
        if self._complexity_used + complexity > self.complexity_limit:
            self.complexity_refusals += 1
            response = json_response(
                400, _errors("Rate limit exceeded", "RATELIMITED", budget="complexity")
            )
            response.extensions[_RETRY] = ("complexity", None)
            return response
        self.calls.update(roots)
        self._last_complexity = complexity
        self._complexity_used += complexity
        return json_response(200, {"data": data}, {"x-complexity": str(complexity)})

    # -- error shapes and headers ------------------------------------------------------------
    def bad_credentials(self) -> httpx.Response:
        return json_response(
            401, _errors("Authentication required, not authenticated", "AUTHENTICATION_ERROR")
        )

    def rate_limited(
        self, secondary: bool, retry_after: int, secondary_retry_after: int = 0
    ) -> httpx.Response:
        budget = "complexity" if secondary else "requests"
        response = json_response(400, _errors("Rate limit exceeded", "RATELIMITED", budget=budget))
        response.extensions[_RETRY] = (budget, retry_after)
        return response

    def quota_exceeded(self) -> httpx.Response:
        response = json_response(400, _errors("Rate limit exceeded", "RATELIMITED"))
        response.extensions[_RETRY] = ("requests", None)
        return response

    def begin(self, quota: QuotaState, now: float) -> None:
        if quota.reset != self._window_reset:  # a new hour: the complexity budget refills too
            self._window_reset, self._complexity_used = quota.reset, 0

    def finish(
        self, response: httpx.Response, quota: QuotaState, request_id: str, now: float
    ) -> httpx.Response:
        h = response.headers
        h["x-request-id"] = request_id
        # Linear's API answers through Cloudflare, whose answers carry a Date (RFC 9110
        # §6.6.1); its resets are instants measured from it (http.ratelimit.reset_wait)
        h["date"] = email.utils.formatdate(now, usegmt=True)
        h["x-ratelimit-requests-limit"] = str(quota.limit)
        h["x-ratelimit-requests-remaining"] = str(quota.remaining)
        h["x-ratelimit-requests-reset"] = str(quota.reset * 1000)
        h["x-ratelimit-complexity-limit"] = str(self.complexity_limit)
        h["x-ratelimit-complexity-remaining"] = str(
            max(0, self.complexity_limit - self._complexity_used)
        )
        h["x-ratelimit-complexity-reset"] = str(quota.reset * 1000)
        limited = response.extensions.pop(_RETRY, None)
        if limited is not None:
            budget, retry_after = limited
            h[f"x-ratelimit-{budget}-remaining"] = "0"
            if retry_after is not None:
                h[f"x-ratelimit-{budget}-reset"] = str(math.ceil((now + retry_after) * 1000))
        return response

    # -- ground truth ------------------------------------------------------------------------
    def _entities(self, entities: set[str] | None) -> set[str]:
        wanted = set(ENTITIES) if entities is None else set(entities)
        unknown = wanted - set(ENTITIES)
        if unknown:
            raise ValueError(f"unknown Linear entities {sorted(unknown)}; accepted: {ENTITIES}")
        return wanted

    def _team(self, target: str) -> int | None:
        """The team the key ``target`` named when the world began (ENG stays ENG's after
        ``rename_team``, as Linear's old keys keep resolving some lookups)."""
        return next((i for i, t in enumerate(TEAMS) if t.key == target), None)

    def _window(self, entity: str, team: int, cutoff: datetime) -> list[int]:
        """Positions of one entity in the window, for one team, any archived state."""
        w, c = self.world, cutoff.timestamp()
        if entity == "issue":
            return [p for p in range(w.issues.count_since(c)) if w.issue_team(p) == team]
        if entity == "comment":
            found = []
            for p in range(w.comments.count_since(c)):
                q = w.comment_issue(p)
                if q is not None and w.issue_team(q) == team:
                    found.append(p)
            return found
        return [q for q in range(w.projects.count_since(c)) if team in w.project_teams(q)]

    def ground_truth(self, target: str, cutoff: datetime, entities: set[str] | None) -> set[str]:
        wanted = self._entities(entities)
        team = self._team(target)
        if team is None:
            return set()
        w, ids = self.world, set[str]()
        key = w.keys[team]  # the key now: ENG, or CORE once renamed (rename_team)
        if "issue" in wanted:
            ids.update(
                f"linear-issue:{key}:{w.identifier(p)}:create"
                for p in self._window("issue", team, cutoff)
            )
        if "comment" in wanted:
            for p in self._window("comment", team, cutoff):
                q = w.comment_issue(p)
                assert q is not None
                ids.add(f"linear-comment:{w.identifier(q)}:{w.comment_id(p)}:create")
        if "project" in wanted:
            ids.update(
                f"linear-project:{w.project_slug(q)}:create"
                for q in self._window("project", team, cutoff)
            )
        return ids

    def min_pages(self, target: str, entity: str, cutoff: datetime) -> int:
        (kind,) = self._entities({entity})
        team = self._team(target)
        count = 0 if team is None else len(self._window(kind, team, cutoff))
        return max(1, math.ceil(count / 100))


register("linear", LinearSim)
