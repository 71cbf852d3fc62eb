"""Production's significance score, applied locally (lightfast-data-model.md §8, threshold 40).

Score = base weight + keyword adjustments + 3 per reference (at most 15) + a body-length bonus,
clamped to 0..100. Production at the reference commit looks the base weight up with the
unprefixed ``sourceType``, which is not a registry key, so every event starts at the default
35; we reproduce that (``REPRODUCE_LOOKUP_QUIRK``) because the mirror predicts what production
keeps. The registry weights are kept for when production fixes the lookup.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..models import SourceEvent

THRESHOLD = 40
DEFAULT_WEIGHT = 35
REPRODUCE_LOOKUP_QUIRK = True

REGISTRY_WEIGHTS: dict[str, int] = {
    "github:push": 30,
    "github:pull-request.opened": 50,
    "github:pull-request.closed": 45,
    "github:pull-request.merged": 60,
    "github:pull-request.reopened": 40,
    "github:pull-request.ready-for-review": 45,
    "github:issue.opened": 45,
    "github:issue.closed": 40,
    "github:issue.reopened": 40,
    "github:release.published": 75,
    "github:release.created": 70,
    "vercel:deployment.created": 30,
    "vercel:deployment.succeeded": 40,
    "vercel:deployment.ready": 40,
    "vercel:deployment.error": 70,
    "vercel:deployment.canceled": 65,
    "sentry:issue.created": 55,
    "sentry:issue.resolved": 50,
    "sentry:issue.assigned": 30,
    "sentry:issue.ignored": 25,
    "sentry:error": 45,
    "linear:issue.created": 50,
    "linear:comment.created": 25,
    "linear:project.created": 45,
}

_GROUPS: tuple[tuple[str, int], ...] = (
    (r"breaking|critical|urgent|security|vulnerability|cve-\d+", 20),
    ("hotfix|emergency|incident|outage|downtime", 15),
    ("major|important|significant|release|deploy", 10),
    ("feature|feat|new", 8),
    ("fix|bug|patch|resolve", 5),
    ("chore|deps|dependencies|bump|update|upgrade", -10),
    ("typo|whitespace|formatting|lint", -15),
    ("wip|draft|temp|test", -10),
)
# Production's regexes are JavaScript's ``\b(word|...)\b`` with the i flag, where a word
# character is ASCII [A-Za-z0-9_]; a keyword matches exactly when it is a whole such token.
# So the text is split into tokens once and each group is a set lookup (fast on long bodies).
_CVE = re.compile(r"\bcve-\d+\b", re.ASCII | re.IGNORECASE)
_WORD_GROUPS = tuple(
    (frozenset(w for w in words.split("|") if "\\" not in w), delta) for words, delta in _GROUPS
)
#: The tokens are read as bytes: ``bytes.translate`` lower-cases ASCII letters and turns every
#: other non-word byte into a space, and ``split`` gives the tokens, several times faster than
#: a regex (``[a-z0-9_]+``) on a long body (bench/pipeline.py). Text that is not ASCII is
#: lower-cased as str first: ``str.lower`` turns a few non-ASCII letters into ASCII ones
#: (KELVIN SIGN into "k"), which the bytes alone would not.
_WORD_BYTES = bytes(
    b + 32 if 65 <= b <= 90 else b if 48 <= b <= 57 or 97 <= b <= 122 or b == 95 else 32
    for b in range(256)
)
_WORD_GROUPS_ASCII = tuple(
    (frozenset(w.encode() for w in words), delta) for words, delta in _WORD_GROUPS
)
#: Every keyword of every group: a text's tokens are met with the groups only when they share
#: one (most texts share none, and one set intersection is cheaper than eight checks).
_KEYWORDS_ASCII = frozenset().union(*(words for words, _ in _WORD_GROUPS_ASCII))
#: The keywords and the token "cve" (``CVE-2024-1`` holds it): what :func:`score` looks up of
#: a text's tokens. Met as ``_LOOKED_UP.intersection(tokens)``, the list of tokens is walked
#: once and only the hits make a set: a set of every token cost about 1.3 us of a 3.3 us
#: score on a 50,000-item run's texts (137 characters on average, bench/pipeline.py).
_LOOKED_UP = _KEYWORDS_ASCII | {b"cve"}


def base_weight(event: SourceEvent) -> int:
    if REPRODUCE_LOOKUP_QUIRK:
        return REGISTRY_WEIGHTS.get(event.sourceType, DEFAULT_WEIGHT)
    return REGISTRY_WEIGHTS.get(f"{event.source}:{event.sourceType}", DEFAULT_WEIGHT)


def score(event: SourceEvent) -> int:
    text = f"{event.title} {event.body}"
    total = base_weight(event)
    if text.isascii():
        hits = _LOOKED_UP.intersection(text.encode("ascii").translate(_WORD_BYTES).split())
        maybe_cve = b"cve" in hits  # "CVE-2024-1" holds the token "cve"
    else:
        # Lower-cased as str first (a few non-ASCII letters become ASCII ones), then the same
        # bytes split: UTF-8 writes every non-ASCII character as bytes >= 0x80, which the table
        # makes spaces, so the tokens are exactly ``re.findall("[a-z0-9_]+", text.lower())``'s,
        # in half the time of that regex (a 50,000-item run: 9% of texts are not ASCII).
        lowered = text.lower().encode("utf-8", "surrogatepass")
        hits, maybe_cve = _LOOKED_UP.intersection(lowered.translate(_WORD_BYTES).split()), True
    if hits:  # "cve" among them is in no group: its group asks the whole pattern (_CVE)
        for index, (words, delta) in enumerate(_WORD_GROUPS_ASCII):
            if not hits.isdisjoint(words) or (index == 0 and maybe_cve and _CVE.search(text)):
                total += delta
    total += min(15, 3 * len(event.references))  # words match whole: "fixes" is not "fix"
    if len(event.body) > 500:
        total += 5
    elif len(event.body) > 200:
        total += 2
    return max(0, min(100, total))


def kept_by_production(value: float | None) -> bool:
    """Whether production keeps an observation of significance ``value`` (0-100; at or above
    :data:`THRESHOLD`). A stored value that is no number (a hand edit: ``'high'``) is not kept:
    comparing it raised TypeError, and one such row emptied the Observations screen."""
    return isinstance(value, int | float) and value >= THRESHOLD
