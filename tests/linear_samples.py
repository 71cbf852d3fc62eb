"""A Linear issue as its webhook carries it and as our backfill query selects it: shared by the
transform tests (tests/unit) and the connector's partial-data tests (tests/connectors)."""

from __future__ import annotations

import copy
from typing import Any

CREATED = "2026-11-20T10:00:00.000Z"
ADA = {
    "id": "u-ada",
    "name": "Ada Okafor",
    "displayName": "ada",
    "email": "ada@acme.dev",
    "avatarUrl": "https://public.linear.app/a.png",
}
ZOE = {"id": "u-zoe", "name": "Zoë Müller", "displayName": "zoe", "email": None}
ENG = {"id": "team-eng-id", "key": "ENG", "name": "Engineering"}
OPS = {"id": "team-ops-id", "key": "OPS", "name": "Operations"}


def envelope(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """A webhook as Linear sends it for a ``create``."""
    return {
        "action": "create",
        "type": kind,
        "createdAt": CREATED,
        "organizationId": "org-1",
        "webhookId": "wh-1",
        "webhookTimestamp": 1763632800000,
        "data": data,
        "url": data.get("url"),
    }


ISSUE_WEBHOOK = envelope(
    "Issue",
    {
        "id": "i-42",
        "identifier": "ENG-42",
        "number": 42,
        "createdAt": CREATED,
        "updatedAt": CREATED,
        "title": "Crash in the guidance ✓ " + "x" * 100,
        "description": "Steps:\n1. launch",
        "priority": 2,
        "priorityLabel": "High",
        "estimate": 0,
        "dueDate": "2026-12-01",
        "url": "https://linear.app/acme/issue/ENG-42/crash",
        "branchName": "ada/eng-42-crash",
        "teamId": "team-eng-id",
        "stateId": "s-1",
        "labelIds": ["l-1", "l-2"],
        "boardOrder": 0,
        "sortOrder": -12.5,
        "team": ENG,
        "state": {"id": "s-1", "name": "In Progress", "type": "started", "color": "#f2c94c"},
        "creator": ADA,
        "assignee": ZOE,
        "project": {
            "id": "p-1",
            "name": "Launch pad",
            "url": "https://linear.app/acme/project/launch-pad-abc",
        },
        "cycle": {"id": "c-7", "number": 7, "name": None, "startsAt": CREATED, "endsAt": CREATED},
        "labels": [
            {"id": "l-1", "name": "Bug", "color": "#eb5757"},
            {"id": "l-2", "name": "🔥 Hot", "color": "#000"},
        ],
        "attachments": {
            "nodes": [
                {
                    "id": "a-1",
                    "title": "PR",
                    "sourceType": "githubPr",
                    "url": "https://github.com/acme/rocket/pull/9",
                    "metadata": {"number": 9, "state": "open"},
                },
                {
                    "id": "a-2",
                    "title": "Sentry",
                    "sourceType": "sentryIssue",
                    "url": "https://acme.sentry.io/issues/1/",
                    "metadata": {"shortId": "ROCKET-1A"},
                },
                {
                    "id": "a-3",
                    "title": "Doc",
                    "sourceType": "notion",
                    "url": "https://notion.so/x",
                    "metadata": {},
                },
            ]
        },
    },
)


def issue_node() -> dict[str, Any]:
    """The same issue as our backfill query selects it."""
    data = copy.deepcopy(ISSUE_WEBHOOK["data"])
    data["labels"] = {"nodes": [{"name": label["name"]} for label in data["labels"]]}
    for key in ("teamId", "stateId", "labelIds", "boardOrder", "sortOrder"):
        data.pop(key)
    data["state"].pop("color")
    return data
