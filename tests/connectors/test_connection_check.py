"""A connection test fails fast offline (issue 12 item 5): one try, "cannot reach HOST", no six
backed-off retries. The network is an httpx MockTransport that fails as an offline machine does.
A provider's passing trouble (a 503) is asked once more, and said as such, not as a failure. A
host name that does not resolve is said apart from a refused connection, and a host that was
reached and did not answer (a read timeout, a dropped connection) apart from one never reached."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import NoReturn

import httpx
import pytest
import respx

from backfill_tui.clock import VirtualClock
from backfill_tui.engine.connection import check_source
from backfill_tui.engine.environment import Environment

GITHUB = {"GITHUB_TOKEN": "ghp_" + "x" * 36}


def _offline(calls: list[httpx.Request], error: type[httpx.TransportError]) -> Environment:
    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise error("[Errno -3] Temporary failure in name resolution", request=request)

    return Environment(
        clock=VirtualClock(start=1_780_000_000.0),
        env=dict(GITHUB),
        transport=httpx.MockTransport(handler),
    )


def test_offline_connection_test_tries_once_and_names_the_host() -> None:
    calls: list[httpx.Request] = []
    environment = _offline(calls, httpx.ConnectError)
    report = asyncio.run(check_source(environment, "github", "acme/rocket"))
    assert len(calls) == 1  # not retried six times
    assert report.outcome == "failed"
    assert report.access.startswith("cannot reach api.github.com (could not connect")
    assert environment.clock.now() == 1_780_000_000.0  # no backoff slept
    # Not "sent": nothing reached the host (a fresh tester's finding).
    assert report.token == "not checked (from the environment): the host was not reached"


def test_a_timeout_is_also_reported_as_unreachable_at_once() -> None:
    calls: list[httpx.Request] = []
    report = asyncio.run(check_source(_offline(calls, httpx.ConnectTimeout), "github", "acme/x"))
    assert len(calls) == 1 and "cannot reach api.github.com (timed out" in report.access


def test_a_rate_limit_is_said_as_such_not_as_a_failure() -> None:
    """The simulator answers the test's one call with a rate limit (rate_limit_every=1): the
    test does not wait, and says the source is rate limited right now, neither failed nor ok
    (a tester saw "access failed: …: still rate limited after 0 waits")."""
    from backfill_tui.simulator import Simulator, SimulatorConfig

    clock = VirtualClock(start=1_780_000_000.0)
    config = SimulatorConfig.from_env_string("rate_limit_every=1")
    environment = Environment(clock=clock, simulator=Simulator(config, clock), env={})
    report = asyncio.run(check_source(environment, "vercel", "acme/rocket-web"))
    assert report.outcome == "unknown" and not report.ok
    assert report.access == "rate limited right now (a run waits it out; test again in a moment)"
    assert "failed" not in report.access and "after 0 waits" not in report.access
    assert clock.now() == 1_780_000_000.0  # it did not wait


class _Wire(httpx.AsyncByteStream):
    """A body as the wire gives it: httpx decodes it (by ``Content-Encoding``) as it reads."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self._data


class _FailingFirst(httpx.AsyncBaseTransport):
    """The simulator behind ``fails`` answers of 503 (a provider's passing trouble), or of a
    plain body marked ``Content-Encoding: gzip`` (``undecodable``)."""

    def __init__(
        self, inner: httpx.AsyncBaseTransport, fails: int, *, undecodable: bool = False
    ) -> None:
        self.inner, self.fails, self.calls = inner, fails, 0
        self.undecodable = undecodable

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        if self.fails:
            self.fails -= 1
            if self.undecodable:
                headers = {"content-type": "application/json", "content-encoding": "gzip"}
                return httpx.Response(200, headers=headers, stream=_Wire(b"{}"))
            return httpx.Response(503, json={"message": "Service Unavailable"})
        return await self.inner.handle_async_request(request)


def _flaky(fails: int, *, undecodable: bool = False) -> tuple[Environment, _FailingFirst]:
    from backfill_tui.simulator import Simulator, SimulatorConfig

    clock = VirtualClock(start=1_780_000_000.0)
    simulator = Simulator(SimulatorConfig.from_env_string(""), clock)
    transport = _FailingFirst(simulator.transport, fails, undecodable=undecodable)
    env = dict(GITHUB)
    return Environment(clock=clock, env=env, transport=transport), transport


def test_a_passing_server_error_is_asked_again_once() -> None:
    """One 503 then the answer: the source is found (a tester saw "access failed: GitHub: gave
    up after 1 tries (server error 503)" on a source a run then synced)."""
    environment, transport = _flaky(fails=1)
    report = asyncio.run(check_source(environment, "github", "acme/rocket"))
    assert transport.calls == 2
    assert report.ok and report.access == "granted" and report.target == "found: acme/rocket"


def test_a_server_error_twice_is_not_called_a_failure_of_the_source() -> None:
    environment, transport = _flaky(fails=5)
    report = asyncio.run(check_source(environment, "github", "acme/rocket"))
    assert transport.calls == 2  # once more, not six backed-off tries
    assert report.outcome == "unknown" and not report.ok
    assert report.access == (
        "api.github.com: server error 503 on both tries (often passing: a run retries it; "
        "test again)"
    )


def test_a_body_that_does_not_decode_is_passing_trouble_not_a_crash() -> None:
    """A plain body marked gzip (a proxy's doing): asked once more like a truncated body, and
    said as the provider's passing trouble; it was "internal error (DecodingError: …)"."""
    environment, transport = _flaky(fails=1, undecodable=True)
    report = asyncio.run(check_source(environment, "github", "acme/rocket"))
    assert transport.calls == 2
    assert report.ok and report.access == "granted"
    environment, transport = _flaky(fails=5, undecodable=True)
    report = asyncio.run(check_source(environment, "github", "acme/rocket"))
    assert transport.calls == 2 and report.outcome == "unknown"
    assert report.access == (
        "api.github.com: the answer's body could not be decoded as Content-Encoding gzip on "
        "both tries (often passing: a run retries it; test again)"
    )


def test_a_run_that_never_connects_names_the_host_it_tried(tmp_path: Path) -> None:
    """A stream that gave up on an unreachable host says which host: with the base URL set by
    BACKFILL_GITHUB_API_URL, "GitHub: gave up after 6 tries (could not connect)" read exactly
    as for api.github.com (a fresh tester's finding). Each retry before it names the host the
    same way: "retrying after could not connect (try 2 of 6)" did not (a fresh tester's
    finding)."""
    from backfill_tui.engine import progress as ev
    from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
    from backfill_tui.store import Mirror

    calls: list[httpx.Request] = []
    environment = _offline(calls, httpx.ConnectError)
    environment = Environment(
        clock=environment.clock,
        env={**environment.env, "BACKFILL_GITHUB_API_URL": "https://127.0.0.1:8443"},
        transport=environment.transport,
    )
    mirror = Mirror.open(tmp_path / "m.db")
    engine = Engine(mirror, environment)
    retries: list[ev.RequestRetry] = []
    engine.subscribe(lambda e: retries.append(e) if isinstance(e, ev.RequestRetry) else None)
    run = engine.plan(RunRequest("ws", (SourceSpec.parse("github:acme/rocket"),), depth=7))
    asyncio.run(engine.run(run.id))
    errors = {s.error for s in mirror.streams(run.id)}
    mirror.close()
    assert calls and all(c.url.host == "127.0.0.1" for c in calls)
    assert errors == {"GitHub: gave up after 6 tries (could not connect, 127.0.0.1:8443)"}, errors
    assert {e.line() for e in retries} == {
        f"retrying after could not connect, 127.0.0.1:8443 (try {n} of 6)" for n in range(2, 7)
    }


def _unresolvable(monkeypatch: pytest.MonkeyPatch, base_url: str | None) -> Environment:
    """httpx's own transport on a machine whose resolver knows no name (a mistyped host, or no
    network): ``socket.getaddrinfo`` fails as the C library's does, so the error reaches
    backfill-tui through httpcore and httpx exactly as a real one (respx cannot carry it: it
    raises a side effect's error from its own, replacing the ``gaierror`` cause)."""

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> NoReturn:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    env = dict(GITHUB)
    if base_url is not None:
        env["BACKFILL_GITHUB_API_URL"] = base_url
    return Environment(clock=VirtualClock(start=1_780_000_000.0), env=env)


def test_a_host_that_does_not_resolve_is_said_apart_from_a_refused_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A mistyped BACKFILL_GITHUB_API_URL host (or no network) read "could not connect", as a
    server down does: the user could not tell a typo from an outage (a fresh tester's finding)."""
    from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
    from backfill_tui.store import Mirror

    environment = _unresolvable(monkeypatch, "https://api.githb.com")
    mirror = Mirror.open(tmp_path / "m.db")
    engine = Engine(mirror, environment)
    run = engine.plan(RunRequest("ws", (SourceSpec.parse("github:acme/rocket"),), depth=7))
    asyncio.run(engine.run(run.id))
    errors = {s.error for s in mirror.streams(run.id)}
    mirror.close()
    assert errors == {"GitHub: gave up after 6 tries (could not resolve host, api.githb.com)"}


@pytest.mark.parametrize(
    ("base_url", "access"),
    [
        (
            "https://api.githb.com",
            "cannot reach api.githb.com (could not resolve host: a typo in "
            "BACKFILL_GITHUB_API_URL, or offline?)",
        ),
        (
            None,
            "cannot reach api.github.com (could not resolve host: offline, or DNS not answering?)",
        ),
    ],
)
def test_the_connection_test_says_a_name_did_not_resolve(
    monkeypatch: pytest.MonkeyPatch, base_url: str | None, access: str
) -> None:
    """The app's connection test (ctrl+t) names a name that did not resolve as such, and the
    variable to check when the host came from one."""
    report = asyncio.run(check_source(_unresolvable(monkeypatch, base_url), "github", "acme/x"))
    assert report.outcome == "failed"
    assert report.access == access
    assert report.token == "not checked (from the environment): the host was not reached"


@pytest.mark.parametrize(
    ("base_url", "shown"),
    [("https://127.0.0.1:8443", "127.0.0.1:8443"), ("http://[::1]:8443", "[::1]:8443")],
)
def test_the_connection_test_names_the_host_as_a_run_does(base_url: str, shown: str) -> None:
    """The connection test named the host without the port a run's failure names ("cannot
    reach 127.0.0.1" for a server down on port 8443), and an IPv6 address read "::1:8443"."""
    calls: list[httpx.Request] = []
    offline = _offline(calls, httpx.ConnectError)
    env = {**offline.env, "BACKFILL_GITHUB_API_URL": base_url}
    environment = Environment(clock=offline.clock, env=env, transport=offline.transport)
    report = asyncio.run(check_source(environment, "github", "acme/rocket"))
    assert report.access == (
        f"cannot reach {shown} (could not connect: server down, a wrong port in"
        " BACKFILL_GITHUB_API_URL, or a firewall?)"
    )


NOT_REACHED = "not checked (from the environment): the host was not reached"


REACHED_OR_NOT = [
    (
        httpx.ConnectError,
        "cannot reach api.github.com (could not connect: offline, or a firewall?)",
        NOT_REACHED,
        "failed",
    ),
    (
        httpx.ConnectTimeout,
        "cannot reach api.github.com (timed out connecting: offline, or a firewall?)",
        NOT_REACHED,
        "failed",
    ),
    (
        httpx.ReadTimeout,
        "api.github.com was reached but did not answer in time (timed out waiting for the "
        "answer: a busy server? a run retries it)",
        "not checked (from the environment): the host was reached but did not answer",
        "failed",
    ),
    (
        httpx.WriteTimeout,
        "api.github.com was reached, but the request could not be sent in time (timed out "
        "sending the request: a slow network? a run retries it)",
        "not checked (from the environment): the request could not be sent in full",
        "failed",
    ),
    (
        httpx.RemoteProtocolError,
        "api.github.com was reached but closed the connection without answering "
        "(connection dropped: a proxy, or a server restarting? a run retries it)",
        "not checked (from the environment): the host closed the connection without answering",
        "failed",
    ),
    (
        httpx.ReadError,
        "api.github.com was reached but closed the connection without answering "
        "(connection dropped: a proxy, or a server restarting? a run retries it)",
        "not checked (from the environment): the host closed the connection without answering",
        "failed",
    ),
    (
        httpx.PoolTimeout,
        "no connection to api.github.com came free in time on this machine; test again",
        "not checked (from the environment): no request was sent",
        "unknown",
    ),
]


@pytest.mark.parametrize(
    ("error", "access", "token", "outcome"),
    REACHED_OR_NOT,
    ids=[case[0].__name__ for case in REACHED_OR_NOT],
)
def test_the_connection_test_says_whether_the_host_was_reached(
    respx_mock: respx.MockRouter,
    error: type[httpx.TransportError],
    access: str,
    token: str,
    outcome: str,
) -> None:
    """httpx's own errors as its transport raises them (respx): only a connection that was
    never made (refused, or not taken in time) is "cannot reach" and "the host was not
    reached"; a read timeout is a host that took the request and did not answer (it read
    "cannot reach api.github.com (timed out: …)" and "the host was not reached": a fresh
    tester's finding), a dropped connection one that closed it (it read "access failed: GitHub:
    gave up after 1 try (…)" and the token "sent"), and a pool timeout this machine's."""
    route = respx_mock.get("https://api.github.com/repos/acme/rocket").mock(side_effect=error)
    environment = Environment(clock=VirtualClock(start=1_780_000_000.0), env=dict(GITHUB))
    report = asyncio.run(check_source(environment, "github", "acme/rocket"))
    assert route.call_count == 1
    assert (report.access, report.token, report.outcome) == (access, token, outcome)
    assert report.target == "not checked"


def test_a_test_with_no_answer_in_its_time_does_not_say_the_host_was_not_reached(
    respx_mock: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The test's own limit (``CHECK_TIMEOUT``) may end a connection not yet made or an answer
    not yet come: its token line says only what is known, that no answer came."""
    from backfill_tui.engine import connection

    async def never(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(60)
        raise AssertionError("not reached")

    monkeypatch.setattr(connection, "CHECK_TIMEOUT", 1.0)
    respx_mock.get("https://api.github.com/repos/acme/rocket").mock(side_effect=never)
    environment = Environment(clock=VirtualClock(start=1_780_000_000.0), env=dict(GITHUB))
    report = asyncio.run(check_source(environment, "github", "acme/rocket"))
    assert report.access == "no answer from api.github.com in 1 s"
    assert report.token == "not checked (from the environment): no answer came in 1 s"
