"""Sources whose observations share one sourceId namespace, said rather than silently merged.

Production's sourceIds name a Sentry issue by its project's slug
(``sentry-issue:{project slug}:{shortId}:{action}``, shared/docs/interfaces.md and
lightfast-data-model.md), never its organization, and a shortId comes from the slug: two
organizations' projects ``api`` both have ``API-1``. Run side by side (or one after the other in
one workspace), the second one's issues are stored as duplicates of the first's, as production
would store them. The format is kept (the mirror previews production); the run says so, on the
streams that merge, where the user reads notes (the start line, the stream's note, the summary,
the dashboard). A plan-time check of the sources' names: no cost per row.

Called by :meth:`Engine.run <backfill_tui.engine.run.Engine.run>` with the run's sources and
those of every run of its workspace (``Mirror.workspace_sources``).
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["SHARED_ENTITIES", "owner_note", "shared_notes"]

#: The entities whose sourceIds name the project slug and not the organization, by provider
#: (Sentry's errors are named by the project's numeric id, unique across organizations).
SHARED_ENTITIES: dict[str, frozenset[str]] = {
    "sentry": frozenset({"issue"}),
    # linear-issue:{team.key}:{identifier}:…, linear-comment:{issue identifier}:{comment id}:…
    # (projects are named by their slugId, unique across organizations)
    "linear": frozenset({"issue", "comment"}),
}


def shared_notes(
    sources: Iterable[str], workspace_sources: Iterable[str], *, brief: bool = False
) -> dict[str, str]:
    """``{source: note}`` for each of ``sources`` (``PROVIDER:TARGET`` in their one spelling)
    that shares production's sourceId namespace with another source of ``sources`` or of
    ``workspace_sources`` (the workspace's earlier runs'): for Sentry, another organization's
    project of the same slug (``sentry:orga/api`` and ``sentry:orgb/api``). A source is never
    said to share with itself. Sources of other providers get no note. ``brief``: the short
    form a panel of a few lines has room for (the connect screen's estimate). Raises nothing."""
    own = list(dict.fromkeys(sources))
    by_slug: dict[str, list[str]] = {}
    for source in dict.fromkeys([*own, *workspace_sources]):
        provider, _, target = source.partition(":")
        org, _, slug = target.partition("/")
        if provider == "sentry" and org and slug:
            by_slug.setdefault(slug, []).append(source)
    notes: dict[str, str] = {}
    for slug, sharing in by_slug.items():
        if len(sharing) < 2:
            continue
        for source in sharing:
            if source in own:
                notes[source] = f"{_listed(sharing)} share project slug {slug}: " + (
                    "their issues of one short id are stored once, as production would"
                    if brief
                    else "production's sentry-issue sourceIds name the project slug only, so "
                    "their issues of one short id are stored once (as production would)"
                )
    return notes


def owner_note(source: str, others: list[tuple[str, str]], *, brief: bool = False) -> str | None:
    """The note for ``source`` (``linear:ENG``) whose lookup found an owner other than the one
    earlier runs of its workspace found (``others``: (run id, owner), from
    ``Mirror.other_owners``): another Linear organization's team of the same key, whose
    ``linear-issue:{team key}:…`` and ``linear-comment:{identifier}:…`` sourceIds are the same
    as this one's. None when ``others`` is empty; ``brief`` as for :func:`shared_notes`."""
    if not others:
        return None
    runs = _listed(list(dict.fromkeys(run for run, _ in others)))
    key = source.partition(":")[2]
    said = f"{source} is another organization's team than in run {runs} of this workspace: "
    if brief:
        return said + "their issues of one identifier are stored once, as production would"
    return said + (
        f"production's linear-issue and linear-comment sourceIds name the team key {key} only, "
        "so their issues of one identifier are stored once (as production would)"
    )


def _listed(sources: list[str], most: int = 3) -> str:
    """``a and b``, ``a, b and c``; past ``most``, the first ones and how many more (a
    workspace may hold hundreds of one slug: a note is one line, not a list)."""
    if len(sources) > most:
        return f"{', '.join(sources[:most])} and {len(sources) - most} more"
    return sources[0] if len(sources) == 1 else f"{', '.join(sources[:-1])} and {sources[-1]}"
