"""What the event API's answers say: whether a 2xx is Inngest taking the events
(:func:`check_accepted`), the request-size limit a 413 states (:func:`stated_limit`) and a server's error text (:func:`error_text`).

Read by :class:`.event_api.EventApi`, which decides what each answer means for the request
(delivered, retried, split or refused). A server's text is cleaned of terminal escapes and
redacted before it reaches a message; the event key is never in one.
"""

from __future__ import annotations

import re

import httpx

from ..secrets_registry import redact
from ..textsafe import clean
from .event_batches import MIN_REQUEST_BYTES
from .target import ExportError

_SIZE = re.compile(r"(\d[\d,_]*(?:\.\d+)?)\s*(kib|kb|k|mib|mb|m|bytes|byte|b)?\b", re.I)
_UNITS = {"k": 1000, "kb": 1000, "kib": 1024, "m": 10**6, "mb": 10**6, "mib": 2**20}


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
