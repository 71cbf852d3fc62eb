"""The Inngest event API client (``export inngest``, ``trigger``) against servers that answer
oddly: found by a fresh tester against real-world answers. Each runs the real client against a
loopback server (``tests/inngest_stub.py`` or one made here) or the CLI in this process.
"""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from inngest_stub import Answer, FakeInngest, self_signed, serving
from support import run_cli, simulated_too

from backfill_tui.export import event_api
from backfill_tui.export.event_api import EventApi, RetryPolicy
from backfill_tui.export.event_batches import encode
from backfill_tui.export.target import ExportError, RetryNotice, SendNotice, WaitNotice

KEY = "evtkey-Odd-secret-3Kq9"


@pytest.fixture
def inngest() -> Iterator[FakeInngest]:
    with serving() as state:
        yield state


@dataclass(frozen=True)
class Event:
    """One event as ``EventApi.send`` takes it (its JSON bytes and their length)."""

    payload: bytes
    size: int


def one_event(n: int = 1) -> list[Event]:
    data = encode({"id": f"odd-{n}", "name": "test/odd", "data": {}})
    return [Event(data, len(data))]


ONE = ("--integration", "int_1", "--workspace", "ws_1", "--org", "org_1", "--provider", "github",
       "--user-source", "us_1")  # fmt: skip


def trigger(capsys: pytest.CaptureFixture[str], url: str, db: Path, *extra: str) -> Any:
    """``backfill-tui trigger`` of one integration (from the flags) to ``url``."""
    return run_cli(
        capsys, "trigger", "--event-key", KEY, "--url", url, "--db", str(db), *ONE, *extra
    )


# -- 1. A Retry-After of no time at all ------------------------------------------------------


@pytest.mark.parametrize(
    "retry_after", ["0", "-30", "Wed, 21 Oct 2015 07:28:00 GMT"], ids=["zero", "negative", "past"]
)
def test_a_retry_after_of_no_time_still_waits_the_ordinary_backoff(
    inngest: FakeInngest, retry_after: str
) -> None:
    """``Retry-After: 0``, a negative number or a date already past had all six tries made
    within a second (no wait at all): the server that had just said it was overloaded got
    no time to recover. Each wait is now at least the backoff the same failure gets without
    the header; the waits are recorded, not timed."""
    inngest.always = Answer(503, retry_after=retry_after)
    waits: list[float] = []
    policy = RetryPolicy()
    api = EventApi(KEY, base_url=inngest.url, sleep=waits.append, retry=policy)
    api.open()
    try:
        with pytest.raises(Exception, match="still failing after 6 attempts"):
            api.send(one_event())
    finally:
        api.close()
    assert len(inngest.requests) == 6 and len(waits) == 5
    for attempt, wait in enumerate(waits, start=1):
        ceiling = min(policy.cap_s, policy.base_s * 2 ** (attempt - 1))
        assert 0 < wait <= ceiling, waits  # the backoff's spread, not six tries in a burst


def test_a_retry_after_longer_than_the_backoff_is_waited_as_asked(inngest: FakeInngest) -> None:
    """The floor only raises a short wait: a server asking for 7 s gets 7 s."""
    inngest.script = {1: Answer(429, retry_after="7")}
    waits: list[float] = []
    api = EventApi(KEY, base_url=inngest.url, sleep=waits.append)
    api.open()
    try:
        assert len(api.send(one_event()).delivered) == 1
    finally:
        api.close()
    assert waits == [7.0]


# -- 2. --url given as the whole event endpoint, key and all ----------------------------------

URL_KEY = "evtkey-InTheUrl-secret-88"


@pytest.mark.parametrize("command", ["export", "trigger"])
@pytest.mark.parametrize("apply", [False, True], ids=["dry-run", "apply"])
def test_a_url_ending_in_e_and_a_key_is_refused_with_the_key_masked(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, inngest: FakeInngest, isolated: Path,
    request: pytest.FixtureRequest, command: str, apply: bool,
) -> None:  # fmt: skip
    """Inngest's docs show the ingest URL as ``https://inn.gs/e/KEY``; given as --url, it was
    taken as the base and every request went to ``/e/KEY/e/KEY``. It is bad input: one line,
    exit 2, nothing sent, naming the base URL and the key's option, the key in it masked."""
    url = f"{inngest.url}/e/{URL_KEY}"
    extra = ["--apply"] if apply else []
    if command == "export":
        mirror = request.getfixturevalue("mirror")
        args = ["export", "inngest", "--event-key", KEY, "--url", url, "--workspace", "demo",
                "--db", str(mirror), *simulated_too(extra)]  # fmt: skip
        result = run_cli(capsys, *args)
    else:
        result = trigger(capsys, url, tmp_path / "m.db", *extra)
    assert result.code == 2, result.err
    assert result.err.count("\n") == 1, result.err
    assert f"--url {inngest.url}/e/*** is Inngest's event endpoint" in result.err, result.err
    assert f"give --url {inngest.url} and the key as --event-key" in result.err, result.err
    assert "INNGEST_EVENT_KEY" in result.err
    assert not inngest.requests
    logs = "".join(p.read_text() for p in isolated.rglob("*.log"))
    for text in (result.out, result.err, logs):
        assert URL_KEY not in text and KEY not in text


@pytest.mark.parametrize("tail", ["/e", "/e/"])
def test_a_url_ending_in_e_alone_is_refused_naming_the_base(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, inngest: FakeInngest, tail: str
) -> None:
    """``https://inn.gs/e`` is the endpoint's path without a key: requests went to /e/e/KEY."""
    result = trigger(capsys, inngest.url + tail, tmp_path / "m.db", "--apply")
    assert result.code == 2 and result.err.count("\n") == 1, result.err
    assert f"give --url {inngest.url} (the key is added" in result.err, result.err
    assert not inngest.requests


# -- 3. https:// to a server that does not speak TLS, or with a certificate not trusted -------


@pytest.mark.parametrize("command", ["export", "trigger"])
def test_https_to_a_plain_http_server_fails_at_once_saying_so(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, inngest: FakeInngest,
    request: pytest.FixtureRequest, command: str,
) -> None:  # fmt: skip
    """``https://`` to a loopback server that speaks plain http (the stand-in) was tried six
    times as "gave no answer (ConnectError)". A TLS failure does not mend itself: one try, exit
    1, and the line says what went wrong."""
    url = inngest.url.replace("http://", "https://")
    host = url.removeprefix("https://")
    if command == "export":
        mirror = request.getfixturevalue("mirror")
        args = ["export", "inngest", "--event-key", KEY, "--url", url, "--workspace", "demo",
                "--db", str(mirror), "--apply", "--include-simulated"]  # fmt: skip
        result = run_cli(capsys, *args)
    else:
        result = trigger(capsys, url, tmp_path / "m.db", "--apply", "--json")
        assert json.loads(result.out)["retries"] == 0
        assert json.loads(result.out)["requests"] == 1
    assert result.code == 1, result.err
    assert f"Inngest at {host} did not answer over TLS (https): is it http://?" in result.err
    assert "; retry " not in result.err and "gave no answer" not in result.err, result.err
    assert result.err.count("\n") == 1, result.err
    assert not inngest.requests and KEY not in result.out + result.err


def test_a_self_signed_certificate_fails_at_once_with_its_reason_and_ssl_cert_file_trusts_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server with a self-signed certificate was tried six times as "gave no answer". Now one
    try, exit 1, with OpenSSL's reason and how to trust a server of one's own, which works."""
    cert, key = self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with serving(tls=context) as server:
        refused = trigger(capsys, server.url, tmp_path / "m.db", "--apply", "--json")
        assert refused.code == 1, refused.err
        assert "sent a TLS certificate that is not accepted (self-signed certificate)" in (
            refused.err
        ), refused.err
        assert "SSL_CERT_FILE" in refused.err and "; retry " not in refused.err
        assert json.loads(refused.out)["retries"] == 0 and not server.requests

        monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # as the line says
        trusted = trigger(capsys, server.url, tmp_path / "m.db", "--apply")
        assert trusted.code == 0, trusted.err
        assert len(server.events) == 1


# -- 4. A server that takes the connection and says nothing -----------------------------------


@pytest.fixture
def quick_silence(monkeypatch: pytest.MonkeyPatch) -> None:
    """The client's timeout at 2 s (30 s in use) and the silence said after 0.1 s (5 s in use),
    so a test of a silent server is quick; the order of the lines does not depend on them."""
    monkeypatch.setattr(event_api, "TIMEOUT_S", 2.0)
    monkeypatch.setattr(event_api, "SILENCE_NOTICE_S", 0.1)


def test_a_silent_request_is_said_once_while_it_waits_then_retried(
    inngest: FakeInngest, quick_silence: None
) -> None:
    """A server that accepted the connection and never answered left the command silent for
    its whole 30 s timeout. The face is told once per request, early, through the path retries
    take (``on_retry``): where it waits and after how long it gives up; never the key."""
    inngest.script = {1: Answer(200, silent=True)}  # the second try is answered
    told: list[SendNotice] = []
    api = EventApi(KEY, base_url=inngest.url, sleep=lambda s: None, on_retry=told.append)
    api.open()
    try:
        assert len(api.send(one_event()).delivered) == 1
    finally:
        api.close()
    host = inngest.url.removeprefix("http://")
    waiting, retry = told  # one line for the silent request (it waited 2 s), none for the next
    assert isinstance(waiting, WaitNotice) and isinstance(retry, RetryNotice), told
    assert waiting.line().startswith(f"waiting for Inngest at {host}: no answer after ")
    # which try, of how many: "gives up after 30s" read as the whole command's limit
    assert waiting.line().endswith("(try 1 of 6, each given up after 2s of silence)"), (
        waiting.line()
    )
    assert retry.problem == "timed out waiting for the answer"
    assert KEY not in waiting.line()


@pytest.mark.parametrize("command", ["export", "trigger"])
def test_the_cli_says_it_is_waiting_for_a_silent_server_before_giving_up(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, inngest: FakeInngest,
    request: pytest.FixtureRequest, quick_silence: None, command: str,
) -> None:  # fmt: skip
    """On stderr, before the retry line: one line saying what the command waits for."""
    inngest.script = {1: Answer(200, silent=True)}
    if command == "export":
        mirror = request.getfixturevalue("mirror")
        args = ["export", "inngest", "--event-key", KEY, "--url", inngest.url, "--workspace",
                "demo", "--db", str(mirror), "--apply", "--include-simulated"]  # fmt: skip
        result = run_cli(capsys, *args)
    else:
        result = trigger(capsys, inngest.url, tmp_path / "m.db", "--apply")
    assert result.code == 0, result.err
    host = inngest.url.removeprefix("http://")
    lines = result.err.splitlines()
    waiting = [n for n, line in enumerate(lines) if line.startswith("waiting for Inngest at")]
    retry = [
        n for n, line in enumerate(lines) if "timed out waiting for the answer; retry 1" in line
    ]
    assert len(waiting) == 1 and len(retry) == 1 and waiting[0] < retry[0], result.err
    assert lines[waiting[0]].startswith(f"waiting for Inngest at {host}: no answer after ")
    assert KEY not in result.err + result.out


# -- 5. A web server that is not Inngest --------------------------------------------------------


@contextmanager
def plain_web_server(folder: Path) -> Iterator[tuple[str, list[str]]]:
    """``python3 -m http.server`` on a free loopback port (its base URL, and the methods it
    was asked): it answers POST with ``501`` and an HTML error page."""
    asked: list[str] = []

    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(folder), **kwargs)

        def send_error(self, code: int, *args: Any, **kwargs: Any) -> None:
            asked.append(self.command)
            super().send_error(code, *args, **kwargs)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", asked
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.mark.parametrize("command", ["export", "trigger"])
def test_a_web_server_that_does_not_take_post_is_said_once_without_its_page(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, request: pytest.FixtureRequest,
    command: str,
) -> None:  # fmt: skip
    """``--url`` at ``python3 -m http.server`` (501 and an HTML page to a POST) was tried six
    times, each retry line and the last line pasting the page's HTML (a fresh tester's
    finding). A 501 does not mend itself: one try, exit 1, one line naming the status and what
    came back, and asking whether the URL is Inngest's."""
    with plain_web_server(tmp_path) as (url, asked):
        if command == "export":
            mirror = request.getfixturevalue("mirror")
            args = ["export", "inngest", "--event-key", KEY, "--url", url, "--workspace",
                    "demo", "--db", str(mirror), "--apply", "--include-simulated"]  # fmt: skip
            result = run_cli(capsys, *args)
        else:
            result = trigger(capsys, url, tmp_path / "m.db", "--apply", "--json")
            assert json.loads(result.out)["requests"] == 1
            assert json.loads(result.out)["retries"] == 0
    host = url.removeprefix("http://")
    assert result.code == 1, result.err
    assert asked == ["POST"]
    assert result.err.count("\n") == 1, result.err
    assert (
        f"Inngest at {host} answered 501 Not Implemented with a web page, not Inngest's JSON: "
        "is --url Inngest's event API?"
    ) in result.err, result.err
    assert "<" not in result.err and "; retry " not in result.err, result.err
    assert KEY not in result.out + result.err


PAGE = "<!DOCTYPE HTML>\n<html><head><title>Bad</title></head><body><h1>Bad</h1></body></html>"


def sent_to(inngest: FakeInngest) -> tuple[list[SendNotice], str]:
    """One event sent to ``inngest`` by the client: what it was told, and the error it raised
    ("" where none)."""
    told: list[SendNotice] = []
    api = EventApi(KEY, base_url=inngest.url, sleep=lambda s: None, on_retry=told.append)
    api.open()
    try:
        api.send(one_event())
    except ExportError as exc:
        return told, str(exc)
    finally:
        api.close()
    return told, ""


@pytest.mark.parametrize(
    ("status", "said"),
    [
        (505, "505 HTTP Version Not Supported"),
        (404, "404 Not Found"),
        (405, "405 Method Not Allowed"),
    ],
)
def test_a_web_page_refusing_for_good_is_named_not_pasted(
    inngest: FakeInngest, status: int, said: str
) -> None:
    """A 505, or a 4xx web page (a web server at a wrong URL), is tried once and named by its
    status with the URL question; the page's HTML is not in the line."""
    inngest.always = Answer(status, page=PAGE)
    told, error = sent_to(inngest)
    host = inngest.url.removeprefix("http://")
    assert error == (
        f"Inngest at {host} answered {said} with a web page, not Inngest's JSON: is --url "
        "Inngest's event API?"
    )
    assert not told and len(inngest.requests) == 1


def test_a_501_in_json_keeps_its_text_and_is_not_retried(inngest: FakeInngest) -> None:
    """A JSON answer's error text is kept as the server wrote it; a 501 still has one try."""
    inngest.always = Answer(501)
    told, error = sent_to(inngest)
    assert "answered 501: try again; it does not take events at this URL" in error, error
    assert not told and len(inngest.requests) == 1


def test_a_proxys_502_page_is_retried_and_named_by_its_status(inngest: FakeInngest) -> None:
    """A proxy's 502 page may pass: it is retried as any 5xx, each retry line naming the status
    and that a web page came back, not the page."""
    inngest.script = {1: Answer(502, page=PAGE)}
    told, error = sent_to(inngest)
    assert not error and len(inngest.requests) == 2
    (retry,) = told
    assert isinstance(retry, RetryNotice)
    assert retry.problem == "answered 502 Bad Gateway with a web page, not Inngest's JSON"


def test_a_refused_connection_is_said_could_not_connect_not_a_class_name() -> None:
    """Inngest on a port nothing listens on: each retry read "gave no answer
    (ConnectError)", httpx's class name, where the README and a run's retries say "could not
    connect" (a fresh tester's finding)."""
    import socket

    with socket.socket() as probe:  # a free loopback port, closed again: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    told: list[SendNotice] = []
    api = EventApi(
        KEY, base_url=f"http://127.0.0.1:{port}", sleep=lambda s: None, on_retry=told.append
    )
    api.open()
    try:
        with pytest.raises(ExportError) as failed:
            api.send(one_event())
    finally:
        api.close()
    problems = {n.problem for n in told if isinstance(n, RetryNotice)}
    assert problems == {"could not connect"}, told
    assert "ConnectError" not in str(failed.value) and KEY not in str(failed.value)
