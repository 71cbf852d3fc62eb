"""A provider's host whose TLS handshake fails ends the source at once, saying why: an
``https://`` base URL (``BACKFILL_GITHUB_API_URL``) on a server that speaks plain http, or one
with a certificate not trusted, was tried six times a stream as "could not connect" (about 25 s
and 30 calls before the run failed, and nothing said TLS). The export had its own words for
it (``http.tls.tls_failure``, now shared); a run now uses them, does not retry, and names what
to mend first, as resuming would fail the same way."""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from inngest_stub import FakeInngest, self_signed
from support import run_cli

from backfill_tui.clock import SystemClock
from backfill_tui.engine.connection import check_source
from backfill_tui.engine.environment import Environment

TOKEN = "ghp_" + "T" * 36


def _run(capsys: pytest.CaptureFixture[str], db: Path) -> tuple[int, str]:
    result = run_cli(
        capsys, "run", "--workspace", "ws", "--days", "7", "--db", str(db),
        "github:acme/rocket",
    )  # fmt: skip
    return result.code, result.err


def test_https_to_a_plain_http_server_fails_the_source_at_once_saying_so(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    inngest: FakeInngest,
) -> None:
    host = inngest.url.removeprefix("http://")
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("BACKFILL_GITHUB_API_URL", f"https://{host}")
    code, err = _run(capsys, tmp_path / "m.db")
    assert code == 1, err
    assert f"GitHub at {host} did not answer over TLS (https): is it http://?" in err, err
    assert "retrying" not in err and "gave up after" not in err and "could not connect" not in err
    assert "resuming would fail the same way" in err and "SSL_CERT_FILE" in err, err
    assert not inngest.requests and TOKEN not in err


class _Refusing(BaseHTTPRequestHandler):
    """Every GET answered 401, as GitHub answers a bad token: one answer ends the source."""

    def do_GET(self) -> None:
        body = b'{"message": "Bad credentials"}'
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def _https(context: ssl.SSLContext) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Refusing)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_a_certificate_not_trusted_fails_at_once_and_ssl_cert_file_trusts_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    with _https(context) as url:
        monkeypatch.setenv("BACKFILL_GITHUB_API_URL", url)
        code, err = _run(capsys, tmp_path / "m.db")
        assert code == 1, err
        assert "sent a TLS certificate that is not accepted (self-signed certificate)" in err, err
        assert "retrying" not in err and "(401)" not in err, err  # no answer was had
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # as the line says: then it is reached
        code, err = _run(capsys, tmp_path / "m2.db")
        assert code == 1 and "TLS" not in err, err
        assert "authentication failed (401)" in err, err  # the server's own answer, over TLS


def test_the_connection_test_says_the_tls_failure_and_that_the_token_was_not_checked(
    inngest: FakeInngest,
) -> None:
    """The app's ctrl+t: the same words, one try, and the token not called "sent". The host
    was reached (the handshake failed there), so the lines say that, in the form an unreachable
    host's take ("cannot reach HOST …"): they read "access failed: GitHub at HOST …" and "the
    host was not reached" (a fresh tester's finding)."""
    host = inngest.url.removeprefix("http://")
    env = {"GITHUB_TOKEN": TOKEN, "BACKFILL_GITHUB_API_URL": f"https://{host}"}
    environment = Environment(clock=SystemClock(), env=env)
    report = asyncio.run(check_source(environment, "github", "acme/rocket"))
    assert report.outcome == "failed"
    assert report.access == (
        f"cannot reach {host} securely: it did not answer over TLS (https): is it http://? "
        "(plain http is for a dev server on this machine)"
    ), report
    assert report.token == (
        "not checked (from the environment): the TLS handshake failed, so no request was sent"
    )
    assert report.target == "not checked" and report.api_calls == 1


def test_the_connection_test_says_a_certificate_not_trusted_the_same_way(
    tmp_path: Path,
) -> None:
    cert, key = self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with _https(context) as url:
        env = {"GITHUB_TOKEN": TOKEN, "BACKFILL_GITHUB_API_URL": url}
        environment = Environment(clock=SystemClock(), env=env)
        report = asyncio.run(check_source(environment, "github", "acme/rocket"))
    host = url.removeprefix("https://")
    assert report.outcome == "failed"
    assert report.access.startswith(
        f"cannot reach {host} securely: it sent a TLS certificate that is not accepted "
        "(self-signed certificate); for a server whose certificate you trust, set SSL_CERT_FILE"
    ), report
    assert report.token.endswith("the TLS handshake failed, so no request was sent"), report
