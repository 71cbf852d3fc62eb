"""Items whose time fields are there but null (respx at the HTTP level, the real connectors):
each fails alone, its reason naming the fields and saying null. A GitHub PR with
``updated_at`` and ``created_at`` null failed as ``KeyError: 'updated_at'``, as if the key
were absent (a fresh tester's finding); the same read served issues, releases and commits,
and Sentry's and Vercel's times did not say null."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import respx

from .harness import NOW, REPO, days_ago, iso, make_connector, read_stream

CUTOFF = NOW - timedelta(days=30)
API = "https://api.github.com/repos/acme/rocket"
STAMP = iso(days_ago(1))


def _pull(number: int, **times: Any) -> dict[str, Any]:
    return {
        "id": 7000 + number, "number": number, "state": "open", "title": f"PR {number}",
        "body": "", "user": {"login": "octo-ada", "id": 1}, "updated_at": STAMP,
        "created_at": STAMP, "html_url": f"https://github.com/acme/rocket/pull/{number}",
        "head": {"ref": "feature", "sha": "a" * 40}, "base": {"ref": "main"}, **times,
    }  # fmt: skip


def _release(tag: str, **times: Any) -> dict[str, Any]:
    return {
        "id": len(tag), "tag_name": tag, "name": tag, "body": "", "draft": False,
        "html_url": f"https://github.com/acme/rocket/releases/tag/{tag}",
        "author": {"login": "octo-ada", "id": 1}, "created_at": STAMP, "published_at": STAMP,
        **times,
    }  # fmt: skip


def _commit(sha: str, committer: Any, author: Any) -> dict[str, Any]:
    return {
        "sha": sha, "parents": [], "author": None,
        "commit": {"message": "fix", "committer": committer,
                   "author": {"name": "Ada", "email": "ada@example.com", **author}},
    }  # fmt: skip


def _reasons(entity: str, path: str, items: list[dict[str, Any]]) -> list[str]:
    respx.get(API).respond(200, json=REPO)
    respx.get(f"{API}/{path}").respond(200, json=items)
    pages = read_stream(make_connector("github", "acme/rocket", CUTOFF), entity)
    assert len([e for page in pages for e in page.events]) == 1, pages
    return [f.reason for page in pages for f in page.failures]


@respx.mock
@pytest.mark.parametrize(
    ("entity", "path", "items", "said"),
    [
        (
            "pull_request", "pulls",
            [_pull(1, updated_at=None), _pull(2, updated_at=None, created_at=None)],
            "updated_at is null, created_at is null",
        ),
        (
            "issue", "issues",
            [{**_pull(1), "head": None}, {**_pull(2), "updated_at": None, "created_at": None}],
            "updated_at is null, created_at is null",
        ),
        (
            "release", "releases",
            [_release("v1", published_at=None), _release("v22", published_at=None, created_at=None)],
            "published_at is null, created_at is null",
        ),
        (
            "push", "commits",
            [_commit("a" * 40, {"date": STAMP}, {}), _commit("b" * 40, {"date": None}, {})],
            "commit.committer.date is null, commit.author.date is missing",
        ),
    ],
)  # fmt: skip
def test_a_github_item_with_null_times_fails_alone_saying_null(
    entity: str, path: str, items: list[dict[str, Any]], said: str
) -> None:
    """The first item falls back to its other time and is stored; the second has none."""
    (reason,) = _reasons(entity, path, items)
    assert said in reason and "KeyError" not in reason, reason


@respx.mock
def test_a_sentry_issue_with_null_times_fails_alone_saying_null() -> None:
    """``lastSeen`` null: ``firstSeen`` stands in (stored); both null fails alone naming
    both (it reached the model as an ``occurredAt`` of None: "invalid occurredAt")."""
    sentry = "https://sentry.io/api/0"
    respx.get(f"{sentry}/projects/acme/rocket/").respond(
        200, json={"id": "7", "slug": "rocket", "name": "rocket"}
    )
    issue = {"id": "1", "shortId": "ROCKET-1", "title": "KeyError", "status": "unresolved",
             "lastSeen": None, "firstSeen": STAMP, "metadata": {"type": "KeyError"},
             "project": {"id": "7", "slug": "rocket", "name": "rocket"}}  # fmt: skip
    respx.get(url__startswith=f"{sentry}/organizations/acme/issues/").respond(
        200, json=[issue, {**issue, "id": "2", "shortId": "ROCKET-2", "firstSeen": None}]
    )
    pages = read_stream(make_connector("sentry", "acme/rocket", CUTOFF), "issue")
    assert [e.sourceId for page in pages for e in page.events] == [
        "sentry-issue:rocket:ROCKET-1:created"
    ]
    (reason,) = [f.reason for page in pages for f in page.failures]
    assert "lastSeen is null, firstSeen is null" in reason, reason


@respx.mock
def test_a_vercel_deployment_with_a_null_created_says_null() -> None:
    respx.get(url__startswith="https://api.vercel.com/v9/projects/rocket-web").respond(
        200, json={"id": "prj_1", "name": "rocket-web", "accountId": "team_1"}
    )
    ms = int(days_ago(1).timestamp() * 1000)
    deployments = [
        {"uid": f"dpl_{n}", "name": "rocket-web", "url": f"r-{n}.vercel.app", "created": created,
         "state": "READY", "target": None}
        for n, created in ((1, ms), (2, None))
    ]  # fmt: skip
    respx.get(url__startswith="https://api.vercel.com/v6/deployments").respond(
        200, json={"deployments": deployments, "pagination": {"count": 2, "next": None}}
    )
    pages = read_stream(make_connector("vercel", "rocket-web", CUTOFF), "deployment")
    assert len([e for page in pages for e in page.events]) == 1
    (reason,) = [f.reason for page in pages for f in page.failures]
    assert "created is null" in reason, reason


@respx.mock
def test_a_linear_issue_with_a_null_created_at_says_null() -> None:
    """It said ``missing createdAt``, as if the field were not there."""
    import json

    import httpx

    from .harness import Samples

    (node,) = Samples.create().graphql("issue", 1)
    node = {**node, "updatedAt": STAMP, "createdAt": STAMP}
    nodes = [node, {**node, "id": "other-id", "identifier": "ENG-999", "createdAt": None}]
    team = {"id": "t-1", "key": "ENG", "name": "Engineering", "organization": {"id": "o-1"}}
    info = {"hasNextPage": False, "endCursor": None}
    page = {"data": {"issues": {"nodes": nodes, "pageInfo": info}}}
    respx.post("https://api.linear.app/graphql").mock(
        side_effect=[
            httpx.Response(200, json={"data": {"teams": {"nodes": [team]}}}),
            httpx.Response(200, content=json.dumps(page).encode(),
                           headers={"content-type": "application/json"}),
        ]
    )  # fmt: skip
    pages = read_stream(make_connector("linear", "ENG", CUTOFF), "issue")
    assert len([e for page in pages for e in page.events]) == 1
    (reason,) = [f.reason for page in pages for f in page.failures]
    assert "createdAt is null" in reason, reason


@respx.mock
def test_a_commit_with_no_committer_or_no_commit_object_says_which() -> None:
    """A null committer named the author's date twice (``commit.committer.date`` read from the
    author); a null ``commit`` failed as ``AttributeError: 'NoneType' object...``, a missing
    one as ``KeyError: 'commit'``."""
    commits = [
        _commit("a" * 40, {"date": STAMP}, {}),
        _commit("b" * 40, None, {"date": None}),
        {"sha": "c" * 40, "commit": None},
        {"sha": "d" * 40},
    ]
    reasons = _reasons("push", "commits", commits)
    assert [r.removeprefix("unexpected item shape (ValueError: ") for r in reasons] == [
        "commit.committer.date is missing, commit.author.date is null)",
        "commit is null)",
        "commit is missing)",
    ], reasons


@respx.mock
def test_a_sentry_event_with_a_null_date_created_says_null() -> None:
    """It reached the model as an ``occurredAt`` of None: "invalid occurredAt"."""
    sentry = "https://sentry.io/api/0"
    respx.get(f"{sentry}/projects/acme/rocket/").respond(
        200, json={"id": "7", "slug": "rocket", "name": "rocket"}
    )
    event = {"eventID": "a" * 32, "projectID": "7", "title": "KeyError: x",
             "dateCreated": STAMP, "platform": "python"}  # fmt: skip
    respx.get(url__startswith=f"{sentry}/projects/acme/rocket/events/").respond(
        200, json=[event, {**event, "eventID": "b" * 32, "dateCreated": None}]
    )
    pages = read_stream(make_connector("sentry", "acme/rocket", CUTOFF), "error")
    assert len([e for page in pages for e in page.events]) == 1, pages
    (reason,) = [f.reason for page in pages for f in page.failures]
    assert "dateCreated is null" in reason, reason
