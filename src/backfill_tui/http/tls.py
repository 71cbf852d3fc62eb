"""A TLS handshake that failed, in words a user can act on.

Read by the providers' transport (``transport.py``: such a failure ends the stream at once,
a :class:`~.errors.TlsFailed`) and by the Inngest export (``export/event_api.py``): the same
handshake fails the same way on every retry.
"""

from __future__ import annotations

import ssl

import httpx

from ..textsafe import clean

__all__ = ["tls_failure"]

#: OpenSSL's reasons for a handshake answered by something that is not TLS (a plain-http
#: server's "HTTP/1.0 400" read as a TLS record): 1.1/3.0 say WRONG_VERSION_NUMBER, 3.2 and
#: later RECORD_LAYER_FAILURE or PACKET_LENGTH_TOO_LONG.
_NOT_TLS = frozenset(
    {"WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "PACKET_LENGTH_TOO_LONG", "HTTP_REQUEST",
     "UNKNOWN_PROTOCOL", "WRONG_SSL_VERSION"}
)  # fmt: skip


def tls_failure(exc: httpx.TransportError) -> str | None:
    """What went wrong, where ``exc`` (httpx's, for a request) is a TLS handshake that failed
    (``ssl.SSLError`` under httpx's ``ConnectError``), in words that follow ``HOST`` (``Inngest
    at HOST``, ``GitHub at HOST``); None for any other failure (a dropped or refused
    connection, a timeout).

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
