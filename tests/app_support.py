"""Helpers for the terminal app's tests: a simulated environment on a fixed clock, an app on a
fresh mirror, a recorder of the messages the app posts, and a bounded wait."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from textual.message import Message
from textual.pilot import Pilot

from backfill_tui.app import BackfillApp, DemoSetup
from backfill_tui.clock import Clock, VirtualClock
from backfill_tui.demo import Simulator, SimulatorConfig
from backfill_tui.environment import Environment
from backfill_tui.store import Mirror

FIXED_NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
ANCHOR = "2026-06-01T00:00:00Z"
SIZE = (120, 36)

M = TypeVar("M", bound=Message)


def sim_environment(config: str = "", *, now: datetime = FIXED_NOW) -> Environment:
    """The simulator with a fixed history and a virtual clock starting at ``now``."""
    text = f"anchor={ANCHOR},{config}" if config else f"anchor={ANCHOR}"
    clock = VirtualClock(start=now.timestamp())
    return Environment(
        clock=clock, simulator=Simulator(SimulatorConfig.from_env_string(text), clock), env={}
    )


def make_app(
    tmp_path: Path,
    config: str = "",
    *,
    demo: DemoSetup | None = None,
    environment: Environment | None = None,
    clock: Clock | None = None,
    db: str = "mirror.db",
) -> BackfillApp:
    return BackfillApp(
        Mirror.open(tmp_path / db),
        environment or sim_environment(config),
        demo=demo,
        clock=clock,
    )


class Recorder:
    """``message_hook`` for ``run_test``: keeps every message the app's pumps handle."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    def __call__(self, message: Message) -> None:
        self.messages.append(message)

    def of(self, kind: type[M]) -> list[M]:
        return [m for m in self.messages if isinstance(m, kind)]


async def wait_until(
    pilot: Pilot[Any], predicate: Callable[[], object], timeout: float = 60.0
) -> None:
    """Let the app run until ``predicate()`` holds; fail (not hang) after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"gave up waiting after {timeout}s")
        await pilot.pause(0.05)
