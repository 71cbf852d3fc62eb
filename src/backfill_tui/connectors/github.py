"""GitHub: ``github:OWNER/REPO`` with streams pull_request, issue, release and push.

Window rules (interfaces.md §1), per stream in :data:`ORDERS`: PRs are listed by ``updated``
descending and the scan stops at the first PR updated before the cutoff (the list is sorted on
the window's own field); issues use ``since`` server-side and drop PRs; commits use ``since``;
releases are listed by **creation** (``created_at``, the tagged commit's date), not by
publication, so a release created long ago and published today can sit behind one published
before the cutoff (provider-apis.md §1.2, §6): every page is read (bounded by ``--max-items``),
drafts are skipped and ``published_at`` is filtered here. Next pages are GitHub's own ``Link``
URLs, followed verbatim.

Ordinary states are not failures (issue 9, item 2): an empty repository answers its commits
with 409 "Git Repository is empty."; a repository with issues turned off answers them with 410;
a renamed or transferred repository answers ``/repos/OLD`` (and its lists) with 301 and a
``Location`` on the same host, which every request follows (``ApiClient.get``), the lookup's
and a later page's alike; an archived repository reads as usual. Each becomes a plain note on
its streams.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..errors import UsageError
from ..http import ApiError, GitHubPolicy, UnexpectedResponse
from ..models import SourceEvent
from ..textsafe import excerpt
from . import CATALOG
from . import github_transform as gt
from .base import (
    Connector,
    KnownAnswer,
    ProviderInfo,
    Stream,
    StreamOrder,
    gone_between_pages,
    provider_time,
)
from .linked_list import Decision, LinkedListStream

#: The ordering, window and stop rule of each stream (docs/real-world.md, "Streams and account
#: states"; provider-apis.md §1.2 and §6).
ORDERS: dict[str, StreamOrder] = {
    "pull_request": StreamOrder(
        ordered_by="updated_at, descending (sort=updated&direction=desc)",
        window_on="updated_at",
        server_filter="",
        early_stop=True,
        stop_rule="stop at the first PR updated before the cutoff: the list is sorted on the "
        "window's own field, so every later PR is older still",
    ),
    "issue": StreamOrder(
        ordered_by="updated_at, descending (sort=updated&direction=desc)",
        window_on="updated_at",
        server_filter="since=cutoff (updated at or after)",
        early_stop=False,
        stop_rule="read every page the server returns; PRs and anything updated before the "
        "cutoff are skipped",
    ),
    "release": StreamOrder(
        ordered_by="created_at (the tagged commit's date), descending; not published_at",
        window_on="published_at (drafts skipped)",
        server_filter="",
        early_stop=False,
        stop_rule="read every page (bounded by --max-items) and keep releases published since "
        "the cutoff: a release created long ago and published today can follow one published "
        "before the cutoff",
    ),
    "push": StreamOrder(
        ordered_by="commit order on the default branch (newest first, not strictly by date)",
        window_on="commit date (since=cutoff, applied by GitHub)",
        server_filter="since=cutoff",
        early_stop=False,
        stop_rule="read every page the server returns; the server's since is the window "
        "(author dates of rebased commits can be older)",
    ),
}


class GitHubConnector(Connector):
    provider = "github"
    label = "GitHub"
    entities = ("pull_request", "issue", "release", "push")
    cursor_form = "link"
    target_pattern = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}")
    target_help = "github:OWNER/REPO (for example github:acme/rocket)"
    #: GitHub's own limits: an account or organisation name has at most 39 characters, a
    #: repository name at most 100 ("Name cannot be more than 100 characters").
    owner_limit, repo_limit = 39, 100

    @classmethod
    def parse_target(cls, target: str) -> str:
        """``OWNER/REPO``; a name past GitHub's limits is said as too long, not as malformed.

        ``OWNER/REPO.git`` (a clone address's ending) is ``OWNER/REPO``: GitHub names no
        repository with that ending (it drops it from a new repository's name), and it was
        asked for as written and answered 404 (a tester's finding)."""
        given = target
        if target.lower().endswith(".git") and re.fullmatch(r"[^/]+/[^/]+", target[:-4]):
            target = target[:-4]
        owner, sep, repo = target.partition("/")
        if repo.lower().endswith(".git"):  # "rocket.git.git", ".git": no repository's name
            raise UsageError(
                f"'github:{excerpt(given)}' is not a valid GitHub source: GitHub names no "
                "repository ending in .git; write it as github:OWNER/REPO"
            )
        if sep and "/" not in repo:
            for what, name, limit in (
                ("owner", owner, cls.owner_limit),
                ("repository", repo, cls.repo_limit),
            ):
                if len(name) > limit:
                    raise UsageError(
                        f"github:{target[:40]}…: the {what} name has {len(name)} characters; "
                        f"GitHub allows at most {limit}"
                    )
        return super().parse_target(target)

    orders = ORDERS
    overlaps_lookup = True  # the lists need only the name the user gave; the facts, later
    narrows = True  # stream_since: since= for issues and commits, the stop rule for PRs
    repo: gt.Repo

    async def prepare(self) -> None:
        """Read the repository, following a 301 (renamed or transferred) on the same host.

        GitHub answers ``/repos/OLD/NAME`` of a moved repository with 301 and a ``Location``
        such as ``/repositories/{id}`` (docs: "Troubleshooting the REST API", redirects), which
        the HTTP layer follows. The streams then read it by its new name; the source keeps the
        name the user gave.
        """
        path, known = f"/repos/{self.target}", self.known_lookup
        answer = await self.client.get(path, etag=known.etag if known else None)
        data = known.body if answer.not_modified and known else answer.json
        if not answer.not_modified and answer.etag and not answer.redirects:
            self.lookup_answer = KnownAnswer(answer.url, answer.etag, data)
        if not isinstance(data, dict) or "id" not in data:
            raise UnexpectedResponse(f"GitHub answered {path} without a repository id")
        name = str(data.get("full_name") or self.target)
        if answer.moved is not None or name.lower() != self.target.lower():
            self.lookup_moved = True
            self.notes.append(
                f"repository {self.target} was renamed or moved to {name}; read from {name}"
            )
        if data.get("archived"):
            self.notes.append(f"repository {name} is archived (read-only); read as usual")
        self.repo = gt.Repo(
            id=int(data["id"]),
            full_name=str(data.get("full_name") or self.target),
            html_url=str(data.get("html_url") or f"https://github.com/{self.target}"),
            default_branch=str(data.get("default_branch") or "main"),
            pushed_at=str(data["pushed_at"]) if data.get("pushed_at") else None,
        )

    def _name(self) -> str:
        """The repository's name as the lookup found it (a rename followed), else as given."""
        repo = getattr(self, "repo", None)
        return repo.full_name if repo is not None else self.target

    def _same_list(self, path: str) -> str:
        """The list ``path`` names, in one form: ``/repositories/{id}/…`` of this repository's
        id (the lookup's) as ``/repos/{owner}/{name}/…``, the name lower-cased (GitHub's are
        case-insensitive). GitHub's own next links use the id form (REST docs "Using
        pagination": ``https://api.github.com/repositories/1300192/issues?page=4``); another
        id, or another name, is another repository's list (``LinkedListStream`` refuses it).
        A base path (Enterprise's ``/api/v3``) is kept as it is."""
        repo = getattr(self, "repo", None)
        if repo is not None and (m := _BY_ID.match(path)) and int(m["id"]) == repo.id:
            path = f"{m['pre']}/repos/{repo.full_name}{m['rest'] or ''}"
        if m := _BY_NAME.match(path):
            path = f"{m['pre']}/repos/{m['name'].lower()}{m['rest'] or ''}"
        return path

    async def first_page_vouches(self, entity: str, since: datetime) -> bool:
        """Commits: only when the repository's ``pushed_at`` (any branch, the lookup's) is
        before ``since``: a push since may have merged old-dated commits anywhere in the
        list. Issues and pulls: yes (newest first on ``updated_at``). Releases: yes, as their
        first page's validator is kept only when that page was the whole list (listed by
        creation, windowed on publication: a release created long ago and published now sits
        on any page, provider-apis.md §1.2; a 304 on page 1 of many missed it)."""
        if entity == "push":
            await self.ready()
            pushed = provider_time(self.repo.pushed_at)
            return pushed is not None and pushed < since  # the same second: unsure, so not
        return True

    def _deciders(self, cutoff: datetime) -> dict[str, Callable[[dict[str, Any]], Decision]]:
        """Each stream's item rule for a window starting at ``cutoff``."""

        def older(value: Any) -> bool:
            moment = provider_time(value)
            return moment is not None and moment < cutoff

        def pull_request(item: dict[str, Any]) -> Decision:
            return "stop" if older(item.get("updated_at")) else "take"

        def issue(item: dict[str, Any]) -> Decision:
            return "skip" if "pull_request" in item or older(item.get("updated_at")) else "take"

        def release(item: dict[str, Any]) -> Decision:
            # Listed by creation, windowed on publication: never "stop" (see ORDERS["release"]).
            if item.get("draft"):
                return "skip"
            return "skip" if older(item.get("published_at") or item.get("created_at")) else "take"

        return {"pull_request": pull_request, "issue": issue, "release": release}

    def _state(self, entity: str) -> Callable[[ApiError, bool], str | None]:
        """Which error answers to this stream's pages are ordinary repository states."""

        def state(error: ApiError, first: bool) -> str | None:
            name = self._name()
            if entity == "push" and error.status == 409 and "empty" in error.said.lower():
                return f"repository {name} is empty: it has no commits yet"
            if entity == "issue" and error.status == 410:
                said = f" (GitHub: {error.said})" if error.said else ""
                return f"issues are turned off for repository {name}{said}"
            return gone_between_pages("GitHub", f"repository {name}", error, first)

        return state

    def stream(self, entity: str) -> Stream:
        return self.stream_since(entity, self.cutoff)

    def stream_since(self, entity: str, since: datetime) -> Stream:
        """The stream over a window starting at ``since`` (the run's cutoff, or later on a
        re-sync): ``since`` goes to the server for issues, and is the stop rule for pull
        requests and the filter for releases.

        Commits are never narrowed: the list's ``since`` is the commit's own date, and a
        branch merged now brings commits dated days ago ("Create a merge commit", GitHub's
        default; provider-apis.md §1.2: rebased or cherry-picked commits carry old dates). A
        re-sync from the earlier run's start missed them for good (a fresh tester's finding);
        the push stream reads its whole window, unless nothing was pushed since
        (:meth:`first_page_vouches`)."""
        cutoff = self.cutoff if entity == "push" else max(since, self.cutoff)
        decide = self._deciders(cutoff)
        since_text = cutoff.strftime("%Y-%m-%dT%H:%M:%SZ")
        updated = {"sort": "updated", "direction": "desc"}  # direction defaults to asc for updated
        plans = {
            "pull_request": _Plan(
                "pulls",
                {"state": "all", **updated},
                decide["pull_request"],
                gt.pull_request,
                _number,
                _updated_at,
            ),
            "issue": _Plan(
                "issues",
                {"state": "all", "since": since_text, **updated},
                decide["issue"],
                gt.issue,
                _number,
                _updated_at,
            ),
            "release": _Plan(
                "releases",
                {},
                decide["release"],
                gt.release,
                _tag,
                lambda i: i.get("created_at"),  # the list's own order
            ),
            "push": _Plan(
                "commits",
                {"since": since_text},
                lambda _item: "take",
                gt.commit,
                lambda i: str(i.get("sha") or "")[:12],  # "": no key (pages.item_keys)
                lambda i: i["commit"]["committer"]["date"],
            ),
        }
        if entity not in plans:
            raise ValueError(f"GitHub has no stream {entity!r}")
        plan = plans[entity]
        # The repository's facts are read when an item is transformed, after ``ready()``:
        # the lookup may still be in flight when the first page is asked.
        return LinkedListStream(
            self.client,
            entity,
            lambda: f"/repos/{self._name()}/{plan.endpoint}",
            {**plan.params, "per_page": 100},
            plan.decide,
            lambda item: plan.transform(item, self.repo),
            plan.key,
            plan.position,
            self._state(entity),
            ready=self.ready,
            validated_whole_only=entity == "release",
            catch_up=entity in ("issue", "pull_request"),  # by number, newest updated first
            resumed_since=self.resumed_since,
            shrinks=True,  # GitHub's 502 "couldn't respond in time": ask for fewer a page
            moved=lambda answer: self.moved_note(f"repository {self._name()}", answer),
            same_list=self._same_list,
            window=_published if entity == "release" else None,
        )


#: A repository's path by id (``/repositories/1300192/issues``) and by name.
_BY_ID = re.compile(r"^(?P<pre>.*?)/repositories/(?P<id>\d+)(?P<rest>/.*)?$")
_BY_NAME = re.compile(r"^(?P<pre>.*?)/repos/(?P<name>[^/]+/[^/]+?)(?P<rest>/.*)?$")


@dataclass(frozen=True)
class _Plan:
    """How one GitHub entity is listed, windowed and transformed."""

    endpoint: str
    params: dict[str, Any]
    decide: Callable[[dict[str, Any]], Decision]
    transform: Callable[[Any, gt.Repo], SourceEvent]
    key: Callable[[Any], str]
    position: Callable[[dict[str, Any]], Any]  # the item's place in the list's time order


def _number(item: Any) -> str:
    """A PR's or issue's listed key, ``#12``; raises ``KeyError`` without a number, so it has
    none (``base.listed_key``): a key ``#None`` shared by every such item read a page of them
    as items already read (``PagingGuard``) and failed the stream."""
    number = item.get("number")
    if number is None or number == "":
        raise KeyError("number")
    return f"#{number}"


def _tag(item: Any) -> str:
    """A release's listed key: its tag, else ``id 123`` for one without (``tag_name: null``:
    every such release was keyed "None", and a page of them was read as a page read again,
    failing the stream); raises ``KeyError`` with neither (no key, ``base.listed_key``)."""
    tag = item.get("tag_name")
    if tag is not None and tag != "":
        return str(tag)
    if item.get("id") is None:
        raise KeyError("tag_name")
    return f"id {item['id']}"


def _published(item: dict[str, Any]) -> Any:
    """A release's window field: its publication, else its creation (the decider's rule)."""
    return item.get("published_at") or item.get("created_at")


def _updated_at(item: dict[str, Any]) -> Any:
    return item.get("updated_at")


PROVIDER = ProviderInfo(
    name="github",
    label="GitHub",
    token_env=CATALOG["github"].token_env,
    base_url_env="BACKFILL_GITHUB_API_URL",
    default_base_url="https://api.github.com",
    connector=GitHubConnector,
    base_suffix="/api/v3",
    policy=GitHubPolicy,
    reserve_fraction=0.10,
    extra_headers={"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"},
)
