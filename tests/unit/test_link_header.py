"""The ``Link`` header read as RFC 8288 writes it (``http.links.parse_links``), and through the
HTTP layer (respx): two valid forms httpx misread lost items silently (a fresh tester's
findings): ``rel="next last"`` was no ``next``, and a ``;`` or ``,`` inside ``<...>`` cut the
next page's URL short."""

from __future__ import annotations

import asyncio

import httpx
import respx

from backfill_tui.clock import VirtualClock
from backfill_tui.http import ApiClient, GitHubPolicy, ResilientTransport
from backfill_tui.http.links import parse_links

BASE = "https://api.github.com"


def test_a_rel_of_several_types_names_each() -> None:
    links = parse_links(['<https://x.test/p?page=2>; rel="next last"'])
    assert links["next"]["url"] == links["last"]["url"] == "https://x.test/p?page=2"


def test_commas_and_semicolons_inside_the_brackets_stay_in_the_url() -> None:
    url = "https://x.test/issues?labels=bug,ui;x&state=all&page=2"
    links = parse_links([f'<{url}>; rel="next", <https://x.test/issues?page=9>; rel="last"'])
    assert links["next"]["url"] == url
    assert links["last"]["url"] == "https://x.test/issues?page=9"


def test_sentrys_params_quoted_strings_and_odd_spacing_are_read() -> None:
    header = (
        '<https://s.test/?cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1",'
        '<https://s.test/?cursor=0:100:0> ;rel=next ; Results="true";cursor="0:100:0"'
        ', <https://s.test/q>; rel="other"; title="a \\"quoted\\"; one, here"'
    )
    links = parse_links([header])
    assert links["previous"]["results"] == "false"
    assert links["next"] == {
        "url": "https://s.test/?cursor=0:100:0", "rel": "next", "results": "true",
        "cursor": "0:100:0",
    }  # fmt: skip
    assert links["other"]["title"] == 'a "quoted"; one, here'


def test_the_first_link_of_a_type_wins_and_junk_is_passed_over() -> None:
    lines = ["garbage, <https://a.test/1>; rel=next", '<https://a.test/2>; rel="NEXT"', "<broken"]
    assert parse_links(lines)["next"]["url"] == "https://a.test/1"
    assert parse_links(["", "no links here"]) == {}


@respx.mock
def test_the_http_layer_follows_such_a_next_link_whole(respx_mock: respx.MockRouter) -> None:
    url = f"{BASE}/repositories/1/issues?labels=bug,ui;x&state=all&page=2"
    respx_mock.get(f"{BASE}/repos/acme/rocket/issues").respond(
        200, json=[], headers={"link": f'<{url}>; rel="next last"'}
    )
    transport = ResilientTransport(
        httpx.AsyncHTTPTransport(), provider_label="GitHub", base_url=BASE,
        auth_header="Bearer ghp_x", policy=GitHubPolicy(), clock=VirtualClock(),
    )  # fmt: skip

    async def go() -> dict[str, dict[str, str]]:
        api = ApiClient(label="GitHub", base_url=BASE, transport=transport)
        try:
            return (await api.get(f"{BASE}/repos/acme/rocket/issues")).links
        finally:
            await api.aclose()

    links = asyncio.run(go())
    assert links["next"]["url"] == url and links["last"]["url"] == url
