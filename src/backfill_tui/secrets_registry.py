"""Keeps every credential value in use, so that no text leaving the process can carry one.

The HTTP layer registers each token it is given; logs, stored errors and printed messages pass
through :func:`redact` as a last line of defence (the first is never formatting a token at all).

Settings that may carry a credential (the simulator's ``BACKFILL_SIM``) are stored and shown only
through ``engine.environment.public_settings``, which parses them and rebuilds the text without
their secret options (and registers the token it parsed here).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Mapping

_lock = threading.Lock()
_values: set[str] = set()
#: The registered values longest first, as text and as UTF-8 bytes: made again on each new
#: value (rare: a few per run), read on every answer (:func:`redact_bytes`), which sorted and
#: encoded every value per answer before.
_ordered: tuple[str, ...] = ()
_ordered_bytes: tuple[bytes, ...] = ()


def register(value: str | None) -> None:
    """Remember a credential value (values shorter than 4 characters are not worth masking)."""
    global _ordered, _ordered_bytes
    if value and len(value) >= 4:
        with _lock:
            if value in _values:
                return
            _values.add(value)
            _ordered = tuple(sorted(_values, key=len, reverse=True))
            _ordered_bytes = tuple(v.encode("utf-8", "surrogatepass") for v in _ordered)


def register_variables(env: Mapping[str, str], names: Iterable[str]) -> None:
    """Remember every token the variables ``names`` of ``env`` hold (a pool's tokens are
    separated by commas or spaces, as ``http.tokens`` reads them)."""
    for name in names:
        for token in env.get(name, "").replace(",", " ").split():
            register(token)


def variable_holding(text: str, env: Mapping[str, str], names: Iterable[str]) -> str | None:
    """The first of the variables ``names`` whose token (one of a pool's) ``text`` holds, or
    None."""
    for name in names:
        if any(token in text for token in env.get(name, "").replace(",", " ").split()):
            return name
    return None


def registered() -> frozenset[str]:
    """Every credential value registered so far (handed to a child process that must mask the
    same values: the app's run process, ``engine.process``)."""
    with _lock:
        return frozenset(_values)


#: The providers' token shapes, by their documented prefixes: GitHub's ``ghp_``, ``gho_``,
#: ``ghu_``, ``ghs_``, ``ghr_`` and ``github_pat_`` ("About authentication", token formats),
#: Linear's ``lin_api_``/``lin_oauth_``, Sentry's ``sntrys_``/``sntryu_`` auth tokens. A
#: recording masks them (``recording.scrub``); a workspace or source holding one is refused.
#: Anywhere in the text: ``ws_ghp_…`` (no word boundary before it) was let through.
TOKEN_SHAPES = re.compile(
    r"(?:gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{20,}|lin_(?:api|oauth)_[A-Za-z0-9]{16,}"
    r"|sntry[su]?_[A-Za-z0-9+/=_-]{20,})"
)
#: What each of :data:`TOKEN_SHAPES` starts with: the regex runs only where one is found.
SHAPE_MARKERS = ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "lin_", "sntr")
#: The whole documented prefix of one of :data:`TOKEN_SHAPES`, before any of its secret part:
#: a field shown in clear masks itself from here on while a token is typed into it a key at a
#: time (``widgets/secret_field.py``). Not :data:`SHAPE_MARKERS`: "lin_" alone is in "berlin_".
TOKEN_STARTS = re.compile(r"gh[pousr]_|github_pat_|lin_(?:api|oauth)_|sntry[su]?_")


def token_provider(text: str) -> str | None:
    """The provider whose documented token prefix ``text`` holds (:data:`TOKEN_STARTS`:
    ``"github"``, ``"linear"`` or ``"sentry"``), for a message naming the variable a token goes
    in; None for none. Vercel's tokens have no prefix."""
    found = TOKEN_STARTS.search(text)
    if found is None:
        return None
    start = found.group()
    return (
        "linear" if start.startswith("lin_") else "sentry" if start.startswith("sntr") else "github"
    )


def holds_credential(text: str) -> bool:
    """Whether ``text`` holds a registered credential value or a token-shaped string
    (:data:`TOKEN_SHAPES`): a token pasted into a field that is stored and shown (a workspace
    id, a source's name) would reach the mirror, the log and a recording in clear (a fresh
    tester's finding), so such a value is refused, unechoed. A registered value counts where
    it is the whole text, or inside it when it is token-long (16 characters or more): a short
    one (a DSN's password "postgres") is no sign that a workspace holding it is a secret.
    Raises nothing."""
    if any(text == value or (len(value) >= 16 and value in text) for value in _ordered):
        return True
    return any(marker in text for marker in SHAPE_MARKERS) and bool(TOKEN_SHAPES.search(text))


def redact(text: str) -> str:
    """Replace every registered credential value in ``text`` with ``***``."""
    # Longest first: a token holding a shorter one is masked whole.
    for value in _ordered:
        if value in text:
            text = text.replace(value, "***")
    return text


def redact_bytes(data: bytes) -> bytes:
    """:func:`redact` for an answer's bytes (UTF-8): returns ``data`` itself when it holds no
    registered value. A provider's text can hold the very token asked with (an echoing
    endpoint, a token pasted into an issue): the HTTP layer masks it before anything reads the
    answer, so the mirror, the screens and a recording (which masks it too) agree."""
    for raw in _ordered_bytes:
        if raw in data:
            data = data.replace(raw, b"***")
    return data


class RedactingFilter(logging.Filter):
    """A logging filter that masks registered credentials in every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message or record.args:
            record.msg, record.args = clean, None
        return True


def without_userinfo(url: str) -> str:
    """``url`` with any user name and password left out (``scheme://user:pw@host/x`` ->
    ``scheme://host/x``), for a message that names a URL. Text only, never raises: everything
    between ``://`` and the authority's last ``@`` goes, so a password holding an unescaped
    ``@`` or ``/`` is dropped whole (a path after it may go too: a message loses a little, no
    secret leaks)."""
    found = userinfo(url)
    if found is None:
        return url
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest[len(found) + 1 :]}"


def userinfo(url: str) -> str | None:
    """The user name and password of ``url`` as written (``user:pw`` of
    ``scheme://user:pw@host/x``), None for none: everything between ``://`` and the
    authority's last ``@`` (before any ``?`` or ``#``). Text only, never raises."""
    _, sep, rest = url.partition("://")
    if not sep:
        return None
    end = min((i for i in (rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
    at = rest.rfind("@", 0, end)
    return rest[:at] if at >= 0 else None


#: A password in a PostgreSQL connection string: a URL's (``://user:PASSWORD@``) or a
#: keyword's (``password=PASSWORD``, quoted or not), as libpq reads them.
_DSN_PASSWORD = re.compile(r"://[^:/@]*:([^@]*)@|password\s*=\s*'?([^\s']+)")


def dsn_passwords(dsn: str) -> list[str]:
    """The passwords written in ``dsn`` (a PostgreSQL connection string, URL or keywords), as
    written and URL-encoded, to :func:`register` before anything can echo the DSN (libpq's own
    parse errors can). Text only, never raises; [] for none."""
    from urllib.parse import quote

    found = [m.group(1) or m.group(2) for m in _DSN_PASSWORD.finditer(dsn)]
    return [form for secret in found if secret for form in (secret, quote(secret, safe=""))]


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` (a URL's host name or address, IPv6 with or without its brackets) is
    this machine: ``localhost``, a name under ``.localhost`` (RFC 6761 §6.3) or a loopback
    address (127.0.0.0/8, ``::1``). The one place a credential may travel over plain http:
    to anywhere else it would cross the network readable (the provider base URLs, Inngest's
    event API URL)."""
    import ipaddress

    name = host.lower()
    if name in ("localhost", "localhost.") or name.endswith((".localhost", ".localhost.")):
        return True
    try:
        return ipaddress.ip_address(name.strip("[]")).is_loopback
    except ValueError:
        return False
