"""Recording a run and replaying one: what the CLI and the app's screens call.

Record (``run --record FILE``, or the app's connect screen)::

    recorder = Recorder(path)                      # checks the path; writes nothing yet
    run = engine.plan(request)
    with recorder.recording(engine.environment, run):
        await engine.run(run.id)                   # or asyncio.run(...) from a sync caller

Replay (``replay FILE``, or "open a recording as a run")::

    replay = Replay.open(path)                     # verified, or RecordingError (one line)
    engine = Engine(mirror, replay.environment())  # offline, virtual clock, no token
    run = replay.plan(engine)                      # same parameters, same cutoff instant
    await engine.run(run.id)
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

from .. import __version__
from ..connectors import provider
from ..engine import Engine, RunRequest, SourceSpec
from ..environment import Environment, without_token
from ..outputs import check_output
from ..store import RunRecord
from .fileformat import (
    Exchange,
    RecordingFile,
    RecordingHeader,
    RecordingWriter,
    RunParameters,
    read_recording,
)
from .scrub import scrub_text, scrub_url
from .transports import RecordingTransport, ReplayTransport


class Recorder:
    """Writes every HTTP exchange of one run to a recording file (mode 0600)."""

    def __init__(self, path: str | Path, *, protected: Iterable[tuple[Path, str]] = ()) -> None:
        """Check ``path`` (``outputs.check_output``; ``protected``: the files in use, such as
        ``outputs.in_use(mirror path)``); raises :class:`UsageError` (one line) if refused."""
        self.path = check_output(path, option="--record", protected=protected)
        self._writer: RecordingWriter | None = None
        self._secrets: list[str] = []
        self._seq = itertools.count(1)
        self._start = 0.0

    @property
    def exchanges(self) -> int:
        return self._writer.count if self._writer is not None else 0

    @contextmanager
    def recording(self, environment: Environment, run: RunRecord) -> Iterator[Recorder]:
        """Record the exchanges of ``run`` made through ``environment`` until the block ends."""
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
        )
        header = RecordingHeader(
            run=params,
            run_id=run.id,
            clock_start=environment.clock.now(),
            base_urls=base_urls,
            simulated=environment.simulated,
            simulator=scrub_text(without_token(run.simulator or ""), self._secrets) or None,
            app_version=__version__,
            recorded_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        self._start = time.perf_counter()
        self._writer = RecordingWriter(self.path, header)
        previous = environment.wrap_transport
        environment.wrap_transport = self.wrap
        try:
            yield self
        finally:
            environment.wrap_transport = previous
            self._writer.close()

    def wrap(self, inner: httpx.AsyncBaseTransport) -> RecordingTransport:
        """The recording layer around one inner transport (``Environment.wrap_transport``)."""
        return RecordingTransport(
            inner,
            self._add,
            start=self._start,
            secrets=self._secrets,
            next_seq=lambda: next(self._seq),
        )

    def _add(self, exchange: Exchange) -> None:
        if self._writer is not None:
            self._writer.add(exchange)


@dataclass
class Replay:
    """A verified recording, ready to run again offline."""

    recording: RecordingFile
    transport: ReplayTransport | None = field(default=None, init=False)

    @classmethod
    def open(cls, path: str | Path) -> Replay:
        return cls(read_recording(path))

    @property
    def header(self) -> RecordingHeader:
        return self.recording.header

    @property
    def started_at(self) -> datetime:
        return datetime.fromisoformat(self.header.run.started_at)

    def request(self) -> RunRequest:
        run = self.header.run
        return RunRequest(
            workspace=run.workspace,
            sources=tuple(SourceSpec.parse(s) for s in run.sources),
            depth=run.depth,
            entities=frozenset(run.entities) if run.entities is not None else None,
            max_items=run.max_items,
        )

    def environment(self) -> Environment:
        """Offline, on a virtual clock from the recorded start, answering from the recording."""
        self.transport = ReplayTransport(self.recording.exchanges)
        base_urls = {
            provider(name).base_url_env: url for name, url in self.header.base_urls.items()
        }
        return Environment.replaying(
            self.transport, start=self.header.clock_start, base_urls=base_urls
        )

    def plan(self, engine: Engine) -> RunRecord:
        """Plan the recorded run in ``engine``'s mirror: same parameters, same cutoff."""
        return engine.plan(self.request(), started_at=self.started_at)
