"""Planning a run: what the user asked (:class:`RunRequest` of :class:`SourceSpec`), checked.

The rules a request meets before anything is recorded: a source is ``PROVIDER:TARGET`` in its
one spelling (``connectors/identity.py``), the workspace id is printable text, the depth is one
of those offered (``terms.DEPTHS``), the entities name streams of these sources. Both faces
build requests here; :meth:`Engine.plan <backfill_tui.engine.run.Engine.plan>` records them.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ..connectors import provider
from ..connectors.identity import canonical_target
from ..errors import BadValue, UsageError
from ..secrets_registry import holds_credential, token_provider
from ..terms import DEFAULT_DEPTH, DEFAULT_MAX_ITEMS, DEPTHS, MAX_COUNT, WORKSPACE_ID_MAX

__all__ = [
    "RunRequest",
    "SourceSpec",
    "canonical_source",
    "check_request",
    "check_window",
    "new_run_id",
    "plan_streams",
    "run_window",
    "token_variable",
    "validate_depth",
    "validate_max_items",
    "validate_workspace",
]


@dataclass(frozen=True)
class SourceSpec:
    provider: str
    target: str
    #: This source's own choice of entities (the terminal app's per-source checkboxes).
    entities: frozenset[str] | None = None

    @classmethod
    def parse(cls, text: str) -> SourceSpec:
        """``PROVIDER:TARGET`` as a source, its target in its one spelling
        (``connectors/identity.py``); :class:`UsageError` for any other text, one holding a
        token (never echoed: ``secrets_registry.holds_credential``) included."""
        if holds_credential(text):  # first: each message below repeats the text
            raise UsageError(
                "a source holds what looks like a token (not shown); write PROVIDER:TARGET, for "
                f"example github:acme/rocket; a token goes in its variable, such as "
                f"{token_variable(text)}"
            )
        from ..connectors.web_address import looks_like_web_address, web_address_line

        name, sep, target = text.partition(":")
        if looks_like_web_address(text) or looks_like_web_address(target):
            # a page's address pasted whole: "unknown provider 'https'" said nothing of it
            raise UsageError(web_address_line(text if looks_like_web_address(text) else target))
        if not sep or not name or not target:
            raise UsageError(
                f"'{text}' is not a source; write PROVIDER:TARGET, for example github:acme/rocket"
            )
        info = provider(name.strip().lower())
        # One spelling per source (connectors/identity.py): ACME/Rocket is acme/rocket.
        checked = info.connector.parse_target(target.strip())
        return cls(info.name, canonical_target(info.name, checked))

    def __str__(self) -> str:
        return f"{self.provider}:{self.target}"


@dataclass(frozen=True)
class RunRequest:
    workspace: str
    sources: tuple[SourceSpec, ...]
    depth: int = DEFAULT_DEPTH
    entities: frozenset[str] | None = None
    max_items: int = DEFAULT_MAX_ITEMS
    #: Fetch every stream's whole window even where an earlier run covered it (``--full``);
    #: by default a re-sync fetches only what changed (engine/resync.py).
    full: bool = False


def validate_workspace(text: str, *, name: str = "--workspace") -> str:
    """The workspace id ``text``, stripped; :class:`UsageError` (one line, naming ``name``) when
    it is empty, holds a control or format character (ESC, a newline, a zero-width or
    bidi mark...): such an id would be stored and sent to production unlike what the terminal
    shows, so it is refused rather than cleaned; holds ``://`` (a URL or a DSN typed in the
    wrong field: the line does not echo it, a password may be in it; a tester's finding in
    the app's Export form); holds a token (``secrets_registry.holds_credential``: it would be
    stored, logged and recorded in clear; not echoed either); or is longer than production's
    column (:data:`~backfill_tui.terms.WORKSPACE_ID_MAX` characters), which every export of the run
    would then refuse."""
    import unicodedata

    value = text.strip()
    if holds_credential(value):  # never echoed; first, as a later message may repeat it
        raise BadValue(
            f"{name} holds what looks like a token (not shown), not a workspace id; give the "
            f"workspace's own id (a token goes in its variable, such as {token_variable(value)})",
            field="workspace",
            fault="looks like a token, not a workspace id",
        )
    if not value:
        raise BadValue(
            f"{name} is empty; give the workspace id the backfill is for",
            field="workspace",
            fault="is empty",
        )
    for char in value:
        if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp", "Cs"):
            raise BadValue(
                f"{name} holds a control character (U+{ord(char):04X}); a workspace id is "
                "printable text: type it again without it",
                field="workspace",
                fault=f"holds a control character (U+{ord(char):04X})",
            )
    if "://" in value:  # never echoed: a DSN typed in the wrong field holds its password
        raise BadValue(
            f"{name} looks like a URL or a connection string (it holds '://'), not a workspace "
            "id; give the workspace's own id (a connection string goes in the DSN field, --dsn)",
            field="workspace",
            fault="looks like a URL or a connection string, not a workspace id",
        )
    if len(value) > WORKSPACE_ID_MAX:
        raise BadValue(
            f"{name} is {len(value)} characters; production's workspace ids hold at most "
            f"{WORKSPACE_ID_MAX} (lightfast_workspace_neural_observations.workspace_id): give the "
            "workspace's own id",
            field="workspace",
            fault=f"is {len(value)} characters, past production's {WORKSPACE_ID_MAX}",
        )
    return value


def validate_depth(days: int) -> int:
    """``days`` when it is a depth offered (:data:`~backfill_tui.terms.DEPTHS`), else
    :class:`BadValue` naming ``--days``."""
    if days not in DEPTHS:
        offered = f"{', '.join(str(d) for d in DEPTHS[:-1])} or {DEPTHS[-1]}"
        raise BadValue(
            f"--days {days} is not offered; choose 7, 30 (recommended) or 90",
            field="depth",
            fault=f"is not {offered}",
        )
    return days


def validate_max_items(count: int) -> int:
    """``count`` when a stream may store that many items (1 to
    :data:`~backfill_tui.terms.MAX_COUNT`), else :class:`BadValue` naming ``--max-items``.

    The one bound of a run's cap, whoever gives it: ``--max-items`` (``cli.options``), and a
    recording's header (``engine.recording.Replay``), whose ``run.max_items`` of 2**63 reached
    the mirror and overflowed SQLite's integers (exit 70, a fresh tester's finding)."""
    if count < 1:
        raise BadValue("--max-items must be at least 1", field="max_items", fault="is below 1")
    if count > MAX_COUNT:
        raise BadValue(
            f"--max-items {str(count)[:40]} is too large; the most is {MAX_COUNT:,}",
            field="max_items",
            fault=f"is more than {MAX_COUNT:,}, the most items a stream may store",
        )
    return count


def check_request(request: RunRequest) -> list[tuple[str, str, str]]:
    """Every rule a request meets before a run is recorded, in the order a run checks them
    (:class:`BadValue` or :class:`UsageError` for the first it breaks); its streams
    (:func:`plan_streams`) when it meets them all."""
    validate_depth(request.depth)
    validate_workspace(request.workspace)
    validate_max_items(request.max_items)
    return plan_streams(request)


def plan_streams(request: RunRequest) -> list[tuple[str, str, str]]:
    """(provider, target, entity) for every stream the request asks for; :class:`BadValue`
    when it names no source, an entity none of its sources has, or none of theirs."""
    if not request.sources:
        raise BadValue(
            "no source to run; give one or more PROVIDER:TARGET, for example github:acme/rocket",
            field="sources",
            fault="is empty",
        )
    streams = []
    known: set[str] = set()
    for spec in request.sources:
        entities = provider(spec.provider).connector.entities
        known.update(entities)
        for entity in entities:
            if spec.entities is not None and entity not in spec.entities:
                continue
            if request.entities is None or entity in request.entities:
                streams.append((spec.provider, spec.target, entity))
    if request.entities is not None:
        unknown = sorted(request.entities - known)
        if unknown:
            raise BadValue(
                f"unknown entity {', '.join(unknown)} for these sources; choose from "
                f"{', '.join(sorted(known))}",
                field="entities",
                fault=f"names {', '.join(unknown)}, not an entity of {', '.join(sorted(known))}",
            )
    if not streams:
        raise BadValue(
            "no stream to run: --entities selects none of these sources' entities",
            field="entities",
            fault="selects none of these sources' entities",
        )
    return streams


def run_window(started_at: datetime, depth: int) -> tuple[datetime, datetime]:
    """A run's start as it is stored (UTC, whole seconds) and its window's start (its ``since``,
    the cutoff: ``depth`` days before): the one rule a run is planned by
    (:meth:`Engine.plan <backfill_tui.engine.run.Engine.plan>`) and a replay's header is checked
    by (``engine.recording.Replay``)."""
    now = started_at.astimezone(UTC).replace(microsecond=0)
    return now, now - timedelta(days=depth)


def check_window(started_at: datetime, since: datetime, depth: int) -> None:
    """:class:`BadValue` (``field``: ``started_at`` or ``since``) unless ``started_at`` and
    ``since`` are what a run of ``depth`` days records (:func:`run_window`): its start in whole
    seconds, its ``since`` that many days before it. Only a recording's header gives both (a
    replay plans its window from started_at and depth, as the recorded run did): a ``since``
    that disagreed was ignored without a word, and a start with a fraction of a second moved
    the window by it, so the replay was not the recorded run (a fresh tester's finding)."""
    window = run_window(started_at, depth)[1]
    if started_at.microsecond:
        fault = "is not in whole seconds, as a run's start is recorded"
        raise BadValue(f"the run's start {fault}", field="started_at", fault=fault)
    if since != window:
        fault = (
            f"disagrees with run.started_at and run.depth: a run's window starts {depth} days "
            f"before its start, at {window.isoformat()}"
        )
        raise BadValue(f"the run's since {fault}", field="since", fault=fault)


def new_run_id(now: datetime) -> str:
    return f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


def canonical_source(source: str) -> str:
    """A recorded ``provider:target`` in its canonical spelling (as it was typed if invalid)."""
    try:
        return str(SourceSpec.parse(source))
    except UsageError:
        return source


def token_variable(text: str) -> str:
    """The variable a token in ``text`` goes in, by its prefix (``LINEAR_API_KEY`` for a
    ``lin_api_`` token: every refusal named GITHUB_TOKEN, a tester's finding); for a token with
    none, the variable of the environment that holds it (a Vercel token's refusal named
    GITHUB_TOKEN, a later tester's finding), else GITHUB_TOKEN."""
    from ..connectors import CATALOG
    from ..secrets_registry import variable_holding

    by_prefix = token_provider(text)
    if by_prefix is not None:
        return CATALOG[by_prefix].token_env
    names = [entry.token_env for entry in CATALOG.values()]
    return variable_holding(text, os.environ, names) or CATALOG["github"].token_env
