"""Sentry transformers: production's output exactly, REST and webhook agreeing, any input safe."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backfill_tui.clock import VirtualClock
from backfill_tui.connectors import ItemFailure
from backfill_tui.connectors import sentry_transform as tr
from backfill_tui.connectors.items import transform_item
from backfill_tui.models import SourceEvent
from backfill_tui.simulator import Simulator, SimulatorConfig
from backfill_tui.simulator.sentry_world import PROJECT_ID

PROJECT = tr.Project(PROJECT_ID, "rocket", "rocket", "acme")
INSTALLATION = "7a485448-a9e2-4c85-8a3c-4f44175783c9"


def issue_payload(**changes: Any) -> dict[str, Any]:
    issue = {
        "id": "1170820242",
        "shortId": "ROCKET-1A",
        "title": "ZeroDivisionError: division by zero",
        "culprit": "rocket.engine.thrust in compute_ratio",
        "permalink": "https://acme.sentry.io/issues/1170820242/",
        "level": "error",
        "status": "resolved",
        "platform": "python",
        "firstSeen": "2026-10-30T08:00:00.000000Z",
        "lastSeen": "2026-11-02T14:03:11.391000Z",
        "count": 12,
        "userCount": 3,
        "metadata": {
            "type": "ZeroDivisionError",
            "value": "division by zero",
            "filename": "rocket/engine/thrust.py",
            "function": "compute_ratio",
        },
        "project": {"id": "4506321887150080", "name": "Rocket", "slug": "rocket"},
        "assignedTo": {"type": "user", "id": "1", "name": "Ada Okafor", "email": "ada@acme.dev"},
        "statusDetails": {"inCommit": {"repository": "acme/rocket", "commit": "abc123"}},
    }
    issue.update(changes)
    return {
        "action": "resolved",
        "installation": {"uuid": INSTALLATION},
        "data": {"issue": issue},
        "actor": {"type": "user", "id": 4, "name": "Zoë Müller", "email": "zoe@acme.dev"},
    }


def _dumped(event: SourceEvent) -> dict[str, Any]:
    """``event.model_dump()`` with the actor's and references' optional keys given (None when
    absent), as pydantic dumped them when they were models (they are TypedDicts now)."""
    dumped = event.model_dump()
    if dumped["actor"] is not None:
        dumped["actor"] = {"email": None, "avatarUrl": None, **dumped["actor"]}
    dumped["references"] = [{"url": None, "label": None, **r} for r in dumped["references"]]
    return dumped


def test_issue_webhook_is_production_exactly() -> None:
    event = tr.issue_from_webhook(issue_payload(), "d-1")
    assert _dumped(event) == {
        "source": "sentry",
        "sourceType": "issue.resolved",
        "sourceId": "sentry-issue:rocket:ROCKET-1A:resolved",
        "title": "[Issue Resolved] ZeroDivisionError: division by zero",
        "body": "ZeroDivisionError: division by zero\ndivision by zero\n"
        "Location: in rocket/engine/thrust.py\nFunction: compute_ratio\nLevel: error\n"
        "Platform: python\nOccurrences: 12\nUsers affected: 3",
        "actor": {"id": "4", "name": "Zoë Müller", "email": "zoe@acme.dev", "avatarUrl": None},
        "occurredAt": "2026-11-02T14:03:11.391000+00:00",
        "references": [
            {
                "type": "issue",
                "id": "ROCKET-1A",
                "url": "https://acme.sentry.io/issues/1170820242/",
                "label": None,
            },
            {
                "type": "project",
                "id": "rocket",
                "url": "https://sentry.io/organizations/_/projects/rocket/",
                "label": None,
            },
            {"type": "assignee", "id": "ada@acme.dev", "url": None, "label": None},
            {
                "type": "commit",
                "id": "abc123",
                "url": "https://github.com/acme/rocket/commit/abc123",
                "label": "resolved_by",
            },
        ],
        "metadata": {
            "deliveryId": "d-1",
            "issueId": "1170820242",
            "shortId": "ROCKET-1A",
            "projectId": 4506321887150080,
            "projectSlug": "rocket",
            "projectName": "Rocket",
            "level": "error",
            "platform": "python",
            "errorType": "ZeroDivisionError",
            "errorValue": "division by zero",
            "filename": "rocket/engine/thrust.py",
            "function": "compute_ratio",
            "culprit": "rocket.engine.thrust in compute_ratio",
            "count": 12,
            "userCount": 3,
            "firstSeen": "2026-10-30T08:00:00.000000Z",
            "lastSeen": "2026-11-02T14:03:11.391000Z",
            "status": "resolved",
            "action": "resolved",
            "installationId": INSTALLATION,
        },
    }


def test_issue_fallbacks_follow_production() -> None:
    long_value = "x" * 90 + "TAIL"
    payload = issue_payload(
        metadata={"type": "", "value": long_value},
        level=None,
        assignedTo={"type": "team", "id": "9", "name": "launch-crew"},
        statusDetails={"inCommit": {"commit": "beef"}},
    )
    payload["action"] = "archived"
    del payload["data"]["issue"]["platform"]
    event = tr.issue_from_webhook(payload, "d-2")
    assert event.title == f"[undefined] Error: {'x' * 80}"  # production's template, as is
    assert event.sourceType == "issue.archived"
    assert event.body.splitlines()[2:5] == [
        "Location: in rocket.engine.thrust in compute_ratio",
        "Level: null",
        "Platform: undefined",
    ]
    refs = [(r["type"], r["id"], r.get("url")) for r in event.references[2:]]
    assert refs == [("assignee", "launch-crew", None), ("commit", "beef", None)]
    no_value = tr.issue_from_webhook(issue_payload(metadata={"type": "KeyError"}), "d-3")
    assert no_value.title == "[Issue Resolved] KeyError: ZeroDivisionError: division by zero"
    assert no_value.body.splitlines()[1] == "Location: in rocket.engine.thrust in compute_ratio"


def test_a_rest_issue_reads_the_serialised_commit_and_has_no_actor() -> None:
    item = issue_payload(
        status="ignored",
        statusDetails={
            "inCommit": {"id": "c0ffee", "repository": {"id": "71", "name": "acme/rocket"}}
        },
    )["data"]["issue"]
    event = tr.issue_from_rest(item, PROJECT)
    assert event.sourceId == "sentry-issue:rocket:ROCKET-1A:ignored"
    assert event.title.startswith("[Issue Ignored] ") and event.actor is None
    assert event.references[-1]["url"] == "https://github.com/acme/rocket/commit/c0ffee"
    assert event.metadata["deliveryId"] == f"backfill-{PROJECT_ID}-issue-1170820242"
    assert event.metadata["installationId"] is None
    for status, action in (("unresolved", "created"), ("reprocessing", "created")):
        assert (
            tr.issue_from_rest({**item, "status": status}, PROJECT).sourceType == f"issue.{action}"
        )


def error_webhook(**changes: Any) -> dict[str, Any]:
    event = {
        "event_id": "bb78c1407cea4519aa397afc059c793d",
        "project": 4506321887150080,
        "timestamp": 1793628191.391,
        "datetime": "2026-11-02T14:03:11.391000Z",
        "platform": "python",
        "message": "",
        "title": "KeyError: 'fuel_level'",
        "location": "rocket/telemetry/parse.py",
        "culprit": "rocket.telemetry.parse in read_frame",
        "metadata": {
            "type": "KeyError",
            "value": "'fuel_level'",
            "filename": "rocket/telemetry/parse.py",
            "function": "read_frame",
        },
        "tags": [["environment", "production"], ["level", "error"]],
        "exception": {
            "values": [
                {"type": "OSError", "value": "[Errno 5] Input/output error", "stacktrace": None},
                {
                    "type": "KeyError",
                    "value": "'fuel_level'",
                    "stacktrace": {
                        "frames": [
                            {"filename": "rocket/cli.py", "lineno": 12, "function": "main"},
                            {
                                "filename": "rocket/telemetry/parse.py",
                                "lineno": 142,
                                "function": "read_frame",
                            },
                        ]
                    },
                },
            ]
        },
        "user": {"id": "u-1042", "email": "mira@example.com", "username": "mira"},
        "sdk": {"name": "sentry.python", "version": "2.18.0"},
        "web_url": "https://acme.sentry.io/issues/1/events/bb78c1407cea4519aa397afc059c793d/",
    }
    event.update(changes)
    return {"action": "created", "installation": {"uuid": INSTALLATION}, "data": {"error": event}}


def test_error_webhook_is_production_exactly() -> None:
    event = tr.error_from_webhook(error_webhook(), "d-4")
    assert event.sourceId == f"sentry-error:{PROJECT_ID}:bb78c1407cea4519aa397afc059c793d"
    assert (event.source, event.sourceType) == ("sentry", "error")
    assert event.title == "[Error] KeyError: 'fuel_level'"
    assert event.body == (
        "KeyError: 'fuel_level'\n'fuel_level'\nLocation: rocket/telemetry/parse.py\n"
        "OSError: [Errno 5] Input/output error\n"
        "KeyError at rocket/telemetry/parse.py:142 in read_frame\nPlatform: python"
    )
    assert event.actor is not None
    assert (event.actor["id"], event.actor["name"], event.actor.get("email")) == (
        "u-1042",
        "mira",
        "mira@example.com",
    )
    assert event.occurredAt == "2026-11-02T14:03:11.391000+00:00"
    assert [{"url": None, "label": None, **r} for r in event.references] == [
        {"type": "project", "id": str(PROJECT_ID), "url": None, "label": None}
    ]
    assert event.metadata == {
        "deliveryId": "d-4",
        "eventId": "bb78c1407cea4519aa397afc059c793d",
        "projectId": PROJECT_ID,
        "platform": "python",
        "errorType": "KeyError",
        "errorValue": "'fuel_level'",
        "filename": "rocket/telemetry/parse.py",
        "function": "read_frame",
        "location": "rocket/telemetry/parse.py",
        "culprit": "rocket.telemetry.parse in read_frame",
        "tags": [["environment", "production"], ["level", "error"]],
        "sdkName": "sentry.python",
        "sdkVersion": "2.18.0",
        "webUrl": "https://acme.sentry.io/issues/1/events/bb78c1407cea4519aa397afc059c793d/",
        "installationId": INSTALLATION,
    }
    production_shape = error_webhook()
    production_shape["data"] = {"event": production_shape["data"]["error"]}
    assert tr.error_from_webhook(production_shape, "d-4") == event


def test_error_actor_fallbacks() -> None:
    def actor(user: Any) -> tuple[str, str, str | None] | None:
        event = tr.error_from_webhook(error_webhook(user=user), "d")
        return (
            None
            if event.actor is None
            else (event.actor["id"], event.actor["name"], event.actor.get("email"))
        )

    assert actor({}) == ("unknown", "Unknown User", None)  # an empty object is truthy in JS
    assert actor({"email": "ops@acme.dev"}) == ("ops@acme.dev", "ops@acme.dev", "ops@acme.dev")
    assert actor({"ip_address": "198.51.100.23", "id": None}) == ("unknown", "Unknown User", None)
    assert actor(None) is None


# -- REST and webhook agree -------------------------------------------------------------------


def _webhook_frame(frame: dict[str, Any]) -> dict[str, Any]:
    return {
        "filename": frame["filename"],
        "abs_path": frame["absPath"],
        "module": frame["module"],
        "function": frame["function"],
        "lineno": frame["lineNo"],
        "colno": frame["colNo"],
        "in_app": frame["inApp"],
    }


def _error_webhook_for(item: dict[str, Any]) -> dict[str, Any]:
    """The ``error`` webhook Sentry sends for the event the REST API lists as ``item``."""
    created = datetime.fromisoformat(item["dateCreated"])
    data: dict[str, Any] = {
        "event_id": item["eventID"],
        "project": int(item["projectID"]),
        "issue_id": item["groupID"],
        "timestamp": created.timestamp(),
        "datetime": item["dateCreated"],
        "platform": item["platform"],
        "message": item["message"],
        "title": item["title"],
        "location": item["location"],
        "culprit": item["culprit"],
        "metadata": item["metadata"],
        "tags": [[t["key"], t["value"]] for t in item["tags"]],
        "sdk": item["sdk"],
        "web_url": f"https://acme.sentry.io/issues/{item['groupID']}/events/{item['eventID']}/",
    }
    if item["user"] is not None:
        data["user"] = {k: v for k, v in item["user"].items() if v is not None}
    for entry in item["entries"]:
        if entry["type"] == "exception":
            data["exception"] = {
                "values": [
                    {
                        **v,
                        "stacktrace": v["stacktrace"]
                        and {"frames": [_webhook_frame(f) for f in v["stacktrace"]["frames"]]},
                    }
                    for v in entry["data"]["values"]
                ]
            }
    return {"action": "created", "installation": {"uuid": INSTALLATION}, "data": {"error": data}}


def _same(rest: SourceEvent, hook: SourceEvent) -> None:
    for field in ("sourceId", "sourceType", "title", "references", "body", "occurredAt"):
        assert getattr(rest, field) == getattr(hook, field), field
    assert rest.metadata["projectId"] == hook.metadata["projectId"] == PROJECT_ID


def test_rest_and_webhook_agree_for_the_same_issue_and_event(anchor: str) -> None:
    sim = Simulator(SimulatorConfig.from_env_string(f"anchor={anchor}"), VirtualClock())
    world = sim.providers["sentry"].world  # type: ignore[attr-defined]
    actions: set[str] = set()
    for p in range(60):
        item = world.issue_json(p)
        action = tr.STATUS_ACTIONS[item["status"]]
        actions.add(action)
        hook = {
            "action": action,
            "installation": {"uuid": INSTALLATION},
            "data": {"issue": json.loads(json.dumps(item))},
            "actor": {"type": "user", "id": 4, "name": "Zoë Müller"},
        }
        _same(tr.issue_from_rest(item, PROJECT), tr.issue_from_webhook(hook, "delivery-1"))
    assert actions == {"created", "resolved", "ignored"}
    for q in range(150):
        item = world.event_json(q)
        rest = tr.error_from_rest(item, PROJECT)
        hook = tr.error_from_webhook(_error_webhook_for(item), "delivery-2")
        _same(rest, hook)
        assert rest.actor == hook.actor


# -- any input: an event or a counted failure, never an exception ------------------------------

_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=30)
)
_json = st.recursive(
    _scalars,
    lambda c: st.one_of(
        st.lists(c, max_size=3), st.dictionaries(st.text(max_size=8), c, max_size=3)
    ),
    max_leaves=8,
)
_huge = st.one_of(
    st.text(min_size=0, max_size=30),
    st.just("🙈" * 12_000),
    st.just("[bold]x[/bold]\x1b[31m" * 900),
)
_stamp = st.one_of(
    st.just("2026-11-02T14:03:11Z"),
    st.just("2026-11-02T14:03:11"),
    st.floats(min_value=-1e20, max_value=1e20),
    _scalars,
)
_meta = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "type": st.one_of(_huge, _scalars),
            "value": st.one_of(_huge, _scalars),
            "filename": _scalars,
            "function": _scalars,
            "title": _scalars,
        },
    ),
    _json,
)
_text = st.text(min_size=1, max_size=40)
_issues = st.fixed_dictionaries(
    {
        "id": st.one_of(_text, _text, _scalars),
        "shortId": st.one_of(st.just("ROCKET-1"), _huge, _scalars),
        "title": st.one_of(_huge, _huge, _scalars),
        "lastSeen": st.one_of(st.just("2026-11-02T14:03:11Z"), _stamp),
        "metadata": st.one_of(_meta, _meta, _scalars),
    },
    optional={
        "culprit": _scalars,
        "permalink": _scalars,
        "level": _scalars,
        "platform": _scalars,
        "count": _scalars,
        "userCount": _scalars,
        "firstSeen": _stamp,
        "status": st.one_of(st.sampled_from(["unresolved", "resolved", "ignored"]), _scalars),
        "project": st.one_of(st.fixed_dictionaries({"id": _scalars, "slug": _scalars}), _json),
        "assignedTo": _json,
        "statusDetails": _json,
    },
)
_frames = st.lists(
    st.one_of(
        st.fixed_dictionaries(
            {},
            optional={
                "filename": _scalars,
                "lineNo": _scalars,
                "lineno": _scalars,
                "function": _scalars,
            },
        ),
        _json,
    ),
    max_size=3,
)
_exception = st.fixed_dictionaries(
    {},
    optional={
        "values": st.one_of(
            st.lists(
                st.one_of(
                    st.fixed_dictionaries(
                        {},
                        optional={
                            "type": _scalars,
                            "value": _scalars,
                            "stacktrace": st.one_of(
                                st.fixed_dictionaries({"frames": _frames}), _json
                            ),
                        },
                    ),
                    _json,
                ),
                max_size=3,
            ),
            _json,
        )
    },
)
_events = st.fixed_dictionaries(
    {
        "eventID": st.one_of(st.just("ab" * 16), _text, _scalars),
        "dateCreated": st.one_of(st.just("2026-11-02T14:03:11Z"), _stamp),
        "title": st.one_of(_huge, _huge, _scalars),
    },
    optional={
        "id": _scalars,
        "projectID": st.one_of(st.just("42"), _scalars),
        "message": st.one_of(_huge, _scalars),
        "location": _scalars,
        "culprit": _scalars,
        "platform": _scalars,
        "metadata": _meta,
        "tags": _json,
        "user": st.one_of(
            st.fixed_dictionaries(
                {}, optional={"id": _scalars, "email": _scalars, "username": _scalars}
            ),
            _json,
        ),
        "sdk": _json,
        "exception": _exception,
        "entries": st.lists(
            st.fixed_dictionaries({"type": st.just("exception"), "data": _exception}), max_size=2
        ),
    },
)


def _valid(result: SourceEvent | ItemFailure, prefix: str) -> None:
    if isinstance(result, ItemFailure):
        assert result.reason
        return
    assert SourceEvent.model_validate(result.model_dump()) == result
    assert result.sourceId.startswith(prefix)
    assert len(result.title) <= 200 and len(result.body) <= 10_000
    json.dumps(result.model_dump())


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(item=st.one_of(_issues, _json))
def test_any_issue_becomes_an_event_or_a_counted_failure(item: Any) -> None:
    result = transform_item(
        item, lambda i: tr.issue_from_rest(i, PROJECT), lambda i: str(i.get("shortId"))
    )
    _valid(result, "sentry-issue:")
    hooked = transform_item(
        {"action": "created", "data": {"issue": item}},
        lambda p: tr.issue_from_webhook(p, "d"),
        lambda p: "?",
    )
    _valid(hooked, "sentry-issue:")


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(item=st.one_of(_events, _json))
def test_any_event_becomes_an_event_or_a_counted_failure(item: Any) -> None:
    result = transform_item(
        item, lambda i: tr.error_from_rest(i, PROJECT), lambda i: str(i.get("eventID"))
    )
    _valid(result, "sentry-error:")
    if isinstance(item, dict) and "eventID" in item:
        hook = {
            **item,
            "event_id": item["eventID"],
            "project": 42,
            "timestamp": item.get("dateCreated"),
        }
        _valid(
            transform_item(
                {"data": {"error": hook}}, lambda p: tr.error_from_webhook(p, "d"), lambda p: "?"
            ),
            "sentry-error:42:",
        )


def test_a_well_formed_rest_event_never_fails() -> None:
    item = {
        "eventID": "ab" * 16,
        "projectID": "42",
        "dateCreated": "2026-11-02T14:03:11Z",
        "title": "",
        "metadata": {"value": "🙈" * 20_000},
        "user": {},
    }
    event = tr.error_from_rest(item, PROJECT)
    assert len(event.body) == 10_000 and event.body.endswith("...")
    assert event.title == "[Error] Error: " + "🙈" * 80
    assert event.occurredAt == datetime(2026, 11, 2, 14, 3, 11, tzinfo=UTC).isoformat()
