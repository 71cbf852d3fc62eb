"""Redirects (respx, at the HTTP level): credentials go only to the configured origin, and a
refusal says which part of the ``Location``'s origin differs from it."""

from __future__ import annotations

import pytest
import respx

from backfill_tui.http import HostNotAllowed

from .harness import days_ago, make_connector, read_stream

GITHUB = "https://api.github.com"
REPO = {
    "id": 1296269,
    "full_name": "acme/rocket",
    "html_url": "https://github.com/acme/rocket",
    "default_branch": "main",
}


@pytest.mark.parametrize(
    ("location", "differs"),
    [
        ("https://api.github.com:8443/repositories/1", "port 8443, not 443"),
        ("http://api.github.com/repositories/1", "scheme http, not https; port 80, not 443"),
        ("https://evil.test/repositories/1", "host evil.test, not api.github.com"),
    ],
    ids=["port", "scheme", "host"],
)
@respx.mock
def test_a_redirect_to_another_origin_is_refused_naming_what_differs(
    respx_mock: respx.MockRouter, location: str, differs: str
) -> None:
    """The same host name on another port or scheme read "a redirect points to 127.0.0.1;
    refused, because credentials go only to 127.0.0.1", which contradicts itself (a fresh
    tester's finding). The refusal now names each part that differs, in the words a refused
    next-page link uses (``ApiClient._refused``, shared)."""
    respx_mock.get(f"{GITHUB}/repos/acme/rocket").respond(
        301, json={"message": "Moved Permanently"}, headers={"Location": location}
    )
    elsewhere = respx_mock.get(location).respond(200, json=REPO)
    with pytest.raises(HostNotAllowed) as refused:
        read_stream(make_connector("github", "acme/rocket", days_ago(30)), "push")
    where = location.removesuffix("/repositories/1")
    assert str(refused.value) == (
        f"GitHub: a redirect from /repos/acme/rocket to {where} cannot be followed: {differs}; "
        "credentials go only to https://api.github.com (check the configured API base URL)"
    )
    assert elsewhere.call_count == 0
