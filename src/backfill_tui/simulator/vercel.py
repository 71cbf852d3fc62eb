"""The simulated Vercel REST API for the team ``acme`` (project ``rocket-web``).

Serves ``GET /v6/deployments`` (filters ``projectId``, ``teamId``/``slug``, ``since``,
``until``, ``limit`` up to 100, ``state``, ``target``; newest first by ``created``;
``pagination {count, next, prev}``) and ``GET /v9/projects/{idOrName}``, with Vercel's error
bodies ``{"error": {"code", "message"}}``, 429 + ``Retry-After`` for rate limits (in seconds, or
with ``retry_after_form=date`` as an RFC 9110 HTTP-date, which Vercel can send) and the
``x-ratelimit-*`` headers. Without ``teamId``/``slug`` the personal scope answers: no projects,
no deployments. Also answers what a correct backfill should find (``ground_truth``).
``vercel_rename_after=N`` renames a project once N pages of its deployments were listed, as
Vercel does: the old name answers 404 from then on, the id and the new name answer.
"""

from __future__ import annotations

import email.utils
import heapq
import math
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx

from backfill_tui.simulator.base import ProviderSim, QuotaState, WorldSpec, json_response, register
from backfill_tui.simulator.vercel_world import (
    PROJECTS,
    STATES,
    TEAM_ID,
    TEAM_SLUG,
    SimProject,
    VercelWorld,
)

__all__ = ["ENTITIES", "VercelSim"]

ENTITIES = ("deployment",)
DEFAULT_LIMIT = 20
MAX_LIMIT = 100


class _Answer(Exception):
    """An error answer, raised from deep inside request handling."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.response = error(status, code, message)


def error(status: int, code: str, message: str, **extra: Any) -> httpx.Response:
    return json_response(status, {"error": {"code": code, "message": message, **extra}})


def _number(params: httpx.QueryParams, name: str) -> int | None:
    value = params.get(name)
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise _Answer(400, "bad_request", f"Invalid request: `{name}` should be number.")
    return int(number)


def _find(ref: str) -> SimProject | None:
    return next((p for p in PROJECTS if ref in (p.id, p.name)), None)


#: What ``vercel_rename_after`` adds to a project's name when it renames it.
RENAMED_SUFFIX = "-renamed"


class VercelSim(ProviderSim):
    """Vercel's REST API over one generated team."""

    name = "vercel"
    hosts = ("api.vercel.com",)

    def __init__(self, spec: WorldSpec) -> None:
        self.world = VercelWorld(spec.seed, spec.anchor, spec.scale)
        self.retry_after_form = spec.config.retry_after_form
        self.rename_after = spec.config.vercel_rename_after
        #: Pages of deployments listed per project id, and each renamed project's new name.
        self.listed: dict[str, int] = {}
        self.renamed: dict[str, str] = {}

    def _named(self, ref: str) -> SimProject | None:
        """The project ``ref`` (an id, or its name now) names, after any rename."""
        return next((p for p in PROJECTS if ref in (p.id, self.renamed.get(p.id, p.name))), None)

    def claims(self, request: httpx.Request) -> bool:
        path = request.url.path
        return "/v6/deployments" in path or "/v9/projects/" in path

    # -- routing ---------------------------------------------------------------------------
    def handle(self, request: httpx.Request) -> httpx.Response:
        parts = [p for p in request.url.path.split("/") if p]
        # A configured base URL may add a path prefix; the API path starts at its version.
        start = next((i for i, p in enumerate(parts) if p in ("v6", "v9")), None)
        if request.method not in ("GET", "HEAD") or start is None:
            return error(404, "not_found", "The requested path was not found.")
        parts = parts[start:]
        try:
            team = self._team(request.url.params)
            if parts == ["v6", "deployments"]:
                return self._deployments(request.url.params, team)
            if len(parts) == 3 and parts[:2] == ["v9", "projects"]:
                project = self._named(parts[2]) if team else None
                if project is None:
                    return error(404, "not_found", "Project not found")
                found = self.world.project_json(project)
                return json_response(
                    200, {**found, "name": self.renamed.get(project.id, project.name)}
                )
        except _Answer as answer:
            return answer.response
        return error(404, "not_found", "The requested path was not found.")

    @staticmethod
    def _team(params: httpx.QueryParams) -> bool:
        """True for the team scope, False for the personal one; another team is forbidden."""
        team_id, slug = params.get("teamId"), params.get("slug")
        if team_id is None and slug is None:
            return False
        if (team_id is not None and team_id == TEAM_ID) or (team_id is None and slug == TEAM_SLUG):
            return True
        scope = team_id if team_id is not None else slug
        raise _Answer(
            403,
            "forbidden",
            f'Not authorized: Trying to access resource under scope "{scope}". You must '
            "re-authenticate to this scope or use a token with access to this scope.",
        )

    # -- GET /v6/deployments -----------------------------------------------------------------
    def _deployments(self, q: httpx.QueryParams, team: bool) -> httpx.Response:
        since, until = _number(q, "since"), _number(q, "until")
        limit = _number(q, "limit")
        limit = DEFAULT_LIMIT if limit is None or limit < 1 else min(limit, MAX_LIMIT)
        states: set[str] | None = None
        if q.get("state"):
            states = {s.strip().upper() for s in q["state"].split(",") if s.strip()}
            if not states <= set(STATES):
                raise _Answer(
                    400,
                    "bad_request",
                    f"Invalid request: `state` must be one of {', '.join(STATES)}.",
                )
        target = q.get("target")
        ref = q.get("projectId")
        if not team:
            projects: tuple[SimProject, ...] = ()
        elif ref is not None:
            if self.rename_after:  # renamed once N pages of it were listed
                for project in PROJECTS:
                    if self.listed.get(project.id, 0) >= self.rename_after:
                        self.renamed.setdefault(project.id, project.name + RENAMED_SUFFIX)
            found = self._named(ref)
            if found is None:
                raise _Answer(404, "not_found", "Project not found")
            projects = (found,)
            self.listed[found.id] = self.listed.get(found.id, 0) + 1
        else:
            projects = PROJECTS

        def keep(project: SimProject, p: int) -> bool:
            core = self.world.core(project, p)
            if states is not None and core.state not in states:
                return False
            if target == "production":
                return core.target == "production"
            if target == "preview":
                return core.target is None
            return True

        def positions(project: SimProject) -> Iterator[tuple[int, int, SimProject]]:
            w = self.world
            first = 0 if until is None else w.count_since(project, until)  # created < until
            end = w.counts[project.id] if since is None else w.count_since(project, since + 1)
            for p in range(first, end):  # created > since
                if keep(project, p):
                    yield -w.created(project, p), p, project

        merged = heapq.merge(*(positions(p) for p in projects), key=lambda t: (t[0], t[2].id))
        taken = []
        for entry in merged:
            taken.append(entry)
            if len(taken) > limit:
                break
        more = len(taken) > limit
        items = [self.world.deployment_json(project, p) for _, p, project in taken[:limit]]
        pagination = {
            "count": len(items),
            "next": items[-1]["created"] if more else None,
            "prev": items[0]["created"] if items else None,
        }
        return json_response(200, {"deployments": items, "pagination": pagination})

    # -- error shapes and headers ------------------------------------------------------------
    def bad_credentials(self) -> httpx.Response:
        return error(401, "forbidden", "Not authorized", invalidToken=True)

    def rate_limited(
        self, secondary: bool, retry_after: int, secondary_retry_after: int = 0
    ) -> httpx.Response:
        # Vercel has one rate-limit answer: 429 with Retry-After (no secondary kind).
        response = error(429, "rate_limited", "Rate limit exceeded")
        response.headers["retry-after"] = str(retry_after)
        return response

    def quota_exceeded(self) -> httpx.Response:
        return error(429, "rate_limited", "Rate limit exceeded")

    def server_error(self, variant: int) -> httpx.Response:
        if variant % 2 == 0:
            return httpx.Response(
                502,
                headers={"content-type": "text/plain; charset=utf-8"},
                content=b"An error occurred with this application.\n\nBAD_GATEWAY",
            )
        return error(503, "service_unavailable", "The service is temporarily unavailable.")

    def finish(
        self, response: httpx.Response, quota: QuotaState, request_id: str, now: float
    ) -> httpx.Response:
        if response.status_code == 429:
            retry = response.headers.get("retry-after")
            reset = math.ceil(now + int(retry)) if retry is not None else quota.reset
            if retry is not None and self.retry_after_form == "date":
                # An HTTP-date has whole seconds: the instant the client may call again.
                response.headers["retry-after"] = email.utils.formatdate(reset, usegmt=True)
            limit = {"remaining": 0, "reset": reset, "resetMs": reset * 1000, "total": quota.limit}
            headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
            response = json_response(
                429,
                {
                    "error": {
                        "code": "rate_limited",
                        "message": "Rate limit exceeded",
                        "limit": limit,
                    }
                },
                headers,
            )
        h = response.headers
        h["date"] = email.utils.formatdate(now, usegmt=True)
        h["server"] = "Vercel"
        h["cache-control"] = "private, no-cache, no-store, max-age=0, must-revalidate"
        h["x-vercel-id"] = f"iad1::{request_id.replace(':', '').lower()[:20]}"
        h["x-ratelimit-limit"] = str(quota.limit)
        h["x-ratelimit-remaining"] = str(quota.remaining)
        h["x-ratelimit-reset"] = str(quota.reset)
        return response

    # -- ground truth ------------------------------------------------------------------------
    def _project(self, target: str) -> SimProject | None:
        """The project a ``TEAM/PROJECT`` target names; a personal-scope target finds none."""
        team, _, ref = target.rpartition("/")
        if team not in (TEAM_ID, TEAM_SLUG):
            return None
        return _find(ref)

    @staticmethod
    def _check(entities: set[str] | None) -> None:
        unknown = (entities or set()) - set(ENTITIES)
        if unknown:
            raise ValueError(f"unknown Vercel entities {sorted(unknown)}; accepted: {ENTITIES}")

    def _count(self, target: str, cutoff: datetime) -> tuple[SimProject | None, int]:
        project = self._project(target)
        if project is None:
            return None, 0
        return project, self.world.count_since(project, math.floor(cutoff.timestamp() * 1000))

    def ground_truth(self, target: str, cutoff: datetime, entities: set[str] | None) -> set[str]:
        self._check(entities)
        if entities is not None and "deployment" not in entities:
            return set()
        project, count = self._count(target, cutoff)
        if project is None:
            return set()
        return {f"deployment:{self.world.uid(project, p)}" for p in range(count)}

    def min_pages(self, target: str, entity: str, cutoff: datetime) -> int:
        self._check({entity})
        return max(1, math.ceil(self._count(target, cutoff)[1] / MAX_LIMIT))


register("vercel", VercelSim)
