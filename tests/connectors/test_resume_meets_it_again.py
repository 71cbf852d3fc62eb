"""A run's last line offers ``resume`` only while a resume may go further (a fresh tester's
finding, with a stand-in server): Linear at a URL answering 501 (``python3 -m http.server``
refusing the POST) or a 404 page, and a GitHub list answered with a JSON object, each failed
its streams for a cause the resume meets again, yet the last line said "To continue it:
backfill-tui resume ..."; with two sources, one source's "first mend" advice was dropped for a
plain resume as soon as another failed otherwise. respx at the HTTP level, the real connectors
through the CLI (or the engine on a virtual clock, for retries)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import respx
from support import GITHUB_REPO, run_cli

from backfill_tui.cli.drive import ended_line
from backfill_tui.clock import VirtualClock
from backfill_tui.engine import progress as ev
from backfill_tui.engine.environment import Environment
from backfill_tui.engine.report import run_report
from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
from backfill_tui.store import Mirror, RunRecord

LINEAR_URL = "http://127.0.0.1:1/x/graphql"
LINEAR_KEY = "lin_api_resumeMeetsItAgain0123456789abcdef"
VERCEL = "https://api.vercel.com"
VERCEL_TOKEN = "vc_resumeMeetsItAgain000000000"
GITHUB = "https://api.github.com/repos/acme/rocket"
GITHUB_TOKEN = "ghp_resumeMeetsItAgain00000000000000000"
#: What ``python3 -m http.server`` answers a POST.
UNSUPPORTED = (
    '<!DOCTYPE HTML>\n<html lang="en">\n<head><title>Error response</title></head>\n<body>\n'
    "<h1>Error response</h1>\n<p>Error code: 501</p>\n"
    "<p>Message: Unsupported method ('POST').</p>\n</body>\n</html>\n"
)
LINEAR_MEND = "linear:ENG: check the provider's base URL (BACKFILL_LINEAR_API_URL)"
VERCEL_MEND = "vercel:acme/rocket-web: check or replace the token"


def _cli(capsys: pytest.CaptureFixture[str], db: Path, *sources: str) -> tuple[int, str, str]:
    result = run_cli(capsys, "run", *sources, "--workspace", "w", "--db", str(db))
    assert "Traceback" not in result.err
    return result.code, result.err, result.err.strip().splitlines()[-1]


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(501, text=UNSUPPORTED, headers={"content-type": "text/html"}),
        httpx.Response(505, text="HTTP version", headers={"content-type": "text/plain"}),
        httpx.Response(404, text="Not Found", headers={"content-type": "text/plain"}),
        httpx.Response(405, text="Method Not Allowed", headers={"content-type": "text/plain"}),
    ],
    ids=["501", "505", "404", "405"],
)
@respx.mock
def test_linear_not_at_its_graphql_endpoint_says_what_to_mend_not_resume(
    answer: httpx.Response,
    respx_mock: respx.MockRouter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("LINEAR_API_KEY", LINEAR_KEY)
    monkeypatch.setenv("BACKFILL_LINEAR_API_URL", LINEAR_URL)
    respx_mock.post(LINEAR_URL).mock(return_value=answer)
    code, err, last = _cli(capsys, tmp_path / "m.db", "linear:ENG")
    assert code == 1
    assert f"Linear answered {answer.status_code} to the teams query" in err
    assert "backfill-tui resume" not in last, last
    assert last.endswith(f"resuming would fail the same way; first mend {LINEAR_MEND}"), last


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (httpx.Response(200, json={"message": "Moved elsewhere"}), "with an object, not a list"),
        (httpx.Response(204), "with an empty answer, not a list"),
        (httpx.Response(501, text=UNSUPPORTED, headers={"content-type": "text/html"}), "501"),
    ],
    ids=["object", "204", "501"],
)
@respx.mock
def test_a_github_list_answered_with_something_else_says_what_to_mend_not_resume(
    answer: httpx.Response,
    said: str,
    respx_mock: respx.MockRouter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A list's URL answering an object (a proxy's, a wrong base URL's ``{"message": ...}``),
    nothing, or 501 (a server that does not do the request at all) answers the resume the
    same."""
    monkeypatch.setenv("GITHUB_TOKEN", GITHUB_TOKEN)
    respx_mock.get(GITHUB).respond(200, json=GITHUB_REPO)
    respx_mock.get(url__startswith=f"{GITHUB}/").mock(return_value=answer)
    code, err, last = _cli(capsys, tmp_path / "m.db", "github:acme/rocket")
    assert code == 1
    assert said in err, err
    assert "backfill-tui resume" not in last, last
    assert last.endswith(
        "resuming would fail the same way; first mend github:acme/rocket: check the "
        "provider's base URL (BACKFILL_GITHUB_API_URL)"
    ), last


def _vercel_rejects_the_token(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(url__startswith=VERCEL).respond(
        401, json={"error": {"code": "forbidden", "message": "Not authorized"}}
    )


@respx.mock
def test_two_sources_failing_for_good_each_keep_their_mend(
    respx_mock: respx.MockRouter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("VERCEL_TOKEN", VERCEL_TOKEN)
    monkeypatch.setenv("LINEAR_API_KEY", LINEAR_KEY)
    monkeypatch.setenv("BACKFILL_LINEAR_API_URL", LINEAR_URL)
    _vercel_rejects_the_token(respx_mock)
    respx_mock.post(LINEAR_URL).respond(
        501, text=UNSUPPORTED, headers={"content-type": "text/html"}
    )
    code, _err, last = _cli(capsys, tmp_path / "m.db", "vercel:acme/rocket-web", "linear:ENG")
    assert code == 1
    assert "backfill-tui resume" not in last, last
    assert last.endswith(
        f"resuming would fail the same way; first mend {VERCEL_MEND}; {LINEAR_MEND}"
    ), last


@respx.mock
def test_a_mend_and_a_passing_failure_say_the_mend_then_resume(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    """Vercel's token rejected, Linear's server failing (503, retried to the bound on a virtual
    clock): the resume alone would meet the 401 again, so the mend comes first, then the
    resume, not "To continue it: resume" alone."""
    _vercel_rejects_the_token(respx_mock)
    respx_mock.post(LINEAR_URL).respond(503, text="down", headers={"content-type": "text/plain"})
    db = tmp_path / "m.db"
    mirror = Mirror.open(db)
    try:
        engine, run = _vercel_and_linear(mirror)
        assert asyncio.run(engine.run(run.id)) == "failed"
        record = mirror.get_run(run.id)
        assert record is not None
        line = ended_line(mirror, record, f" --db {db}")
    finally:
        mirror.close()
    mend = f"resuming alone would fail the same way; first mend {VERCEL_MEND}; then "
    assert line == (
        f"run {run.id} failed; what was stored is kept; {mend}`backfill-tui resume {run.id} "
        f"--db {db}`"
    )


def _now() -> float:
    return datetime.now(UTC).timestamp()


def _vercel_and_linear(mirror: Mirror) -> tuple[Engine, RunRecord]:
    """An engine on a virtual clock and a run planned of vercel:acme/rocket-web and linear:ENG,
    both tokens given and Linear at ``LINEAR_URL``."""
    env = {
        "VERCEL_TOKEN": VERCEL_TOKEN,
        "LINEAR_API_KEY": LINEAR_KEY,
        "BACKFILL_LINEAR_API_URL": LINEAR_URL,
    }
    engine = Engine(mirror, Environment(clock=VirtualClock(start=_now()), env=env))
    sources = tuple(SourceSpec.parse(s) for s in ("vercel:acme/rocket-web", "linear:ENG"))
    return engine, engine.plan(RunRequest("w", sources))


@respx.mock
def test_a_mend_beside_a_cancelled_stream_is_kept_in_the_report_too(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    """Vercel's token rejected, Linear's streams cancelled while their first query waits (the
    run's task cancelled once Vercel's stream failed): the report's "What was stored is kept"
    line says what to mend, then the resume; it said "backfill-tui resume ... continues the
    run" alone, which meets the 401 again."""
    _vercel_rejects_the_token(respx_mock)

    async def never(request: httpx.Request) -> httpx.Response:
        await asyncio.Future()  # until cancelled
        raise AssertionError("unreachable")

    respx_mock.post(LINEAR_URL).mock(side_effect=never)
    db = tmp_path / "m.db"
    mirror = Mirror.open(db)
    try:
        engine, run = _vercel_and_linear(mirror)

        async def cancel_once_vercel_failed() -> None:
            task = asyncio.create_task(engine.run(run.id))

            def watch(event: ev.ProgressEvent) -> None:
                if isinstance(event, ev.StreamFinished) and event.stream.startswith("vercel:"):
                    task.cancel()

            engine.subscribe(watch)
            with pytest.raises(asyncio.CancelledError):
                await task

        asyncio.run(cancel_once_vercel_failed())
        statuses = {s.key: s.status for s in mirror.streams(run.id)}
        report = run_report(mirror, run.id)
    finally:
        mirror.close()
    assert statuses["vercel:acme/rocket-web/deployment"] == "failed"
    assert {s for k, s in statuses.items() if k.startswith("linear:")} == {"cancelled"}
    assert (
        f"What was stored is kept; resuming alone would fail the same way; first mend "
        f"{VERCEL_MEND}; then backfill-tui resume {run.id} --db {db}."
    ) in report, report
