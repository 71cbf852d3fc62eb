"""The simulated GitHub repository ``acme/rocket``: its issues and PRs (commits and releases
come from ``github_history.py``).

Every object is computed on demand from ``(seed, position)`` and shaped like GitHub's list
responses (REST ``2022-11-28``). Issue-like items (issues and PRs share one number sequence)
live on one :class:`Timeline` ordered by ``updated_at``; each block of five positions holds
exactly two PRs, so the k-th PR is found without scanning. ``github.py`` serves these objects.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from itertools import combinations

from backfill_tui.simulator.github_history import (
    FULL_NAME,
    NAME,
    OWNER,
    REPO_API,
    REPO_HTML,
    REPO_ID,
    Json,
    RepoHistory,
    label_json,
    node_id,
    user_json,
)
from backfill_tui.simulator.world import (
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

__all__ = ["FULL_NAME", "REPO_ID", "GitHubWorld", "IssueCore", "user_json"]

#: login -> the other humans, in HUMANS' order (an item's assignees and reviewers).
_OTHERS: dict[str | None, tuple[Person, ...]] = {
    login: tuple(h for h in HUMANS if h.login != login) for login in {p.login for p in PEOPLE}
}


@functools.lru_cache(maxsize=4096)
def _slug(title: str) -> str:
    """A branch name's words from a title's first three (titles repeat: a few hundred kinds)."""
    return re.sub(r"[^a-z0-9]+", "-", " ".join(title.lower().split()[:3])).strip("-")


_PR_SLOTS: tuple[tuple[int, ...], ...] = tuple(combinations(range(5), 2))
#: Blocks whose PR slots :meth:`GitHubWorld._slots` keeps (a few hundred bytes each at most).
_SLOTS_KEPT = 4096


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


class GitHubWorld(RepoHistory):
    """The lazily generated contents of ``acme/rocket`` for one seed, anchor and scale."""

    def __init__(self, seed: int, anchor: float, scale: float) -> None:
        blocks = max(1, round(120 * scale))
        super().__init__(seed, anchor, scale, blocks * 5)
        self.issues = Timeline(seed, "issue", blocks * 5, anchor)
        self.n_prs = blocks * 2
        self._slot_cache: dict[int, tuple[int, ...]] = {}

    # -- issue-like positions -------------------------------------------------------------
    def _slots(self, block: int) -> tuple[int, ...]:
        """The two positions of ``block`` that hold its PRs (kept for the last blocks asked:
        both lists and every item's ``core`` ask the same blocks in turn)."""
        slots = self._slot_cache.get(block)
        if slots is None:
            slots = _PR_SLOTS[hash64(self.seed, "prslots", block) % len(_PR_SLOTS)]
            if len(self._slot_cache) >= _SLOTS_KEPT:
                self._slot_cache.clear()
            self._slot_cache[block] = slots
        return slots

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

    def ghost(self, p: int) -> bool:
        """Whether the item's author deleted their account: ``user`` is null (§6)."""
        return hash64(self.seed, "ghost", p) % 17 == 0

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
        others = _OTHERS[author.login]
        assignees = rng.sample(others, rng.choice((0, 0, 1, 1, 2)))
        reviewers = rng.sample(others, rng.choice((0, 1, 2) if core.state == "open" else (0, 0, 1)))
        slug = _slug(title)
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
        user = None if self.ghost(p) else user_json(author)
        assignees = [user_json(a) for a in d["assignees"]]
        merged_at = iso(core.closed) if core.state == "merged" and core.closed else None
        head_sha, base_sha = hex_id(self.seed, "head", p), hex_id(self.seed, "base", p)
        repo = {"id": REPO_ID, "name": NAME, "full_name": FULL_NAME, "private": False}
        # A PR from a fork deleted since: GitHub answers head.repo null (provider-apis.md §6).
        head_repo = None if hash64(self.seed, "deleted-fork", p) % 13 == 0 else repo
        return {
            "url": url,
            "id": 1_100_000_000 + n * 100 + hash64(self.seed, "prid", n) % 100,
            "node_id": node_id("PR_kwDOABPHjc", self.seed, "pr", n),
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
            "labels": [label_json(i) for i in d["labels"]],
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
                "repo": head_repo,
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
            "node_id": node_id(
                "PR_kwDOABPHjc" if core.is_pr else "I_kwDOABPHjc", self.seed, "issue", n
            ),
            "number": n,
            "title": d["title"],
            "user": None if self.ghost(p) else user_json(d["author"]),
            "labels": [label_json(i) for i in d["labels"]],
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
