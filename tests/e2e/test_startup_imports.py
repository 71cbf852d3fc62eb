"""Start-up (issue 13): each way in imports only what it uses.

Each case runs the real CLI in a fresh interpreter (a subprocess, in the test's private HOME)
and reads ``sys.modules`` afterwards: ``--help`` loads no heavy package at all, a GitHub-only
run loads neither Textual nor Linear's GraphQL client nor psycopg, a run with a Linear source
does load ``gql`` (so the check can fail), and the terminal app's first frame loads Textual but
not ``gql`` or psycopg. How long each takes is ``bench/startup.py``'s business, not a test's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from backfill_tui.connectors import CATALOG, PROVIDERS

#: The packages a command should load only when it needs them.
HEAVY = (
    "textual",
    "gql",
    "graphql",
    "psycopg",
    "pydantic",
    "pydantic_core",
    "httpx",
    "sqlite_utils",
    "rich",
    "click",  # httpx's command-line client's, with pygments (src/backfill_tui/__init__.py)
    "pygments",
    "asyncio",  # ~40 ms: --help must not pay for it (the program's exit path once did)
)
NOT_HEADLESS = {"textual", "gql", "graphql", "psycopg"}

PROBE = """
import json, sys
from backfill_tui.__main__ import entry
sys.argv = ["backfill-tui", *sys.argv[1:]]
try:
    entry()  # the program as installed (its console script): main, then its exit path
except SystemExit as exc:
    code = exc.code
heavy = set(json.loads(sys.stdin.read()))
modules = {name.split('.')[0] for name, module in sys.modules.items() if module is not None}
print(json.dumps({"code": code, "loaded": sorted(modules & heavy)}))
"""


def loaded(*args: str, env: dict[str, str] | None = None) -> tuple[int, set[str]]:
    """Run ``backfill-tui ARGS`` in a fresh interpreter; its exit status and the HEAVY it loaded."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        input=json.dumps(HEAVY),
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    return int(answer["code"] or 0), set(answer["loaded"])


def simulated_run(tmp_path: Path, *sources: str) -> list[str]:
    db = tmp_path / "mirror.db"
    window = ["--workspace", "w", "--days", "7", "--max-items", "5"]
    return ["run", *sources, *window, "--simulate", "--quiet", "--db", str(db)]


@pytest.mark.parametrize("args", [["--help"], ["run", "--help"], ["export", "postgres", "--help"]])
def test_help_loads_no_heavy_package(args: list[str]) -> None:
    code, found = loaded(*args)
    assert code == 0
    assert found == set()


def test_runs_on_an_empty_mirror_loads_no_http_or_ui(tmp_path: Path) -> None:
    from backfill_tui.store import Mirror

    Mirror.open(tmp_path / "empty.db").close()  # `runs` never makes a mirror (issue 12 item 9)
    code, found = loaded("runs", "--db", str(tmp_path / "empty.db"))
    assert code == 0  # the mirror was really opened (`runs` exits 2 on a path with no mirror)
    assert "sqlite_utils" not in found  # an up-to-date mirror opens without it (store/schema.py)
    assert found.isdisjoint(NOT_HEADLESS | {"httpx", "rich", "pydantic", "pydantic_core"}), found


def test_github_only_run_loads_neither_textual_nor_graphql_nor_psycopg(tmp_path: Path) -> None:
    code, found = loaded(*simulated_run(tmp_path, "github:acme/rocket"))
    assert code == 0
    assert {"httpx", "pydantic", "pydantic_core"} <= found  # the run really ran
    assert "sqlite_utils" not in found  # a new mirror is made without it (store/schema.py)
    assert found.isdisjoint(NOT_HEADLESS), found & NOT_HEADLESS
    # httpx's own command-line client (click, pygments) stays out: ~45 ms of a run's start
    assert found.isdisjoint({"click", "pygments"}), found


def test_a_linear_source_loads_gql(tmp_path: Path) -> None:
    code, found = loaded(*simulated_run(tmp_path, "github:acme/rocket", "linear:ENG"))
    assert code == 0
    assert {"gql", "graphql"} <= found
    assert found.isdisjoint({"textual", "psycopg"})


def test_first_frame_of_the_app_loads_textual_but_not_the_engine(tmp_path: Path) -> None:
    """The app (no command) on the headless driver: Textual's own screenshot hook saves the
    first screen after a second and exits. The connect screen needs Textual and the mirror; the
    HTTP layer, the pydantic models, gql and psycopg load when a source, run or export needs them."""
    shots = tmp_path / "shots"
    shots.mkdir()
    env = {
        "TEXTUAL_DRIVER": "textual.drivers.headless_driver:HeadlessDriver",
        "TEXTUAL_SCREENSHOT": "1",  # seconds after the app is ready
        "TEXTUAL_SCREENSHOT_LOCATION": str(shots),
        "TEXTUAL_SCREENSHOT_FILENAME": "first.svg",
    }
    code, found = loaded("--db", str(tmp_path / "app.db"), env=env)
    assert code == 0
    assert "Workspace" in (shots / "first.svg").read_text(encoding="utf-8")  # the connect screen
    assert "textual" in found
    assert found.isdisjoint({"gql", "graphql", "psycopg", "httpx", "pydantic"}), found


def test_catalog_says_what_each_connector_says() -> None:
    """CATALOG answers help texts and pickers without importing connectors: it must agree."""
    assert list(CATALOG) == list(PROVIDERS)
    for name, entry in CATALOG.items():
        info = PROVIDERS[name]
        assert (entry.name, entry.label) == (info.name, info.label)
        assert entry.target_help == info.connector.target_help
        assert entry.label == info.connector.label  # "not a valid GitHub source", as elsewhere
        assert info.connector.__module__ == entry.module
