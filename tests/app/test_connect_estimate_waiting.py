"""While the connect screen's estimate waits for a provider's rate limit, its panel says so
(a fresh tester's finding: it sat at "Estimating: fetching the first page…" for ~15 s while
the log said "Vercel: waiting 8.6s (rate limited (429))"). The words come from the waits the
HTTP layer reports, as a run's dashboard has them."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from app_support import make_app, paced_environment, wait_until
from screen_text import region_text

from backfill_tui.screens.connect import ConnectScreen
from backfill_tui.screens.host import DemoSetup

DEMO = DemoSetup("demo", ("vercel:acme/rocket-web",), depth=7)


def test_the_estimate_says_which_provider_it_waits_for_and_why(tmp_path: Path) -> None:
    # every request of the simulated Vercel answered 429 with a 30 s Retry-After, real time
    environment = paced_environment("rate_limit_every=1,retry_after=30", latency=0.01)
    app = make_app(tmp_path, demo=DEMO, environment=environment)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, ConnectScreen)
            panel = screen.query_one("#estimate-panel")
            await wait_until(pilot, lambda: "waiting" in region_text(app, panel), 30)
            text = " ".join(region_text(app, panel).split())
            found = re.search(r"Vercel: waiting (\d+) s \(rate limited\)", text)
            assert found is not None, text
            assert 20 <= int(found.group(1)) <= 40, text  # 30 s and its jitter
            assert "fetching the first page" not in text

    asyncio.run(scenario())
