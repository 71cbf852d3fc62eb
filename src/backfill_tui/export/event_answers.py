"""What the event API's answers say: whether a 2xx is Inngest taking the events
(:func:`check_accepted`), whether another answer refuses for good (:func:`refusal`), the
request-size limit a 413 states (:func:`stated_limit`), a server's error text
(:func:`error_text`) and an answer as a message names it (:func:`described`).

Read by :class:`.event_api.EventApi`, which decides what each answer means for the request
(delivered, retried, split or refused). A server's text is cleaned of terminal escapes and
redacted before it reaches a message; the event key is never in one.
"""

from __future__ import annotations

import re

import httpx
from httpx import codes

from ..http.errors import NOT_RETRIED_5XX
from ..secrets_registry import redact
from ..textsafe import clean
from .event_batches import MIN_REQUEST_BYTES
from .target import ExportError

_SIZE = re.compile(r"(\d[\d,_]*(?:\.\d+)?)\s*(kib|kb|k|mib|mb|m|bytes|byte|b)?\b", re.I)
_UNITS = {"k": 1000, "kb": 1000, "kib": 1024, "m": 10**6, "mb": 10**6, "mib": 2**20}
#: Statuses that say the server does not do this request at this URL at all: not retried as
#: other 5xx are (the HTTP layer's one set).
PERMANENT = NOT_RETRIED_5XX
#: Asked when an answer is not Inngest's: the URL is the likelier mistake.
_URL_QUESTION = "is --url Inngest's event API?"


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


def is_web_page(response: httpx.Response) -> bool:
    """Whether the answer is an HTML page (a web server's or a proxy's error page), not the
    JSON Inngest answers with."""
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind in ("text/html", "application/xhtml+xml"):
        return True
    return response.text.lstrip()[:14].lower().startswith(("<!doctype html", "<html"))


def described(response: httpx.Response) -> str:
    """An error answer as a message names it after "answered": ``500: try again`` (the
    server's text, as :func:`error_text`), or for a web page its status and what it is,
    ``502 Bad Gateway with a web page, not Inngest's JSON``: the page's HTML, pasted whole
    into every retry line, said nothing a reader could use (a fresh tester's finding)."""
    status = response.status_code
    if is_web_page(response):
        phrase = codes.get_reason_phrase(status)
        return f"{status}{' ' + phrase if phrase else ''} with a web page, not Inngest's JSON"
    return f"{status}: {error_text(response)}"


def refusal(response: httpx.Response, where: str) -> str | None:
    """The message for an answer that refuses for good (not a 2xx, 413, 429 or a 5xx worth
    retrying), or None where trying again may go otherwise. A 501 or 505 is for good: each
    of six tries got the same ``501`` web page from a server that is not Inngest."""
    status = response.status_code
    if status in (401, 403):
        return f"{where} refused the event key ({status}); check --event-key"
    if (status < 500 and status != 429) or status in PERMANENT:
        if is_web_page(response):
            return f"{where} answered {described(response)}: {_URL_QUESTION}"
        if status in PERMANENT:
            return (
                f"{where} answered {described(response)}; it does not take events at this "
                f"URL: {_URL_QUESTION}"
            )
        return f"{where} rejected the events ({status}: {error_text(response)})"
    return None


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
