"""A third Ctrl-C during ``run --record`` quits at once: the recording, never sealed, is lost.
It left its hidden ``.part`` behind and the quit's line did not say the recording was lost (a
fresh tester's finding; a later ``resume`` cleaned the file up). Now the quit removes the
unfinished file and its one line says so.

The stop is held up by a lock another connection keeps on the mirror (as in test_signals.py),
so the three SIGINTs all land while the run is stopping, whatever the machine's load.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from support import stored_count, wait_for


def test_a_third_ctrl_c_while_recording_removes_the_unfinished_recording_and_says_so(
    tmp_path: Path, anchor: str
) -> None:
    db, rec = tmp_path / "m.db", tmp_path / "q.rec.gz"
    process = subprocess.Popen(
        [sys.executable, "-m", "backfill_tui", "run", "github:acme/rocket", "--simulate",
         "--workspace", "w", "--record", str(rec), "--db", str(db)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "BACKFILL_SIM": f"anchor={anchor},latency=0.3"},
    )  # fmt: skip
    lines: list[str] = []
    assert process.stderr is not None
    reader = threading.Thread(target=lambda: lines.extend(process.stderr or ()), daemon=True)
    reader.start()
    wait_for(lambda: stored_count(db) > 0, process)
    holder = sqlite3.connect(db, isolation_level=None, timeout=30)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        wait_for(lambda: any(x.startswith("waiting for the mirror") for x in lines), process)
        process.send_signal(signal.SIGINT)
        wait_for(lambda: any("stopping; waiting for the mirror" in x for x in lines), process)
        process.send_signal(signal.SIGINT)
        wait_for(lambda: any("already stopping" in x for x in lines), process)
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=120)
    finally:
        holder.rollback()
        holder.close()
    reader.join(timeout=10)

    assert code == 130, "".join(lines)
    assert lines[-1].startswith(
        "backfill-tui: quitting now (exit 130); what was committed is kept; "
        f"the recording {rec} was not finished and was removed; its time after its last "
        "stored page is not recorded (the mirror is locked); to continue it: "
    ), lines
    assert not rec.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []
