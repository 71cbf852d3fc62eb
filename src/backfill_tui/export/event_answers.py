"""What the event API's answers say: whether a 2xx is Inngest taking the events
(:func:`check_accepted`), a TLS handshake that failed (:func:`tls_failure`), the request-size
limit a 413 states (:func:`stated_limit`) and a server's error text (:func:`error_text`).

Read by :class:`.event_api.EventApi`, which decides what each answer means for the request
(delivered, retried, split or refused). A server's text is cleaned of terminal escapes and
redacted before it reaches a message; the event key is never in one.
"""

from __future__ import annotations

import re
import ssl

import httpx

from ..secrets_registry import redact
from ..textsafe import clean
from .event_batches import MIN_REQUEST_BYTES
from .target import ExportError

_SIZE = re.compile(r"(\d[\d,_]*(?:\.\d+)?)\s*(kib|kb|k|mib|mb|m|bytes|byte|b)?\b", re.I)
_UNITS = {"k": 1000, "kb": 1000, "kib": 1024, "m": 10**6, "mb": 10**6, "mib": 2**20}

#: OpenSSL's reasons for a handshake answered by something that is not TLS (a plain-http
#: server's "HTTP/1.0 400" read as a TLS record): 1.1/3.0 say WRONG_VERSION_NUMBER, 3.2 and
#: later RECORD_LAYER_FAILURE or PACKET_LENGTH_TOO_LONG.
_NOT_TLS = frozenset(
    {"WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "PACKET_LENGTH_TOO_LONG", "HTTP_REQUEST",
     "UNKNOWN_PROTOCOL", "WRONG_SSL_VERSION"}
)  # fmt: skip


def tls_failure(exc: httpx.TransportError) -> str | None:
    """What went wrong, where ``exc`` (httpx's, for a request) is a TLS handshake that failed
    (``ssl.SSLError`` under httpx's ``ConnectError``), in words that follow ``Inngest at
    HOST``; None for any other failure (a dropped or refused connection, a timeout).

    A TLS failure does not mend itself on a retry: a server that speaks plain http, or a
    self-signed, expired or another name's certificate, was tried six times as "gave no answer
    (ConnectError)" (a fresh tester's finding). The certificate's reason is OpenSSL's
    (``verify_message``); httpx trusts certifi's CAs, or ``SSL_CERT_FILE``'s where it is set.
    An EOF in the handshake is left to the retries: it is what a dropped connection looks like
    there."""
    if not isinstance(exc, httpx.ConnectError):
        return None
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, ssl.SSLError):
        cause = cause.__cause__ or cause.__context__
    if cause is None or isinstance(cause, ssl.SSLEOFError):
        return None
    if isinstance(cause, ssl.SSLCertVerificationError):
        why = cause.verify_message or cause.reason or "not trusted"
        return (
            f"sent a TLS certificate that is not accepted ({clean(str(why)).rstrip('.')}); for "
            "a server whose certificate you trust, set SSL_CERT_FILE to its CA's PEM file"
        )
    reason = cause.reason or ""
    if reason in _NOT_TLS:
        return (
            "did not answer over TLS (https): is it http://? (plain http is for a dev server on "
            "this machine)"
        )
    return f"failed the TLS handshake ({clean(reason or str(exc))})"


def check_accepted(response: httpx.Response, expected: int, where: str) -> None:
    """A 2xx from Inngest's event API is a JSON object with one event id per event sent
    (``{"ids": [...], "status": 200}``, Inngest's "Sending events" reference). Anything
    else (a web page, a proxy's login page, another API answering at a wrong path, ids
    missing or short) is not a delivery: raises :class:`ExportError` before the batch is
    recorded; every such batch had been counted as sent, and the next export to the right
    URL skipped them all (fresh testers' findings)."""
    try:
        payload = response.json()
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        kind = response.headers.get("content-type", "").split(";")[0] or "no content type"
        raise ExportError(
            f"{where} answered {response.status_code} with {kind}, not as Inngest's "
            "event API answers (a JSON object of event ids); is the URL Inngest's (its base, "
            "without /e/...)?"
        )
    if payload.get("error"):
        raise ExportError(f"{where} did not take the events: {error_text(response)}")
    ids = payload.get("ids")
    if not isinstance(ids, list) or len(ids) != expected:
        # Which of them it took cannot be told: none is recorded, and the next export
        # sends them all again (Inngest drops a repeated id). {"ids": []} or null had every
        # batch recorded as sent (a fresh tester's finding).
        taken = f"{len(ids)} event ids" if isinstance(ids, list) else "no event ids"
        raise ExportError(
            f"{where} answered {response.status_code} with {taken} for {expected} "
            "events sent; none is recorded as sent"
        )


def stated_limit(response: httpx.Response, refused: int) -> int | None:
    """The request-size limit a 413 answer states (``max 262144 bytes``, ``256KB``, ``1 MiB``;
    KB and MB read as powers of 1000, the smaller reading): the largest size it names below the
    ``refused`` request's size, or None where it names none."""
    sizes: list[int] = []
    for number, unit in _SIZE.findall(error_text(response)):
        try:
            value = float(number.replace(",", "").replace("_", ""))
        except ValueError:
            continue
        size = int(value * _UNITS.get(unit.lower(), 1)) if unit else int(value)
        if (unit or size >= MIN_REQUEST_BYTES) and MIN_REQUEST_BYTES <= size < refused:
            sizes.append(size)
    return max(sizes) if sizes else None


def error_text(response: httpx.Response) -> str:
    """The server's error text, one short redacted line."""
    try:
        payload = response.json()
        text = str(payload.get("error") or payload) if isinstance(payload, dict) else str(payload)
    except ValueError:
        text = response.text or response.reason_phrase
    return redact(" ".join(clean(text).split())[:200])  # no terminal escapes from a server
