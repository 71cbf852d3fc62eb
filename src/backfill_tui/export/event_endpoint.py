"""Where Inngest's event API is: the base URL given, checked and named, and what the mirror's
ledgers record a delivery to.

Shared by :class:`.event_api.EventApi`, which checks its URL here before anything is sent, and
the faces, which check a typed URL before asking for anything (``engine.trigger``). The event
key sits in every request's path, so nothing here echoes a URL as typed (it may hold a user name
and password, or a key); a key found in one is registered with ``secrets_registry`` and shown
masked.
"""

from __future__ import annotations

import hashlib
from urllib.parse import unquote, urlsplit

from ..secrets_registry import is_loopback_host, register
from ..textsafe import clean
from .target import ExportError

DEFAULT_BASE_URL = "https://inn.gs"


def ledger_target(host: str, event_key: str | None) -> str:
    """What the mirror's ledgers record a delivery to: ``HOST key:1a2b3c4d`` (the event key's
    SHA-256, 8 hex digits, never the key), or ``HOST`` alone where no key is known (a dry
    run without one). Inngest Cloud serves every environment at ``inn.gs``, the key telling
    them apart: keyed by host alone, an export or trigger to staging made the production one
    skip everything as "already sent" (a fresh tester's finding)."""
    key = (event_key or "").strip()
    if not key:
        return host
    return f"{host} key:{hashlib.sha256(key.encode()).hexdigest()[:8]}"


def endpoint(base_url: str) -> tuple[str, str]:
    """(``HOST[:PORT]``, the base URL without a trailing slash) of an event API base URL; the
    host names the destination in messages and ledgers. Raises :class:`ExportError` (exit
    status 2) for a URL that cannot be one: not http(s), no host, a port not in 1-65535, an
    unclosed IPv6 ``[``, and plain ``http`` to another machine: the event key is part of every
    request's path, so it would cross the network readable (``http`` is for a dev server on
    this machine, ``secrets_registry.is_loopback_host``), and the event endpoint itself
    (``.../e/KEY`` or ``.../e``: the key goes in ``--event-key``, :func:`_refuse_event_path`).
    Messages never echo the URL as typed (it may hold a user name and password, or a key)."""
    try:
        parts = urlsplit(base_url.strip())
        port = parts.port  # urllib raises ValueError here for a bad port
    except ValueError as exc:
        reason = str(exc)
        if "IPv6" in reason:
            what = "its IPv6 address lacks the closing ']'"
        elif "Port" in reason:
            what = "its port is not a number from 1 to 65535"
        else:
            what = "it cannot be parsed"
        raise ExportError(f"--url is not a usable URL: {what}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ExportError(f"--url must be an http(s) URL such as {DEFAULT_BASE_URL}")
    if any(c.isspace() or not c.isprintable() for c in parts.hostname):
        # urllib takes "exa mple.com" as a host: it then failed six times to connect
        raise ExportError("--url's host holds a space or a control character; type it again")
    if "@" in parts.netloc:  # user:password@: never echoed; it was dropped without a word
        raise ExportError(
            "--url holds a user name or password before its host ('…@'); Inngest's event API "
            "takes none (the event key goes in --event-key): give the URL without it"
        )
    name = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise ExportError(
            f"--url is plain http to {name}: the event key would cross the network unencrypted; "
            "use https (plain http is for a dev server on this machine)"
        )
    host = name + (f":{port}" if port else "")
    path = parts.path.rstrip("/")
    _refuse_event_path(f"{parts.scheme}://{host}", path)
    return host, f"{parts.scheme}://{host}{path}"


def _refuse_event_path(origin: str, path: str) -> None:
    """Raise :class:`ExportError` where the base URL's ``path`` is already Inngest's event
    endpoint: ``/e/KEY`` (Inngest's docs show the ingest URL that way, e.g.
    ``https://inn.gs/e/abc123``) or ``/e``. Taken as a base, every request went to
    ``/e/KEY/e/KEY`` (a fresh tester's finding). The key found there is registered as a secret
    and shown masked (``***``); the message names the base to give instead."""
    segments = path.split("/")
    if len(segments) >= 3 and segments[-2] == "e" and segments[-1]:
        key = segments[-1]
        register(key)
        register(unquote(key))
        base = origin + "/".join(segments[:-2])
        raise ExportError(
            f"--url {clean(base)}/e/*** is Inngest's event endpoint with a key in it: give --url "
            f"{clean(base)} and the key as --event-key (or $INNGEST_EVENT_KEY)"
        )
    if segments[-1] == "e":
        base = origin + "/".join(segments[:-1])
        raise ExportError(
            f"--url {clean(base)}/e is Inngest's event endpoint, not its base: give --url "
            f"{clean(base)} (the key is added to it, after /e/)"
        )
