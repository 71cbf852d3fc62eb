"""The providers backfill-tui can read, by name. Each lives in its own module.

A connector module is imported the first time its provider is asked for (``PROVIDERS[name]``,
:func:`provider`), not when this package is: a GitHub-only run never loads Linear's GraphQL
client (``gql``, ``graphql-core``), and ``--help`` loads no connector at all. What help texts and
pickers need before that (the label and how to write a target) is in :data:`CATALOG`;
``tests/e2e/test_startup_imports.py`` checks it says what each connector says.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from ..errors import UsageError

if TYPE_CHECKING:
    from .base import Connector, KnownAnswer, Page, ProviderInfo, Stream
    from .items import ItemFailure


class ProviderEntry(NamedTuple):
    """A provider as known without importing its connector: for help texts and pickers.

    (A ``NamedTuple`` rather than a dataclass: ``dataclasses`` costs ``--help`` ``inspect``.)
    """

    name: str
    label: str
    #: The module defining ``PROVIDER`` (a :class:`ProviderInfo`), imported on first use.
    module: str
    #: How to write a source of this provider (the connector's ``target_help``).
    target_help: str
    #: The environment variable holding its token (the connector's ``token_env``).
    token_env: str


#: Every provider, in the order they are offered (GitHub, Vercel, Linear, Sentry).
CATALOG: dict[str, ProviderEntry] = {
    entry.name: entry
    for entry in (
        ProviderEntry(
            "github",
            "GitHub",
            "backfill_tui.connectors.github",
            "github:OWNER/REPO (for example github:acme/rocket)",
            "GITHUB_TOKEN",
        ),
        ProviderEntry(
            "vercel",
            "Vercel",
            "backfill_tui.connectors.vercel",
            "vercel:PROJECT or vercel:TEAM/PROJECT (for example vercel:acme/rocket-web)",
            "VERCEL_TOKEN",
        ),
        ProviderEntry(
            "linear",
            "Linear",
            "backfill_tui.connectors.linear",
            "linear:TEAM_KEY (for example linear:ENG)",
            "LINEAR_API_KEY",
        ),
        ProviderEntry(
            "sentry",
            "Sentry",
            "backfill_tui.connectors.sentry",
            "sentry:ORG/PROJECT (for example sentry:acme/rocket)",
            "SENTRY_AUTH_TOKEN",
        ),
    )
}


class ProviderRegistry(Mapping[str, "ProviderInfo"]):
    """``name -> ProviderInfo``, importing a provider's connector module on first lookup.

    Iterating, ``len`` and ``in`` use :data:`CATALOG` and import nothing; ``registry[name]``,
    ``.values()`` and ``.items()`` import the modules of the providers they return.
    Raises ``KeyError`` for an unknown name (:func:`provider` turns it into a usage error).
    """

    def __getitem__(self, name: str) -> ProviderInfo:
        entry = CATALOG[name]
        return cast("ProviderInfo", importlib.import_module(entry.module).PROVIDER)

    def __iter__(self) -> Iterator[str]:
        return iter(CATALOG)

    def __len__(self) -> int:
        return len(CATALOG)

    def __contains__(self, name: object) -> bool:
        return name in CATALOG


PROVIDERS = ProviderRegistry()


def provider(name: str) -> ProviderInfo:
    """The provider called ``name``; raises :class:`UsageError` naming the known ones."""
    try:
        return PROVIDERS[name]
    except KeyError:
        import difflib

        known = ", ".join(sorted(PROVIDERS))
        close = difflib.get_close_matches(name.lower(), list(PROVIDERS), n=1, cutoff=0.6)
        hint = f" did you mean '{close[0]}'?" if close else ""
        raise UsageError(f"unknown provider '{name}';{hint} use one of: {known}") from None


_BASE_NAMES = frozenset({"Connector", "KnownAnswer", "Page", "ProviderInfo", "Stream"})


def __getattr__(name: str) -> Any:
    """The connector base types, imported from :mod:`.base` (and :mod:`.items`) when first
    asked for."""
    if name in _BASE_NAMES:
        from . import base

        return getattr(base, name)
    if name == "ItemFailure":
        from .items import ItemFailure

        return ItemFailure
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CATALOG",
    "PROVIDERS",
    "Connector",
    "ItemFailure",
    "KnownAnswer",
    "Page",
    "ProviderEntry",
    "ProviderInfo",
    "ProviderRegistry",
    "Stream",
    "provider",
]
