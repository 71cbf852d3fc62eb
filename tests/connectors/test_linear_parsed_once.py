"""A Linear answer's JSON is read once: gql takes the tree the run's resilient transport
parsed (``PARSED_JSON``) instead of parsing the same bytes again, and the tree is freed with its
page by reference counting, not kept in httpx's answer/stream cycle for the garbage collector
(bench/replay.py: a tenth of a four-provider replay's JSON reading)."""

from __future__ import annotations

import asyncio
import gc
from datetime import UTC, datetime

import httpx
import respx
from gql import GraphQLRequest

from backfill_tui.clock import VirtualClock
from backfill_tui.connectors.linear import LinearConnector
from backfill_tui.http import ApiClient, LinearPolicy, ResilientTransport

KEY = "lin_api_T3stKeyValue0123456789abcdefghij"
URL = "https://api.linear.app/graphql"
ITEMS = 2000


@respx.mock
def test_a_linear_answers_json_is_parsed_once_and_freed_with_its_page(
    respx_mock: respx.MockRouter, collector_off: None
) -> None:
    """A 2,000-node answer read through ``LinearConnector.execute`` and let go leaves gql's and
    httpx's own few objects for the collector, not the tree (4,000 dicts, 2,000 lists)."""
    nodes = [{"id": f"i-{n}", "labels": [{"name": "bug"}]} for n in range(ITEMS)]
    respx_mock.post(URL).mock(
        return_value=httpx.Response(200, json={"data": {"issues": {"nodes": nodes}}})
    )

    async def read() -> int:
        transport = ResilientTransport(
            httpx.AsyncHTTPTransport(), provider_label="Linear", base_url=URL,
            auth_header=LinearConnector.auth_header(KEY), policy=LinearPolicy(),
            clock=VirtualClock(1.8e9),
        )  # fmt: skip
        client = ApiClient(label="Linear", base_url=URL, transport=transport)
        connector = LinearConnector("ENG", client, datetime(2026, 10, 29, 15, 0, tzinfo=UTC))
        try:
            data = await connector.execute(
                GraphQLRequest("query { issues { nodes { id } } }"), "issue"
            )
            return len(data["issues"]["nodes"])
        finally:
            await client.aclose()

    assert asyncio.run(read()) == ITEMS
    assert gc.collect() < 1000  # 43 here (gql's own); 4,067 with the tree parsed twice and kept
