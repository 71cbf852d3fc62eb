"""A Ctrl-C while the program is still starting ends it with one line and 130, not a traceback.

A tester pressed Ctrl-C right after typing a command, while it was still importing (about 0.1 s,
seconds on a loaded machine), and got Python's traceback. SIGINT raises ``KeyboardInterrupt``
wherever the main thread is; an import hook raises it at a chosen point of the start-up, so each
case lands exactly there, every time. (Real SIGINTs sent at chosen moments land wherever the
machine's load puts them; the few milliseconds before any code of ours runs, CPython's start and
the console script's first import, are out of our reach and print Python's own report.)
"""

from __future__ import annotations

import os
import subprocess
import sys
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
from backfill_tui.__main__ import entry
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


@pytest.mark.parametrize(
    ("module", "command"),
    [
        ("backfill_tui.engine.report", ("report", "20260601-000000-abcd")),  # reads only
        (
            "backfill_tui.engine.run",
            ("run", "github:acme/rocket", "--simulate", "--workspace", "d"),
        ),
    ],
)
def test_a_ctrl_c_as_the_command_begins_says_it_was_starting(
    module: str, command: tuple[str, ...], tmp_path: Path
) -> None:
    """A Ctrl-C after the start-up, as the command loads what it uses and before it has
    stored anything (0.5-0.9 s in, a fresh tester's finding): the start-up's line and 130, not
    "cancelled; nothing more was written" and 1, which a read-only `report` said too."""
    db = tmp_path / "m.db"
    done = _start_interrupted(module, *command, "--db", str(db), env=dict(os.environ))
    assert done.stderr == "backfill-tui: interrupted while starting; nothing was read or written\n"
    assert done.returncode == 130
    assert not db.exists()  # nothing was made


# Raises KeyboardInterrupt (as SIGINT does) once, as the process asks SQLite to open the file
# named by argv[1] (Python's audit event ``sqlite3.connect``): by then `run` has made the
# mirror's file (``Mirror.open`` creates it, private, before SQLite opens it) and stored
# nothing in it. Then runs the program as its console script does, with the rest of argv.
CONNECT_HOOK = """
import os, sys
target = [os.path.realpath(sys.argv[1])]
def hook(event, args):
    if target and event == "sqlite3.connect" and os.path.realpath(str(args[0])) == target[0]:
        target.clear()
        raise KeyboardInterrupt
sys.addaudithook(hook)
sys.argv = ["backfill-tui", *sys.argv[2:]]
from backfill_tui.__main__ import entry
entry()
"""


def test_a_ctrl_c_once_run_made_its_mirror_file_says_the_file_is_there(tmp_path: Path) -> None:
    """A fresh tester's finding: a Ctrl-C in the first second of `run` said "nothing was read
    or written" beside the mirror file it had just made. The line says what is there, and that
    a later run may use it (one does)."""
    db = tmp_path / "m.db"
    run = ("run", "github:acme/rocket", "--simulate", "--workspace", "d", "--days", "7")
    done = subprocess.run(
        [sys.executable, "-c", CONNECT_HOOK, str(db), *run, "--db", str(db)],
        capture_output=True, text=True, env=dict(os.environ), timeout=60,
    )  # fmt: skip
    assert done.returncode == 130, done.stderr
    assert db.exists()  # what the line must not deny
    assert done.stderr == (
        f"backfill-tui: interrupted while starting; no run was stored, but the mirror file {db} "
        "had already been made (it holds no run: delete it, or let a later run use it)\n"
    )
    later = subprocess.run(
        [BIN, *run, "--max-items", "3", "--quiet", "--db", str(db)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert later.returncode == 0, later.stderr


# Sends the process a real SIGTERM (as ``kill PID`` does) once, as the module named by argv[1]
# is first imported: a chosen moment of the start-up, every time.
TERM_HOOK = HOOK.replace(
    "import importlib.abc, sys", "import importlib.abc, os, signal, sys"
).replace("raise KeyboardInterrupt", "os.kill(os.getpid(), signal.SIGTERM)")


def _start_terminated(
    module: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", TERM_HOOK, module, *args],
        capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=60,
    )  # fmt: skip


@pytest.mark.parametrize("module", ["backfill_tui.cli.run", "backfill_tui.engine.run"])
def test_a_sigterm_while_starting_says_one_line(module: str, tmp_path: Path) -> None:
    """A fresh tester's finding: SIGTERM in a command's first ~0.7 s (a loaded machine) ended
    it with 143 and nothing said, the handlers being set only once the command ran. It is a
    Ctrl-C while starting from the first line of ours on: one line, 130, nothing made."""
    db = tmp_path / "m.db"
    args = ("run", "github:acme/rocket", "--simulate", "--workspace", "d", "--db", str(db))
    done = _start_terminated(module, *args)
    assert done.stderr == "backfill-tui: interrupted while starting; nothing was read or written\n"
    assert done.returncode == 130
    assert not db.exists()


def test_a_sigterm_as_the_app_starts_quits_it_saying_nothing_was_started(tmp_path: Path) -> None:
    """The demo, SIGTERM as Textual starts (before the app's own handler is set): it raised a
    KeyboardInterrupt inside Textual, a traceback; and an app stopped with no run going said
    "cancelled (SIGTERM): what was stored is kept" (fresh testers' findings). It quits as its
    handler does, and says no run was going."""
    # No terminal here: Textual's headless driver, chosen as TEXTUAL_DRIVER (the app refuses
    # to start without a terminal otherwise).
    headless = {"TEXTUAL_DRIVER": "textual.drivers.headless_driver:HeadlessDriver"}
    done = _start_terminated(
        "backfill_tui.engine.run", "demo", "--db", str(tmp_path / "d.db"), env=headless
    )
    assert "Traceback" not in done.stderr, done.stderr
    last = done.stderr.rpartition("\x1b[?1006l")[2]  # after Textual gives the terminal back
    assert last == (
        "backfill-tui: stopped (SIGTERM) with no run going; nothing was started, cancelled or "
        "lost\n"
    ), done.stderr[-400:]
    assert done.returncode == 1


def test_a_ctrl_c_after_the_run_is_stored_and_before_it_is_driven_says_how_to_resume_it(
    tmp_path: Path,
) -> None:
    """The run planned in the mirror, its display not yet loaded (a fresh tester's SIGTERM
    0.36 s in): the one line names the run to resume, which a resume then completes."""
    db = tmp_path / "m.db"
    run = ("run", "github:acme/rocket", "--simulate", "--workspace", "d", "--days", "7")
    done = _start_interrupted(
        "backfill_tui.cli.display", *run, "--db", str(db), env=dict(os.environ)
    )
    assert "Traceback" not in done.stderr, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("backfill-tui: cancelled; nothing more was written; to continue it: ")
    assert done.returncode == 1
    resume = last.split("to continue it: ", 1)[1].split()
    assert resume[:2] == ["backfill-tui", "resume"] and "--db" in resume
    again = subprocess.run(
        [BIN, *resume[1:], "--quiet"], capture_output=True, text=True, timeout=120
    )
    assert again.returncode == 0, again.stderr


@pytest.mark.parametrize("command", [("demo",), ()])
def test_the_app_without_a_terminal_says_so_and_makes_nothing(
    command: tuple[str, ...], tmp_path: Path
) -> None:
    """``backfill-tui demo </dev/null`` wrote escape codes and waited for keys for ever (a
    fresh tester's finding): without a terminal the app is one line, exit 2, and no mirror."""
    env = {k: v for k, v in os.environ.items() if k != "TEXTUAL_DRIVER"}
    db = tmp_path / "m.db"
    done = subprocess.run(
        [BIN, *command, "--db", str(db)],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "is a terminal app: it needs a terminal" in done.stderr
    hint = "backfill-tui run SOURCE... --workspace ID" + (" --simulate" if command else "")
    assert hint + "`" in done.stderr, done.stderr  # run requires --workspace
    assert not db.exists()
