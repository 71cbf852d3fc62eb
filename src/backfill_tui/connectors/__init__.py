"""The providers backfill-tui can read, by name. Each lives in its own module."""

from __future__ import annotations

from ..errors import UsageError
from .base import Connector, ItemFailure, Page, ProviderInfo, Stream
from .github import PROVIDER as GITHUB
from .linear import PROVIDER as LINEAR
from .sentry import PROVIDER as SENTRY
from .vercel import PROVIDER as VERCEL

PROVIDERS: dict[str, ProviderInfo] = {GITHUB.name: GITHUB, VERCEL.name: VERCEL}
PROVIDERS[LINEAR.name] = LINEAR
PROVIDERS[SENTRY.name] = SENTRY


def provider(name: str) -> ProviderInfo:
    try:
        return PROVIDERS[name]
    except KeyError:
        import difflib

        known = ", ".join(sorted(PROVIDERS))
        close = difflib.get_close_matches(name.lower(), list(PROVIDERS), n=1, cutoff=0.6)
        hint = f" did you mean '{close[0]}'?" if close else ""
        raise UsageError(f"unknown provider '{name}';{hint} use one of: {known}") from None


__all__ = ["PROVIDERS", "Connector", "ItemFailure", "Page", "ProviderInfo", "Stream", "provider"]
