"""Every value the mirror can hold, against what production's Postgres table and Inngest's JSON
accept (issue 9, item 5): one bad value never sinks a batch, the summary says what was changed,
the dry run predicts the apply exactly, and a target's own failure is exit 1, not bad input.

Each case starts from a real simulated backfill, then puts one awkward value into the mirror
(as a provider could hand it over, or another writer could store it) and exports through the
CLI to the real PostgreSQL server of ``conftest_pg`` or a loopback Inngest look-alike.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psycopg
import pytest
from conftest_pg import PgServer
from support import CliResult, run_cli, simulated_too

from backfill_tui.export import InngestTarget, apply_export, plan_export
from backfill_tui.export.values import (
    BAD_SCORE,
    NAIVE_TIME,
    NON_FINITE,
    NUL,
    SECONDS_OFFSET,
    SURROGATE,
)

TABLE = "lightfast_workspace_neural_observations"
KEY = "evtkey-values-Q42"


def keep_only(db: Path, count: int) -> list[str]:
    """Cut the mirror down to its first ``count`` observations; returns their sourceIds."""
    with sqlite3.connect(db) as conn:
        ids = [
            r[0] for r in conn.execute("SELECT id FROM observations ORDER BY id LIMIT ?", (count,))
        ]
        conn.execute(f"DELETE FROM observations WHERE id NOT IN ({','.join('?' * len(ids))})", ids)
        return [r[0] for r in conn.execute("SELECT source_id FROM observations ORDER BY id")]


def set_value(db: Path, source_id: str, column: str, value: Any) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute(
            f"UPDATE observations SET {column} = ? WHERE source_id = ?", (value, source_id)
        )


def pg_export(capsys: pytest.CaptureFixture[str], db: Path, dsn: str, *extra: str) -> CliResult:
    return run_cli(
        capsys, "export", "postgres", "--dsn", dsn, "--workspace", "demo", "--db", str(db),
        *simulated_too(extra),
    )  # fmt: skip


def pg_rows(server: PgServer, dbname: str) -> dict[str, dict[str, Any]]:
    with (
        server.admin_connect(dbname) as conn,
        conn.cursor(row_factory=psycopg.rows.dict_row) as cur,
    ):
        cur.execute(f"SELECT * FROM {TABLE}")  # type: ignore[arg-type]
        return {r["source_id"]: r for r in cur.fetchall()}


def dry_then_apply(
    capsys: pytest.CaptureFixture[str], db: Path, dsn: str
) -> tuple[dict[str, Any], dict[str, Any], CliResult]:
    """The dry run's JSON, the apply's JSON and the apply's result; checks the prediction."""
    dry = pg_export(capsys, db, dsn, "--json")
    assert dry.code == 0, dry.err
    plan = json.loads(dry.out)
    done = pg_export(capsys, db, dsn, "--apply", "--json")
    result = json.loads(done.out)
    for key in ("skipped", "changed_values", "refused", "refused_reasons", "batches"):
        assert plan[key] == result[key], key
    assert plan["would_write"] == result["written"]
    return plan, result, done


# -- PostgreSQL ----------------------------------------------------------------------------


def test_a_nul_in_an_issue_title_and_body_is_replaced_and_both_rows_are_written(
    capsys: pytest.CaptureFixture[str], mirror: Path, pg_server: PgServer, pg_db: str
) -> None:
    """The issue's own case: 0 of 2 rows and exit 2 before; now 2 of 2, two values changed."""
    first, second = keep_only(mirror, 2)
    set_value(mirror, first, "title", "Crash on \x00 in input")
    set_value(mirror, first, "content", "body with a NUL \x00 inside")
    pg_server.create_production_table(pg_db)

    _plan, result, done = dry_then_apply(capsys, mirror, pg_server.dsn(pg_db))
    assert done.code == 0, done.err
    assert result["written"] == 2 and result["refused"] == 0
    assert result["changed_values"] == {NUL: 2}
    rows = pg_rows(pg_server, pg_db)
    assert rows[first]["title"] == "Crash on \ufffd in input"
    assert rows[first]["content"] == "body with a NUL \ufffd inside"
    assert second in rows

    text = pg_export(capsys, mirror, pg_server.dsn(pg_db))  # nothing new, says so
    assert text.code == 0 and "nothing new to send" in text.out


@pytest.mark.parametrize("stored", ["high", "NaN", b"\x01"], ids=["word", "nan-text", "blob"])
def test_a_hand_edited_score_that_is_no_number_is_nulled_and_the_dry_run_says_so(
    capsys: pytest.CaptureFixture[str],
    mirror: Path,
    pg_server: PgServer,
    pg_db: str,
    stored: object,
) -> None:
    """A text significance score (a hand edit with sqlite3) was an internal TypeError that
    failed the export and its dry run (exit 70); where nothing else needed cleaning, the dry
    run said "would write 3" and the table then refused the row (a fresh tester's finding)."""
    first, *_ = keep_only(mirror, 3)
    set_value(mirror, first, "significance_score", stored)
    pg_server.create_production_table(pg_db)

    _plan, result, done = dry_then_apply(capsys, mirror, pg_server.dsn(pg_db))
    assert done.code == 0, done.err
    assert result["written"] == 3 and result["refused"] == 0
    assert result["changed_values"] == {BAD_SCORE: 1}
    assert pg_rows(pg_server, pg_db)[first]["significance_score"] is None


@pytest.mark.parametrize(
    ("column", "stored", "kinds", "check"),
    [
        ("metadata", '{"deliveryId":"d","note":"a\\u0000b"}', {NUL: 1},
         lambda v: v["note"] == "a\ufffdb"),
        ("metadata", '{"deliveryId":"d","note":"raw \x00 nul"}', {NUL: 1},
         lambda v: v["note"] == "raw \ufffd nul"),
        ("metadata", '{"deliveryId":"d","half":"\\ud83d alone"}', {SURROGATE: 1},
         lambda v: v["half"] == "\ufffd alone"),
        ("metadata", '{"deliveryId":"d","pair":"\\ud83d\\ude00"}', {},
         lambda v: v["pair"] == "\U0001f600"),
        ("metadata", '{"deliveryId":"d","score":NaN,"top":Infinity}', {NON_FINITE: 1},
         lambda v: v["score"] is None and v["top"] is None),
        ("actor", '{"id":"1","name":"x\\u0000y"}', {NUL: 1},
         lambda v: v["name"] == "x\ufffdy"),
        ("source_references", '[{"type":"label","id":"bug\\u0000"}]', {NUL: 1},
         lambda v: v[0]["id"] == "bug\ufffd"),
        ("metadata", '{"deliveryId":"d","key\\u0000":"v"}', {NUL: 1},
         lambda v: v["key\ufffd"] == "v"),
    ],
    ids=["nul-escape", "raw-nul", "lone-surrogate", "surrogate-pair-kept", "nan-infinity",
         "actor-nul", "references-nul", "nul-in-key"],
)  # fmt: skip
def test_json_values_jsonb_refuses_are_made_storable(
    capsys: pytest.CaptureFixture[str],
    mirror: Path,
    pg_server: PgServer,
    pg_db: str,
    column: str,
    stored: str,
    kinds: dict[str, int],
    check: Any,
) -> None:
    target, *_ = keep_only(mirror, 3)
    set_value(mirror, target, column, stored)
    pg_server.create_production_table(pg_db)
    _, result, done = dry_then_apply(capsys, mirror, pg_server.dsn(pg_db))
    assert done.code == 0, done.err
    assert result["written"] == 3 and result["changed_values"] == kinds
    assert check(pg_rows(pg_server, pg_db)[target][column])


def test_text_that_is_not_utf8_in_the_mirror_is_replaced_not_fatal(
    capsys: pytest.CaptureFixture[str], mirror: Path, pg_server: PgServer, pg_db: str
) -> None:
    """SQLite's TEXT can hold bytes that are not UTF-8 (another writer, a damaged copy)."""
    target, *_ = keep_only(mirror, 3)
    with sqlite3.connect(mirror) as conn:  # "ok \xff end": 0xff is never valid UTF-8
        conn.execute(
            "UPDATE observations SET title = CAST(X'6f6b20ff20656e64' AS TEXT) WHERE source_id = ?",
            (target,),
        )
    pg_server.create_production_table(pg_db)
    _, result, done = dry_then_apply(capsys, mirror, pg_server.dsn(pg_db))
    assert done.code == 0, done.err
    assert result["written"] == 3 and result["changed_values"] == {SURROGATE: 1}
    assert pg_rows(pg_server, pg_db)[target]["title"] == "ok \ufffd end"


def test_a_very_long_body_is_written_whole(
    capsys: pytest.CaptureFixture[str], mirror: Path, pg_server: PgServer, pg_db: str
) -> None:
    target, *_ = keep_only(mirror, 3)
    body = "long line of text \u00e9\u4e2d\U0001f600 " * 60_000  # about 1.5 MB of UTF-8
    set_value(mirror, target, "content", body)
    pg_server.create_production_table(pg_db)
    _, result, done = dry_then_apply(capsys, mirror, pg_server.dsn(pg_db))
    assert done.code == 0, done.err
    assert result["changed_values"] == {}
    assert pg_rows(pg_server, pg_db)[target]["content"] == body


@pytest.mark.parametrize(
    ("stored", "instant", "kinds"),
    [
        ("2026-01-10T05:45:00+05:45", datetime(2026, 1, 10, tzinfo=UTC), {}),
        ("2026-01-10T14:00:00+14:00", datetime(2026, 1, 10, tzinfo=UTC), {}),
        ("2026-01-09T12:00:00-12:00", datetime(2026, 1, 10, tzinfo=UTC), {}),
        ("2026-01-10T00:00:00Z", datetime(2026, 1, 10, tzinfo=UTC), {}),
        ("2026-01-10T00:00:00.123456789+00:00",
         datetime(2026, 1, 10, 0, 0, 0, 123456, tzinfo=UTC), {}),
        ("2026-01-10 00:00:00", datetime(2026, 1, 10, tzinfo=UTC), {NAIVE_TIME: 1}),
        ("2026-01-10T05:53:28+05:53:28", datetime(2026, 1, 10, tzinfo=UTC), {SECONDS_OFFSET: 1}),
    ],
    ids=["nepal", "kiribati", "baker-island", "zulu", "nanoseconds", "no-zone", "lmt-seconds"],
)  # fmt: skip
def test_odd_time_zones_keep_their_instant(
    capsys: pytest.CaptureFixture[str],
    mirror: Path,
    pg_server: PgServer,
    pg_db: str,
    stored: str,
    instant: datetime,
    kinds: dict[str, int],
) -> None:
    target, *_ = keep_only(mirror, 3)
    set_value(mirror, target, "occurred_at", stored)
    pg_server.create_production_table(pg_db)
    with pg_server.admin_connect(pg_db) as conn:  # a server far from UTC must not shift it
        conn.execute(f"ALTER DATABASE {pg_db} SET timezone TO 'America/St_Johns'")  # type: ignore[arg-type]
    _, result, done = dry_then_apply(capsys, mirror, pg_server.dsn(pg_db))
    assert done.code == 0, done.err
    assert result["changed_values"] == kinds
    got = pg_rows(pg_server, pg_db)[target]["occurred_at"]
    assert got - instant == timedelta(0)


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("source_id", "github:acme/rocket:issue:" + "9" * 300, "source_id is 325 characters; the column holds 255"),
        ("metadata", "{not json", "metadata is not JSON"),
        ("occurred_at", "last tuesday", "occurred_at 'last tuesday' is not an ISO-8601 timestamp"),
        ("source_type", "x" * 101, "source_type is 101 characters; the column holds 100"),
    ],
    ids=["source-id-too-long", "json-broken", "time-not-iso", "source-type-too-long"],
)  # fmt: skip
def test_a_value_no_rule_can_store_refuses_its_row_only(
    capsys: pytest.CaptureFixture[str],
    mirror: Path,
    pg_server: PgServer,
    pg_db: str,
    column: str,
    value: str,
    reason: str,
) -> None:
    target, *_ = keep_only(mirror, 4)
    set_value(mirror, target, column, value)
    pg_server.create_production_table(pg_db)
    dsn = pg_server.dsn(pg_db)
    _plan, result, done = dry_then_apply(capsys, mirror, dsn)
    assert done.code == 1  # not everything could be written
    assert result["written"] == 3 and result["refused"] == 1
    assert result["refused_reasons"] == {reason: 1}
    assert "1 observation refused" in done.err and done.err.count("\n") == 1
    assert len(pg_rows(pg_server, pg_db)) == 3

    text = pg_export(capsys, mirror, dsn)
    assert text.code == 0 and re.search(r"would refuse +1 ", text.out) and reason in text.out


def test_a_row_the_tables_own_check_refuses_does_not_sink_its_batch(
    capsys: pytest.CaptureFixture[str], mirror: Path, pg_server: PgServer, pg_db: str
) -> None:
    """A rule only the server knows (a CHECK constraint here; a trigger or a foreign key is the
    same): the batch is split until the row at fault is found, the rest are written."""
    rows = keep_only(mirror, 40)
    set_value(mirror, rows[17], "title", "FORBIDDEN title")
    pg_server.create_production_table(pg_db, f"ALTER TABLE {TABLE} ADD CONSTRAINT no_forbidden "
        "CHECK (title NOT LIKE 'FORBIDDEN%')",
    )  # fmt: skip
    done = pg_export(capsys, mirror, pg_server.dsn(pg_db), "--apply", "--json")
    assert done.code == 1
    result = json.loads(done.out)
    assert result["written"] == 39 and result["refused"] == 1
    assert result["refused_examples"][0]["source_id"] == rows[17]
    assert "no_forbidden" in result["refused_examples"][0]["reason"]
    assert set(pg_rows(pg_server, pg_db)) == set(rows) - {rows[17]}
    with sqlite3.connect(mirror) as conn:  # the ledger holds exactly what was written
        assert conn.execute("SELECT count(*) FROM exports").fetchone()[0] == 39


def test_a_failure_of_the_target_after_the_input_was_accepted_is_exit_1(
    capsys: pytest.CaptureFixture[str], mirror: Path, pg_server: PgServer, pg_db: str
) -> None:
    """The dry run passes; the server then fails the write for a reason of its own (here a
    trigger raising disk_full, as a full volume would): exit 1 with the reason, not exit 2."""
    keep_only(mirror, 5)
    pg_server.create_production_table(pg_db,
        "CREATE FUNCTION full_disk() RETURNS trigger LANGUAGE plpgsql AS "
        "$$BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' "
        "USING ERRCODE = 'disk_full'; END$$",
        f"CREATE TRIGGER full_disk BEFORE INSERT ON {TABLE} FOR EACH STATEMENT "
        "EXECUTE FUNCTION full_disk()",
    )  # fmt: skip
    dsn = pg_server.dsn(pg_db)
    assert pg_export(capsys, mirror, dsn).code == 0
    done = pg_export(capsys, mirror, dsn, "--apply")
    assert done.code == 1
    assert done.err.count("\n") == 1 and "No space left on device" in done.err
    assert "export failed" in done.err and done.out == ""


@pytest.mark.parametrize(
    ("extra", "ok"),
    [
        ("ADD COLUMN tenant_id bigint NOT NULL", False),
        ("ADD COLUMN region text NOT NULL DEFAULT 'eu'", True),
        ("ADD COLUMN note text", True),
        ("ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY", True),
        ("ADD COLUMN day date GENERATED ALWAYS AS ((occurred_at AT TIME ZONE 'UTC')::date) STORED",
         True),
    ],
    ids=["not-null-no-default", "not-null-default", "nullable", "identity", "generated"],
)  # fmt: skip
def test_a_not_null_column_the_export_cannot_fill_is_found_by_the_dry_run(
    capsys: pytest.CaptureFixture[str],
    mirror: Path,
    pg_server: PgServer,
    pg_db: str,
    extra: str,
    ok: bool,
) -> None:
    keep_only(mirror, 5)
    pg_server.create_production_table(pg_db, f"ALTER TABLE {TABLE} {extra}")
    dsn = pg_server.dsn(pg_db)
    dry = pg_export(capsys, mirror, dsn)
    if ok:
        assert dry.code == 0, dry.err
        assert pg_export(capsys, mirror, dsn, "--apply").code == 0
        assert len(pg_rows(pg_server, pg_db)) == 5
        return
    assert dry.code == 2 and dry.err.count("\n") == 1
    assert "NOT NULL column(s) without a default that the export cannot fill: tenant_id" in dry.err
    applied = pg_export(capsys, mirror, dsn, "--apply")
    assert applied.code == 2 and applied.err == dry.err
    assert pg_rows(pg_server, pg_db) == {}


def test_a_workspace_missing_where_a_foreign_key_points_is_found_by_the_dry_run(
    capsys: pytest.CaptureFixture[str], mirror: Path, pg_server: PgServer, pg_db: str
) -> None:
    """Production's table refers to lightfast_org_workspaces(id)."""
    keep_only(mirror, 5)
    pg_server.create_production_table(pg_db,
        "CREATE TABLE lightfast_org_workspaces (id varchar(191) PRIMARY KEY)",
        f"ALTER TABLE {TABLE} ADD FOREIGN KEY (workspace_id) REFERENCES "
        "lightfast_org_workspaces (id) ON DELETE CASCADE",
        "ALTER TABLE lightfast_org_workspaces OWNER TO exporter",
    )  # fmt: skip
    dsn = pg_server.dsn(pg_db)
    dry = pg_export(capsys, mirror, dsn)
    assert dry.code == 2 and dry.err.count("\n") == 1
    assert "workspace 'demo' is not in lightfast_org_workspaces" in dry.err
    with pg_server.admin_connect(pg_db) as conn:
        conn.execute("INSERT INTO lightfast_org_workspaces VALUES ('demo')")
    assert pg_export(capsys, mirror, dsn, "--apply").code == 0
    assert len(pg_rows(pg_server, pg_db)) == 5


def test_a_column_type_that_cannot_take_text_is_bad_input(
    capsys: pytest.CaptureFixture[str], mirror: Path, pg_server: PgServer, pg_db: str
) -> None:
    keep_only(mirror, 2)
    pg_server.create_production_table(pg_db, f"ALTER TABLE {TABLE} ALTER COLUMN metadata TYPE text[] "
                 "USING NULL")  # fmt: skip
    dry = pg_export(capsys, mirror, pg_server.dsn(pg_db))
    assert dry.code == 2 and "metadata is ARRAY" in dry.err and dry.err.count("\n") == 1


# -- Inngest -------------------------------------------------------------------------------


class Inngest:
    """A loopback event API: answers 413 above ``limit`` bytes (stating it or not)."""

    def __init__(self, limit: int | None = None, message: str = "") -> None:
        self.limit = limit
        self.message = message
        self.bodies: list[bytes] = []
        self.refused: list[int] = []
        self.events: dict[str, dict[str, Any]] = {}
        self.url = ""


def _handler(state: Inngest) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            if state.limit is not None and len(body) > state.limit:
                state.refused.append(len(body))
                status, payload = 413, {"error": state.message, "status": 413}
            else:
                state.bodies.append(body)
                events = json.loads(body)
                for event in events:
                    state.events.setdefault(event["id"], event)
                status, payload = 200, {"ids": [e["id"] for e in events], "status": 200}
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def inngest() -> Iterator[Inngest]:
    state = Inngest()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def inngest_export(
    capsys: pytest.CaptureFixture[str], db: Path, url: str, *extra: str
) -> CliResult:
    return run_cli(
        capsys, "export", "inngest", "--event-key", KEY, "--url", url, "--workspace", "demo",
        "--db", str(db), *simulated_too(extra),
    )  # fmt: skip


def observation_count(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM observations").fetchone()[0])


@pytest.mark.parametrize(
    ("message", "limit"),
    [
        ("Request body too large: max 30000 bytes", 30_000),
        ("payload exceeds the 30KB limit", 30_000),
        ("Payload Too Large", None),  # no limit stated: halve until accepted
    ],
    ids=["bytes-stated", "kb-stated", "not-stated"],
)
def test_a_413_splits_the_batch_and_takes_the_limit_from_the_answer(
    capsys: pytest.CaptureFixture[str],
    mirror: Path,
    inngest: Inngest,
    message: str,
    limit: int | None,
) -> None:
    inngest.limit, inngest.message = 30_000, message
    done = inngest_export(capsys, mirror, inngest.url, "--apply", "--json")
    assert done.code == 0, done.err
    total = observation_count(mirror)
    assert json.loads(done.out)["written"] == total == len(inngest.events)
    assert all(len(b) <= 30_000 for b in inngest.bodies)
    assert inngest.refused  # the first, full-size batch was refused
    if limit is not None:  # the stated limit is kept: only the first request was refused
        assert len(inngest.refused) == 1
        assert json.loads(done.out)["max_bytes"] == limit


def test_values_inngest_json_cannot_carry_are_replaced_and_counted(
    capsys: pytest.CaptureFixture[str], mirror: Path, inngest: Inngest
) -> None:
    """A lone surrogate cannot be encoded as UTF-8 (before: an internal error); a NUL would
    reach production's table through the capture workflow, so it is replaced here too."""
    first, second, third = keep_only(mirror, 3)
    set_value(mirror, first, "metadata", '{"deliveryId":"d","half":"\\udc00"}')
    set_value(mirror, second, "title", "nul \x00 here")
    set_value(mirror, third, "occurred_at", "2026-01-10 00:00:00")
    dry = inngest_export(capsys, mirror, inngest.url, "--json")
    done = inngest_export(capsys, mirror, inngest.url, "--apply", "--json")
    assert done.code == 0, done.err
    plan, result = json.loads(dry.out), json.loads(done.out)
    assert plan["changed_values"] == result["changed_values"] == {
        SURROGATE: 1, NUL: 1, NAIVE_TIME: 1,
    }  # fmt: skip
    events = {
        e["data"]["sourceEvent"]["sourceId"]: e["data"]["sourceEvent"]
        for e in inngest.events.values()
    }
    assert events[first]["metadata"]["half"] == "\ufffd"
    assert events[second]["title"] == "nul \ufffd here"
    assert events[third]["occurredAt"] == "2026-01-10T00:00:00+00:00"


def test_an_event_too_large_for_any_request_has_its_body_shortened(
    capsys: pytest.CaptureFixture[str], mirror: Path, inngest: Inngest
) -> None:
    """Before: the dry run itself failed with exit 2 and nothing was sent."""
    target, *_ = keep_only(mirror, 3)
    set_value(mirror, target, "content", "\u00e9" * 400_000)
    dry = inngest_export(capsys, mirror, inngest.url)
    assert dry.code == 0, dry.err
    assert "body shortened to fit Inngest's request limit" in dry.out
    done = inngest_export(capsys, mirror, inngest.url, "--apply", "--json")
    assert done.code == 0, done.err
    assert json.loads(done.out)["written"] == 3
    assert all(len(b) <= 250_000 for b in inngest.bodies)
    body = next(
        e["data"]["sourceEvent"]["body"]
        for e in inngest.events.values()
        if e["data"]["sourceEvent"]["sourceId"] == target
    )
    assert body.endswith("...") and 100_000 < len(body) < 125_000


def test_the_api_plan_and_apply_agree_on_a_413_split_batch_count_only(
    mirror: Path, inngest: Inngest
) -> None:
    """The one thing a dry run cannot know is the server's real limit: the rows, changes and
    refusals still match, only the batches differ."""
    inngest.limit, inngest.message = 20_000, "max 20000 bytes"
    plan = plan_export(mirror, InngestTarget(KEY, base_url=inngest.url), "demo")
    result = apply_export(plan)
    assert result.written == plan.would_write and result.refused == plan.refused == 0
    assert result.batches >= len(plan.batch_sizes)


def test_a_source_id_changed_by_cleaning_is_still_found_on_the_next_export(
    capsys: pytest.CaptureFixture[str], mirror: Path, pg_server: PgServer, pg_db: str
) -> None:
    """A NUL at the front of a sourceId: cleaned, it sorts elsewhere than in the mirror, so the
    ordered merge cannot answer for it and asks the table directly."""
    rows = keep_only(mirror, 30)
    set_value(mirror, rows[5], "source_id", "\x00" + rows[5])
    pg_server.create_production_table(pg_db)
    dsn = pg_server.dsn(pg_db)
    _, result, done = dry_then_apply(capsys, mirror, dsn)
    assert done.code == 0, done.err
    assert result["written"] == 30 and result["changed_values"] == {NUL: 1}
    assert "\ufffd" + rows[5] in pg_rows(pg_server, pg_db)
    again = pg_export(capsys, mirror, dsn, "--apply", "--json")
    assert again.code == 0 and json.loads(again.out)["skipped"] == 30
    assert len(pg_rows(pg_server, pg_db)) == 30
