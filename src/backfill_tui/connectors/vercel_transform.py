"""Vercel deployments → SourceEvents, exactly as production's webhook transformer builds them.

Production (lightfast-data-model.md §3.3, §13) transforms ``deployment.*`` webhook envelopes;
its backfill adapter dressed a ``GET /v6/deployments`` item up as such an envelope. Here both
inputs meet in one core: :func:`deployment_from_rest` (a list item and the project resolved at
setup) and :func:`deployment_from_webhook` (an envelope and its event type) agree on sourceId,
sourceType, title, body, actor and references for the same deployment and action.

Where REST and webhook differ, the choice follows production's adapter: occurredAt is the
deployment's ``created`` (a webhook uses its own ``createdAt``), ``webhookId`` is
``backfill-{uid}``, ``region`` is unknown, and the environment uses production's URL rule
(``target`` is not consulted). Unlike the adapter, ``projectId`` is always the resolved project
id and ``teamId`` is set when the team is known, because the export filter needs them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..models import SourceEvent, event_from_fields, iso_utc

__all__ = [
    "GitMeta",
    "Project",
    "deployment_from_rest",
    "deployment_from_webhook",
    "event_type",
    "git_meta",
    "item_state",
]

_EVENT_FOR_STATE = {
    "READY": "deployment.succeeded",
    "ERROR": "deployment.error",
    "CANCELED": "deployment.canceled",
}
_LABELS = {
    "deployment.created": "Deployment Started",
    "deployment.succeeded": "Deployment Succeeded",
    "deployment.ready": "Deployment Ready",
    "deployment.canceled": "Deployment Canceled",
    "deployment.error": "Deployment Failed",
    "deployment.check-rerequested": "Deployment Check Re-requested",
}
_MARKERS = {
    "deployment.succeeded": "+",
    "deployment.ready": "+",
    "deployment.error": "x",
    "deployment.canceled": "!",
}


@dataclass(frozen=True)
class Project:
    """The project a deployment belongs to, as the connector resolved it (or a webhook says)."""

    id: str
    name: str
    team_id: str | None = None


@dataclass(frozen=True)
class GitMeta:
    """The Git fields of a deployment's ``meta`` that production reads."""

    sha: str | None = None
    ref: str | None = None
    message: str | None = None
    author: str | None = None
    org: str | None = None
    repo: str | None = None
    pr_id: str | None = None


def event_type(ready_state: Any) -> str:
    """Production's adapter: READY, ERROR, CANCELED → their events; anything else → created."""
    if isinstance(ready_state, str):
        return _EVENT_FOR_STATE.get(ready_state, "deployment.created")
    return "deployment.created"


def _text(value: Any) -> str | None:
    """A meta value as text; empty, missing or structured values count as absent."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return str(value) if math.isfinite(value) else None
    if isinstance(value, str):
        return value or None
    return None


def git_meta(meta: Any) -> GitMeta:
    """Read Git metadata, production's key names first.

    Production reads githubCommitSha, githubCommitRef, githubCommitMessage,
    githubCommitAuthorName, githubOrg, githubRepo and githubPrId. The REST API (and older
    deployments) often carry only githubCommitOrg, githubCommitRepo and githubCommitAuthorLogin;
    those are read when production's own key is absent, so such deployments still get their
    GitHub URLs and actor.
    """
    if not isinstance(meta, dict):
        return GitMeta()

    def first(*keys: str) -> str | None:
        for key in keys:
            value = _text(meta.get(key))
            if value is not None:
                return value
        return None

    return GitMeta(
        sha=first("githubCommitSha"),
        ref=first("githubCommitRef"),
        message=first("githubCommitMessage"),
        author=first("githubCommitAuthorName", "githubCommitAuthorLogin"),
        org=first("githubOrg", "githubCommitOrg"),
        repo=first("githubRepo", "githubCommitRepo"),
        pr_id=first("githubPrId"),
    )


def _environment(url: str | None, project_name: str) -> str:
    """Production's rule: ``production`` only if the URL has the project name and no ``-``."""
    if url and project_name in url and "-" not in url:
        return "production"
    return "preview"


def _references(
    deployment_id: str, url: str | None, git: GitMeta, project_id: str
) -> list[dict[str, Any]]:
    repo_url = f"https://github.com/{git.org}/{git.repo}" if git.org and git.repo else None
    refs: list[dict[str, Any]] = []
    if git.sha:
        refs.append(
            dict(
                type="commit", id=git.sha, url=f"{repo_url}/commit/{git.sha}" if repo_url else None
            )
        )
    if git.ref:
        refs.append(
            dict(type="branch", id=git.ref, url=f"{repo_url}/tree/{git.ref}" if repo_url else None)
        )
    if git.pr_id and repo_url:
        refs.append(dict(type="pr", id=f"#{git.pr_id}", url=f"{repo_url}/pull/{git.pr_id}"))
    refs.append(dict(type="deployment", id=deployment_id, url=f"https://{url}" if url else None))
    refs.append(dict(type="project", id=project_id))
    return refs


def _deployment_event(
    *,
    deployment_id: str,
    url: str | None,
    meta: Any,
    project: Project,
    event: str,
    occurred_at: str,
    delivery_id: str,
    webhook_id: str,
    region: str | None,
) -> SourceEvent:
    """The one transformer both inputs go through (production's ``transformVercelDeployment``)."""
    git = git_meta(meta)
    label = _LABELS.get(event, "Deployment")
    branch = git.ref or "unknown"
    lines = [f"{_MARKERS.get(event, '>')} {label}", git.message or ""]
    metadata: dict[str, Any] = {
        "deliveryId": delivery_id,
        "webhookId": webhook_id,
        "deploymentId": deployment_id,
        "deploymentUrl": url,
        "projectId": project.id,
        "projectName": project.name,
        "teamId": project.team_id,
        "environment": _environment(url, project.name),
        "branch": branch,
        "region": region,
        "gitCommitSha": git.sha,
        "gitCommitRef": git.ref,
        "gitCommitMessage": git.message,
        "gitCommitAuthor": git.author,
        "gitRepo": git.repo,
        "gitOrg": git.org,
    }
    return event_from_fields(
        dict(
            source="vercel",
            sourceType=event,
            sourceId=f"deployment:{deployment_id}",
            title=f"[{label}] {project.name} from {branch}",
            body="\n".join(line for line in lines if line),
            actor=dict(id=git.author, name=git.author) if git.author else None,
            occurredAt=occurred_at,
            references=_references(deployment_id, url, git, project.id),
            # Production leaves unknown keys undefined, which JSON drops; so do we.
            metadata={key: value for key, value in metadata.items() if value is not None},
        )
    )


def _required_text(value: Any, what: str) -> str:
    text = _text(value)
    if text is None or not text.strip():
        raise ValueError(f"deployment without {what}")
    return text


def _instant(value: Any, what: str) -> str:
    """Epoch milliseconds as ISO 8601; anything else is a malformed item (``ValueError``:
    ``created is null``, as :func:`~..models.time_part` says an absent time)."""
    if value is None:
        raise ValueError(f"{what} is null")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{what} is not a millisecond timestamp")
    try:
        instant = iso_utc(value)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"{what} {value!r} is out of range") from None
    assert instant is not None
    return instant


def delivery_id(project: Project, uid: str) -> str:
    """Deterministic (production's later adapter's form), so a re-run yields identical events."""
    return f"backfill-{project.id}-deploy-{uid}"


def item_state(item: dict[str, Any]) -> Any:
    """A list item's current state: ``readyState``, else ``state``; ``None`` when neither is set.

    Vercel's ``GET /v6/deployments`` items have carried ``state`` (older answers, some only it)
    and ``readyState`` (newer ones); provider-apis.md §2.3 lists ``state`` as a duplicate of the
    state. Production's adapter reads ``readyState`` only, which turned a ``state``-only
    CANCELED deployment into ``deployment.created``; reading either keeps its meaning.
    """
    ready = item.get("readyState")
    return ready if isinstance(ready, str) and ready else item.get("state")


def deployment_from_rest(item: dict[str, Any], project: Project) -> SourceEvent:
    """A ``GET /v6/deployments`` item: its current state (:func:`item_state`) is the one event.

    Raises ``ValueError`` for an item without a uid or a millisecond ``created``.
    """
    uid = _required_text(item.get("uid"), "a uid")
    return _deployment_event(
        deployment_id=uid,
        url=_text(item.get("url")),
        meta=item.get("meta"),
        project=project,
        event=event_type(item_state(item)),
        occurred_at=_instant(item.get("created"), "created"),
        delivery_id=delivery_id(project, uid),
        webhook_id=f"backfill-{uid}",
        region=None,
    )


def deployment_from_webhook(envelope: dict[str, Any], event: str) -> SourceEvent:
    """A ``deployment.*`` webhook envelope ``{id, type, createdAt, region?, payload}``."""
    payload = envelope["payload"]
    deployment, project = payload.get("deployment"), payload.get("project")
    if not isinstance(deployment, dict) or not isinstance(project, dict):
        raise ValueError("Missing deployment or project in Vercel webhook payload")
    team = payload.get("team")
    envelope_id = _required_text(envelope.get("id"), "a webhook id")
    return _deployment_event(
        deployment_id=_required_text(deployment.get("id"), "an id"),
        url=_text(deployment.get("url")),
        meta=deployment.get("meta"),
        project=Project(
            id=_required_text(project.get("id"), "a project id"),
            name=_text(project.get("name")) or "",
            team_id=_text(team.get("id")) if isinstance(team, dict) else None,
        ),
        event=event,
        occurred_at=_instant(envelope.get("createdAt"), "createdAt"),
        delivery_id=envelope_id,
        webhook_id=envelope_id,
        region=_text(envelope.get("region")),
    )
