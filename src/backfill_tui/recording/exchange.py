"""One exchange of a recording (a request and its answer or transport error), and its line.

:class:`Exchange` is what ``RecordingTransport`` records and ``ReplayTransport`` answers from;
``fileformat`` writes it as one JSON line and reads it back with :meth:`Exchange.from_json`.
That reading is strict, as the header's is (``header.py``): the trailer's SHA-256 is no seal
(anyone may compute it again), so a line edited to hold what backfill-tui never writes (a
status of ``"abc"`` or 1000, headers that are not ``[name, value]`` pairs of texts, a body that
is not base64) is refused as the file is read, naming the exchange, the field and its value
(:class:`~.header.EntryFault`), instead of replaying as an answer that never was or ending the
replay with an internal error.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from dataclasses import dataclass, field
from typing import Any

import httpx

from .header import EntryFault, Fields, shown

__all__ = ["Exchange"]

#: The most seconds an exchange's times may lie from its recording's start, either way (about
#: ten years): a replay moves its clock to them, which must stay within the years a datetime
#: holds (a hand-edited ``answered`` of 1e300 ended a replay with an internal error).
_MAX_OFFSET = 10 * 366 * 86400.0
#: An HTTP method or header name: a token (RFC 9110 §5.6.2), as httpx and h11 send and accept.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_TOKEN_CHARACTERS = "letters, digits and !#$%&'*+-.^_`|~"
#: What a header value may not hold (h11 refuses them in an answer): control characters but tab.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
#: The statuses an answer can have: three digits (h11 reads no other from the network).
_STATUSES = "an HTTP status (100 to 999)"
_BODY = 'null, {"text": …} or {"b64": …}'


#: The bytes JSON writes escaped (as \", \\, \n or \u0001): control characters, quote and
#: backslash.
_ESCAPED = bytes(range(32)) + b'"\\'
#: A body up to this long is always kept as text when it is UTF-8 (escaped, at most six times as
#: long: within ``fileformat``'s room for what is not a large body).
_ALWAYS_TEXT = 256 * 1024


def _pack(data: bytes) -> dict[str, str]:
    """A body as its line holds it: UTF-8 text as text, unless it is long and JSON's escapes
    would make it longer than base64 does (a third more), so that no long body takes more than
    a third more room in its line than it has (``fileformat.MAX_LINE_BYTES`` is sized by it)."""
    escapes = controls = 0
    if len(data) > _ALWAYS_TEXT:
        escapes = len(data) - len(data.translate(None, _ESCAPED))
        controls = len(data) - len(data.translate(None, bytes(range(32))))
    if escapes + 4 * controls <= len(data) // 3:  # each escape one byte more, \u00XX five
        try:
            return {"text": data.decode("utf-8")}
        except UnicodeDecodeError:
            pass
    return {"b64": base64.b64encode(data).decode("ascii")}


def _unpack(fields: Fields, key: str) -> bytes:
    """A body as ``_pack`` wrote it (null, ``{"text": ...}`` or ``{"b64": ...}``), or
    :class:`EntryFault` naming what is not."""
    data = fields.get(key, None)
    if data is None:
        return b""
    if not isinstance(data, dict) or len(data) != 1 or not {"text", "b64"} & data.keys():
        raise fields.fault(key, _BODY)
    packed = Fields(data, f"{fields.where}{key}.")
    if "text" in data:
        text = packed.text("text")
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError as exc:
            bad = f"U+{ord(text[exc.start]):04X}"
            raise packed.said("text", f"holds a character UTF-8 cannot encode ({bad})") from None
    try:
        return base64.b64decode(packed.text("b64"), validate=True)
    except binascii.Error:
        raise packed.fault("b64", "base64") from None


def _time(fields: Fields, key: str) -> float | None:
    """An exchange's time in seconds since its recording began: a finite number within
    :data:`_MAX_OFFSET`; None when the line has none; :class:`EntryFault` otherwise."""
    if key not in fields.data:
        return None
    value = fields.data[key]
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or abs(value) > _MAX_OFFSET
    ):
        raise fields.fault(key, "a number of seconds within ten years of the recording's start")
    return float(value)


def _headers(fields: Fields) -> list[tuple[str, str]]:
    """The answer's headers: a list of ``[name, value]`` pairs of texts, each name a token and
    each value free of control characters (as an answer from the network has them)."""
    data = fields.get("headers", None)
    if data is None:
        return []
    if not isinstance(data, list):
        raise fields.fault("headers", "a list of [name, value] pairs")
    headers = []
    for number, pair in enumerate(data):
        where = f"{fields.where}headers[{number}]"
        if not (
            isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair)
        ):
            raise EntryFault(f"{where} {shown(pair)} is not a [name, value] pair of texts")
        name, value = pair
        if not _TOKEN.fullmatch(name):
            raise EntryFault(f"{where}[0] {shown(name)} is not a header name ({_TOKEN_CHARACTERS})")
        control = _CONTROL.search(value)
        if control is not None:
            raise EntryFault(
                f"{where}[1] {shown(value)} holds a control character "
                f"(U+{ord(control.group()):04X})"
            )
        headers.append((name, value))
    return headers


def _url(fields: Fields) -> str:
    url = fields.text("url")
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError):
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise fields.fault("url", "an http(s) URL")
    return url


@dataclass(frozen=True)
class Exchange:
    """One request below the retry layer and what came back: an answer or a transport error."""

    seq: int
    method: str
    url: str  # scrubbed
    body: bytes | None  # the request body (GraphQL), scrubbed; None when empty
    status: int | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)  # response, scrubbed
    content: bytes = b""  # response body, decoded from its wire encoding, scrubbed
    error: tuple[str, str] | None = None  # (httpx exception class, message) when no answer
    started: float = 0.0  # seconds since the recording began
    elapsed: float = 0.0  # seconds the answer took
    #: When the answer arrived, in seconds since the recording began on the run's own clock
    #: (virtual in a simulated run); None in recordings made before it was written.
    answered: float | None = None
    #: Token-shaped strings its answer's body had masked (``scrub.scrub_counted``), as the
    #: recorder saw them; summed into the trailer (``fileformat``), not written on the line.
    masked: int = 0

    def arrival(self) -> float:
        """Seconds after the recording began at which the run's clock saw this answer."""
        return self.answered if self.answered is not None else self.started + self.elapsed

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": "exchange",
            "seq": self.seq,
            "method": self.method,
            "url": self.url,
            "body": _pack(self.body) if self.body else None,
            "status": self.status,
            "headers": [list(h) for h in self.headers],
            "content": _pack(self.content) if self.content else None,
            "started": round(self.started, 6),
            "elapsed": round(self.elapsed, 6),
        }
        if self.answered is not None:
            data["answered"] = round(self.answered, 6)
        if self.error is not None:
            data["error"] = {"type": self.error[0], "message": self.error[1]}
        return data

    @classmethod
    def from_json(cls, data: Any, number: int) -> Exchange:
        """An exchange's line, the ``number``-th of its file (from 1), or :class:`EntryFault`
        naming its first field that holds what :meth:`to_json` never writes."""
        fields = Fields(data, f"its exchange {number}'s ", name=f"its exchange {number}")
        if fields.text("kind") != "exchange":
            raise fields.fault("kind", '"exchange"')
        seq = fields.whole("seq")
        if seq < 1:
            raise fields.fault("seq", "1 or more")
        method = fields.text("method")
        if not _TOKEN.fullmatch(method):
            raise fields.fault("method", "an HTTP method (GET, POST…)")
        url = _url(fields)
        body = _unpack(fields, "body")
        error = _error(fields)
        status = fields.get("status", None)
        if status is None:
            if error is None:
                raise fields.fault("status", f"{_STATUSES}, and no error says why no answer came")
        elif isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 999:
            raise fields.fault("status", _STATUSES)
        elif error is not None:
            raise fields.said(
                "error",
                f"comes with status {status}: an exchange holds an answer or an error, not both",
            )
        return cls(
            seq=seq,
            method=method,
            url=url,
            body=body or None,
            status=status,
            headers=_headers(fields),
            content=_unpack(fields, "content"),
            error=error,
            started=_time(fields, "started") or 0.0,
            elapsed=_time(fields, "elapsed") or 0.0,
            # Written only when known: null is as absent (a recording made before it was).
            answered=_time(fields, "answered") if fields.data.get("answered") is not None else None,
        )


def _error(fields: Fields) -> tuple[str, str] | None:
    """Why no answer came (``{"type": ..., "message": ...}``: an httpx transport error's class
    name and its message), or None."""
    data = fields.get("error", None)
    if data is None:
        return None
    error = Fields(data, f"{fields.where}error.")
    kind = error.text("type")
    if not kind.isidentifier():
        raise error.fault("type", "the name of an error (ConnectError, ReadTimeout…)")
    return kind, error.text("message")
