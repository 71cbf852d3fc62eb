"""A random walk through the whole app: paths nobody scripted (issue 12 item 1).

Seeded key sequences drive the app through Pilot across every screen: F1-F6, tab, enter, escape,
arrows, the letters the screens bind, ctrl+s/ctrl+e/ctrl+t/ctrl+r/ctrl+p, and typing. A sequence
fails the test on any exception the app raises or when a key is not handled within the Pilot
timeout (a frozen app); the failure names the seed, the sequence and its keys, so it replays.

The app runs on the simulator with a virtual clock and a small scale, so runs started by the
walk finish in moments. The sequences are cut into ``BATCHES`` tests that pytest-xdist spreads
over the cores; the sequences of a batch share one app instance (a new one when the walk quits
the app). Sequence ``i`` is drawn from ``random.Random(f"{seed}:{i}")`` whichever batch runs it.
``WALK_SEQUENCES`` and ``WALK_SEED`` widen a local hunt:
``WALK_SEQUENCES=2000 WALK_SEED=7 pytest tests/app/test_app_walk.py``.
"""

from __future__ import annotations

import asyncio
import faulthandler
import os
import random
import shutil
import sys
import unicodedata
from pathlib import Path

import pytest
from app_support import make_app, populate
from textual import events
from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key
from textual.pilot import Pilot, WaitForScreenTimeout

from backfill_tui.screens.app import BackfillApp, DemoSetup

SEQUENCES = int(os.environ.get("WALK_SEQUENCES", "200"))
SEED = int(os.environ.get("WALK_SEED", "12"))
BATCHES = 4  # tests the sequences are cut into, run side by side: each starts its own app(s)
KEY_TIMEOUT = 30.0  # seconds for one key to be handled: beyond it the app is frozen
SIZES = ((80, 24), (120, 36))  # 200x50 renders 3-5x slower; the snapshots cover it
CONFIG = "scale=0.15,rate_limit_every=12,retry_after=3"

NAVIGATION = ["f1", "f2", "f3", "f4", "f5", "f6", "tab", "shift+tab", "enter", "escape"]
ARROWS = ["up", "down", "left", "right", "pageup", "pagedown", "home", "end"]
LETTERS = ["c", "r", "o", "m", "d", "y", "n", "q", "slash", "space", "backspace"]
CONTROLS = ["ctrl+s", "ctrl+e", "ctrl+t", "ctrl+r", "ctrl+p"]
WORDS = ["acme/rocket", "ENG", "fix", "demo", "~/x.rec.gz"]


def _key(rng: random.Random) -> list[str]:
    """One step of the walk: a key, or a word typed letter by letter."""
    roll = rng.random()
    if roll < 0.35:
        return [rng.choice(NAVIGATION)]
    if roll < 0.55:
        return [rng.choice(ARROWS)]
    if roll < 0.75:
        return [rng.choice(LETTERS)]
    if roll < 0.9:
        return [rng.choice(CONTROLS)]
    if roll < 0.995:
        return list(rng.choice(WORDS))
    return ["ctrl+q"]


async def _press(pilot: Pilot[None], key: str) -> None:
    """Send ``key`` as ``Pilot.press`` does, then wait until the app and its screen have handled
    every message pending (``Pilot.pause(0)``).

    ``Pilot.press`` waits twice per key for the whole process to look idle (at least 40 ms, and up
    to 2 s while a run the walk started keeps a thread busy); a walk of ~1,000 keys spent most of
    its time there. Whether a key was handled is what the walk asks, and a key that is never
    handled still fails it: the next wait for the screen times out (a frozen app).
    """
    if len(key) == 1 and not key.isalnum():
        key = _character_to_key(key)
    try:
        char: str | None = unicodedata.lookup(
            _get_unicode_name_from_key(REPLACED_KEYS.get(key, key))
        )
    except KeyError:
        char = key if len(key) == 1 else None
    event = events.Key(key, char)
    event.set_sender(pilot.app)
    pilot.app.post_message(event)
    handled = asyncio.ensure_future(pilot.pause(0))
    while not handled.done():
        await asyncio.wait({handled}, timeout=0.05)
        if not pilot.app.is_running:  # the key closed the app: its screens handle nothing more
            handled.cancel()
            return
    handled.result()  # WaitForScreenTimeout: the app froze


def _template(tmp_path: Path) -> Path:
    """A mirror with one finished run, so F4 and F5 have rows from the start."""
    app = make_app(tmp_path, CONFIG, db="template.db")
    populate(app, "github:acme/rocket", "sentry:acme/rocket")
    app.mirror.close()
    return tmp_path / "template.db"


def _app(tmp_path: Path, template: Path, index: int) -> BackfillApp:
    shutil.copyfile(template, tmp_path / f"walk-{index}.db")
    return make_app(
        tmp_path,
        CONFIG,
        demo=DemoSetup("ws", ("github:acme/rocket", "linear:ENG")),
        db=f"walk-{index}.db",
    )


async def _walk(tmp_path: Path, template: Path, seed: int, sequences: range) -> int:
    """Run the seeded sequences numbered ``sequences``; returns how many app instances they
    needed."""
    done, instances = sequences.start, 0
    while done < sequences.stop:
        app = _app(tmp_path, template, instances)
        size = SIZES[(sequences.start + instances) % len(SIZES)]
        instances += 1
        async with app.run_test(size=size) as pilot:
            while done < sequences.stop and app.is_running:
                rng = random.Random(f"{seed}:{done}")
                keys = [k for _ in range(rng.randint(2, 4)) for k in _key(rng)]
                where = f"seed {seed}, sequence {done}, size {size}, keys {keys}"
                faulthandler.dump_traceback_later(KEY_TIMEOUT * 4, exit=True, file=sys.__stderr__)
                try:
                    for key in keys:
                        await asyncio.wait_for(_press(pilot, key), KEY_TIMEOUT)
                        if app._exception is not None or not app.is_running:
                            break
                    if app.is_running:  # every message the keys caused handled, drawn
                        await asyncio.wait_for(pilot.pause(0), KEY_TIMEOUT)
                except (TimeoutError, WaitForScreenTimeout):
                    pytest.fail(f"the app froze: no answer within {KEY_TIMEOUT}s ({where})")
                finally:
                    faulthandler.cancel_dump_traceback_later()
                if app._exception is not None:
                    raise AssertionError(f"the app raised ({where})") from app._exception
                done += 1
            if app.is_running and app.running:  # let a run the walk started wind down
                app.cancel_run()
                await asyncio.wait_for(pilot.pause(0.2), KEY_TIMEOUT)
    return instances


def _batch(batch: int) -> range:
    """The sequence numbers of ``batch``: ``SEQUENCES`` cut into ``BATCHES`` runs of numbers."""
    return range(batch * SEQUENCES // BATCHES, (batch + 1) * SEQUENCES // BATCHES)


def test_the_batches_cover_every_sequence_once() -> None:
    numbers = [n for batch in range(BATCHES) for n in _batch(batch)]
    assert numbers == list(range(SEQUENCES))
    assert SEQUENCES >= 200 or "WALK_SEQUENCES" in os.environ  # a local hunt may walk fewer


@pytest.mark.parametrize("batch", range(BATCHES))
def test_random_key_sequences_never_crash_or_freeze_the_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    monkeypatch.chdir(tmp_path)  # a palette screenshot or a typed relative path lands here
    instances = asyncio.run(_walk(tmp_path, _template(tmp_path), SEED, _batch(batch)))
    assert instances >= 1
