"""F4's column headers are whole at 120x36 (a fresh tester's finding: "significance" was cut
to "significanc" once F4, opened at 80x24 where the column folds, was widened to 120x36: it
came back as wide as its cells, 11). The column is headed "score" ("87 kept", "12 dropped")."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from app_support import make_app, open_observations, populate, settle
from screen_text import screen_lines


@pytest.mark.parametrize("size", [(120, 36), (200, 50)])
def test_every_header_of_f4_is_whole(tmp_path: Path, size: tuple[int, int]) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", "sentry:acme/rocket", days=7)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            _screen, table = await open_observations(pilot)
            await pilot.resize_terminal(*size)
            await settle(pilot)
            await pilot.pause()
            header = screen_lines(app)[table.region.y]
            labels = [column.label.plain for column in table.columns.values()]
            assert len(labels) == 5, labels
            for label in labels:
                assert f" {label} " in f"{header} ", (label, header)

    asyncio.run(scenario())
    app.mirror.close()
