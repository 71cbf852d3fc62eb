"""The runs screen's sources column fits the terminal: at 120x36 it was cut at the screen's
edge mid-text ("github:acme/rocket +3 (", and "github:acme/rocket +" once ``m`` marked the run
as A; a tester's finding). It shows the first source and how many more whole, or ends in "…",
with the count kept."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest
from app_support import make_app, open_runs, populate, settle
from screen_text import region_text
from textual.widgets import DataTable

from backfill_tui.screens.runs_parts import fit_sources

SOURCES = ("github:acme/rocket", "vercel:acme/rocket-web", "linear:ENG", "sentry:acme/rocket")
SIZES = [(80, 24), (120, 36)]


def _row_ends(app: object, table: DataTable[object]) -> str:
    """The first run's line as shown, its right end (where the sources are)."""
    lines = region_text(app, table).splitlines()
    return lines[1].rstrip(" ▇▁▂▃▄▅▆█")


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_sources_column_ends_whole_or_with_an_ellipsis(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    app = make_app(tmp_path)
    populate(app, *SOURCES, workspace="demo", days=7)

    async def scenario() -> None:
        async with app.run_test(size=size) as pilot:
            _, table = await open_runs(pilot)
            for _ in ("unmarked", "marked as A"):
                line = _row_ends(app, table)
                assert re.search(r"( \+3| \+3 \(simulated\)|…| \+3 \(simula?t?e?…)$", line), line
                assert "+3" in line, line
                assert table.virtual_size.width <= table.size.width, line  # no sideways scroll
                await pilot.press("m")
                await settle(pilot)

    asyncio.run(scenario())


def test_fit_sources_keeps_the_count_and_cuts_with_an_ellipsis() -> None:
    assert fit_sources(list(SOURCES), " (simulated)", 200, whole=True).startswith("github:acme/")
    assert fit_sources(list(SOURCES), " (simulated)", 33, whole=False) == (
        "github:acme/rocket +3 (simulated)"
    )
    assert fit_sources(list(SOURCES), " (simulated)", 23, whole=False) == "github:acme/rocket +3"
    assert fit_sources(list(SOURCES), " (simulated)", 27, whole=False) == (
        "github:acme/rocket +3 (sim…"
    )
    assert fit_sources(list(SOURCES), " (simulated)", 20, whole=False) == "…acme/rocket +3"
    assert fit_sources(["linear:ENG"], "", 5, whole=False) == "…ENG"


@pytest.mark.parametrize("width", [100, 110])
def test_from_100_columns_the_sources_show_at_least_the_provider(
    tmp_path: Path, width: int
) -> None:
    """At 100 columns every column was shown and the sources had one cell: "g…" (a fresh
    tester's finding). From 100 to 119 the days go and the start drops its year; the first
    source shows whole, or its end and the count."""
    app = make_app(tmp_path)
    populate(app, *SOURCES, workspace="demo", days=7)

    async def scenario() -> None:
        async with app.run_test(size=(width, 30)) as pilot:
            _, table = await open_runs(pilot)
            line = _row_ends(app, table)
            assert re.search(r" \S*/rocket \+3$", line), line
            assert table.virtual_size.width <= table.size.width, line
            assert "started UTC" in region_text(app, table).splitlines()[0]

    asyncio.run(scenario())


def test_fit_sources_keeps_the_first_sources_end_and_the_count() -> None:
    assert fit_sources(list(SOURCES), "", 16, whole=False) == "…acme/rocket +3"
    assert fit_sources(list(SOURCES), "", 9, whole=False) == "…ocket +3"
    assert fit_sources(list(SOURCES), "", 5, whole=False) == "gith…"  # no room for its end


def test_a_long_workspace_id_keeps_the_counts_on_screen(tmp_path: Path) -> None:
    """A long workspace id (191 characters, the most ``run --workspace`` takes) pushed the
    status and every count off the screen at 120 columns (a second fresh tester's finding): it
    is cut with "…"."""
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", workspace="w" * 191, days=7)

    async def scenario() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            _, table = await open_runs(pilot)
            line = region_text(app, table).splitlines()[1]
            assert "w" * 9 + "…" in line and "completed" in line, line
            assert "w" * 20 not in line and "github:acme/rocket" in line, line
            assert table.virtual_size.width <= table.size.width, line  # no sideways scroll

    asyncio.run(scenario())


@pytest.mark.parametrize("size", [*SIZES, (200, 40)], ids=["80x24", "120x36", "200x40"])
def test_a_replay_is_said_first_at_every_width(tmp_path: Path, size: tuple[int, int]) -> None:
    """A replay read as an ordinary run in the app's runs list at 80 and 120 columns (its
    "(replay of FILE)" went for room; a fresh tester's finding): "replay:" leads its sources,
    and the file follows where room is."""
    from backfill_tui.engine.recording import Recorder, Replay
    from backfill_tui.engine.run import Engine, RunRequest, SourceSpec

    app = make_app(tmp_path)
    rec = tmp_path / "made.rec.gz"
    environment = app.environment
    engine = Engine(app.mirror, environment)
    recorded = engine.plan(RunRequest("demo", (SourceSpec.parse(SOURCES[0]),), depth=7))
    with Recorder(rec).recording(environment, recorded):
        assert asyncio.run(engine.run(recorded.id)) == "completed"
    with Replay.open(rec) as replay:
        replaying = Engine(app.mirror, replay.environment())
        replayed = replay.plan(replaying)
        assert asyncio.run(replaying.run(replayed.id)) == "completed"

    async def scenario() -> None:
        async with app.run_test(size=size) as pilot:
            _, table = await open_runs(pilot)
            shown = region_text(app, table).splitlines()[1:]
            lines = {line.split()[0]: line for line in shown if line.strip()}
            assert re.search(r"replay: \S*rocket", lines[replayed.id]), lines
            assert "replay" not in lines[recorded.id], lines
            if size[0] >= 200:
                recorded_at = recorded.started_at[:16].replace("T", " ")  # what it replays
                said = f"(made.rec.gz, recorded {recorded_at})"
                assert lines[replayed.id].rstrip().endswith(said), lines

    asyncio.run(scenario())


def test_at_80_columns_the_workspace_tells_runs_apart(tmp_path: Path) -> None:
    """At 80x24 the runs list had no workspace column: runs of `killme`, `wörk 🚀 space` and
    `demo` read alike (a fresh tester's finding). It shows each workspace, cut with "…" in
    what the other columns leave, and the sources keep their provider and count."""
    from rich.cells import cell_len

    app = make_app(tmp_path)
    for workspace in ("killme", "wörk 🚀 space ship of the line", "demo"):
        populate(app, *SOURCES, workspace=workspace, days=7)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            _, table = await open_runs(pilot)
            lines = region_text(app, table).splitlines()
            assert lines[0].split()[:3] == ["run", "workspace", "status"], lines[0]
            for line, workspace in zip(lines[1:4], ("demo", "wörk 🚀", "killme"), strict=True):
                assert f"  {workspace}" in line and line.rstrip().endswith("/rocket +3"), lines
            assert "…" in lines[2], lines
            assert all(cell_len(line) <= 80 for line in lines), lines
            assert table.virtual_size.width <= table.size.width, lines  # no sideways scroll

    asyncio.run(scenario())


def test_at_80_columns_runs_of_different_repositories_read_apart(tmp_path: Path) -> None:
    """At 80x24 the sources column showed "github:acme/r…" for every run, so runs of
    different repositories looked the same (a fresh tester's finding). A source cut to fit
    keeps its provider and its end, the repository's name, eliding the middle."""
    app = make_app(tmp_path)
    repos = ("github:acme/rocket", "github:acme/launchpad", "github:acme/rocket-web")
    for source in repos:
        populate(app, source, workspace="demo", days=7)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            _, table = await open_runs(pilot)
            lines = region_text(app, table).splitlines()[1:4]
            ends = [line.rstrip().split()[-1] for line in lines]
            assert len(set(ends)) == 3, lines
            for end, repo in zip(ends, reversed(repos), strict=True):
                assert repo.endswith(end.split("…")[-1]), lines
            assert table.virtual_size.width <= table.size.width, lines  # no sideways scroll

    asyncio.run(scenario())


def test_fit_sources_keeps_the_end_of_a_lone_source() -> None:
    assert fit_sources(["github:acme/rocket-web"], "", 14, whole=False) == "…/rocket-web"
    assert fit_sources(["github:acme/rocket"], "", 18, whole=False) == "github:acme/rocket"
    assert fit_sources(["linear:ENG"], "", 5, whole=False) == "…ENG"


def _tester_runs(tmp_path: Path) -> tuple[Any, dict[str, str]]:
    """The fresh tester's runs: acme/rocket, acme/old-rocket in a long workspace, the four
    sources, and a replay of acme/rocket; each run's id by what it is."""
    from backfill_tui.engine.recording import Recorder, Replay
    from backfill_tui.engine.run import Engine, RunRequest, SourceSpec

    app = make_app(tmp_path)
    rec = tmp_path / "made.rec.gz"
    engine = Engine(app.mirror, app.environment)
    recorded = engine.plan(RunRequest("demo", (SourceSpec.parse(SOURCES[0]),), depth=7))
    with Recorder(rec).recording(app.environment, recorded):
        assert asyncio.run(engine.run(recorded.id)) == "completed"
    with Replay.open(rec) as replay:
        replaying = Engine(app.mirror, replay.environment())
        replayed = replay.plan(replaying)
        assert asyncio.run(replaying.run(replayed.id)) == "completed"
    ids = {"rocket": recorded.id, "replay": replayed.id}
    ids["old"] = populate(app, "github:acme/old-rocket", workspace="other-workspace", days=7)
    ids["four"] = populate(app, *SOURCES, workspace="demo", days=7)
    return app, ids


def _sources_cells(app: object, table: DataTable[object]) -> dict[str, str]:
    """Each run's sources cell as shown, by run id."""
    from textual.coordinate import Coordinate

    column = list(table.columns).index("sources")
    return {
        str(key.value): table.get_cell_at(Coordinate(row, column)).plain
        for row, key in enumerate(table.rows)
    }


def test_runs_of_different_repositories_read_apart_and_the_column_grows_with_the_screen(
    tmp_path: Path,
) -> None:
    """At 80x24 runs of github:acme/rocket and github:acme/old-rocket both read
    "github:…ocket", and at 120x36 the sources column was narrower still ("github…",
    "git… +3", "replay:"; a fresh tester's finding). A source cut to fit keeps its target's
    end ("…acme/old-rocket", "…/rocket"), a run of several shows its first's name and "+3",
    and the workspace gives the sources what they want before its own last cells."""
    widths: dict[int, int] = {}

    async def scenario(app: Any, ids: dict[str, str], size: tuple[int, int]) -> None:
        async with app.run_test(size=size) as pilot:
            _, table = await open_runs(pilot)
            cells = _sources_cells(app, table)
            assert re.search(r"/old-rocket( |$)", cells[ids["old"]]), cells
            assert re.search(r"/rocket( |$)", cells[ids["rocket"]]), cells
            assert re.search(r"/rocket \+3", cells[ids["four"]]), cells
            assert re.match(r"replay: \S*/rocket( |$)", cells[ids["replay"]]), cells
            assert table.virtual_size.width <= table.size.width, cells  # no sideways scroll
            widths[size[0]] = table.columns["sources"].get_render_width(table)  # type: ignore[index]

    for size in ((80, 24), (100, 30), (120, 36)):
        (tmp_path / str(size[0])).mkdir()
        asyncio.run(scenario(*_tester_runs(tmp_path / str(size[0])), size))
    assert widths[120] > widths[80], widths


def test_a_cut_source_keeps_its_target_then_its_name() -> None:
    assert fit_sources(["github:acme/old-rocket"], "", 16, whole=False) == "…acme/old-rocket"
    assert fit_sources(["github:acme/old-rocket"], "", 14, whole=False) == "…/old-rocket"
    assert fit_sources(["github:acme/old-rocket"], "", 8, whole=False) == "…-rocket"
    assert fit_sources(list(SOURCES), "", 15, whole=False) == "…acme/rocket +3"
    assert fit_sources(list(SOURCES), "", 11, whole=False) == "…/rocket +3"
    assert fit_sources(list(SOURCES), "", 7, whole=False) == "…ket +3"
    assert fit_sources(["linear:ENG", "github:acme/rocket"], "", 7, whole=False) == "…ENG +1"
