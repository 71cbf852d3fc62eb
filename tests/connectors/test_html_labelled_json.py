"""An HTML page sent as ``Content-Type: application/json`` (a proxy's login page): it was read
as "truncated or invalid JSON", retried 6 times over about 24 s and ended with "To continue
it: backfill-tui resume ...", which met the same page; sent as ``text/html`` it failed at once
with "is the base URL the API's?" (a fresh tester's finding). A body that is HTML is now known
as HTML whatever its Content-Type: permanent at once, the same line as ``text/html``, no
resume offered. A truly truncated JSON body is still retried (respx, through the engine on a
virtual clock; the CLI for the last line)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import respx
from support import GITHUB_REPO, run_cli

from backfill_tui.clock import VirtualClock
from backfill_tui.engine.environment import Environment
from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
from backfill_tui.store import Mirror, StreamRecord

API = "https://api.github.com/repos/acme/rocket"
TOKEN = "ghp_htmlLabelledJsonToken0000000000000000"
LOGIN = "\ufeff \n<!DOCTYPE HTML>\n<html><head><title>Sign in</title></head><body>SSO</body></html>"


def _page(body: str, ctype: str) -> httpx.Response:
    return httpx.Response(200, headers={"content-type": ctype}, content=body.encode())


def _run(
    tmp_path: Path, source: str = "github:acme/rocket", env: dict[str, str] | None = None
) -> tuple[str, StreamRecord]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    mirror = Mirror.open(tmp_path / "m.db")
    clock = VirtualClock(start=datetime.now(UTC).timestamp())
    engine = Engine(mirror, Environment(clock=clock, env=env or {"GITHUB_TOKEN": TOKEN}))
    run = engine.plan(
        RunRequest("demo", (SourceSpec.parse(source),), entities=frozenset({"issue"}))
    )
    status = asyncio.run(engine.run(run.id))
    (stream,) = mirror.streams(run.id)
    mirror.close()
    return status, stream


@pytest.mark.parametrize(
    "body",
    [LOGIN, "<html lang=en><body>Please log in</body></html>", "  <!doctype html><p>hi"],
)
@respx.mock
def test_an_html_page_labelled_json_fails_at_once_as_text_html_does(
    body: str, respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    respx_mock.get(API).respond(200, json=GITHUB_REPO)
    route = respx_mock.get(f"{API}/issues").mock(return_value=_page(body, "application/json"))
    status, labelled = _run(tmp_path / "json")
    assert route.call_count == 1  # not retried: the same request answers the same page
    route.mock(return_value=_page(body, "text/html; charset=utf-8"))
    _status, honest = _run(tmp_path / "html")
    assert status == "failed" and labelled.status == "failed"
    assert labelled.error == honest.error, "the same line as text/html"
    assert labelled.error is not None and "with an HTML page, not JSON" in labelled.error
    assert labelled.mend is not None and "base URL" in labelled.mend  # resume would meet it


@respx.mock
def test_truncated_json_is_still_retried(respx_mock: respx.MockRouter, tmp_path: Path) -> None:
    respx_mock.get(API).respond(200, json=GITHUB_REPO)
    route = respx_mock.get(f"{API}/issues").mock(
        side_effect=[_page('[{"id": 1, "numb', "application/json"), httpx.Response(200, json=[])]
    )
    status, stream = _run(tmp_path)
    assert (status, stream.status) == ("completed", "completed")
    assert route.call_count == 2


@respx.mock
def test_the_cli_ends_with_the_base_url_to_check_not_resume(
    respx_mock: respx.MockRouter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    respx_mock.get(API).respond(200, json=GITHUB_REPO)
    route = respx_mock.get(f"{API}/issues").mock(return_value=_page(LOGIN, "application/json"))
    result = run_cli(
        capsys, "run", "github:acme/rocket", "--workspace", "demo", "--entities", "issue",
        "--quiet", "--db", str(tmp_path / "m.db"),
    )  # fmt: skip
    assert result.code == 1
    last = result.err.strip().splitlines()[-1]
    assert "backfill-tui resume" not in last, last
    assert "check the provider's base URL (BACKFILL_GITHUB_API_URL)" in last
    assert route.call_count == 1 and "Traceback" not in result.err


@respx.mock
def test_linear_reads_an_html_page_labelled_json_as_not_graphql_at_once(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    """Linear's GraphQL goes through the same transport: not retried either."""
    url = "http://127.0.0.1:1/graphql"
    route = respx_mock.post(url).mock(return_value=_page(LOGIN, "application/json"))
    env = {
        "LINEAR_API_KEY": "lin_api_htmlLabelledJson0123456789abcdef",
        "BACKFILL_LINEAR_API_URL": url,
    }
    status, labelled = _run(tmp_path / "json", "linear:ENG", env)
    asked = route.call_count
    route.mock(return_value=_page(LOGIN, "text/html"))
    _status, honest = _run(tmp_path / "html", "linear:ENG", env)
    assert (status, labelled.status) == ("failed", "failed")
    assert labelled.error == honest.error, "the same line as text/html"
    assert labelled.error is not None and "something other than a GraphQL result" in labelled.error
    assert asked == route.call_count - asked, "asked as often as a text/html page is"


@pytest.mark.parametrize("ctype", ["application/json", "text/html"])
@respx.mock
def test_linear_not_answering_graphql_ends_with_the_endpoint_to_check_not_resume(
    ctype: str,
    respx_mock: respx.MockRouter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Linear's endpoint answering a web page failed the run and offered `resume`, which met
    the same page: its last line names the setting to check instead."""
    url = "http://127.0.0.1:1/graphql"
    monkeypatch.setenv("LINEAR_API_KEY", "lin_api_htmlLabelledJson0123456789abcdef")
    monkeypatch.setenv("BACKFILL_LINEAR_API_URL", url)
    route = respx_mock.post(url).mock(return_value=_page(LOGIN, ctype))
    result = run_cli(
        capsys, "run", "linear:ENG", "--workspace", "demo", "--entities", "issue",
        "--quiet", "--db", str(tmp_path / "m.db"),
    )  # fmt: skip
    assert result.code == 1
    last = result.err.strip().splitlines()[-1]
    assert "backfill-tui resume" not in last, last
    assert "linear:ENG: check the provider's base URL (BACKFILL_LINEAR_API_URL)" in last, last
    assert route.call_count <= 2 and "Traceback" not in result.err
