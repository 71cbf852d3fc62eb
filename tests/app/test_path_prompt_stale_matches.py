"""The recording prompt's list of matches (tab) goes once the path is edited: a later error,
for another path, showed under the names that matched the path typed before it (a fresh
tester's finding: ``/etc/pa`` Tab Enter, then ``/nonexist`` Enter, still listed "pam.conf
pam.d/ passwd passwd-" under "no recording at /nonexist")."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import SIZE, make_app, recording_prompt
from textual.widgets import Label

from backfill_tui.screens.path_prompt import PathPromptScreen


def _text(prompt: PathPromptScreen, selector: str) -> str:
    return str(prompt.query_one(selector, Label).content)


def test_a_later_error_shows_without_the_earlier_paths_matches(tmp_path: Path) -> None:
    (tmp_path / "acme-one.rec.gz").write_bytes(b"not a recording")
    (tmp_path / "acme-two.rec.gz").write_bytes(b"not a recording")
    app = make_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            prompt, field = await recording_prompt(pilot)
            field.value = f"{tmp_path}/ac"
            await pilot.press("tab")  # two match: extended to what they share, both listed
            await pilot.pause()
            assert field.value == f"{tmp_path}/acme-"
            assert "acme-one.rec.gz  acme-two.rec.gz" in _text(prompt, "#path-matches")
            await pilot.press("enter")  # an error for this path: its matches still apply
            await pilot.pause()
            assert "acme-" in _text(prompt, "#path-error")
            assert "acme-one.rec.gz" in _text(prompt, "#path-matches")
            field.value = f"{tmp_path}/missing.rec.gz"
            await pilot.press("enter")  # another path, another error: the old matches go
            await pilot.pause()
            assert app.screen is prompt
            assert "missing.rec.gz" in _text(prompt, "#path-error")
            assert _text(prompt, "#path-matches") == ""

    asyncio.run(scenario())
