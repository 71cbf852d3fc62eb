"""GitHub: ``github:OWNER/REPO`` with streams pull_request, issue, release and push.

Window rules (interfaces.md §1): PRs are listed by ``updated`` descending and the scan stops at
the first PR updated before the cutoff; issues use ``since`` server-side and drop PRs; releases
skip drafts and stop at the first one published before the cutoff; commits use ``since``. No
page is fetched after the first item older than the cutoff. Next pages are GitHub's own
``Link`` URLs, followed verbatim.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..http import GitHubPolicy, UnexpectedResponse
from ..models import SourceEvent
from . import github_transform as gt
from .base import Connector, Decision, LinkedListStream, ProviderInfo, Stream


def _parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


class GitHubConnector(Connector):
    provider = "github"
    entities = ("pull_request", "issue", "release", "push")
    target_pattern = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}")
    target_help = "github:OWNER/REPO (for example github:acme/rocket)"

    repo: gt.Repo

    async def prepare(self) -> None:
        answer = await self.client.get(f"/repos/{self.target}")
        data = answer.json
        if not isinstance(data, dict) or "id" not in data:
            raise UnexpectedResponse(
                f"GitHub answered /repos/{self.target} without a repository id"
            )
        self.repo = gt.Repo(
            id=int(data["id"]),
            full_name=str(data.get("full_name") or self.target),
            html_url=str(data.get("html_url") or f"https://github.com/{self.target}"),
            default_branch=str(data.get("default_branch") or "main"),
        )

    def _older(self, value: Any) -> bool:
        moment = _parse_time(value)
        return moment is not None and moment < self.cutoff

    def _decide_pull_request(self, item: dict[str, Any]) -> Decision:
        return "stop" if self._older(item.get("updated_at")) else "take"

    def _decide_issue(self, item: dict[str, Any]) -> Decision:
        return "skip" if "pull_request" in item or self._older(item.get("updated_at")) else "take"

    def _decide_release(self, item: dict[str, Any]) -> Decision:
        if item.get("draft"):
            return "skip"
        return "stop" if self._older(item.get("published_at") or item.get("created_at")) else "take"

    def stream(self, entity: str) -> Stream:
        since = self.cutoff.strftime("%Y-%m-%dT%H:%M:%SZ")
        updated = {"sort": "updated", "direction": "desc"}  # direction defaults to asc for updated
        plans = {
            "pull_request": _Plan(
                "pulls",
                {"state": "all", **updated},
                self._decide_pull_request,
                gt.pull_request,
                _number,
                _updated_at,
            ),
            "issue": _Plan(
                "issues",
                {"state": "all", "since": since, **updated},
                self._decide_issue,
                gt.issue,
                _number,
                _updated_at,
            ),
            "release": _Plan(
                "releases",
                {},
                self._decide_release,
                gt.release,
                lambda i: str(i.get("tag_name")),
                lambda i: i.get("published_at") or i.get("created_at"),
            ),
            "push": _Plan(
                "commits",
                {"since": since},
                lambda _item: "take",
                gt.commit,
                lambda i: str(i.get("sha"))[:12],
                lambda i: i["commit"]["committer"]["date"],
            ),
        }
        if entity not in plans:
            raise ValueError(f"GitHub has no stream {entity!r}")
        plan, repo = plans[entity], self.repo
        return LinkedListStream(
            self.client,
            entity,
            f"/repos/{self.target}/{plan.endpoint}",
            {**plan.params, "per_page": 100},
            plan.decide,
            lambda item: plan.transform(item, repo),
            plan.key,
            plan.position,
        )


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
    return f"#{item.get('number')}"


def _updated_at(item: dict[str, Any]) -> Any:
    return item.get("updated_at")


PROVIDER = ProviderInfo(
    name="github",
    label="GitHub",
    token_env="GITHUB_TOKEN",
    base_url_env="BACKFILL_GITHUB_API_URL",
    default_base_url="https://api.github.com",
    connector=GitHubConnector,
    policy=GitHubPolicy,
    reserve_fraction=0.10,
    extra_headers={"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"},
)
