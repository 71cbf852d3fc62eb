"""The providers a face may offer: the connectors' catalog, as the faces read it.

``CATALOG`` (name → how a source of it is written, for help texts and the connect screen),
``PROVIDERS`` (name → ``ProviderInfo``: label, token variable, entities), :func:`provider`
(the info for a name, or a ``UsageError`` naming the choices), and :func:`simulated` (the
providers the built-in simulator plays, for the demo). Light to import: ``--help`` reads it.
"""

from __future__ import annotations

from ..connectors import CATALOG, PROVIDERS, provider

__all__ = ["CATALOG", "PROVIDERS", "provider", "simulated"]


def simulated() -> frozenset[str]:
    """The names of the providers that have both a connector and a simulator (the demo offers
    exactly these)."""
    from ..simulator.base import PROVIDERS as SIMULATED
    from ..simulator.simulator import Simulator  # noqa: F401  (imports register the providers)

    return frozenset(name for name in PROVIDERS if name in SIMULATED)
