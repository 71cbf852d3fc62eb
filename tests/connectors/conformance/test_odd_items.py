"""Items with odd values in valid JSON (respx at the HTTP level, the real connectors): a lone
UTF-16 surrogate escape (a truncated emoji, docs/real-world.md) and a number that is not one
(``1e400``, ``true``). Each lost more than itself: the lone surrogate failed its whole item
("unable to parse raw data as a unicode string"), ``1e400`` failed the whole stream as an
internal error, and ``true`` was stored as PR #1 (a tester's findings)."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from backfill_tui.engine.environment import Environment
from backfill_tui.engine.live import RunProgress
from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
from backfill_tui.engine.summary import run_summary
from backfill_tui.store import Mirror

from .harness import NOW, REPO, Samples, days_ago, iso, make_connector, read_stream
from .test_paging_edges import ENTITY, ENV, PROVIDERS, SOURCES, TOKENS, mock_provider, pointer

CUTOFF = NOW - timedelta(days=30)
API = "https://api.github.com/repos/acme/rocket"
LINEAR = "https://api.linear.app/graphql"


def _issue(number: int, title: str, body: str, label: str) -> dict[str, Any]:
    stamp = iso(days_ago(1))
    return {
        "id": 9000 + number, "number": number, "state": "open", "title": title, "body": body,
        "labels": [{"name": "bug"}, {"name": label}], "user": {"login": "octo-ada", "id": 1},
        "updated_at": stamp, "created_at": stamp,
        "html_url": f"https://github.com/acme/rocket/issues/{number}",
    }  # fmt: skip


@respx.mock
def test_a_lone_surrogate_escape_is_replaced_and_the_item_stored(
    respx_mock: respx.MockRouter,
) -> None:
    issues = [
        _issue(1, "Crash \ud83d", "body", "ui"),  # a truncated emoji in the title
        _issue(2, "Two", "body \udc00 here", "ui"),
        _issue(3, "Three", "body", "label \ud83d"),
    ]
    text = json.dumps(issues)  # ensure_ascii: each lone surrogate is a \\udXXX escape
    assert "\\ud83d" in text and "\\udc00" in text
    respx_mock.get(API).respond(200, json=REPO)
    respx_mock.get(f"{API}/issues").respond(
        200, content=text.encode(), headers={"content-type": "application/json"}
    )
    pages = read_stream(make_connector("github", "acme/rocket", CUTOFF), "issue")
    assert [f for page in pages for f in page.failures] == []
    events = {e.sourceId: e for page in pages for e in page.events}
    assert sorted(events) == [f"issue:acme/rocket#{n}:opened" for n in (1, 2, 3)]
    assert events["issue:acme/rocket#1:opened"].title == "[Issue Opened] Crash \ufffd"
    assert events["issue:acme/rocket#2:opened"].body == "Two\nbody \ufffd here"
    labels = [
        r["id"] for r in events["issue:acme/rocket#3:opened"].references if r["type"] == "label"
    ]
    assert labels == ["bug", "label \ufffd"]


@respx.mock
def test_a_valid_surrogate_pair_is_kept_as_its_character(respx_mock: respx.MockRouter) -> None:
    text = json.dumps([_issue(1, "Ship \ud83d\ude80 \ud83d", "body", "ui")])
    respx_mock.get(API).respond(200, json=REPO)
    respx_mock.get(f"{API}/issues").respond(
        200, content=text.encode(), headers={"content-type": "application/json"}
    )
    pages = read_stream(make_connector("github", "acme/rocket", CUTOFF), "issue")
    (event,) = [e for page in pages for e in page.events]
    assert event.title == "[Issue Opened] Ship \U0001f680 \ufffd"


@respx.mock
def test_a_lone_surrogate_in_a_linear_answer_is_replaced(respx_mock: respx.MockRouter) -> None:
    """Linear's answers are read by gql, which parsed them with ``json.loads``: the lone
    surrogate was kept, and the issue failed as GitHub's did."""
    (node,) = Samples.create().graphql("issue", 1)
    stamp = iso(days_ago(1))
    node = {**node, "title": "Truncated \ud83d", "updatedAt": stamp, "createdAt": stamp}
    team = {"id": "t-1", "key": "ENG", "name": "Engineering", "organization": {"id": "o-1"}}
    info = {"hasNextPage": False, "endCursor": None}
    answers = [
        httpx.Response(200, json={"data": {"teams": {"nodes": [team]}}}),
        httpx.Response(
            200,
            content=json.dumps({"data": {"issues": {"nodes": [node], "pageInfo": info}}}).encode(),
            headers={"content-type": "application/json"},
        ),
    ]
    respx_mock.post(LINEAR).mock(side_effect=answers)
    pages = read_stream(make_connector("linear", "ENG", CUTOFF), "issue")
    assert [f for page in pages for f in page.failures] == []
    (event,) = [e for page in pages for e in page.events]
    assert "Truncated \ufffd" in event.title, event.title


def _pull(number: int) -> dict[str, Any]:
    stamp = iso(days_ago(1))
    return {
        "id": 7000 + number, "number": number, "state": "open", "title": f"PR {number}",
        "body": "", "user": {"login": "octo-ada", "id": 1}, "updated_at": stamp,
        "created_at": stamp, "html_url": f"https://github.com/acme/rocket/pull/{number}",
        "head": {"ref": "feature", "sha": "a" * 40}, "base": {"ref": "main"},
    }  # fmt: skip


@respx.mock
def test_a_number_that_is_not_a_whole_number_fails_its_item_alone(
    respx_mock: respx.MockRouter,
) -> None:
    pulls = [_pull(1), {**_pull(2), "number": "HUGE"}, _pull(3), {**_pull(4), "number": True}]
    text = json.dumps(pulls).replace('"HUGE"', "1e400")  # read as infinity
    respx_mock.get(API).respond(200, json=REPO)
    respx_mock.get(f"{API}/pulls").respond(
        200, content=text.encode(), headers={"content-type": "application/json"}
    )
    pages = read_stream(make_connector("github", "acme/rocket", CUTOFF), "pull_request")
    stored = sorted(e.sourceId for page in pages for e in page.events)
    assert stored == ["pr:acme/rocket#1:opened", "pr:acme/rocket#3:opened"]
    reasons = [f.reason for page in pages for f in page.failures]
    assert len(reasons) == 2, reasons
    assert all(r.startswith("unexpected item shape") for r in reasons), reasons
    assert "number is not a whole number: true" in reasons[1], reasons


@respx.mock
def test_a_time_past_the_calendars_end_in_utc_fails_its_item_alone(
    respx_mock: respx.MockRouter,
) -> None:
    """``9999-12-31T23:59:59-01:00`` is past year 9999 in UTC: turning it to UTC raised
    ``OverflowError`` in the window's check, outside any one item, and the stream failed as an
    internal error, the page's good items lost."""
    late = {**_issue(2, "Two", "body", "ui"), "updated_at": "9999-12-31T23:59:59-01:00"}
    early = {**_issue(3, "Three", "body", "ui"), "created_at": "0001-01-01T00:00:00+01:00"}
    respx_mock.get(API).respond(200, json=REPO)
    respx_mock.get(f"{API}/issues").respond(200, json=[_issue(1, "One", "b", "ui"), late, early])
    pages = read_stream(make_connector("github", "acme/rocket", CUTOFF), "issue")
    stored = sorted(e.sourceId for page in pages for e in page.events)
    assert stored == ["issue:acme/rocket#1:opened", "issue:acme/rocket#3:opened"]
    (failure,) = [f for page in pages for f in page.failures]
    assert failure.key == "#2", failure
    assert "9999-12-31T23:59:59-01:00" in failure.reason, failure


def _odd_second_page(page: int, count: int) -> list[Any]:
    """Page 2 lists one item, then a number, null, a string and a list."""
    return [1, 2] if page == 0 else [201, 7.5, None, "x", [1]]


@pytest.mark.parametrize("name", PROVIDERS)
@respx.mock(assert_all_called=False)
def test_an_item_that_is_no_object_fails_saying_what_it_is_and_where(
    respx_mock: respx.MockRouter, tmp_path: Path, name: str
) -> None:
    """``[1, null, "x"]`` in a list: each failed as ``?: unexpected item shape
    (AttributeError: 'int' object has no attribute 'get')`` (a fresh tester's finding). Each
    now says what it is and where it was listed; the items around it are read as before."""
    mock_provider(respx_mock, name, [(2, pointer(name, 1)), (5, None)], _odd_second_page)
    mirror = Mirror.open(tmp_path / "m.db")
    engine = Engine(mirror, Environment(env={ENV[name]: TOKENS[name]}))
    run = engine.plan(
        RunRequest("demo", (SourceSpec.parse(SOURCES[name]),), entities=frozenset({ENTITY[name]}))
    )
    asyncio.run(engine.run(run.id))
    failures = [(key, reason) for _, key, reason in mirror.item_failures(run.id)]
    (stream,) = mirror.streams(run.id)
    record = mirror.get_run(run.id)
    assert record is not None
    (source,) = run_summary(mirror, record)["sources"]
    progress = RunProgress(record, mirror.streams(run.id), 0.0)  # the app's log of a past run
    progress.recall([(stream.key, key, reason) for _, key, reason in mirror.item_failures(run.id)])
    mirror.close()
    said = f"{stream.key}: item 3 of page 2 is null, not an object"
    assert any(line.endswith(said) for line in progress.log), progress.log
    if name != "linear":  # its bare nodes here fail first
        # the key said once, not "item 2 of page 2: item 2 of page 2 is …"
        first = source["streams"][0]["first_failure"]
        assert first == "item 2 of page 2 is a number, not an object", first
    assert stream.status == "completed", stream.error
    odd = [f for f in failures if f[0] != "?" and "not an object" in f[1]]
    assert odd == [
        ("item 2 of page 2", "item 2 of page 2 is a number, not an object"),
        ("item 3 of page 2", "item 3 of page 2 is null, not an object"),
        ("item 4 of page 2", "item 4 of page 2 is a string, not an object"),
        ("item 5 of page 2", "item 5 of page 2 is a list, not an object"),
    ], failures
    assert not any("AttributeError" in reason for _, reason in failures), failures
