"""One invalid UTF-8 byte in one item's text (a body with ``\\xff`` inside a string) made the
whole answer "truncated or invalid JSON": retried six times, then the stream failed with 0
fetched and a resume hint that could never work (a fresh tester's finding, Vercel, Sentry and
Linear alike; Linear's is in test_linear.py). Each such byte now reads as U+FFFD, as a browser
and ``bytes.decode(errors="replace")`` read it, and the item is stored; a body cut short is
still invalid JSON, retried as before (respx under the engine, on a virtual clock)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import respx
from test_far_off_times import (
    ISSUES,
    PROJECT,
    SENTRY,
    VERCEL,
    _deployment,
    _recent,
    _run,
    _stored,
    _vercel_project,
    sentry_issue,
)

from backfill_tui.http.body import parse_json


@respx.mock
def test_an_invalid_utf8_byte_in_a_vercel_item_is_stored_as_a_replacement_character(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    _vercel_project(respx_mock)
    items = [_deployment("dpl_a", _recent(1), "fix MARK leak"), _deployment("dpl_b", _recent(2))]
    raw = json.dumps({"deployments": items, "pagination": {"next": None}}).encode()
    answer = httpx.Response(
        200, content=raw.replace(b"MARK", b"\xff"), headers={"content-type": "application/json"}
    )
    route = respx_mock.get(f"{VERCEL}/v6/deployments").mock(side_effect=[answer])
    (stream,) = _run(tmp_path, "vercel:acme/rocket-web")
    assert (stream.status, stream.counters.new) == ("completed", 2), stream.error
    assert route.call_count == 1
    assert any("fix \ufffd leak" in t for t in _stored(tmp_path, "metadata"))


@respx.mock
def test_an_invalid_utf8_byte_in_a_sentry_item_is_stored_as_a_replacement_character(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    respx_mock.get(f"{SENTRY}{PROJECT}").respond(200, json={"id": "7", "slug": "rocket"})
    issue = sentry_issue("KeyError: MARK")
    raw = json.dumps([issue]).encode().replace(b"MARK", b"caf\xe9")  # Latin-1, not UTF-8
    answer = httpx.Response(200, content=raw, headers={"content-type": "application/json"})
    respx_mock.get(f"{SENTRY}{ISSUES}").mock(side_effect=[answer])
    (stream,) = _run(tmp_path, "sentry:acme/rocket", {"issue"})
    assert (stream.status, stream.counters.new) == ("completed", 1), stream.error
    assert any("KeyError: caf\ufffd" in t for t in _stored(tmp_path, "title"))


def test_a_truncated_body_is_still_invalid_json() -> None:
    """Replacing bad bytes reads a whole body; one cut short (even inside a character) is
    still ``ValueError``, which the transport retries."""
    assert parse_json(b'{"t": "a\xffb"}') == {"t": "a\ufffdb"}
    for cut in (b'{"t": "a\xffb', b'{"t": "caf\xc3'):
        with pytest.raises(ValueError):
            parse_json(cut)
