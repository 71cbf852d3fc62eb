"""Reading an answer's body off the wire, for the two layers that read it: the retrying
transport (``transport.ResilientTransport``) and a recording's (``recording.transports``).

httpx decodes a body by its ``Content-Encoding`` as it reads it, and raises
``httpx.DecodingError`` when the bytes are not what the header says (a proxy that marks a
plain body ``gzip``). That error is not one of httpx's transport errors, so it went past every
retry and ended the stream as an internal error with a traceback (a fresh tester's finding).
:func:`read_whole` turns it into :class:`UndecodableBody`, a transport error: retried like a
dropped connection or a truncated body, and said in one line when it persists.

One answer's body holds at most :data:`MAX_BODY_BYTES`, decoded (what a recording stores): a
longer one is :class:`BodyTooLarge`, read no further. The bound is the one a recording's reader
allows a line for (``recording.fileformat.MAX_LINE_BYTES``, derived from it): what a run
accepts, its recording holds and a replay reads (a 36 MB page of Sentry's ``full=true`` events
was recorded and then refused by the reader's 32 MiB line limit: a tester's finding).

:func:`parse_json` reads a JSON body for both the transport and Linear's GraphQL client (gql).
"""

from __future__ import annotations

import contextlib
import json
import re
from typing import Any

import httpx

#: The most one answer's body may hold, decoded: 64 MiB (a page of 100 Sentry ``full=true``
#: events with their breadcrumbs has been 36 MB; the other providers' pages are far smaller).
#: A replay's reader allows a line a third longer (``recording.fileformat``), and a hostile
#: file may make it hold that much: larger bounds cost every replay that memory.
MAX_BODY_BYTES = 64 * 1024 * 1024


class UndecodableBody(httpx.TransportError):
    """An answer whose body its ``Content-Encoding`` does not describe: ``str()`` is the
    problem as retry and give-up lines say it (``the answer's body could not be decoded as
    Content-Encoding gzip``)."""


class BodyTooLarge(httpx.TransportError):
    """An answer whose body, decoded, is longer than :data:`MAX_BODY_BYTES`: ``str()`` says so
    (``the answer's body is larger than 64 MiB, the most one answer may be``). A transport
    error so that a recording keeps it (and a replay meets it again); the retrying transport
    does not retry it (the same request gets the same answer)."""


def too_large_problem(limit: int = MAX_BODY_BYTES) -> str:
    """What :class:`BodyTooLarge` says of a body longer than ``limit`` bytes."""
    most = f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{limit:,} bytes"
    return f"the answer's body is larger than {most}, the most one answer may be"


async def read_whole(
    response: httpx.Response, request: httpx.Request, *, limit: int = MAX_BODY_BYTES
) -> None:
    """Read ``response``'s whole body; raises :class:`UndecodableBody` (the response closed)
    when it cannot be decoded as its ``Content-Encoding`` says, and :class:`BodyTooLarge` (the
    response closed, read no further) when it holds more than ``limit`` bytes decoded."""
    if hasattr(response, "_content"):  # already read (a replayed answer): it is whole
        if len(response.content) > limit:
            raise BodyTooLarge(too_large_problem(limit), request=request)
        return
    chunks: list[bytes] = []
    total = 0
    try:
        async for chunk in response.aiter_bytes():
            total += len(chunk)
            if total > limit:
                with contextlib.suppress(Exception):
                    await response.aclose()
                raise BodyTooLarge(too_large_problem(limit), request=request)
            chunks.append(chunk)
    except httpx.DecodingError:
        encoding = response.headers.get("content-encoding", "").strip() or "?"
        with contextlib.suppress(Exception):
            await response.aclose()
        raise UndecodableBody(
            f"the answer's body could not be decoded as Content-Encoding {encoding[:40]}",
            request=request,
        ) from None
    response._content = b"".join(chunks)  # as httpx's own aread() keeps it (and closes it)


#: An HTML document's start (the WHATWG syntax's doctype, or its root element), after any
#: whitespace and byte order marks, in any case.
_HTML_START = re.compile(rb"(?:\s|\xef\xbb\xbf)*<(?:!doctype\s+html|html)", re.IGNORECASE)


def looks_like_html(content: bytes) -> bool:
    """Whether ``content`` (an answer's body, decoded of its Content-Encoding) is an HTML page:
    it starts, after whitespace and BOMs, with ``<!doctype html`` or ``<html`` in any case.

    A proxy's or a login page's HTML sent as ``Content-Type: application/json`` read as
    "truncated or invalid JSON", retried 6 times over about 24 s and then offered a resume that
    meets the same page (a tester's finding). Known as HTML whatever it is labelled, it fails
    at once as ``text/html`` does (``answers.not_json``): the same request answers the same."""
    return _HTML_START.match(content, 0, 4096) is not None


_SURROGATE = re.compile("[\ud800-\udfff]")


def parse_json(content: bytes | str) -> Any:
    """The JSON value of ``content``, every lone UTF-16 surrogate in it (a string or a key),
    and every byte invalid in the encoding of bytes (UTF-8, or the UTF-16/32 RFC 8259 §8.1
    allows, as ``json.detect_encoding`` tells), replaced by U+FFFD. Raises ``ValueError`` for text that is not JSON and ``RecursionError``
    for JSON nested past Python's limit.

    pydantic-core's parser reads the common case, about 2x ``json.loads`` on a page of 100
    GitHub items (caching only keys reads such a page about 15% faster); it refuses a lone
    surrogate escape (``"\\ud83d"`` with no pair: a truncated emoji, docs/real-world.md) and
    UTF-16 text, which ``json.loads`` reads. Only then is the value walked: a lone surrogate
    kept failed its whole item, as a string pydantic cannot read (a tester's finding), and
    cannot be stored as UTF-8. A valid pair is the character it encodes and is kept.
    """
    from pydantic_core import from_json  # loaded with the first answer, not by `runs`

    try:
        return from_json(content, cache_strings="keys")
    except ValueError:
        pass
    try:
        return _replaced(json.loads(content))
    except UnicodeDecodeError:
        if isinstance(content, str):
            raise
    # Bytes not valid in their encoding (one ``\xff`` in an item's text): each replaced by
    # U+FFFD, as a browser and ``bytes.decode(errors="replace")`` do. The whole answer was
    # "invalid JSON", retried and then its stream failed for good (a tester's finding).
    text = content.decode(json.detect_encoding(content), errors="replace")
    return _replaced(json.loads(text))


def _replaced(value: Any) -> Any:
    """``value`` with lone surrogates in its strings and keys replaced by U+FFFD; iterative,
    so a value nested as deep as ``json.loads`` reads cannot exhaust the stack here."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    todo: list[Any] = [value]
    while todo:
        node = todo.pop()
        if isinstance(node, list):
            for i, item in enumerate(node):
                if isinstance(item, str):
                    node[i] = _SURROGATE.sub("\ufffd", item)
                elif isinstance(item, list | dict):
                    todo.append(item)
        elif isinstance(node, dict):
            if any(_SURROGATE.search(key) for key in node):
                items = list(node.items())
                node.clear()
                node.update((_SURROGATE.sub("\ufffd", k), v) for k, v in items)
            for key, item in node.items():
                if isinstance(item, str):
                    node[key] = _SURROGATE.sub("\ufffd", item)
                elif isinstance(item, list | dict):
                    todo.append(item)
    return value
