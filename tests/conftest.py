"""Shared fixtures: every test runs with a private HOME, XDG dirs, no tokens and an in-memory keyring."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import keyring
import pytest
from memory_keyring import MemoryKeyring

from backfill_tui import secrets_registry

TOKEN_VARS = ("GITHUB_TOKEN", "VERCEL_TOKEN", "LINEAR_API_KEY", "SENTRY_AUTH_TOKEN")
TESTS_DIR = Path(__file__).parent
# The throwaway PostgreSQL server and the loopback Inngest stand-in of the export tests.
pytest_plugins = ["conftest_pg", "inngest_stub", "cpu_report", "css_parse_cache"]


@pytest.hookimpl(tryfirst=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """One full collection, then what survives frozen, before pytest's own cleanup collects
    five times over (``_pytest/unraisableexception.py``, to report an unraisable exception of
    an object in a cycle): the first pass finds those, and the other four then walk only what
    the first freed, not the worker's whole heap again. 1.25 CPU-s of each worker's end in
    tests/app (about 450,000 objects) was those passes; the end of the suite waited on them."""
    gc.collect()
    gc.freeze()


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private home for the test: no real home directory, keyring, tokens or base URLs."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"):
        monkeypatch.setenv(name, str(home / name.lower()))
    for name in list(os.environ):
        if name in TOKEN_VARS or name.startswith("BACKFILL_"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "memory_keyring.MemoryKeyring")
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join([str(TESTS_DIR), os.environ.get("PYTHONPATH", "")])
    )
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    # The credentials a test registered are forgotten after it, as a new process would: kept,
    # a worker's registry grew with every test (32 values by the end of tests/e2e), each
    # masked in every answer of every later test, and a test could pass only because an
    # earlier one had registered the token it meant to show masked.
    registered = set(secrets_registry._values), secrets_registry._ordered
    registered_bytes = secrets_registry._ordered_bytes
    yield home
    keyring.set_keyring(previous)
    with secrets_registry._lock:
        secrets_registry._values.clear()
        secrets_registry._values.update(registered[0])
        secrets_registry._ordered, secrets_registry._ordered_bytes = registered[1], registered_bytes


@pytest.fixture
def anchor() -> str:
    """Today's UTC midnight: pins the simulator's history across the processes of one test."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today.isoformat().replace("+00:00", "Z")


@pytest.fixture
def collector_off() -> Iterator[None]:
    """Only reference counting frees anything while the test runs."""
    was = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
