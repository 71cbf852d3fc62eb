"""Reading an answer's body off the wire, for the two layers that read it: the retrying
transport (``transport.ResilientTransport``) and a recording's (``recording.transports``).

httpx decodes a body by its ``Content-Encoding`` as it reads it, and raises
``httpx.DecodingError`` when the bytes are not what the header says (a proxy that marks a
plain body ``gzip``). That error is not one of httpx's transport errors, so it went past every
retry and ended the stream as an internal error with a traceback (a fresh tester's finding).
:func:`read_whole` turns it into :class:`UndecodableBody`, a transport error: retried like a
dropped connection or a truncated body, and said in one line when it persists.

:func:`parse_json` reads a JSON body for both the transport and Linear's GraphQL client (gql).
"""

from __future__ import annotations

import contextlib
import json
import re
from typing import Any

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


_SURROGATE = re.compile("[\ud800-\udfff]")


def parse_json(content: bytes | str) -> Any:
    """The JSON value of ``content``, every lone UTF-16 surrogate in it (a string or a key)
    replaced by U+FFFD. Raises ``ValueError`` for text that is not JSON and ``RecursionError``
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
    return _replaced(json.loads(content))


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
