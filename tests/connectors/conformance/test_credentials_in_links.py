"""A credential a server puts where the mirror stores it (respx at the HTTP level, through the
engine): a next-page ``Link`` that echoes the token (GitHub's retired ``access_token``
parameter) and a base URL with a user name and password. Both were kept in clear in the mirror
file, though every message masked them (a fresh tester's findings)."""

from __future__ import annotations

from pathlib import Path

import pytest
import respx
from support import run_cli

from .harness import REPO, days_ago, iso, run_github

API = "https://api.github.com"
TOKEN = "ghp_" + "Qx7" * 12  # GitHub's shape: ghp_ and 36 characters


def _issue(number: int) -> dict[str, object]:
    stamp = iso(days_ago(number))
    return {
        "id": 9000 + number, "number": number, "state": "open", "title": f"Issue {number}",
        "body": "", "user": {"login": "octo", "id": 1}, "updated_at": stamp,
        "created_at": stamp, "html_url": f"https://github.com/acme/rocket/issues/{number}",
    }  # fmt: skip


@respx.mock
def test_a_next_page_link_holding_the_token_is_followed_without_it_and_never_stored(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    respx_mock.get(f"{API}/repos/acme/rocket").respond(200, json=REPO)
    next_url = f"{API}/repositories/1296269/issues?state=all&page=2&access_token={TOKEN}"
    respx_mock.get(f"{API}/repos/acme/rocket/issues").respond(
        200, json=[_issue(1)], headers={"link": f'<{next_url}>; rel="next"'}
    )
    # page 2 refuses: the stream fails there, keeping its cursor (the page-2 URL) in the mirror
    page_2 = respx_mock.get(f"{API}/repositories/1296269/issues").respond(
        403, json={"message": "Resource not accessible by integration"}
    )
    _, (stream,) = run_github(tmp_path / "m.db", frozenset({"issue"}), token=TOKEN)
    assert stream.status == "failed" and stream.new == 1, stream
    assert stream.cursor is not None and "page=2" in stream.cursor, stream.cursor
    asked = page_2.calls[0].request.url
    assert asked.params.get("page") == "2" and "access_token" not in asked.params, asked
    assert TOKEN.encode() not in b"".join(p.read_bytes() for p in tmp_path.glob("m.db*"))


def test_a_base_url_with_a_user_name_and_password_is_refused_unechoed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """httpx sends a URL's user name and password as Basic auth beside the token, and the
    mirror kept them in each stored request URL: refused in one line, exit 2, never echoed,
    nothing stored."""
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("BACKFILL_GITHUB_API_URL", "http://u:s3cretPassw0rd@127.0.0.1:9")
    db = tmp_path / "m.db"
    refused = run_cli(capsys, "run", "github:acme/rocket", "--workspace", "w", "--db", str(db))
    assert refused.code == 2 and refused.err.count("\n") == 1, refused.err
    assert "BACKFILL_GITHUB_API_URL holds a user name or password" in refused.err
    assert "s3cretPassw0rd" not in refused.err + refused.out
    assert not db.exists()
