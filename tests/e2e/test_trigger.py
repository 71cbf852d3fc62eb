"""``backfill-tui trigger`` against the loopback Inngest stand-in (``inngest_standin``).

The stand-in answers 429 and 500 now and then (by request number), and keeps the first event
of each id as Inngest does. What a user would notice: every row of a large file arrives as
exactly one event, a repeat is said and sends only what Inngest would drop, bad rows are listed
by line while the rest go on, an unreadable file is one line and exit 2, and the event key
never shows.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from inngest_stub import Answer, FakeInngest, serving
from support import run_cli

from backfill_tui.export.trigger import (
    CONNECTORS,
    EVENT_NAME,
    Refusal,
    TriggerRow,
    check_row,
    today,
)

KEY = "evtkey-Trig-secret-77Q"
HEADER = "integrationId,workspaceId,clerkOrgId,provider,userSourceId,depth,entityTypes,requestedBy"


@pytest.fixture
def inngest() -> Iterator[FakeInngest]:
    with serving() as state:
        yield state


def row(n: int) -> str:
    """Row ``n`` of a fleet: GitHub with two entity types, or Vercel with the default."""
    if n % 3 == 0:
        return f"int_{n},ws_{n % 40},org_{n % 7},vercel,us_{n},90,,user_ops"
    return f"int_{n},ws_{n % 40},org_{n % 7},github,us_{n},,pull_request;issue,user_ops"


def write_csv(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def trigger(capsys: pytest.CaptureFixture[str], url: str, db: Path, *extra: str) -> Any:
    return run_cli(capsys, "trigger", "--event-key", KEY, "--url", url, "--db", str(db), *extra)


def expected_id(n: int, day: str) -> str:
    fields = dict(zip(HEADER.split(","), row(n).split(","), strict=True))
    checked = check_row(n + 1, fields)
    assert isinstance(checked, TriggerRow)
    return checked.event_id(day)


def test_a_thousand_rows_send_exactly_a_thousand_distinct_ids_despite_429_and_500(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, inngest: FakeInngest, isolated: Path
) -> None:
    inngest.script = {
        2: Answer(429, retry_after="0"),
        4: Answer(500, process=True, retry_after="0"),  # taken, then an error: sent again
        7: Answer(500),
        9: Answer(429, retry_after="0"),
    }
    rows = write_csv(tmp_path / "fleet.csv", [row(n) for n in range(1000)])
    db = tmp_path / "mirror.db"
    done = trigger(capsys, inngest.url, db, "--file", str(rows), "--apply", "--json")
    assert done.code == 0, done.err
    summary = json.loads(done.out)
    assert summary["sent"] == 1000 and summary["refused"] == [] and summary["retries"] == 4
    # Each retry is said on stderr before its wait, with what Inngest answered.
    assert done.err.count("; retry ") == 4, done.err
    assert "answered 429: " in done.err and "answered 500: " in done.err
    day = today()
    assert set(inngest.events) == {expected_id(n, day) for n in range(1000)}
    assert inngest.received > 1000  # the batch answered 500 after it was taken came again
    assert all(len(json.loads(body)) <= 100 for _, body in inngest.requests)
    sample = inngest.events[expected_id(1, day)]
    assert sample["name"] == EVENT_NAME
    assert sample["data"] == {
        "integrationId": "int_1", "workspaceId": "ws_1", "clerkOrgId": "org_1",
        "provider": "github", "userSourceId": "us_1", "depth": 30,
        "entityTypes": ["issue", "pull_request"], "requestedBy": "user_ops",
    }  # fmt: skip
    vercel = inngest.events[expected_id(3, day)]["data"]
    assert vercel["depth"] == 90 and vercel["entityTypes"] == list(CONNECTORS["vercel"])
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM trigger_ledger").fetchone()[0] == 1000
    logs = "".join(p.read_text() for p in isolated.rglob("*.log"))
    for text in (done.out, done.err, logs, db.read_bytes().decode("utf-8", "replace")):
        assert KEY not in text


def test_a_second_trigger_sends_only_ids_inngest_would_drop_and_says_so(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, inngest: FakeInngest
) -> None:
    rows = write_csv(tmp_path / "fleet.csv", [row(n) for n in range(250)])
    db = tmp_path / "mirror.db"
    assert trigger(capsys, inngest.url, db, "--file", str(rows), "--apply").code == 0
    first = set(inngest.events)
    assert len(first) == 250
    requests = len(inngest.requests)

    again = trigger(capsys, inngest.url, db, "--file", str(rows), "--apply")
    assert again.code == 0, again.err
    said = f"250 of 250 were sent on {today()}: Inngest drops a repeated id within 24 h"
    assert said in again.out and "production would not run them twice" in again.out
    assert len(inngest.requests) == requests  # the ledger knew: nothing went out

    forced = trigger(capsys, inngest.url, db, "--file", str(rows), "--apply", "--resend")
    assert forced.code == 0 and said in forced.out
    resent = [e["id"] for _, body in inngest.requests[requests:] for e in json.loads(body)]
    assert len(resent) == 250 and set(resent) <= first  # only ids Inngest already has
    assert set(inngest.events) == first

    dry = trigger(capsys, inngest.url, db, "--file", str(rows), "--json")
    plan = json.loads(dry.out)
    assert plan["would_send"] == 0 and plan["already_sent"] == 250


def test_a_row_with_more_or_fewer_values_than_the_header_is_refused_by_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, inngest: FakeInngest
) -> None:
    """A short row took depth 30, every entity type and "backfill-tui" as requester unsaid;
    a long one was sent as its values fell (a fresh tester's finding). Each is refused with
    its line; empty cells past the header (a spreadsheet's export) are no values at all."""
    lines = [row(n) for n in range(1, 6)]
    lines[1] = "int_short,ws_1,org_1,github,us_6"  # file line 3: five values of eight
    lines[3] = "int_long,ws,org,github,us,30,issue,me,zzz"  # file line 5: nine
    lines[4] = row(5) + ",,"  # file line 6: trailing empty cells
    rows = write_csv(tmp_path / "fleet.csv", lines)
    done = trigger(capsys, inngest.url, tmp_path / "m.db", "--file", str(rows), "--apply")
    assert done.code == 1, done.err
    assert "line 3: 5 values under a header of 8 columns" in done.out
    assert "line 5: 9 values under a header of 8 columns" in done.out
    sent = {e["data"]["integrationId"] for e in inngest.events.values()}
    assert sent == {"int_1", "int_3", "int_5"}


def test_a_file_with_three_bad_rows_sends_the_rest_and_lists_them(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, inngest: FakeInngest
) -> None:
    lines = [row(n) for n in range(20)]
    lines[2] = "int_x,ws_1,org_1,linear,us_1,30,,me"  # file line 4
    lines[9] = "int_y,ws_1,org_1,github,us_1,14,,me"  # file line 11
    lines[15] = "int_z,ws_1,,github,us_1,7,,me"  # file line 17
    rows = write_csv(tmp_path / "fleet.csv", lines)
    db = tmp_path / "mirror.db"

    dry = trigger(capsys, inngest.url, db, "--file", str(rows))
    assert dry.code == 1 and not inngest.requests and not db.exists()
    assert "would send" in dry.out and "17" in dry.out
    for text in ("line 4: linear has no backfill connector", "line 11: depth '14' is not 7, 30",
                 "line 17: no clerkOrgId"):  # fmt: skip
        assert text in dry.out

    done = trigger(capsys, inngest.url, db, "--file", str(rows), "--apply")
    assert done.code == 1
    assert len(inngest.events) == 17
    assert {e["data"]["integrationId"] for e in inngest.events.values()}.isdisjoint(
        {"int_x", "int_y", "int_z"}
    )
    for line in (4, 11, 17):
        assert f"line {line}:" in done.out
    progress, last = done.err.splitlines()  # stderr is no terminal: a plain line per batch
    assert progress == "sent 17 of 17" and last.startswith("backfill-tui: 3 rows refused")


def test_duplicate_rows_in_a_file_are_one_event(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, inngest: FakeInngest
) -> None:
    rows = write_csv(tmp_path / "fleet.csv", [row(1), row(2), row(1), row(1)])
    done = trigger(capsys, inngest.url, tmp_path / "m.db", "--file", str(rows), "--apply", "--json")
    summary = json.loads(done.out)
    assert done.code == 0 and summary["sent"] == 2 and summary["duplicates_in_file"] == 2
    assert len(inngest.events) == 2 and inngest.received == 2


def test_json_lines_and_one_integration_from_flags(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, inngest: FakeInngest
) -> None:
    jsonl = tmp_path / "fleet.ndjson"
    jsonl.write_text(
        json.dumps({"integrationId": "i1", "workspaceId": "w", "clerkOrgId": "o",
                    "provider": "GitHub", "userSourceId": "u", "depth": 7,
                    "entityTypes": ["release"]}) + "\n\n[1, 2]\n",
        encoding="utf-8",
    )  # fmt: skip
    done = trigger(capsys, inngest.url, tmp_path / "m.db", "--file", str(jsonl), "--apply")
    assert done.code == 1 and "line 3: not a JSON object" in done.out
    (event,) = inngest.events.values()
    assert event["data"]["entityTypes"] == ["release"] and event["data"]["depth"] == 7
    assert event["data"]["requestedBy"] == "backfill-tui"

    one = ("--integration", "i2", "--workspace", "w", "--org", "o", "--provider", "vercel",
           "--user-source", "u")  # fmt: skip
    dry = trigger(capsys, inngest.url, tmp_path / "m.db", *one)
    assert dry.code == 0 and '"integrationId": "i2"' in dry.out and len(inngest.events) == 1
    sent = trigger(capsys, inngest.url, tmp_path / "m.db", *one, "--apply")
    assert sent.code == 0 and len(inngest.events) == 2

    bad = trigger(capsys, inngest.url, tmp_path / "m.db", *one, "--depth", "14")
    assert bad.code == 2 and "--depth '14' is not 7, 30 or 90" in bad.err


UNREADABLE_FILES: list[tuple[str, bytes | str | None, str]] = [
    ("missing.csv", None, "no file at"),
    ("folder.csv", "dir", "is a directory"),
    ("latin1.csv", HEADER.encode() + b"\nint_1,w,o,github,u,30,,caf\xe9\n", "not UTF-8"),
    ("noheader.csv", b"int_1,w,o,github,u,30,,me\n", "names none of the columns"),
    # A header of other names (a tester's file): named back, not called missing.
    (
        "othernames.csv",
        b"id,workspace,org,kind\nint_1,w,o,github\n",
        "first line names none of the columns (it names 'id', 'workspace', 'org', 'kind')",
    ),
    ("binary.bin", b"\x89PNG\r\n\x1a\n\x00\x00", "binary file"),
    # Excel's "Unicode text" and PowerShell's `>` write UTF-16: not "a binary file".
    ("bom16.csv", (HEADER + "\nint_1,w,o,github,u\n").encode("utf-16"), "is UTF-16 text"),
    ("le16.csv", (HEADER + "\nint_1,w,o,github,u\n").encode("utf-16-le"), "is UTF-16 text"),
    ("be16.csv", (HEADER + "\nint_1,w,o,github,u\n").encode("utf-16-be"), "is UTF-16 text"),
    (
        "pasted.csv",
        (HEADER + "\nint_1,w,o,github," + "u" * 200_000 + "\n").encode(),
        "line 2 holds a value longer than 128 KiB",
    ),
    ("empty.csv", b"", "is empty"),
]


@pytest.mark.parametrize(
    ("name", "content", "said"), UNREADABLE_FILES, ids=[name for name, _, _ in UNREADABLE_FILES]
)
def test_a_file_that_cannot_be_read_is_exit_2_and_one_line(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    inngest: FakeInngest,
    name: str,
    content: bytes | str | None,
    said: str,
) -> None:
    path = tmp_path / name
    if content == "dir":
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    done = trigger(capsys, inngest.url, tmp_path / "m.db", "--file", str(path), "--apply")
    assert done.code == 2 and said in done.err and done.err.count("\n") == 1
    assert "Traceback" not in done.err and KEY not in done.err
    assert not inngest.requests and not (tmp_path / "m.db").exists()


def test_a_refused_key_is_exit_1_and_never_shown(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, inngest: FakeInngest, isolated: Path
) -> None:
    inngest.always = Answer(401)
    rows = write_csv(tmp_path / "fleet.csv", [row(n) for n in range(5)])
    done = trigger(capsys, inngest.url, tmp_path / "m.db", "--file", str(rows), "--apply")
    assert done.code == 1 and done.err.count("\n") == 1
    assert "refused the event key (401)" in done.err
    logs = "".join(p.read_text() for p in isolated.rglob("*.log"))
    assert KEY not in done.out + done.err + logs


def test_event_ids_are_stable_within_a_day_and_new_the_next() -> None:
    fields = {"integrationId": "i", "workspaceId": "w", "clerkOrgId": "o", "provider": "github",
              "userSourceId": "u", "entityTypes": "issue pull_request"}  # fmt: skip
    a = check_row(1, fields)
    b = check_row(2, {**fields, "entityTypes": "pull_request;issue", "depth": "30"})
    assert isinstance(a, TriggerRow) and isinstance(b, TriggerRow)
    assert a.event_id("2026-11-30") == b.event_id("2026-11-30")
    assert a.event_id("2026-11-30") != a.event_id("2026-12-01")
    assert check_row(3, {**fields, "entityTypes": "deployment"}) == Refusal(
        3, "github has no entity type 'deployment'; choose from pull_request, issue, release"
    )
    assert check_row(4, {**fields, "provider": "gitlab"}) == Refusal(
        4, "unknown provider 'gitlab'; production backfills github or vercel"
    )


def test_trigger_help_loads_no_heavy_package() -> None:
    from test_startup_imports import loaded

    code, found = loaded("trigger", "--help")
    assert code == 0 and found == set()


def test_plain_http_to_another_machine_is_refused_before_any_row_is_sent(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """As for export: the key rides in the request path, so plain http is for this machine."""
    csv = write_csv(tmp_path / "fleet.csv", [row(n) for n in range(3)])
    result = trigger(
        capsys, "http://inngest.internal:8288", tmp_path / "m.db", "--file", str(csv), "--apply"
    )
    assert result.code == 2 and result.err.count("\n") == 1
    assert "plain http to inngest.internal:" in result.err and KEY not in result.err


@pytest.mark.parametrize(
    ("header", "said"),
    [
        (HEADER.replace("entityTypes", "entityType"), "'entityType' (did you mean entityTypes?)"),
        (HEADER + ",color", "'color'"),
        ("integrationId," + HEADER, "names integrationId twice"),
    ],
    ids=["typo", "unknown", "twice"],
)
def test_a_header_naming_an_unknown_column_or_one_twice_is_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, header: str, said: str
) -> None:
    """A typo'd column (``entityType``) was dropped unsaid and every row went with the
    default, all entity types; of two ``integrationId`` columns the second won (a fresh
    tester's finding). The file is refused, naming the column."""
    width = len(header.split(","))
    values = ",".join(["x"] * width)
    path = tmp_path / "fleet.csv"
    path.write_text(f"{header}\n{values}\n", encoding="utf-8")
    result = trigger(capsys, "http://127.0.0.1:9", tmp_path / "m.db", "--file", str(path))
    assert result.code == 2 and result.err.count("\n") == 1, result.err
    assert said in result.err, result.err


def test_a_json_line_with_an_unknown_field_is_refused_alone(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    good = {"integrationId": "i2", "workspaceId": "w", "clerkOrgId": "o", "provider": "github",
            "userSourceId": "u2"}  # fmt: skip
    path = tmp_path / "fleet.jsonl"
    lines = [{**good, "integrationId": "i1", "entityType": "issue"}, good]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    result = trigger(capsys, "http://127.0.0.1:9", tmp_path / "m.db", "--file", str(path))
    assert result.code == 1, result.err  # as the apply would
    assert "line 1: no event field is named 'entityType' (did you mean entityTypes?)" in result.out
    assert "would send                    1" in result.out


@pytest.mark.parametrize(
    ("url", "said"),
    [("", "--url is empty"), ("https://u:pw-secret@exa mple.com", "holds a space")],
    ids=["empty", "space"],
)
def test_an_empty_url_or_a_host_with_a_space_is_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, url: str, said: str
) -> None:
    """``--url ''`` (an unset variable in a script) meant Inngest Cloud's production; a host
    with a space was tried six times (a fresh tester's findings)."""
    csv = write_csv(tmp_path / "fleet.csv", [row(1)])
    result = trigger(capsys, url, tmp_path / "m.db", "--file", str(csv), "--apply")
    assert result.code == 2 and said in result.err and "pw-secret" not in result.err


def test_a_trigger_with_another_event_key_is_not_skipped_as_already_sent(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, inngest: FakeInngest
) -> None:
    """As for exports: one host, two keys (staging, production), two destinations."""
    rows = write_csv(tmp_path / "fleet.csv", [row(n) for n in range(3)])
    db = tmp_path / "mirror.db"
    assert trigger(capsys, inngest.url, db, "--file", str(rows), "--apply").code == 0
    other = run_cli(capsys, "trigger", "--event-key", "evtkey-other-9", "--url", inngest.url,
                    "--db", str(db), "--file", str(rows), "--apply", "--json")  # fmt: skip
    assert other.code == 0, other.err
    assert json.loads(other.out)["sent"] == 3
    again = trigger(capsys, inngest.url, db, "--file", str(rows), "--apply", "--json")
    assert json.loads(again.out)["sent"] == 0  # the first key's: already sent


def test_an_apply_whose_every_row_is_refused_says_nothing_was_sent(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, inngest: FakeInngest
) -> None:
    """It said "2 rows refused, the others were sent" with none sent (a fresh tester)."""
    lines = ["int_a,ws,org,linear,us,30,,me", "int_b,ws,org,github,us,45,,me"]
    rows = write_csv(tmp_path / "fleet.csv", lines)
    done = trigger(capsys, inngest.url, tmp_path / "m.db", "--file", str(rows), "--apply")
    assert done.code == 1 and not inngest.requests
    assert done.err.rstrip().endswith(
        "2 rows refused, nothing was sent; the reasons are listed above"
    ), done.err


def test_a_second_apply_says_the_valid_rows_went_in_an_earlier_trigger(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, inngest: FakeInngest
) -> None:
    """Again with the same file, the valid rows are skipped as already sent and the bad ones
    refused again: the last line said "nothing was sent", as if the valid rows never had been
    (a fresh tester's finding)."""
    lines = [row(1), row(2), row(3), "int_b,ws,org,github,us,45,,me"]
    rows = write_csv(tmp_path / "fleet.csv", lines)
    db = tmp_path / "m.db"
    first = trigger(capsys, inngest.url, db, "--file", str(rows), "--apply")
    assert first.code == 1 and "1 row refused, the others were sent" in first.err, first.err
    again = trigger(capsys, inngest.url, db, "--file", str(rows), "--apply")
    assert again.code == 1
    assert again.err.rstrip().endswith(
        "1 row refused, nothing new was sent; 3 events were sent by an earlier trigger; the "
        "reasons are listed above"
    ), again.err


def refused_lines(out: str) -> list[str]:
    """The lines naming refused rows (``line N: why``), as the dry run and the apply print them."""
    return [line.strip() for line in out.splitlines() if line.strip().startswith("line ")]


def test_a_dry_run_that_refuses_rows_ends_as_the_apply_would_and_exits_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, inngest: FakeInngest
) -> None:
    """A dry run listed the refused rows and exited 0; the apply of the same file exits 1 (a
    fresh tester's finding). It now lists the same rows, ends with the apply's last line in the
    conditional, and exits 1, sending nothing and making no mirror; --json alike."""
    lines = [row(1), "int_x,ws,org,linear,us,30,,me", row(2), "int_y,ws,org,github,us,45,,me"]
    rows = write_csv(tmp_path / "fleet.csv", lines)
    db = tmp_path / "m.db"
    dry = trigger(capsys, inngest.url, db, "--file", str(rows))
    as_json = trigger(capsys, inngest.url, db, "--file", str(rows), "--json")
    assert not inngest.requests and not db.exists()
    done = trigger(capsys, inngest.url, db, "--file", str(rows), "--apply")
    assert (dry.code, as_json.code, done.code) == (1, 1, 1)
    assert (
        refused_lines(dry.out)
        == refused_lines(done.out)
        == [
            "line 3: linear has no backfill connector in production (only github and vercel); "
            "production's start refuses it",
            "line 5: depth '45' is not 7, 30 or 90 (days)",
        ]
    )
    assert [r["line"] for r in json.loads(as_json.out)["refused"]] == [3, 5]
    assert (
        dry.err.splitlines()[-1]
        == as_json.err.splitlines()[-1]
        == (
            "backfill-tui: 2 rows refused, the others would be sent with --apply; the reasons are "
            "listed above"
        )
    )
    assert done.err.splitlines()[-1] == (
        "backfill-tui: 2 rows refused, the others were sent; the reasons are listed above"
    )

    again = trigger(capsys, inngest.url, db, "--file", str(rows))  # what a second apply says
    assert again.code == 1 and again.err.splitlines()[-1] == (
        "backfill-tui: 2 rows refused, nothing new would be sent; 2 events were sent by an "
        "earlier trigger; the reasons are listed above"
    )
    bad = write_csv(tmp_path / "bad.csv", lines[1::2])
    none = trigger(capsys, inngest.url, db, "--file", str(bad))
    assert none.code == 1 and none.err.splitlines()[-1] == (
        "backfill-tui: 2 rows refused, nothing would be sent; the reasons are listed above"
    )
    clean = write_csv(tmp_path / "clean.csv", [row(3)])
    fine = trigger(capsys, inngest.url, db, "--file", str(clean))
    assert fine.code == 0 and not fine.err
    assert len(inngest.events) == 2  # the apply's, and only those


def test_a_file_under_the_home_folder_is_read_by_its_tilde_path(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, inngest: FakeInngest, isolated: Path
) -> None:
    """`--file ~/rows.csv` said "no file at ~/rows.csv" while every other path the command
    line takes reads ~ as the home folder (a fresh tester's finding)."""
    write_csv(isolated / "rows.csv", [row(n) for n in range(3)])
    planned = trigger(capsys, inngest.url, tmp_path / "m.db", "--file", "~/rows.csv", "--json")
    assert planned.code == 0, planned.err
    assert json.loads(planned.out)["would_send"] == 3


def test_dry_run_may_be_asked_for_by_name_and_not_beside_apply(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, inngest: FakeInngest
) -> None:
    """``--dry-run`` is the default said aloud (it was refused as an unknown argument, the
    first flag a user tries); with ``--apply`` it is one clear line, exit 2, nothing sent."""
    one = ("--integration", "i1", "--workspace", "w", "--org", "o", "--provider", "github",
           "--user-source", "u")  # fmt: skip
    default = trigger(capsys, inngest.url, tmp_path / "m.db", *one)
    named = trigger(capsys, inngest.url, tmp_path / "m.db", *one, "--dry-run")
    assert named.code == default.code == 0 and named.out == default.out
    both = trigger(capsys, inngest.url, tmp_path / "m.db", *one, "--dry-run", "--apply")
    assert both.code == 2 and "--apply: not allowed with argument --dry-run" in both.err
    assert both.err.count("\n") == 1 and not inngest.requests
    export = run_cli(capsys, "export", "postgres", "--workspace", "w", "--dry-run", "--apply")
    assert export.code == 2 and "not allowed with argument --dry-run" in export.err


TOKEN = "ghp_" + "Mm5" * 12  # a GitHub token's shape


@pytest.mark.parametrize("flag", ["--workspace", "--org", "--integration"])
def test_a_token_in_a_trigger_field_is_refused_unechoed_and_nothing_is_sent(
    capsys: pytest.CaptureFixture[str], inngest: FakeInngest, tmp_path: Path, flag: str
) -> None:
    """A token typed as a field was printed by the dry run and sent by --apply (a fresh
    tester's finding): the row is refused, in one line that does not repeat it."""
    fields = {"--workspace": "ws_1", "--org": "org_1", "--integration": "int_1", flag: TOKEN}
    args = [arg for pair in fields.items() for arg in pair]
    result = trigger(capsys, inngest.url, tmp_path / "m.db", *args, "--provider", "github",
                     "--user-source", "us_1", "--apply")  # fmt: skip
    assert result.code == 2, result.err
    assert "holds what looks like a token (not shown)" in result.err
    assert TOKEN not in result.err + result.out and not inngest.events


def test_a_csv_row_of_empty_values_is_refused_by_line_and_counted(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, inngest: FakeInngest
) -> None:
    """A spreadsheet's blank row (``,,,,,,,``) was passed over unsaid: not in the rows read,
    not refused, the dry run exit 0 (a fresh tester's finding). It is a record of nothing,
    refused with its line as every row not sent is (README: each refused row with its line
    number and why); an empty line is no record and is passed over, as in JSON lines."""
    rows = write_csv(tmp_path / "fleet.csv", [row(1), ",,,,,,,", " , ,,,,,,", row(2), ""])
    dry = trigger(capsys, inngest.url, tmp_path / "m.db", "--file", str(rows), "--json")
    assert dry.code == 1, dry.err
    plan = json.loads(dry.out)
    assert plan["rows"] == 4 and plan["would_send"] == 2, plan
    assert plan["refused"] == [
        {"line": 3, "reason": "every value is empty; fill the row in or delete it"},
        {"line": 4, "reason": "every value is empty; fill the row in or delete it"},
    ]
    said = trigger(capsys, inngest.url, tmp_path / "m.db", "--file", str(rows))
    assert "line 3: every value is empty; fill the row in or delete it" in said.out
    assert said.err.splitlines()[-1].startswith("backfill-tui: 2 rows refused")
    assert not inngest.requests
