"""Start-up: what each way in to backfill-tui costs before it does any work, beside bare Python.

Every case is a fresh subprocess (the median of ``--runs`` after one uncounted warm-up, the cases
interleaved round by round so the machine's load falls on all of them alike), in a private HOME
with temporary XDG folders, no tokens and no ``BACKFILL_*`` variables. The keyring is the null
backend so that nothing here touches the user's keyring (the connect screen asks the keyring
after its first frame, so its cost, tens of milliseconds, is not in the first frame's figure):

- ``python -c pass``: the interpreter alone, the floor every other figure is compared with;
- ``backfill-tui --help`` and ``backfill-tui run --help``;
- ``backfill-tui runs`` on an empty mirror;
- ``backfill-tui run github:acme/rocket --simulate --days 7 --max-items 20`` into a fresh
  mirror (a tiny GitHub-only window on the simulator, no latency);
- the terminal app's first frame: ``backfill-tui`` on a pseudo-terminal (120x36), timed from
  the spawn to the moment the connect screen's text arrives on the terminal; then ctrl+q;
- Textual's own floor, timed the same way: a minimal Textual app (a header, a label, one input,
  a footer; nothing of ours) to its first frame. What Textual itself costs to import and paint
  on this machine, so the app's figure can be read as "Textual's floor + ours".

- the app started as a test starts it: ``App.run_test`` at 120x36 on a fresh mirror, settled
  and closed, several times in one warm process (what each test of ``tests/app`` pays before its
  first key, imports aside); printed on its own, per tree, alternated.

It prints each median wall time, its difference from and ratio to ``python -c pass``, the
median CPU time (user + system; for the app, up to the first frame), which a busy machine
inflates far less than wall time, the load average, the targets
(``--help`` within 0.15 s of bare Python; first frame within 0.6 s), and which heavy packages
(textual, gql, graphql, psycopg, pydantic, httpx, sqlite_utils, rich, keyring) each headless
command imported. That last list is checked by ``tests/e2e/test_startup_imports.py``; here it is
only shown.

    .venv/bin/python bench/startup.py [--runs 7] [--only SUBSTRING] [--baseline OLD/src]

To compare with an older commit under the same load, interleaved::

    git archive e42c0bc src | tar -x -C /tmp/before
    .venv/bin/python bench/startup.py --baseline /tmp/before/src
"""

from __future__ import annotations

import argparse
import json
import os
import pty
import resource
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

#: A minimal Textual app (nothing of backfill-tui) whose first frame shows FRAME_MARKER.
MINIMAL_APP = """
from textual.app import App
from textual.widgets import Footer, Header, Input, Label

class Minimal(App):
    BINDINGS = [("ctrl+q", "quit", "Quit")]

    def compose(self):
        yield Header()
        yield Label("Workspace")
        yield Input(placeholder="acme")
        yield Footer()

Minimal().run()
"""

#: Starts the app as a test does (``App.run_test`` at 120x36 on a fresh mirror, the real
#: environment, no tokens), waits for it to settle and closes it, ``sys.argv[1]`` times after
#: one uncounted start, all in one process; prints the median wall and CPU seconds of one start
#: as JSON. What each app test pays before its first key, imports aside.
PILOT = """
import asyncio, json, os, statistics, sys, tempfile, time
from pathlib import Path
from backfill_tui.engine.environment import Environment
from backfill_tui.engine.mirror import open_for_app
from backfill_tui.screens.app import BackfillApp

async def start(folder):
    app = BackfillApp(open_for_app(Path(folder) / "mirror.db"), Environment.create(simulate=False))
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
    finally:
        app.mirror.close()

walls, cpus = [], []
with tempfile.TemporaryDirectory() as tmp:
    for index in range(int(sys.argv[1]) + 1):
        folder = os.path.join(tmp, str(index))
        os.mkdir(folder)
        wall, cpu = time.perf_counter(), time.process_time()
        asyncio.run(start(folder))
        if index:
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
print(json.dumps([statistics.median(walls), statistics.median(cpus)]))
"""

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
    # An installed package has its bytecode; with PYTHONDONTWRITEBYTECODE (some shells and CI
    # images set it) a fresh tree would compile every module of ours from source on every
    # start, and the figures would measure the compiler (scripts/test unsets it too).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["HOME"] = str(home)
    for name in ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"):
        env[name] = str(home / name.lower())
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    env["TEXTUAL_ANIMATIONS"] = "none"
    return env


Timing = tuple[float, float]  # (wall seconds, CPU seconds: user + system)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: list[str], env: dict[str, str]) -> Timing:
    """Wall and CPU seconds of one run of ``argv`` to its exit."""
    cpu = children_cpu()
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode()}")
    return elapsed, children_cpu() - cpu


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) process ``pid`` has used so far (Linux /proc; else nan)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def first_frame(argv: list[str], env: dict[str, str]) -> Timing:
    """Wall and CPU seconds from spawning the app on a 120x36 pseudo-terminal to its first
    screen's text arriving on the terminal."""
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
    cpu = float("nan")
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
                cpu = process_cpu(proc.pid)
                os.write(master, b"\x11")  # ctrl+q
                deadline = time.perf_counter() + 10
        if elapsed is None:
            tail = seen[-400:].decode(errors="replace")
            raise SystemExit(f"the app showed no first frame within 30 s; it wrote: {tail!r}")
        return elapsed, cpu
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


def pilot_start(env: dict[str, str], runs: int) -> Timing:
    """Median wall and CPU seconds of one ``run_test`` start of the app in a warm process."""
    done = subprocess.run(
        [sys.executable, "-c", PILOT, str(runs)], env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"the run_test start failed: {done.stderr[-400:]}")
    wall, cpu = json.loads(done.stdout.strip().splitlines()[-1])
    return float(wall), float(cpu)


def empty_mirror(tmp: Path, env: dict[str, str]) -> Path:
    """A mirror with no run yet (``runs`` refuses a path that names no mirror, issue 12),
    made once per tree by that tree's own code."""
    path = tmp / "empty.db"
    if not path.exists():
        make = "import sys; from backfill_tui.store import Mirror; Mirror.open(sys.argv[1]).close()"
        subprocess.run([sys.executable, "-c", make, str(path)], env=env, check=True)
    return path


def build_cases(cli: list[str], env: dict[str, str], tmp: Path) -> dict[str, Callable[[], Timing]]:
    fresh = iter(range(1_000_000))

    def sim_run() -> Timing:
        return timed([*cli, *SIM_RUN, "--db", f"{tmp}/sim-{next(fresh)}.db"], env)

    return {
        "python -c pass": lambda: timed([sys.executable, "-c", "pass"], env),
        "backfill-tui --help": lambda: timed([*cli, "--help"], env),
        "backfill-tui run --help": lambda: timed([*cli, "run", "--help"], env),
        "backfill-tui runs (empty mirror)": lambda: timed(
            [*cli, "runs", "--db", str(empty_mirror(tmp, env))], env
        ),
        "run --simulate github, 7 days": sim_run,
        "app: first frame": lambda: first_frame(cli, env),
        "textual floor: minimal app's frame": lambda: first_frame(
            [sys.executable, "-c", MINIMAL_APP], env
        ),
    }


def report(title: str, times: dict[str, list[Timing]], runs: int) -> None:
    def wall(name: str) -> list[float]:
        return [w for w, _ in times[name]]

    def cpu(name: str) -> float:
        return statistics.median(c for _, c in times[name])

    base = statistics.median(wall("python -c pass"))
    base_cpu = cpu("python -c pass")
    print(f"{title}: start-up, median of {runs} runs each (python {sys.version.split()[0]})")
    print(f"{'case':<34}{'wall':>8}{'min':>8}{'- bare':>9}{'x bare':>8}{'cpu':>8}{'- bare':>9}")
    for name in times:
        med = statistics.median(wall(name))
        print(
            f"{name:<34}{med:>7.3f}s{min(wall(name)):>7.3f}s{med - base:>+8.3f}s"
            f"{med / base:>7.1f}x{cpu(name):>7.3f}s{cpu(name) - base_cpu:>+8.3f}s"
        )
    if "backfill-tui --help" in times:
        help_over = statistics.median(wall("backfill-tui --help")) - base
        print(
            f"--help over bare python: {help_over:.3f} s (target <= {HELP_TARGET} s: "
            f"{'met' if help_over <= HELP_TARGET else 'NOT met'})"
        )
    if "app: first frame" in times:
        frame = statistics.median(wall("app: first frame"))
        print(
            f"app first frame: {frame:.3f} s (target <= {FRAME_TARGET} s: "
            f"{'met' if frame <= FRAME_TARGET else 'NOT met'})"
        )
        floor_name = "textual floor: minimal app's frame"
        if floor_name in times:
            floor = statistics.median(wall(floor_name))
            print(
                f"  Textual's own floor (a minimal app): {floor:.3f} s; ours over it: "
                f"{frame - floor:+.3f} s ({frame / floor:.2f}x)"
            )
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per case (default 7)")
    parser.add_argument("--only", default="", help="time only the cases naming this (and bare)")
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="SRC",
        help="also time another version's source folder (e.g. `git archive` of an older commit, "
        "its src/), put first on PYTHONPATH, interleaved with this one so both see the same load",
    )
    opts = parser.parse_args()

    cli = command()
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp_name:
        tmp = Path(tmp_name)
        trees = {"this tree": ""}
        if opts.baseline is not None:
            trees["baseline"] = str(opts.baseline.resolve())
        variants: dict[str, dict[str, Callable[[], Timing]]] = {}
        envs: dict[str, dict[str, str]] = {}
        for index, (tree, src) in enumerate(trees.items()):
            home = tmp / f"home-{index}"
            home.mkdir()
            envs[tree] = private_env(home)
            if src:
                envs[tree]["PYTHONPATH"] = src
            variants[tree] = {
                name: case
                for name, case in build_cases(cli, envs[tree], tmp / f"t{index}").items()
                if opts.only in name or name == "python -c pass"
            }
            (tmp / f"t{index}").mkdir()
        times: dict[str, dict[str, list[Timing]]] = {
            tree: {name: [] for name in cases} for tree, cases in variants.items()
        }
        for cases in variants.values():  # warm-up: page cache, .pyc files, the mirror
            for case in cases.values():
                case()
        for _ in range(opts.runs):
            for name in times["this tree"]:
                for tree, cases in variants.items():
                    times[tree][name].append(cases[name]())

        for tree in trees:
            report(tree if opts.baseline else "backfill-tui", times[tree], opts.runs)
        if opts.baseline is not None:
            print(f"{'case':<34}{'wall now/baseline':>19}{'cpu now/baseline':>18}")
            for name in times["this tree"]:
                now, then = times["this tree"][name], times["baseline"][name]
                wall_ratio = statistics.median(w for w, _ in now) / statistics.median(
                    w for w, _ in then
                )
                cpu_ratio = statistics.median(c for _, c in now) / statistics.median(
                    c for _, c in then
                )
                print(f"{name:<34}{wall_ratio:>18.2f}x{cpu_ratio:>17.2f}x")
            print()
        if opts.only in "app: first frame, run_test start":
            print(
                f"the app started as a test starts it (run_test at 120x36), median of {opts.runs}:"
            )
            for _ in range(2):  # alternated, twice, so the load falls on every tree alike
                for tree in trees:
                    wall, cpu = pilot_start(envs[tree], opts.runs)
                    print(f"  {tree:<12}wall {wall:.3f} s   cpu {cpu:.3f} s")
            print()
        print(f"load average now: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")

        for tree in trees:
            print(f"\nheavy packages imported, {tree} (of " + ", ".join(HEAVY) + "):")
            probes = {
                "--help": ["--help"],
                "run --help": ["run", "--help"],
                "runs": ["runs"],
                "run --simulate github": [*SIM_RUN, "--db", str(tmp / f"probe-{tree}.db")],
            }
            for name, args in probes.items():
                print(f"  {name:<24}{', '.join(imported(args, envs[tree])) or '(none)'}")


if __name__ == "__main__":
    main()
