"""Runs as the faces see them, and the rules for continuing one: written once, here.

- :func:`run_lines`: the runs overview (``backfill-tui runs``, the app's Runs screen), one store
  query for all listed runs, each with its shown status (``terms.shown_run_status``).
- :func:`mend_first`: the one rule for every face's last word on an unfinished run: offer
  ``resume`` alone only when it may succeed, else say what to mend first (a rejected token, a
  source that does not exist), then ``resume`` for the streams that may pass.
- :func:`check_resume`: the preconditions for resuming a run (it exists, it has not
  completed, no live process runs it); :func:`check_resumable`: which environment may continue
  it (a replayed run only from its recording, a simulated one only on the simulator).
- :func:`resume_environment`: the environment that continues a run, and
  :func:`simulator_settings`, the one rule for a simulated run's settings: ``BACKFILL_SIM`` when
  it is set, else the settings stored with the run (secrets left out). Both faces honour it, as
  ``run --simulate`` and ``demo`` do.

Callers: ``cli/run.py``, ``cli/runs.py``, ``screens/runs.py``, ``screens/app.py``; the engine's
own :meth:`Engine.run <backfill_tui.engine.run.Engine.run>` checks :func:`check_resumable`.

Past 400 lines on purpose: every rule for continuing a run lives here, so no face writes its
own (issue 11 found them copied three times, with different answers).
"""

from __future__ import annotations

import os
import shlex
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import BackfillError, UsageError
from ..store import Mirror, RunRecord, StreamRecord
from ..terms import (
    RESUMABLE,
    RunStatus,
    StreamStatus,
    plural,
    shown_run_status,
    suggest,
    what_failed,
)
from .environment import Environment

if TYPE_CHECKING:
    from .recording import Replay

__all__ = [
    "RunCompleted",
    "RunLine",
    "RunReplayedToItsEnd",
    "RunStillRunning",
    "check_resumable",
    "check_resume",
    "environment_for",
    "find_run",
    "mend_first",
    "recording_lost",
    "replay_end_line",
    "replay_spent",
    "replayed_line",
    "resume_environment",
    "resume_wait",
    "run_lines",
    "shown_status",
    "simulator_settings",
    "unrecorded_resume_line",
]


# -- the runs overview ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RunLine:
    """One run as the runs overview shows it: its record, its shown status, and its streams'
    totals (how many, how many completed; new, duplicate and failed items; how many failed)."""

    run: RunRecord
    status: RunStatus
    streams_done: int
    streams: int
    new: int
    duplicates: int
    failed: int
    streams_failed: int = 0
    #: Seconds it ran: its spans before a resume and its latest (``live.run_seconds``).
    ran_s: float = 0.0

    @property
    def failed_text(self) -> str:
        """What failed (``terms.what_failed``: ``4 streams``, ``1 stream, 2 items``), or ``0``.
        The runs overview's "failed" column counted items only, and said 0 for a run whose
        four streams failed (a tester's finding)."""
        return what_failed(self.streams_failed, self.failed) or "0"

    @property
    def resumable(self) -> bool:
        """Whether ``resume`` may continue it (interrupted, failed, partial or cancelled)."""
        return self.status in RESUMABLE


def shown_status(mirror: Mirror, run: RunRecord) -> RunStatus:
    """``run``'s status as every face shows it, the one rule (the runs list and ``runs``, the
    app's notices and dashboard, ``report`` and the summary, a comparison): ``interrupted``
    for a run stored ``running`` whose process is gone (``terms.shown_run_status``), and for
    one stored ``running`` with a ``finished_at``: its stop was written after it stopped
    (``Mirror.end_span``), so nothing runs it, whatever process it names. A run running
    again has none (``Mirror.set_run_status``). A stop written by a version that kept the
    process named, the app's own still open, read ``running`` (a fresh tester's finding)."""
    stopped = run.finished_at is not None
    live = run.status != RunStatus.RUNNING or (not stopped and mirror.run_is_live(run))
    return shown_run_status(run.status, live)


def run_lines(mirror: Mirror, limit: int = 100) -> list[RunLine]:
    """The newest ``limit`` runs of ``mirror``, newest first, in one store query (and one
    more for each interrupted run: when it last stored a page, the end of its time)."""
    from .live import run_seconds

    lines = []
    for run, totals in mirror.run_overview(limit):
        status = shown_status(mirror, run)
        gone = status == RunStatus.INTERRUPTED
        last = mirror.last_page_at(run.id) if gone else None
        lines.append(
            RunLine(
                run,
                status,
                totals.streams_done,
                totals.streams,
                totals.new,
                totals.duplicates,
                totals.failed,
                totals.streams_failed,
                run_seconds(run, time.time(), last, gone=gone),
            )
        )
    return lines


# -- may this run be continued? --------------------------------------------------------------


class RunCompleted(UsageError):
    """Resume was asked of a run that completed: nothing is left to fetch."""


class RunReplayedToItsEnd(RunCompleted):
    """Resume was asked of a replayed run that reached where its recording ends: its streams
    stopped where the recorded run did, or every unfinished one failed on what its recording
    answers (which a resume would answer the same way), so resuming it fetches nothing new
    (both faces say this, not "completed": the run shows cancelled, partial or failed).

    ``brief`` is the line without why, for the app's notice: whole, with a failed stream's key
    and reason, it ran past what a notice shows at 80x24 and lost what to do (a fresh tester's
    finding); the dashboard it is said over shows each stream's reason."""

    def __init__(self, message: str, brief: str | None = None) -> None:
        super().__init__(message)
        self.brief = brief or message


class RunStillRunning(UsageError):
    """Resume was asked of a run a live process is running (on this host or another)."""


def check_resume(mirror: Mirror, run: RunRecord) -> None:
    """Refuse, with one line, to resume a run that completed (:class:`RunCompleted`; a replay
    that reached where its recording ends: :class:`RunReplayedToItsEnd`) or that a
    live process runs (:class:`RunStillRunning`); a run marked running whose process is gone
    (interrupted), or one failed, partial or cancelled, passes. A run whose rows hold what
    backfill-tui never writes (edited by hand: :func:`_check_rows`) is refused with
    :class:`~backfill_tui.errors.MirrorError`, before anything is said or written."""
    if run.status == RunStatus.COMPLETED:
        if lost := _recording_lost_at_its_end(run):
            again = suggest("run SOURCE... --workspace ID --record FILE", mirror.path)
            raise RunCompleted(
                f"run {run.id} already completed, but {lost}; to record it: `{again}`"
            )
        raise RunCompleted(
            f"run {run.id} already completed; start a new one with "
            f"`{suggest('run SOURCE... --workspace ID', mirror.path)}`"
        )
    replayed = f"run {run.id} replayed all its recording holds"
    if run.recording_sha256 is not None and _replayed_to_its_end(mirror, run):
        rest = _past_the_recording(mirror, run)
        raise RunReplayedToItsEnd(
            f"{replayed} (the recording ends where its run stopped): resuming it fetches nothing "
            f"new; {rest}",
            f"{replayed}; {rest}",
        )
    if run.recording_sha256 is not None and (cause := _failed_on_its_recording(mirror, run)):
        # A resume answers from the same recording, so it met the same 404 again; in the app it
        # reused the replay's spent answers and overwrote each stream's reason with "the
        # recording ends where its run ended partial" (a tester's finding).
        mend = "mend the cause and record a new run with `run ... --record FILE`"
        raise RunReplayedToItsEnd(
            f"{replayed} ({cause}): resuming it fetches nothing new, it would meet the same "
            f"answers again; {mend}",
            f"{replayed} and would meet the same failures again; {mend}",
        )
    if shown_status(mirror, run) == RunStatus.RUNNING:
        raise RunStillRunning(
            f"run {run.id} is still running (process {run.pid}); wait for it or stop it first"
        )
    _check_rows(mirror, run)


def _check_rows(mirror: Mirror, run: RunRecord) -> None:
    """Read every stream of ``run`` (each row checked as it is read: ``store/columns.py``) and
    check what only the connectors know: each source's provider, and each unfinished stream's
    provider, entity and cursor (``Connector.cursor_fault``). Resuming met a hand-edited one only once the run was marked running
    (its stored status lost), as an unknown provider or an internal error in its stream."""
    from ..store.columns import sql_literal, stream_row, unwritten
    from .catalog import PROVIDERS

    known = ", ".join(PROVIDERS)
    for source in run.sources:
        if source.partition(":")[0] not in PROVIDERS:
            raise unwritten(
                f"run {run.id}", "runs", "sources", source,
                f'a JSON list of "provider:target" whose providers are among {known}',
                key=f"id = {sql_literal(run.id)}", shown=f"holding {source[:60]!r}",
            )  # fmt: skip
    for stream in mirror.streams(run.id):
        if stream.status == StreamStatus.COMPLETED:
            continue
        what = stream_row(stream.provider, stream.target, stream.entity, run.id, stream.id)
        if stream.provider not in PROVIDERS:
            raise unwritten(
                what, "streams", "provider", stream.provider, f"one of {known}",
                key=f"id = {stream.id}",
            )  # fmt: skip
        connector = PROVIDERS[stream.provider].connector
        if stream.entity not in connector.entities:
            raise unwritten(
                what, "streams", "entity", stream.entity, f"one of {', '.join(connector.entities)}",
                key=f"id = {stream.id}",
            )  # fmt: skip
        if stream.cursor is not None and (form := connector.cursor_fault(stream.cursor)):
            raise unwritten(
                what, "streams", "cursor", stream.cursor, f"{form}, or NULL", key=f"id = {stream.id}",
                safe="NULL", also="NULL reads the stream again from its start (nothing is stored twice)",
            )  # fmt: skip


# -- which environment continues a run -----------------------------------------------------------


def simulator_settings(run: RunRecord, environ: Mapping[str, str] | None = None) -> str:
    """The simulator settings a simulated run continues on: ``BACKFILL_SIM`` when it is set in
    ``environ`` (default ``os.environ``), else those stored with the run (secrets left out).
    Raises :class:`~backfill_tui.errors.MirrorError` when the stored ones are used and the
    simulator cannot read them (a hand-edited ``runs.simulator``)."""
    env = os.environ if environ is None else environ
    text = env.get("BACKFILL_SIM")
    if text is not None:
        return text
    stored = run.simulator or ""
    _check_stored_settings(run, stored)
    return stored


def _check_stored_settings(run: RunRecord, text: str) -> None:
    """Refuse (:class:`MirrorError`, ``store.columns``' one line naming the run and the column
    ``runs.simulator``) stored settings the simulator cannot read: they were blamed on
    ``BACKFILL_SIM``, which the user had not set (a fresh tester's finding). The value is not
    echoed (a hand-edited text may hold a token); the parser's reason names the option."""
    from ..simulator.config import SimulatorConfig
    from ..store.columns import sql_literal, unwritten

    try:
        SimulatorConfig.from_env_string(text)
    except (ValueError, TypeError) as exc:
        reason = str(exc).split(";", 1)[0]
        raise unwritten(
            f"run {run.id}",
            "runs",
            "simulator",
            text,
            "simulator settings such as seed=7,scale=0.2, or NULL for the defaults",
            key=f"id = {sql_literal(run.id)}",
            safe="NULL",
            shown=f"settings the simulator cannot read ({reason})",
            also="or set BACKFILL_SIM to continue it on settings of your own",
        ) from None


def stored_settings_shown(run: RunRecord) -> str:
    """The simulator settings stored with ``run`` as a note may show them: parsed and rebuilt
    without secrets (``environment.public_settings``), ``the defaults`` when none were set."""
    from .environment import public_settings

    shown = public_settings(run.simulator or "") or "the defaults"
    if run.simulator_left_out:  # given, but secrets are never stored
        names = ", ".join(f"{name}=" for name in run.simulator_left_out.split(","))
        shown += (
            f" ({names} was given but not stored: secrets never are, so the simulator no "
            "longer requires it)"
        )
    return shown


def resume_settings_line(run: RunRecord, environ: Mapping[str, str] | None = None) -> str:
    """The note ``resume`` prints before continuing a simulated run: which simulator settings it
    continues on (:func:`simulator_settings`), ``""`` for a live or replayed run. Secrets are
    left out (``public_settings``)."""
    from .environment import public_settings

    if not run.simulate or run.recording_sha256 is not None:
        return ""
    env = os.environ if environ is None else environ
    if env.get("BACKFILL_SIM") is not None:
        shown = public_settings(env["BACKFILL_SIM"]) or "the defaults"
        return f"resuming on the simulator settings in BACKFILL_SIM: {shown}"
    return (
        f"resuming on the simulator settings stored with the run: {stored_settings_shown(run)}; "
        "set BACKFILL_SIM to change them"
    )


def _recording_lost_at_its_end(run: RunRecord) -> str:
    """For a completed recorded run whose recording is not at its path but a dead writer's
    unfinished ``.part`` is (removed now, :func:`_killed_while_recording`): ``"its recording
    … was lost …"``. A kill as the run ended, after its mirror said completed and before the
    recording was sealed, left only the hidden file, and ``resume`` said "already completed"
    and nothing of it (a fresh tester's finding); a recording is now sealed before the run's
    end is stored (``engine.recording_ends``), so only a run of an earlier version meets this.
    ``""`` otherwise."""
    if not _killed_while_recording(run):
        return ""
    return (
        f"its recording {run.recorded_to} was lost: its process was killed as the run ended, "
        "before the recording was completed (its unfinished file is removed)"
    )


def recording_lost(run: RunRecord) -> str | None:
    """Why a recorded run's recording (``run --record``) is not at the path it was recorded to,
    in a few words for ``runs`` and the report; None when it is there, still being written, or
    the run was not recorded. A run killed with ``kill -9`` leaves only its writer's hidden
    ``.part`` (``placing``), and ``runs`` and its report said nothing of it: only ``resume``
    did (a fresh tester's finding). Reads only: the hidden file is left for ``resume`` to
    remove (``outputs.sweep_orphans``)."""
    from .placing import writer_alive, writers

    if not run.recorded_to or run.recording is not None:
        return None
    recording = Path(run.recorded_to)
    try:
        there = recording.is_file()
    except OSError:
        return None
    if there:
        from ..recording.fileformat import peek_header

        header = peek_header(recording)
        if header is not None and header.run_id != run.id:
            return f"lost: the file now holds run {header.run_id}'s recording"
        return None
    found = writers(recording)
    if any(writer_alive(candidate, pid) for candidate, pid in found):
        return None
    if found:
        return "lost: the run was killed before its recording was sealed"
    return "not there: never sealed, or moved or deleted"


def _killed_while_recording(run: RunRecord) -> bool | None:
    """Whether ``run``'s recording is missing because its writer died before sealing it: None
    when the run was not recorded or its recording is at its path; else True when a dead
    writer's hidden ``.part`` was there (removed now, never one whose writer still runs:
    ``outputs.sweep_orphans``), False when nothing was (never completed, moved or deleted).
    A recording is renamed into place only when sealed (``outputs.AtomicFile``)."""
    if not run.recorded_to:
        return None
    recording = Path(run.recorded_to)
    try:
        if recording.is_file():
            return None
    except OSError:
        pass
    from .outputs import sweep_orphans

    return bool(sweep_orphans(recording))


def unrecorded_resume_line(run: RunRecord) -> str:
    """The one line said when a recorded run (``run --record``) is resumed or retried: the
    recording was sealed when the run stopped, so the resumed part is not in it; ``""`` for a
    run that was not recorded. When the recording is not at its path (its run was killed before
    sealing it), the line says so, and the unfinished ``.part`` a dead writer left is removed
    (``outputs.sweep_orphans``; a live writer's never). Why not go on recording: a recording is one checksummed file that
    ``--record`` never replaces, and a replay runs it from the start, so the resumed part alone
    could not be replayed, nor appended to it (a replay would meet the first part's failures
    again) without a replay that stops and resumes where the run did."""
    if not run.recorded_to:
        return ""
    anew = "to record the whole run, start a new one with --record"
    recording = Path(run.recorded_to)
    killed = _killed_while_recording(run)
    if killed is not None:
        # A run killed (kill -9, a power cut) while recording left only its hidden .part, which
        # no replay reads. That file goes now, and the line says the recording was lost, not
        # that a replay of it ends where the run stopped (a tester's finding: the file it
        # named did not exist).
        if killed:
            why = (
                "was lost: its process was killed before the recording was completed (its "
                "unfinished file is removed)"
            )
        else:
            why = "is not there (never completed, or moved or deleted)"
        return (
            f"run {run.id} was recorded to {run.recorded_to}, but that recording {why}; what "
            f"this resume fetches is not recorded either; {anew}"
        )
    # The file there may be another run's: this one was killed before sealing its own, and a
    # later run recorded to the same path (a fresh tester's finding: the line sent the user to
    # replay a file of another run).
    from ..recording.fileformat import peek_header

    header = peek_header(recording)
    if header is None or header.run_id != run.id:
        whose = f"run {header.run_id}'s recording" if header is not None else "another file"
        return (
            f"run {run.id} was recorded to {run.recorded_to}, but that file is now {whose}: "
            f"this run's recording was lost; what this resume fetches is not recorded either; "
            f"{anew}"
        )
    return (
        f"run {run.id} was recorded to {run.recorded_to} until it stopped; what this resume "
        f"fetches is not recorded (a replay of that file ends where the run stopped); {anew}"
    )


#: How a replay's stream says it reached where its recorded run stopped
#: (``recording.RecordingEnded``).
RECORDING_ENDS = "the recording ends where its run"


def replay_end_line(
    mirror: Mirror,
    run: RunRecord,
    *,
    recorded_run: str | None = None,
    recorded_status: str | None = None,
    signal: str | None = None,
) -> str:
    """The last line of a replayed run that did not complete: what happened and what can go
    on. ``resume`` only for a replay the user stopped (it reads the recording again and goes
    on where the replay stopped): a replay that ran to its recording's end has only its
    recording's answers, so resuming it fetches nothing new. ``recorded_run``/``recorded_status``: the recorded run's id and how it ended,
    when the recording says (``RecordingHeader``); ``signal``: the Ctrl-C or SIGTERM that
    stopped this replay."""
    original = f"run {recorded_run}" if recorded_run else "the recorded run"
    record_anew = "record a new run with `run ... --record FILE`"
    go_on = suggest(f"resume {run.id}", mirror.path)
    again = suggest(f"replay {shlex.quote(run.recording or 'FILE')}", mirror.path)
    if signal is not None:
        # resume reads the recording again (resume_environment): it said "a replay cannot be
        # resumed", and resume then finished it (a fresh tester's finding)
        return (
            f"cancelled ({signal}): what was stored is kept; to finish it from its recording: "
            f"`{go_on}`, or replay the recording again as a new run: `{again}`"
        )
    if _replayed_to_its_end(mirror, run):
        return (
            f"run {run.id} {run.status}: the recording ends where {original} stopped, so a "
            f"replay has nothing past it (resuming it fetches nothing new); "
            + _past_the_recording(mirror, run, recorded_run)
        )
    if run.status in (RunStatus.CANCELLED, RunStatus.INTERRUPTED):
        # Stopped before its recording's end (quitting the app, a kill): resume reads the
        # recording again and goes on. The app's quit question offered the resume and its
        # closing line then said "a replay cannot be resumed" (a fresh tester's finding).
        return (
            f"run {run.id} {run.status}; what was stored is kept; to finish it from its "
            f"recording: `{go_on}`, or replay the recording again as a new run: `{again}`"
        )
    if recorded_status is not None and recorded_status == run.status:
        # The cause named here too: with --json it was only in the JSON on stdout, and "the
        # cause above" pointed at nothing (a tester's finding).
        cause = next((s.error for s in mirror.streams(run.id) if s.error), None)
        why = f" ({cause})" if cause else ""
        return (
            f"run {run.id} {run.status}, as {original} did{why}: the recording holds its "
            f"answers, so replaying it again ends the same way; mend the cause and {record_anew}"
        )
    return (
        f"run {run.id} {run.status}; what was stored is kept; its recording answers the same "
        f"again, so replay it again as a new run (`{again}`), or {record_anew}"
    )


def replay_spent(mirror: Mirror, run: RunRecord) -> bool:
    """Whether ``run`` is a replay that :func:`check_resume` refuses as having nothing more to
    replay (:class:`RunReplayedToItsEnd`): the app's dashboard then shows no retry key (it
    offered ``r`` after a cancelled replay, and ``r`` said "Nothing to retry")."""
    if run.recording_sha256 is None or run.status == RunStatus.COMPLETED:
        return False
    return _replayed_to_its_end(mirror, run) or _failed_on_its_recording(mirror, run) is not None


def _replayed_to_its_end(mirror: Mirror, run: RunRecord) -> bool:
    """Whether a replayed run's streams stopped where its recording ends (its recorded run was
    cancelled or failed there: ``RecordingEnded``)."""
    return any((s.error or "").startswith(RECORDING_ENDS) for s in mirror.streams(run.id))


def _failed_on_its_recording(mirror: Mirror, run: RunRecord) -> str | None:
    """Why a replayed run's unfinished streams failed when every one of them did (none
    cancelled, interrupted or pending): the first stream's reason up to its advice, and how
    many more failed; ``None`` when some stream may go further. A replay's stream fails only on
    what its recording answers (a mirror that refuses a write interrupts it instead), and a
    resume answers from the same recording."""
    unfinished = [s for s in mirror.streams(run.id) if s.status != StreamStatus.COMPLETED]
    if not unfinished or any(s.status != StreamStatus.FAILED for s in unfinished):
        return None
    first = unfinished[0]
    more = f"; {plural(len(unfinished) - 1, 'more stream')} failed" if len(unfinished) > 1 else ""
    return f"{first.key}: {_first_clause(first.error or 'failed')}{more}"


def _past_the_recording(mirror: Mirror, run: RunRecord, recorded_run: str | None = None) -> str:
    """How to get what a recording that ends early does not hold: resume the recorded run where
    it lives, unless this mirror shows it completed since (then nothing is left), or record
    anew. ``recorded_run``: the recorded run's id when known (the recording's header)."""
    record_anew = "record a new run with `run ... --record FILE`"
    recorded = mirror.get_run(recorded_run) if recorded_run else None
    if recorded is not None and recorded.status == RunStatus.COMPLETED:
        return (
            f"run {recorded.id} has since completed in this mirror, so nothing is missing "
            f"here; to replay all of it, {record_anew}"
        )
    if recorded is not None:
        again = suggest(f"resume {recorded.id}", mirror.path)
        return f"to fetch the rest, `{again}`, or {record_anew}"
    original = f"run {recorded_run}" if recorded_run else "the recorded run"
    return (
        f"to fetch the rest, resume {original} in the mirror it was recorded in, or {record_anew}"
    )


def mend_first(streams: Iterable[StreamRecord], then: str = "resume") -> str | None:
    """The rule for a face's last word on an unfinished run (the CLI's last line, the app's
    run-ended notice, the report): a hint never offers a command that would fail the same way,
    nor drops what to mend because some other stream may pass.

    ``None`` when ``resume`` alone is the next step: no unfinished stream failed for a
    permanent cause (every one was cancelled, interrupted, or failed for a cause that may
    pass: network, 5xx, a rate limit). When every unfinished stream failed for a permanent
    cause (``StreamRecord.mend``: 401/403 a rejected token, 404 not found, 410 gone, a URL
    that is not the API), the line saying what to mend first, per source:
    ``"resuming would fail the same way; first mend github:acme/nope: check the source's name
    and that the token can see it"``. When some did and others may pass, what to mend, then
    ``then`` (the face's words for resuming, e.g. a command):
    ``"resuming alone would fail the same way; first mend vercel:t/p: check or replace the
    token; then resume"``; a run with two sources, one with a rejected token and one whose
    server failed, said only "To continue it: backfill-tui resume ..." (a fresh tester's
    finding)."""
    unfinished = [s for s in streams if s.status != StreamStatus.COMPLETED]
    permanent = [s for s in unfinished if s.mend is not None]
    if not permanent:
        return None
    sources: dict[str, list[str]] = {}  # mend -> the sources it names, in stream order
    for stream in permanent:
        assert stream.mend is not None
        # the variable of this stream's own provider, not a pattern to work out
        mend = stream.mend.replace("<PROVIDER>", stream.provider.upper())
        sources.setdefault(mend, []).append(f"{stream.provider}:{stream.target}")
    mends = "; ".join(
        f"{', '.join(dict.fromkeys(names))}: {mend}" for mend, names in sources.items()
    )
    if len(permanent) == len(unfinished):
        return f"resuming would fail the same way; first mend {mends}"
    return f"resuming alone would fail the same way; first mend {mends}; then {then}"


def resume_wait(streams: Iterable[StreamRecord], now: float) -> datetime | None:
    """When to resume after (aware, UTC, to the minute): an unfinished stream failed on a wait
    too long to sit through (``http.RateLimitTooLong``, its stored reason naming the time:
    ``http.resume_after``; the latest, of several) and that time is after ``now`` (epoch
    seconds); None otherwise. A failed run's last line, and a resume's that failed the same
    way, said only "To continue it: backfill-tui resume ..." (a fresh tester's finding)."""
    from ..http import resume_after

    times = [
        when
        for stream in streams
        if stream.status != StreamStatus.COMPLETED and stream.error
        if (when := resume_after(stream.error)) is not None
    ]
    latest = max(times, default=None)
    return latest if latest is not None and latest.timestamp() > now else None


def resume_hint_note(run: RunRecord) -> str:
    """What the "To continue it" hint adds for a simulated run: `` (it resumes on the simulator
    settings stored with the run: ...; set BACKFILL_SIM to change them)``; ``""`` otherwise."""
    if not run.simulate or run.recording_sha256 is not None:
        return ""
    return (
        f" (it resumes on the simulator settings stored with the run: "
        f"{stored_settings_shown(run)}; set BACKFILL_SIM to change them)"
    )


def environment_for(run: RunRecord, current: Environment) -> Environment:
    """An environment of ``run``'s kind to show it in (live or simulated; ``current`` when it
    is of that kind). Continuing it goes through :func:`resume_environment`, which also
    answers a replayed run from its recording."""
    if run.simulate == current.simulated:
        return current
    return Environment.create(simulate=run.simulate, simulator_config=simulator_settings(run))


def check_resumable(run: RunRecord, environment: Environment, mirror_path: Path) -> None:
    """Refuse (:class:`UsageError`, one line) to run ``run`` in an environment of another kind
    than the one it was made in: a replayed run only from its own recording (same SHA-256), never
    live; a run made with the simulator only with it, and a live run never with it (or a
    recording). ``mirror_path`` names the mirror in the suggested command."""
    if run.recording_sha256 is not None:
        if environment.recording is None or environment.recording[1] != run.recording_sha256:
            raise UsageError(replayed_line(run, mirror_path))
        return
    if environment.recording is not None:
        raise UsageError(
            f"run {run.id} was not replayed from a recording; continue it with "
            f"`{suggest(f'resume {run.id}', mirror_path)}`"
        )
    if run.simulate != environment.simulated:
        made = "on the simulator (--simulate)" if run.simulate else "against the live API"
        raise UsageError(
            f"run {run.id} was made {made} and continues only there: "
            f"`{suggest(f'resume {run.id}', mirror_path)}`"
        )


def replayed_line(run: RunRecord, mirror_path: Path, why: str = "") -> str:
    """The one line refusing to continue a replayed run otherwise than from its recording.
    A recording no longer at its stored path is put back there, or replayed from where it is
    now: the line named the missing path in the very command it offered (a fresh tester's
    finding)."""
    path = run.recording or "its recording"
    because = f" ({why})" if why else ""
    if run.recording and not Path(run.recording).exists():
        again = suggest("replay FILE", mirror_path)
        return (
            f"run {run.id} was replayed from {path}{because}; put the recording back there and "
            f"resume, or replay it from where it is now as a new run: `{again}`"
        )
    again = suggest(f"replay {shlex.quote(path)}", mirror_path)
    return f"run {run.id} was replayed from {path}{because}; replay it again: `{again}`"


def resume_environment(
    run: RunRecord,
    mirror_path: Path,
    *,
    current: Environment | None = None,
    environ: Mapping[str, str] | None = None,
) -> tuple[Environment, Replay | None]:
    """The environment that continues ``run`` as it was made (the rule: :func:`check_resumable`).

    ``current`` is returned when it fits, never for a replayed run: a replay's environment has
    given out the answers its run was served, so the app's ``r`` after a replay it made (and
    cancelled) met "all were used" or the recording's end at its first request, and each failed
    stream's reason was overwritten with that. A replayed run answers from its recording anew
    when the file is still at its stored path with the stored SHA-256 (the :class:`Replay` is
    returned too, for the caller to close), else :class:`UsageError` saying to replay it again.
    A run made
    with the simulator gets a simulator on :func:`simulator_settings` (``BACKFILL_SIM`` from
    ``environ`` when set, else the run's own stored settings); a live run the live environment.
    Never a live API for a replayed run.
    """
    if current is not None and run.recording_sha256 is None:
        try:
            check_resumable(run, current, mirror_path)
        except UsageError:
            pass
        else:
            return current, None
    if run.recording_sha256 is not None:
        from .recording import Replay

        try:
            replay = Replay.open(run.recording or "")
        except BackfillError as exc:
            raise UsageError(replayed_line(run, mirror_path, _first_clause(str(exc)))) from None
        environment = replay.environment()
        if environment.recording is None or environment.recording[1] != run.recording_sha256:
            replay.close()
            raise UsageError(replayed_line(run, mirror_path, "the file has changed since"))
        return environment, replay
    settings = simulator_settings(run, environ) if run.simulate else None
    if settings is not None:
        _same_history(run, settings, mirror_path)
    return Environment.create(simulate=run.simulate, simulator_config=settings, env=environ), None


def _same_history(run: RunRecord, settings: str, mirror_path: Path) -> None:
    """Refuse (:class:`UsageError`) to continue a simulated ``run`` on ``settings`` (a
    ``BACKFILL_SIM`` string) that hold another history than the run's stored ones (its
    ``world_settings``: seed, anchor, scale, repeat_cursor, null_last_seen, rename_team). A
    resume with scale=1 took the checkpoints of a scale=20 run into another history and ended "completed"
    with counts of neither (a fresh tester's finding). Latency, faults and limits may change freely."""
    from ..simulator.config import SimulatorConfig
    from .environment import world_settings

    try:  # settings that cannot be read are refused where they are parsed, in their words
        for text in (run.simulator or "", settings):
            SimulatorConfig.from_env_string(text)
    except (ValueError, TypeError):
        return
    stored, given = world_settings(run.simulator or ""), world_settings(settings)
    if stored == given:
        return
    raise UsageError(
        f"run {run.id} was made on a simulator holding another history "
        f"({stored or 'the defaults'}) than BACKFILL_SIM gives ({given or 'the defaults'}); "
        f"resuming would mix the two: unset BACKFILL_SIM or give it those, then "
        f"`{suggest(f'resume {run.id}', mirror_path)}`"
    )


def _first_clause(message: str) -> str:
    """The reason a recording was refused, without its own advice after the first ';'."""
    return message.split(";", 1)[0]


def find_run(path: Path, run_ref: str) -> str | None:
    """The id of run ``run_ref`` (an id or a unique prefix) in the mirror at ``path``, opened
    read-only; ``None`` when it is not there or the file cannot be read as a mirror.
    Raises :class:`UsageError` when the prefix fits several runs."""
    try:
        mirror = Mirror.open(path, readonly=True)
    except BackfillError:
        return None
    try:
        return mirror.resolve_run_id(run_ref)
    finally:
        mirror.close()
