"""Building blocks of the simulated worlds: lazy, seed-determined lists of timestamped items.

Nothing here materialises a list. An item at position ``p`` of a :class:`Timeline` is computed
on demand from ``(seed, kind, p)``; its timestamp decreases with ``p`` (position 0 is newest),
so windows are found by binary search. Provider modules (``github.py`` and later ones) build
their items from these helpers and the shared pools of people, words and odd strings.
"""

from __future__ import annotations

import hashlib
import math
import random
import struct
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import SupportsLenAndGetItem

__all__ = [
    "DAY",
    "SPAN_DAYS",
    "Draws",
    "ItemRandom",
    "Person",
    "Timeline",
    "hash64",
    "hex_id",
    "iso",
    "item_rng",
]

DAY = 86_400
SPAN_DAYS = 150


def hash64(seed: int, kind: str, index: int) -> int:
    """A stable 64-bit hash of ``(seed, kind, index)`` (stable across processes and runs).

    BLAKE2b of ``"{seed}:{kind}:{index}"``: the hash of its ``"{seed}:{kind}:"`` prefix is kept
    per (seed, kind) and copied, which gives the same digest as hashing the whole text at once
    at about two thirds of the cost (the simulator hashes several times per item it lists).
    The index is written with ``b"%d"`` and the digest read with one ``struct`` unpack: the
    same bytes and number as ``str(index).encode()`` and ``int.from_bytes(..., "big")``, at
    four fifths of the cost (bench/pipeline.py).
    """
    try:
        state = _PREFIXES[seed, kind].copy()
    except KeyError:
        _PREFIXES[seed, kind] = hashlib.blake2b(f"{seed}:{kind}:".encode(), digest_size=8)
        state = _PREFIXES[seed, kind].copy()
    state.update(b"%d" % index)
    value: int = _UNPACK64(state.digest())[0]
    return value


#: (seed, kind) -> BLAKE2b state after ``"{seed}:{kind}:"`` (a few dozen kinds per seed).
_PREFIXES: dict[tuple[int, str], Any] = {}
_UNPACK64 = struct.Struct(">Q").unpack


T = TypeVar("T")


class ItemRandom(random.Random):
    """``random.Random`` drawing exactly what it draws, with fewer Python calls per draw.

    ``choice``, ``randint`` and ``sample`` (of a list, tuple or range small enough for the
    stdlib's pool method) take the very numbers the stdlib's own take, in the same order:
    ``_randbelow_with_getrandbits`` (``getrandbits(n.bit_length())`` until one is below
    ``n``) inlined, without ``randrange``'s argument checks or ``sample``'s ABC check. The
    simulator draws about fifteen times per item it lists, so these calls were a tenth of its
    cost (bench/pipeline.py). Anything else goes to the stdlib; ``tests/unit`` compares the
    two draw for draw.
    """

    def __init__(self, seed: int) -> None:
        # What ``random.Random(seed)`` does for an int, less ``Random.seed``'s type checks.
        super(random.Random, self).seed(seed)
        self.gauss_next = None

    def choice(self, seq: SupportsLenAndGetItem[T]) -> T:
        n = len(seq)
        if not n:
            raise IndexError("Cannot choose from an empty sequence")
        getrandbits = self.getrandbits
        bits = n.bit_length()
        r = getrandbits(bits)
        while r >= n:
            r = getrandbits(bits)
        return seq[r]

    def randint(self, a: int, b: int) -> int:
        if a.__class__ is not int or b.__class__ is not int or b < a:
            return super().randint(a, b)
        n = b - a + 1
        getrandbits = self.getrandbits
        bits = n.bit_length()
        r = getrandbits(bits)
        while r >= n:
            r = getrandbits(bits)
        return a + r

    def sample(self, population: Sequence[T], k: int, *, counts: Any = None) -> list[T]:
        n = len(population) if isinstance(population, list | tuple | range) else -1
        # The stdlib's pool method, used when n <= 21 (+ a set size for k > 5).
        if counts is not None or k.__class__ is not int or not 0 <= k <= min(n, 5) or n > 21:
            return super().sample(population, k, counts=counts)
        pool = list(population)
        getrandbits = self.getrandbits
        result = []
        for i in range(k):
            left = n - i
            bits = left.bit_length()
            j = getrandbits(bits)
            while j >= left:
                j = getrandbits(bits)
            result.append(pool[j])
            pool[j] = pool[left - 1]
        return result


def item_rng(seed: int, kind: str, index: int) -> ItemRandom:
    """The private random stream of one item (draws as ``random.Random`` would)."""
    return ItemRandom(hash64(seed, kind, index))


class Draws:
    """Sixteen uniform numbers from one hash: a cheaper stream than seeding a ``Random``."""

    __slots__ = ("_i", "_values")

    def __init__(self, seed: int, kind: str, index: int) -> None:
        digest = hashlib.blake2b(f"{seed}:{kind}:{index}".encode(), digest_size=64).digest()
        self._values: tuple[int, ...] = struct.unpack(">16I", digest)
        self._i = 0

    def random(self) -> float:
        value: int = self._values[self._i]
        self._i += 1
        return value / 4294967296.0

    def randint(self, low: int, high: int) -> int:
        return low + int(self.random() * (high - low + 1))


def hex_id(seed: int, kind: str, index: int, length: int = 40) -> str:
    """A git-like hexadecimal id (a commit sha by default)."""
    return hashlib.sha1(f"{seed}:{kind}:{index}".encode()).hexdigest()[:length]


def iso(ts: float) -> str:
    """Epoch seconds as GitHub writes them: ``2026-11-02T14:03:11Z``.

    What ``time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(floor(ts)))`` writes, with the
    date part formatted once per day (``_DAY_PREFIXES``) and the time of day taken from two
    tables: about a third of the cost, and the simulator writes three or four dates per item.
    """
    day, second = divmod(math.floor(ts), DAY)
    prefix = _DAY_PREFIXES.get(day)
    if prefix is None:
        prefix = time.strftime("%Y-%m-%dT", time.gmtime(day * DAY))
        if len(_DAY_PREFIXES) >= _DAY_PREFIXES_KEPT:
            _DAY_PREFIXES.clear()
        _DAY_PREFIXES[day] = prefix
    hour, second = divmod(second, 3600)
    return prefix + _HOURS[hour] + _MINUTES_SECONDS[second]


#: Days since the epoch -> ``"YYYY-MM-DDT"`` (:func:`iso`); at most ``_DAY_PREFIXES_KEPT``.
_DAY_PREFIXES: dict[int, str] = {}
_DAY_PREFIXES_KEPT = 4096
_HOURS = tuple(f"{hour:02d}:" for hour in range(24))
_MINUTES_SECONDS = tuple(f"{m:02d}:{s:02d}Z" for m in range(60) for s in range(60))


@dataclass(frozen=True)
class Timeline:
    """``n`` positions spread over ``span`` seconds before ``anchor``, newest first.

    ``ts(p) = floor(anchor - (p + frac_p) * span / n)`` with ``frac_p`` in [0, 1) drawn from the
    position's hash, so timestamps are whole seconds and never increase with ``p``.
    """

    seed: int
    kind: str
    n: int
    anchor: float
    span: float = SPAN_DAYS * DAY
    _time_kind: str = field(default="", init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # The hash kind of the positions' times, made once (``ts`` runs once per item listed).
        object.__setattr__(self, "_time_kind", self.kind + ":t")

    def ts(self, p: int) -> int:
        frac = (hash64(self.seed, self._time_kind, p) >> 11) / float(1 << 53)
        return math.floor(self.anchor - (p + frac) * self.span / self.n)

    def count_since(self, since: float) -> int:
        """How many positions have ``ts(p) >= since`` (they are exactly ``0 .. count-1``)."""
        lo, hi = 0, self.n
        while lo < hi:
            mid = (lo + hi) // 2
            if self.ts(mid) >= since:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def count_after(self, until: float) -> int:
        """How many positions have ``ts(p) > until`` (the first one with ``ts <= until``)."""
        return self.count_since(math.floor(until) + 1)


@dataclass(frozen=True, eq=False)
class Person:
    """A contributor: GitHub login and id (``None`` when their email maps to no account)."""

    login: str | None
    user_id: int
    name: str
    email: str
    kind: str = "User"


PEOPLE: tuple[Person, ...] = (
    Person("octo-ada", 583231, "Ada Okafor", "ada@acme.dev"),
    Person("zoe-mueller", 1024025, "Zoë Müller", "zoe@acme.dev"),
    Person("li-lei", 2203113, "李雷", "lilei@acme.dev"),
    Person("rkowalski", 3301178, "Radosław Kowalski", "radek@acme.dev"),
    Person("priya-s", 4412093, "Priya Sharma", "priya@acme.dev"),
    Person("mtorres", 5519921, "Mateo Torres", "mateo@acme.dev"),
    Person("j0hn-doe", 6628304, "John Doe", "john@users.noreply.github.com"),
    Person("sven.o", 7734120, "Sven Østergaard", "sven@acme.dev"),
    Person("aiko-t", 8842016, "Aiko Tanaka", "aiko@acme.dev"),
    Person("nkemdirim", 9950211, "Nkem Dirim", "nkem@acme.dev"),
    Person(
        "dependabot[bot]",
        49699333,
        "dependabot[bot]",
        "49699333+dependabot[bot]@users.noreply.github.com",
        "Bot",
    ),
    Person(None, 0, "Build Robot", "builder@ci.acme.internal"),
)
HUMANS: tuple[Person, ...] = tuple(p for p in PEOPLE if p.login and p.kind == "User")

COMPONENTS = (
    "engine",
    "telemetry",
    "launch pad",
    "guidance",
    "fuel pump",
    "CLI",
    "docs",
    "CI",
    "parser",
    "scheduler",
    "cache",
    "auth",
    "staging rollout",
    "thrust vectoring",
)
PR_VERBS = ("Add", "Fix", "Refactor", "Remove", "Improve", "Document", "Speed up", "Harden")
ISSUE_OPENERS = (
    "Crash in {c} when retrying",
    "{c}: flaky test on CI",
    "Support a config option for the {c}",
    "{c} leaks file handles after a restart",
    "Docs for the {c} are out of date",
    "Unexpected timeout in {c}",
    "Feature request: dry-run mode for the {c}",
)
ODD_TITLES = (
    "Fix rendering of [bold]markup[/bold] in titles",
    "Escape <script>alert('x')</script> in release notes",
    "Handle naïve datetimes in the 日本語 locale",
    "🚀 Launch sequence v2",
    "Support ünïcödé file names in the {c}",
    "Strip \x1b[31mANSI\x1b[0m colours pasted into logs",
    "Ümlauts & emoji 🙈 break the {c} — again",
    'Crash on input "[/]" or "[link=x]"',
)
LABELS: tuple[tuple[int, str, str, str | None, bool], ...] = (
    (208045946, "bug", "d73a4a", "Something isn't working", True),
    (208045947, "enhancement", "a2eeef", "New feature or request", True),
    (208045948, "documentation", "0075ca", "Improvements or additions to documentation", True),
    (208045949, "good first issue", "7057ff", "Good for newcomers", True),
    (311560101, "area/engine", "fbca04", None, False),
    (311560102, "area/telemetry", "c5def5", "Metrics, traces and logs", False),
    (311560103, "priority: high", "b60205", "Needs attention this week", False),
    (311560104, "dependencies", "0366d6", "Pull requests that update a dependency file", False),
    (311560105, "🔥 hot", "ff7619", "Customer facing", False),
)
LINKED_PHRASES = ("Fixes #{n}", "closes #{n}", "Resolves ENG-{k}", "Fixes Sentry ROCKET-{k}")
