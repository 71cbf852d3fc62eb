"""Settings of the provider simulator, parsed from one ``key=value,key=value`` string.

The CLI reads the string from ``BACKFILL_SIM`` (with ``--simulate``); tests build a
:class:`SimulatorConfig` directly. A bad key or value raises ``ValueError`` with one line that
names the key and what it accepts, which the CLI turns into exit status 2.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from ..textsafe import ascii_int

__all__ = ["SECRET_OPTIONS", "WORLD_OPTIONS", "SimulatorConfig"]

_ACCEPTED: dict[str, str] = {
    "seed": "an integer",
    "faults": "a fraction from 0 to 1",
    "rate_limit_every": "a whole number >= 0 (0 = never)",
    "latency": "seconds from 0 to 60",
    "clock": "'real' or 'virtual'",
    "anchor": "an ISO-8601 instant from year 1970 to 9000, such as 2026-11-28T00:00:00Z",
    "token": "a non-empty token string",
    "request_log": "a file path",
    "quota": "a whole number from 1 to 1,000,000,000",
    "retry_after": "whole seconds from 0 to 86,400 (a day)",
    "scale": "a number > 0 and at most 10,000",
    "url_prefix": "an http(s) URL, or 'request' for the address the client called",
    "repeat_cursor": "a whole number >= 2 (0 = never)",
    "trickle": "a whole number >= 0 (0 = never)",
    "retry_after_form": "'seconds' or 'date'",
    "complexity_quota": "a whole number from 1 to 1,000,000,000",
    "tokens": "a whole number from 1 to 9 (not with 'token')",
    "null_last_seen": "a whole number >= 0 (0 = never)",
    "secondary_retry_after": "whole seconds from 0 to 86,400 (0 = none: wait a minute)",
    "github_timeout_above": "a whole number >= 0 (0 = never)",
    "vercel_rename_after": "a whole number >= 0 (0 = never)",
    "github_bad_link": "a whole number >= 0 (0 = never)",
    "rename_team": "a whole number >= 0 (0 = never)",
    "github_moving_reset": "a whole number >= 0 (0 = never)",
}


#: Bounds that keep the simulator's arithmetic in range: a quota stored as SQLite's 64-bit
#: integer, a Retry-After whose resume instant a datetime holds, a scale whose item counts are
#: ints (1e300 overflowed), an anchor whose 150-day history stays within datetime's years.
MAX_QUOTA = 1_000_000_000
MAX_RETRY_AFTER_S = 86_400
MAX_SCALE = 10_000.0
#: Seconds a simulated answer may be held back: a minute, past which a run only hangs (a fresh
#: tester's latency=1e9 was taken and the run never answered).
MAX_LATENCY_S = 60.0

#: Options whose value is a credential: never stored, shown or echoed in a message.
SECRET_OPTIONS = frozenset({"token"})
#: The options that decide what the simulated providers hold (which items, their times and
#: contents, which pages exist); the others only decide how they answer (latency, faults, rate
#: limits and quotas, tokens, slow bodies, header forms, where a log goes). Two runs whose
#: world options agree saw the same history, so the later one may re-sync from the earlier
#: (engine/resync.py): a re-run with more latency fetched everything again (a tester's finding).
#: Not ``clock``: a virtual clock starts at the real "now", so the default anchor (the day's
#: start) and the history are the same on either.
WORLD_OPTIONS = (
    "seed", "anchor", "scale", "repeat_cursor", "null_last_seen", "vercel_rename_after",
    "rename_team",
)  # fmt: skip
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,31}")
_PLAIN_VALUE = re.compile(r"[A-Za-z0-9_.:+/-]{0,40}")
_TOKEN_MARKERS = ("ghp_", "_pat_", "lin_", "sntr", "gho_", "ghs_")


def _shown(value: object) -> str:
    """A bad value as a message may echo it: only a short plain word, never what may be a token."""
    text = str(value)
    if _PLAIN_VALUE.fullmatch(text) and not any(m in text for m in _TOKEN_MARKERS):
        return repr(text)
    return "(a value not shown: it may hold a secret)"


class _BadOption(ValueError):
    """A bad value of option ``key`` (its message echoes the value as given to it)."""

    def __init__(self, message: str, key: str) -> None:
        super().__init__(message)
        self.key = key


def unknown_option_line(key: str) -> str:
    """The one line for an option ``key`` the simulator does not have: the option it most
    likely meant (a case, a hyphen or a letter off: ``Seed``, ``rate-limit-every``, ``sead``),
    then every option it accepts, all :class:`SimulatorConfig`'s fields (:data:`_ACCEPTED`
    holds one entry for each: a test checks it), and where README says what each does. A
    name that is not a plain word (it may be a pasted token) is not shown."""
    import difflib

    plain = _PLAIN_KEY.fullmatch(key) is not None
    named = f"'{key}'" if plain else "(a name not shown)"
    near = key.strip().lower().replace("-", "_")
    # a valid name only: it tells nothing of a name not shown but that it is near one
    close = difflib.get_close_matches(near, _ACCEPTED, n=1, cutoff=0.75) if len(near) <= 32 else []
    meant = f" (did you mean '{close[0]}'?)" if close else ""
    return (
        f"unknown simulator option {named}{meant}; the {len(_ACCEPTED)} accepted are: "
        f'{", ".join(_ACCEPTED)} (README, "The simulator", says what each does)'
    )


def _bad(key: str, value: object) -> ValueError:
    shown = "(not shown)" if key in SECRET_OPTIONS else _shown(value)
    return _BadOption(f"simulator option '{key}' must be {_ACCEPTED[key]}, got {shown}", key)


def parse_instant(text: str) -> datetime:
    """Parse ISO-8601 (``Z`` or an offset; naive means UTC) into an aware UTC datetime."""
    parsed = datetime.fromisoformat(text.strip())
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


@dataclass(frozen=True)
class SimulatorConfig:
    """What the simulated providers serve and how badly they behave.

    ``faults`` is the fraction of requests that fail (5xx, dropped connection, truncated body);
    ``rate_limit_every`` answers every Nth request with a rate limit; ``quota`` is the hourly
    primary limit; ``scale`` multiplies the number of generated items.

    Protocol edges (provider-apis.md §6): ``url_prefix`` is the public URL Sentry builds its
    ``Link`` URLs from (default: the organisation's domain ``https://acme.sentry.io``, as on
    sentry.io; ``request`` = the address the client called); ``repeat_cursor=N`` makes Sentry's
    lists answer page N and later with an empty page whose next link repeats its cursor;
    ``trickle=N`` sends every Nth answer's body one byte every two seconds (real time: the wire
    is real even on a virtual clock); ``retry_after_form=date`` makes Vercel's 429 carry an
    HTTP-date ``Retry-After``; ``complexity_quota`` is Linear's hourly complexity budget;
    ``null_last_seen=N`` makes every Nth Sentry issue (by its number) answer ``lastSeen: null``,
    as Sentry does for an issue merged into another or still being processed (provider-apis.md
    §4.4); it keeps its place in the list and the window, which go by its last sighting.
    ``secondary_retry_after=N`` gives GitHub's secondary-limit 403 a ``Retry-After`` of N
    seconds, as GitHub may send one (provider-apis.md §6); without it (0, the default) the
    answer has no time, and a client waits the documented minute. The demo sets it: its run,
    with sources added, stood a minute on such an answer (a fresh tester's finding).
    ``github_timeout_above=N`` answers every GitHub list page of more than N items with GitHub's
    502 "We couldn't respond to your request in time", as GitHub does on large repositories
    with heavy items (its advice: ask for smaller pages). ``vercel_rename_after=N`` renames each
    Vercel project once N pages of its deployments were listed (``rocket-web`` becomes
    ``rocket-web-renamed``), as a rename in Vercel's dashboard mid-run: its old name answers
    404 ``Project not found`` from then on, its id and new name answer as before.
    ``github_bad_link=N`` gives the Nth GitHub list page answered (counted over every list) the
    unreadable header ``Link: garbage``, once, as a proxy that mangles headers may.
    ``rename_team=N`` renames Linear's team ENG to CORE as the Nth Linear query is answered, as
    Linear lets a team's key be changed (its issues' identifiers change with it, its id does
    not). ``github_moving_reset=N`` answers the Nth GitHub request and every later one with
    the primary limit's 403, ``x-ratelimit-remaining: 0`` and an ``x-ratelimit-reset`` 20 s
    ahead of its now, every time, as a broken proxy or cache may (a real reset moves once an
    hour).

    ``tokens=N`` (N > 1) gives each simulated provider N fake tokens of its own (derived from the
    seed; registered as secrets and shown only by fingerprint), each with its own ``quota``, which
    a run without a token in the environment sends: the HTTP layer rotates through them
    (issue 14). Not together with ``token`` (one required token).
    """

    seed: int = 1
    faults: float = 0.0
    rate_limit_every: int | None = None
    latency: float = 0.0
    clock: Literal["real", "virtual"] = "real"
    anchor: datetime | None = None
    token: str | None = field(default=None, repr=False)  # in SECRET_OPTIONS
    request_log: Path | None = None
    quota: int = 5000
    retry_after: int = 1
    scale: float = 1.0
    url_prefix: str | None = None
    repeat_cursor: int = 0
    trickle: int = 0
    retry_after_form: Literal["seconds", "date"] = "seconds"
    complexity_quota: int = 3_000_000
    tokens: int = 1
    null_last_seen: int = 0
    secondary_retry_after: int = 0
    github_timeout_above: int = 0
    vercel_rename_after: int = 0
    github_bad_link: int = 0
    rename_team: int = 0
    github_moving_reset: int = 0

    def __post_init__(self) -> None:
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise _bad("seed", self.seed)
        if not (isinstance(self.faults, int | float) and 0.0 <= self.faults <= 1.0):
            raise _bad("faults", self.faults)
        if self.rate_limit_every is not None and (
            not isinstance(self.rate_limit_every, int) or self.rate_limit_every < 0
        ):
            raise _bad("rate_limit_every", self.rate_limit_every)
        if self.rate_limit_every == 0:
            object.__setattr__(self, "rate_limit_every", None)
        if not (isinstance(self.latency, int | float) and 0.0 <= self.latency <= MAX_LATENCY_S):
            raise _bad("latency", self.latency)
        if self.clock not in ("real", "virtual"):
            raise _bad("clock", self.clock)
        if self.anchor is not None:
            if not isinstance(self.anchor, datetime):
                raise _bad("anchor", self.anchor)
            if self.anchor.tzinfo is None:
                object.__setattr__(self, "anchor", self.anchor.replace(tzinfo=UTC))
            if not 1970 <= self.anchor.year <= 9000:  # the history reaches 150 days back
                raise _bad("anchor", self.anchor)
        if self.token is not None and (not isinstance(self.token, str) or not self.token):
            raise _bad("token", None)
        if self.request_log is not None and not isinstance(self.request_log, Path):
            object.__setattr__(self, "request_log", Path(self.request_log))
        if (
            isinstance(self.quota, bool)
            or not isinstance(self.quota, int)
            or not 1 <= self.quota <= MAX_QUOTA
        ):
            raise _bad("quota", self.quota)
        for name in ("retry_after", "secondary_retry_after"):  # whole seconds, at most a day
            value = getattr(self, name)
            bad = isinstance(value, bool) or not isinstance(value, int)
            if bad or not 0 <= value <= MAX_RETRY_AFTER_S:
                raise _bad(name, value)
        if not (isinstance(self.scale, int | float) and 0.0 < self.scale <= MAX_SCALE):
            raise _bad("scale", self.scale)
        if (
            self.url_prefix is not None
            and self.url_prefix != "request"
            and (
                not isinstance(self.url_prefix, str)
                or not self.url_prefix.startswith(("http://", "https://"))
                or len(self.url_prefix) < 10
            )
        ):
            raise _bad("url_prefix", self.url_prefix)
        if (
            isinstance(self.repeat_cursor, bool)
            or not isinstance(self.repeat_cursor, int)
            or (self.repeat_cursor < 0 or self.repeat_cursor == 1)
        ):
            raise _bad("repeat_cursor", self.repeat_cursor)
        if isinstance(self.trickle, bool) or not isinstance(self.trickle, int) or self.trickle < 0:
            raise _bad("trickle", self.trickle)
        if (
            isinstance(self.null_last_seen, bool)
            or not isinstance(self.null_last_seen, int)
            or self.null_last_seen < 0
        ):
            raise _bad("null_last_seen", self.null_last_seen)
        # whole numbers, 0 = never
        for name in (
            "github_timeout_above",
            "vercel_rename_after",
            "github_bad_link",
            "rename_team",
            "github_moving_reset",
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise _bad(name, value)
        if self.retry_after_form not in ("seconds", "date"):
            raise _bad("retry_after_form", self.retry_after_form)
        if (
            isinstance(self.complexity_quota, bool)
            or not isinstance(self.complexity_quota, int)
            or not 1 <= self.complexity_quota <= MAX_QUOTA
        ):
            raise _bad("complexity_quota", self.complexity_quota)
        if isinstance(self.tokens, bool) or not isinstance(self.tokens, int):
            raise _bad("tokens", self.tokens)
        if not 1 <= self.tokens <= 9:
            raise _bad("tokens", self.tokens)
        if self.tokens > 1 and self.token is not None:
            # "must be ... from 1 to 9, got '3'" read as if 3 were out of range (a tester's
            # finding): say that the two options are the conflict
            raise ValueError(
                "simulator options 'tokens' and 'token' cannot be used together: 'tokens' makes "
                "its own tokens; drop one of them"
            )

    @classmethod
    def from_env_string(cls, text: str) -> SimulatorConfig:
        """Build a config from ``"seed=7,faults=0.15,..."``; ``""`` gives the defaults."""
        values: dict[str, Any] = {}
        typed: dict[str, str] = {}  # each value as the user typed it, for a message to echo
        for raw in text.split(","):
            item = raw.strip()
            if not item:
                continue
            key, sep, value = item.partition("=")
            key, value = key.strip(), value.strip()
            if not key:  # "=3" or "==": a value with no name before it
                raise ValueError(
                    f"a simulator option has no name before its '='; write NAME=VALUE, such as "
                    f"latency=0.1 (accepted: {', '.join(_ACCEPTED)})"
                )
            if key not in _ACCEPTED:
                raise ValueError(unknown_option_line(key))
            if not sep:
                raise ValueError(f"simulator option '{key}' needs a value: {key}=VALUE")
            if "=" in value:  # "latency=0.1 faults=0.1": the value, not shown, is not the issue
                raise ValueError(
                    f"simulator option '{key}' is followed by another without a comma; "
                    "separate them with commas, such as latency=0.1,faults=0.1"
                )
            if key in typed:  # which one was meant is not ours to guess (a tester's finding)
                raise ValueError(f"simulator option '{key}' is given twice; keep the one you mean")
            values[key] = _convert(key, value)
            typed[key] = value
        try:
            return cls(**values)
        except _BadOption as exc:  # "faults=2" said "got '2.0'": echo what was typed
            if exc.key not in typed:
                raise
            raise _bad(exc.key, typed[exc.key]) from None

    def to_env_string(self, *, secrets: bool = True, order: Sequence[str] = ()) -> str:
        """The inverse of :meth:`from_env_string` (only the options that differ from defaults).

        ``secrets=False`` leaves out every credential option (:data:`SECRET_OPTIONS`): the form
        a run stores, a report prints and a recording keeps (``engine.environment.public_settings``).
        ``order``: option names to write first, in that order (the order the user wrote them).
        """
        fields = {f.name: f for f in dataclasses.fields(self)}
        names = [n for n in dict.fromkeys(order) if n in fields]
        names += [n for n in fields if n not in names]
        parts: list[str] = []
        for name in names:
            value = getattr(self, name)
            if value == fields[name].default or (not secrets and name in SECRET_OPTIONS):
                continue
            if isinstance(value, datetime):
                value = value.strftime("%Y-%m-%dT%H:%M:%SZ")
            parts.append(f"{name}={value}")
        return ",".join(parts)

    @staticmethod
    def option_names(text: str) -> list[str]:
        """The option names in a ``key=value,...`` string, in the order written."""
        return [raw.partition("=")[0].strip() for raw in text.split(",") if raw.strip()]

    @staticmethod
    def merged(base: str, given: str) -> str:
        """``given`` (a ``key=value,...`` string, as typed) over ``base``: each option ``given``
        names replaces ``base``'s, and ``base``'s others are kept. ``backfill-tui demo`` paces
        its simulator (``cli/app.DEMO_SIM``); ``BACKFILL_SIM=seed=7`` replaced all of it, so the
        demo lost its latency and rate limits for a change of history (a fresh tester's
        finding). Not parsed here: ``given``'s mistakes are met, and said, by
        :meth:`from_env_string`."""
        named = set(SimulatorConfig.option_names(given))
        kept = [
            item.strip()
            for item in base.split(",")
            if item.strip() and item.partition("=")[0].strip() not in named
        ]
        return ",".join([*kept, *(item.strip() for item in given.split(",") if item.strip())])


def _convert(key: str, value: str) -> Any:
    try:
        if key in (
            "seed", "quota", "retry_after", "rate_limit_every", "repeat_cursor", "trickle",
            "complexity_quota", "tokens", "null_last_seen", "secondary_retry_after",
            "github_timeout_above", "vercel_rename_after", "github_bad_link", "rename_team",
            "github_moving_reset",
        ):  # fmt: skip
            return ascii_int(value)  # not "５" nor "1_0", as every number typed (textsafe)
        if key in ("faults", "latency", "scale"):
            if not value.isascii() or "_" in value:
                raise ValueError(value)
            number = float(value)
            if math.isnan(number):
                raise ValueError(value)
            return number
        if key == "anchor":
            return parse_instant(value)
        if key == "request_log":
            if not value:
                raise ValueError(value)
            return Path(value)
        if key == "token" and not value:
            raise ValueError(value)
    except ValueError:
        raise _bad(key, value) from None
    return value
