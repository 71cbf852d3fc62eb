"""The simulated GitHub REST API (v3, ``2022-11-28``) for ``acme/rocket``.

Serves ``/repos/{o}/{r}`` and its ``pulls``, ``issues``, ``commits`` and ``releases`` lists (and
the same lists under ``/repositories/{id}/``, the form GitHub's ``Link`` URLs use) with GitHub's
defaults, filters, paging, headers and error bodies. Two more repositories show states real
accounts are in: ``acme/empty`` has no commits (its commits answer 409 "Git Repository is
empty.", its other lists are empty), and ``acme/old-rocket`` is ``acme/rocket``'s former name
(answered with 301 and a ``Location`` to ``/repositories/{id}``, as GitHub does). Lists are views over the lazy world of
``github_world.py``: the common orderings index positions directly; other filters scan once
and cache the order. Also answers what a correct backfill should find (``ground_truth``).

Past 400 lines on purpose: one provider's simulated REST API (every endpoint, its paging,
quota, ETags and errors) in one file, as ``connectors/`` keeps one provider per file.
"""

from __future__ import annotations

import email.utils
import hashlib
import math
from array import array
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import httpx

from backfill_tui.simulator.base import ProviderSim, QuotaState, WorldSpec, json_response, register
from backfill_tui.simulator.config import parse_instant
from backfill_tui.simulator.github_world import FULL_NAME, REPO_ID, GitHubWorld, user_json
from backfill_tui.simulator.world import HUMANS

__all__ = ["ENTITIES", "GitHubSim"]

ENTITIES = ("pull_request", "issue", "release", "push")
_ENTITY_ALIASES = {
    "pulls": "pull_request",
    "issues": "issue",
    "releases": "release",
    "commits": "push",
}
_DOCS = "https://docs.github.com/rest"
_SECONDARY = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
)
_COLLECTIONS = ("pulls", "issues", "commits", "releases")
EMPTY_NAME = "acme/empty"
EMPTY_ID = 1296270
MOVED_NAME = "acme/old-rocket"


_View = tuple[int, Callable[[int], int], Callable[[int], dict[str, Any]]]


class _Invalid(Exception):
    def __init__(self, resource: str, field: str) -> None:
        super().__init__(field)
        self.resource, self.field = resource, field


#: GitHub's 502 for a request it could not answer in time (a large page of heavy items).
TIMED_OUT = (
    "We couldn't respond to your request in time. Sorry about that. Please try resubmitting "
    "your request and contact us if the problem persists."
)


def _error(status: int, message: str, **extra: Any) -> httpx.Response:
    return json_response(
        status, {"message": message, **extra, "documentation_url": _DOCS, "status": str(status)}
    )


def _int_param(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _instant(params: httpx.QueryParams, name: str, resource: str) -> float | None:
    value = params.get(name)
    if value is None:
        return None
    try:
        return parse_instant(value).timestamp()
    except ValueError:
        raise _Invalid(resource, name) from None


class GitHubSim(ProviderSim):
    """GitHub's REST API over one generated repository."""

    name = "github"
    hosts = ("api.github.com",)

    def __init__(self, spec: WorldSpec) -> None:
        self.world = GitHubWorld(spec.seed, spec.anchor, spec.scale)
        self.timeout_above = spec.config.github_timeout_above
        #: ``github_bad_link=N``: the Nth list page answered says ``Link: garbage``.
        self.bad_link = spec.config.github_bad_link
        self._lists_answered = 0
        self._orders: dict[tuple[Any, ...], array[int]] = {}
        #: Commits pushed after the world was made (:meth:`grow`), as the list shows them.
        self.fresh_commits: list[dict[str, Any]] = []
        self._made = 0
        #: When :meth:`grow` last pushed (epoch seconds): the repository's ``pushed_at``.
        self.pushed_at: float | None = None

    def claims(self, request: httpx.Request) -> bool:
        path = request.url.path.removeprefix("/api/v3")
        return path.startswith(("/repos/", "/repositories/", "/user", "/rate_limit"))

    # -- routing ---------------------------------------------------------------------------
    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        prefix = "/api/v3" if path.startswith("/api/v3/") else ""
        parts = path[len(prefix) :].split("/")[1:]
        if request.method not in ("GET", "HEAD") or "" in parts:
            return _error(404, "Not Found")
        if parts == ["user"]:
            return json_response(200, user_json(HUMANS[0]))
        if parts[0] == "repos" and len(parts) in (3, 4):
            name = f"{parts[1]}/{parts[2]}".lower()
            if name == MOVED_NAME:
                return self._moved(request, prefix, parts[3:])
            if name == EMPTY_NAME:
                return self._empty(parts[3:])
            ok = name == FULL_NAME
            rest = parts[3:]
        elif parts[0] == "repositories" and len(parts) in (2, 3):
            if parts[1] == str(EMPTY_ID):
                return self._empty(parts[2:])
            ok = parts[1] == str(REPO_ID)
            rest = parts[2:]
        else:
            return _error(404, "Not Found")
        if not ok:
            return _error(404, "Not Found")
        if not rest:
            repo = self.world.repo_json()
            if self.pushed_at is not None:  # pushed since the world was made (grow)
                repo["pushed_at"] = datetime.fromtimestamp(self.pushed_at, UTC).strftime(
                    "%Y-%m-%dT%H:%M:%SZ"
                )
            return json_response(200, repo)
        if rest[0] not in _COLLECTIONS:
            return _error(404, "Not Found")
        try:
            return self._list(request, prefix, rest[0])
        except _Invalid as bad:
            return _error(
                422,
                "Validation Failed",
                errors=[{"resource": bad.resource, "code": "invalid", "field": bad.field}],
            )

    def _moved(self, request: httpx.Request, prefix: str, rest: list[str]) -> httpx.Response:
        """A renamed repository: 301 to its id, as GitHub answers (its docs, "redirects")."""
        origin = f"{request.url.scheme}://{request.url.netloc.decode()}{prefix}"
        location = f"{origin}/repositories/{REPO_ID}" + "".join(f"/{p}" for p in rest)
        if request.url.query:
            location += "?" + request.url.query.decode()
        body = {"message": "Moved Permanently", "url": location, "documentation_url": _DOCS}
        return json_response(301, body, {"location": location})

    def _empty(self, rest: list[str]) -> httpx.Response:
        """``acme/empty``: a repository created but never pushed to."""
        if not rest:
            return json_response(200, self.world.empty_repo_json(EMPTY_NAME, EMPTY_ID))
        if rest[0] == "commits":
            return _error(409, "Git Repository is empty.")
        if rest[0] in _COLLECTIONS:
            return json_response(200, [])
        return _error(404, "Not Found")

    def _list(self, request: httpx.Request, prefix: str, collection: str) -> httpx.Response:
        q = request.url.params
        if collection == "pulls":
            total, at, render = self._pulls(q)
        elif collection == "issues":
            total, at, render = self._issues(q)
        elif collection == "commits":
            sha = q.get("sha")
            if sha not in (None, "", "main", "refs/heads/main", self.world.commit_sha(0)):
                return _error(404, f"No commit found for SHA: {sha}")
            until = _instant(q, "until", "Commit")
            since = _instant(q, "since", "Commit")
            tl = self.world.commits
            start = 0 if until is None else tl.count_after(until)
            end = tl.n if since is None else tl.count_since(since)
            fresh = [c for c in self.fresh_commits if _within(c, since, until)]
            total = len(fresh) + max(0, end - start)

            def at(i: int) -> int:
                return i

            def render(i: int) -> dict[str, Any]:
                return (
                    fresh[i] if i < len(fresh) else self.world.commit_json(start + i - len(fresh))
                )
        else:
            total, render = self.world.releases.n, self.world.release_json

            def at(i: int) -> int:
                return i

        per_page = _int_param(q.get("per_page"), 30)
        per_page = 30 if per_page < 1 else min(per_page, 100)
        if 0 < self.timeout_above < per_page:  # the ``github_timeout_above`` option
            return _error(502, TIMED_OUT)
        page = max(1, _int_param(q.get("page"), 1))
        first = (page - 1) * per_page
        items = [render(at(i)) for i in range(first, min(first + per_page, total))]
        headers = {}
        last = max(1, math.ceil(total / per_page))
        if last > 1 or page > 1:
            headers["link"] = self._links(request, prefix, collection, page, last)
        self._lists_answered += 1
        if self._lists_answered == self.bad_link:
            headers["link"] = "garbage"
        return json_response(200, items, headers, floats=False)  # GitHub's items hold none

    def _links(
        self, request: httpx.Request, prefix: str, collection: str, page: int, last: int
    ) -> str:
        pairs = [(k, v) for k, v in request.url.params.multi_items() if k != "page"]
        base = (
            f"{request.url.scheme}://{request.url.netloc.decode()}{prefix}"
            f"/repositories/{REPO_ID}/{collection}?"
        )

        def url(n: int) -> str:
            return base + urlencode([*pairs, ("page", str(n))], safe=":")

        rels = []
        if page > 1:
            rels.append((min(page - 1, last), "prev"))
        if page < last:
            rels += [(page + 1, "next"), (last, "last")]
        if page > 1:
            rels.append((1, "first"))
        return ", ".join(f'<{url(n)}>; rel="{rel}"' for n, rel in rels)

    # -- list views --------------------------------------------------------------------------
    def _pulls(self, q: httpx.QueryParams) -> _View:
        w = self.world
        state = q.get("state", "open")
        sort = q.get("sort", "created")
        if state not in ("open", "closed", "all"):
            raise _Invalid("PullRequest", "state")
        if sort not in ("created", "updated", "popularity", "long-running"):
            raise _Invalid("PullRequest", "sort")
        direction = q.get("direction", "desc" if sort == "created" else "asc")
        if direction not in ("asc", "desc"):
            raise _Invalid("PullRequest", "direction")
        if state == "all" and sort == "updated":
            n = w.n_prs
            if direction == "desc":
                return n, w.pr_position, w.pull_json
            return n, lambda i: w.pr_position(n - 1 - i), w.pull_json
        order = self._order(True, state, sort, direction, w.issues.n)
        return len(order), order.__getitem__, w.pull_json

    def _issues(self, q: httpx.QueryParams) -> _View:
        w = self.world
        state = q.get("state", "open")
        sort = q.get("sort", "created")
        direction = q.get("direction", "desc")
        if state not in ("open", "closed", "all"):
            raise _Invalid("Issue", "state")
        if sort not in ("created", "updated", "comments"):
            raise _Invalid("Issue", "sort")
        if direction not in ("asc", "desc"):
            raise _Invalid("Issue", "direction")
        since = _instant(q, "since", "Issue")
        k = w.issues.n if since is None else w.issues.count_since(since)
        if state == "all" and sort == "updated":
            if direction == "desc":
                return k, lambda i: i, w.issue_json
            return k, lambda i: k - 1 - i, w.issue_json
        order = self._order(False, state, sort, direction, k)
        return len(order), order.__getitem__, w.issue_json

    def _order(self, prs_only: bool, state: str, sort: str, direction: str, k: int) -> array[int]:
        """Positions ``< k`` passing the filters, in list order (computed once, then cached)."""
        key = (prs_only, state, sort, direction, k)
        cached = self._orders.get(key)
        if cached is not None:
            return cached
        keyed: list[tuple[int, int]] = []
        for p in range(k):
            if prs_only and not self.world.is_pr(p):
                continue
            core = self.world.core(p)
            if (state == "open") != (core.state == "open") and state != "all":
                continue
            if sort == "updated":
                value = -p
            elif sort in ("comments", "popularity"):
                value = core.comments
            else:
                value = core.created
            keyed.append((-value, p))
        keyed.sort()
        order = array("l", (p for _, p in keyed))
        if direction == "asc":
            order.reverse()
        if len(self._orders) >= 16:
            self._orders.pop(next(iter(self._orders)))
        self._orders[key] = order
        return order

    # -- the world moving on, and conditional requests -------------------------------------
    def grow(self, items: int, now: float, *, dated_days_ago: float = 0) -> None:
        """Push ``items`` commits to ``main`` at ``now``: each is shaped like a generated
        commit (its content borrowed from one), with its own SHA and date. Dated ``now``; with
        ``dated_days_ago``, a branch's commits dated that long ago (a minute apart) merged now
        by a merge commit of its own. The repository's ``pushed_at`` becomes ``now``."""
        head = self.fresh_commits[0]["sha"] if self.fresh_commits else self.world.commit_sha(0)
        start, apart = (now - dated_days_ago * 86_400, 60) if dated_days_ago else (now, 0)
        branch = [
            self._fresh_commit(start + apart * i, head if i == 0 else None) for i in range(items)
        ]
        for i, commit in enumerate(branch[1:], 1):
            commit["parents"] = [{"sha": branch[i - 1]["sha"]}]
        landed = branch[::-1]  # newest first, as the list shows them
        if dated_days_ago and branch:
            merge = self._fresh_commit(now, head)
            merge["parents"].append({"sha": branch[-1]["sha"]})
            first = merge["commit"]["message"].split("\n", 1)[0]
            merge["commit"]["message"] = f"Merge branch 'topic' into main\n\n{first}"
            landed.insert(0, merge)
        self.fresh_commits[:0] = landed
        self.pushed_at = max(self.pushed_at or 0.0, now)

    def _fresh_commit(self, at: float, parent: str | None) -> dict[str, Any]:
        """A new commit committed at ``at`` (epoch seconds) on ``parent``: shaped like a
        generated one (its content borrowed), with its own SHA (the n-th made) and date."""
        k = self._made
        self._made += 1
        commit = self.world.commit_json(k)
        sha = hashlib.sha1(f"fresh:{self.world.seed}:{k}".encode()).hexdigest()
        when = datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {
            **commit,
            "sha": sha,
            "url": f"{commit['url'].rsplit('/', 1)[0]}/{sha}",
            "html_url": f"{commit['html_url'].rsplit('/', 1)[0]}/{sha}",
            "commit": {
                **commit["commit"],
                "author": {**commit["commit"]["author"], "date": when},
                "committer": {**commit["commit"]["committer"], "date": when},
            },
            "parents": [{"sha": parent}] if parent else [],
        }

    def conditional(self, request: httpx.Request, response: httpx.Response) -> httpx.Response:
        """GitHub's conditional GET: ``If-None-Match`` naming the body's ETag answers 304
        Not Modified with no body (and the same ETag)."""
        asked = request.headers.get("if-none-match")
        if asked is None or response.status_code != 200:
            return response
        tag = _etag(response.content)
        if tag not in {t.strip() for t in asked.split(",")}:
            return response
        return httpx.Response(304, headers={"etag": tag})

    # -- error shapes and headers ------------------------------------------------------------
    def bad_credentials(self) -> httpx.Response:
        return _error(401, "Bad credentials")

    def rate_limited(
        self, secondary: bool, retry_after: int, secondary_retry_after: int = 0
    ) -> httpx.Response:
        if secondary:  # a time only where ``secondary_retry_after`` gives one (GitHub may)
            waits = {"retry-after": str(secondary_retry_after)} if secondary_retry_after else None
            return json_response(
                403,
                {
                    "message": _SECONDARY,
                    "documentation_url": f"{_DOCS}/overview/rate-limits-for-"
                    "the-rest-api#about-secondary-rate-limits",
                },
                waits,
            )
        return json_response(
            429,
            {"message": _SECONDARY, "documentation_url": _DOCS},
            {"retry-after": str(retry_after)},
        )

    def quota_exceeded(self) -> httpx.Response:
        return json_response(
            403,
            {
                "message": "API rate limit exceeded for user ID 1.",
                "documentation_url": f"{_DOCS}/overview/rate-limits-for-the-"
                "rest-api#about-the-primary-rate-limit",
            },
        )

    def finish(
        self, response: httpx.Response, quota: QuotaState, request_id: str, now: float
    ) -> httpx.Response:
        h = response.headers
        h["date"] = email.utils.formatdate(now, usegmt=True)
        h["server"] = "github.com"
        h.setdefault("content-type", "application/json; charset=utf-8")
        if response.status_code in (200, 304):
            h.setdefault("etag", _etag(response.content))
            h["cache-control"] = "private, max-age=60, s-maxage=60"
        h["x-github-api-version-selected"] = "2022-11-28"
        h["x-ratelimit-limit"] = str(quota.limit)
        h["x-ratelimit-remaining"] = str(quota.remaining)
        h["x-ratelimit-reset"] = str(quota.reset)
        h["x-ratelimit-used"] = str(quota.used)
        h["x-ratelimit-resource"] = "core"
        h["x-github-request-id"] = request_id
        return response

    # -- ground truth ------------------------------------------------------------------------
    def _entities(self, entities: set[str] | None) -> set[str]:
        if entities is None:
            return set(ENTITIES)
        wanted = {_ENTITY_ALIASES.get(e, e) for e in entities}
        unknown = wanted - set(ENTITIES)
        if unknown:
            raise ValueError(f"unknown GitHub entities {sorted(unknown)}; accepted: {ENTITIES}")
        return wanted

    def ground_truth(self, target: str, cutoff: datetime, entities: set[str] | None) -> set[str]:
        wanted = self._entities(entities)
        if target.lower() not in (FULL_NAME, MOVED_NAME):  # the moved name reads acme/rocket
            return set()
        w, c, full = self.world, cutoff.timestamp(), FULL_NAME
        ids: set[str] = set()
        if wanted & {"pull_request", "issue"}:
            for p in range(w.issues.count_since(c)):
                core = w.core(p)
                if core.is_pr and "pull_request" in wanted:
                    ids.add(f"pr:{full}#{core.number}:{core.action}")
                elif not core.is_pr and "issue" in wanted:
                    ids.add(f"issue:{full}#{core.number}:{core.action}")
        if "release" in wanted:  # by publication, whatever the list's order (by creation)
            for p in range(w.releases.n):
                published = w.release_published(p)
                if published is not None and published >= c:
                    ids.add(f"release:{full}:{w.tag(p)}")
        if "push" in wanted:
            ids.update(f"push:{full}:{w.commit_sha(p)}" for p in range(w.commits.count_since(c)))
            ids.update(f"push:{full}:{f['sha']}" for f in self.fresh_commits if _within(f, c, None))
        return ids

    def min_pages(self, target: str, entity: str, cutoff: datetime) -> int:
        (kind,) = self._entities({entity})
        w, c = self.world, cutoff.timestamp()
        if target.lower() not in (FULL_NAME, MOVED_NAME):
            count = 0
        elif kind == "pull_request":
            count = w.prs_before(w.issues.count_since(c))
        elif kind == "issue":
            count = w.issues.count_since(c)
        elif kind == "push":
            count = w.commits.count_since(c)
            count += sum(1 for f in self.fresh_commits if _within(f, c, None))
        else:
            count = w.releases.n  # listed by creation: every page must be read
        return max(1, math.ceil(count / 100))


def _etag(content: bytes) -> str:
    """A weak validator over the body, as GitHub's list answers carry one."""
    return f'W/"{hashlib.sha256(content).hexdigest()[:40]}"'


def _within(commit: dict[str, Any], since: float | None, until: float | None) -> bool:
    """Whether a pushed commit's committer date lies in ``[since, until]`` (epoch seconds)."""
    at = parse_instant(commit["commit"]["committer"]["date"]).timestamp()
    return (since is None or at >= since) and (until is None or at <= until)


register("github", GitHubSim)
