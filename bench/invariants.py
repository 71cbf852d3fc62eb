"""Fingerprints of one fixed simulated run, to compare before/after a speed-up.

Runs a headless 90-day backfill of the demo's four sources through the simulator (a fixed
anchor, so every run of it asks the same world), and prints:
- ``bodies``: a SHA-256 over every response the simulator gave (method, URL, status, body),
  each hashed, the hashes sorted: the simulator's answers, byte for byte;
- ``mirror``: a SHA-256 over the observations table (every column but the row id, the public
  id, the run id and the captured/created times, ordered by sourceId) and the run's run_items
  digests (ordered by sourceId: the streams' pages interleave as the writer thread takes them);
- ``replay``: the same mirror fingerprint of the run's recording replayed into a fresh mirror.

Usage: .venv/bin/python bench/invariants.py [--scale 3] [--config EXTRA] [--keep REC]
       .venv/bin/python bench/invariants.py --replay REC   (an older recording must replay the same)

Faults and rate limits (``--config faults=...``) make the fingerprints vary from run to run on
any version (which request meets which fault depends on the streams' interleaving).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import sqlite3
import tempfile
from pathlib import Path

import httpx

from backfill_tui.clock import VirtualClock
from backfill_tui.engine.environment import Environment
from backfill_tui.engine.recording import Recorder, Replay
from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
from backfill_tui.simulator import Simulator, SimulatorConfig
from backfill_tui.store import Mirror

SOURCES = ("github:acme/rocket", "vercel:acme/rocket-web", "linear:ENG", "sentry:acme/rocket")
DUMP = os.environ.get("INV_DUMP")  # a file to write each answer and row to, to find a difference
SKIP = {"id", "external_id", "captured_at", "created_at", "run_id"}


def mirror_hash(db: Path) -> tuple[str, int]:
    conn = sqlite3.connect(db)
    cols = [r[1] for r in conn.execute("PRAGMA table_info(observations)") if r[1] not in SKIP]
    digest = hashlib.sha256()
    count = 0
    for row in conn.execute(f"SELECT {', '.join(cols)} FROM observations ORDER BY source_id"):
        digest.update(repr(row).encode())
        count += 1
        if DUMP:
            with open(DUMP + ".rows", "a") as out:
                out.write(repr(row)[:3000] + "\n")
    for row in conn.execute("SELECT source_id, digest FROM run_items ORDER BY source_id, digest"):
        digest.update(repr(row).encode())
    conn.close()
    return digest.hexdigest(), count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="3")
    parser.add_argument("--config", default="")
    parser.add_argument("--keep", help="copy the run's recording here")
    parser.add_argument("--replay", help="only replay this (older) recording and fingerprint it")
    args = parser.parse_args()
    if args.replay:
        with tempfile.TemporaryDirectory() as tmp:
            print("replay  ", *replay_hash(Path(args.replay), Path(tmp) / "r.db"))
        return
    config = f"anchor=2025-11-25T11:00:00Z,scale={args.scale},clock=virtual"
    if args.config:
        config += "," + args.config
    clock = VirtualClock(1764072000.0)  # 2025-11-25T12:00:00Z... any fixed start
    sim = Simulator(SimulatorConfig.from_env_string(config), clock)
    env = Environment(clock=clock, simulator=sim, env=dict(os.environ))
    answers: list[bytes] = []  # one SHA-256 per answer, sorted at the end: the streams
    # interleave their requests as the writer thread's timing lets them
    handle = sim._handle

    async def capture(request: httpx.Request) -> httpx.Response:
        response = await handle(request)
        body = await response.aread()
        one = hashlib.sha256(f"{request.method} {request.url} {response.status_code}\n".encode())
        one.update(body)
        answers.append(one.digest())
        if DUMP:
            with open(DUMP, "a") as out:
                out.write(
                    f"{request.method} {request.url} {response.status_code}\n{dict(response.headers)}\n{body.decode(errors='replace')}\n"
                )
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            content=body,
            extensions=response.extensions,
        )

    sim.transport = httpx.MockTransport(capture)
    with tempfile.TemporaryDirectory() as tmp:
        db, rec = Path(tmp) / "m.db", Path(tmp) / "run.rec.gz"
        mirror = Mirror.open(db)
        engine = Engine(mirror, env)
        run = engine.plan(
            RunRequest(
                "inv", tuple(SourceSpec.parse(s) for s in SOURCES), depth=90, max_items=10_000_000
            )
        )
        with Recorder(rec).recording(env, run):
            status = asyncio.run(engine.run(run.id))
        mirror.close()
        print("status  ", status, "requests", len(sim.requests))
        print("bodies  ", hashlib.sha256(b"".join(sorted(answers))).hexdigest())
        print("mirror  ", *mirror_hash(db))
        if args.keep:
            __import__("shutil").copy(rec, args.keep)
        print("replay  ", *replay_hash(rec, Path(tmp) / "r.db"))


def replay_hash(rec: Path, db: Path) -> tuple[str, str, int]:
    with Replay.open(rec) as replay:
        mirror = Mirror.open(db)
        engine = Engine(mirror, replay.environment())
        status = asyncio.run(engine.run(replay.plan(engine).id))
        mirror.close()
    return (status, *mirror_hash(db))


if __name__ == "__main__":
    main()
