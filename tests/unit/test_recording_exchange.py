"""An exchange's line is read strictly (``recording/exchange.py``): what the writer writes must
still be read back as it was, whatever a provider answered, and a header value past ASCII must
replay as it was recorded."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from backfill_tui.http.body import UndecodableBody
from backfill_tui.recording.exchange import Exchange
from backfill_tui.recording.fileformat import _line, _loads
from backfill_tui.recording.transports import RecordingTransport, ReplayTransport

TOKEN = st.from_regex(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,20}", fullmatch=True)
#: A header value as httpx decodes one from the network: no control character but tab.
VALUE = st.text(st.characters(exclude_categories=("Cs", "Cc")) | st.just("\t"), max_size=40)
SECONDS = st.floats(min_value=0, max_value=1e6, allow_nan=False)


@st.composite
def urls(draw: st.DrawFn) -> str:
    base = draw(st.sampled_from(["https://api.github.com", "http://127.0.0.1:8080"]))
    path = draw(st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=30))
    query = draw(st.dictionaries(TOKEN, VALUE, max_size=3))
    return str(httpx.URL(f"{base}/{quote(path)}").copy_merge_params(query))


@st.composite
def exchanges(draw: st.DrawFn) -> Exchange:
    answered = draw(st.booleans())
    return Exchange(
        seq=draw(st.integers(1, 10**9)),
        method=draw(st.sampled_from(["GET", "POST", "HEAD", "PATCH"])),
        url=draw(urls()),
        body=draw(st.none() | st.binary(min_size=1, max_size=40)),
        status=draw(st.integers(100, 999)) if answered else None,
        headers=draw(st.lists(st.tuples(TOKEN, VALUE), max_size=6)),
        content=draw(st.binary(max_size=60) | st.text(max_size=60).map(str.encode)),
        error=None if answered else (draw(st.sampled_from(["ConnectError", "ReadTimeout"])), ""),
        started=draw(SECONDS),
        elapsed=draw(SECONDS),
        answered=draw(st.none() | SECONDS),
    )


def _rounded(exchange: Exchange) -> dict[str, Any]:
    """The exchange's fields with its times as the line keeps them (6 decimal places)."""
    fields = dict(vars(exchange))
    for name in ("started", "elapsed", "answered"):
        if fields[name] is not None:
            fields[name] = round(fields[name], 6)
    return fields


@settings(max_examples=200, deadline=None)
@given(exchanges())
def test_what_the_writer_writes_is_read_back_as_it_was(exchange: Exchange) -> None:
    read = Exchange.from_json(_loads(_line(exchange.to_json())), 1)
    assert vars(read) == _rounded(exchange)


def test_a_header_value_past_ascii_replays_as_it_was_recorded() -> None:
    """httpx decodes a header's bytes as UTF-8 (or, failing that, Latin-1) and the recording
    keeps that text; the replay gave it back to httpx as text, which httpx encodes as ASCII:
    "internal error in the GitHub connector (UnicodeEncodeError)"."""
    answers = {
        "/utf8": [(b"x-note", "café ☕".encode()), (b"content-type", b"application/json")],
        "/latin1": [(b"x-note", "café".encode("latin-1"))],
    }

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers=answers[request.url.path], content=b"[]")

    recorded: list[Exchange] = []
    seq = itertools.count(1)
    live = RecordingTransport(
        httpx.MockTransport(answer),
        recorded.append,
        start=time.perf_counter(),
        next_seq=lambda: next(seq),
    )

    async def fetch(transport: httpx.AsyncBaseTransport) -> dict[str, str]:
        async with httpx.AsyncClient(transport=transport, base_url="https://api.test") as client:
            return {path: (await client.get(path)).headers["x-note"] for path in answers}

    original = asyncio.run(fetch(live))
    assert original == {"/utf8": "café ☕", "/latin1": "café"}
    written = [Exchange.from_json(_loads(_line(e.to_json())), n) for n, e in enumerate(recorded, 1)]
    assert asyncio.run(fetch(ReplayTransport(written))) == original


class _Wire(httpx.AsyncByteStream):
    """A body as the wire gives it: httpx decodes it (by ``Content-Encoding``) as it reads."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self._data


def test_a_body_that_does_not_decode_is_recorded_as_the_error_it_replays() -> None:
    """A plain body marked ``Content-Encoding: gzip``: the recorder read it with httpx, whose
    ``DecodingError`` ended a recorded run as an internal error. It is recorded as the
    transport error the retry layer retries, and replayed as that error."""

    def answer(request: httpx.Request) -> httpx.Response:
        headers = {"content-type": "application/json", "content-encoding": "gzip"}
        return httpx.Response(200, headers=headers, stream=_Wire(b"[]"))

    recorded: list[Exchange] = []
    seq = itertools.count(1)
    live = RecordingTransport(
        httpx.MockTransport(answer), recorded.append, start=time.perf_counter(),
        next_seq=lambda: next(seq),
    )  # fmt: skip

    async def fetch(transport: httpx.AsyncBaseTransport) -> str:
        async with httpx.AsyncClient(transport=transport, base_url="https://api.test") as client:
            try:
                await client.get("/x")
            except UndecodableBody as exc:
                return str(exc)
        raise AssertionError("the body decoded")

    said = "the answer's body could not be decoded as Content-Encoding gzip"
    assert asyncio.run(fetch(live)) == said
    assert [e.error for e in recorded] == [("UndecodableBody", said)]
    written = [Exchange.from_json(_loads(_line(e.to_json())), n) for n, e in enumerate(recorded, 1)]
    assert asyncio.run(fetch(ReplayTransport(written))) == said
