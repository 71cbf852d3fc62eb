"""The simulator: one httpx ``MockTransport`` serving every simulated provider.

``backfill-tui demo``, ``--simulate`` and the tests hand :attr:`Simulator.transport` to the real
HTTP layer. Each request is routed to a provider (by host, else by path), checked against the
token, the every-Nth rate limit and the hourly quota, possibly failed on purpose, answered and
recorded (in :attr:`Simulator.requests` and, when configured, a JSON-lines request log).
"""

from __future__ import annotations

import asyncio
import json
import math
import os
from dataclasses import dataclass
from datetime import datetime

import httpx

from backfill_tui.clock import Clock
from backfill_tui.simulator import github as _github  # noqa: F401  (registers the provider)
from backfill_tui.simulator import linear as _linear  # noqa: F401  (registers the provider)
from backfill_tui.simulator import sentry as _sentry  # noqa: F401  (registers the provider)
from backfill_tui.simulator import vercel as _vercel  # noqa: F401  (registers the provider)
from backfill_tui.simulator.base import PROVIDERS, ProviderSim, WorldSpec
from backfill_tui.simulator.config import SimulatorConfig
from backfill_tui.simulator.faults import FaultPlan, QuotaWindow, drop, trickle, truncate
from backfill_tui.simulator.world import DAY, hash64

__all__ = ["RequestRecord", "Simulator"]

DEFAULT_PROVIDER = "github"


@dataclass(frozen=True)
class RequestRecord:
    """One request the simulator saw and how it answered (``status`` None = dropped)."""

    method: str
    url: str
    path: str
    status: int | None
    fault: str | None  # http_502, http_503, dropped, truncated, rate_limit_429,
    # secondary_rate_limit_403, quota_exhausted_403, trickled; None for an ordinary answer
    has_auth: bool
    host: str
    provider: str
    #: Ticks of one counter the simulator advances when a request arrives and when it is
    #: answered: ``a.arrived < b.answered`` says request a was sent before b's answer came.
    arrived: int = 0
    answered: int = 0


#: Seconds ahead of its now that ``github_moving_reset``'s answers name their reset.
MOVING_RESET_S = 20


class Simulator:
    """Deterministic simulated providers behind an async ``httpx.MockTransport``."""

    def __init__(self, config: SimulatorConfig, clock: Clock) -> None:
        self.config = config
        self.clock = clock
        if config.anchor is not None:
            self.anchor: float = config.anchor.timestamp()
        else:
            self.anchor = float(math.floor(clock.now() / DAY) * DAY)
        spec = WorldSpec(config.seed, self.anchor, config.scale, config)
        self.providers: dict[str, ProviderSim] = {n: f(spec) for n, f in PROVIDERS.items()}
        self.requests: list[RequestRecord] = []
        self._faults = FaultPlan(config.seed, config.faults)
        #: One hourly quota per provider and token (the Authorization header), as GitHub
        #: keeps its limits per token: several tokens rotate through their own quotas.
        self._quotas: dict[tuple[str, str | None], QuotaWindow] = {}
        self._rate_limits_served = 0
        #: Until when (the simulator's clock) a secondary limit with ``Retry-After`` holds a
        #: token of a provider: a request sent before then meets another (GitHub's "Best
        #: practices for using the REST API": requests while limited are answered limited).
        self._held: dict[tuple[str, str | None], float] = {}
        self._tick = 0
        #: Requests each provider was sent (``github_moving_reset`` counts GitHub's).
        self._asked: dict[str, int] = {}
        self.transport = httpx.MockTransport(self._handle)

    # -- what tests ask --------------------------------------------------------------------
    def _provider(self, name: str) -> ProviderSim:
        try:
            return self.providers[name]
        except KeyError:
            raise ValueError(
                f"unknown simulated provider {name!r}; accepted: {', '.join(self.providers)}"
            ) from None

    def ground_truth(
        self, provider: str, target: str, cutoff: datetime, entities: set[str] | None = None
    ) -> set[str]:
        """The sourceIds a correct backfill of ``provider:target`` since ``cutoff`` stores."""
        return self._provider(provider).ground_truth(target, cutoff, entities)

    def min_pages(self, provider: str, target: str, entity: str, cutoff: datetime) -> int:
        """The fewest 100-item pages a correct backfill of one stream must fetch."""
        return self._provider(provider).min_pages(target, entity, cutoff)

    def grow(
        self, provider: str = DEFAULT_PROVIDER, items: int = 20, *, dated_days_ago: float = 0
    ) -> None:
        """Let the world move on: ``items`` new items appear in ``provider``'s account, dated
        now on the simulator's clock (GitHub: new commits at the head of the default branch).
        Lists, ETags and :meth:`ground_truth` all show them from the next request on.

        ``dated_days_ago`` (GitHub): the items are a branch's commits dated that many days
        ago, merged now with a merge commit of their own (``items + 1`` commits), as GitHub's
        default merge button lands them: the list's ``since`` (a commit date) sees them as
        old, though the default branch has them only now."""
        self._provider(provider).grow(items, self.clock.now(), dated_days_ago=dated_days_ago)

    def quota_spent(self, provider: str = DEFAULT_PROVIDER) -> int:
        """Requests that counted against ``provider``'s primary rate limit so far, over all
        tokens (a 304 to an authorized conditional request does not, as on GitHub)."""
        return sum(w.spent for (name, _), w in self._quotas.items() if name == provider)

    def issued_tokens(self, provider: str) -> list[str]:
        """The fake tokens ``tokens=N`` gives ``provider`` (``[]`` for N = 1): stable for a
        seed, each answered from its own quota. They are credentials like any other: the
        environment registers them as secrets, and only their fingerprints are shown."""
        count = self.config.tokens
        if count <= 1:
            return []
        seed = self.config.seed
        return [
            f"simtok_{provider}_{i + 1}_{hash64(seed, f'token:{provider}', i):016x}"
            for i in range(count)
        ]

    def request_count(self, path_prefix: str | None = None) -> int:
        """Requests served (faulted ones included) whose URL path starts with the prefix."""
        if path_prefix is None:
            return len(self.requests)
        return sum(1 for r in self.requests if r.path.startswith(path_prefix))

    # -- serving -----------------------------------------------------------------------------
    def _route(self, request: httpx.Request) -> ProviderSim:
        host = request.url.host
        for provider in self.providers.values():
            if host in provider.hosts:
                return provider
        for provider in self.providers.values():
            if provider.claims(request):
                return provider
        return self.providers[DEFAULT_PROVIDER]

    async def _handle(self, request: httpx.Request) -> httpx.Response:
        cfg = self.config
        self._tick += 1
        request.extensions["simulator_arrived"] = self._tick
        if cfg.latency > 0:
            await asyncio.sleep(cfg.latency)
        index = len(self.requests) + 1
        fault = self._faults.draw()  # one draw per request, whatever happens to it
        provider = self._route(request)
        asked = self._asked[provider.name] = self._asked.get(provider.name, 0) + 1
        moving = provider.name == "github" and 0 < cfg.github_moving_reset <= asked
        auth = request.headers.get("authorization")
        quota = self._quotas.setdefault((provider.name, auth), QuotaWindow(cfg.quota))
        now = self.clock.now()
        quota.refresh(now)
        provider.begin(quota.state(), now)
        every = cfg.rate_limit_every
        if cfg.token is not None and not provider.authorized(auth, cfg.token):
            response, fault = provider.bad_credentials(), None
        elif now < self._held.get((provider.name, auth), now):
            left = math.ceil(self._held[(provider.name, auth)] - now)
            response = provider.rate_limited(True, cfg.retry_after, left)
            fault = "secondary_rate_limit_403"
        elif every and index % every == 0:
            secondary = self._rate_limits_served % 2 == 1
            self._rate_limits_served += 1
            response = provider.rate_limited(secondary, cfg.retry_after, cfg.secondary_retry_after)
            fault = "secondary_rate_limit_403" if secondary else "rate_limit_429"
            if secondary and provider.name == "github" and cfg.secondary_retry_after:
                self._held[(provider.name, auth)] = now + cfg.secondary_retry_after
        elif quota.exhausted or moving:
            response, fault = provider.quota_exceeded(), "quota_exhausted_403"
        elif fault == "dropped":
            self._record(request, provider, None, fault)
            raise drop(request)
        elif fault in ("http_502", "http_503"):
            response = provider.server_error(0 if fault == "http_502" else 1)
        else:
            response = provider.handle(request)
            if fault == "truncated" and response.status_code != 200:
                fault = "http_502"
                response = provider.server_error(0)
            elif fault is None:
                response = provider.conditional(request, response)
                # GitHub: a 304 to a correctly authorized conditional request does not count
                # against the primary rate limit ("Best practices for using the REST API").
                if response.status_code != 304 or "authorization" not in request.headers:
                    quota.consume()
        request_id = self._request_id(index)
        response = provider.finish(response, quota.state(), request_id, now)
        if moving and fault == "quota_exhausted_403":  # a reset 20 s ahead, every time
            response.headers["x-ratelimit-remaining"] = "0"
            response.headers["x-ratelimit-reset"] = str(int(now) + MOVING_RESET_S)
        if fault == "truncated":
            response = truncate(response)
        elif cfg.trickle and index % cfg.trickle == 0:
            response, fault = trickle(response), "trickled"
        self._record(request, provider, response.status_code, fault)
        return response

    def _request_id(self, index: int) -> str:
        h = f"{hash64(self.config.seed, 'request-id', index):016X}"
        return f"{h[:4]}:{h[4:10]}:{h[10:16]}:{index:06X}:{int(self.anchor) & 0xFFFFFFFF:08X}"

    def _record(
        self, request: httpx.Request, provider: ProviderSim, status: int | None, fault: str | None
    ) -> None:
        self._tick += 1
        record = RequestRecord(
            method=request.method,
            url=str(request.url),
            path=request.url.path,
            status=status,
            fault=fault,
            has_auth="authorization" in request.headers,
            host=request.url.host,
            provider=provider.name,
            arrived=int(request.extensions.get("simulator_arrived", 0)),
            answered=self._tick,
        )
        self.requests.append(record)
        if self.config.request_log is not None:
            line = json.dumps(
                {
                    "method": record.method,
                    "url": record.url,
                    "path": record.path,
                    "status": status,
                    "fault": fault,
                },
                ensure_ascii=False,
            )
            self.config.request_log.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            # Made 0600 as every other file backfill-tui writes (it was 0644: the URLs of a
            # run are the user's own, a tester's finding); an existing file keeps its mode.
            fd = os.open(self.config.request_log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as log:
                log.write(line + "\n")
