"""The simulated Vercel team ``acme``: projects ``rocket-web`` and ``rocket-docs`` and their deployments.

Every deployment is computed on demand from ``(seed, project, position)`` and shaped like a
``GET /v6/deployments`` item. Position 0 is the newest; ``created`` (epoch ms) strictly
decreases with the position, so windows and ``until`` cursors are found by binary search.
``vercel.py`` serves these objects.
"""

from __future__ import annotations

import functools
import hashlib
import re
import string
from dataclasses import dataclass
from typing import Any, cast

from backfill_tui.simulator.world import (
    COMPONENTS,
    DAY,
    HUMANS,
    ODD_TITLES,
    PEOPLE,
    PR_VERBS,
    SPAN_DAYS,
    Person,
    hash64,
    hex_id,
    item_rng,
)

__all__ = ["STATES", "TEAM_ID", "TEAM_SLUG", "Core", "SimProject", "VercelWorld"]

TEAM_SLUG = "acme"
TEAM_ID = "team_acmeQ7rT2xV9kLm4Np8Wz3Hb"
STATES = ("READY", "ERROR", "CANCELED", "BUILDING", "QUEUED", "INITIALIZING")
_BASE62 = string.digits + string.ascii_letters
_BASE36 = string.digits + string.ascii_lowercase
_BOT = PEOPLE[10]  # dependabot[bot]
_STATE_CUTS = ((0.74, "READY"), (0.86, "ERROR"), (0.95, "CANCELED"), (0.97, "BUILDING"))
Json = dict[str, Any]


@dataclass(frozen=True)
class SimProject:
    id: str
    name: str
    repo_id: int
    count: int  # deployments over 150 days at scale 1
    created: int  # epoch ms, relative to the anchor: see VercelWorld.project_json


PROJECTS: tuple[SimProject, ...] = (
    SimProject("prj_Rk7WbQ2mZp4Xn9Lc5Tg8Hd3Fa6Js", "rocket-web", 701234567, 600, 400),
    SimProject("prj_Dq3NcV8sLw1Hy6Pb4Km9Tx2Rf5Gz", "rocket-docs", 701234999, 90, 300),
)


@dataclass(frozen=True)
class Core:
    """What the list filters need of a deployment (cheap to compute)."""

    position: int
    created: int
    state: str
    target: str | None
    source: str


def _encode(number: int, alphabet: str, length: int) -> str:
    chars = []
    for _ in range(length):
        number, digit = divmod(number, len(alphabet))
        chars.append(alphabet[digit])
    return "".join(chars)


def _token(seed: int, kind: str, index: int, alphabet: str, length: int) -> str:
    digest = hashlib.blake2b(f"{seed}:{kind}:{index}".encode(), digest_size=32).digest()
    return _encode(int.from_bytes(digest, "big"), alphabet, length)


@functools.cache
def user_uid(person: Person) -> str:
    return _token(0, "vercel-user", person.user_id, _BASE62, 24)


def creator_json(person: Person) -> Json:
    username = (person.login or "builder").replace("[bot]", "-bot").replace(".", "-")
    return {
        "uid": user_uid(person),
        "email": person.email,
        "username": username,
        "githubLogin": person.login,
    }


class VercelWorld:
    """The lazily generated deployments of every project for one seed, anchor and scale."""

    def __init__(self, seed: int, anchor: float, scale: float) -> None:
        self.seed = seed
        self.anchor_ms = int(anchor * 1000)
        span = SPAN_DAYS * DAY * 1000
        self.counts = {p.id: max(1, round(p.count * scale)) for p in PROJECTS}
        self.slots = {p.id: max(1, span // self.counts[p.id]) for p in PROJECTS}

    # -- the timeline ------------------------------------------------------------------------
    def created(self, project: SimProject, p: int) -> int:
        """Epoch ms of position ``p``: inside its own slot, so strictly decreasing with ``p``."""
        slot = self.slots[project.id]
        offset = hash64(self.seed, f"vercel:{project.name}:t", p) % slot
        return self.anchor_ms - 1 - slot * p - offset

    def count_since(self, project: SimProject, since_ms: int) -> int:
        """How many positions have ``created >= since_ms`` (exactly ``0 .. count-1``)."""
        lo, hi = 0, self.counts[project.id]
        while lo < hi:
            mid = (lo + hi) // 2
            if self.created(project, mid) >= since_ms:
                lo = mid + 1
            else:
                hi = mid
        return lo

    # -- one deployment ----------------------------------------------------------------------
    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one world per simulator, bounded
    def core(self, project: SimProject, p: int) -> Core:
        rng = item_rng(self.seed, f"vercel:{project.name}:core", p)
        if p < 3:  # the newest few are still on their way
            state = ("QUEUED", "BUILDING", "INITIALIZING")[p]
        else:
            r = rng.random()
            state = next((s for cut, s in _STATE_CUTS if r < cut), None) or (
                "QUEUED" if r < 0.985 else "INITIALIZING"
            )
        r = rng.random()
        source = "git" if r < 0.82 else "cli" if r < 0.92 else "redeploy"
        main = rng.random() < 0.45
        production = (
            (source == "git" and main)
            or (source == "cli" and rng.random() < 0.3)
            or (source == "redeploy" and rng.random() < 0.6)
        )
        return Core(
            p, self.created(project, p), state, "production" if production else None, source
        )

    def uid(self, project: SimProject, p: int) -> str:
        return "dpl_" + _token(self.seed, f"vercel:{project.name}:uid", p, _BASE62, 28)

    def _git(self, project: SimProject, core: Core) -> tuple[Person, Json]:
        """The deployment's author and Git ``meta`` (as a Git-connected deployment has it)."""
        rng = item_rng(self.seed, f"vercel:{project.name}:git", core.position)
        comp = rng.choice(COMPONENTS)
        slug = re.sub(r"[^a-z0-9]+", "-", comp.lower()).strip("-")
        author = rng.choice(HUMANS)
        pr: int | None = None
        if core.target == "production" or core.source == "redeploy":
            branch = "main"
        else:
            kind = rng.random()
            if kind < 0.1:
                author = _BOT
                branch = f"dependabot/npm_and_yarn/next-15.{rng.randint(0, 5)}.{rng.randint(0, 9)}"
            elif kind < 0.14:
                branch = "docs/ünïcode-🚀-notes"
            elif kind < 0.6:
                branch = f"{author.login}/{slug}"
            else:
                branch = f"{rng.choice(('feat', 'fix', 'chore'))}/{slug}-{rng.randint(2, 99)}"
            if rng.random() < 0.8:
                pr = rng.randint(1, 420)
        if author is _BOT:
            message = f"Bump next from 15.0.{rng.randint(0, 3)} to {branch.rsplit('-', 1)[1]}"
        elif rng.random() < 0.07:
            message = rng.choice(ODD_TITLES).format(c=comp)
        elif rng.random() < 0.02:
            message = ""
        else:
            message = f"{rng.choice(PR_VERBS)} {comp} {rng.choice(('layout', 'caching', 'routes'))}"
            if rng.random() < 0.3:
                message += f"\n\nThis touches the {comp}.\n\nCo-authored-by: {HUMANS[0].name}"
            if rng.random() < 0.01:
                message += "\n" + "long line of build output " * 500
        meta: Json = {
            "githubCommitAuthorName": author.name,
            "githubCommitAuthorLogin": author.login,
            "githubCommitMessage": message,
            "githubCommitOrg": TEAM_SLUG,
            "githubCommitRef": branch,
            "githubCommitRepo": project.name,
            "githubCommitRepoId": str(project.repo_id),
            "githubCommitSha": hex_id(self.seed, f"vercel:{project.name}:sha", core.position),
            "githubDeployment": "1",
            "githubOrg": TEAM_SLUG,
            "githubRepo": project.name,
            "githubRepoId": str(project.repo_id),
            "githubRepoOwnerType": "Organization",
            "githubRepoVisibility": "private",
        }
        shape = rng.random()
        if shape < 0.25:  # older deployments carry only the githubCommit* names
            for key in ("githubOrg", "githubRepo", "githubRepoId"):
                del meta[key]
        elif shape < 0.3:
            del meta["githubCommitAuthorName"]
        if pr is not None:
            meta["githubPrId"] = str(pr)
        return author, meta

    def deployment_json(self, project: SimProject, p: int) -> Json:
        """The deployment at position ``p`` as ``GET /v6/deployments`` lists it."""
        core = self.core(project, p)
        rng = item_rng(self.seed, f"vercel:{project.name}:detail", p)
        uid = self.uid(project, p)
        if core.source == "cli":
            author, meta = rng.choice(HUMANS), cast(Json, {})
        else:
            author, meta = self._git(project, core)
            if core.source == "redeploy":
                meta = {**meta, "action": "redeploy"}
        url: str | None = f"{project.name}-{_token(self.seed, 'vercel:url', p, _BASE36, 9)}"
        url = f"{url}-{TEAM_SLUG}.vercel.app"
        if core.source == "cli" and core.state == "INITIALIZING":
            url = None  # the upload is not finished yet
        created = core.created
        building = created + rng.randint(800, 9000) if core.state != "QUEUED" else None
        finished = core.state in ("READY", "ERROR", "CANCELED")
        ready = (building or created) + rng.randint(20_000, 240_000) if finished else None
        item: Json = {
            "uid": uid,
            "name": project.name,
            "projectId": project.id,
            "url": url,
            "created": created,
            "source": core.source,
            "state": core.state,
            "readyState": core.state,
        }
        if core.state == "READY":
            item["readySubstate"] = "PROMOTED" if core.target == "production" else "STAGED"
        item.update(
            {
                "type": "LAMBDAS",
                "creator": creator_json(_BOT if author is _BOT else author),
                "inspectorUrl": f"https://vercel.com/{TEAM_SLUG}/{project.name}/{uid[4:]}",
                "meta": meta,
                "target": core.target,
                "aliasError": None,
                "aliasAssigned": ready if core.state == "READY" else None,
                "isRollbackCandidate": core.state == "READY" and core.target == "production",
                "createdAt": created,
                "buildingAt": building,
            }
        )
        if finished:
            item["ready"] = ready
        if core.state == "ERROR":
            item["errorCode"] = "BUILD_UTILS_SPAWN_1"
            item["errorMessage"] = 'Command "npm run build" exited with 1'
        if core.source == "git":
            item["checksState"] = "completed" if finished else "registered"
        return item

    def project_json(self, project: SimProject) -> Json:
        """``GET /v9/projects/{idOrName}``, trimmed to the fields a client commonly reads."""
        created = self.anchor_ms - project.created * DAY * 1000
        return {
            "accountId": TEAM_ID,
            "autoExposeSystemEnvs": True,
            "buildCommand": None,
            "createdAt": created,
            "devCommand": None,
            "directoryListing": False,
            "framework": "nextjs",
            "gitForkProtection": True,
            "id": project.id,
            "installCommand": None,
            "link": {
                "type": "github",
                "org": TEAM_SLUG,
                "repo": project.name,
                "repoId": project.repo_id,
                "productionBranch": "main",
                "createdAt": created,
                "updatedAt": created,
                "deployHooks": [],
                "gitCredentialId": "",
            },
            "live": False,
            "name": project.name,
            "nodeVersion": "20.x",
            "outputDirectory": None,
            "publicSource": None,
            "rootDirectory": None,
            "serverlessFunctionRegion": "iad1",
            "sourceFilesOutsideRootDirectory": True,
            "updatedAt": self.anchor_ms - DAY * 1000,
        }
