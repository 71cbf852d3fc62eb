"""Sentry issues and error events → SourceEvents, exactly as production's webhook transformers.

Production (``transformers/sentry.ts`` @ 5d0218601, digest in lightfast-data-model.md §11.2 and
§13) transforms webhook payloads. Here one core per entity (:func:`issue_event`,
:func:`error_event`) takes the webhook's shape; ``*_from_webhook`` feeds it a webhook payload and
``*_from_rest`` first reshapes a REST list item into that shape, as production's own backfill
did, so both produce the same sourceId, sourceType, title and references.

Where REST and webhook differ, the REST adapter fills in the webhook's fields:

- an issue's action comes from ``status`` (unresolved → created, resolved, ignored; any other
  status → created, as production's backfill did);
- an issue's ``lastSeen`` (production's occurredAt, lightfast-data-model.md §3.4) is null on
  real issues that were merged into another or are still being processed (provider-apis.md
  §4.4: ``firstSeen`` and ``lastSeen`` are both nullable); a webhook would carry it. Its
  ``firstSeen``, the issue's own earliest sighting, stands in, so the observation is stored
  rather than failed (metadata keeps ``lastSeen: null`` as Sentry said it);
- a REST issue has no ``actor`` (the webhook's is who changed the issue). Production's issue
  transformer requires one; a backfill has nobody to name, so its actor is left ``None``;
- ``statusDetails.inCommit`` is a serialised commit (``id``, ``repository{name}``) in REST and
  webhooks alike, while production reads ``commit``/``repository`` strings: both are read;
- an event's ``eventID``/``projectID``/``dateCreated`` are the webhook's
  ``event_id``/``project``/``timestamp``; its exception sits in ``entries`` with camel-cased
  frames (``lineNo``) rather than in ``exception`` (``lineno``).

Text is rendered the way production's JavaScript template strings render it (a missing field
reads ``undefined``, a null one ``null``), so bodies match production byte for byte.

Past 400 lines on purpose: every event kind of one provider's transformer in one file, as
production keeps one transformer file per provider (lightfast-data-model.md §2).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..models import SourceEvent, event_from_fields, id_part, iso_utc, time_part

__all__ = [
    "STATUS_ACTIONS",
    "Project",
    "delivery_id",
    "error_event",
    "error_from_rest",
    "error_from_webhook",
    "issue_event",
    "issue_from_rest",
    "issue_from_webhook",
]

STATUS_ACTIONS = {"unresolved": "created", "resolved": "resolved", "ignored": "ignored"}
_ACTION_TITLES = {
    "created": "Issue Created",
    "resolved": "Issue Resolved",
    "assigned": "Issue Assigned",
    "ignored": "Issue Ignored",
}


class _Missing:
    def __repr__(self) -> str:
        return "undefined"


MISSING: Any = _Missing()


@dataclass(frozen=True)
class Project:
    """The Sentry project a source names, as ``GET /api/0/projects/{org}/{project}/`` tells."""

    id: int
    slug: str
    name: str
    org: str


def delivery_id(project: Project, entity: str, item_id: object) -> str:
    """Deterministic, so a re-run yields identical events."""
    return f"backfill-{project.id}-{entity}-{item_id}"


# -- JavaScript semantics ----------------------------------------------------------------------


def _js(value: Any) -> str:
    """``String(value)`` as a JavaScript template literal renders it."""
    if value.__class__ is str:  # most values: text as is (the hottest case, issue 13)
        return value
    if value is MISSING:
        return "undefined"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return str(int(value)) if value.is_integer() and abs(value) < 1e21 else repr(value)
    if isinstance(value, dict):
        return "[object Object]"
    if isinstance(value, list):
        return ",".join("" if v is None or v is MISSING else _js(v) for v in value)
    return str(value)


def _truthy(value: Any) -> bool:
    """JavaScript truthiness (an empty object or list is truthy; NaN is not)."""
    if value.__class__ is str:  # most values: only the empty text is falsy
        return value != ""
    if value is MISSING or value is None:
        return False
    if isinstance(value, dict | list):
        return True
    if isinstance(value, float) and math.isnan(value):
        return False
    return bool(value)


def _or(*values: Any) -> Any:
    """``a || b || ...``: the first truthy value, else the last one."""
    for value in values:
        if _truthy(value):
            return value
    return values[-1]


def _get(obj: Any, key: str) -> Any:
    """``obj?.key``: a missing key (or a non-object) reads as undefined."""
    if obj.__class__ is dict:  # parsed JSON's own type: no ABC check (the hottest line here)
        return obj.get(key, MISSING)
    return obj.get(key, MISSING) if isinstance(obj, Mapping) else MISSING


def _text(value: Any) -> str | None:
    """A field kept as text (``None`` when absent or empty)."""
    return None if not _truthy(value) else _js(value)


def _plain(value: Any) -> Any:
    """A metadata value: ``undefined`` becomes ``None`` (JSON null)."""
    return None if value is MISSING else value


def _numeric(value: Any) -> Any:
    """A project id as a number when it is one (Sentry sends ``"4506..."`` as text)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        digits = value.strip()
        if 0 < len(digits) <= 30 and digits.isascii() and digits.isdigit():  # [0-9]{1,30}
            return int(digits)
    return _plain(value)


def _occurred(value: Any) -> str | None:
    """ISO text with an offset from ISO text (naive = UTC) or epoch seconds (webhooks)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(float(value), tz=UTC).isoformat()
        except (OverflowError, OSError, ValueError) as exc:
            raise ValueError(f"timestamp {value!r} is out of range") from exc
    if isinstance(value, str):
        return iso_utc(value)
    return None


# -- issue -------------------------------------------------------------------------------------


def _in_commit(status_details: Any) -> tuple[str | None, str | None]:
    """(commit sha, "owner/repo") of ``statusDetails.inCommit``, in either shape."""
    commit = _get(status_details, "inCommit")
    if not isinstance(commit, Mapping):
        return None, None
    sha = _or(_get(commit, "commit"), _get(commit, "id"))
    repo = _get(commit, "repository")
    if isinstance(repo, Mapping):
        repo = _get(repo, "name")
    return _text(sha), _text(repo)


def issue_event(
    issue: Mapping[str, Any],
    action: str,
    actor: Any,
    delivery: str,
    installation_id: Any = None,
    *,
    seen: Any = MISSING,
) -> SourceEvent:
    """Production's ``transformSentryIssue`` on a webhook-shaped issue.

    occurredAt is the issue's ``lastSeen`` (ISO text or epoch seconds), as production's; ``seen``
    gives another instant instead (the REST adapter's stand-in for a null ``lastSeen``).
    Raises ``KeyError``/``ValueError`` or pydantic's ``ValidationError`` on a malformed issue.
    """
    metadata = issue["metadata"]
    project = issue["project"]
    slug = _js(id_part(project, "slug", "project.slug"))
    short_id = _js(id_part(issue, "shortId"))
    refs = [
        dict(type="issue", id=short_id, url=_text(_get(issue, "permalink"))),
        dict(type="project", id=slug, url=f"https://sentry.io/organizations/_/projects/{slug}/"),
    ]
    assigned = _get(issue, "assignedTo")
    if _truthy(assigned):
        who = _or(_get(assigned, "email"), _get(assigned, "name"))
        if _truthy(who):  # production would emit an invalid empty reference here
            refs.append(dict(type="assignee", id=_js(who)))
    sha, repo = _in_commit(_get(issue, "statusDetails"))
    if sha:
        url = f"https://github.com/{repo}/commit/{sha}" if repo else None
        refs.append(dict(type="commit", id=sha, url=url, label="resolved_by"))

    error_type = _or(_get(metadata, "type"), "Error")
    error_value = _or(_get(metadata, "value"), _get(issue, "title"))
    if not isinstance(error_value, str):
        raise ValueError("issue has neither metadata.value nor a title")
    filename, culprit = _get(metadata, "filename"), _get(issue, "culprit")
    location = (
        f"in {_js(filename)}"
        if _truthy(filename)
        else (f"in {_js(culprit)}" if _truthy(culprit) else "")
    )
    function = _get(metadata, "function")
    parts = [
        _get(issue, "title"),
        _get(metadata, "value"),
        f"Location: {location}" if location else "",
        f"Function: {_js(function)}" if _truthy(function) else "",
        f"Level: {_js(_get(issue, 'level'))}",
        f"Platform: {_js(_get(issue, 'platform'))}",
        f"Occurrences: {_js(_get(issue, 'count'))}",
        f"Users affected: {_js(_get(issue, 'userCount'))}",
    ]
    label = _ACTION_TITLES.get(action, "undefined")  # as production's template renders it
    return event_from_fields(
        dict(
            source="sentry",
            sourceType=f"issue.{action}",
            sourceId=f"sentry-issue:{slug}:{short_id}:{action}",
            title=f"[{label}] {_js(error_type)}: {error_value[:80]}",
            body="\n".join(_js(p) for p in parts if _truthy(p)),
            actor=_issue_actor(actor),
            occurredAt=_occurred(_get(issue, "lastSeen") if seen is MISSING else seen),
            references=refs,
            metadata={
                "deliveryId": delivery,
                "issueId": _plain(_get(issue, "id")),
                "shortId": short_id,
                "projectId": _numeric(_get(project, "id")),
                "projectSlug": slug,
                "projectName": _plain(_get(project, "name")),
                "level": _plain(_get(issue, "level")),
                "platform": _plain(_get(issue, "platform")),
                "errorType": _plain(_get(metadata, "type")),
                "errorValue": _plain(_get(metadata, "value")),
                "filename": _plain(filename),
                "function": _plain(function),
                "culprit": _plain(culprit),
                "count": _plain(_get(issue, "count")),
                "userCount": _plain(_get(issue, "userCount")),
                "firstSeen": _plain(_get(issue, "firstSeen")),
                "lastSeen": _plain(_get(issue, "lastSeen")),
                "status": _plain(_get(issue, "status")),
                "action": action,
                "installationId": installation_id,
            },
        )
    )


def _issue_actor(actor: Any) -> dict[str, Any] | None:
    """The webhook's ``actor`` (who changed the issue); ``None`` when there is none."""
    if not isinstance(actor, Mapping):
        return None
    ident, name = _get(actor, "id"), _get(actor, "name")
    if not (_truthy(ident) or ident == 0) or not _truthy(name):
        return None
    email = _get(actor, "email")
    return dict(id=_js(ident), name=_js(name), email=email if isinstance(email, str) else None)


def issue_from_rest(item: Mapping[str, Any], project: Project) -> SourceEvent:
    """An issue from ``GET /api/0/organizations/{org}/issues/``.

    occurredAt is ``lastSeen``, as production's transformer takes it from the webhook, which
    always carries it. A REST issue Sentry merged into another, or is still processing, lists
    ``lastSeen: null`` (provider-apis.md §4.4): its ``firstSeen`` stands in (the one other
    sighting the list gives; never later than the real last one), so it is stored, not
    counted failed. With both null the item fails alone (it has no time at all)."""
    issue = dict(item)
    if not isinstance(issue.get("project"), Mapping):
        issue["project"] = {"id": str(project.id), "slug": project.slug, "name": project.name}
    action = STATUS_ACTIONS.get(str(item.get("status")), "created")
    seen = time_part(item, "lastSeen", "firstSeen")  # both null: "lastSeen is null, ..."
    # No actor: a REST issue does not say who last changed it (see the module docstring).
    return issue_event(issue, action, None, delivery_id(project, "issue", item["id"]), seen=seen)


def issue_from_webhook(payload: Mapping[str, Any], delivery: str) -> SourceEvent:
    """An ``issue`` webhook (``Sentry-Hook-Resource: issue``)."""
    return issue_event(
        payload["data"]["issue"],
        str(id_part(payload, "action")),
        payload.get("actor"),
        delivery,
        _plain(_get(payload.get("installation"), "uuid")),
    )


# -- error event -------------------------------------------------------------------------------


def _stack_info(exception: Any) -> str:
    values = _get(exception, "values")
    if not isinstance(values, list):
        return ""
    lines = []
    for exc in values:
        if not isinstance(exc, Mapping):
            continue
        frames = _get(_get(exc, "stacktrace"), "frames")
        top = frames[-1] if isinstance(frames, list) and frames else MISSING
        if _truthy(top):
            lines.append(
                f"{_js(_get(exc, 'type'))} at {_js(_get(top, 'filename'))}:"
                f"{_js(_get(top, 'lineno'))} in {_js(_get(top, 'function'))}"
            )
        else:
            lines.append(f"{_js(_get(exc, 'type'))}: {_js(_get(exc, 'value'))}")
    return "\n".join(lines)


def _error_actor(user: Any) -> dict[str, Any] | None:
    if not isinstance(user, Mapping):
        return None
    email = _get(user, "email")
    return dict(
        id=_js(_or(_get(user, "id"), email, "unknown")),
        name=_js(_or(_get(user, "username"), email, "Unknown User")),
        email=email if isinstance(email, str) else None,
    )


def error_event(
    event: Mapping[str, Any], delivery: str, installation_id: Any = None
) -> SourceEvent:
    """Production's ``transformSentryError`` on a webhook-shaped event.

    Each field is read once into a local (this runs for every error event of a backfill: about
    a third of a four-provider replay's transform time before, issue 13)."""
    get = event.get if event.__class__ is dict else (lambda key, _=None: _get(event, key))
    metadata = get("metadata", MISSING)
    if metadata.__class__ is dict:
        meta_type = metadata.get("type", MISSING)
        meta_value = metadata.get("value", MISSING)
        meta_filename = metadata.get("filename", MISSING)
        meta_function = metadata.get("function", MISSING)
    else:
        meta_type, meta_value = _get(metadata, "type"), _get(metadata, "value")
        meta_filename, meta_function = _get(metadata, "filename"), _get(metadata, "function")
    project = _js(id_part(event, "project"))
    title, platform = get("title", MISSING), get("platform", MISSING)
    error_type = _or(meta_type, "Error")
    error_value = _or(meta_value, title)
    if not isinstance(error_value, str):
        raise ValueError("event has neither metadata.value nor a title")
    location = get("location", MISSING)
    parts = [
        title,
        get("message", MISSING),
        meta_value,
        f"Location: {_js(location)}" if _truthy(location) else "",
        _stack_info(get("exception", MISSING)),
        f"Platform: {_js(platform)}",
    ]
    sdk = get("sdk", MISSING)
    return event_from_fields(
        dict(
            source="sentry",
            sourceType="error",
            sourceId=f"sentry-error:{project}:{_js(id_part(event, 'event_id'))}",
            title=f"[Error] {_js(error_type)}: {error_value[:80]}",
            body="\n".join([_js(p) for p in parts if _truthy(p)]),
            actor=_error_actor(get("user", MISSING)),
            occurredAt=_occurred(get("timestamp", MISSING)),
            references=[dict(type="project", id=project)],
            metadata={
                "deliveryId": delivery,
                "eventId": _plain(event["event_id"]),
                "projectId": _numeric(event["project"]),
                "platform": _plain(platform),
                "errorType": _plain(meta_type),
                "errorValue": _plain(meta_value),
                "filename": _plain(meta_filename),
                "function": _plain(meta_function),
                "location": _plain(location),
                "culprit": _plain(get("culprit", MISSING)),
                "tags": _plain(get("tags", MISSING)),
                "sdkName": _plain(_get(sdk, "name")),
                "sdkVersion": _plain(_get(sdk, "version")),
                "webUrl": _plain(get("web_url", MISSING)),
                "installationId": installation_id,
            },
        )
    )


def _rest_exception(item: Mapping[str, Any]) -> Any:
    """The webhook-shaped ``exception`` of a REST event (``entries`` or ``exception``).

    Only each stack's last frame is given the webhook's ``lineno``: it is the only frame
    :func:`_stack_info` reads (the exception is not stored), and copying every frame of every
    event was a tenth of the transform's time (issue 13)."""
    exception = item.get("exception", MISSING)
    if exception is MISSING:
        for entry in item.get("entries") or []:
            if isinstance(entry, Mapping) and entry.get("type") == "exception":
                exception = entry.get("data", MISSING)
                break
    values = _get(exception, "values")
    if not isinstance(values, list):
        return exception
    shaped = []
    for exc in values:
        frames = _get(_get(exc, "stacktrace"), "frames")
        if isinstance(frames, list) and frames:
            top = _webhook_frame(frames[-1])
            if top is not frames[-1]:
                exc = {**exc, "stacktrace": {**exc["stacktrace"], "frames": [*frames[:-1], top]}}
        shaped.append(exc)
    return {**exception, "values": shaped}


def _webhook_frame(frame: Any) -> Any:
    if isinstance(frame, Mapping) and "lineno" not in frame and "lineNo" in frame:
        return {**frame, "lineno": frame["lineNo"]}
    return frame


_REST_EVENT_FIELDS = (
    "platform",
    "message",
    "title",
    "location",
    "culprit",
    "metadata",
    "tags",
    "user",
    "sdk",
    "web_url",
)


def error_from_rest(item: Mapping[str, Any], project: Project) -> SourceEvent:
    """An event from ``GET /api/0/projects/{org}/{project}/events/?full=true``."""
    event_id = (
        id_part(item, "eventID") if item.get("eventID") else id_part(item, "id", "eventID (and id)")
    )
    project_id = _numeric(item.get("projectID"))
    event: dict[str, Any] = {
        "event_id": event_id,
        "project": project_id if isinstance(project_id, int) else project.id,
        "timestamp": time_part(item, "dateCreated"),  # null: "dateCreated is null"
    }
    event.update({k: item[k] for k in _REST_EVENT_FIELDS if k in item})
    exception = _rest_exception(item)
    if exception is not MISSING:
        event["exception"] = exception
    return error_event(event, delivery_id(project, "error", event_id))


def error_from_webhook(payload: Mapping[str, Any], delivery: str) -> SourceEvent:
    """An ``error`` webhook: production reads ``data.event``; Sentry sends ``data.error``."""
    data = payload["data"]
    event = data["event"] if "event" in data else data["error"]
    return error_event(event, delivery, _plain(_get(payload.get("installation"), "uuid")))
