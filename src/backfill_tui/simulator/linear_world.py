"""The simulated Linear workspace ``acme``: teams ENG and OPS, their issues, comments and projects.

Every object is computed on demand from ``(seed, kind, position)`` and shaped like a node of
Linear's GraphQL schema (field names and nullability as in ``schema.graphql``). Issues, comments
and projects each live on one :class:`Timeline` ordered by ``updatedAt`` (position 0 is the
most recently updated), shared by both teams; a position's team comes from its hash. Nested
connections are :class:`Connection` values and JSON scalars are :class:`JsonScalar`, so the
resolver in ``linear.py`` can tell them from plain objects.

Past 400 lines on purpose: one provider's whole simulated history (every kind of item and
its generator) in one file, beside the API that serves it (``linear.py``).
"""

from __future__ import annotations

import functools
import math
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any

from backfill_tui.simulator.world import (
    COMPONENTS,
    DAY,
    HUMANS,
    ISSUE_OPENERS,
    ODD_TITLES,
    Draws,
    Person,
    Timeline,
    hash64,
    hex_id,
    item_rng,
)

__all__ = ["TEAMS", "Connection", "JsonScalar", "LinearWorld", "SimTeam", "iso_ms"]

Json = dict[str, Any]
ORG_URL = "https://linear.app/acme"


class Connection(list[Any]):
    """A nested Relay connection's items (the resolver pages them)."""


class JsonScalar(dict[str, Any]):
    """A ``JSONObject`` scalar: selected whole, never with subfields."""


@dataclass(frozen=True)
class SimTeam:
    key: str
    name: str
    share: float  # fraction of issues


TEAMS: tuple[SimTeam, ...] = (SimTeam("ENG", "Engineering", 0.8), SimTeam("OPS", "Operations", 0.2))
_STATES = (  # (name, type, weight)
    ("Triage", "triage", 0.04),
    ("Backlog", "backlog", 0.14),
    ("Todo", "unstarted", 0.14),
    ("In Progress", "started", 0.14),
    ("In Review", "started", 0.06),
    ("Done", "completed", 0.38),
    ("Canceled", "canceled", 0.07),
    ("Duplicate", "canceled", 0.03),
)
_PRIORITY = ("No priority", "Urgent", "High", "Medium", "Low")
_LABELS = (
    "Bug",
    "Feature",
    "Improvement",
    "Tech debt",
    "Security",
    "Performance",
    "🔥 Hot",
    "área/i18n",
)
_PROJECT_NAMES = (
    "Launch pad v2",
    "Telemetry revamp",
    "Guidance rewrite",
    "Ünïcode everywhere 🌍",
    "CLI polish",
    "Staging rollout",
    "Fuel pump reliability",
    "Docs overhaul",
    "Thrust vectoring GA",
    "日本語 localisation",
    "Cache eviction",
    "Auth hardening",
)
_PROJECT_STATUS = (
    ("Backlog", "backlog"),
    ("Planned", "planned"),
    ("In Progress", "started"),
    ("Paused", "paused"),
    ("Completed", "completed"),
    ("Canceled", "canceled"),
)
_COMMENTS = (
    "I can reproduce this on {c}.",
    "Fixed in the latest build — please verify.",
    "LGTM 👍",
    "Could this be related to the {c} timeout we saw last week?",
    "Moving to next cycle; blocked on the {c} migration.",
    "Ça marche chez moi. Closing?",
    "@ada can you take a look at the [bold]{c}[/bold] logs?",
    "Added a failing test: `test_{c}_retry`",
)
_CYCLE_EPOCH = 1_700_006_400  # a Monday: cycles are two weeks from here


def iso_ms(ts: float) -> str:
    """Linear's timestamp form: ``2026-11-02T14:03:11.123Z``."""
    whole = math.floor(ts)
    millis = min(999, round((ts - whole) * 1000))
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{millis:03d}Z"


def _date(ts: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(ts))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "item"


class LinearWorld:
    """The lazily generated Linear workspace for one seed, anchor and scale."""

    def __init__(self, seed: int, anchor: float, scale: float) -> None:
        self.seed = seed
        self.anchor = anchor
        self.issues = Timeline(seed, "linear:issue", max(1, round(900 * scale)), anchor)
        self.comments = Timeline(seed, "linear:comment", max(1, round(1400 * scale)), anchor)
        self.projects = Timeline(seed, "linear:project", max(4, round(42 * scale)), anchor)
        # Built objects are cached (comments keep asking for their issue); never mutate them.
        self.issue = functools.lru_cache(maxsize=4096)(self._issue)
        self._uuid = functools.lru_cache(maxsize=16384)(self._make_uuid)
        self.user = functools.lru_cache(maxsize=64)(self._user)
        self.team = functools.lru_cache(maxsize=8)(self._team)
        self.org_id = self._uuid("org", 0)
        #: Each team's key now (``TEAMS`` order): :meth:`rename` changes one mid-run.
        self.keys = [t.key for t in TEAMS]

    def rename(self, index: int, key: str) -> None:
        """Give team ``index`` the key ``key`` from now on, as Linear does when a team's key is
        changed in its settings: the team, its issues' identifiers (``CORE-12``) and every
        filter on the key see the new one; its id stays. Built objects are dropped from the
        caches, so that none still carries the old key."""
        self.keys[index] = key
        self.team.cache_clear()
        self.issue.cache_clear()

    def _make_uuid(self, kind: str, index: int) -> str:
        high = hash64(self.seed, f"linear:{kind}:hi", index)
        low = hash64(self.seed, f"linear:{kind}:lo", index)
        return str(uuid.UUID(int=(high << 64) | low, version=4))

    def _ms(self, kind: str, p: int) -> float:
        return (hash64(self.seed, f"linear:{kind}:ms", p) % 1000) / 1000

    # -- teams and people ------------------------------------------------------------------
    def _team(self, index: int) -> Json:
        t = TEAMS[index]
        return {
            "__typename": "Team",
            "id": self._uuid("team", index),
            "key": self.keys[index],
            "name": t.name,
            "description": None,
            "organization": {"__typename": "Organization", "id": self.org_id, "name": "Acme"},
        }

    def team_index(self, kind: str, p: int) -> int:
        return (
            0 if hash64(self.seed, f"linear:{kind}:team", p) % 1000 < TEAMS[0].share * 1000 else 1
        )

    def _user(self, person: Person) -> Json:
        handle = person.email.split("@")[0]
        return {
            "__typename": "User",
            "id": self._uuid("user", person.user_id),
            "name": person.name,
            "displayName": handle,
            "email": person.email,
            "avatarUrl": f"https://public.linear.app/avatars/{hex_id(self.seed, 'avatar', person.user_id, 32)}.png",
            "active": True,
        }

    # -- issues ----------------------------------------------------------------------------
    def issue_team(self, p: int) -> int:
        return self.team_index("issue", p)

    def identifier(self, p: int) -> str:
        return f"{self.keys[self.issue_team(p)]}-{self.issues.n - p}"

    def _issue(self, p: int) -> Json:
        """The issue at position ``p`` (cached as :meth:`issue`)."""
        d = Draws(self.seed, "linear:issue", p)
        rng = item_rng(self.seed, "linear:issue:text", p)
        updated = self.issues.ts(p) + self._ms("issue", p)
        roll = d.random()
        age = d.randint(60 * DAY, 300 * DAY) if roll < 0.05 else d.randint(600, 20 * DAY)
        created = updated - age
        pick, acc = d.random(), 0.0
        state = _STATES[-1]
        for candidate in _STATES:
            acc += candidate[2]
            if pick < acc:
                state = candidate
                break
        team_index = self.issue_team(p)
        team = self.team(team_index)
        number = self.issues.n - p
        identifier = f"{team['key']}-{number}"
        comp = rng.choice(COMPONENTS)
        if rng.random() < 0.08:
            title = rng.choice(ODD_TITLES).format(c=comp)
        else:
            title = rng.choice(ISSUE_OPENERS).format(c=comp)
            title = title[0].upper() + title[1:]
        description: str | None = None
        if rng.random() < 0.75:
            description = f"Seen in the **{comp}**.\n\n- [ ] reproduce\n- [ ] fix"
            if rng.random() < 0.02:
                description += "\n" + "Très long log ligne 🚀 " * 600
        creator = None if rng.random() < 0.04 else self.user(rng.choice(HUMANS))
        assignee = None if rng.random() < 0.3 else self.user(rng.choice(HUMANS))
        priority = rng.randint(0, 4)
        started = (
            created + (updated - created) / 3 if state[1] in ("started", "completed") else None
        )
        archived = (
            updated if state[1] in ("completed", "canceled") and rng.random() < 0.12 else None
        )
        labels = [
            {"__typename": "IssueLabel", "id": self._uuid("label", i), "name": _LABELS[i]}
            for i in sorted(rng.sample(range(len(_LABELS)), rng.choice((0, 0, 1, 1, 2, 3))))
        ]
        attachments = Connection()
        if rng.random() < 0.25:
            pr = rng.randint(1, 480)
            attachments.append(
                self._attachment(
                    p,
                    0,
                    "githubPr",
                    f"https://github.com/acme/rocket/pull/{pr}",
                    JsonScalar(number=pr, state="merged"),
                )
            )
        if rng.random() < 0.1:
            short = f"ROCKET-{rng.randint(1, 300):X}"
            attachments.append(
                self._attachment(
                    p,
                    1,
                    "sentryIssue",
                    f"https://acme.sentry.io/issues/{rng.randint(10**9, 10**10)}/",
                    JsonScalar(shortId=short, title="TypeError"),
                )
            )
        project = None
        if rng.random() < 0.5:
            q = rng.randrange(self.projects.n)
            project = {
                "__typename": "Project",
                "id": self._uuid("project", q),
                "name": self.project_name(q),
                "url": self.project_url(q),
            }
        cycle = None
        if rng.random() < 0.6:
            n = int((created - _CYCLE_EPOCH) // (14 * DAY)) + 1
            cycle = {
                "__typename": "Cycle",
                "id": self._uuid(f"cycle:{team_index}", n),
                "number": n,
                "name": f"Sprint {n}" if n % 5 == 0 else None,
            }
        owner = assignee or creator
        handle = owner["displayName"] if owner else "eng"
        return {
            "__typename": "Issue",
            "id": self._uuid("issue", p),
            "identifier": identifier,
            "number": number,
            "title": title,
            "description": description,
            "url": f"{ORG_URL}/issue/{identifier}/{_slug(title)}",
            "branchName": f"{handle}/{identifier.lower()}-{_slug(title)}",
            "priority": priority,
            "priorityLabel": _PRIORITY[priority],
            "estimate": rng.choice((None, None, 0, 1, 2, 3, 5, 8)),
            "dueDate": _date(updated + rng.randint(1, 30) * DAY) if rng.random() < 0.2 else None,
            "createdAt": iso_ms(created),
            "updatedAt": iso_ms(updated),
            "startedAt": iso_ms(started) if started else None,
            "completedAt": iso_ms(updated) if state[1] == "completed" else None,
            "canceledAt": iso_ms(updated) if state[1] == "canceled" else None,
            "archivedAt": iso_ms(archived) if archived else None,
            "team": team,
            "state": {
                "__typename": "WorkflowState",
                "id": self._uuid(f"state:{team_index}", _STATES.index(state)),
                "name": state[0],
                "type": state[1],
                "color": "#bec2c8",
            },
            "creator": creator,
            "assignee": assignee,
            "project": project,
            "cycle": cycle,
            "labels": Connection(labels),
            "attachments": attachments,
        }

    def _attachment(self, p: int, i: int, source: str, url: str, meta: JsonScalar) -> Json:
        return {
            "__typename": "Attachment",
            "id": self._uuid("attachment", p * 4 + i),
            "title": url,
            "sourceType": source,
            "url": url,
            "metadata": meta,
        }

    # -- comments --------------------------------------------------------------------------
    def comment_issue(self, c: int) -> int | None:
        """The position of a comment's issue (None: a comment on a project update)."""
        if hash64(self.seed, "linear:comment:orphan", c) % 100 < 5:
            return None
        at = self.issues.count_since(self.comments.ts(c))
        return min(self.issues.n - 1, at + hash64(self.seed, "linear:comment:issue", c) % 12)

    def comment_id(self, c: int) -> str:
        return self._uuid("comment", c)

    def comment(self, c: int) -> Json:
        rng = item_rng(self.seed, "linear:comment", c)
        updated = self.comments.ts(c) + self._ms("comment", c)
        edited = rng.random() < 0.15
        created = updated - rng.randint(60, 3 * 3600) if edited else updated
        q = self.comment_issue(c)
        body = rng.choice(_COMMENTS).format(c=rng.choice(COMPONENTS).replace(" ", "_"))
        if rng.random() < 0.01:
            body = "Stack trace:\n" + "  at frame() ✓\n" * 900
        cid = self.comment_id(c)
        issue = self.issue(q) if q is not None else None
        return {
            "__typename": "Comment",
            "id": cid,
            "body": body,
            "url": f"{issue['url'] if issue else ORG_URL + '/project/update'}#comment-{cid[:8]}",
            "createdAt": iso_ms(created),
            "updatedAt": iso_ms(updated),
            "editedAt": iso_ms(updated) if edited else None,
            "archivedAt": iso_ms(updated) if rng.random() < 0.02 else None,
            "user": None if rng.random() < 0.05 else self.user(rng.choice(HUMANS)),
            "parent": {
                "__typename": "Comment",
                "id": self._uuid("comment", c + 1 + rng.randint(0, 5)),
            }
            if rng.random() < 0.2
            else None,
            "issue": issue,
        }

    # -- projects --------------------------------------------------------------------------
    def project_name(self, q: int) -> str:
        base = _PROJECT_NAMES[q % len(_PROJECT_NAMES)]
        return base if q < len(_PROJECT_NAMES) else f"{base} #{q // len(_PROJECT_NAMES) + 1}"

    def project_slug(self, q: int) -> str:
        return hex_id(self.seed, "linear:project:slug", q, 12)

    def project_url(self, q: int) -> str:
        return f"{ORG_URL}/project/{_slug(self.project_name(q))}-{self.project_slug(q)}"

    def project_teams(self, q: int) -> list[int]:
        roll = hash64(self.seed, "linear:project:teams", q) % 100
        return [0] if roll < 60 else [0, 1] if roll < 80 else [1]

    def project(self, q: int) -> Json:
        rng = item_rng(self.seed, "linear:project", q)
        updated = self.projects.ts(q) + self._ms("project", q)
        created = updated - rng.randint(DAY, 120 * DAY)
        status = rng.choice(_PROJECT_STATUS)
        teams = [self.team(i) for i in self.project_teams(q)]
        lead = None if rng.random() < 0.2 else self.user(rng.choice(HUMANS))
        members = [self.user(h) for h in rng.sample(HUMANS, rng.randint(0, 5))]
        progress = 1.0 if status[1] == "completed" else round(rng.random(), 3)
        start = created + rng.randint(0, 10) * DAY
        return {
            "__typename": "Project",
            "id": self._uuid("project", q),
            "name": self.project_name(q),
            "slugId": self.project_slug(q),
            "description": rng.choice(
                ("", "Ship it.", f"Make the {rng.choice(COMPONENTS)} boring again.")
            ),
            "url": self.project_url(q),
            "progress": progress,
            "scope": rng.randint(0, 80),
            "state": status[1],
            "status": {
                "__typename": "ProjectStatus",
                "id": self._uuid("status", _PROJECT_STATUS.index(status)),
                "name": status[0],
                "type": status[1],
            },
            "targetDate": _date(start + 60 * DAY) if rng.random() < 0.6 else None,
            "startDate": _date(start) if rng.random() < 0.7 else None,
            "createdAt": iso_ms(created),
            "updatedAt": iso_ms(updated),
            "startedAt": iso_ms(start) if status[1] in ("started", "paused", "completed") else None,
            "completedAt": iso_ms(updated) if status[1] == "completed" else None,
            "canceledAt": iso_ms(updated) if status[1] == "canceled" else None,
            "archivedAt": iso_ms(updated)
            if status[1] == "canceled" and rng.random() < 0.5
            else None,
            "lead": lead,
            "teams": Connection(teams),
            "accessibleTeams": Connection(teams),
            "members": Connection(members),
        }
