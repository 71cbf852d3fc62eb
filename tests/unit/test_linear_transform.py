"""Linear transformers: production's webhook output, the same from a GraphQL node, never a crash.

Also the complexity estimate every Linear query is held to (Linear rejects above 10,000 points).
"""

from __future__ import annotations

import copy
import json
import math
from typing import Any

import pytest
from gql import gql
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from linear_samples import ADA, CREATED, ENG, ISSUE_WEBHOOK, OPS, ZOE, envelope, issue_node

from backfill_tui.connectors import ItemFailure
from backfill_tui.connectors.items import transform_item
from backfill_tui.connectors.linear_query import (
    COMMENTS,
    COMPLEXITY_CAP,
    ISSUES,
    PROJECTS,
    QUERIES,
    TEAM,
    complexity,
)
from backfill_tui.connectors.linear_transform import (
    Team,
    comment_from_graphql,
    comment_from_webhook,
    comment_key,
    issue_from_graphql,
    issue_from_webhook,
    issue_key,
    project_from_graphql,
    project_from_webhook,
    project_key,
)
from backfill_tui.models import SourceEvent

TEAM_ENG = Team("team-eng-id", "ENG", "Engineering", "org-1")
COMMENT_WEBHOOK = envelope(
    "Comment",
    {
        "id": "cm-1",
        "body": "Can reproduce on the 日本語 locale — see logs",
        "createdAt": CREATED,
        "updatedAt": CREATED,
        "editedAt": None,
        "url": "https://linear.app/acme/issue/ENG-42#comment-cm1",
        "issueId": "i-42",
        "userId": "u-ada",
        "reactionData": [],
        "user": ADA,
        "issue": {
            "id": "i-42",
            "identifier": "ENG-42",
            "title": "Crash",
            "url": "https://linear.app/acme/issue/ENG-42/crash",
        },
        "parent": {"id": "cm-0"},
    },
)


def comment_node() -> dict[str, Any]:
    data = copy.deepcopy(COMMENT_WEBHOOK["data"])
    for key in ("issueId", "userId", "reactionData"):
        data.pop(key)
    data["issue"]["team"] = ENG
    data["archivedAt"] = None
    return data


PROJECT_WEBHOOK = envelope(
    "Project",
    {
        "id": "p-1",
        "name": "Launch pad",
        "slugId": "abc123def456",
        "description": "Ship it",
        "state": "started",
        "progress": 0.125,
        "scope": 13,
        "targetDate": "2027-01-15",
        "startDate": "2026-11-01",
        "startedAt": CREATED,
        "completedAt": None,
        "canceledAt": None,
        "createdAt": CREATED,
        "updatedAt": CREATED,
        "url": "https://linear.app/acme/project/launch-pad-abc123def456",
        "color": "#bec2c8",
        "sortOrder": 1,
        "lead": ADA,
        "members": [ADA, ZOE],
        "teams": [ENG, OPS],
    },
)


def project_node() -> dict[str, Any]:
    data = copy.deepcopy(PROJECT_WEBHOOK["data"])
    for key in ("state", "color", "sortOrder"):
        data.pop(key)
    data["status"] = {"type": "started"}
    data["teams"] = {"nodes": data["teams"]}
    data["members"] = {"nodes": [{"id": m["id"]} for m in data["members"]]}
    data["archivedAt"] = None
    return data


CASES = [
    ("issue", issue_from_graphql, issue_node, issue_from_webhook, ISSUE_WEBHOOK),
    ("comment", comment_from_graphql, comment_node, comment_from_webhook, COMMENT_WEBHOOK),
    ("project", project_from_graphql, project_node, project_from_webhook, PROJECT_WEBHOOK),
]


@pytest.mark.parametrize(
    ("entity", "from_graphql", "node", "from_webhook", "webhook"), CASES, ids=[c[0] for c in CASES]
)
def test_graphql_node_and_webhook_give_the_same_observation(
    entity: str, from_graphql: Any, node: Any, from_webhook: Any, webhook: Any
) -> None:
    backfilled = from_graphql(node(), TEAM_ENG)
    live = from_webhook(webhook, "delivery-1")
    for field in ("sourceId", "sourceType", "title", "references", "body", "actor", "occurredAt"):
        assert getattr(backfilled, field) == getattr(live, field), field
    assert backfilled.metadata["teamId"] == "team-eng-id"
    assert backfilled.metadata["deliveryId"].startswith("backfill-team-eng-id-")
    assert "webhookId" not in backfilled.metadata and live.metadata["webhookId"] == "wh-1"


def test_issue_is_production_shaped() -> None:
    event = issue_from_webhook(ISSUE_WEBHOOK, "d-1")
    assert event.sourceId == "linear-issue:ENG:ENG-42:create"
    assert event.sourceType == "issue.created"
    assert event.title == "[Issue Created] ENG-42: " + ("Crash in the guidance ✓ " + "x" * 100)[:80]
    assert event.body == (
        "Crash in the guidance ✓ " + "x" * 100 + "\nSteps:\n1. launch\n"
        "Team: Engineering\nState: In Progress\nPriority: High\nProject: Launch pad\n"
        "Cycle: Cycle 7\nAssignee: zoe\nLabels: Bug, 🔥 Hot\nDue: 2026-12-01"
    )
    assert [(r["type"], r["id"], r.get("url"), r.get("label")) for r in event.references] == [
        ("issue", "ENG-42", "https://linear.app/acme/issue/ENG-42/crash", None),
        ("team", "ENG", None, "Engineering"),
        ("project", "Launch pad", "https://linear.app/acme/project/launch-pad-abc", None),
        ("cycle", "Cycle 7", None, None),
        ("assignee", "Zoë Müller", None, None),  # no email: the name
        ("label", "Bug", None, None),
        ("label", "🔥 Hot", None, None),
        ("branch", "ada/eng-42-crash", None, None),
        ("pr", "#9", "https://github.com/acme/rocket/pull/9", "tracked_in"),
        ("issue", "ROCKET-1A", "https://acme.sentry.io/issues/1/", "linked"),
    ]
    assert event.actor is not None and (event.actor["id"], event.actor["name"]) == ("u-ada", "ada")
    assert event.occurredAt == "2026-11-20T10:00:00+00:00"
    meta = event.metadata
    assert (meta["estimate"], meta["cycleName"], meta["assigneeName"], meta["labels"]) == (
        0,
        None,
        "zoe",
        ["Bug", "🔥 Hot"],
    )
    assert (meta["teamId"], meta["action"], meta["organizationId"], meta["webhookId"]) == (
        "team-eng-id",
        "create",
        "org-1",
        "wh-1",
    )


def test_comment_and_project_are_production_shaped() -> None:
    comment = comment_from_webhook(COMMENT_WEBHOOK, "d-1")
    assert comment.sourceId == "linear-comment:ENG-42:cm-1:create"
    assert comment.sourceType == "comment.created"
    assert (
        comment.title == "[Comment Added] ENG-42: Can reproduce on the 日本語 locale — see logs..."
    )
    assert comment.body == "Can reproduce on the 日本語 locale — see logs\nOn issue: ENG-42 - Crash"
    assert comment.metadata["parentCommentId"] == "cm-0"
    project = project_from_webhook(PROJECT_WEBHOOK, "d-1")
    assert project.sourceId == "linear-project:abc123def456:create"
    assert project.title == "[Project Created] Project: Launch pad"
    # JavaScript's Math.round: 12.5 rounds up.
    assert project.body == (
        "Launch pad\nShip it\nState: started\nProgress: 13%\nTarget: 2027-01-15\n"
        "Lead: ada\nTeams: Engineering, Operations"
    )
    assert [(r["type"], r["id"], r.get("label")) for r in project.references] == [
        ("project", "Launch pad", None),
        ("assignee", "ada@acme.dev", "lead"),
        ("team", "ENG", "Engineering"),
        ("team", "OPS", "Operations"),
    ]
    assert project.metadata["memberIds"] == ["u-ada", "u-zoe"]
    assert project.metadata["teamIds"] == ["team-eng-id", "team-ops-id"]


def test_a_short_comment_ending_in_a_full_stop_ends_in_four_dots_as_in_production() -> None:
    """Production's title is ``${comment.body.slice(0, 60)}...`` whether the body was cut or
    not, so "please verify." becomes "please verify....": the mirror keeps production's title
    (a tester took the four dots for a truncation of ours)."""
    comment = comment_node()
    comment.update(body="Fixed in the latest build — please verify.")
    event = comment_from_graphql(comment, TEAM_ENG)
    assert event.title == "[Comment Added] ENG-42: Fixed in the latest build — please verify...."


def test_missing_optionals_and_a_long_body() -> None:
    node = issue_node()
    for key in ("project", "cycle", "assignee", "creator", "description", "dueDate", "branchName"):
        node[key] = None
    node.update(labels={"nodes": []}, attachments={"nodes": []}, estimate=2.5)
    event = issue_from_graphql(node, TEAM_ENG)
    assert event.actor is None
    assert [r["type"] for r in event.references] == ["issue", "team"]
    assert event.body.endswith("Priority: High\nEstimate: 2.5 points")
    comment = comment_node()
    comment.update(body="é" * 20_000, user=None, parent=None)
    event = comment_from_graphql(comment, TEAM_ENG)
    assert len(event.body) == 10_000 and event.body.endswith("...")
    assert event.title == "[Comment Added] ENG-42: " + "é" * 60 + "..."
    project = project_node()
    project.update(lead=None, teams={"nodes": []}, targetDate=None, description="")
    event = project_from_graphql(project, TEAM_ENG)
    assert event.body == "Launch pad\nState: started\nProgress: 13%\nTeams:"  # trimmed
    assert event.metadata["teamId"] == "team-eng-id"  # the source's team: interfaces.md §2


# -- never an exception --------------------------------------------------------------------------

ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
HUGE = st.tuples(
    st.text(min_size=1, max_size=5, alphabet="aé日🚀 \n"), st.integers(2_000, 12_000)
).map(lambda t: t[0] * t[1])
TEXT = st.none() | st.text(max_size=50) | HUGE
WHEN = st.sampled_from([CREATED, "2026-11-20T10:00:00+02:00", "2026-11-20"]) | st.text(max_size=12)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy | ANY_JSON


PERSON = st.fixed_dictionaries(
    {},
    optional={
        "id": maybe(st.text(max_size=10)),
        "displayName": TEXT,
        "name": TEXT,
        "email": maybe(st.emails()),
        "avatarUrl": TEXT,
    },
)
ISSUES_ST = st.fixed_dictionaries(
    {},
    optional={
        "id": maybe(st.uuids().map(str)),
        "identifier": maybe(st.from_regex(r"ENG-[0-9]{1,5}", fullmatch=True)),
        "number": maybe(st.integers()),
        "title": TEXT,
        "description": TEXT,
        "url": TEXT,
        "branchName": TEXT,
        "priority": maybe(st.integers(0, 4)),
        "priorityLabel": TEXT,
        "estimate": maybe(st.floats()),
        "dueDate": TEXT,
        "createdAt": WHEN,
        "updatedAt": WHEN,
        "team": maybe(
            st.fixed_dictionaries({"key": st.text(max_size=5)}, optional={"id": TEXT, "name": TEXT})
        ),
        "state": maybe(
            st.fixed_dictionaries({}, optional={"id": TEXT, "name": TEXT, "type": TEXT})
        ),
        "creator": maybe(PERSON),
        "assignee": maybe(PERSON),
        "project": maybe(
            st.fixed_dictionaries({}, optional={"id": TEXT, "name": TEXT, "url": TEXT})
        ),
        "cycle": maybe(
            st.fixed_dictionaries(
                {}, optional={"id": TEXT, "name": TEXT, "number": maybe(st.integers())}
            )
        ),
        "labels": maybe(
            st.fixed_dictionaries(
                {"nodes": st.lists(st.fixed_dictionaries({}, optional={"name": TEXT}), max_size=3)}
            )
        ),
        "attachments": maybe(
            st.fixed_dictionaries(
                {
                    "nodes": st.lists(
                        st.fixed_dictionaries(
                            {},
                            optional={
                                "sourceType": st.sampled_from(["githubPr", "sentryIssue", "x"]),
                                "url": TEXT,
                                "metadata": maybe(
                                    st.fixed_dictionaries(
                                        {},
                                        optional={"number": maybe(st.integers()), "shortId": TEXT},
                                    )
                                ),
                            },
                        ),
                        max_size=3,
                    )
                }
            )
        ),
    },
)
COMMENTS_ST = st.fixed_dictionaries(
    {},
    optional={
        "id": maybe(st.uuids().map(str)),
        "body": TEXT,
        "createdAt": WHEN,
        "updatedAt": WHEN,
        "editedAt": TEXT,
        "user": maybe(PERSON),
        "parent": maybe(st.fixed_dictionaries({"id": TEXT})),
        "issue": maybe(
            st.fixed_dictionaries(
                {},
                optional={
                    "id": TEXT,
                    "identifier": TEXT,
                    "title": TEXT,
                    "url": TEXT,
                    "team": maybe(st.fixed_dictionaries({"id": TEXT})),
                },
            )
        ),
    },
)
PROJECTS_ST = st.fixed_dictionaries(
    {},
    optional={
        "id": maybe(st.uuids().map(str)),
        "name": TEXT,
        "slugId": maybe(st.text(max_size=12)),
        "description": TEXT,
        "url": TEXT,
        "progress": maybe(st.floats()),
        "scope": maybe(st.integers()),
        "targetDate": TEXT,
        "createdAt": WHEN,
        "updatedAt": WHEN,
        "lead": maybe(PERSON),
        "status": maybe(st.fixed_dictionaries({}, optional={"type": TEXT})),
        "teams": maybe(
            st.fixed_dictionaries(
                {
                    "nodes": st.lists(
                        st.fixed_dictionaries({}, optional={"id": TEXT, "key": TEXT, "name": TEXT}),
                        max_size=3,
                    )
                }
            )
        ),
        "members": maybe(
            st.fixed_dictionaries(
                {"nodes": st.lists(st.fixed_dictionaries({}, optional={"id": TEXT}), max_size=3)}
            )
        ),
    },
)


def check(result: SourceEvent | ItemFailure) -> None:
    if isinstance(result, SourceEvent):
        assert 0 < len(result.title) <= 200 and len(result.body) <= 10_000
        assert result.sourceId.startswith("linear-") and result.sourceId.endswith(":create")
        json.dumps(result.model_dump())
    else:
        assert result.reason and "\n" not in result.key


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(ISSUES_ST)
def test_issue_transform_never_raises(node: dict[str, Any]) -> None:
    check(transform_item(node, lambda n: issue_from_graphql(n, TEAM_ENG), issue_key))
    check(
        transform_item(envelope("Issue", node), lambda p: issue_from_webhook(p, "d"), lambda p: "?")
    )


@SETTINGS
@given(COMMENTS_ST)
def test_comment_transform_never_raises(node: dict[str, Any]) -> None:
    check(transform_item(node, lambda n: comment_from_graphql(n, TEAM_ENG), comment_key))
    check(
        transform_item(
            envelope("Comment", node), lambda p: comment_from_webhook(p, "d"), lambda p: "?"
        )
    )


@SETTINGS
@given(PROJECTS_ST)
def test_project_transform_never_raises(node: dict[str, Any]) -> None:
    check(transform_item(node, lambda n: project_from_graphql(n, TEAM_ENG), project_key))
    check(
        transform_item(
            envelope("Project", node), lambda p: project_from_webhook(p, "d"), lambda p: "?"
        )
    )


@SETTINGS
@given(st.text(min_size=1) | HUGE, st.text() | HUGE, st.text() | HUGE, st.none() | st.text() | HUGE)
def test_well_formed_nodes_always_transform(
    title: str, body: str, description: str, name: str | None
) -> None:
    node = issue_node()
    node.update(title=title, description=description)
    node["assignee"] = None if name is None else {**ZOE, "displayName": name}
    assert isinstance(issue_from_graphql(node, TEAM_ENG), SourceEvent)
    comment = comment_node()
    comment.update(body=body)
    assert comment_from_graphql(comment, TEAM_ENG).title.startswith("[Comment Added] ENG-42: ")
    project = project_node()
    project.update(name=title, description=description)
    assert isinstance(project_from_graphql(project, TEAM_ENG), SourceEvent)


# -- complexity ----------------------------------------------------------------------------------


@pytest.mark.parametrize("entity", sorted(QUERIES))
def test_each_backfill_query_stays_well_under_the_complexity_cap(entity: str) -> None:
    query, _root = QUERIES[entity]
    assert complexity(query.document) < COMPLEXITY_CAP * 0.6
    assert complexity(TEAM.document) < 10


def test_complexity_follows_linears_documented_rules() -> None:
    def cost(text: str) -> int:
        return complexity(gql(text).document)

    assert cost("{ viewer { id name } }") == math.ceil(1 + 0.2)
    assert cost("{ issues(first: 10) { nodes { id title } } }") == 12  # 10 × (1 + 0.2)
    assert cost("{ issues { nodes { id } } }") == 55  # no first: 50 × 1.1
    # provider-apis.md §3.2's example: ≈ 2,900 with labels(first: 20), ≈ 6,200 with the default.
    example = """query { issues(first: 100) { nodes { id identifier title description priority url
        createdAt updatedAt completedAt canceledAt state { name type } team { key }
        assignee { id name } creator { id name } labels(first: 20) { nodes { name } } }
        pageInfo { hasNextPage endCursor } } }"""
    assert 2_800 <= cost(example) <= 3_100
    assert 6_000 <= cost(example.replace("labels(first: 20)", "labels")) <= 6_400
    assert (
        cost("{ a: issues(first: 250) { nodes { labels { nodes { name } } } } }") > COMPLEXITY_CAP
    )
    assert {complexity(q.document) for q in (ISSUES, COMMENTS, PROJECTS)} == {
        complexity(q.document) for q, _ in QUERIES.values()
    }
