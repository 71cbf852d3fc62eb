"""What the conformance tests share: the demo sources, and a connector over scripted answers.

A connector is built exactly as the engine builds it (its provider's policy, auth header and
extra headers, on :class:`ResilientTransport`), over ``httpx.AsyncHTTPTransport`` so respx
answers at the HTTP level. Realistic items come from the simulator's own HTTP answers, with only
their time fields rewritten, so every transformer sees a production-shaped item.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from support import GITHUB_REPO

from backfill_tui.clock import Clock, VirtualClock
from backfill_tui.connectors import PROVIDERS, Connector, Page
from backfill_tui.connectors import linear_query as lq
from backfill_tui.http import ApiClient, ResilientTransport
from backfill_tui.simulator import Simulator, SimulatorConfig
from backfill_tui.store import StreamRecord

#: The demo workspace's sources, one per provider (interfaces.md §5).
DEMO_SOURCES: dict[str, str] = {
    "github": "github:acme/rocket",
    "vercel": "vercel:acme/rocket-web",
    "linear": "linear:ENG",
    "sentry": "sentry:acme/rocket",
}
TOKENS = {
    "github": "ghp_conformanceToken000",
    "vercel": "vc_conformance_token",
    "linear": "lin_api_conformanceKey000000000000000",
    "sentry": "sntrys_conformance",
}
#: GitHub's answer to the lookup of ``acme/rocket`` (the fields the connector reads).
REPO = GITHUB_REPO
#: The run's "now" in the scripted tests, and day offsets from it.
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def make_connector(
    provider: str, target: str, cutoff: datetime, clock: Clock | None = None
) -> Connector:
    """The provider's connector as the engine builds it, over the real HTTP transport (respx),
    on ``clock`` (a virtual clock at :data:`NOW` unless given)."""
    info = PROVIDERS[provider]
    clock = clock or VirtualClock(NOW.timestamp())
    transport = ResilientTransport(
        httpx.AsyncHTTPTransport(),
        provider_label=info.label,
        base_url=info.default_base_url,
        auth_header=info.auth_header(TOKENS[provider]),
        policy=info.policy(),
        clock=clock,
    )
    client = ApiClient(
        label=info.label,
        base_url=info.default_base_url,
        transport=transport,
        headers=info.extra_headers,
        request_prefix=info.request_prefix,
    )
    connector = info.connector(target, client, cutoff)
    connector.started_at = NOW
    return connector


def run_github(
    db: Path, entities: frozenset[str], *, token: str | None = None
) -> tuple[str, list[StreamRecord]]:
    """``github:acme/rocket``'s ``entities`` through the engine into the mirror at ``db``, on a
    virtual clock from :data:`NOW` (respx answers): the run's status and its streams."""
    from backfill_tui.engine.environment import Environment
    from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
    from backfill_tui.store import Mirror

    mirror = Mirror.open(db)
    try:
        environment = Environment(
            clock=VirtualClock(start=NOW.timestamp()),
            env={"GITHUB_TOKEN": token or TOKENS["github"]},
        )
        engine = Engine(mirror, environment)
        spec = SourceSpec.parse("github:acme/rocket")
        run = engine.plan(RunRequest("demo", (spec,), entities=entities))
        status = asyncio.run(engine.run(run.id))
        return str(status), mirror.streams(run.id)
    finally:
        mirror.close()


def resume_github(db: Path, run_id: str, at: datetime) -> str:
    """Run ``run_id`` again in the mirror at ``db`` (as ``backfill-tui resume`` does: a new
    engine, the run's unfinished streams from their checkpoints), on a virtual clock from
    ``at``; its status."""
    from backfill_tui.engine.environment import Environment
    from backfill_tui.engine.run import Engine
    from backfill_tui.store import Mirror

    mirror = Mirror.open(db)
    try:
        environment = Environment(
            clock=VirtualClock(start=at.timestamp()), env={"GITHUB_TOKEN": TOKENS["github"]}
        )
        return str(asyncio.run(Engine(mirror, environment).run(run_id)))
    finally:
        mirror.close()


def read_stream(connector: Connector, entity: str, cursor: str | None = None) -> list[Page]:
    """Prepare the connector, then read one stream to its end; returns its pages."""

    async def go() -> list[Page]:
        try:
            await connector.prepare()
            return [page async for page in connector.stream(entity).pages(cursor)]
        finally:
            await connector.client.aclose()

    return asyncio.run(go())


def stored(pages: list[Page]) -> list[str]:
    return [e.sourceId for page in pages for e in page.events]


# -- realistic items, from the simulator's own answers ----------------------------------------


@dataclass
class Samples:
    """Items of every stream as the simulator serves them (the demo anchor is ``NOW``)."""

    simulator: Simulator

    @classmethod
    def create(cls) -> Samples:
        config = SimulatorConfig.from_env_string(f"anchor={iso(NOW)}")
        return cls(Simulator(config, VirtualClock(NOW.timestamp())))

    def _call(self, method: str, url: str, **kwargs: Any) -> Any:
        async def go() -> Any:
            async with httpx.AsyncClient(transport=self.simulator.transport) as client:
                response = await client.request(method, url, **kwargs)
                response.raise_for_status()
                return response.json()

        return asyncio.run(go())

    def rest(self, url: str, params: dict[str, str], token: str, n: int) -> list[dict[str, Any]]:
        body = self._call("GET", url, params=params, headers={"Authorization": token})
        items = body["deployments"] if isinstance(body, dict) else body
        return [dict(i) for i in items[:n]]

    def graphql(self, entity: str, n: int) -> list[dict[str, Any]]:
        query, root = lq.QUERIES[entity]
        variables = {"team": "ENG", "cutoff": "-P150D", "after": None}
        body = self._call(
            "POST",
            PROVIDERS["linear"].default_base_url,
            json={"query": _printed(query.document), "variables": variables},
            headers={"Authorization": TOKENS["linear"]},
        )
        nodes = [n for n in body["data"][root]["nodes"] if entity != "comment" or n.get("issue")]
        return [json.loads(json.dumps(node)) for node in nodes[:n]]


def _printed(document: Any) -> str:
    from graphql import print_ast

    return print_ast(document)
