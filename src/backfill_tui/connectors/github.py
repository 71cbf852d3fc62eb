"""GitHub: ``github:OWNER/REPO`` with streams pull_request, issue, release and push.

Window rules (interfaces.md §1): PRs are listed by ``updated`` descending and the scan stops at
the first PR updated before the cutoff; issues use ``since`` server-side and drop PRs; releases
skip drafts and stop at the first one published before the cutoff; commits use ``since``. No
page is fetched after the first item older than the cutoff. Next pages are GitHub's own
``Link`` URLs, followed verbatim.
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, Callable
from datetime import datetime
from typing import Any, Literal

from ..http import GitHubPolicy, UnexpectedResponse
from . import github_transform as gt
from .base import Connector, ItemFailure, Page, ProviderInfo, Stream, transform_item

Decision = Literal["take", "skip", "stop"]


def _parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


class GitHubStream(Stream):
    def __init__(
        self,
        connector: GitHubConnector,
        entity: str,
        path: str,
        params: dict[str, Any],
        decide: Callable[[dict[str, Any]], Decision],
        transform: Callable[[dict[str, Any], gt.Repo], Any],
        key: Callable[[Any], str],
    ) -> None:
        self.entity = entity
        self._connector = connector
        self._path = path
        self._params = params
        self._decide = decide
        self._transform = transform
        self._key = key

    async def pages(self, cursor: str | None) -> AsyncGenerator[Page, None]:
        client = self._connector.client
        repo = self._connector.repo
        url: str | None = cursor or self._path
        params: dict[str, Any] | None = None if cursor else self._params
        while url is not None:
            answer = await client.get(url, params)
            if not isinstance(answer.json, list):
                raise UnexpectedResponse(
                    f"GitHub answered {self._path} with a {type(answer.json).__name__}, not a list"
                )
            page = Page()
            stop = False
            for item in answer.json:
                decision = self._decide(item) if isinstance(item, dict) else "take"
                if decision == "stop":
                    stop = True
                    break
                if decision == "skip":
                    page.skipped += 1
                    continue
                result = transform_item(item, lambda i: self._transform(i, repo), self._key)
                if isinstance(result, ItemFailure):
                    page.failures.append(result)
                else:
                    page.events.append(result)
            next_url = None if stop else answer.links.get("next", {}).get("url")
            page.next_cursor = next_url
            yield page
            url, params = next_url, None


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

    def stream(self, entity: str) -> Stream:
        since = self.cutoff.strftime("%Y-%m-%dT%H:%M:%SZ")
        base = f"/repos/{self.target}"
        number_key: Callable[[Any], str] = lambda i: f"#{i.get('number')}"  # noqa: E731

        if entity == "pull_request":

            def decide_pr(item: dict[str, Any]) -> Decision:
                return "stop" if self._older(item.get("updated_at")) else "take"

            params = {"state": "all", "sort": "updated", "direction": "desc", "per_page": 100}
            return GitHubStream(
                self, entity, f"{base}/pulls", params, decide_pr, gt.pull_request, number_key
            )
        if entity == "issue":

            def decide_issue(item: dict[str, Any]) -> Decision:
                if "pull_request" in item or self._older(item.get("updated_at")):
                    return "skip"
                return "take"

            params = {
                "state": "all",
                "since": since,
                "sort": "updated",
                "direction": "desc",
                "per_page": 100,
            }
            return GitHubStream(
                self, entity, f"{base}/issues", params, decide_issue, gt.issue, number_key
            )
        if entity == "release":

            def decide_release(item: dict[str, Any]) -> Decision:
                if item.get("draft"):
                    return "skip"
                return (
                    "stop"
                    if self._older(item.get("published_at") or item.get("created_at"))
                    else "take"
                )

            return GitHubStream(
                self,
                entity,
                f"{base}/releases",
                {"per_page": 100},
                decide_release,
                gt.release,
                lambda i: str(i.get("tag_name")),
            )
        if entity == "push":
            return GitHubStream(
                self,
                entity,
                f"{base}/commits",
                {"since": since, "per_page": 100},
                lambda item: "take",
                gt.commit,
                lambda i: str(i.get("sha"))[:12],
            )
        raise ValueError(f"GitHub has no stream {entity!r}")


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
