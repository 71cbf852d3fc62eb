"""An answer whose body is not what its ``Content-Encoding`` says (a plain JSON body marked
``gzip``, as a misbehaving proxy sends it): httpx raises ``DecodingError`` as it reads the body,
which is not one of its transport errors. It went past every retry and ended the stream as
"internal error (DecodingError: Error -3 while decompressing data: incorrect header check)",
with a traceback in the log (a fresh tester's finding). It is now a transport fault: retried as
a truncated body is, and, when it persists, the stream fails with one plain line (respx, on a
virtual clock; through the engine, as a run meets it)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import respx
from support import GITHUB_REPO

from backfill_tui.clock import VirtualClock
from backfill_tui.engine.environment import Environment
from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
from backfill_tui.store import Mirror, StreamRecord

API = "https://api.github.com/repos/acme/rocket"
TOKEN = "ghp_undecodableBodyToken000000000000000"
REPO = GITHUB_REPO


class _Wire(httpx.AsyncByteStream):
    """A body as the wire gives it: httpx decodes it (by ``Content-Encoding``) as it reads."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self._data


def _issue(updated: str) -> dict[str, object]:
    return {
        "id": 1, "number": 3, "state": "open", "title": "Fuel leak", "body": "It leaks",
        "html_url": "https://github.com/acme/rocket/issues/3",
        "user": {"id": 7, "login": "ada"}, "updated_at": updated, "created_at": updated,
        "labels": [],
    }  # fmt: skip


def _marked_gzip(issues: list[dict[str, object]]) -> httpx.Response:
    """Plain JSON sent as ``Content-Encoding: gzip``."""
    import json

    return httpx.Response(
        200,
        headers={"content-type": "application/json", "content-encoding": "gzip"},
        stream=_Wire(json.dumps(issues).encode()),
    )


def _run(tmp_path: Path) -> tuple[str, StreamRecord]:
    start = datetime.now(UTC).replace(microsecond=0)
    mirror = Mirror.open(tmp_path / "m.db")
    clock = VirtualClock(start=start.timestamp())
    engine = Engine(mirror, Environment(clock=clock, env={"GITHUB_TOKEN": TOKEN}))
    run = engine.plan(
        RunRequest("demo", (SourceSpec.parse("github:acme/rocket"),), entities=frozenset({"issue"}))
    )
    status = asyncio.run(engine.run(run.id))
    (stream,) = mirror.streams(run.id)
    return status, stream


def _updated() -> str:
    return (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


@respx.mock
def test_a_body_that_does_not_decode_once_is_retried_and_stored(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    issues = [_issue(_updated())]
    respx_mock.get(API).respond(200, json=REPO)
    route = respx_mock.get(f"{API}/issues").mock(
        side_effect=[_marked_gzip(issues), httpx.Response(200, json=issues)]
    )
    status, stream = _run(tmp_path)
    assert status == "completed", stream
    assert stream.status == "completed" and stream.new == 1
    assert route.call_count == 2


@respx.mock
def test_a_body_that_never_decodes_fails_the_stream_in_one_plain_line(
    respx_mock: respx.MockRouter, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    respx_mock.get(API).respond(200, json=REPO)
    route = respx_mock.get(f"{API}/issues").mock(
        side_effect=lambda request: _marked_gzip([_issue(_updated())])
    )
    with caplog.at_level(logging.INFO):
        status, stream = _run(tmp_path)
    assert status == "failed"  # exit status 1: the run ended, a stream failed
    assert stream.status == "failed"
    assert stream.error == (
        "GitHub: gave up after 6 tries (the answer's body could not be decoded as "
        "Content-Encoding gzip, api.github.com)"
    )
    assert route.call_count == 6  # retried as a truncated body is
    assert not [r for r in caplog.records if r.exc_info], "a traceback: read as a crash"
    assert "internal error" not in caplog.text and "DecodingError" not in caplog.text
