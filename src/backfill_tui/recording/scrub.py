"""Removing credentials from what a recording keeps, before a byte of it is written.

Three nets, applied to every URL, header and body: every token value in use
(:mod:`secrets_registry`, which the credential lookup fills), the shapes of the providers' tokens
(``ghp_…``, ``github_pat_…``, ``lin_api_…``, ``sntrys_…``, ``Bearer …``), and query parameters
or headers whose name says they carry a secret. A replay applies the same :func:`scrub_url` to
its requests, so matching works on the scrubbed form.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import httpx

from .. import secrets_registry

MASK = "***"

_BEARER = re.compile(r"\b(Bearer|Basic)\s+(?=[A-Za-z0-9._~+/=-]*\d)[A-Za-z0-9._~+/=-]{12,}")
_SECRET_NAME = re.compile(
    r"(?:^|[-_])(?:token|access[-_]?token|api[-_]?key|apikey|secret|client[-_]?secret|password"
    r"|passwd|auth|authorization|session|signature|sig|cookie|credential)s?$",
    re.IGNORECASE,
)
#: Headers never kept at all (request or response).
DROPPED_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}
)
#: Response headers that describe the wire form, not the (already decoded) body we keep.
WIRE_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


def secret_name(name: str) -> bool:
    """Whether a query parameter or header name says its value is a credential."""
    return bool(_SECRET_NAME.search(name.strip()))


def scrub_text(text: str, extra: Iterable[str] = ()) -> str:
    """``text`` with every known token value and token-shaped string replaced by ``***``."""
    return scrub_counted(text, extra)[0]


def scrub_counted(text: str, extra: Iterable[str] = ()) -> tuple[str, int]:
    """:func:`scrub_text`'s ``text`` and how many token-shaped strings it replaced (the shapes
    of ``secrets_registry.TOKEN_SHAPES``, ``Bearer``/``Basic`` credentials): places where a
    replay's answer differs from what the recorded run stored. The known token values
    (``extra``, registered ones) are not counted: the HTTP layer masks those in every answer
    before the mirror sees it (``secrets_registry.redact_bytes``), so the run stored ``***``
    too. Raises nothing."""
    for value in sorted((v for v in extra if v and len(v) >= 4), key=len, reverse=True):
        text = text.replace(value, MASK)
    text = secrets_registry.redact(text)
    count = 0
    if any(marker in text for marker in secrets_registry.SHAPE_MARKERS):  # where it may hit
        text, count = secrets_registry.TOKEN_SHAPES.subn(MASK, text)
    if "Bearer" in text or "Basic" in text:
        text, more = _BEARER.subn(lambda m: f"{m.group(1)} {MASK}", text)
        count += more
    return text, count


def scrub_url(url: httpx.URL | str, extra: Iterable[str] = ()) -> str:
    """A URL without user info, with secret-named query values masked, then text-scrubbed.

    An ``httpx.URL`` (a request's, every request of a recording or replay) is used as it is:
    parsing its text again gave the same URL and took 0.1 ms of the 0.14 ms of a next-page
    URL's scrub (bench/replay.py's recordings)."""
    parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
    if parsed.userinfo:
        parsed = parsed.copy_with(username=None, password=None)
    pairs = parsed.params.multi_items()
    if any(secret_name(k) for k, _ in pairs):
        parsed = parsed.copy_with(params=[(k, MASK if secret_name(k) else v) for k, v in pairs])
    return scrub_text(str(parsed), extra)


def scrub_headers(
    headers: Iterable[tuple[str, str]], extra: Iterable[str] = ()
) -> list[tuple[str, str]]:
    """Headers without credentials, cookies or wire encoding; values text-scrubbed."""
    kept = []
    values = list(extra)
    for name, value in headers:
        low = name.lower()
        if low in DROPPED_HEADERS or low in WIRE_HEADERS:
            continue
        if secret_name(low) and not low.startswith(("x-ratelimit", "ratelimit", "retry")):
            kept.append((low, MASK))
            continue
        kept.append((low, scrub_text(value, values)))
    return kept
