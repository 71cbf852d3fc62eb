"""GitHub list items become exactly the observations production's webhook transformers make."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backfill_tui.connectors.github_transform import (
    Repo,
    commit,
    issue,
    linked_issues,
    pull_request,
    release,
)
from backfill_tui.connectors.items import ItemFailure, transform_item

REPO = Repo(
    id=1296269,
    full_name="acme/rocket",
    html_url="https://github.com/acme/rocket",
    default_branch="main",
)
USER = {"id": 583231, "login": "octocat", "avatar_url": "https://avatars.example/u/583231"}


def pr(**overrides: Any) -> dict[str, Any]:
    item = {
        "id": 1,
        "number": 1347,
        "state": "closed",
        "title": "Fix the launch sequence",
        "body": "Fixes #12 and closes ENG-42.\nAlso resolves Sentry ROCKET-7",
        "draft": False,
        "html_url": "https://github.com/acme/rocket/pull/1347",
        "user": USER,
        "created_at": "2026-10-01T10:00:00Z",
        "updated_at": "2026-11-02T14:03:11Z",
        "merged_at": "2026-11-02T14:03:10Z",
        "merge_commit_sha": "e" * 40,
        "head": {"ref": "fix/launch", "sha": "a" * 40},
        "base": {"ref": "main", "sha": "b" * 40},
        "requested_reviewers": [{"login": "hubot"}],
        "assignees": [{"login": "ada"}],
        "labels": [{"name": "bug"}, {"name": "p1"}],
    }
    item.update(overrides)
    return item


def test_pull_request_states() -> None:
    merged = pull_request(pr(), REPO)
    assert merged.sourceId == "pr:acme/rocket#1347:merged"
    assert merged.sourceType == "pull-request.merged"
    assert merged.title == "[PR Merged] Fix the launch sequence"
    assert merged.metadata["action"] == "closed" and merged.metadata["merged"] is True
    closed = pull_request(pr(merged_at=None), REPO)
    assert closed.sourceId.endswith(":closed") and closed.title.startswith("[PR Closed] ")
    opened = pull_request(pr(state="open", merged_at=None), REPO)
    assert opened.sourceId.endswith(":opened") and opened.sourceType == "pull-request.opened"


def test_pull_request_fields_as_production_reads_them() -> None:
    event = pull_request(pr(), REPO)
    assert (
        event.body
        == "Fix the launch sequence\nFixes #12 and closes ENG-42.\nAlso resolves Sentry ROCKET-7"
    )
    assert event.actor is not None and (event.actor["id"], event.actor["name"]) == (
        "583231",
        "octocat",
    )
    assert event.occurredAt == "2026-11-02T14:03:11+00:00"
    refs = [(r["type"], r["id"], r.get("label")) for r in event.references]
    assert refs == [
        ("pr", "#1347", None),
        ("branch", "fix/launch", None),
        ("commit", "a" * 40, None),
        ("commit", "e" * 40, "merge"),
        ("issue", "#12", "fix"),
        ("issue", "ENG-42", "clos"),
        ("issue", "ROCKET-7", "resolv"),
        ("reviewer", "hubot", None),
        ("assignee", "ada", None),
        ("label", "bug", None),
        ("label", "p1", None),
    ]
    assert event.references[1]["url"] == "https://github.com/acme/rocket/tree/fix/launch"
    assert event.references[7]["url"] == "https://github.com/hubot"
    meta = event.metadata
    assert meta["deliveryId"] == "backfill-1296269-pr-1" and meta["repoId"] == 1296269
    assert (meta["additions"], meta["deletions"], meta["changedFiles"]) == (0, 0, 0)
    assert (meta["headRef"], meta["baseRef"], meta["authorLogin"], meta["authorId"]) == (
        "fix/launch",
        "main",
        "octocat",
        583231,
    )
    assert pull_request(pr(), REPO) == event  # deterministic: a re-run yields identical events


def test_titles_are_cut_like_production() -> None:
    long = pull_request(pr(title="x" * 150), REPO)
    assert long.title == "[PR Merged] " + "x" * 100
    tagged = release(
        {
            "tag_name": "v1",
            "name": "n" * 300,
            "published_at": "2026-11-01T00:00:00Z",
            "author": USER,
        },
        REPO,
    )
    assert len(tagged.title) == 200 and tagged.title.endswith("...")
    body = pull_request(pr(body="y" * 20_000), REPO).body
    assert len(body) == 10_000 and body.endswith("...")


def test_linked_issue_labels_are_production_stems() -> None:
    body = "fix #1, close #2, closed #3, resolve #4, resolved #5, Fixes: #6, prefix #7"
    got = [(r["id"], r.get("label")) for r in linked_issues(body)]
    assert got == [
        ("#1", "fix"),
        ("#2", "close"),
        ("#3", "closed"),
        ("#4", "resolve"),
        ("#5", "resolved"),
        ("#7", "fix"),
    ]


def test_issue_release_and_commit() -> None:
    item = {
        "id": 9,
        "number": 77,
        "state": "open",
        "title": "Launch pad wobbles",
        "body": None,
        "html_url": "https://github.com/acme/rocket/issues/77",
        "user": USER,
        "updated_at": "2026-11-03T01:02:03Z",
        "labels": ["bug", {"name": "pad"}],
        "assignees": [{"login": "ada"}],
    }
    ev = issue(item, REPO)
    assert (ev.sourceId, ev.sourceType, ev.title) == (
        "issue:acme/rocket#77:opened",
        "issue.opened",
        "[Issue Opened] Launch pad wobbles",
    )
    assert [(r["type"], r["id"]) for r in ev.references] == [
        ("issue", "#77"),
        ("assignee", "ada"),
        ("label", "bug"),
        ("label", "pad"),
    ]
    rel = release(
        {
            "id": 5,
            "tag_name": "v2.0.0",
            "name": None,
            "body": "notes",
            "draft": False,
            "prerelease": True,
            "target_commitish": "main",
            "author": USER,
            "created_at": "2026-11-01T00:00:00Z",
            "published_at": "2026-11-01T01:00:00Z",
        },
        REPO,
    )
    assert (rel.sourceId, rel.title, rel.occurredAt) == (
        "release:acme/rocket:v2.0.0",
        "[Release Published] v2.0.0",
        "2026-11-01T01:00:00+00:00",
    )
    sha = "c" * 40
    push = commit(
        {
            "sha": sha,
            "author": USER,
            "parents": [{"sha": "d" * 40}],
            "commit": {
                "message": "Tune thrusters\n\nLonger text",
                "author": {
                    "name": "Ada",
                    "email": "ada@example.com",
                    "date": "2026-11-04T00:00:00Z",
                },
                "committer": {"date": "2026-11-04T00:05:00Z"},
            },
        },
        REPO,
    )
    assert (push.sourceId, push.sourceType, push.title) == (
        f"push:acme/rocket:{sha}",
        "push",
        "[Push] Tune thrusters",
    )
    assert push.actor is not None and push.actor.get("email") == "ada@example.com"
    assert [(r["type"], r["id"]) for r in push.references] == [("commit", sha), ("branch", "main")]
    assert push.metadata["beforeSha"] == "d" * 40 and push.occurredAt == "2026-11-04T00:05:00+00:00"
    empty = commit(
        {
            "sha": sha,
            "author": None,
            "commit": {
                "message": "",
                "author": {"name": "Bot", "email": None, "date": "2026-11-04T00:00:00Z"},
            },
        },
        REPO,
    )
    assert empty.title == "[Push] Push to main" and empty.actor is not None


anything = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=300),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=8,
)
# Text of 5,000 to 12,000 characters: a drawn piece repeated to a drawn length. Drawing every
# character of such a string made this test ~11 CPU-s of the suite's (hypothesis builds text one
# character at a time); the transform sees the same lengths and the same alphabet.
long_text = st.tuples(st.text(min_size=1, max_size=64), st.integers(5000, 12000)).map(
    lambda piece_length: (piece_length[0] * (piece_length[1] // len(piece_length[0]) + 1))[
        : piece_length[1]
    ]
)


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.data_too_large, HealthCheck.too_slow],
)
@given(
    base=st.sampled_from(["pr", "issue", "release", "commit"]),
    patch=st.dictionaries(
        st.sampled_from(
            [
                "title",
                "body",
                "user",
                "state",
                "number",
                "labels",
                "updated_at",
                "head",
                "tag_name",
                "commit",
                "author",
                "assignees",
                "published_at",
                "name",
                "sha",
            ]
        ),
        anything | long_text,
        max_size=4,
    ),
)
def test_any_item_becomes_an_event_or_a_counted_failure(base: str, patch: dict[str, Any]) -> None:
    items = {
        "pr": (pr(), pull_request),
        "issue": (
            {"number": 3, "state": "closed", "title": "t", "updated_at": "2026-11-01T00:00:00Z"},
            issue,
        ),
        "release": ({"tag_name": "v1", "published_at": "2026-11-01T00:00:00Z"}, release),
        "commit": (
            {
                "sha": "f" * 40,
                "commit": {"message": "m", "author": {"date": "2026-11-01T00:00:00Z"}},
            },
            commit,
        ),
    }
    item, transform = items[base]
    result = transform_item(
        {**item, **patch}, lambda i: transform(i, REPO), lambda i: str(i.get("number"))
    )
    assert isinstance(result, ItemFailure) or (result.title and len(result.body) <= 10_000)
