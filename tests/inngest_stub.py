"""A loopback stand-in for Inngest's event API, for the export tests (e2e and the app's F6).

``FakeInngest`` records every request and answers some with 429 or 500 (deterministically, by
request number); like Inngest it keeps the first event of each id. The ``inngest`` fixture
(registered for every test by conftest's ``pytest_plugins``) serves one on a free 127.0.0.1
port for one test.
"""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest


@dataclass
class Answer:
    status: int
    process: bool = False  # store the events before answering (a 500 after processing)
    retry_after: str | None = None
    #: Take the request and say nothing (no status, no headers) until the server stops: a
    #: server that accepts the connection and never answers.
    silent: bool = False
    #: Answer with this HTML page (``text/html``) instead of a JSON body: a web server's or a
    #: proxy's error page.
    page: str | None = None


@dataclass
class FakeInngest:
    """What the server saw; ``script`` maps a request number (1-based) to a non-200 answer."""

    script: dict[int, Answer] = field(default_factory=dict)
    always: Answer | None = None
    requests: list[tuple[str, bytes]] = field(default_factory=list)
    events: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> first event
    received: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""
    #: When given, each request waits until it is set before being answered (a slow endpoint).
    gate: threading.Event | None = None
    #: Set when the server stops: what a ``silent`` answer waits for.
    stopping: threading.Event = field(default_factory=threading.Event)


def inngest_handler(state: FakeInngest) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            with state.lock:
                state.requests.append((self.path, body))
                number = len(state.requests)
            if state.gate is not None:
                state.gate.wait(timeout=60)
            with state.lock:
                answer = state.always or state.script.get(number, Answer(200, process=True))
            if answer.silent:
                state.stopping.wait(timeout=60)
                self.close_connection = True
                return
            with state.lock:
                events = json.loads(body)
                if answer.process:
                    state.received += len(events)
                    for event in events:
                        state.events.setdefault(event["id"], event)
            if answer.status == 200:
                payload = {"ids": [e["id"] for e in events], "status": 200}
            else:
                payload = {"error": "try again", "status": answer.status}
            data = json.dumps(payload).encode() if answer.page is None else answer.page.encode()
            self.send_response(answer.status)
            kind = "application/json" if answer.page is None else "text/html; charset=utf-8"
            self.send_header("content-type", kind)
            self.send_header("content-length", str(len(data)))
            if answer.retry_after is not None:
                self.send_header("retry-after", answer.retry_after)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:  # keep the test output clean
            pass

    return Handler


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key (PEM files), made by ``openssl``."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("no openssl to make a certificate with")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@contextmanager
def serving(
    state: FakeInngest | None = None, *, tls: ssl.SSLContext | None = None
) -> Iterator[FakeInngest]:
    """A stand-in listening on 127.0.0.1 (``state.url``) until the block ends; over TLS
    (``https://``) with ``tls``, a server-side context holding its certificate."""
    state = state or FakeInngest()
    server = ThreadingHTTPServer(("127.0.0.1", 0), inngest_handler(state))
    scheme = "http"
    if tls is not None:  # a failed handshake is an OSError in accept(): the server drops it
        server.socket = tls.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    state.url = f"{scheme}://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def inngest() -> Iterator[FakeInngest]:
    with serving() as state:
        yield state
