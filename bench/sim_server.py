"""The simulator served over loopback HTTP, for benchmarks that drive another tool against it.

    with serving("anchor=...,scale=1", latency=0.1) as server:
        server.base_url  # http://127.0.0.1:PORT: GitHub's REST paths under it

One :class:`~backfill_tui.simulator.Simulator` answers every request (its own rules: paging,
``Link`` headers naming this server, quotas), behind a threaded HTTP/1.1 server on 127.0.0.1
only. ``latency`` is slept in the request's own thread before the simulator answers, so
concurrent requests wait side by side as they would on a network; the simulator itself runs
one request at a time (its state is not shared between threads). Nothing leaves the machine.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from backfill_tui.engine.environment import Environment

_HOP_BY_HOP = {"content-length", "content-encoding", "transfer-encoding", "connection"}


class SimServer:
    """A running loopback server; see :func:`serving`."""

    def __init__(self, config: str, latency: float) -> None:
        env = Environment.create(simulate=True, simulator_config=f"{config},latency=0")
        assert env.simulator is not None
        self.simulator = env.simulator
        self.latency = latency
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def requests(self) -> int:
        return len(self.simulator.requests)

    def answer(self, method: str, path: str, headers: dict[str, str]) -> httpx.Response:
        if self.latency:
            time.sleep(self.latency)
        request = httpx.Request(method, self.base_url + path, headers=headers)
        with self._lock:
            response = self._loop.run_until_complete(
                self.simulator.transport.handle_async_request(request)
            )
            self._loop.run_until_complete(response.aread())
        return response

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._loop.close()


def _handler(server: SimServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a client pool expects

        def do_GET(self) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            response = server.answer("GET", self.path, headers)
            body = response.content
            self.send_response(response.status_code)
            for key, value in response.headers.multi_items():
                if key.lower() not in _HOP_BY_HOP:
                    self.send_header(key, value)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:  # quiet
            return None

    return Handler


@contextmanager
def serving(config: str, latency: float = 0.0) -> Iterator[SimServer]:
    """Serve a simulator made from ``config`` (``BACKFILL_SIM`` syntax) until the block ends."""
    server = SimServer(config, latency)
    server.start()
    try:
        yield server
    finally:
        server.stop()
