"""Start-up: what each way in to backfill-tui costs before it does any work, beside bare Python.

Every case is a fresh subprocess (the median of ``--runs`` after one uncounted warm-up, the cases
interleaved round by round so the machine's load falls on all of them alike), in a private HOME
with temporary XDG folders, no tokens and no ``BACKFILL_*`` variables:

- ``python -c pass``: the interpreter alone, the floor every other figure is compared with;
- ``backfill-tui --help`` and ``backfill-tui run --help``;
- ``backfill-tui runs`` on an empty mirror;
- ``backfill-tui run github:acme/rocket --simulate --days 7 --max-items 20`` into a fresh
  mirror (a tiny GitHub-only window on the simulator, no latency);
- the terminal app's first frame: ``backfill-tui`` on a pseudo-terminal (120x36), timed from
  the spawn to the moment the connect screen's text arrives on the terminal; then ctrl+q.

It prints each median, its difference from and ratio to ``python -c pass``, the targets
(``--help`` within 0.15 s of bare Python; first frame within 0.6 s), and which heavy packages
(textual, gql, graphql, psycopg, pydantic, httpx, sqlite_utils, rich, keyring) each headless
command imported. That last list is checked by ``tests/test_startup_imports.py``; here it is
only shown.

    .venv/bin/python bench/startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import os
import pty
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Callable
from fcntl import ioctl
from pathlib import Path

HEAVY = (
    "textual",
    "gql",
    "graphql",
    "psycopg",
    "pydantic",
    "httpx",
    "sqlite_utils",
    "rich",
    "keyring",
)
HELP_TARGET = 0.15  # seconds over `python -c pass`
FRAME_TARGET = 0.6  # seconds from spawn to the app's first frame
FRAME_MARKER = b"Workspace"  # a label of the connect screen, the app's first screen
SIM_RUN = (
    "run",
    "github:acme/rocket",
    "--workspace",
    "bench",
    "--days",
    "7",
    "--max-items",
    "20",
    "--simulate",
    "--quiet",
)

#: Prints, as JSON, the top-level packages of HEAVY that running the CLI with argv imported.
PROBE = """
import json, sys
from backfill_tui.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
heavy = set(json.loads(sys.stdin.read()))
print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & heavy)))
"""


def command() -> list[str]:
    """How to start the installed ``backfill-tui`` with this interpreter."""
    script = shutil.which("backfill-tui", path=str(Path(sys.executable).parent))
    return [sys.executable, script] if script else [sys.executable, "-m", "backfill_tui"]


def private_env(home: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("BACKFILL_") and not k.endswith(("_TOKEN", "_API_KEY"))
    }
    env["HOME"] = str(home)
    for name in ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"):
        env[name] = str(home / name.lower())
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    env["TEXTUAL_ANIMATIONS"] = "none"
    return env


def timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode()}")
    return elapsed


def first_frame(argv: list[str], env: dict[str, str]) -> float:
    """Seconds from spawning the app on a 120x36 pseudo-terminal to its first screen's text."""
    master, slave = pty.openpty()
    ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 36, 120, 0, 0))
    started = time.perf_counter()
    proc = subprocess.Popen(
        argv,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env={**env, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "36"},
        start_new_session=True,
    )
    os.close(slave)
    seen = b""
    elapsed: float | None = None
    deadline = started + 30
    try:
        while time.perf_counter() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            seen += chunk
            if elapsed is None and FRAME_MARKER in seen:
                elapsed = time.perf_counter() - started
                os.write(master, b"\x11")  # ctrl+q
                deadline = time.perf_counter() + 10
        if elapsed is None:
            tail = seen[-400:].decode(errors="replace")
            raise SystemExit(f"the app showed no first frame within 30 s; it wrote: {tail!r}")
        return elapsed
    finally:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # only the app this benchmark started
            proc.wait()
        os.close(master)


def imported(args: list[str], env: dict[str, str]) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        env=env,
        input=json.dumps(HEAVY),
        capture_output=True,
        text=True,
        check=True,
    )
    result: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per case (default 7)")
    opts = parser.parse_args()

    cli = command()
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        env = private_env(home)
        fresh = iter(range(1_000_000))

        def sim_run() -> float:
            return timed([*cli, *SIM_RUN, "--db", f"{tmp}/sim-{next(fresh)}.db"], env)

        cases: dict[str, Callable[[], float]] = {
            "python -c pass": lambda: timed([sys.executable, "-c", "pass"], env),
            "backfill-tui --help": lambda: timed([*cli, "--help"], env),
            "backfill-tui run --help": lambda: timed([*cli, "run", "--help"], env),
            "backfill-tui runs (empty mirror)": lambda: timed([*cli, "runs"], env),
            "run --simulate github, 7 days": sim_run,
            "app: first frame": lambda: first_frame(cli, env),
        }
        times: dict[str, list[float]] = {name: [] for name in cases}
        for case in cases.values():  # warm-up: page cache, .pyc files, the mirror
            case()
        for _ in range(opts.runs):
            for name, case in cases.items():
                times[name].append(case())

        base = statistics.median(times["python -c pass"])
        print(f"start-up, median of {opts.runs} runs each (python {sys.version.split()[0]})")
        print(f"{'case':<34}{'median':>9}{'min':>9}{'- bare':>9}{'x bare':>8}")
        for name, values in times.items():
            med = statistics.median(values)
            print(
                f"{name:<34}{med:>8.3f}s{min(values):>8.3f}s{med - base:>+8.3f}s{med / base:>7.1f}x"
            )
        help_over = statistics.median(times["backfill-tui --help"]) - base
        frame = statistics.median(times["app: first frame"])
        print(
            f"\n--help over bare python: {help_over:.3f} s (target <= {HELP_TARGET} s: "
            f"{'met' if help_over <= HELP_TARGET else 'NOT met'})"
        )
        print(
            f"app first frame: {frame:.3f} s (target <= {FRAME_TARGET} s: "
            f"{'met' if frame <= FRAME_TARGET else 'NOT met'})"
        )

        print("\nheavy packages imported (of " + ", ".join(HEAVY) + "):")
        probes = {
            "--help": ["--help"],
            "run --help": ["run", "--help"],
            "runs": ["runs"],
            "run --simulate github": [*SIM_RUN, "--db", f"{tmp}/probe.db"],
        }
        for name, args in probes.items():
            print(f"  {name:<24}{', '.join(imported(args, env)) or '(none)'}")


if __name__ == "__main__":
    main()
