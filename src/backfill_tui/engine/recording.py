"""Recording sessions, as the faces start them: record a live run's HTTP exchanges to a file
(:class:`Recorder`), or replay one offline into the mirror as a new run (:class:`Replay`).

The sessions around the recording floor (``recording/``: the file format, the transports, the
scrubbing): they drive the engine, so they live in it, and ``recording/`` stays below it.

Record (``run --record FILE``, or the app's connect screen)::

    recorder = Recorder(path)                      # checks the path, holds its hidden file
    run = engine.plan(request)                     # refused? recorder.release()
    with recorder.recording(engine.environment, run):
        await engine.run(run.id)                   # or asyncio.run(...) from a sync caller
    # sealed into place; RecordingKeptAside if a file appeared at the path meanwhile;
    # a refused write (a full disk) stops the run: errors.RecordingNotKept, file removed

A second recorder of the same path is refused while the first runs (``placing.live_writer``);
the sealed recording never replaces a file that came there (``placing.place_new``): it goes beside.

Replay (``replay FILE``, or "open a recording as a run")::

    replay = Replay.open(path)                     # verified, or RecordingError (one line)
    engine = Engine(mirror, replay.environment())  # offline, virtual clock, no token
    run = replay.plan(engine)                      # same parameters, same cutoff instant
    await engine.run(run.id)
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import httpx

from .. import __version__
from ..clock import Clock, ReplayClock
from ..connectors import provider
from ..errors import BadValue, RecordingNotKept, UsageError
from ..recording.fileformat import (
    Exchange,
    RecordingError,
    RecordingHeader,
    RecordingWriter,
    RunEnd,
    RunParameters,
    SpooledRecording,
    file_sha256,
    open_recording,
)
from ..recording.header import shown
from ..recording.scrub import scrub_text, scrub_url
from ..recording.transports import RecordingTransport, ReplayTransport, exchange_key
from ..store import RunRecord
from . import progress as ev
from . import recording_ends as ends
from .environment import Environment, checked_base_url, without_token
from .outputs import AtomicFile, check_output
from .placing import live_writer, unfinished_line
from .plan import RunRequest, SourceSpec, check_request, check_window
from .recording_ends import FailureWatch, RecordingKeptAside

__all__ = ["Recorder", "RecordingError", "RecordingKeptAside", "Replay"]


class Planner(Protocol):
    """What :meth:`Replay.plan` needs of an ``engine.run.Engine`` (a protocol: ``engine.runs``,
    which the engine imports, opens a :class:`Replay` to resume a replayed run)."""

    def plan(self, request: RunRequest, *, started_at: datetime | None = None) -> RunRecord: ...


class Recorder:
    """Writes every HTTP exchange of one run to a recording file (mode 0600)."""

    def __init__(self, path: str | Path, *, protected: Iterable[tuple[Path, str]] = ()) -> None:
        """Check ``path`` (``outputs.check_output``; ``protected``: the files in use, such as
        ``outputs.in_use(mirror path)``) and that a file can be made beside it; raises
        :class:`UsageError` or a :class:`~backfill_tui.errors.StorageError` (one line) if
        refused."""
        self.path = check_output(path, option="--record", protected=protected)
        writer = live_writer(self.path)
        if writer is not None:  # both ran, and the last to end replaced the other's recording
            raise UsageError(
                f"--record {self.path} is already being recorded to by another run (process "
                f"{writer}) and is not overwritten: choose another file"
            )
        # Its file is made now, before a run is planned: a folder that refuses files (/proc),
        # a full disk or a name too long failed only once the run was in the mirror, which then
        # listed an interrupted run the user never started (a fresh tester's finding). Held
        # until the run's recording begins, its hidden name (with this process's id) tells a
        # second recorder of the same path that this one is recording (``live_writer``).
        self._reserved: AtomicFile | None = AtomicFile(self.path, mode=0o600, replace=False)
        self._writer: RecordingWriter | None = None
        self._out: AtomicFile | None = None  # the writer's file, put into place when sealed
        #: Where the sealed recording went when a file had appeared at :attr:`path` meanwhile.
        self.kept: Path | None = None
        self._secrets: list[str] = []
        self._seq = itertools.count(1)
        self._start = 0.0
        self._clock: Clock | None = None
        self._clock_start = 0.0
        self._status: str | None = None  # the run's end, as ``observe`` saw it
        self._ended: float | None = None  # and when (s after ``_clock_start``: _run_ending)
        self._reason: str | None = None
        self._stops: dict[str, int] = {}  # stream → pages stored, for streams that stopped
        self._watch = FailureWatch()  # whether a refused write stopped the run (said then)
        self._source_entities: dict[str, tuple[str, ...]] | None = None  # see planned()
        self._early: ends.SealedEarly | None = None  # sealed as the run ended: _run_ending
        self.masked = 0  # token-shaped strings masked in the answers recorded (scrub.py)

    def observe(self, event: ev.ProgressEvent) -> None:
        """A progress subscriber (``Engine.subscribe``; thread-safe enough: one run emits):
        notes how the run ended, written into the recording when it is sealed (its
        ``run_end`` line), so a replay ends where the run did instead of missing an answer."""
        self._watch.observe(event, self.failure)
        if isinstance(event, ev.StreamFinished):
            if event.status in ("cancelled", "interrupted"):  # where its replay must stop
                self._stops[event.stream] = event.counters.pages
            if event.error and self._reason is None and event.status in ("failed", "interrupted"):
                self._reason = f"{event.stream}: {event.error}"
        elif isinstance(event, ev.RunFinished):
            self._status = str(event.status)

    @property
    def end(self) -> RunEnd | None:
        """How the recorded run ended (None before its end was seen)."""
        if self._status is None:
            return None
        # a completed run has no reason or stops (no stream failed or stopped)
        return RunEnd(self._status, self._reason, dict(self._stops), ended=self._ended)

    @property
    def exchanges(self) -> int:
        return self._writer.count if self._writer is not None else 0

    @property
    def failure(self) -> RecordingNotKept | None:
        """The write the machine refused, which ended the recording (its file removed), or
        None. Once the run was stopped by it, its face said it (``cli/drive.py``)."""
        return self._writer.failure if self._writer is not None else None

    def planned(self, request: RunRequest) -> RunRequest:
        """The run to plan for ``request`` (:meth:`request_for`), its sources' own entities kept."""
        own = {str(s): tuple(sorted(s.entities)) for s in request.sources if s.entities}
        self._source_entities = own or None
        return self.request_for(request)

    @staticmethod
    def request_for(request: RunRequest) -> RunRequest:
        """The run a recording is made of: in full (``--full``), never a re-sync. A re-sync asks
        conditionally and narrows by what the mirror it runs against holds (ETags, earlier
        runs, a lookup's stored body), so its recording could not be replayed into any other
        mirror: replayed, its 304 answers failed every stream (a tester's finding). A replay
        never narrows either (``engine/resync.py``)."""
        return replace(request, full=True)

    @contextmanager
    def recording(self, environment: Environment, run: RunRecord) -> Iterator[Recorder]:
        """Record the exchanges of ``run`` made through ``environment`` until the block ends,
        then seal the recording into place. Raises :class:`RecordingKeptAside` when it went
        beside its path, and ``errors.RecordingNotKept`` when a refused write ended it (its file
        removed) and the engine never raised that through the block (the seal was refused, the
        run having ended: ``recording_ends.seal``). A refusal met mid-run stops the run: the
        engine raises it (a ``StorageError``) through the block, or to the face that drives the
        run inside it (``cli/drive.py``), which says it; :attr:`failure` then holds it."""
        base_urls: dict[str, str] = {}
        for name in dict.fromkeys(source.split(":", 1)[0] for source in run.sources):
            info = provider(name)
            base_urls[name] = scrub_url(environment.base_url(info))
            credential = environment.credential(info)
            if credential is not None:
                self._secrets.append(credential.value)
        params = RunParameters(
            workspace=run.workspace,
            sources=tuple(run.sources),
            depth=run.depth_days,
            entities=tuple(sorted(run.entities)) if run.entities is not None else None,
            max_items=run.max_items,
            started_at=run.started_at,
            since=run.since,
            source_entities=self._source_entities,
        )
        self._clock = environment.clock
        self._clock_start = environment.clock.now()
        header = RecordingHeader(
            run=params,
            run_id=run.id,
            clock_start=self._clock_start,
            base_urls=base_urls,
            simulated=environment.simulated,
            simulator=scrub_text(without_token(run.simulator or ""), self._secrets) or None,
            app_version=__version__,
            recorded_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        self._start = time.perf_counter()
        self._out = self._reserved or AtomicFile(self.path, mode=0o600, replace=False)
        self._reserved = None
        self._writer = RecordingWriter(self._out, header)
        previous = environment.wrap_transport, environment.before_run_end
        environment.wrap_transport, environment.before_run_end = self.wrap, self._run_ending
        try:
            yield self
        except BaseException as exc:
            self._seal(said=exc is self.failure)
            if self.kept is not None and isinstance(exc, asyncio.CancelledError):
                # the app's cancel: where the recording went is still said (its run: cancelled)
                raise RecordingKeptAside(self.path, self.kept) from exc
            raise
        finally:
            environment.wrap_transport, environment.before_run_end = previous
        self._seal()
        if self.kept is not None:
            raise RecordingKeptAside(self.path, self.kept)

    def _run_ending(self, status: str, instant: float) -> None:
        """Seal before the mirror stores the run's end, ``status`` at ``instant`` (epoch s)."""
        if self._writer is not None and self._writer.failure is None:  # else: the block's end
            self._status = status
            self._ended = max(0.0, instant - self._clock_start)
            self._early = ends.sealed_early(self._seal)

    def _seal(self, *, said: bool = False) -> None:
        """Seal the recording into place, once (``recording_ends.SealedEarly``); :attr:`kept`
        when it went beside :attr:`path`. ``said``: the block raised the recording's failure."""
        assert self._writer is not None and self._out is not None
        if self._early is not None:
            self._early.again()
            return
        said = said or self._watch.stopped_run
        self.kept = ends.seal(self._writer, self._out, self.path, self.end, said=said)

    def release(self) -> None:
        """Give up the path held since this recorder was made when no recording began (the run
        was refused or never started): its hidden file is removed. Nothing once it began."""
        reserved, self._reserved = self._reserved, None
        if reserved is not None:
            reserved.discard()

    def abandon(self) -> str | None:
        """For a process about to quit at once mid-recording (a third Ctrl-C, ``os._exit``):
        ``recording_ends.abandon`` of its unfinished file. Safe from another thread."""
        return ends.abandon(self._out, self.path)

    def wrap(self, inner: httpx.AsyncBaseTransport) -> RecordingTransport:
        """The recording layer around one inner transport (``Environment.wrap_transport``)."""
        return RecordingTransport(
            inner,
            self._add,
            start=self._start,
            secrets=self._secrets,
            next_seq=lambda: next(self._seq),
            clock=self._clock,
            clock_start=self._clock_start,
        )

    def _add(self, exchange: Exchange) -> None:
        if self._writer is not None:
            self._writer.add(exchange)
            self.masked += exchange.masked


class Replay:
    """A verified recording, ready to run again offline.

    The exchanges are spooled to a temporary file (``fileformat.open_recording``) and read back
    one at a time as the replay asks for them, so a replay's memory does not grow with the
    recording. :meth:`close` removes the spool (it also goes when the process ends).
    """

    def __init__(self, recording: SpooledRecording) -> None:
        self.recording = recording
        self.transport: ReplayTransport | None = None
        #: The recording file's SHA-256 (hex): a replayed run stores it, and resumes only from a
        #: file that still has it (``engine.check_resumable``).
        self.sha256 = file_sha256(recording.path)

    @classmethod
    def open(cls, path: str | Path) -> Replay:
        """Verify the recording at ``path`` and spool its exchanges: ``RecordingError``, one
        line, if it is missing (or unfinished: ``unfinished_line``), not a recording, truncated,
        damaged, modified or oversized, or its header holds a run that breaks a run's own rules
        (:meth:`request`, base URLs as ``Environment.base_url`` checks them), before any mirror."""
        if unfinished := unfinished_line(Path(path)):
            raise RecordingError(unfinished)
        replay = cls(open_recording(path, exchange_key))
        try:
            replay.request()
            replay._check_base_urls()
        except BaseException:
            replay.close()
            raise
        return replay

    @property
    def header(self) -> RecordingHeader:
        return self.recording.header

    @property
    def exchanges(self) -> int:
        """How many exchanges the recording holds."""
        return len(self.recording)

    def close(self) -> None:
        self.recording.close()

    def __enter__(self) -> Replay:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def started_at(self) -> datetime:
        return datetime.fromisoformat(self.header.run.started_at)

    def request(self) -> RunRequest:
        """The recorded run's request, checked by the rules every run meets
        (``plan.check_request``, each source parsed). A value that breaks one is refused as the
        recording's (:class:`RecordingError` naming its header's field), never as a flag or
        variable the user never typed: the user typed only ``replay FILE``."""
        run = self.header.run
        sources = []
        own = run.source_entities or {}
        for number, text in enumerate(run.sources):
            try:
                spec = SourceSpec.parse(text)
            except UsageError as exc:  # its own advice (how to type one) left out
                why = str(exc).split(";", 1)[0]
                raise self._refused(f"run.sources[{number}]", text, f"is refused ({why})") from None
            sources.append(replace(spec, entities=frozenset(own[text])) if text in own else spec)
        request = RunRequest(
            workspace=run.workspace,
            sources=tuple(sources),
            depth=run.depth,
            entities=frozenset(run.entities) if run.entities is not None else None,
            max_items=run.max_items,
        )
        try:
            check_request(request)
            check_window(self.started_at, datetime.fromisoformat(run.since), run.depth)
        except BadValue as exc:
            raise self._refused(f"run.{exc.field}", getattr(run, exc.field), exc.fault) from None
        return request

    def _check_base_urls(self) -> None:
        """Each recorded base URL checked as a run checks its ``BACKFILL_*_API_URL``
        (``environment.checked_base_url``); :class:`RecordingError` naming the header's field."""
        from ..secrets_registry import without_userinfo

        for name, url in self.header.base_urls.items():
            field, value = f"base_urls.{name}", without_userinfo(url)
            try:
                info = provider(name)
            except UsageError:
                raise self._refused(
                    field, value, "is for no provider this backfill-tui knows"
                ) from None
            try:
                checked_base_url(info, url)
            except BadValue as exc:
                raise self._refused(field, value, exc.fault) from None

    def _refused(self, field: str, value: Any, fault: str) -> RecordingError:
        """The line for header field ``field`` (its path in the header, ``run.depth``) holding
        ``value``, which ``fault`` says is wrong."""
        return RecordingError(
            f"{self.recording.path}: its header's {field} {shown(value)} {fault}; ask for the "
            "original recording"
        )

    def environment(self) -> Environment:
        """Offline, answering from the recording, on a :class:`ReplayClock` from the recorded
        start that no wait really waits on (recorded latency is not re-enacted; rate-limit,
        Retry-After and backoff waits pass at once, accounted as the original's were): the
        recorded run's instants (``ReplayTransport``)."""
        start = self.header.clock_start
        clock = ReplayClock(start)
        self.transport = ReplayTransport(
            self.recording, clock=clock, clock_start=start, end=self.header.end
        )
        base_urls = {
            provider(name).base_url_env: url for name, url in self.header.base_urls.items()
        }
        environment = Environment.replaying(
            self.transport, start=start, base_urls=base_urls, clock=clock
        )
        environment.recording = (str(self.recording.path.resolve()), self.sha256)
        environment.recording_simulated = self.header.simulated
        environment.recording_masked, environment.replay_end = self.header.masked, self.header.end
        return environment

    def plan(self, engine: Planner) -> RunRecord:
        """Plan the recorded run in ``engine``'s mirror: same parameters, same cutoff."""
        return engine.plan(self.request(), started_at=self.started_at)
