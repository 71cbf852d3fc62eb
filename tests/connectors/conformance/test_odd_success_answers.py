"""Successes a list cannot use (respx at the HTTP level, through the engine): a web page where
the API was expected, and a 204 or an object where a list was. Each failed its stream in words
a stranger could not act on: "answered with something other than JSON", "with a NoneType, not
a list" (a fresh tester's findings)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import respx

from backfill_tui.engine.runs import mend_first

from .harness import REPO, run_github

API = "https://api.github.com"


@respx.mock
def test_a_web_page_where_the_api_was_expected_names_status_and_kind_and_the_base_url(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    page = "<!DOCTYPE html><html><body>Sign in to GitHub</body></html>"
    respx_mock.get(url__startswith=API).respond(  # the web site where the API was expected
        200, text=page, headers={"content-type": "text/html; charset=utf-8"}
    )
    _, streams = run_github(tmp_path / "m.db", frozenset({"release"}))
    (stream,) = streams
    assert stream.status == "failed"
    assert "answered 200 with an HTML page, not JSON" in (stream.error or ""), stream.error
    assert mend_first(streams) == (
        "resuming would fail the same way; first mend github:acme/rocket: check the "
        "provider's base URL (BACKFILL_GITHUB_API_URL)"
    )


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (httpx.Response(204), "with an empty answer, not a list"),
        (httpx.Response(200, json={"message": "ok"}), "with an object, not a list"),
    ],
    ids=["204", "object"],
)
@respx.mock
def test_a_list_answered_with_something_else_says_what_in_words(
    respx_mock: respx.MockRouter, tmp_path: Path, answer: httpx.Response, said: str
) -> None:
    respx_mock.get(f"{API}/repos/acme/rocket").respond(200, json=REPO)
    respx_mock.get(f"{API}/repos/acme/rocket/releases").mock(return_value=answer)
    _, (stream,) = run_github(tmp_path / "m.db", frozenset({"release"}))
    assert stream.status == "failed"
    assert said in (stream.error or ""), stream.error
    assert "NoneType" not in (stream.error or "") and "dict" not in (stream.error or "")
