"""The simulated Sentry project ``acme/rocket``: its issues and error events.

Issues live on one :class:`Timeline` ordered by ``lastSeen`` (position 0 was seen last), error
events on another ordered by ``dateCreated``; each event belongs to an issue seen at or after
it. Every object is computed on demand from ``(seed, position)`` and shaped like Sentry's REST
answers (the organization issues list and the project events list with ``full=true``).
``sentry.py`` serves these objects.

Past 400 lines on purpose: one provider's whole simulated history (every kind of item and
its generator) in one file, beside the API that serves it (``sentry.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backfill_tui.simulator.world import HUMANS, Draws, Timeline, hash64, hex_id, iso

__all__ = [
    "ORG_SLUG",
    "PROJECT_ID",
    "PROJECT_SLUG",
    "IssueCore",
    "SentryWorld",
    "short_id",
]

Json = dict[str, Any]
ORG_SLUG, ORG_ID, ORG_NAME = "acme", 1187342, "Acme Rocketry"
PROJECT_SLUG, PROJECT_ID = "rocket", 4506321887150080
WEB = f"https://{ORG_SLUG}.sentry.io"
PROJECT_REF = {
    "id": str(PROJECT_ID),
    "name": PROJECT_SLUG,
    "slug": PROJECT_SLUG,
    "platform": "python",
}
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
STATUSES = ("unresolved", "resolved", "ignored")


@dataclass(frozen=True)
class Failure:
    """What goes wrong: an exception (``type`` set) or a logged message (``type`` None)."""

    type: str | None
    value: str
    module: str
    function: str
    line: int
    has_file: bool = True  # whether Sentry's metadata names the file

    @property
    def filename(self) -> str | None:
        return self.module.replace(".", "/") + ".py" if self.has_file else None


_LONG_PATH = "/var/lib/rocket/" + "stage/" * 30 + "fuel.lock"
FAILURES: tuple[Failure, ...] = (
    Failure("ZeroDivisionError", "division by zero", "rocket.engine.thrust", "compute_ratio", 88),
    Failure("KeyError", "'fuel_level'", "rocket.telemetry.parse", "read_frame", 142),
    Failure("ConnectionResetError", "[Errno 104] Connection reset by peer",
            "httpcore._sync.connection", "handle_request", 101),
    Failure("TimeoutError", "launch pad handshake timed out after 30s", "rocket.pad.client",
            "handshake", 57),
    Failure("ValueError", "invalid literal for int() with base 10: 'T-minus'",
            "rocket.countdown", "parse_tick", 23),
    Failure("TypeError", "'NoneType' object is not subscriptable", "rocket.guidance.vector",
            "normalise", 64),
    Failure("UnicodeDecodeError",
            "'utf-8' codec can't decode byte 0xff in position 0: invalid start byte",
            "rocket.logs.ingest", "decode_line", 210),
    Failure("OperationalError", "database is locked", "rocket.store.sqlite", "execute", 31, False),
    Failure("AssertionError", "", "rocket.scheduler.queue", "pop_due", 77),
    Failure("RuntimeError",
            "Ümlauts & emoji 🙈 in [bold]payload[/bold] <script>alert('x')</script> 日本語",
            "rocket.web.render", "render_title", 12),
    Failure("PermissionError", f"[Errno 13] Permission denied: '{_LONG_PATH}'",
            "rocket.fuel.lock", "acquire", 45),
    Failure(None, "Fuel pump pressure below threshold", "rocket.fuel.pump", "check_pressure", 90),
    Failure(None, "Staging rollout paused by operator", "rocket.rollout", "pause", 18),
)  # fmt: skip

_APP_USERS: tuple[Json, ...] = (
    {"id": "u-1042", "email": "mira@example.com", "username": "mira",
     "ip_address": "203.0.113.7", "name": "Mira Jovanović"},
    {"id": None, "email": "ops@acme.dev", "username": None, "ip_address": None, "name": None},
    {"id": None, "email": None, "username": None, "ip_address": "198.51.100.23", "name": None},
    {"id": "8675309", "email": None, "username": "jenny", "ip_address": None, "name": "Jenny"},
    {"id": "u-7", "email": "lilei@acme.dev", "username": "李雷", "ip_address": "192.0.2.44",
     "name": "李雷"},
)  # fmt: skip
_TEAM = {"type": "team", "id": "1401", "name": "launch-crew"}
_REPOSITORY = {
    "id": "71",
    "name": "acme/rocket",
    "url": "https://github.com/acme/rocket",
    "provider": {"id": "integrations:github", "name": "GitHub"},
    "status": "active",
    "integrationId": "1021",
    "externalSlug": "acme/rocket",
    "externalId": "1296269",
}


def short_id(number: int) -> str:
    """``ROCKET-1A``: the project slug and Sentry's base-32 issue number."""
    digits = ""
    while True:
        number, rest = divmod(number, 32)
        digits = _CROCKFORD[rest] + digits
        if number == 0:
            return f"{PROJECT_SLUG.upper()}-{digits}"


@dataclass(frozen=True)
class IssueCore:
    """What filters and ground truth need of an issue (cheap to compute)."""

    position: int
    number: int
    id: str
    short_id: str
    last_seen: int
    first_seen: int
    status: str
    failure: Failure

    @property
    def action(self) -> str:
        return {"unresolved": "created"}.get(self.status, self.status)

    @property
    def title(self) -> str:
        f = self.failure
        if f.type is None:
            return f.value
        return f"{f.type}: {f.value}" if f.value else f.type

    @property
    def culprit(self) -> str:
        return f"{self.failure.module} in {self.failure.function}"


class SentryWorld:
    """The lazily generated contents of ``acme/rocket`` for one seed, anchor and scale."""

    def __init__(self, seed: int, anchor: float, scale: float, null_last_seen: int = 0) -> None:
        self.seed = seed
        #: Every Nth issue (by number) lists ``lastSeen: null`` (0: none), as Sentry lists an
        #: issue merged into another or still being processed; its place stays its last sighting.
        self.null_last_seen = null_last_seen
        self.issues = Timeline(seed, "sentry-issue", max(1, round(800 * scale)), anchor)
        # Events end at the newest issue's lastSeen, so every event has an issue seen after it.
        newest = self.issues.ts(0)
        self.events = Timeline(seed, "sentry-event", max(1, round(4000 * scale)), newest)

    def project_json(self) -> Json:
        return {
            **PROJECT_REF,
            "dateCreated": iso(self.issues.anchor - 400 * 86_400),
            "isBookmarked": False,
            "isMember": True,
            "features": ["alert-filters", "servicehooks", "similarity-indexing"],
            "firstEvent": iso(self.events.ts(self.events.n - 1)),
            "hasAccess": True,
            "status": "active",
            "organization": {"id": str(ORG_ID), "slug": ORG_SLUG, "name": ORG_NAME},
            "team": {"id": _TEAM["id"], "slug": _TEAM["name"], "name": _TEAM["name"]},
            "teams": [{"id": _TEAM["id"], "slug": _TEAM["name"], "name": _TEAM["name"]}],
        }

    # -- issues ----------------------------------------------------------------------------
    def issue_core(self, p: int) -> IssueCore:
        d = Draws(self.seed, "sentry-issue", p)
        last = self.issues.ts(p)
        roll = d.random()
        status = "unresolved" if roll < 0.45 else "resolved" if roll < 0.8 else "ignored"
        age = d.randint(600, 120 * 86_400) if d.random() < 0.7 else d.randint(60, 3 * 86_400)
        number = self.issues.n - p
        ident = str(6_100_000_000 + number * 100 + hash64(self.seed, "sentry-id", number) % 100)
        failure = FAILURES[d.randint(0, len(FAILURES) - 1)]
        return IssueCore(p, number, ident, short_id(number), last, last - age, status, failure)

    def issue_json(self, p: int) -> Json:
        core = self.issue_core(p)
        d = Draws(self.seed, "sentry-issue:detail", p)
        f = core.failure
        count = 1 + int(d.random() ** 3 * 4000)
        users = max(0, min(count, int(count * d.random() * 0.6)))
        assigned = None
        roll = d.random()
        if roll < 0.3:
            person = HUMANS[d.randint(0, len(HUMANS) - 1)]
            assigned = {
                "type": "user",
                "id": str(person.user_id % 100_000),
                "name": person.name,
                "email": person.email,
            }
        elif roll < 0.4:
            assigned = dict(_TEAM)
        metadata: Json
        if f.type is None:
            metadata = {"title": f.value}
        else:
            metadata = {
                "type": f.type,
                "value": f.value,
                "function": f.function,
                "display_title_with_tree_label": False,
                "in_app_frame_mix": "in-app-only",
            }
            if f.filename:
                metadata["filename"] = f.filename
        substatus = {
            "unresolved": ("ongoing", "new", "regressed", "escalating")[d.randint(0, 3)],
            "resolved": None,
            "ignored": ("archived_until_escalating", "archived_forever")[d.randint(0, 1)],
        }[core.status]
        level = ("error", "error", "error", "warning", "fatal", "info")[d.randint(0, 5)]
        return {
            "id": core.id,
            "shareId": None,
            "shortId": core.short_id,
            "title": core.title,
            "culprit": core.culprit,
            "permalink": f"{WEB}/issues/{core.id}/",
            "logger": None,
            "level": "info" if f.type is None else level,
            "status": core.status,
            "statusDetails": self._status_details(core, d),
            "substatus": substatus,
            "isPublic": False,
            "platform": "python",
            "project": dict(PROJECT_REF),
            "type": "default" if f.type is None else "error",
            "metadata": metadata,
            "numComments": int(d.random() ** 4 * 12),
            "assignedTo": assigned,
            "isBookmarked": False,
            "isSubscribed": assigned is not None,
            "subscriptionDetails": None,
            "hasSeen": d.random() < 0.7,
            "annotations": [],
            "issueType": "error",
            "issueCategory": "error",
            "priority": ("high", "medium", "low")[d.randint(0, 2)],
            "priorityLockedAt": None,
            "isUnhandled": d.random() < 0.3,
            "count": str(count),
            "userCount": users,
            "firstSeen": iso(core.first_seen),
            "lastSeen": None if self.last_seen_null(core.number) else iso(core.last_seen),
            "filtered": None,
        }

    def last_seen_null(self, number: int) -> bool:
        """Whether issue ``number`` lists ``lastSeen: null`` (the ``null_last_seen`` option)."""
        return bool(self.null_last_seen) and number % self.null_last_seen == 0

    def _status_details(self, core: IssueCore, d: Draws) -> Json:
        roll = d.random()
        if core.status == "ignored":
            return {"ignoreUntilEscalating": True} if roll < 0.6 else {}
        if core.status != "resolved":
            return {}
        if roll < 0.4:
            sha = hex_id(self.seed, "sentry-fix", core.number)
            return {
                "inCommit": {
                    "id": sha,
                    "message": f"Fix {core.failure.function}\n\nFixes {core.short_id}",
                    "dateCreated": iso(core.last_seen + 600),
                    "repository": dict(_REPOSITORY),
                    "author": {"name": "Ada Okafor", "email": "ada@acme.dev"},
                    "releases": [],
                }
            }
        if roll < 0.7:
            return {"inRelease": self.release(core.last_seen)}
        return {"inNextRelease": True} if roll < 0.9 else {}

    def release(self, ts: float) -> str:
        weeks = int((self.issues.anchor - ts) // (7 * 86_400))
        return f"rocket@1.{max(0, 40 - weeks)}.{int(ts // 86_400) % 4}"

    # -- events ----------------------------------------------------------------------------
    def event_issue(self, q: int) -> int:
        """The position of the issue event ``q`` belongs to (seen at or after the event)."""
        seen = self.issues.count_since(self.events.ts(q))
        d = Draws(self.seed, "sentry-event:issue", q)
        return seen - 1 - min(seen - 1, d.randint(0, 29))

    def event_id(self, q: int) -> str:
        return hex_id(self.seed, "sentry-event", q, 32)

    def event_json(self, q: int) -> Json:
        ts = self.events.ts(q)
        core = self.issue_core(self.event_issue(q))
        f = core.failure
        d = Draws(self.seed, "sentry-event:detail", q)
        event_id = self.event_id(q)
        user = (
            None
            if d.random() < 0.25
            else {**_APP_USERS[d.randint(0, len(_APP_USERS) - 1)], "geo": None, "data": None}
        )
        handled = d.random() < 0.6
        environment = "production" if d.random() < 0.8 else "staging"
        tags = [
            {"key": "environment", "value": environment},
            {"key": "handled", "value": "yes" if handled else "no"},
            {"key": "level", "value": "info" if f.type is None else "error"},
            {"key": "mechanism", "value": "logging" if f.type is None else "generic"},
            {"key": "release", "value": self.release(ts)},
            {"key": "runtime", "value": "CPython 3.12.4"},
            {"key": "server_name", "value": f"launch-{d.randint(1, 6)}"},
        ]
        if user is not None:
            tags.append(
                {
                    "key": "user",
                    "value": f"id:{user['id']}"
                    if user["id"]
                    else f"email:{user['email']}"
                    if user["email"]
                    else f"ip:{user['ip_address']}",
                }
            )
        if f.type is None:
            metadata: Json = {"title": f.value}
            entries: list[Json] = [
                {"type": "message", "data": {"formatted": f.value, "message": None, "params": None}}
            ]
        else:
            metadata = {"type": f.type, "value": f.value, "function": f.function}
            if f.filename:
                metadata["filename"] = f.filename
            entries = [{"type": "exception", "data": self._exception(f, d, handled)}]
        return {
            "id": event_id,
            "groupID": core.id,
            "eventID": event_id,
            "projectID": str(PROJECT_ID),
            "size": 4000 + d.randint(0, 9000),
            "entries": entries,
            "dist": None,
            "message": f.value if f.type is None else "",
            "title": core.title,
            "location": f.filename,
            "user": user,
            "contexts": {
                "runtime": {"name": "CPython", "version": "3.12.4", "type": "runtime"},
                "os": {"name": "Linux", "type": "os"},
            },
            "sdk": {"name": "sentry.python", "version": "2.18.0"},
            "context": {},
            "packages": {},
            "type": "default" if f.type is None else "error",
            "metadata": metadata,
            "tags": tags,
            "platform": "python",
            "dateReceived": iso(ts + 1),
            "errors": [],
            "occurrence": None,
            "crashFile": None,
            "culprit": core.culprit,
            "dateCreated": iso(ts),
            "fingerprints": [hex_id(self.seed, "sentry-fp", core.number, 32)],
            "groupingConfig": {"enhancements": "eJybzDRxY3J", "id": "newstyle:2023-01-11"},
            "release": None,
            "userReport": None,
            "sdkUpdates": [],
            "resolvedWith": [],
            "nextEventID": None,
            "previousEventID": None,
        }

    def _exception(self, f: Failure, d: Draws, handled: bool) -> Json:
        def frame(module: str, function: str, line: int, in_app: bool) -> Json:
            path = (
                f.filename
                if module == f.module and f.filename
                else (module.replace(".", "/") + ".py")
            )
            return {
                "filename": path,
                "absPath": f"/srv/rocket/.venv/lib/python3.12/site-packages/{path}",
                "module": module,
                "function": function,
                "lineNo": line,
                "colNo": None,
                "inApp": in_app,
                "context": [[line, f"    {function}()"]],
            }

        frames = [frame("rocket.cli", "main", 12, True)]
        if d.random() < 0.6:
            frames.append(frame("rocket.scheduler.runner", "run_step", 40 + d.randint(0, 9), True))
        frames.append(frame(f.module, f.function, f.line, True))
        values: list[Json] = [
            {
                "type": f.type,
                "value": f.value,
                "module": "builtins",
                "mechanism": {"type": "generic", "handled": handled},
                "threadId": None,
                "stacktrace": {
                    "frames": frames,
                    "framesOmitted": None,
                    "registers": None,
                    "hasSystemFrames": False,
                },
                "rawStacktrace": None,
            }
        ]
        if d.random() < 0.2:  # a chained cause, without a stack trace
            values.insert(
                0,
                {
                    "type": "OSError",
                    "value": "[Errno 5] Input/output error",
                    "module": "builtins",
                    "mechanism": {"type": "chained"},
                    "threadId": None,
                    "stacktrace": None,
                    "rawStacktrace": None,
                },
            )
        return {"values": values, "hasSystemFrames": False, "excOmitted": None}
