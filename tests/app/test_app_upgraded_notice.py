"""An older mirror the app opens is upgraded, as every command upgrades it, and the app says so
in a notice as it opens: the line went only to stderr, which the app's screen hides, so a fresh
tester never saw it. It is still said on stderr once the app has ended (``cli.app.app_ended``).
The app's own entry points, in a real terminal: tests/e2e/test_tmux.py."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from app_support import sim_environment
from support import older_mirror

from backfill_tui.cli.app import app_ended
from backfill_tui.engine.mirror import open_for_app, upgrade_notes
from backfill_tui.screens.app import BackfillApp
from backfill_tui.store.schema import MIGRATION_NAMES, SCHEMA_VERSION


def test_an_upgraded_mirror_is_a_notice_as_the_app_opens_and_a_line_after_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "old.db"
    before = len(MIGRATION_NAMES) - 1
    older_mirror(db, MIGRATION_NAMES[before]).close()
    upgrade_notes()  # another test's, in this process: not this app's
    mirror = open_for_app(db)  # as `backfill-tui --db FILE` opens it
    app = BackfillApp(mirror, sim_environment(), upgraded=upgrade_notes())
    said = (
        f"upgraded {db} from mirror schema {before} to {SCHEMA_VERSION} (done once: this "
        "version reads only its own); older versions of backfill-tui can no longer open it"
    )

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            notices = [(n.title, n.message) for n in app._notifications]  # type: ignore[attr-defined]
            assert notices == [("Mirror upgraded", said)]
            await pilot.press("ctrl+q")

    try:
        asyncio.run(scenario())
    finally:
        mirror.close()
    capsys.readouterr()
    assert app_ended(app) == 0
    assert capsys.readouterr().err == f"backfill-tui: {said}\n"
