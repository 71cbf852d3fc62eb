"""Driving one run headless: the progress display on stderr, the summary on stdout, and the
exit status. ``run``, ``resume`` and ``replay`` all call :func:`drive` (written once, here).
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING

from ..engine.outputs import check_output, in_use
from ..errors import EXIT_INCOMPLETE, EXIT_OK, BackfillError
from ..secrets_registry import redact
from ..terms import APP, RunStatus
from .options import for_stderr

if TYPE_CHECKING:
    from pathlib import Path

    from ..engine.environment import Environment
    from ..engine.mirror import Mirror, RunRecord
    from ..engine.recording import Replay
    from ..engine.run import Engine
    from ..engine.summary import BudgetLog
    from .signals import Stop

__all__ = ["check_side_outputs", "drive", "ended_line"]

#: Seconds a write has waited for the mirror's write lock before a first Ctrl-C says the stop
#: waits for it (free, the lock is taken in microseconds; another process may hold it 30 s).
LOCK_WAIT_SAID_S = 0.1


def check_side_outputs(environment: Environment, db: Path) -> None:
    """Refuse the simulator's ``request_log`` if it would append to the mirror, a database or a
    recording (``outputs.check_output``); raises :class:`UsageError`."""
    simulator = environment.simulator
    if simulator is not None and simulator.config.request_log is not None:
        check_output(
            simulator.config.request_log,
            option="BACKFILL_SIM request_log",
            protected=in_use(db),
            existing="append",
        )


async def _execute(engine: Engine, run_id: str, stop: Stop) -> RunStatus:
    import asyncio

    from .signals import cancel_on_signals

    def waiting() -> str | None:  # said at the first Ctrl-C: the stop may wait for the lock
        since = engine.mirror.lock_wait_since  # a write's lock takes microseconds if free
        if since is None or time.monotonic() - since < LOCK_WAIT_SAID_S:
            return None
        return (
            "stopping; waiting for the mirror, whose write lock another process holds, to "
            "record the stop; what is stored is kept"
        )

    def unrecorded() -> str | None:  # a quit at once while the lock is held: its end is lost
        if engine.mirror.lock_wait_since is None:
            return None
        return "its time after its last stored page is not recorded (the mirror is locked)"

    stop.unrecorded = unrecorded
    # SIGINT/SIGTERM cancel the run: streams marked, data kept
    with cancel_on_signals(stop, waiting=waiting):
        try:
            return await engine.run(run_id)
        except asyncio.CancelledError:
            return RunStatus.CANCELLED


def _ran_before(mirror: Mirror, run_id: str) -> float:
    """Seconds run ``run_id`` ran before this process takes it up: 0 for a new run; a resumed
    one's spans before (``engine.live.run_seconds``, its latest to its end or last page)."""
    from ..engine.live import run_seconds

    run = mirror.get_run(run_id)
    if run is None:
        return 0.0
    return run_seconds(run, time.time(), mirror.last_page_at(run_id), gone=True)


def drive(
    engine: Engine,
    mirror: Mirror,
    run_id: str,
    *,
    as_json: bool,
    quiet: bool,
    db_flag: str = "",
    replay: Replay | None = None,
) -> int:
    """Run ``run_id`` with the headless display; the summary on stdout, and on stderr how to
    resume it if it did not complete (``db_flag``: `` --db PATH`` for a non-default mirror).
    Returns the exit status: 0 completed; 1 a stream failed or was cancelled, or the mirror or
    the run's recording refused a write mid-run (a lock held past its wait, a full disk; for
    the recording, ``errors.RecordingNotKept``), the run interrupted: its arguments were good,
    so not 2 (README, "Exit status"). ``replay``: the recording
    a replayed run answers from (its last line then never suggests ``resume``)."""
    import asyncio

    from ..engine.summary import BudgetLog
    from ..errors import MirrorError, StorageError
    from .display import HeadlessDisplay
    from .signals import begun, stop_on_signals

    begun()  # a Ctrl-C outside the run's own handling now says "cancelled" (cli._main)
    stopped: BackfillError | None = None
    # One Stop for the run and its summary: a second Ctrl-C while either goes on only says the
    # command is already stopping (signals.py), so the summary and the resume line still come.
    with stop_on_signals() as stop:
        # A third Ctrl-C quits at once, without the summary and its resume line: it says this.
        stop.then = f"to continue it: {APP} resume {run_id}{db_flag}"
        with HeadlessDisplay(
            sys.stderr,
            quiet=quiet,
            brief=as_json and not sys.stderr.isatty(),
            earlier_s=_ran_before(mirror, run_id),
        ) as display:
            engine.subscribe(display)
            stop.before_quit = display.erase  # a quit at once leaves no table after its line
            budgets = BudgetLog()  # Linear's two budgets, for the summary's rate_limit_budgets
            engine.subscribe(budgets)
            try:
                asyncio.run(_execute(engine, run_id, stop))
            except KeyboardInterrupt:
                stop.signal_name = stop.signal_name or "SIGINT"
            except (StorageError, MirrorError) as exc:  # the mirror refused a write mid-run
                stopped = exc
            finally:
                stop.before_quit = None
        code = _finish(engine, mirror, run_id, budgets, stop, stopped, as_json, db_flag, replay)
        stop.settled = True  # its last line is out: a late Ctrl-C changes nothing now
        return code


def _finish(
    engine: Engine,
    mirror: Mirror,
    run_id: str,
    budgets: BudgetLog,
    stop: Stop,
    stopped: BackfillError | None,
    as_json: bool,
    db_flag: str,
    replay: Replay | None = None,
) -> int:
    """After the run: the summary on stdout and the last line on stderr; the exit status."""
    import dataclasses
    import json

    from ..engine.summary import run_summary
    from .summary_lines import PipeConsole, print_summary

    run = mirror.get_run(run_id)
    assert run is not None
    # a run the mirror stopped ends with this process: say what `runs` will show (interrupted)
    alive = None if stopped is None else False
    if engine.unrecorded is not None and engine.unrecorded.ended_at is not None:
        # its stop the lock kept out of the mirror: the time it ran is to it, the lock's wait
        # included, not to its last stored page ("ran 00:03" after 34 s: a tester's finding)
        run = dataclasses.replace(run, finished_at=engine.unrecorded.ended_at)
    summary = budgets.annotate(run_summary(mirror, run, process_alive=alive))
    if engine.token_pools:  # several tokens: calls and quota per token, by fingerprint
        summary["tokens"] = {src: pool.summary() for src, pool in engine.token_pools.items()}
        for src, pool in engine.token_pools.items():
            for token in pool.tokens:
                if token.dropped:
                    sys.stderr.write(
                        f"note: {src}: token {token.fingerprint} was rejected (401) and dropped; "
                        "the run went on with the others\n"
                    )
    if as_json:
        sys.stdout.write(json.dumps(summary, indent=2) + "\n")
    else:
        print_summary(
            PipeConsole(file=sys.stdout, highlight=False, soft_wrap=True), summary, db_flag
        )
    resume = f"{APP} resume {run.id}{db_flag}"
    if stopped is not None:  # the summary above, then the one line: what, what was kept, how on
        if engine.unrecorded:  # a lock kept them out, and this process ends: the gap is named
            sys.stderr.write(f"note: {engine.unrecorded.line()}; `report` will count them short\n")
        line = _stopped_line(stopped, mirror.count_run_observations(run_id), mirror, resume)
        sys.stderr.write(for_stderr(f"{APP}: error: {redact(line)}"))
        # 1, not the error's own 2: the arguments were good and the run began; it ended
        # unfinished for a cause outside them, what it stored kept, `resume` continuing it
        return EXIT_INCOMPLETE
    if run.status == RunStatus.COMPLETED:
        # Nothing to continue, even when a Ctrl-C or SIGTERM landed as the run finished: it
        # cancelled nothing, and the exit status follows the stored status. Said, so that a
        # supervisor sees its stop request was taken (it left no trace: a fresh tester's finding).
        if stop.signal_name is not None:
            sys.stderr.write(
                f"note: {stop.signal_name} arrived as the run completed; it stopped nothing\n"
            )
        return EXIT_OK
    sys.stderr.write(
        for_stderr(ended_line(mirror, run, db_flag, replay=replay, signal=stop.signal_name))
    )
    return EXIT_INCOMPLETE


def ended_line(
    mirror: Mirror,
    run: RunRecord,
    db_flag: str,
    *,
    replay: Replay | None = None,
    signal: str | None = None,
) -> str:
    """The last line of a run that did not complete (its stored status: failed, partial,
    cancelled, interrupted): what was kept and how to go on. A replay's says to replay it
    again (``replay``: its recording, when this process replayed it); a run with a stream
    that failed for a cause a resume would meet again says what to mend first, then the
    ``resume`` command when other streams may pass (``engine.runs.mend_first``); else the ``resume`` command (``db_flag``: `` --db PATH``
    for a mirror other than the default). ``signal``: the Ctrl-C or SIGTERM that stopped it.
    The command line's runs end with it, and the terminal app prints it after closing when
    quitting cancelled a run (``cli.app.app_ended``)."""
    from ..engine.runs import mend_first, replay_end_line, resume_hint_note, resume_wait

    resume = f"{APP} resume {run.id}{db_flag}"
    settings = resume_hint_note(run)  # a simulated run resumes on its stored settings
    # Ended here and still stored "running": the mirror refused its end (a lock that stayed,
    # a full disk), which every face shows as interrupted; the app's quit said "run … running"
    # (a fresh tester's finding).
    status = RunStatus.INTERRUPTED if run.status == RunStatus.RUNNING else run.status
    if run.recording_sha256 is not None:  # a replay: resuming it fetches nothing new
        end = replay.header.end if replay is not None else None
        line = replay_end_line(
            mirror,
            run,
            recorded_run=replay.header.run_id if replay is not None else None,
            recorded_status=end.status if end is not None else None,
            signal=signal,
        )
        return redact(line)
    streams = mirror.streams(run.id)
    # a failed or cancelled stream; one that a long rate limit failed, resumed after its time
    wait = resume_wait(streams, time.time())
    after = f" after {wait:%Y-%m-%d %H:%M} UTC, the end of a rate limit's wait" if wait else ""
    if (mend := mend_first(streams, then=f"`{resume}`{after}{settings}")) is not None:
        # a stream failed for a cause `resume` would meet again (a 404, a rejected token):
        # say what to mend first, never a command alone that would fail the same way
        return f"run {run.id} {status}; what was stored is kept; {mend}"
    if signal is not None:  # Ctrl-C or SIGTERM: the last line says how to go on
        return f"cancelled ({signal}): what was stored is kept; to continue it: {resume}{settings}"
    return (
        f"run {run.id} {status}; what was stored is kept. To continue it{after}: {resume}{settings}"
    )


def _stopped_line(exc: BackfillError, kept: int, mirror: Mirror, resume: str) -> str:
    """A run the mirror (or its recording's disk) stopped: what happened, how many observations
    were kept, how to go on (``resume``: the command that continues it)."""
    from ..errors import DiskFull, RecordingNotKept

    if isinstance(exc, RecordingNotKept):  # the recording's file is removed; the mirror is whole
        return exc.said(f"`{resume}`")
    if isinstance(exc, DiskFull):
        return f"disk full: {kept} observations kept in {mirror.path}; free space and `{resume}`"
    return f"{exc} ({kept} observations kept; then `{resume}`)"
