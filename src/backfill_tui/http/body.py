"""Reading an answer's body off the wire, for the two layers that read it: the retrying
transport (``transport.ResilientTransport``) and a recording's (``recording.transports``).

httpx decodes a body by its ``Content-Encoding`` as it reads it, and raises
``httpx.DecodingError`` when the bytes are not what the header says (a proxy that marks a
plain body ``gzip``). That error is not one of httpx's transport errors, so it went past every
retry and ended the stream as an internal error with a traceback (a fresh tester's finding).
:func:`read_whole` turns it into :class:`UndecodableBody`, a transport error: retried like a
dropped connection or a truncated body, and said in one line when it persists.
"""

from __future__ import annotations

import contextlib

import httpx


class UndecodableBody(httpx.TransportError):
    """An answer whose body its ``Content-Encoding`` does not describe: ``str()`` is the
    problem as retry and give-up lines say it (``the answer's body could not be decoded as
    Content-Encoding gzip``)."""


async def read_whole(response: httpx.Response, request: httpx.Request) -> None:
    """Read ``response``'s whole body; raises :class:`UndecodableBody` (the response closed)
    when it cannot be decoded as its ``Content-Encoding`` says."""
    try:
        await response.aread()
    except httpx.DecodingError:
        encoding = response.headers.get("content-encoding", "").strip() or "?"
        with contextlib.suppress(Exception):
            await response.aclose()
        raise UndecodableBody(
            f"the answer's body could not be decoded as Content-Encoding {encoding[:40]}",
            request=request,
        ) from None
