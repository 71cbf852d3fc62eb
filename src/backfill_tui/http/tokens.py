"""Several tokens for one provider, rotated on exhaustion (issue 14 part 1).

``GITHUB_TOKEN="ghp_a,ghp_b ghp_c"``: a provider's variable may hold several tokens separated by
commas or whitespace, as Airbyte's GitHub source and the Singer taps take them. The transport
(:class:`~.transport.ResilientTransport`) asks the :class:`TokenPool` which token to send each
request with and tells it each answer's quota; the pool keeps one quota per token (GitHub's
limits are per token), picks the token with the most remaining, skips a token inside its
reserve, and makes the caller wait only when every token is inside its reserve (until the
earliest reset). A token that answers 401 is dropped from the rotation; the others go on.

A token is shown only by its fingerprint (``tok:`` + 8 hex of its SHA-256), never itself: each
token is registered with ``secrets_registry`` as the pool is made.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..secrets_registry import register
from .ratelimit import Quota

_SEPARATORS = re.compile(r"[,\s]+")


def split_tokens(text: str) -> list[str]:
    """The tokens of a variable's value (commas or whitespace between), repeats dropped."""
    seen: dict[str, None] = {}
    for part in _SEPARATORS.split(text.strip()):
        if part:
            seen.setdefault(part, None)
    return list(seen)


def fingerprint(token: str) -> str:
    """``tok:1a2b3c4d``: how a token is named in logs, summaries and errors."""
    return "tok:" + hashlib.sha256(token.encode()).hexdigest()[:8]


@dataclass
class PooledToken:
    """One token of a pool: its ``Authorization`` header, its quotas as last reported (by
    budget name), the calls sent with it, and whether a 401 dropped it."""

    fingerprint: str
    header: str = field(repr=False)
    quotas: dict[str, Quota] = field(default_factory=dict)
    calls: int = 0
    dropped: bool = False
    #: Requests sent with it whose answers have not come back (they spend its quota too).
    pending: int = 0
    #: Until when (epoch seconds, the run's clock) a rate-limit answer to a request sent with
    #: it holds every request with it: GitHub's limits are the token's, and no request may go
    #: with it while it is limited (provider-apis.md §1.5); another token may go on.
    paused_until: float = 0.0

    def remaining(self) -> float:
        """The fewest calls left in any budget, less those in flight; unknown (never used)
        counts as unlimited."""
        known = [q.remaining for q in self.quotas.values() if q.unit == "calls"]
        return (min(known) - self.pending) if known else float("inf")

    def reset_wait(self, now: float, reserve: float) -> float:
        """0 when the token may be used now, else seconds until its reserved budget resets."""
        wait = 0.0
        for quota in self.quotas.values():
            if quota.reset_at is None or quota.unit != "calls":
                continue
            left = quota.remaining - self.pending - 1  # after this request
            if left < quota.limit * reserve and quota.reset_at > now:
                wait = max(wait, quota.reset_at - now)
        return wait


def _blocked(token: PooledToken, now: float, reserve: float) -> float:
    """Seconds until ``token`` may be used: its reserve's reset or its pause, the later."""
    return max(token.reset_wait(now, reserve), token.paused_until - now)


class TokenPool:
    """The tokens of one provider for one source; not shared between threads (one event loop)."""

    def __init__(self, tokens: Sequence[str], header_for: Callable[[str], str]) -> None:
        if not tokens:
            raise ValueError("a token pool needs at least one token")
        for token in tokens:
            register(token)
        self.tokens = [PooledToken(fingerprint(t), header_for(t)) for t in tokens]

    @property
    def live(self) -> list[PooledToken]:
        return [t for t in self.tokens if not t.dropped]

    def choose(self, now: float, reserve: float) -> PooledToken | float:
        """The live token with the most calls remaining outside its reserve; or, when every
        live token is inside its reserve, the seconds until the earliest one resets. Raises
        ``LookupError`` when every token was dropped."""
        live = self.live
        if not live:
            raise LookupError("every token was rejected")
        ready = [t for t in live if t.reset_wait(now, reserve) <= 0 and t.paused_until <= now]
        if ready:
            chosen = max(ready, key=lambda t: (t.remaining(), -t.calls))
            chosen.pending += 1
            chosen.calls += 1
            return chosen
        return min(_blocked(t, now, reserve) for t in live)

    def held(self, now: float, reserve: float) -> bool:
        """Whether the live token free soonest is held by a rate-limit pause (its
        ``paused_until``) rather than by its reserve: a wait for it is the limited request's
        wait, already told, not a wait of its own (``ResilientTransport._token_for``)."""
        soonest = min(self.live, key=lambda t: _blocked(t, now, reserve))
        return soonest.paused_until - now >= soonest.reset_wait(now, reserve)

    def observe(self, token: PooledToken, quotas: Sequence[Quota]) -> None:
        """The answer to a request sent with ``token`` came back (``quotas``: what it reported;
        none for a dropped connection)."""
        token.pending = max(0, token.pending - 1)
        for quota in quotas:
            token.quotas[quota.name] = quota

    def drop(self, token: PooledToken) -> int:
        """Take ``token`` out of the rotation (it answered 401); how many are left."""
        token.dropped = True
        return len(self.live)

    def summary(self) -> list[dict[str, Any]]:
        """Calls and quota per token, by fingerprint (for the ``--json`` summary). A token
        rejected with 401 has no quota known (``null``): the numbers its refusal carried are
        not its own (a tester saw "5000/5000 left" beside "rejected (401), dropped")."""
        rows = []
        for token in self.tokens:
            quota = None if token.dropped else token.quotas.get("requests")
            rows.append(
                {
                    "token": token.fingerprint,
                    "calls": token.calls,
                    "remaining": quota.remaining if quota else None,
                    "limit": quota.limit if quota else None,
                    "dropped": token.dropped,
                }
            )
        return rows
