"""Helpers for the terminal app's tests: a simulated environment on a fixed clock, an app on a
fresh mirror, a recorder of the messages the app posts, and a bounded wait."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import DataTable
from textual.worker import WorkerCancelled

from backfill_tui.clock import Clock, SystemClock, VirtualClock
from backfill_tui.engine.environment import Environment
from backfill_tui.screens.app import BackfillApp, DemoSetup
from backfill_tui.screens.connect import ConnectScreen
from backfill_tui.screens.export import ExportScreen
from backfill_tui.screens.observations import ObservationsScreen
from backfill_tui.screens.runs import RunsScreen
from backfill_tui.simulator import Simulator, SimulatorConfig
from backfill_tui.store import Mirror

FIXED_NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
ANCHOR = "2026-06-01T00:00:00Z"
SIZE = (120, 36)

M = TypeVar("M", bound=Message)


def sim_environment(config: str = "", *, now: datetime = FIXED_NOW) -> Environment:
    """The simulator with a fixed history and a virtual clock starting at ``now``."""
    text = f"anchor={ANCHOR},{config}" if config else f"anchor={ANCHOR}"
    clock = VirtualClock(start=now.timestamp())
    return Environment(
        clock=clock, simulator=Simulator(SimulatorConfig.from_env_string(text), clock), env={}
    )


def paced_environment(config: str = "", *, latency: float = 0.2) -> Environment:
    """The simulator on the real clock, each request taking ``latency`` real seconds.

    For tests that race a key press against a run (cancel, quit): on the virtual clock a run
    can finish before a loaded machine delivers the key, and the test would see "completed".
    """
    text = f"latency={latency},{config}" if config else f"latency={latency}"
    clock = SystemClock()
    return Environment(
        clock=clock, simulator=Simulator(SimulatorConfig.from_env_string(text), clock), env={}
    )


class _Held(httpx.AsyncBaseTransport):
    """Each request waits until ``released`` is set, then goes to ``inner``."""

    def __init__(self, inner: httpx.AsyncBaseTransport, released: threading.Event) -> None:
        self.inner, self.released = inner, released

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        while not self.released.is_set():
            await asyncio.sleep(0.02)
        return await self.inner.handle_async_request(request)


def held_environment(config: str = "") -> tuple[Environment, threading.Event]:
    """The simulator on the real clock, its requests held until the event returned is set: a
    run that cannot end before the test lets it, for a test that needs a key pressed while it
    goes (on a loaded machine a paced run could end before the key arrived)."""
    environment = paced_environment(config, latency=0.0)
    released = threading.Event()
    environment.wrap_transport = lambda inner: _Held(inner, released)
    return environment, released


def make_app(
    tmp_path: Path,
    config: str = "",
    *,
    demo: DemoSetup | None = None,
    environment: Environment | None = None,
    clock: Clock | None = None,
    db: str = "mirror.db",
    run_process: bool = False,
) -> BackfillApp:
    return BackfillApp(
        Mirror.open(tmp_path / db),
        environment or sim_environment(config),
        demo=demo,
        clock=clock,
        run_process=run_process,
    )


class Recorder:
    """``message_hook`` for ``run_test``: keeps every message the app's pumps handle, each once
    (:meth:`of`): a message that bubbles (a screen's, up to the app) is handled, and hooked, at
    each pump on its way, so a wait for two plans was met by one plan seen twice."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    def __call__(self, message: Message) -> None:
        self.messages.append(message)

    def of(self, kind: type[M]) -> list[M]:
        """The messages of ``kind`` in the order first handled, each once."""
        seen: set[int] = set()
        found: list[M] = []
        for m in self.messages:
            if isinstance(m, kind) and id(m) not in seen:
                seen.add(id(m))
                found.append(m)
        return found


async def wait_until(
    pilot: Pilot[Any], predicate: Callable[[], object], timeout: float = 60.0
) -> None:
    """Let the app run until ``predicate()`` holds; fail (not hang) after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"gave up waiting after {timeout}s")
        await pilot.pause(0.05)


async def wait_for_exit(app: BackfillApp, timeout: float = 60.0) -> None:
    """Let the app finish exiting; fail (not hang) after ``timeout`` seconds.

    Polls with ``asyncio.sleep``, not ``pilot.pause``: a pause waits for the current screen to
    process its messages, which an app tearing its screens down never does (the pause then
    raises ``WaitForScreenTimeout`` after 30 s).
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while app.is_running:
        if loop.time() > deadline:
            raise AssertionError(f"the app was still running after {timeout}s")
        await asyncio.sleep(0.05)


def populate(app: BackfillApp, *sources: str, workspace: str = "ws", days: int = 30) -> str:
    """Run a headless simulated backfill into the app's mirror before the app starts."""
    from backfill_tui.engine.run import Engine, RunRequest, SourceSpec

    engine = Engine(app.mirror, app.environment)
    request = RunRequest(workspace, tuple(SourceSpec.parse(s) for s in sources), depth=days)
    run = engine.plan(request)
    asyncio.run(engine.run(run.id))
    return run.id


def retried_failure_notices(
    app: BackfillApp, run_id: str, size: tuple[int, int] = SIZE
) -> list[str]:
    """Open ``run_id`` on the dashboard and retry it (``r``); the notices saying it failed
    (``run ID failed…``), once one has come."""

    async def scenario() -> list[str]:
        async with app.run_test(size=size) as pilot:
            app.open_run(run_id)
            await pilot.pause()
            app.retry_run()

            def ended() -> list[str]:
                return [
                    str(n.message)
                    for n in app._notifications
                    if str(n.message).startswith(f"run {run_id} failed")
                ]

            await wait_until(pilot, ended)
            return ended()

    return asyncio.run(scenario())


EVIL_TITLE = "[bold]pwned[/bold] \x1b[31mred\x1b[0m [link=https://evil.example]click[/link] [/]"


def insert_evil_observation(
    app: BackfillApp, workspace: str = "ws", body: str | None = None
) -> None:
    """One observation whose provider text is full of markup and terminal escape codes
    (``body``: another body instead of the usual one)."""
    from backfill_tui.models import SourceEvent, SourceReference
    from backfill_tui.store import RunRecord

    mirror = app.mirror
    run = RunRecord(
        id="20260601-120000-evil",
        workspace=workspace,
        sources=["github:acme/rocket"],
        depth_days=30,
        since="2026-05-02T12:00:00+00:00",
        entities=None,
        max_items=1000,
        status="completed",
        simulate=True,
        started_at="2026-06-01T12:00:00+00:00",
    )
    mirror.create_run(run, [("github", "acme/rocket", "issue")])
    stream = mirror.streams(run.id)[0]
    event = SourceEvent(
        source="github",
        sourceType="issue.opened",
        sourceId="issue:acme/rocket#999:opened",
        title=EVIL_TITLE,
        body=body
        if body is not None
        else "Body with [red]markup[/red] and \x1b]8;;https://evil.example\x07a hyperlink\x1b]8;;\x07"
        "\n\n**bold in markdown** and `code`",
        occurredAt="2026-05-31T09:30:00Z",
        references=[
            SourceReference(
                type="issue", id="#999", url="https://github.com/acme/rocket/issues/999"
            )
        ],
        metadata={"deliveryId": "backfill-1-issue-999", "repoId": 1, "note": "[i]x[/i]\x07"},
    )
    mirror.commit_page(
        stream,
        workspace,
        [event],
        [],
        fetched=1,
        cursor=None,
        done=True,
        capped_at=None,
        api_calls=1,
        wait_s=0.0,
    )


async def drawn(pilot: Pilot[Any]) -> None:
    """Let the screen on view be drawn before pressing keys meant for it: the dashboard and the
    questions drop the keys typed before they were drawn (``screens/key_order.py``), and a test
    pressing keys the moment the app put one up (``open_run``, ``plan_and_start``) typed ahead
    of a screen no person could have seen yet."""
    app = pilot.app
    assert isinstance(app, BackfillApp)
    await wait_until(pilot, lambda: app.shown_since(app.screen) is not None)


async def answer(pilot: Pilot[Any], key: str) -> None:
    """``key`` on the question on view once it is drawn, as a person answers what they see (a
    key typed before a question was drawn never answers it: ``screens/key_order.py``)."""
    await drawn(pilot)
    await pilot.press(key)


async def settle(pilot: Pilot[Any], rounds: int = 5) -> None:
    """Let the screens' workers (store reads in threads) finish and their answers land.

    A handled answer may start another read (a facet change reloads), so this repeats until a
    pass finds no worker running, at most ``rounds`` times. A worker cancelled because a newer
    one of its exclusive group replaced it (the day chart recounted as a run's pages land) is
    not an error; a worker that failed still raises ``WorkerFailed``.
    """
    app = pilot.app
    for _ in range(rounds):
        for worker in list(app.workers):
            # one superseded on purpose (an exclusive group's newer read replaced it) is fine
            with contextlib.suppress(WorkerCancelled):
                await worker.wait()
        await pilot.pause()
        if not any(w.is_running for w in app.workers if w.group != "quit"):
            return


async def connect_screen(pilot: Pilot[Any]) -> ConnectScreen:
    """The first screen with its workers done (the estimate, the keyring check): the connect
    screen."""
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ConnectScreen)
    return screen


async def open_observations(pilot: Pilot[Any]) -> tuple[ObservationsScreen, DataTable[Any]]:
    """F4, and its first rows in: the observations screen and its table."""
    await pilot.press("f4")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ObservationsScreen)
    return screen, screen.query_one("#observations", DataTable)


async def open_runs(pilot: Pilot[Any]) -> tuple[RunsScreen, DataTable[Any]]:
    """F5, and its rows in: the runs screen and its table."""
    await pilot.press("f5")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, RunsScreen)
    return screen, screen.query_one("#runs", DataTable)


async def runs_on(pilot: Pilot[Any], run_id: str) -> RunsScreen:
    """F5, and the Runs screen once its cursor is on ``run_id`` (it lists runs in a worker)."""
    await pilot.press("f5")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, RunsScreen))
    screen = pilot.app.screen
    assert isinstance(screen, RunsScreen)
    await wait_until(pilot, lambda: screen.selected == run_id)
    return screen


async def open_export(pilot: Pilot[Any]) -> ExportScreen:
    """F6, and its workers done (the form filled, the focus placed): the export screen."""
    await pilot.press("f6")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ExportScreen)
    return screen


async def compare_runs(pilot: Pilot[Any], *keys: str) -> tuple[Any, DataTable[Any]]:
    """F5, then ``keys`` (by default ``m`` on the newest run, down, ``d``: the newest is A,
    the one below it B), and the compare view with its rows in: the screen and its table."""
    from backfill_tui.screens.diff import DiffScreen

    await open_runs(pilot)
    await pilot.press(*(keys or ("m", "down", "d")))
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, DiffScreen))
    await settle(pilot)
    screen = pilot.app.screen
    return screen, screen.query_one("#diff-table", DataTable)


async def recording_prompt(pilot: Pilot[Any]) -> tuple[Any, Any]:
    """F5, then ``o``: the prompt for a recording's path, and its field (``PathPromptScreen``,
    ``Input``)."""
    from textual.widgets import Input

    from backfill_tui.screens.path_prompt import PathPromptScreen

    await pilot.press("f5", "o")
    prompt = pilot.app.screen
    assert isinstance(prompt, PathPromptScreen)
    return prompt, prompt.query_one("#path-input", Input)


async def inngest_dry_run(
    pilot: Pilot[Any], url: str, seen: Recorder, key: str = "evtkey-order-1"
) -> ExportScreen:
    """F6, Inngest chosen and filled in (``url``: the stub's address), ctrl+r, and its plan
    (or its failure) in: the export screen."""
    from textual.widgets import Input, RadioButton

    from backfill_tui.screens.export_parts import ExportFailed, ExportPlanned

    screen = await open_export(pilot)
    screen.query_one("#kind-inngest", RadioButton).value = True
    await wait_until(pilot, lambda: screen.kind == "inngest")
    screen.query_one("#event-key", Input).value = key
    screen.query_one("#base-url", Input).value = url
    await pilot.press("ctrl+r")
    await wait_until(pilot, lambda: seen.of(ExportPlanned) or seen.of(ExportFailed))
    return screen


async def cancel_the_run(pilot: Pilot[Any]) -> None:
    """``c`` on the dashboard, then ``y`` once its question is up (``c`` asks first)."""
    from backfill_tui.screens.confirm import ConfirmScreen

    await drawn(pilot)  # the dashboard, as a person sees it before pressing c
    await pilot.press("c")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen))
    await answer(pilot, "y")
