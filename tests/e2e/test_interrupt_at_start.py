"""A Ctrl-C while the program is still starting ends it with one line and 130, not a traceback.

A tester pressed Ctrl-C right after typing a command, while it was still importing (about 0.1 s,
seconds on a loaded machine), and got Python's traceback. SIGINT raises ``KeyboardInterrupt``
wherever the main thread is; an import hook raises it at a chosen point of the start-up, so each
case lands exactly there, every time. A last test sends real SIGINTs at the start of real runs.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

BIN = str(Path(sys.executable).with_name("backfill-tui"))

# Raises KeyboardInterrupt (as SIGINT does) once, as the module named by argv[1] is first imported,
# then runs the program as its console script does, with the rest of argv.
HOOK = """
import importlib.abc, sys
class CtrlC(importlib.abc.MetaPathFinder):  # one Ctrl-C, as a person presses it once
    def find_spec(self, name, path=None, target=None):
        if name == when and self in sys.meta_path:
            sys.meta_path.remove(self)
            raise KeyboardInterrupt
        return None
sys.meta_path.insert(0, CtrlC())
when, sys.argv = sys.argv[1], ["backfill-tui", *sys.argv[2:]]
from backfill_tui import entry
entry()
"""


def _start_interrupted(
    module: str, *args: str, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", HOOK, module, *args],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip


@pytest.mark.parametrize(
    "module",
    [
        "backfill_tui.cli.run",  # while the command line's modules load
        "backfill_tui.cli.signals",  # after the arguments are read, before the command starts
    ],
)
def test_a_ctrl_c_while_starting_says_one_line_and_exits_130(module: str, tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    done = _start_interrupted(module, "runs", "--db", str(db), env=dict(os.environ))
    assert "Traceback" not in done.stderr, done.stderr
    assert done.stderr == "backfill-tui: interrupted while starting; nothing was read or written\n"
    assert done.returncode == 130  # 128 + SIGINT, as a shell reports a Ctrl-C
    assert not db.exists()  # nothing was made


def test_real_ctrl_cs_at_start_never_print_a_traceback(tmp_path: Path) -> None:
    """SIGINT sent at several moments of a real start (the interpreter's, the imports', the
    run's first steps): whatever it interrupts, no traceback, and the status is one the
    program documents (130 at start, 1 once the run handles it) or the signal's own, when it
    lands before Python installs its handler."""
    env = {**os.environ, "BACKFILL_SIM": "latency=0.05"}
    for n, delay in enumerate((0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.8)):
        db = tmp_path / f"m{n}.db"
        proc = subprocess.Popen(
            [BIN, "run", "github:acme/rocket", "--simulate", "--days", "7", "--db", str(db)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        assert "Traceback" not in err, f"SIGINT after {delay} s:\n{err}"
        assert proc.returncode in (130, 1, 0, -signal.SIGINT), (delay, proc.returncode, err)
