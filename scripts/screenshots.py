"""Save SVG screenshots of the terminal app for the README (docs/screenshots/).

Drives ``backfill-tui demo`` headless (every simulated demo source) through
a first-connect backfill: the connect screen with its estimate, the dashboard mid-run while a
rate-limit pause counts down, the finished dashboard (also at 80x24), observations, a detail,
runs and help.

    .venv/bin/python scripts/screenshots.py [OUTPUT_DIR]
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
from pathlib import Path

from textual.pilot import Pilot

from backfill_tui.cli.app import DEMO_WORKSPACE, demo_sources
from backfill_tui.engine.environment import Environment
from backfill_tui.screens.app import BackfillApp, DemoSetup
from backfill_tui.screens.messages import EstimateReady, RunEnded
from backfill_tui.store import Mirror

CONFIG = "latency=0.6,rate_limit_every=30,retry_after=6"


async def until(pilot: Pilot[None], check: object) -> None:
    for _ in range(1200):
        if callable(check) and check():
            return
        await pilot.pause(0.05)
    raise TimeoutError("the app never got there")


async def shoot(out: Path, db: Path) -> None:
    environment = Environment.create(simulate=True, simulator_config=CONFIG)
    app = BackfillApp(Mirror.open(db), environment, demo=DemoSetup(DEMO_WORKSPACE, demo_sources()))
    seen: list[object] = []
    async with app.run_test(size=(120, 36), message_hook=seen.append) as pilot:

        def save(name: str) -> None:
            app.save_screenshot(str(out / f"{name}.svg"))
            print(out / f"{name}.svg")

        await until(pilot, lambda: any(isinstance(m, EstimateReady) for m in seen))
        await pilot.pause(0.3)
        save("connect")
        await pilot.press("ctrl+s")
        session = lambda: app.session  # noqa: E731
        await until(
            pilot,
            lambda: (
                session() is not None
                and any(s.wait_until for s in session().progress.sources.values())
            ),  # type: ignore[union-attr]
        )
        await pilot.pause(0.6)
        save("dashboard-running")
        await until(pilot, lambda: any(isinstance(m, RunEnded) for m in seen))
        await pilot.pause(1.2)
        save("dashboard-completed")
        await pilot.resize_terminal(80, 24)  # the size many terminals open at
        await pilot.pause(0.8)
        save("dashboard-80x24")
        await pilot.resize_terminal(120, 36)
        await pilot.pause(0.8)
        await pilot.press("f4")
        await pilot.pause(0.5)
        save("observations")
        await pilot.press("down", "down", "enter")
        await pilot.pause(0.5)
        save("observation-detail")
        await pilot.press("escape", "f5")
        await pilot.pause(0.5)
        save("runs")
        await pilot.press("f1")
        await pilot.pause(0.5)
        save("help")


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        # Shot into an empty directory, then moved over the old ones: the app never
        # overwrites a file it saves (engine/outputs.py), so shooting into OUTPUT_DIR failed
        # on its first screenshot once it held any.
        shots = Path(tmp) / "shots"
        shots.mkdir()
        asyncio.run(shoot(shots, Path(tmp) / "demo.db"))
        for shot in shots.iterdir():
            shutil.move(shot, out / shot.name)  # another file system, maybe
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
