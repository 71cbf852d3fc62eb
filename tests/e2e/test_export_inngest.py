"""``backfill-tui export inngest`` against a loopback server that answers like Inngest's event API
(the stand-in is ``tests/inngest_stub.py``).

The server records every request, answers some with 429 or 500 (deterministically, by request
number) and, like Inngest, keeps the first event of each id: a 500 after "processing" makes the
client send a batch again, and the repeats must collapse to exactly the mirror's observations.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from inngest_stub import Answer, FakeInngest
from support import run_cli, simulated_too

from backfill_tui.export import (
    ExportProgress,
    InngestTarget,
    RetryPolicy,
    apply_export,
    export_status,
    plan_export,
)
from backfill_tui.export.event_endpoint import endpoint, ledger_target
from backfill_tui.export.inngest import EVENT_NAME, event_id

KEY = "evtkey-Zx81-secret-Q42"


def mirror_rows(db: Path) -> dict[str, dict[str, Any]]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        rows = conn.execute("SELECT * FROM observations WHERE workspace_id = 'demo'")
        return {r["source_id"]: dict(r) for r in rows}
    finally:
        conn.close()


def export(capsys: pytest.CaptureFixture[str], db: Path, url: str, *extra: str) -> Any:
    return run_cli(
        capsys, "export", "inngest", "--event-key", KEY, "--url", url, "--workspace", "demo",
        "--db", str(db), *simulated_too(extra),
    )  # fmt: skip


def test_every_observation_arrives_once_per_event_id_despite_429_and_500(
    capsys: pytest.CaptureFixture[str], mirror: Path, inngest: FakeInngest, isolated: Path
) -> None:
    inngest.script = {
        1: Answer(429, retry_after="0"),
        3: Answer(500, process=True),  # processed, then failed: the retry repeats the batch
        4: Answer(503),
    }
    result = export(capsys, mirror, inngest.url, "--clerk-org", "org_123", "--apply", "--json")
    assert result.code == 0, result.err
    # Each retry is said on stderr before its wait (a long Retry-After was minutes of silence).
    host = inngest.url.split("//")[1].rstrip("/")
    assert f"Inngest at {host} answered 429: " in result.err, result.err
    assert result.err.count("; retry ") == 3 and "; retry 1 of 5 in 0." in result.err
    assert "answered 500: " in result.err and "answered 503: " in result.err
    expected = mirror_rows(mirror)
    summary = json.loads(result.out)
    assert summary["written"] == len(expected) and summary["retries"] == 3

    # Repeats reached the server; deduped by id, as Inngest does, they are the mirror exactly.
    assert inngest.received > len(expected)
    by_source = {e["data"]["sourceEvent"]["sourceId"]: e for e in inngest.events.values()}
    assert set(by_source) == set(expected)
    assert len(inngest.events) == len(expected)
    for source_id, event in by_source.items():
        row = expected[source_id]
        assert event["name"] == EVENT_NAME
        assert event["id"] == event_id("demo", source_id)
        data = event["data"]
        assert data["workspaceId"] == "demo" and data["clerkOrgId"] == "org_123"
        assert data["ingestionSource"] == "backfill"
        source_event = data["sourceEvent"]
        assert source_event["body"] == row["content"] and source_event["title"] == row["title"]
        assert source_event["sourceType"] == row["source_type"]
        assert source_event["occurredAt"] == row["occurred_at"]
        assert source_event["metadata"] == json.loads(row["metadata"])
        assert source_event["references"] == json.loads(row["source_references"])
        assert source_event.get("actor") == (json.loads(row["actor"]) if row["actor"] else None)

    # Batches stay within the limits; the key never shows outside the URL path.
    for path, body in inngest.requests:
        assert path == f"/e/{KEY}"
        assert len(body) <= 250_000 and len(json.loads(body)) <= 100
    logs = "".join(p.read_text() for p in isolated.rglob("*.log"))
    assert "retry" in logs  # the retries were logged ...
    for text in (result.out, result.err, logs):
        assert KEY not in text  # ... without the key
    assert KEY.encode() not in mirror.read_bytes()


def test_a_second_export_sends_nothing_new(
    capsys: pytest.CaptureFixture[str], mirror: Path, inngest: FakeInngest
) -> None:
    first = export(capsys, mirror, inngest.url, "--apply")
    assert first.code == 0, first.err
    total = len(mirror_rows(mirror))
    assert first.out.startswith(
        f"sent {total} observations of workspace demo to Inngest at 127.0.0.1:"
    )
    seen = len(inngest.requests)
    host = ledger_target(inngest.url.removeprefix("http://"), KEY)  # host and key
    assert export_status(mirror, "demo") == {("inngest", host): total}

    dry = export(capsys, mirror, inngest.url)
    assert "nothing new to send" in dry.out
    again = export(capsys, mirror, inngest.url, "--apply")
    assert again.code == 0
    assert again.out.startswith("nothing new: 0 observations sent")
    assert f"{total} skipped (already sent, as the mirror records)" in again.out
    assert len(inngest.requests) == seen


def test_the_progress_and_help_say_sent_of_events_as_the_app_does(
    capsys: pytest.CaptureFixture[str],
    mirror: Path,
    inngest: FakeInngest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Events are sent, not written: the batch lines on a terminal said "100 written" (the
    app's export screen too: a fresh tester's finding), and `export inngest --help` offered to
    "really write/send". Postgres's rows are still written."""
    import sys

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)  # the batch lines go to a terminal
    done = export(capsys, mirror, inngest.url, "--apply")
    assert done.code == 0, done.err
    assert "batch 1: 100 sent\n" in done.err and "written" not in done.err, done.err
    inngest_help = run_cli(capsys, "export", "inngest", "--help").out
    postgres_help = run_cli(capsys, "export", "postgres", "--help").out
    assert "really send (default: a dry run)" in " ".join(inngest_help.split())
    assert "really write (default: a dry run)" in " ".join(postgres_help.split())


def test_dry_run_sends_nothing_and_leaves_the_mirror_alone(
    capsys: pytest.CaptureFixture[str], mirror: Path, inngest: FakeInngest
) -> None:
    before = hashlib.sha256(mirror.read_bytes()).hexdigest()
    files = sorted(p.name for p in mirror.parent.iterdir())
    dry = export(capsys, mirror, inngest.url, "--json")
    assert dry.code == 0, dry.err
    plan = json.loads(dry.out)
    total = len(mirror_rows(mirror))
    assert plan["dry_run"] is True and plan["would_write"] == total and plan["skipped"] == 0
    assert plan["batches"] == -(-total // 100) and len(plan["sample"]) == 5
    assert inngest.requests == []
    assert hashlib.sha256(mirror.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in mirror.parent.iterdir()) == files


def test_batches_respect_a_byte_limit(mirror: Path, inngest: FakeInngest) -> None:
    target = InngestTarget(KEY, base_url=inngest.url, max_bytes=20_000, max_events=1000)
    plan = plan_export(mirror, target, "demo")
    assert len(plan.batch_sizes) > 3
    result = apply_export(plan)
    assert result.written == len(mirror_rows(mirror))
    assert len(inngest.requests) == len(plan.batch_sizes)
    assert all(len(body) <= 20_000 for _, body in inngest.requests)
    assert len(inngest.events) == result.written


def test_retry_after_is_respected_and_retries_are_bounded(
    mirror: Path, inngest: FakeInngest
) -> None:
    waits: list[float] = []
    inngest.script = {1: Answer(429, retry_after="7")}
    policy = RetryPolicy(attempts=3, base_s=0.25, cap_s=1.0)
    target = InngestTarget(KEY, base_url=inngest.url, retry=policy, sleep=waits.append)
    apply_export(plan_export(mirror, target, "demo"))
    assert waits[0] == 7.0

    inngest.always = Answer(500)
    waits.clear()
    fresh = InngestTarget(KEY, base_url=inngest.url, retry=policy, sleep=waits.append)
    with sqlite3.connect(mirror) as conn:
        conn.execute("DELETE FROM exports")
    before = len(inngest.requests)
    with pytest.raises(Exception, match="still failing after 3 attempts") as info:
        apply_export(plan_export(mirror, fresh, "demo"))
    assert KEY not in str(info.value)
    assert len(inngest.requests) - before == 3
    assert len(waits) == 2 and all(0 <= w <= 1.0 for w in waits)


def test_a_refused_key_is_exit_1_and_a_bad_url_exit_2_each_one_line(
    capsys: pytest.CaptureFixture[str], mirror: Path, inngest: FakeInngest, isolated: Path
) -> None:
    """A key refused once sending has begun is the destination failing (exit 1), as a rejected
    token fails its stream; a bad URL or workspace is bad input (exit 2)."""
    inngest.always = Answer(401)
    refused = export(capsys, mirror, inngest.url, "--apply")
    assert refused.code == 1
    assert refused.err.count("\n") == 1 and "refused the event key (401)" in refused.err

    bad_url = export(capsys, mirror, "ftp://example", "--apply")
    assert bad_url.code == 2 and "--url must be an http(s) URL" in bad_url.err

    nothing = run_cli(
        capsys, "export", "inngest", "--event-key", KEY, "--workspace", "ghost",
        "--db", str(mirror),
    )  # fmt: skip
    assert nothing.code == 2 and "no observations for workspace 'ghost'" in nothing.err

    logs = "".join(p.read_text() for p in isolated.rglob("*.log"))
    for text in (refused.out, refused.err, bad_url.err, nothing.err, logs):
        assert KEY not in text


def test_a_cancelled_export_keeps_what_it_sent_and_the_next_one_sends_the_rest(
    mirror: Path, inngest: FakeInngest
) -> None:
    """What a terminal UI does: apply in a worker, stop between batches, export again later."""
    cancel = threading.Event()
    steps: list[ExportProgress] = []

    def progress(step: ExportProgress) -> None:
        steps.append(step)
        cancel.set()

    plan = plan_export(mirror, InngestTarget(KEY, base_url=inngest.url), "demo")
    first = apply_export(plan, progress=progress, cancel=cancel)
    assert first.cancelled and first.batches == 1 and first.written == 100
    assert steps == [ExportProgress(1, len(plan.batch_sizes), 100, 0, plan.would_write - 100)]

    rest = plan_export(mirror, InngestTarget(KEY, base_url=inngest.url), "demo")
    assert rest.skipped == 100 and rest.would_write == plan.would_write - 100
    assert apply_export(rest).written == plan.would_write - 100
    assert (
        len(inngest.events)
        == plan.would_write
        == sum(len(json.loads(b)) for _, b in inngest.requests)
    )


def _cancelled_with_a_batch_under_way(
    mirror: Path, inngest: FakeInngest
) -> tuple[Any, threading.Thread, list[Any]]:
    """An export applied on a worker thread (as the app does), cancelled once its first
    request has reached the stand-in: (its plan, the worker, where its result lands)."""
    cancel = threading.Event()
    plan = plan_export(mirror, InngestTarget(KEY, base_url=inngest.url), "demo")
    ended: list[Any] = []
    worker = threading.Thread(
        target=lambda: ended.append(apply_export(plan, cancel=cancel)), daemon=True
    )
    worker.start()
    while not inngest.requests:
        worker.join(0.01)
    cancel.set()
    return plan, worker, ended


def test_a_cancel_leaves_a_silent_servers_batch_after_its_grace_and_the_next_export_sends_it(
    mirror: Path, inngest: FakeInngest
) -> None:
    """A server that takes a batch and says nothing held a cancelled (or quitting) export for
    its whole 30 s timeout (a fresh tester's finding). Once cancelled, the batch under way has
    STOP_GRACE_S to be answered; then the export ends, that batch not recorded as sent. The
    next export sends it again, and Inngest keeps one event per id."""
    from backfill_tui.export.event_api import STOP_GRACE_S

    inngest.gate = threading.Event()  # the first batch gets no answer until the gate opens
    plan, worker, ended = _cancelled_with_a_batch_under_way(mirror, inngest)
    worker.join(STOP_GRACE_S + 5)  # not the 30 s timeout
    assert not worker.is_alive() and ended, "the export still waits for the silent server"
    first = ended[0]
    assert first.cancelled and first.written == 0 and first.batches == 0

    inngest.gate.set()  # the batch left behind is answered now, and taken
    inngest.gate = None
    rest = plan_export(mirror, InngestTarget(KEY, base_url=inngest.url), "demo")
    assert rest.would_write == plan.would_write  # nothing was recorded as sent
    assert apply_export(rest).written == plan.would_write
    assert len(inngest.events) == plan.would_write  # the repeat collapsed by its id


def test_a_cancel_keeps_the_batch_answered_within_its_grace(
    mirror: Path, inngest: FakeInngest
) -> None:
    """A slow server that answers within the grace: the batch under way lands and is recorded."""
    inngest.gate = threading.Event()
    _, worker, ended = _cancelled_with_a_batch_under_way(mirror, inngest)
    worker.join(0.3)
    inngest.gate.set()  # answered well within the grace
    worker.join(10)
    assert ended and ended[0].cancelled and ended[0].written == 100
    assert len(inngest.requests) == 1


@pytest.mark.parametrize(
    ("content_type", "body", "said"),
    [
        ("text/html", b"<html><body>Welcome</body></html>", "answered 200 with text/html, not as"),
        ("application/json", b'{"ids": [], "status": 200}', "answered 200 with 0 event ids"),
        ("application/json", b'{"status": "weird", "ids": null}', "answered 200 with no event ids"),
    ],
)
def test_an_answer_that_is_not_inngests_sends_nothing_on_record(
    content_type: str, body: bytes, said: str,
    capsys: pytest.CaptureFixture[str], mirror: Path, inngest: FakeInngest,
) -> None:  # fmt: skip
    """A server answering 200 with a page (a wrong path, a proxy), or with JSON that names no
    event id, had every batch counted as sent, and the next export to the right URL skipped
    them all (fresh testers' findings). The export fails (exit 1) saying so, and records
    nothing."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Page(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", 0)))
            self.send_response(200)
            self.send_header("content-type", content_type)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        wrong = export(capsys, mirror, f"http://127.0.0.1:{server.server_port}/", "--apply")
    finally:
        server.shutdown()
    assert wrong.code == 1, wrong.err
    assert said in wrong.err, wrong.err
    right = export(capsys, mirror, inngest.url, "--apply", "--json")
    assert right.code == 0 and json.loads(right.out)["written"] == len(mirror_rows(mirror))


@pytest.mark.parametrize("url", ["http://events.example.com", "http://10.0.0.7:8288"])
def test_plain_http_to_another_machine_is_refused_before_the_key_is_sent(
    capsys: pytest.CaptureFixture[str], mirror: Path, url: str
) -> None:
    """The event key is part of every request's path: over plain http to another machine it
    would cross the network readable. Refused as bad input (exit 2) before anything is sent."""
    result = export(capsys, mirror, url, "--apply")
    assert result.code == 2 and result.err.count("\n") == 1
    assert "is plain http to" in result.err and "use https" in result.err
    assert KEY not in result.err
    with sqlite3.connect(mirror) as conn:
        assert conn.execute("SELECT count(*) FROM exports").fetchone()[0] == 0


@pytest.mark.parametrize(
    "url",
    ["http://localhost:8288", "http://127.0.0.2:8288/", "http://[::1]:8288", "http://a.localhost"],
)
def test_plain_http_stays_open_to_a_dev_server_on_this_machine(url: str) -> None:
    """Loopback (Inngest's dev server, ``inngest dev`` on 8288) may be plain http; the export
    tests above send to one."""
    host, base = endpoint(url)
    assert base.startswith("http://") and host in base


def test_another_event_key_on_the_same_host_is_another_destination(
    capsys: pytest.CaptureFixture[str], mirror: Path, inngest: FakeInngest
) -> None:
    """Inngest Cloud serves every environment at inn.gs, the event key telling them apart:
    keyed by host alone, an export to staging made the production one skip everything as
    "already sent" (a fresh tester's finding). The ledger keys by host and key fingerprint."""
    total = len(mirror_rows(mirror))
    staging = export(capsys, mirror, inngest.url, "--apply", "--json")
    assert staging.code == 0 and json.loads(staging.out)["written"] == total
    args = ["export", "inngest", "--event-key", "evtkey-production-77", "--url", inngest.url,
            "--workspace", "demo", "--db", str(mirror), "--apply", "--json",
            "--include-simulated"]  # fmt: skip
    production = run_cli(capsys, *args)
    assert production.code == 0 and json.loads(production.out)["written"] == total
    again = run_cli(capsys, *args)
    assert again.code == 0 and json.loads(again.out)["written"] == 0
    assert "evtkey-production-77" not in production.out + production.err + again.out
    host = inngest.url.removeprefix("http://")
    assert export_status(mirror, "demo") == {
        ("inngest", ledger_target(host, KEY)): total,
        ("inngest", ledger_target(host, "evtkey-production-77")): total,
    }


def test_a_servers_error_text_reaches_the_terminal_without_its_escapes() -> None:
    """A 503 page holding ESC sequences was printed raw on every retry line (a fresh tester's
    finding): the server's text is one short line with control characters removed."""
    from backfill_tui.export.event_answers import error_text

    page = "<html><p>Service Unavailable \x1b[31mRED\x1b[0m</p>\n<p>later</p></html>"
    said = error_text(httpx.Response(503, text=page, headers={"content-type": "text/html"}))
    assert "\x1b" not in said and "\n" not in said
    assert "Service Unavailable" in said and len(said) <= 200


def test_a_token_given_as_the_clerk_org_is_refused_and_not_echoed(
    capsys: pytest.CaptureFixture[str], mirror: Path, inngest: FakeInngest
) -> None:
    """A token as --clerk-org went into every event sent, in clear (a fresh tester's finding):
    refused in one line (exit 2) that does not repeat it; nothing is sent."""
    token = "ghp_" + "Kk7" * 12
    for mode in ("--dry-run", "--apply"):
        result = export(capsys, mirror, inngest.url, "--clerk-org", token, mode)
        assert result.code == 2, result.err
        assert "the Clerk org holds what looks like a token (not shown)" in result.err
        assert token not in result.err + result.out
    assert not inngest.events
