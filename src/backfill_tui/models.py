"""The observation model: production's ``SourceEvent`` and what a run is asked to do.

``SourceEvent``, ``SourceActor`` and ``SourceReference`` have exactly the shape of Lightfast's
production transformer output (lightfast-data-model.md §1); connectors build them and the store
writes them. ``SourceSpec`` and ``Depth`` are the user's words for a backfill (interfaces.md §1).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, NotRequired

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    field_validator,
    with_config,
)
from typing_extensions import TypedDict

from .terms import DEFAULT_DEPTH as DEFAULT_DEPTH
from .terms import DEFAULT_MAX_ITEMS as DEFAULT_MAX_ITEMS
from .terms import DEPTHS as DEPTHS

Provider = Literal["github", "vercel", "linear", "sentry"]
PROVIDERS: tuple[Provider, ...] = ("github", "vercel", "linear", "sentry")

TITLE_MAX = 200
BODY_MAX = 10_000

ReferenceType = Literal[
    "commit",
    "branch",
    "pr",
    "issue",
    "deployment",
    "project",
    "cycle",
    "assignee",
    "reviewer",
    "team",
    "label",
]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URL = re.compile(r"^https?://\S+$")


def _cut(text: str, limit: int) -> str:
    text = text.strip()
    if len(text) <= limit:
        return text
    return text[: limit - 3] + "..."


def sanitize_title(text: str) -> str:
    """Trim and cut to 200 characters ending in "..." (production's ``sanitizeTitle``)."""
    return _cut(text, TITLE_MAX)


def sanitize_body(text: str) -> str:
    """Trim and cut to 10,000 characters ending in "..." (production's ``sanitizeBody``)."""
    return _cut(text, BODY_MAX)


def _email(value: str) -> str | None:
    return value if _EMAIL.match(value) else None


def _url(value: str) -> str | None:
    return value if _URL.match(value) else None


@with_config(ConfigDict(extra="forbid"))
class SourceActor(TypedDict):
    """Who acted, in the provider's terms: a dict with these keys, validated inside its
    :class:`SourceEvent` (an ``email`` or ``avatarUrl`` that is not one becomes None).

    A TypedDict, not a model: pydantic-core makes a model instance for each nested model it
    validates, about 1.5 us apiece, and an event holds an actor and two to eight references:
    16.6 us per event became 9.2 on a 50,576-item run's GitHub items (bench/pipeline.py). Stored as before: the
    mirror writes it with :func:`actor_json`, its keys in this order, None ones left out."""

    id: Annotated[str, Field(min_length=1)]
    name: Annotated[str, Field(min_length=1)]
    email: NotRequired[Annotated[str, AfterValidator(_email)] | None]
    avatarUrl: NotRequired[Annotated[str, AfterValidator(_url)] | None]


@with_config(ConfigDict(extra="forbid"))
class SourceReference(TypedDict):
    """A relationship link from an observation to a commit, branch, PR, issue, ...: a dict
    with these keys, validated inside its :class:`SourceEvent` (a TypedDict for the reason
    :class:`SourceActor` gives); stored with :func:`references_json`."""

    type: ReferenceType
    id: Annotated[str, Field(min_length=1)]
    url: NotRequired[str | None]
    label: NotRequired[str | None]


class SourceEvent(BaseModel):
    """One observation, as production's webhook transformers produce it."""

    model_config = ConfigDict(extra="forbid")

    source: Provider
    sourceType: str = Field(min_length=1)
    sourceId: str = Field(min_length=1)
    title: str = Field(min_length=1, max_length=TITLE_MAX)
    body: str = Field(max_length=BODY_MAX)
    actor: SourceActor | None = None
    occurredAt: str
    references: list[SourceReference] = Field(default_factory=list)
    metadata: dict[str, Any]

    @field_validator("title", mode="before")
    @classmethod
    def _title(cls, value: Any) -> Any:
        return sanitize_title(value) if isinstance(value, str) else value

    @field_validator("body", mode="before")
    @classmethod
    def _body(cls, value: Any) -> Any:
        return sanitize_body(value) if isinstance(value, str) else value

    @field_validator("occurredAt")
    @classmethod
    def _occurred(cls, value: str) -> str:
        # Every transformer's occurredAt passes here (REST and webhook shapes alike): the
        # instant is kept, written in the mirror's one form (:func:`mirror_time`).
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            raise ValueError("occurredAt needs a UTC offset")
        return mirror_time(parsed)

    @field_validator("metadata")
    @classmethod
    def _metadata(cls, value: dict[str, Any]) -> dict[str, Any]:
        if not value.get("deliveryId"):
            raise ValueError("metadata.deliveryId is required")
        return value


def event_from_fields(fields: dict[str, Any]) -> SourceEvent:
    """A :class:`SourceEvent` from its fields, its actor and references given as plain dicts:
    the whole event is validated once, in one call into pydantic-core.

    The actor and references come out as the dicts they are (:class:`SourceActor`,
    :class:`SourceReference`), checked and in their fields' order; ``model_validate`` would add
    a Python-level call around the same validator (about 2 us of 15 per event,
    bench/pipeline.py). Raises pydantic's
    ``ValidationError`` exactly as ``SourceEvent.model_validate(fields)`` does (its locations
    point into the event: ``actor.name``, ``references.0.id``).
    """
    event: SourceEvent = _validate_event(fields)
    return event


_validate_event = SourceEvent.__pydantic_validator__.validate_python

_ACTOR_SERIALIZER = TypeAdapter(SourceActor).serializer
_REFERENCES_SERIALIZER = TypeAdapter(list[SourceReference]).serializer


def actor_json(actor: SourceActor) -> str:
    """A validated actor as the mirror stores it: compact JSON, its keys in
    :class:`SourceActor`'s order, those whose value is None left out (what pydantic wrote of
    the model it once was)."""
    return str(_ACTOR_SERIALIZER.to_json(actor, exclude_none=True).decode())


def references_json(references: list[SourceReference]) -> str:
    """Validated references as the mirror stores them (``[]`` for none), as :func:`actor_json`
    writes an actor."""
    return str(_REFERENCES_SERIALIZER.to_json(references, exclude_none=True).decode())


_ABSENT: Any = object()


def id_part(item: Any, key: str, field: str | None = None) -> str | int | float:
    """``item[key]`` unchanged, when it can stand in a sourceId (interfaces.md §sourceId formats):
    text with something in it, or a finite number. Each caller formats it as production does.

    Raises ``ValueError`` naming ``field`` (``key`` unless given, e.g. ``"project.slug"``) when
    the value is missing, null, blank text, a boolean, infinite or NaN, an object or a list: a
    template would write ``None``/``null``/``undefined`` (or ``True``, ``[object Object]``)
    into the id, and every such item of a stream would share it, collapsing into one
    observation (GitHub releases with ``tag_name: null`` all became ``release:acme/x:None``,
    "3 fetched 1 new 2 dup", a tester's finding). :func:`.connectors.base.transform_item`
    counts that one item failed, with this reason."""
    value = item.get(key, _ABSENT) if isinstance(item, Mapping) else _ABSENT
    name = field or key
    if value is _ABSENT:
        raise ValueError(f"{name} is missing")
    if value is None:
        raise ValueError(f"{name} is null")
    if isinstance(value, str):
        if not value.strip():
            raise ValueError(f"{name} is empty")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        kind = (
            "a boolean"
            if isinstance(value, bool)
            else f"not text or a number ({type(value).__name__})"
        )
        raise ValueError(f"{name} is {kind}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{name} is not a finite number")
    return value


def time_part(item: Any, *keys: str) -> Any:
    """The first of ``item[key]`` for ``keys`` that holds something (not missing, null or
    blank text), unchanged: an item's time, with the fields that stand in for it in order
    (a GitHub PR's ``updated_at`` then ``created_at``, as production's transformer reads).

    Raises ``ValueError`` naming each field and what it held, as :func:`id_part` says a
    field (``updated_at is null, created_at is null``): a PR with both null failed as
    ``KeyError: 'updated_at'``, as if the key were not there (a fresh tester's finding)."""
    said: list[str] = []
    for key in keys:
        value = item.get(key, _ABSENT) if isinstance(item, Mapping) else _ABSENT
        if value is _ABSENT:
            said.append(f"{key} is missing")
        elif value is None:
            said.append(f"{key} is null")
        elif isinstance(value, str) and not value.strip():
            said.append(f"{key} is empty")
        else:
            return value
    raise ValueError(", ".join(said))


def mirror_time(moment: datetime) -> str:
    """An aware instant in the mirror's one form: ISO 8601 in UTC, the offset written
    ``+00:00`` (``2026-05-02T08:00:00+00:00``; microseconds only when there are some).

    interfaces.md §3 promises ``occurred_at`` as "ISO 8601 text with offset"; written in one
    zone, the text sorts and compares as the instants do, so ``ORDER BY occurred_at``, a
    window's ``occurred_at >= since`` and the day ``occurred_at[:10]`` are right in SQLite and
    every tool. GitHub gives some commit dates with the committer's own offset
    (``2026-05-02T10:00:00+02:00``), Linear can too: kept as given, such a row sorted two hours
    late among the UTC ones (a fresh tester's finding). Raises ``ValueError`` for a naive time
    and for one outside the years 1 to 9999 once in UTC (``9999-12-31T23:59:59-01:00``: its
    ``OverflowError`` failed a whole stream as an internal error, a tester's finding).
    """
    if moment.tzinfo is None:
        raise ValueError("a time without a UTC offset")
    try:
        return moment.astimezone(UTC).isoformat()
    except OverflowError:
        raise ValueError(f"{moment.isoformat()} is outside the years 1 to 9999 in UTC") from None


def iso_utc(value: str | int | float | None) -> str | None:
    """Normalise a provider timestamp (ISO text or epoch milliseconds; naive text is read as
    UTC) to the mirror's form (:func:`mirror_time`); None when absent. Raises ``ValueError``
    for text that is not ISO 8601."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        try:
            moment = datetime.fromtimestamp(value / 1000, tz=UTC)
        except (OverflowError, OSError):  # infinity, or past what the platform's clock reads
            raise ValueError(f"{value!r} ms is not a time within the years 1 to 9999") from None
        return mirror_time(moment)
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return mirror_time(parsed)
