"""Every provider's sourceId builder, with each field its sourceId is made of nulled, blanked or
left out: that one item fails, with a reason naming the field, and no sourceId ever holds
"None", "null" or "undefined" (interfaces.md §sourceId formats). With the field present the
format is production's, unchanged.

A tester's finding: GitHub releases with ``tag_name: null`` all became
``release:acme/x:None`` and collapsed into one ("3 fetched 1 new 2 dup 0 failed"). The same
held for a commit's ``sha`` and, written ``null``, for Sentry's ``shortId``, ``project.slug``,
an event's id and project and a webhook's ``action``; a PR's or issue's null ``number``
failed with a ``TypeError`` that did not name the field, and a null ``state`` was stored as
``:closed``."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from linear_samples import ENG, issue_node

from backfill_tui.connectors import github_transform as gt
from backfill_tui.connectors import linear_transform as lt
from backfill_tui.connectors import sentry_transform as st
from backfill_tui.connectors import vercel_transform as vt
from backfill_tui.connectors.items import ItemFailure, transform_item
from backfill_tui.models import SourceEvent

REPO = gt.Repo(1, "acme/x", "https://github.com/acme/x", "main")
WHEN = "2026-11-02T14:03:11Z"
USER = {"id": 7, "login": "ada"}
SENTRY = st.Project(4506321887150080, "rocket", "Rocket", "acme")
VERCEL = vt.Project("prj_1", "web", "team_1")
TEAM = lt.Team(id=ENG["id"], key=ENG["key"], name=ENG["name"])

_SENTRY_ISSUE = {
    "id": "11", "shortId": "ROCKET-1A", "title": "ZeroDivisionError: division by zero",
    "status": "unresolved", "lastSeen": WHEN, "metadata": {"value": "division by zero"},
    "project": {"id": "4506321887150080", "slug": "rocket", "name": "Rocket"},
}  # fmt: skip
_SENTRY_EVENT = {
    "eventID": "a" * 32, "id": "a" * 32, "projectID": "4506321887150080",
    "dateCreated": WHEN, "title": "boom", "metadata": {"value": "boom"},
}  # fmt: skip

#: (builder, a good item, the sourceId it makes, the fields (paths) that sourceId is made of)
CASES: dict[str, tuple[Callable[[Any], SourceEvent], dict[str, Any], str, list[str]]] = {
    "github pr": (
        lambda i: gt.pull_request(i, REPO),
        {"id": 1, "number": 5, "state": "open", "user": USER, "updated_at": WHEN},
        "pr:acme/x#5:opened",
        ["number", "state"],
    ),
    "github issue": (
        lambda i: gt.issue(i, REPO),
        {"id": 1, "number": 6, "state": "closed", "user": USER, "updated_at": WHEN},
        "issue:acme/x#6:closed",
        ["number", "state"],
    ),
    "github release": (
        lambda i: gt.release(i, REPO),
        {"id": 1, "tag_name": "v1.0", "author": USER, "published_at": WHEN},
        "release:acme/x:v1.0",
        ["tag_name"],
    ),
    "github commit": (
        lambda i: gt.commit(i, REPO),
        {"sha": "c" * 40, "commit": {"message": "m", "author": {"date": WHEN}}},
        f"push:acme/x:{'c' * 40}",
        ["sha"],
    ),
    "sentry issue (REST)": (
        lambda i: st.issue_from_rest(i, SENTRY),
        _SENTRY_ISSUE,
        "sentry-issue:rocket:ROCKET-1A:created",
        ["shortId", "project.slug"],
    ),
    "sentry issue (webhook)": (
        lambda p: st.issue_from_webhook(p, "d-1"),
        {"action": "resolved", "data": {"issue": _SENTRY_ISSUE}},
        "sentry-issue:rocket:ROCKET-1A:resolved",
        ["action", "data.issue.shortId", "data.issue.project.slug"],
    ),
    "sentry error (REST)": (
        lambda i: st.error_from_rest(i, SENTRY),
        _SENTRY_EVENT,
        f"sentry-error:4506321887150080:{'a' * 32}",
        ["eventID+id"],
    ),
    "sentry error (webhook)": (
        lambda p: st.error_from_webhook(p, "d-1"),
        {
            "data": {
                "error": {"event_id": "e" * 32, "project": 45, "title": "boom", "timestamp": WHEN}
            }
        },
        f"sentry-error:45:{'e' * 32}",
        ["data.error.event_id", "data.error.project"],
    ),
    "vercel deployment (REST)": (
        lambda i: vt.deployment_from_rest(i, VERCEL),
        {"uid": "dpl_1", "created": 1764000000000, "state": "READY"},
        "deployment:dpl_1",
        ["uid"],
    ),
    "vercel deployment (webhook)": (
        lambda e: vt.deployment_from_webhook(e, "deployment.succeeded"),
        {
            "id": "wh_1",
            "createdAt": 1764000000000,
            "payload": {"deployment": {"id": "dpl_2"}, "project": {"id": "prj_1"}},
        },
        "deployment:dpl_2",
        ["payload.deployment.id"],
    ),
    "linear issue": (
        lambda n: lt.issue_from_graphql(n, TEAM),
        issue_node(),
        "linear-issue:ENG:ENG-42:create",
        ["identifier", "team.key"],
    ),
    "linear comment": (
        lambda n: lt.comment_from_graphql(n, TEAM),
        {"id": "c-1", "body": "hi", "createdAt": WHEN, "issue": {"identifier": "ENG-42"}},
        "linear-comment:ENG-42:c-1:create",
        ["id", "issue.identifier"],
    ),
    "linear project": (
        lambda n: lt.project_from_graphql(n, TEAM),
        {"id": "p-1", "slugId": "abc123", "name": "Launch", "createdAt": WHEN},
        "linear-project:abc123:create",
        ["slugId"],
    ),
}


def _with(item: dict[str, Any], path: str, how: str) -> dict[str, Any]:
    """``item`` with the field at ``path`` (dotted; ``a+b``: each of them) nulled, blanked or
    left out."""
    item = copy.deepcopy(item)
    for one in path.split("+"):
        *outer, last = one.split(".")
        holder = item
        for step in outer:
            holder = holder[step]
        if how == "left out":
            holder.pop(last, None)
        else:
            holder[last] = None if how == "null" else ""
    return item


@pytest.mark.parametrize("name", list(CASES))
def test_with_every_id_field_present_the_source_id_is_productions(name: str) -> None:
    build, item, source_id, _fields = CASES[name]
    assert build(copy.deepcopy(item)).sourceId == source_id


@pytest.mark.parametrize("how", ["null", "empty", "left out"])
@pytest.mark.parametrize(
    ("name", "path"), [(name, path) for name, case in CASES.items() for path in case[3]]
)
def test_an_id_field_null_empty_or_missing_fails_that_item_naming_the_field(
    name: str, path: str, how: str
) -> None:
    build, item, _source_id, _fields = CASES[name]
    result = transform_item(_with(item, path, how), build, lambda _i: "k")
    assert isinstance(result, ItemFailure), f"stored as {result.sourceId!r}"
    field = path.split("+")[-1].split(".")[-1]
    assert field in result.reason, result.reason
