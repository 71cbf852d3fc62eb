"""A run's last line offers ``resume`` only while a resume may go further (a fresh tester's
finding, with a stand-in server): Linear at a URL answering 501 (``python3 -m http.server``
refusing the POST) or a 404 page, and a GitHub list answered with a JSON object or 501, each
failed its streams for a cause the resume meets again, yet the last line said "To continue it:
backfill-tui resume ...". respx at the HTTP level, the real connectors through the CLI."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import respx
from support import GITHUB_REPO, run_cli

LINEAR_URL = "http://127.0.0.1:1/x/graphql"
LINEAR_KEY = "lin_api_resumeMeetsItAgain0123456789abcdef"
VERCEL = "https://api.vercel.com"
VERCEL_TOKEN = "vc_resumeMeetsItAgain000000000"
GITHUB = "https://api.github.com/repos/acme/rocket"
GITHUB_TOKEN = "ghp_resumeMeetsItAgain00000000000000000"
#: What ``python3 -m http.server`` answers a POST.
UNSUPPORTED = (
    '<!DOCTYPE HTML>\n<html lang="en">\n<head><title>Error response</title></head>\n<body>\n'
    "<h1>Error response</h1>\n<p>Error code: 501</p>\n"
    "<p>Message: Unsupported method ('POST').</p>\n</body>\n</html>\n"
)
LINEAR_MEND = "linear:ENG: check the provider's base URL (BACKFILL_LINEAR_API_URL)"
VERCEL_MEND = "vercel:acme/rocket-web: check or replace the token"


def _cli(capsys: pytest.CaptureFixture[str], db: Path, *sources: str) -> tuple[int, str, str]:
    result = run_cli(capsys, "run", *sources, "--workspace", "w", "--db", str(db))
    assert "Traceback" not in result.err
    return result.code, result.err, result.err.strip().splitlines()[-1]


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(501, text=UNSUPPORTED, headers={"content-type": "text/html"}),
        httpx.Response(505, text="HTTP version", headers={"content-type": "text/plain"}),
        httpx.Response(404, text="Not Found", headers={"content-type": "text/plain"}),
        httpx.Response(405, text="Method Not Allowed", headers={"content-type": "text/plain"}),
    ],
    ids=["501", "505", "404", "405"],
)
@respx.mock
def test_linear_not_at_its_graphql_endpoint_says_what_to_mend_not_resume(
    answer: httpx.Response,
    respx_mock: respx.MockRouter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("LINEAR_API_KEY", LINEAR_KEY)
    monkeypatch.setenv("BACKFILL_LINEAR_API_URL", LINEAR_URL)
    respx_mock.post(LINEAR_URL).mock(return_value=answer)
    code, err, last = _cli(capsys, tmp_path / "m.db", "linear:ENG")
    assert code == 1
    assert f"Linear answered {answer.status_code} to the teams query" in err
    assert "backfill-tui resume" not in last, last
    assert last.endswith(f"resuming would fail the same way; first mend {LINEAR_MEND}"), last


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (httpx.Response(200, json={"message": "Moved elsewhere"}), "with an object, not a list"),
        (httpx.Response(204), "with an empty answer, not a list"),
        (httpx.Response(501, text=UNSUPPORTED, headers={"content-type": "text/html"}), "501"),
    ],
    ids=["object", "204", "501"],
)
@respx.mock
def test_a_github_list_answered_with_something_else_says_what_to_mend_not_resume(
    answer: httpx.Response,
    said: str,
    respx_mock: respx.MockRouter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A list's URL answering an object (a proxy's, a wrong base URL's ``{"message": ...}``),
    nothing, or 501 (a server that does not do the request at all) answers the resume the
    same."""
    monkeypatch.setenv("GITHUB_TOKEN", GITHUB_TOKEN)
    respx_mock.get(GITHUB).respond(200, json=GITHUB_REPO)
    respx_mock.get(url__startswith=f"{GITHUB}/").mock(return_value=answer)
    code, err, last = _cli(capsys, tmp_path / "m.db", "github:acme/rocket")
    assert code == 1
    assert said in err, err
    assert "backfill-tui resume" not in last, last
    assert last.endswith(
        "resuming would fail the same way; first mend github:acme/rocket: check the "
        "provider's base URL (BACKFILL_GITHUB_API_URL)"
    ), last


def _vercel_rejects_the_token(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(url__startswith=VERCEL).respond(
        401, json={"error": {"code": "forbidden", "message": "Not authorized"}}
    )


@respx.mock
def test_two_sources_failing_for_good_each_keep_their_mend(
    respx_mock: respx.MockRouter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("VERCEL_TOKEN", VERCEL_TOKEN)
    monkeypatch.setenv("LINEAR_API_KEY", LINEAR_KEY)
    monkeypatch.setenv("BACKFILL_LINEAR_API_URL", LINEAR_URL)
    _vercel_rejects_the_token(respx_mock)
    respx_mock.post(LINEAR_URL).respond(
        501, text=UNSUPPORTED, headers={"content-type": "text/html"}
    )
    code, _err, last = _cli(capsys, tmp_path / "m.db", "vercel:acme/rocket-web", "linear:ENG")
    assert code == 1
    assert "backfill-tui resume" not in last, last
    assert last.endswith(
        f"resuming would fail the same way; first mend {VERCEL_MEND}; {LINEAR_MEND}"
    ), last
