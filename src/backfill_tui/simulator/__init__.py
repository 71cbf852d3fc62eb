"""Simulated providers for ``backfill-tui demo``, ``--simulate`` and the tests.

A :class:`Simulator` is an httpx ``MockTransport`` serving deterministic, lazily generated
provider data (GitHub today) with configurable faults, rate limits and quota, plus the ground
truth a correct backfill must reproduce::

    sim = Simulator(SimulatorConfig.from_env_string("seed=7,faults=0.1"), VirtualClock())
    async with httpx.AsyncClient(transport=sim.transport, base_url="https://api.github.com"):
        ...
"""

from backfill_tui.simulator.base import ProviderSim, WorldSpec, register
from backfill_tui.simulator.config import SimulatorConfig
from backfill_tui.simulator.simulator import RequestRecord, Simulator

__all__ = [
    "ProviderSim",
    "RequestRecord",
    "Simulator",
    "SimulatorConfig",
    "WorldSpec",
    "register",
]
