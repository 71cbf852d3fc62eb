"""The simulated Sentry REST API (``/api/0/``) for the organization ``acme``, project ``rocket``.

Serves the project details, the organization issues list and the project events list with
Sentry's defaults and filters: ``query`` defaults to ``is:unresolved`` when absent (a client
that forgets ``query=`` misses resolved and ignored issues), the window defaults to 14 days,
``statsPeriod`` or ``start``/``end`` bound it (issues by ``lastSeen``, events by
``dateCreated``), ``full=true`` adds an event's ``entries``. Pages are at most 100 items, linked
by Sentry's ``Link`` header (``previous`` and ``next``, each with ``results`` and ``cursor``),
whose URLs are built, as Sentry's are, from the server's own URL prefix (``url_prefix``; by
default the organisation's domain ``https://acme.sentry.io``, as sentry.io does), not from the
address the client called. ``repeat_cursor=N`` answers page N and later with an empty page whose
``next`` link says ``results="true"`` and repeats the request's cursor (a quirk real accounts
show). ``null_last_seen=N`` lists every Nth issue with ``lastSeen: null`` (merged or still
processing, as real issues are), in the place its last sighting gives it.
Errors are DRF-shaped ``{"detail": ...}``; a rate-limit answer is a 429 with no ``Retry-After``
but ``X-Sentry-Rate-Limit-Reset`` (``retry_after`` seconds after ``Date`` for those of
``rate_limit_every``). Paths need their trailing slash (else a 301, as Django).

Past 400 lines on purpose: one provider's simulated API in one file, as ``connectors/`` keeps
one provider per file (style.md); its world (the data) lives in ``sentry_world.py``.
"""

from __future__ import annotations

import email.utils
import math
import re
from array import array
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import httpx

from backfill_tui.simulator.base import ProviderSim, QuotaState, WorldSpec, json_response, register
from backfill_tui.simulator.config import SimulatorConfig, parse_instant
from backfill_tui.simulator.faults import QUOTA_WINDOW_S
from backfill_tui.simulator.sentry_world import (
    ORG_ID,
    ORG_NAME,
    ORG_SLUG,
    PROJECT_ID,
    PROJECT_SLUG,
    STATUSES,
    SentryWorld,
)

__all__ = ["ENTITIES", "SentrySim"]

ENTITIES = ("issue", "error")
_ALIASES = {"issues": "issue", "errors": "error", "events": "error"}
TARGET = f"{ORG_SLUG}/{PROJECT_SLUG}"
#: Sentry's rate-limit window: a fixed window per caller and endpoint, by default 40 requests a
#: second (docs.sentry.io/api/ratelimits: "a default rate limit of 40 requests per second";
#: getsentry/sentry ``src/sentry/ratelimits/config.py``: ``DEFAULT_RATELIMIT = RateLimit(
#: SENTRY_RATELIMITER_DEFAULT, 1)``), and at most 25 requests in flight (the concurrent limit).
RATE_LIMIT, RATE_WINDOW_S, CONCURRENT_LIMIT = 40, 1, 25
DEFAULT_PERIOD_S = 14 * 86_400
MAX_PAGE = 100
_MISSING = "The requested resource does not exist"
#: A 429's ``retry_after`` (the simulator's setting), from :meth:`SentrySim.rate_limited` to
#: :meth:`SentrySim.finish`, which turns it into ``X-Sentry-Rate-Limit-Reset``.
_RETRY = "backfill_tui.sentry_retry_after"
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 7 * 86_400}
_SIMPLE_EVENT = (
    "id", "groupID", "eventID", "projectID", "message", "title", "location", "culprit", "user",
    "tags", "platform", "dateCreated", "crashFile", "metadata",
)  # fmt: skip


class _Bad(Exception):
    """A request Sentry answers with 400 ``{"detail": ...}``."""


def _detail(status: int, text: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return json_response(status, {"detail": text}, headers)


def _cursor(text: str | None) -> tuple[int, int, bool] | None:
    """Sentry's ``value:offset:is_prev`` cursor."""
    if not text:
        return None
    bits = text.split(":")
    try:
        if len(bits) != 3:
            raise ValueError(text)
        value, offset, is_prev = int(float(bits[0])), int(bits[1]), int(bits[2])
    except ValueError:
        raise _Bad("Invalid cursor parameter.") from None
    if offset < 0:
        raise _Bad("Invalid cursor parameter.")
    return value, offset, bool(is_prev)


def _page_size(params: httpx.QueryParams, name: str) -> int:
    try:
        size = int(params.get(name, MAX_PAGE))
    except ValueError:
        raise _Bad(f"Invalid {name} parameter.") from None
    if size < 1:
        raise _Bad(f"Invalid {name} parameter.")
    return min(size, MAX_PAGE)


def _first_le(n: int, score: Callable[[int], int], value: int) -> int:
    """The first index whose score is ``<= value`` (scores never increase with the index)."""
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi) // 2
        if score(mid) <= value:
            hi = mid
        else:
            lo = mid + 1
    return lo


class SentrySim(ProviderSim):
    """Sentry's REST API over one generated organization and project."""

    name = "sentry"
    hosts = ("sentry.io", "us.sentry.io", "de.sentry.io", f"{ORG_SLUG}.sentry.io")

    def __init__(self, spec: WorldSpec) -> None:
        self.world = SentryWorld(spec.seed, spec.anchor, spec.scale, spec.config.null_last_seen)
        self._now = spec.anchor  # the simulator's clock as of the last answer
        self._second, self._used = -1, 0
        #: ``quota=N`` given: the endpoint's window is N requests an hour (Sentry: "each
        #: endpoint has its own maximum number of requests and window size"), shown in the
        #: headers and enforced by the same answers; else Sentry's default, 40 a second.
        self._hourly = spec.config.quota != SimulatorConfig.quota
        self._quota = QuotaState(spec.config.quota, spec.config.quota, 0)
        self._orders: dict[tuple[Any, ...], tuple[array[int], array[int]]] = {}
        prefix = spec.config.url_prefix
        #: Where Link URLs point (None: the address the client called).
        self.url_prefix: str | None = (
            f"https://{ORG_SLUG}.sentry.io" if prefix is None else None if prefix == "request"
            else prefix.rstrip("/")
        )  # fmt: skip
        self.repeat_cursor = spec.config.repeat_cursor

    def claims(self, request: httpx.Request) -> bool:
        return "/api/0/" in request.url.path

    # -- routing ---------------------------------------------------------------------------
    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        at = path.find("/api/0/")
        if request.method not in ("GET", "HEAD") or at < 0:
            return _detail(404, _MISSING)
        if not path.endswith("/"):
            query = f"?{request.url.query.decode()}" if request.url.query else ""
            return httpx.Response(301, headers={"location": f"{path}/{query}"})
        parts = path[at + len("/api/0/") :].rstrip("/").split("/")
        try:
            if len(parts) in (2, 3) and parts[0] == "organizations":
                if parts[1] != ORG_SLUG:
                    return _detail(404, _MISSING)
                if len(parts) == 2:
                    return json_response(
                        200,
                        {
                            "id": str(ORG_ID),
                            "slug": ORG_SLUG,
                            "name": ORG_NAME,
                            "status": {"id": "active"},
                        },
                    )
                if parts[2] == "issues":
                    return self._issues(request)
            elif len(parts) in (3, 4) and parts[0] == "projects":
                if parts[1] != ORG_SLUG or parts[2] not in (PROJECT_SLUG, str(PROJECT_ID)):
                    return _detail(404, _MISSING)
                if len(parts) == 3:
                    return json_response(200, self.world.project_json())
                if parts[3] == "events":
                    return self._events(request)
        except _Bad as bad:
            return _detail(400, str(bad))
        return _detail(404, _MISSING)

    def _window(self, q: httpx.QueryParams) -> tuple[float, float]:
        period, start, end = q.get("statsPeriod"), q.get("start"), q.get("end")
        if period:
            match = re.fullmatch(r"(\d+)([smhdw])", period)
            if not match:
                raise _Bad(f"Invalid statsPeriod: {period!r}")
            return self._now - int(match[1]) * _UNITS[match[2]], self._now
        if start or end:
            if not (start and end):
                raise _Bad("start and end are both required")
            try:
                bounds = parse_instant(start).timestamp(), parse_instant(end).timestamp()
            except ValueError:
                raise _Bad("start and end must be ISO 8601 dates") from None
            if bounds[0] > bounds[1]:
                raise _Bad("start must be before end")
            return bounds
        return self._now - DEFAULT_PERIOD_S, self._now

    # -- issues ----------------------------------------------------------------------------
    def _issues(self, request: httpx.Request) -> httpx.Response:
        q = request.url.params
        for value in q.get_list("project"):
            if not re.fullmatch(r"-?\d+", value):
                raise _Bad("Invalid project parameter. Values must be numbers.")
            if int(value) not in (-1, PROJECT_ID):
                return _detail(403, "You do not have permission to perform this action.")
        start, end = self._window(q)
        statuses, text = self._query(q.get("query") if "query" in q else "is:unresolved")
        sort = q.get("sort") or "date"
        if sort not in ("date", "new", "freq", "user"):
            raise _Bad(f"Invalid sort: {sort!r}")
        limit = _page_size(q, "limit")
        tl = self.world.issues
        lo, hi = tl.count_since(end), tl.count_since(start)  # start <= lastSeen < end
        position: Callable[[int], int]
        score: Callable[[int], int]
        if statuses == set(STATUSES) and not text and sort == "date":
            n = max(0, hi - lo)
            position = lo.__add__
            score = lambda i: tl.ts(lo + i) * 1000  # noqa: E731
        else:
            positions, scores = self._order(lo, hi, frozenset(statuses), text, sort)
            n = len(positions)
            position = lambda i: positions[i]  # noqa: E731
            score = lambda i: scores[i]  # noqa: E731
        cursor = _cursor(q.get("cursor"))
        start_at = 0 if cursor is None else _first_le(n, score, cursor[0]) + cursor[1]
        first, last = (
            (max(0, start_at - limit), start_at)
            if cursor and cursor[2]
            else (start_at, start_at + limit)
        )
        first, last = min(first, n), min(last, n)
        if self._stuck(cursor is not None, first // limit + 1):
            return self._stuck_page(request)
        items = [self.world.issue_json(position(i)) for i in range(first, last)]

        def mark(i: int) -> str:
            """``value:offset`` resolving to index ``i``: the score of the item before it."""
            if i <= 0:
                return "0:0"
            value = score(i - 1)
            return f"{value}:{i - _first_le(n, score, value)}"

        link = self._link(request, f"{mark(first)}:1", first > 0, f"{mark(last)}:0", last < n)
        return json_response(200, items, {"link": link, "x-hits": str(n), "x-max-hits": "1000"})

    def _query(self, query: str) -> tuple[set[str], str]:
        statuses: set[str] = set()
        words = []
        for token in query.split():
            key, sep, value = token.partition(":")
            if sep and key == "is":
                value = "ignored" if value == "archived" else value
                if value not in STATUSES:
                    raise _Bad(f"Error parsing search query: invalid status value of '{value}'")
                statuses.add(value)
            elif sep:
                raise _Bad(f"Error parsing search query: the simulator has no '{key}' filter")
            else:
                words.append(token.strip('"').lower())
        return statuses or set(STATUSES), " ".join(words)

    def _order(
        self, lo: int, hi: int, statuses: frozenset[str], text: str, sort: str
    ) -> tuple[array[int], array[int]]:
        """Positions in ``[lo, hi)`` passing the filters, and their scores, in list order."""
        key = (lo, hi, statuses, text, sort)
        cached = self._orders.get(key)
        if cached is not None:
            return cached
        keyed: list[tuple[int, int]] = []
        for p in range(lo, hi):
            core = self.world.issue_core(p)
            if core.status not in statuses or text not in core.title.lower():
                continue
            if sort == "date":
                value = core.last_seen * 1000
            elif sort == "new":
                value = core.first_seen * 1000
            else:
                issue = self.world.issue_json(p)
                value = int(issue["count"]) if sort == "freq" else int(issue["userCount"])
            keyed.append((-value, p))
        keyed.sort()
        order = (array("q", (p for _, p in keyed)), array("q", (-v for v, _ in keyed)))
        if len(self._orders) >= 16:
            self._orders.pop(next(iter(self._orders)))
        self._orders[key] = order
        return order

    # -- events ----------------------------------------------------------------------------
    def _events(self, request: httpx.Request) -> httpx.Response:
        q = request.url.params
        start, end = self._window(q)
        per_page = _page_size(q, "per_page")
        full = q.get("full", "").lower() in ("true", "1", "yes")
        tl = self.world.events
        lo, hi = tl.count_since(end), tl.count_since(start)
        n = max(0, hi - lo)
        cursor = _cursor(q.get("cursor"))
        offset = cursor[1] if cursor else 0
        if self._stuck(cursor is not None, offset // per_page + 1):
            return self._stuck_page(request)
        items = []
        for i in range(offset, min(n, offset + per_page)):
            event = self.world.event_json(lo + i)
            items.append(event if full else {k: event[k] for k in _SIMPLE_EVENT})
        link = self._link(
            request,
            f"0:{max(0, offset - per_page)}:1",
            offset > 0,
            f"0:{offset + per_page}:0",
            offset + per_page < n,
        )
        return json_response(200, items, {"link": link})

    # -- paging, errors and headers ----------------------------------------------------------
    def _stuck(self, has_cursor: bool, page: int) -> bool:
        """Whether the ``repeat_cursor`` quirk answers this page (page numbers from 1)."""
        return bool(self.repeat_cursor) and has_cursor and page >= self.repeat_cursor

    def _stuck_page(self, request: httpx.Request) -> httpx.Response:
        """No items, yet ``next`` claims results and names the cursor just asked for."""
        same = request.url.params.get("cursor", "0:0:0")
        link = self._link(request, same, True, same, True)
        return json_response(200, [], {"link": link, "x-hits": "0", "x-max-hits": "1000"})

    def _link(
        self, request: httpx.Request, before: str, has_before: bool, after: str, has_after: bool
    ) -> str:
        pairs = [(k, v) for k, v in request.url.params.multi_items() if k != "cursor"]
        here = self.url_prefix or f"{request.url.scheme}://{request.url.netloc.decode()}"
        base = f"{here}{request.url.path}"
        base += f"?{urlencode(pairs)}"

        def one(cursor: str, rel: str, results: bool) -> str:
            flag = "true" if results else "false"
            return f'<{base}&cursor={cursor}>; rel="{rel}"; results="{flag}"; cursor="{cursor}"'

        return f"{one(before, 'previous', has_before)}, {one(after, 'next', has_after)}"

    def bad_credentials(self) -> httpx.Response:
        return _detail(401, "Invalid token")

    def rate_limited(
        self, secondary: bool, retry_after: int, secondary_retry_after: int = 0
    ) -> httpx.Response:
        """A 429 of ``rate_limit_every``: Sentry sends no ``Retry-After``, so ``retry_after``
        is how far off its ``X-Sentry-Rate-Limit-Reset`` is (set by :meth:`finish`)."""
        response = self._too_many(secondary)
        response.extensions[_RETRY] = retry_after
        return response

    def _too_many(self, secondary: bool) -> httpx.Response:
        if secondary:
            return _detail(
                429,
                "You are attempting to go above the allowed concurrency for this endpoint. "
                f"Concurrency limit is {CONCURRENT_LIMIT}",
            )
        limit, window = (
            (self._quota.limit, QUOTA_WINDOW_S) if self._hourly else (RATE_LIMIT, RATE_WINDOW_S)
        )
        return _detail(
            429,
            "You are attempting to use this endpoint too frequently. Limit is "
            f"{limit} requests in {window} seconds",
        )

    def quota_exceeded(self) -> httpx.Response:
        return self._too_many(False)

    def server_error(self, variant: int) -> httpx.Response:
        if variant % 2 == 0:
            return super().server_error(variant)
        return _detail(503, "Service Unavailable")

    def begin(self, quota: QuotaState, now: float) -> None:
        self._quota = quota

    def finish(
        self, response: httpx.Response, quota: QuotaState, request_id: str, now: float
    ) -> httpx.Response:
        """Sentry's headers (docs.sentry.io/api/ratelimits): ``X-Sentry-Rate-Limit-Limit`` the
        requests the window allows, ``-Remaining`` what this caller has left in the current
        window, ``-Reset`` when the next window starts (epoch seconds), ``-ConcurrentLimit``
        and ``-ConcurrentRemaining`` the requests allowed in flight at once. The window is the
        one these answers enforce: 40 a second by default (a run whose calls are a second
        apart, as the demo's are, sees 39 of 40 left on each, as it would on sentry.io), or
        with ``quota=N`` N an hour, spent call by call until its 429. A 429 of
        ``rate_limit_every`` names a reset ``retry_after`` seconds after its ``Date`` (both
        whole seconds, as Sentry's are): a client measuring from ``Date`` waits just that."""
        self._now = now
        second = math.floor(now / RATE_WINDOW_S) * RATE_WINDOW_S
        if second != self._second:
            self._second, self._used = second, 0
        limited = response.status_code == 429
        if not limited:
            self._used += 1
        retry_after = response.extensions.pop(_RETRY, None)
        if retry_after is not None:
            reset = second + retry_after
        elif limited and quota.remaining <= 0:
            reset = quota.reset
        else:
            reset = second + RATE_WINDOW_S
        limit, remaining = RATE_LIMIT, max(0, RATE_LIMIT - self._used)
        if self._hourly:
            limit, remaining = quota.limit, quota.remaining
            if not limited:
                reset = quota.reset
        h = response.headers
        h["date"] = email.utils.formatdate(now, usegmt=True)
        h["server"] = "nginx"
        h.setdefault("content-type", "application/json")
        h["allow"] = "GET, HEAD, OPTIONS"
        h["content-language"] = "en"
        h["vary"] = "Accept-Language, Cookie"
        h["x-content-type-options"] = "nosniff"
        h["x-frame-options"] = "deny"
        h["x-sentry-rate-limit-limit"] = str(limit)
        h["x-sentry-rate-limit-remaining"] = "0" if limited else str(remaining)
        h["x-sentry-rate-limit-reset"] = str(int(reset))
        h["x-sentry-rate-limit-concurrentlimit"] = str(CONCURRENT_LIMIT)
        h["x-sentry-rate-limit-concurrentremaining"] = str(CONCURRENT_LIMIT - 1)
        h["x-sentry-response-id"] = request_id.replace(":", "").lower()
        return response

    # -- ground truth ------------------------------------------------------------------------
    def _entities(self, entities: set[str] | None) -> set[str]:
        if entities is None:
            return set(ENTITIES)
        wanted = {_ALIASES.get(e, e) for e in entities}
        unknown = wanted - set(ENTITIES)
        if unknown:
            raise ValueError(f"unknown Sentry entities {sorted(unknown)}; accepted: {ENTITIES}")
        return wanted

    def ground_truth(self, target: str, cutoff: datetime, entities: set[str] | None) -> set[str]:
        wanted = self._entities(entities)
        if target != TARGET:
            return set()
        w, c = self.world, cutoff.timestamp()
        ids: set[str] = set()
        if "issue" in wanted:
            for p in range(w.issues.count_since(c)):
                core = w.issue_core(p)
                ids.add(f"sentry-issue:{PROJECT_SLUG}:{core.short_id}:{core.action}")
        if "error" in wanted:
            ids.update(
                f"sentry-error:{PROJECT_ID}:{w.event_id(q)}" for q in range(w.events.count_since(c))
            )
        return ids

    def min_pages(self, target: str, entity: str, cutoff: datetime) -> int:
        (kind,) = self._entities({entity})
        if target != TARGET:
            return 1
        timeline = self.world.issues if kind == "issue" else self.world.events
        return max(1, math.ceil(timeline.count_since(cutoff.timestamp()) / MAX_PAGE))


register("sentry", SentrySim)
