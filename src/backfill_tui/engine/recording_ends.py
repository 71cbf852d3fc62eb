"""How a run's recording ends (``engine.recording.Recorder``): sealed into place, sealed beside
its path (:class:`RecordingKeptAside`), or not kept at all (``errors.RecordingNotKept``).

A write the machine refuses (a full disk, an I/O error) ends the recording's writer at once and
removes its unfinished file (``recording.fileformat.RecordingWriter``): no half-written file is
left to pose as a recording. The refusal is a ``StorageError``, so the engine stops the run as
it stops for the mirror's own (interrupted, what was stored kept, ``resume`` continuing it), and
the face that drives the run says it in one line (``cli/drive.py``, ``engine/background.py``).
Refused as the recording is sealed, once the run has ended on its own, it is raised from there
(:func:`seal`), saying how the run ended.

A recording is sealed before the mirror stores its run's end (the engine calls
``Environment.before_run_end``, where the recorder seals: :func:`sealed_early`), so no kill
leaves a run stored completed whose recording is not at its path. Killed between the two, the
run is stored running, shown interrupted, its streams all completed: ``resume`` ends it
completed, fetching nothing, and the recording says the run completed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from ..errors import RecordingNotKept, UsageError
from ..recording.fileformat import RecordingWriter, RunEnd
from . import progress as ev
from .outputs import AtomicFile

__all__ = [
    "FailureWatch",
    "RecordingKeptAside",
    "SealedEarly",
    "abandon",
    "seal",
    "sealed_early",
]

log = logging.getLogger("backfill_tui.engine.recording")


class RecordingKeptAside(UsageError):
    """The run's recording was sealed, but a file had appeared at its path meanwhile (another
    run recording to it, say): that file was left as it was, and the recording is at ``kept``,
    beside it. A file the user named is never replaced (README, ``--record``)."""

    def __init__(self, path: Path, kept: Path) -> None:
        super().__init__(
            f"--record {path} already exists (it appeared while this run was recorded) and is "
            f"not overwritten: this run's recording is kept at {kept}; replay that file"
        )
        self.path = path
        self.kept = kept


class FailureWatch:
    """Whether the engine stopped the run with the recording's refused write: a stream said it
    was interrupted by it (``StreamFinished``, its error the failure's line). The face that
    drove the run said that line then; a failure the engine never met (it came as the recording
    was sealed) is the recorder's to raise (:func:`seal`)."""

    def __init__(self) -> None:
        self.stopped_run = False

    def observe(self, event: ev.ProgressEvent, failure: RecordingNotKept | None) -> None:
        """Note ``event`` (a progress event of the recorded run); ``failure``: the writer's."""
        if (
            failure is not None
            and isinstance(event, ev.StreamFinished)
            and event.status == "interrupted"
            and event.error == str(failure)
        ):
            self.stopped_run = True


def seal(
    writer: RecordingWriter,
    out: AtomicFile,
    path: Path,
    end: RunEnd | None,
    *,
    said: bool,
) -> Path | None:
    """Seal ``writer``'s recording (``end``: how its run ended) into place from ``out``, its
    hidden file; where it went when that is not ``path`` (a file appeared there meanwhile: the
    caller raises :class:`RecordingKeptAside`), else None.

    Raises :class:`~backfill_tui.errors.RecordingNotKept` (its file removed) when sealing is
    refused, or when a write was refused earlier and the run's face has not said so (``said``
    False: the engine never met it), its ``ended`` the run's status (``end``)."""
    status = end.status if end is not None else "running"
    if writer.failure is not None:
        if said:
            return None
        raise RecordingNotKept(path, writer.failure.cause, ended=status) from writer.failure.cause
    try:
        writer.close(end)
    except RecordingNotKept as exc:
        log.warning("recording of %s not kept: %s", path, exc.reason)
        raise RecordingNotKept(path, exc.cause, ended=status) from exc.cause
    placed = out.placed
    if placed is not None and placed != path:
        log.warning("recording of %s kept at %s: %s appeared meanwhile", path, placed, path)
        return placed
    return None


@dataclass(frozen=True)
class SealedEarly:
    """A recording sealed as its run ended (:func:`sealed_early`): what sealing raised, which
    the recorder raises once as its block ends (:meth:`again`), where it always raised it."""

    error: Exception | None = None

    def again(self) -> None:
        """The seal asked again, as the block ends: raises what sealing raised, if anything."""
        if self.error is not None:
            raise self.error


def sealed_early(seal_now: Callable[[], None]) -> SealedEarly:
    """Seal (``seal_now``: the recorder's) as the engine is about to store the run's end; never
    raises (an ``Exception``): that is kept for the recorder's block's end, the engine's
    last step, storing the run's end, going on."""
    try:
        seal_now()
    except Exception as exc:
        return SealedEarly(exc)
    return SealedEarly()


def abandon(out: AtomicFile | None, path: Path) -> str | None:
    """For a process about to quit at once mid-recording: remove the recording's unfinished
    hidden file ``out`` (recording to ``path``), which no replay can read, and return the line
    saying the recording is lost; None when no recording is being written (not begun, or
    already sealed into place). Safe from another thread: it only unlinks."""
    if out is None or out.done:
        return None
    with suppress(OSError):
        out.temp.unlink()
    return f"the recording {path} was not finished and was removed"
