"""The simulated GitHub repository ``acme/rocket``: its issues, PRs, commits and releases.

Every object is computed on demand from ``(seed, position)`` and shaped like GitHub's list
responses (REST ``2022-11-28``). Issue-like items (issues and PRs share one number sequence)
live on one :class:`Timeline` ordered by ``updated_at``; each block of five positions holds
exactly two PRs, so the k-th PR is found without scanning. ``github.py`` serves these objects.
"""

from __future__ import annotations

import base64
import functools
import math
import re
from dataclasses import dataclass
from itertools import combinations
from typing import Any
from urllib.parse import quote

from backfill_tui.demo.world import (
    COMPONENTS,
    DAY,
    HUMANS,
    ISSUE_OPENERS,
    LABELS,
    LINKED_PHRASES,
    ODD_TITLES,
    PEOPLE,
    PR_VERBS,
    Draws,
    Person,
    Timeline,
    hash64,
    hex_id,
    iso,
    item_rng,
)

__all__ = ["FULL_NAME", "REPO_ID", "GitHubWorld", "IssueCore"]

OWNER, NAME = "acme", "rocket"
FULL_NAME = f"{OWNER}/{NAME}"
REPO_ID = 1296269
API = "https://api.github.com"
HTML = "https://github.com"
REPO_API = f"{API}/repos/{FULL_NAME}"
REPO_HTML = f"{HTML}/{FULL_NAME}"
_PR_SLOTS: tuple[tuple[int, ...], ...] = tuple(combinations(range(5), 2))
_WEB_FLOW = Person("web-flow", 19864447, "GitHub", "noreply@github.com")
Json = dict[str, Any]


def _node_id(prefix: str, seed: int, kind: str, index: int) -> str:
    raw = hash64(seed, kind + ":node", index).to_bytes(8, "big")
    return prefix + base64.urlsafe_b64encode(raw).decode().rstrip("=")


@functools.cache
def user_json(person: Person) -> Json:
    login = person.login or ""
    bot = person.kind == "Bot"
    return {
        "login": login,
        "id": person.user_id,
        "node_id": _node_id("MDQ6VXNlcj", 0, "user", person.user_id),
        "avatar_url": f"https://avatars.githubusercontent.com/{'in/29110' if bot else 'u/'}"
        f"{'' if bot else person.user_id}?v=4",
        "gravatar_id": "",
        "url": f"{API}/users/{quote(login)}",
        "html_url": f"{HTML}/apps/dependabot" if bot else f"{HTML}/{login}",
        "type": person.kind,
        "user_view_type": "public",
        "site_admin": False,
    }


@functools.cache
def _label_json(index: int) -> Json:
    label_id, name, color, description, default = LABELS[index]
    return {
        "id": label_id,
        "node_id": _node_id("LA_kwDOABPHjc8AAAAB", 0, "label", label_id),
        "url": f"{REPO_API}/labels/{quote(name)}",
        "name": name,
        "color": color,
        "default": default,
        "description": description,
    }


@dataclass(frozen=True)
class IssueCore:
    """What the window and state filters need of an issue-like item (cheap to compute)."""

    position: int
    number: int
    is_pr: bool
    updated: int
    created: int
    closed: int | None
    state: str  # "open", "closed" or "merged"
    comments: int
    draft: bool

    @property
    def action(self) -> str:
        return "opened" if self.state == "open" else self.state


class GitHubWorld:
    """The lazily generated contents of ``acme/rocket`` for one seed, anchor and scale."""

    def __init__(self, seed: int, anchor: float, scale: float) -> None:
        self.seed = seed
        self.anchor = anchor
        blocks = max(1, round(120 * scale))
        self.issues = Timeline(seed, "issue", blocks * 5, anchor)
        self.commits = Timeline(seed, "commit", max(1, round(900 * scale)), anchor)
        self.releases = Timeline(seed, "release", max(1, round(48 * scale)), anchor)
        self.n_prs = blocks * 2

    # -- issue-like positions -------------------------------------------------------------
    def _slots(self, block: int) -> tuple[int, ...]:
        return _PR_SLOTS[hash64(self.seed, "prslots", block) % len(_PR_SLOTS)]

    def is_pr(self, p: int) -> bool:
        return p % 5 in self._slots(p // 5)

    def pr_position(self, k: int) -> int:
        """Position of the k-th PR (0 = most recently updated)."""
        block, j = divmod(k, 2)
        return block * 5 + self._slots(block)[j]

    def prs_before(self, p: int) -> int:
        """How many PRs sit at positions ``0 .. p-1``."""
        block, rest = divmod(p, 5)
        return block * 2 + sum(1 for s in self._slots(block) if s < rest)

    def number(self, p: int) -> int:
        return self.issues.n - p

    def core(self, p: int) -> IssueCore:
        draws = Draws(self.seed, "issue", p)
        updated = self.issues.ts(p)
        is_pr = self.is_pr(p)
        roll = draws.random()
        if roll < 0.05:
            age = draws.randint(60 * DAY, 400 * DAY)  # created long ago, touched recently
        elif roll < 0.35:
            age = draws.randint(DAY, 21 * DAY)
        else:
            age = draws.randint(600, 2 * DAY)
        is_open = draws.random() < (0.18 if is_pr else 0.3)
        merged = is_pr and not is_open and draws.random() < 0.6
        closed = None
        if not is_open:
            closed = updated - (0 if draws.random() < 0.5 else draws.randint(0, min(age, 7200)))
        comments = min(int(-3 * math.log(1.0 - draws.random())), 80)
        draft = is_pr and is_open and draws.random() < 0.3
        state = "open" if is_open else "merged" if merged else "closed"
        return IssueCore(
            p, self.number(p), is_pr, updated, updated - age, closed, state, comments, draft
        )

    def _details(self, core: IssueCore) -> Json:
        """Title, body and people of an issue-like item (shared by its PR and issue shapes)."""
        rng = item_rng(self.seed, "issue:detail", core.position)
        comp = rng.choice(COMPONENTS)
        bot = core.is_pr and rng.random() < 0.1
        author = PEOPLE[10] if bot else rng.choice(HUMANS)
        if bot:
            pkg = rng.choice(("httpx", "pydantic", "textual", "ruff", "actions/checkout"))
            old, new = f"{rng.randint(0, 4)}.{rng.randint(0, 30)}", f"{rng.randint(5, 9)}.0"
            title = f"Bump {pkg} from {old}.0 to {new}.1"
        elif rng.random() < 0.07:
            title = rng.choice(ODD_TITLES).format(c=comp)
        elif core.is_pr:
            title = f"{rng.choice(PR_VERBS)} {comp} {rng.choice(('retries', 'config', 'checks'))}"
        else:
            title = rng.choice(ISSUE_OPENERS).format(c=comp)
            title = title[0].upper() + title[1:]
        body: str | None = None
        if bot:
            body = (
                f"Bumps {title[5:]}.\n\n<details><summary>Release notes</summary>\n\n"
                f"- Fixes a [regression] in {comp}\n</details>"
            )
        elif rng.random() < 0.8:
            lines = [f"This touches the {comp}.", ""]
            if rng.random() < 0.4:
                lines += ["```", f"$ rocket {comp.split()[0]} --dry-run", "```"]
            if rng.random() < 0.3:
                lines += ["- [x] tests", "- [ ] docs"]
            if core.is_pr and core.number > 1 and rng.random() < 0.5:
                phrase = rng.choice(LINKED_PHRASES)
                lines.append(
                    phrase.format(n=rng.randint(1, core.number - 1), k=rng.randint(1, 300))
                )
            body = "\r\n".join(lines) if rng.random() < 0.2 else "\n".join(lines)
        labels = sorted(rng.sample(range(len(LABELS)), rng.choice((0, 0, 1, 1, 2, 3))))
        if bot:
            labels = [7]
        others = [h for h in HUMANS if h.login != author.login]
        assignees = rng.sample(others, rng.choice((0, 0, 1, 1, 2)))
        reviewers = rng.sample(others, rng.choice((0, 1, 2) if core.state == "open" else (0, 0, 1)))
        slug = re.sub(r"[^a-z0-9]+", "-", " ".join(title.lower().split()[:3])).strip("-")
        ref = f"dependabot/pip/{slug}" if bot else f"{author.login}/{slug or 'patch'}-{core.number}"
        association = "CONTRIBUTOR" if bot else rng.choice(("MEMBER", "MEMBER", "CONTRIBUTOR"))
        return {
            "title": title,
            "body": body,
            "author": author,
            "labels": labels,
            "assignees": assignees,
            "reviewers": reviewers,
            "ref": ref,
            "association": association,
        }

    def pull_json(self, p: int) -> Json:
        """The item at position ``p`` (a PR) as ``GET /repos/{o}/{r}/pulls`` lists it."""
        core = self.core(p)
        d = self._details(core)
        n = core.number
        url = f"{REPO_API}/pulls/{n}"
        author: Person = d["author"]
        user = user_json(author)
        assignees = [user_json(a) for a in d["assignees"]]
        merged_at = iso(core.closed) if core.state == "merged" and core.closed else None
        head_sha, base_sha = hex_id(self.seed, "head", p), hex_id(self.seed, "base", p)
        repo = {"id": REPO_ID, "name": NAME, "full_name": FULL_NAME, "private": False}
        return {
            "url": url,
            "id": 1_100_000_000 + n * 100 + hash64(self.seed, "prid", n) % 100,
            "node_id": _node_id("PR_kwDOABPHjc", self.seed, "pr", n),
            "html_url": f"{REPO_HTML}/pull/{n}",
            "diff_url": f"{REPO_HTML}/pull/{n}.diff",
            "patch_url": f"{REPO_HTML}/pull/{n}.patch",
            "issue_url": f"{REPO_API}/issues/{n}",
            "number": n,
            "state": "open" if core.state == "open" else "closed",
            "locked": False,
            "title": d["title"],
            "user": user,
            "body": d["body"],
            "created_at": iso(core.created),
            "updated_at": iso(core.updated),
            "closed_at": iso(core.closed) if core.closed is not None else None,
            "merged_at": merged_at,
            "merge_commit_sha": hex_id(self.seed, "merge", p),
            "assignee": assignees[0] if assignees else None,
            "assignees": assignees,
            "requested_reviewers": [user_json(r) for r in d["reviewers"]],
            "requested_teams": [],
            "labels": [_label_json(i) for i in d["labels"]],
            "milestone": None,
            "draft": core.draft,
            "commits_url": f"{url}/commits",
            "review_comments_url": f"{url}/comments",
            "comments_url": f"{REPO_API}/issues/{n}/comments",
            "statuses_url": f"{REPO_API}/statuses/{head_sha}",
            "head": {
                "label": f"{OWNER}:{d['ref']}",
                "ref": d["ref"],
                "sha": head_sha,
                "user": user,
                "repo": repo,
            },
            "base": {
                "label": f"{OWNER}:main",
                "ref": "main",
                "sha": base_sha,
                "user": {"login": OWNER, "id": 9919, "type": "Organization"},
                "repo": repo,
            },
            "author_association": d["association"],
            "auto_merge": None,
            "active_lock_reason": None,
        }

    def issue_json(self, p: int) -> Json:
        """The item at position ``p`` as ``GET /repos/{o}/{r}/issues`` lists it (PRs too)."""
        core = self.core(p)
        d = self._details(core)
        n = core.number
        url = f"{REPO_API}/issues/{n}"
        assignees = [user_json(a) for a in d["assignees"]]
        item: Json = {
            "url": url,
            "repository_url": REPO_API,
            "labels_url": f"{url}/labels{{/name}}",
            "comments_url": f"{url}/comments",
            "events_url": f"{url}/events",
            "html_url": f"{REPO_HTML}/{'pull' if core.is_pr else 'issues'}/{n}",
            "id": 1_800_000_000 + n * 100 + hash64(self.seed, "issueid", n) % 100,
            "node_id": _node_id(
                "PR_kwDOABPHjc" if core.is_pr else "I_kwDOABPHjc", self.seed, "issue", n
            ),
            "number": n,
            "title": d["title"],
            "user": user_json(d["author"]),
            "labels": [_label_json(i) for i in d["labels"]],
            "state": "open" if core.state == "open" else "closed",
            "locked": False,
            "assignee": assignees[0] if assignees else None,
            "assignees": assignees,
            "milestone": None,
            "comments": core.comments,
            "created_at": iso(core.created),
            "updated_at": iso(core.updated),
            "closed_at": iso(core.closed) if core.closed is not None else None,
            "author_association": d["association"],
            "type": None,
            "active_lock_reason": None,
        }
        if core.is_pr:
            item["draft"] = core.draft
            item["pull_request"] = {
                "url": f"{REPO_API}/pulls/{n}",
                "html_url": f"{REPO_HTML}/pull/{n}",
                "diff_url": f"{REPO_HTML}/pull/{n}.diff",
                "patch_url": f"{REPO_HTML}/pull/{n}.patch",
                "merged_at": iso(core.closed) if core.state == "merged" and core.closed else None,
            }
        item["body"] = d["body"]
        item["reactions"] = {
            "url": f"{url}/reactions",
            "total_count": 0,
            "+1": 0,
            "-1": 0,
            "laugh": 0,
            "hooray": 0,
            "confused": 0,
            "heart": 0,
            "rocket": 0,
            "eyes": 0,
        }
        item["timeline_url"] = f"{url}/timeline"
        item["performed_via_github_app"] = None
        reason = None
        if not core.is_pr and core.state == "closed":
            reason = "completed" if core.number % 7 else "not_planned"
        item["state_reason"] = reason
        return item

    # -- commits -------------------------------------------------------------------------
    def commit_sha(self, p: int) -> str:
        return hex_id(self.seed, "commit", p)

    def commit_json(self, p: int) -> Json:
        rng = item_rng(self.seed, "commit:detail", p)
        sha = self.commit_sha(p)
        committed = self.commits.ts(p)
        author = rng.choice(PEOPLE[:10] + PEOPLE[11:])
        comp = rng.choice(COMPONENTS)
        pr = rng.randint(1, self.issues.n)
        merge = rng.random() < 0.15
        if merge:
            message = (
                f"Merge pull request #{pr} from {author.login or 'acme'}/{comp.split()[0]}"
                f"\n\n{rng.choice(PR_VERBS)} {comp}"
            )
        elif rng.random() < 0.05:
            message = rng.choice(ODD_TITLES).format(c=comp)
        else:
            message = f"{rng.choice(PR_VERBS)} {comp} handling (#{pr})"
            if rng.random() < 0.35:
                message += f"\n\n* tidy the {comp}\n* add tests"
            if rng.random() < 0.15:
                helper = rng.choice(HUMANS)
                message += f"\n\nCo-authored-by: {helper.name} <{helper.email}>"
        authored = committed if rng.random() < 0.8 else committed - rng.randint(600, 10 * DAY)
        web = merge or rng.random() < 0.4
        committer = _WEB_FLOW if web else author
        parents = [] if p + 1 >= self.commits.n else [self.commit_sha(p + 1)]
        if merge and parents:
            parents.append(hex_id(self.seed, "side", p))
        tree = hex_id(self.seed, "tree", p)
        return {
            "sha": sha,
            "node_id": _node_id("C_kwDOABPHjdoAK", self.seed, "commit", p),
            "commit": {
                "author": {"name": author.name, "email": author.email, "date": iso(authored)},
                "committer": {
                    "name": committer.name,
                    "email": committer.email,
                    "date": iso(committed),
                },
                "message": message,
                "tree": {"sha": tree, "url": f"{REPO_API}/git/trees/{tree}"},
                "url": f"{REPO_API}/git/commits/{sha}",
                "comment_count": rng.choice((0, 0, 0, 1)),
                "verification": {
                    "verified": web,
                    "reason": "valid" if web else "unsigned",
                    "signature": None,
                    "payload": None,
                    "verified_at": None,
                },
            },
            "url": f"{REPO_API}/commits/{sha}",
            "html_url": f"{REPO_HTML}/commit/{sha}",
            "comments_url": f"{REPO_API}/commits/{sha}/comments",
            "author": user_json(author) if author.login else None,
            "committer": user_json(committer) if committer.login else None,
            "parents": [
                {"sha": s, "url": f"{REPO_API}/commits/{s}", "html_url": f"{REPO_HTML}/commit/{s}"}
                for s in parents
            ],
        }

    # -- releases ------------------------------------------------------------------------
    def release_flags(self, p: int) -> tuple[bool, bool]:
        """``(draft, prerelease)`` of the release at position ``p``."""
        draws = Draws(self.seed, "release", p)
        draft = draws.random() < (0.5 if p < 2 else 0.06)
        return draft, draws.random() < 0.12

    def tag(self, p: int) -> str:
        i = self.releases.n - 1 - p
        _, pre = self.release_flags(p)
        return f"v{1 + i // 200}.{(i // 10) % 20}.{i % 10}" + ("-rc.1" if pre else "")

    def release_json(self, p: int) -> Json:
        rng = item_rng(self.seed, "release:detail", p)
        draft, pre = self.release_flags(p)
        tag = self.tag(p)
        ts = self.releases.ts(p)
        rid = 90_000_000 + (self.releases.n - p) * 1000 + hash64(self.seed, "relid", p) % 1000
        author = rng.choice(HUMANS)
        previous = self.tag(p + 1) if p + 1 < self.releases.n else "v0.9.0"
        changes = [
            f"* {rng.choice(PR_VERBS)} {rng.choice(COMPONENTS)}"
            f" by @{rng.choice(HUMANS).login}"
            f" in {REPO_HTML}/pull/{rng.randint(1, self.issues.n)}"
            for _ in range(rng.randint(1, 5))
        ]
        body = (
            "## What's Changed\n"
            + "\n".join(changes)
            + f"\n\n**Full Changelog**: {REPO_HTML}/compare/{previous}...{tag}"
        )
        name = (
            None
            if rng.random() < 0.2
            else rng.choice((tag, f"Rocket {tag}", f"{tag} — «Ignition» 🚀"))
        )
        html = f"{REPO_HTML}/releases/tag/" + (
            f"untagged-{hex_id(self.seed, 'u', p, 20)}" if draft else tag
        )
        return {
            "url": f"{REPO_API}/releases/{rid}",
            "assets_url": f"{REPO_API}/releases/{rid}/assets",
            "upload_url": f"https://uploads.github.com/repos/{FULL_NAME}/releases/{rid}/assets"
            "{?name,label}",
            "html_url": html,
            "id": rid,
            "author": user_json(author),
            "node_id": _node_id("RE_kwDOABPHjc4", self.seed, "release", p),
            "tag_name": tag,
            "target_commitish": "main",
            "name": name,
            "draft": draft,
            "immutable": False,
            "prerelease": pre,
            "created_at": iso(ts - rng.randint(60, 3 * DAY)),
            "updated_at": iso(ts),
            "published_at": None if draft else iso(ts),
            "assets": [],
            "tarball_url": f"{REPO_API}/tarball/{tag}",
            "zipball_url": f"{REPO_API}/zipball/{tag}",
            "body": body if rng.random() < 0.9 else "",
        }

    def repo_json(self) -> Json:
        return {
            "id": REPO_ID,
            "node_id": "MDEwOlJlcG9zaXRvcnkxMjk2MjY5",
            "name": NAME,
            "full_name": FULL_NAME,
            "private": False,
            "owner": {
                "login": OWNER,
                "id": 9919,
                "node_id": "MDEyOk9yZ2FuaXphdGlvbjk5MTk=",
                "avatar_url": "https://avatars.githubusercontent.com/u/9919?v=4",
                "url": f"{API}/users/{OWNER}",
                "html_url": f"{HTML}/{OWNER}",
                "type": "Organization",
                "site_admin": False,
            },
            "html_url": REPO_HTML,
            "description": "Reusable launch vehicles, one commit at a time.",
            "fork": False,
            "url": REPO_API,
            "created_at": "2019-03-11T09:12:44Z",
            "updated_at": iso(self.anchor),
            "pushed_at": iso(self.commits.ts(0)),
            "homepage": "https://rocket.acme.dev",
            "language": "Python",
            "visibility": "public",
            "default_branch": "main",
            "archived": False,
            "disabled": False,
            "open_issues_count": 42,
            "topics": ["rockets", "telemetry"],
        }
