"""An exchange's line is read strictly (``recording/exchange.py``): what the writer writes must
still be read back as it was, whatever a provider answered."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from backfill_tui.recording.exchange import Exchange
from backfill_tui.recording.fileformat import _line, _loads

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
