"""A source's one spelling: the providers' own rules for which names are the same resource.

``SourceSpec.parse`` applies :func:`canonical_target` to every target, so ``github:ACME/Rocket``
and ``github:acme/rocket`` are one source for run locks, dedup of a run's sources and resume
(issue 10 item 7). sourceIds are not touched: they are built from what the API answers
(GitHub's ``full_name``, Sentry's ``project.slug``, Linear's ``team.key``), as in production.

Rules, per provider:

- GitHub: owner and repository names are case-insensitive (``/repos/ACME/Rocket`` answers as
  ``/repos/acme/rocket``, with ``full_name`` in GitHub's own spelling).
- Sentry: organization and project slugs are lower case (Sentry's slug rule), so any spelling
  the user types names the lower-case slug.
- Vercel: team slugs and project names are lower case; ids (``team_…``, ``prj_…``) are
  case-sensitive and kept as written.
- Linear: team keys are upper case (``LinearConnector.parse_target`` already upper-cases).
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["canonical_target"]


def _vercel(target: str) -> str:
    return "/".join(
        part if part.startswith(("team_", "prj_")) else part.lower() for part in target.split("/")
    )


#: provider -> its rule (a target already checked by the connector's ``parse_target``).
RULES: dict[str, Callable[[str], str]] = {
    "github": str.lower,
    "sentry": str.lower,
    "vercel": _vercel,
    "linear": str.upper,
}


def canonical_target(provider: str, target: str) -> str:
    """The one spelling of a valid ``target`` of ``provider`` (unchanged if it has no rule)."""
    rule = RULES.get(provider)
    return rule(target) if rule is not None else target
