"""The one line an answer a connector cannot use fails with (``ApiClient.get``): the
provider's own explanation, redacted, and what to check."""

from __future__ import annotations

from typing import Any

import httpx

from ..secrets_registry import redact
from .body import looks_like_html
from .errors import AccessDenied, ApiError, UnexpectedResponse


def provider_message(body: Any) -> str:
    """The provider's own explanation in an error body (GitHub, Vercel, Sentry shapes)."""
    if isinstance(body, dict):
        for key in ("message", "detail"):
            if isinstance(body.get(key), str):
                return str(body[key])
        error = body.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return str(error["message"])
    return ""


def not_json(label: str, response: httpx.Response) -> str:
    """A success that is not JSON, said with its status and content type: an HTML page is
    most often a base URL of the provider's web site, not its API (a GitHub Enterprise
    address without ``/api/v3``); it read "answered with something other than JSON", naming
    neither (a fresh tester's finding). A body that is HTML (``body.looks_like_html``) is an
    HTML page whatever its Content-Type says (a login page sent as ``application/json``)."""
    ctype = response.headers.get("content-type", "").split(";", 1)[0].strip()[:60]
    html = "html" in ctype or looks_like_html(response.content)
    what = "an HTML page" if html else (ctype or "a body with no content type")
    return (
        f"{label}: {response.request.url.path} answered {response.status_code} with {what}, "
        "not JSON: is the base URL the API's, not a web page's?"
    )


def error_for(
    label: str, response: httpx.Response, body: Any, *, rebased_from: str = "", base: str = ""
) -> ApiError:
    """The :class:`ApiError` for an answer that is not a success, with its status and the
    provider's message (redacted). ``rebased_from``: the origin the page's next-page link
    named when it was asked of the configured ``base`` instead (``ApiClient.follow``), kept
    on the error (:attr:`ApiError.rebased_from`) and said in its line: a 404 there may be the
    rebasing's, not the provider's."""
    said = redact(provider_message(body))[:200]
    then = ""
    if rebased_from:
        then = (
            f"; this page's link named {rebased_from} and was asked of {base} instead: if it "
            "is still there, check the configured API base URL"
        )
    error = _error_line(label, response, said, redact(then))
    error.status, error.said, error.rebased_from = response.status_code, said, rebased_from
    return error


def _error_line(label: str, response: httpx.Response, said: str, then: str) -> ApiError:
    status, path = response.status_code, response.request.url.path
    detail = f": {said}" if said else ""
    if status == 403:
        return AccessDenied(
            f"{label} denied access to {path} (403{detail}); check the token's permissions{then}"
        )
    if status == 404:
        return AccessDenied(
            f"{label} has no {path} (404{detail}); check the target name and that the "
            f"token can see it{then}"
        )
    return UnexpectedResponse(f"{label} answered {status} for {path}{detail}{then}")
