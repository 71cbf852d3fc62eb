"""The ``Link`` header (RFC 8288, "Web Linking"), read as the RFC writes it.

httpx's ``Response.links`` (as requests' ``parse_header_links``) splits the header on every
``,`` and ``;``, and keys a link by its whole ``rel`` value. Two valid forms were misread, and
items silently lost (a fresh tester's findings): ``rel="next last"`` (RFC 8288 §3.3: a rel holds
one or more relation types, separated by spaces) was no ``next``, and a ``;`` or ``,`` inside
the ``<...>`` cut the next page's URL short (``…&labels=bug,ui;x&state=all`` was asked without
``state=all``). No well-kept library parses it whole (the two above are the common ones), so
the grammar is written out here, small: §3's ``link-value = "<" URI-Reference ">" *( OWS ";"
OWS link-param )``, with ``link-param = token BWS [ "=" BWS ( token / quoted-string ) ]``
(quoted-string: RFC 9110 §5.6.4), link-values separated by commas.

What does not read is kept too (:func:`read_links`): a header with no ``next`` is the last
page only when every part of it was read. ``Link: garbage`` was taken for "no next", and a
stream completed with 100 of 230 items (a fresh tester's finding).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = ["LinkHeader", "parse_links", "read_links"]


@dataclass
class LinkHeader:
    """A ``Link`` header as read: ``links`` by relation type (:func:`parse_links`), and
    ``unread``, each part that could not be read, as the header gave it (text that is no
    ``<URI>``, a ``<`` never closed, a link without a ``rel``, which RFC 8288 §3.3 says MUST
    be present, text after a link's parameters that is none): a ``next`` link may have been
    among them. Empty list elements (``, ,``, an empty header) are no part (RFC 9110 §5.6.1)."""

    links: dict[str, dict[str, str]] = field(default_factory=dict)
    unread: list[str] = field(default_factory=list)


def parse_links(values: Iterable[str]) -> dict[str, dict[str, str]]:
    """Each relation type of the ``Link`` header lines ``values`` → its link, as
    ``{"url": URI as given, "rel": the type, other params by lower-cased name}``. A type named
    twice keeps its first link (RFC 8288 §3.3 lets a reader ignore the later ones). What does
    not parse is passed over (:func:`read_links` keeps it; raises nothing)."""
    return read_links(values).links


def read_links(values: Iterable[str]) -> LinkHeader:
    """The ``Link`` header lines ``values`` read: their links as :func:`parse_links` gives
    them, and the parts that could not be read (``LinkHeader.unread``). Raises nothing."""
    header = LinkHeader()
    for value in values:
        for url, params in _link_values(value, header.unread):
            for rel in params.get("rel", "").lower().split():
                header.links.setdefault(rel, {**params, "url": url, "rel": rel})
    return header


def _link_values(text: str, unread: list[str]) -> list[tuple[str, dict[str, str]]]:
    """The link-values of one header line with a ``rel``; each part that does not read is
    added to ``unread``."""
    found: list[tuple[str, dict[str, str]]] = []
    at, end = 0, len(text)
    while at < end:
        start = text.find("<", at)
        before = text[at : end if start < 0 else start]
        if before.strip(" \t,"):  # anything but empty list elements before the link
            unread.append(before.strip(" \t,"))
        if start < 0:
            break
        close = text.find(">", start + 1)
        if close < 0:
            unread.append(text[start:].strip())
            break
        url, params = text[start + 1 : close].strip(), {}
        at = close + 1
        while True:
            at = _skip_spaces(text, at)
            if at >= end or text[at] != ";":
                break
            name, value, at = _param(text, _skip_spaces(text, at + 1))
            if name and name not in params:
                params[name] = value
        # on to the next link-value: past this one's comma (anything else before it is junk)
        comma = text.find(",", at)
        after = end if comma < 0 else comma
        if not params.get("rel", "").split() or text[at:after].strip():
            unread.append(text[start:after].strip())
        if params.get("rel", "").split():
            found.append((url, params))
        at = after + 1
    return found


def _param(text: str, at: int) -> tuple[str, str, int]:
    """One ``name[=value]`` from ``at``: (lower-cased name, its value unquoted, where it ends)."""
    end = len(text)
    start = at
    while at < end and text[at] not in "=;,":
        at += 1
    name = text[start:at].strip().lower()
    if at >= end or text[at] != "=":
        return name, "", at
    at = _skip_spaces(text, at + 1)
    if at < end and text[at] == '"':
        value: list[str] = []
        at += 1
        while at < end and text[at] != '"':
            if text[at] == "\\" and at + 1 < end:  # quoted-pair
                at += 1
            value.append(text[at])
            at += 1
        return name, "".join(value), min(at + 1, end)
    start = at
    while at < end and text[at] not in ";,":
        at += 1
    return name, text[start:at].strip(), at


def _skip_spaces(text: str, at: int) -> int:
    while at < len(text) and text[at] in " \t":
        at += 1
    return at
