"""The mirror file: permissions, WAL, recorded migrations, first-stored-wins dedup, significance."""

from __future__ import annotations

import json
import re
import sqlite3
import stat
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from backfill_tui.models import SourceEvent, SourceReference
from backfill_tui.store import Mirror, RunRecord, kept_by_production, score
from backfill_tui.store.schema import APPLICATION_ID, SCHEMA_VERSION
from backfill_tui.store.significance import _GROUPS


def event(source_id: str, title: str = "[PR Merged] Fix the bug", **extra: object) -> SourceEvent:
    return SourceEvent(
        source="github",
        sourceType="pull-request.merged",
        sourceId=source_id,
        title=title,
        body="Fix the bug\nbody",
        occurredAt="2026-11-01T10:00:00Z",
        references=[SourceReference(type="pr", id="#1")],
        metadata={"deliveryId": f"backfill-1-pr-{source_id}", "repoId": 1},
        **extra,
    )


def test_new_file_is_private_wal_and_migrated(tmp_path: Path) -> None:
    db = tmp_path / "sub" / "m.db"
    mirror = Mirror.open(db)
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert mirror.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert mirror.conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert mirror.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    applied = [r[0] for r in mirror.conn.execute("SELECT name FROM _sqlite_migrations")]
    assert applied[0] == "0001_initial" and len(applied) == SCHEMA_VERSION
    mirror.close()
    Mirror.open(db).close()  # reopening applies nothing twice


def _run(mirror: Mirror, run_id: str) -> int:
    mirror.create_run(
        RunRecord(
            run_id,
            "ws",
            ["github:acme/rocket"],
            30,
            "2026-10-01T00:00:00+00:00",
            None,
            1000,
            started_at="2026-11-01T00:00:00+00:00",
        ),
        [("github", "acme/rocket", "pull_request")],
    )
    return mirror.streams(run_id)[0].id


def test_first_stored_wins_and_duplicates_are_counted(tmp_path: Path) -> None:
    mirror = Mirror.open(tmp_path / "m.db")
    _run(mirror, "r1")
    _run(mirror, "r2")
    s1, s2 = mirror.streams("r1")[0], mirror.streams("r2")[0]
    first = mirror.commit_page(
        s1,
        "ws",
        [event("a"), event("b")],
        [],
        fetched=2,
        cursor="next",
        done=False,
        capped_at=None,
        api_calls=1,
        wait_s=0,
    )
    assert (first.new, first.duplicates) == (2, 0)
    again = mirror.commit_page(
        s2,
        "ws",
        [event("a", title="[PR Merged] changed"), event("c")],
        [("#9", "bad item")],
        fetched=3,
        cursor=None,
        done=True,
        capped_at=None,
        api_calls=2,
        wait_s=1.5,
    )
    assert (again.new, again.duplicates) == (1, 1)
    rows = dict(mirror.conn.execute("SELECT source_id, title FROM observations").fetchall())
    assert rows == {
        "a": "[PR Merged] Fix the bug",
        "b": "[PR Merged] Fix the bug",
        "c": "[PR Merged] Fix the bug",
    }
    stream = mirror.streams("r2")[0]
    assert (
        stream.status,
        stream.cursor,
        stream.fetched,
        stream.new,
        stream.duplicates,
        stream.failed,
        stream.api_calls,
        stream.rate_limit_wait_s,
    ) == ("completed", None, 3, 1, 1, 1, 2, 1.5)
    assert mirror.item_failures("r2") == [(stream.id, "#9", "bad item")]
    # Another workspace stores its own copy.
    mirror.commit_page(
        s1,
        "other",
        [event("a")],
        [],
        fetched=1,
        cursor=None,
        done=True,
        capped_at=None,
        api_calls=0,
        wait_s=0,
    )
    assert mirror.count_observations("other") == 1


def test_row_matches_production_columns(tmp_path: Path) -> None:
    mirror = Mirror.open(tmp_path / "m.db")
    stream_id = _run(mirror, "r1")
    mirror.commit_page(
        mirror.streams("r1")[0],
        "ws",
        [event("x")],
        [],
        fetched=1,
        cursor=None,
        done=True,
        capped_at=None,
        api_calls=1,
        wait_s=0,
    )
    conn = sqlite3.connect(tmp_path / "m.db")
    conn.row_factory = sqlite3.Row
    row = dict(conn.execute("SELECT * FROM observations").fetchone())
    assert stream_id
    assert len(row["external_id"]) == 21
    assert row["ingestion_source"] == "backfill" and row["run_id"] == "r1"
    assert (
        row["observation_type"] == "pull-request.merged" and row["content"] == "Fix the bug\nbody"
    )
    assert json.loads(row["source_references"]) == [{"type": "pr", "id": "#1"}]
    assert json.loads(row["metadata"])["deliveryId"] == "backfill-1-pr-x"
    assert row["occurred_at"] == "2026-11-01T10:00:00+00:00"
    assert row["captured_at"].endswith("+00:00")


def test_significance_follows_production_rules() -> None:
    plain = SourceEvent(
        source="github",
        sourceType="push",
        sourceId="p",
        title="[Push] tidy",
        body="tidy",
        occurredAt="2026-11-01T10:00:00Z",
        metadata={"deliveryId": "d"},
    )
    assert score(plain) == 35  # production's base-weight lookup misses: default 35
    assert not kept_by_production(score(plain))
    security = plain.model_copy(update={"title": "[Push] security fix for CVE-2026-1234"})
    assert score(security) == 35 + 20 + 5
    chore = plain.model_copy(update={"title": "[Push] chore: bump deps", "body": "x" * 501})
    assert score(chore) == 35 - 10 + 5
    refs = plain.model_copy(
        update={"references": [SourceReference(type="label", id=str(i)) for i in range(9)]}
    )
    assert score(refs) == 35 + 15
    assert score(event("x")) == 35 + 5 + 3  # "fix" and "bug" are one group; one reference
    assert kept_by_production(40) and not kept_by_production(39.9)


def _reference_keyword_delta(text: str) -> int:
    """Production's rule spelled the slow way: one JavaScript-style regex per group."""
    return sum(
        delta
        for words, delta in _GROUPS
        if re.search(rf"\b(?:{words})\b", text, re.IGNORECASE | re.ASCII)
    )


_pieces = st.sampled_from(
    [
        "fix",
        "Fixes",
        "prefix",
        "fixé",
        "CVE-2026-1",
        "cve-x",
        "new",
        "News",
        "wip",
        "WIP:",
        "test_",
        "update",
        "deploy",
        "déploy",
        " ",
        "-",
        "_",
        "\n",
        "é",
        "ß",
        "release",
        "chore(deps)",
        "bump",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_pieces, max_size=12))
def test_keyword_matching_equals_production_regexes(parts: list[str]) -> None:
    text = "".join(parts)
    plain = SourceEvent(
        source="github",
        sourceType="push",
        sourceId="p",
        title="[Push]",
        body=text,
        occurredAt="2026-11-01T10:00:00Z",
        metadata={"deliveryId": "d"},
    )
    expected = 35 + _reference_keyword_delta(f"[Push] {plain.body}")
    expected += 5 if len(plain.body) > 500 else 2 if len(plain.body) > 200 else 0
    assert score(plain) == max(0, min(100, expected))


_ascii_pieces = st.sampled_from(
    ["fix", "Fixes", "prefix", "CVE-2026-1", "xcve-1", "cve_2", "-CVE-7-", "WIP:", "test_",
     "Bump", "deploy", "HOTFIX", " ", "-", "_", "\n", "\t", ".", "0", "a", "release", "urgent"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(_ascii_pieces, max_size=16))
def test_keyword_matching_of_ascii_text_equals_production_regexes(parts: list[str]) -> None:
    """ASCII text is tokenized as bytes (significance.py, the fast path): same score."""
    text = "".join(parts)
    plain = SourceEvent(
        source="github",
        sourceType="push",
        sourceId="p",
        title="[Push] x",
        body=text,
        occurredAt="2026-11-01T10:00:00Z",
        metadata={"deliveryId": "d"},
    )
    expected = 35 + _reference_keyword_delta(f"[Push] x {plain.body}")
    expected += 5 if len(plain.body) > 500 else 2 if len(plain.body) > 200 else 0
    assert score(plain) == max(0, min(100, expected))
