"""GitHub REST list items → SourceEvents, exactly as production's webhook transformers build them.

Production (lightfast-data-model.md §3.2, §13) transforms webhook payloads; a REST list item
carries the same fields under the same names, except what lists do not return: a PR's
``merged`` (derived from ``merged_at``, as production's backfill v2 did) and its additions,
deletions and changed files (0, as v2 did). Push observations are made one per commit.

Actors and references are built as plain dicts and validated once, inside the
:class:`SourceEvent` they belong to: a model made on its own and then placed in another costs a
validation of its own (about half of a push's pydantic time, bench/pipeline.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter

from ..models import SourceEvent, SourceReference, event_from_fields, id_part, time_part


@dataclass(frozen=True)
class Repo:
    id: int
    full_name: str
    html_url: str
    default_branch: str
    #: When any branch was last pushed to (ISO 8601, the repository's ``pushed_at``), if said.
    pushed_at: str | None = None


def delivery_id(repo: Repo, entity: str, item_id: object) -> str:
    """Deterministic, so a re-run yields identical events."""
    return f"backfill-{repo.id}-{entity}-{item_id}"


def _common(repo: Repo, entity: str, item_id: object) -> dict[str, Any]:
    """The metadata every GitHub observation carries (production's deliveryId, repo fields)."""
    return {
        "deliveryId": delivery_id(repo, entity, item_id),
        "repoFullName": repo.full_name,
        "repoId": repo.id,
    }


def _event(**fields: Any) -> SourceEvent:
    """A ``SourceEvent`` from its fields, its actor and references as dicts: one validation."""
    return event_from_fields(fields)


def _actor(user: Any) -> dict[str, Any] | None:
    """A ``SourceActor``'s fields (validated with the event) of a GitHub user, if it has one."""
    if not isinstance(user, dict) or user.get("id") is None or not user.get("login"):
        return None
    return {"id": str(user["id"]), "name": str(user["login"]), "avatarUrl": user.get("avatar_url")}


def _logins(people: Any) -> list[str]:
    return [str(p["login"]) for p in people or [] if isinstance(p, dict) and p.get("login")]


def _label_names(labels: Any) -> list[str]:
    names = []
    for label in labels or []:
        name = (
            label
            if isinstance(label, str)
            else label.get("name")
            if isinstance(label, dict)
            else None
        )
        if name:
            names.append(str(name))
    return names


_VERBS = r"(fix(?:es)?|close[sd]?|resolve[sd]?)"
_LINKED_LOCAL = re.compile(_VERBS + r"\s+#(\d+)", re.IGNORECASE)
_LINKED_EXTERNAL = re.compile(_VERBS + r"\s+(?:Sentry\s+)?([A-Z]+-\d+)", re.IGNORECASE)


def _verb_label(verb: str) -> str:
    """Production's label: the verb lower-cased minus one trailing "s" or "es" ("clos", "resolv")."""
    return re.sub(r"e?s$", "", verb.lower())


def linked_issues(body: str) -> list[SourceReference]:
    """Issue references from a PR body, in production's order: ``#n`` matches, then ``KEY-n``."""
    return _REFERENCES(_linked(body))


_REFERENCES = TypeAdapter(list[SourceReference]).validate_python


def _linked(body: str) -> list[dict[str, Any]]:
    """:func:`linked_issues` as ``SourceReference`` fields (validated with the event)."""
    refs = [
        {"type": "issue", "id": f"#{m.group(2)}", "label": _verb_label(m.group(1))}
        for m in _LINKED_LOCAL.finditer(body)
    ]
    refs += [
        {"type": "issue", "id": m.group(2), "label": _verb_label(m.group(1))}
        for m in _LINKED_EXTERNAL.finditer(body)
    ]
    return refs


def _person(kind: str, login: str) -> dict[str, Any]:
    return {"type": kind, "id": login, "url": f"https://github.com/{login}"}


def _occurred(item: dict[str, Any], *fields: str) -> str:
    """The first of ``fields`` that holds a time, as text; ``ValueError`` naming each
    (``updated_at is null, created_at is null``) when none does (:func:`~..models.time_part`)."""
    return str(time_part(item, *fields))


def _commit_time(committer: Any, author: Any) -> str:
    """A commit's time: its committer's ``date``, else its author's; ``ValueError`` naming
    both (``commit.committer.date is null, commit.author.date is missing``) when neither has
    one (:func:`~..models.time_part`)."""
    people = {"commit.committer.date": committer, "commit.author.date": author}
    dates = {
        name: person["date"]
        for name, person in people.items()
        if isinstance(person, dict) and "date" in person
    }
    return str(time_part(dates, *people))


def _whole(value: Any, field: str) -> int:
    """``value`` as a whole number: an int, or a float or text that is one (``"12"``, ``12.0``).
    Raises ``ValueError`` for a boolean (``int(True)`` is 1: ``"number": true`` was stored as
    PR #1, a tester's finding), a fraction, infinity (``1e400``) or NaN, and ``TypeError`` for
    ``null`` or a list: :func:`.base.transform_item` fails that item alone."""
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ValueError(f"{field} is not a whole number: {str(value).lower()}")
    return int(value)


def _id_number(item: dict[str, Any]) -> int:
    """A PR's or issue's ``number`` (part of its sourceId) as :func:`_whole` reads it; null,
    missing or blank raise ``ValueError`` naming it (:func:`~..models.id_part`)."""
    value = item.get("number")
    return _whole(value if isinstance(value, int | float) else id_part(item, "number"), "number")


def pull_request(pr: dict[str, Any], repo: Repo) -> SourceEvent:
    number = _id_number(pr)
    merged = bool(pr.get("merged")) or pr.get("merged_at") is not None
    state = id_part(pr, "state")  # the sourceId's action: null is no state, not "closed"
    action = "opened" if state == "open" else "merged" if merged else "closed"
    label = {"opened": "PR Opened", "merged": "PR Merged", "closed": "PR Closed"}[action]
    title = str(pr.get("title") or "")
    body = str(pr.get("body") or "")
    head = pr.get("head") or {}
    base = pr.get("base") or {}
    refs: list[dict[str, Any]] = [{"type": "pr", "id": f"#{number}", "url": pr.get("html_url")}]
    if head.get("ref"):
        refs.append(
            {"type": "branch", "id": head["ref"], "url": f"{repo.html_url}/tree/{head['ref']}"}
        )
    if head.get("sha"):
        refs.append(
            {"type": "commit", "id": head["sha"], "url": f"{repo.html_url}/commit/{head['sha']}"}
        )
    if pr.get("merge_commit_sha"):
        sha = pr["merge_commit_sha"]
        refs.append(
            {"type": "commit", "id": sha, "url": f"{repo.html_url}/commit/{sha}", "label": "merge"}
        )
    refs.extend(_linked(body))
    refs += [_person("reviewer", login) for login in _logins(pr.get("requested_reviewers"))]
    refs += [_person("assignee", login) for login in _logins(pr.get("assignees"))]
    refs += [{"type": "label", "id": name} for name in _label_names(pr.get("labels"))]
    user = pr.get("user") or {}
    return _event(
        source="github",
        sourceType=f"pull-request.{action}",
        sourceId=f"pr:{repo.full_name}#{number}:{action}",
        title=f"[{label}] {title[:100]}",
        body=f"{title}\n{body}",
        actor=_actor(user),
        occurredAt=_occurred(pr, "updated_at", "created_at"),
        references=refs,
        metadata={
            **_common(repo, "pr", pr.get("id", number)),
            "prNumber": number,
            "action": "opened" if action == "opened" else "closed",
            "merged": merged,
            "draft": bool(pr.get("draft")),
            "additions": _whole(pr.get("additions") or 0, "additions"),
            "deletions": _whole(pr.get("deletions") or 0, "deletions"),
            "changedFiles": _whole(pr.get("changed_files") or 0, "changed_files"),
            "headRef": head.get("ref"),
            "baseRef": base.get("ref"),
            "headSha": head.get("sha"),
            "authorLogin": user.get("login"),
            "authorId": user.get("id"),
        },
    )


def issue(item: dict[str, Any], repo: Repo) -> SourceEvent:
    number = _id_number(item)
    state = id_part(item, "state")
    action = "opened" if state == "open" else "closed"
    title = str(item.get("title") or "")
    refs = [{"type": "issue", "id": f"#{number}", "url": item.get("html_url")}]
    refs += [_person("assignee", login) for login in _logins(item.get("assignees"))]
    refs += [{"type": "label", "id": name} for name in _label_names(item.get("labels"))]
    user = item.get("user") or {}
    return _event(
        source="github",
        sourceType=f"issue.{action}",
        sourceId=f"issue:{repo.full_name}#{number}:{action}",
        title=f"[Issue {action.capitalize()}] {title[:100]}",
        body=f"{title}\n{item.get('body') or ''}",
        actor=_actor(user),
        occurredAt=_occurred(item, "updated_at", "created_at"),
        references=refs,
        metadata={
            **_common(repo, "issue", item.get("id", number)),
            "issueNumber": number,
            "action": action,
            "state": state,
            "authorLogin": user.get("login"),
            "authorId": user.get("id"),
        },
    )


def release(item: dict[str, Any], repo: Repo) -> SourceEvent:
    tag = str(id_part(item, "tag_name"))
    author = item.get("author") or {}
    refs = []
    if item.get("target_commitish"):
        branch = str(item["target_commitish"])
        refs.append({"type": "branch", "id": branch, "url": f"{repo.html_url}/tree/{branch}"})
    return _event(
        source="github",
        sourceType="release.published",
        sourceId=f"release:{repo.full_name}:{tag}",
        title=f"[Release Published] {item.get('name') or tag}",
        body=str(item.get("body") or ""),
        actor=_actor(author),
        occurredAt=_occurred(item, "published_at", "created_at"),
        references=refs,
        metadata={
            **_common(repo, "release", item.get("id", tag)),
            "tagName": tag,
            "targetCommitish": item.get("target_commitish"),
            "action": "published",
            "prerelease": bool(item.get("prerelease")),
            "draft": bool(item.get("draft")),
            "authorLogin": author.get("login"),
            "authorId": author.get("id"),
        },
    )


def commit(item: dict[str, Any], repo: Repo) -> SourceEvent:
    sha = str(id_part(item, "sha"))
    detail = time_part(item, "commit")  # "commit is null" / "is missing", not a KeyError
    if not isinstance(detail, dict):
        raise ValueError("commit is not an object")
    message = str(detail.get("message") or "")
    first_line = message.strip().split("\n", 1)[0][:100]
    branch = repo.default_branch
    git_author = detail.get("author") or {}
    user = item.get("author")
    actor = _actor(user)
    if actor is not None:  # production: the pushing user, with the pusher's email
        actor["email"] = git_author.get("email")
    if actor is None and (git_author.get("email") or git_author.get("name")):
        actor = {
            "id": str(git_author.get("email") or git_author["name"]),
            "name": str(git_author.get("name") or git_author["email"]),
            "email": git_author.get("email"),
        }
    parents = item.get("parents") or []
    return _event(
        source="github",
        sourceType="push",
        sourceId=f"push:{repo.full_name}:{sha}",
        title=f"[Push] {first_line}" if first_line else f"[Push] Push to {branch}",
        body=message,
        actor=actor,
        occurredAt=_commit_time(detail.get("committer"), git_author),
        references=[
            {"type": "commit", "id": sha, "url": f"{repo.html_url}/commit/{sha}"},
            {"type": "branch", "id": branch, "url": f"{repo.html_url}/tree/{branch}"},
        ],
        metadata={
            **_common(repo, "push", sha),
            "branch": branch,
            "beforeSha": parents[0].get("sha")
            if parents and isinstance(parents[0], dict)
            else None,
            "afterSha": sha,
            "commitCount": 1,
            "fileCount": 0,
            "forced": False,
        },
    )
