"""Commits on ``main`` and releases of the simulated ``acme/rocket``, plus the shapes shared
with its issues and PRs (users, labels, node ids, the repository object).

:class:`RepoHistory` is the base of :class:`~backfill_tui.simulator.github_world.GitHubWorld`; like
everything in the simulated worlds, each commit or release is computed on demand from
``(seed, position)`` on a :class:`Timeline`, newest first.
"""

from __future__ import annotations

import binascii
import functools
from typing import Any
from urllib.parse import quote

from backfill_tui.simulator.world import (
    COMPONENTS,
    DAY,
    HUMANS,
    LABELS,
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

__all__ = ["FULL_NAME", "REPO_ID", "RepoHistory", "label_json", "node_id", "user_json"]

OWNER, NAME = "acme", "rocket"
FULL_NAME = f"{OWNER}/{NAME}"
REPO_ID = 1296269
API = "https://api.github.com"
HTML = "https://github.com"
REPO_API = f"{API}/repos/{FULL_NAME}"
REPO_HTML = f"{HTML}/{FULL_NAME}"
#: Who authors a commit: every person but dependabot (``PEOPLE[10]``).
_COMMIT_AUTHORS = PEOPLE[:10] + PEOPLE[11:]
_WEB_FLOW = Person("web-flow", 19864447, "GitHub", "noreply@github.com")
Json = dict[str, Any]
#: (days since creation, days since publication) of the releases always published late.
_LATE = ((60, 2), (100, 10))


def node_id(prefix: str, seed: int, kind: str, index: int) -> str:
    """``prefix`` then the URL-safe base64 (unpadded) of the item's 8-byte hash."""
    raw = hash64(seed, kind + ":node", index).to_bytes(8, "big")
    # base64.urlsafe_b64encode's own steps, without its Python wrappers (one call per item)
    text = binascii.b2a_base64(raw, newline=False).translate(_URLSAFE)
    return prefix + text.decode().rstrip("=")


_URLSAFE = bytes.maketrans(b"+/", b"-_")


@functools.cache
def user_json(person: Person) -> Json:
    login = person.login or ""
    bot = person.kind == "Bot"
    return {
        "login": login,
        "id": person.user_id,
        "node_id": node_id("MDQ6VXNlcj", 0, "user", person.user_id),
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
def label_json(index: int) -> Json:
    label_id, name, color, description, default = LABELS[index]
    return {
        "id": label_id,
        "node_id": node_id("LA_kwDOABPHjc8AAAAB", 0, "label", label_id),
        "url": f"{REPO_API}/labels/{quote(name)}",
        "name": name,
        "color": color,
        "default": default,
        "description": description,
    }


class RepoHistory:
    """Commits and releases of ``acme/rocket`` for one seed, anchor and scale."""

    def __init__(self, seed: int, anchor: float, scale: float, n_issues: int) -> None:
        self.seed = seed
        self.anchor = anchor
        self.commits = Timeline(seed, "commit", max(1, round(900 * scale)), anchor)
        self.releases = Timeline(seed, "release", max(1, round(48 * scale)), anchor)
        self._n_issues = n_issues
        #: The last parent sha made (position, sha): the next commit listed is that parent.
        self._last_parent: tuple[int, str] = (-1, "")

    # -- commits -------------------------------------------------------------------------
    def commit_sha(self, p: int) -> str:
        if p == self._last_parent[0]:  # a list asks p after p - 1, which named p its parent
            return self._last_parent[1]
        return hex_id(self.seed, "commit", p)

    def _parent_sha(self, p: int) -> str:
        sha = hex_id(self.seed, "commit", p)
        self._last_parent = (p, sha)
        return sha

    def commit_json(self, p: int) -> Json:
        rng = item_rng(self.seed, "commit:detail", p)
        sha = self.commit_sha(p)
        committed = self.commits.ts(p)
        author = rng.choice(_COMMIT_AUTHORS)
        comp = rng.choice(COMPONENTS)
        pr = rng.randint(1, self._n_issues)
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
        parents = [] if p + 1 >= self.commits.n else [self._parent_sha(p + 1)]
        if merge and parents:
            parents.append(hex_id(self.seed, "side", p))
        tree = hex_id(self.seed, "tree", p)
        return {
            "sha": sha,
            "node_id": node_id("C_kwDOABPHjdoAK", self.seed, "commit", p),
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
            "author": (user_json(author) if author.login else None)
            if hash64(self.seed, "unlinked", p) % 11
            else {},  # GitHub also answers an unlinked email with author {} (§6)
            "committer": user_json(committer) if committer.login else None,
            "parents": [
                {"sha": s, "url": f"{REPO_API}/commits/{s}", "html_url": f"{REPO_HTML}/commit/{s}"}
                for s in parents
            ],
        }

    # -- releases ------------------------------------------------------------------------
    # GitHub lists releases by creation (``created_at``, the tagged commit's date), newest
    # first, not by publication (provider-apis.md §1.2, §6): the release timeline orders by
    # creation, and a few releases are published long after it, so they sit behind releases
    # published earlier. Two always are (the demo's "published long after its creation"
    # releases): the one created nearest 60 days before the anchor is published 2 days before
    # it, and the one created nearest 100 days before it, 10 days before it; so a 7, 30 and
    # 90-day run each has a release a stop at the first older one would lose.
    def release_created(self, p: int) -> int:
        return self.releases.ts(p)

    def release_published(self, p: int) -> int | None:
        """When the release at ``p`` was published (epoch seconds); ``None`` for a draft."""
        if self.release_flags(p)[0]:
            return None
        created = self.release_created(p)
        latest = int(self.anchor) - 60
        if p in self.late_releases:
            published = int(self.anchor - self.late_releases[p] * DAY - 11_820)  # not on the hour
            return max(created, min(latest, published))
        draws = Draws(self.seed, "release:published", p)
        if draws.random() < 0.1:
            delay = draws.randint(20 * DAY, 80 * DAY)  # tagged long ago, published later
        else:
            delay = draws.randint(60, 3 * DAY)
        return max(created, min(latest, created + delay))

    @functools.cached_property
    def late_releases(self) -> dict[int, int]:
        """Positions of the always-late releases, and how many days before the anchor each
        was published (created ~60 and ~100 days before it)."""
        late = {self.releases.count_since(self.anchor - age * DAY): days for age, days in _LATE}
        return {p: days for p, days in late.items() if p < self.releases.n}

    def release_flags(self, p: int) -> tuple[bool, bool]:
        """``(draft, prerelease)`` of the release at position ``p``."""
        draws = Draws(self.seed, "release", p)
        draft = draws.random() < (0.5 if p < 2 else 0.06)
        pre = draws.random() < 0.12
        if p in self.late_releases:
            draft = False
        return draft, pre

    def tag(self, p: int) -> str:
        i = self.releases.n - 1 - p
        _, pre = self.release_flags(p)
        return f"v{1 + i // 200}.{(i // 10) % 20}.{i % 10}" + ("-rc.1" if pre else "")

    def release_json(self, p: int) -> Json:
        rng = item_rng(self.seed, "release:detail", p)
        draft, pre = self.release_flags(p)
        tag = self.tag(p)
        created = self.release_created(p)
        published = self.release_published(p)
        rid = 90_000_000 + (self.releases.n - p) * 1000 + hash64(self.seed, "relid", p) % 1000
        author = rng.choice(HUMANS)
        previous = self.tag(p + 1) if p + 1 < self.releases.n else "v0.9.0"
        changes = [
            f"* {rng.choice(PR_VERBS)} {rng.choice(COMPONENTS)}"
            f" by @{rng.choice(HUMANS).login}"
            f" in {REPO_HTML}/pull/{rng.randint(1, self._n_issues)}"
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
        if hash64(self.seed, "release:blank-name", p) % 7 == 0:
            name = ""  # real releases carry name "" (provider-apis.md §6)
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
            "node_id": node_id("RE_kwDOABPHjc4", self.seed, "release", p),
            "tag_name": tag,
            "target_commitish": "main",
            "name": name,
            "draft": draft,
            "immutable": False,
            "prerelease": pre,
            "created_at": iso(created),
            "updated_at": iso(published if published is not None else created),
            "published_at": None if published is None else iso(published),
            "assets": [],
            "tarball_url": f"{REPO_API}/tarball/{tag}",
            "zipball_url": f"{REPO_API}/zipball/{tag}",
            "body": body if rng.random() < 0.9 else "",
        }

    def empty_repo_json(self, full_name: str, repo_id: int) -> Json:
        """A repository created but never pushed to (its commits answer 409)."""
        repo = self.repo_json()
        name = full_name.split("/", 1)[1]
        created = iso(self.anchor - 40 * DAY)
        return {
            **repo,
            "id": repo_id,
            "node_id": node_id("R_kgDOA", self.seed, "repo", repo_id),
            "name": name,
            "full_name": full_name,
            "html_url": f"{HTML}/{full_name}",
            "url": f"{API}/repos/{full_name}",
            "description": None,
            "created_at": created,
            "updated_at": created,
            "pushed_at": created,
            "homepage": None,
            "language": None,
            "size": 0,
            "open_issues_count": 0,
            "topics": [],
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
