"""A page's commit in few statements: large pages, repeats inside one page, odd text, public ids.

``Mirror.commit_page`` inserts a page's observations (and the run's fetched items) with
multi-row statements of at most 500 rows; these tests pin what a user sees of that: every row
stored once, the first of a repeated sourceId kept, counts right, the search index in step,
text SQLite's JSON functions would cut (a NUL) stored whole.
"""

from __future__ import annotations

import time
from pathlib import Path

from backfill_tui.models import SourceEvent, SourceReference
from backfill_tui.store import Mirror, RunRecord, StreamRecord, nanoid
from backfill_tui.store.rows import nanoids
from backfill_tui.store.run_items import fetched_items


def _event(
    source_id: str, title: str = "[Push] Speed up the parser", body: str = "body"
) -> SourceEvent:
    return SourceEvent(
        source="github",
        sourceType="push",
        sourceId=source_id,
        title=title,
        body=body,
        occurredAt="2026-11-01T10:00:00Z",
        references=[SourceReference(type="commit", id=source_id)],
        metadata={"deliveryId": f"backfill-1-push-{source_id}"},
    )


def _mirror(tmp_path: Path) -> tuple[Mirror, StreamRecord]:
    mirror = Mirror.open(tmp_path / "m.db")
    mirror.create_run(
        RunRecord(
            "r1",
            "ws",
            ["github:acme/rocket"],
            30,
            "2026-10-01T00:00:00+00:00",
            None,
            100_000,
            started_at="2026-11-01T00:00:00+00:00",
        ),
        [("github", "acme/rocket", "push")],
    )
    return mirror, mirror.streams("r1")[0]


def test_a_page_larger_than_one_statement_is_stored_whole(tmp_path: Path) -> None:
    mirror, stream = _mirror(tmp_path)
    events = [_event(f"push:acme/rocket:{i:05d}") for i in range(1234)]
    result = mirror.commit_page(
        stream,
        "ws",
        events,
        [],
        fetched=1234,
        cursor=None,
        done=True,
        capped_at=None,
        api_calls=13,
        wait_s=0,
    )
    assert (result.new, result.duplicates) == (1234, 0)
    assert mirror.count_observations("ws") == 1234
    assert len(fetched_items(mirror, "r1").items) == 1234
    (stored,) = mirror.streams("r1")
    assert (stored.new, stored.duplicates, stored.fetched, stored.cursor) == (1234, 0, 1234, None)
    hits = mirror.conn.execute(
        "SELECT count(*) FROM observations_fts WHERE observations_fts MATCH 'parser'"
    ).fetchone()[0]
    assert hits == 1234  # the search index follows every row of every statement


def test_a_sourceid_repeated_within_a_page_keeps_the_first(tmp_path: Path) -> None:
    mirror, stream = _mirror(tmp_path)
    events = [
        _event("push:a", title="[Push] first"),
        _event("push:b"),
        _event("push:a", title="[Push] second"),
    ]
    result = mirror.commit_page(
        stream,
        "ws",
        events,
        [],
        fetched=3,
        cursor="next",
        done=False,
        capped_at=None,
        api_calls=1,
        wait_s=0,
    )
    assert (result.new, result.duplicates) == (2, 1)
    titles = dict(mirror.conn.execute("SELECT source_id, title FROM observations").fetchall())
    assert titles == {"push:a": "[Push] first", "push:b": "[Push] Speed up the parser"}


def test_text_with_a_nul_and_non_ascii_is_stored_as_given(tmp_path: Path) -> None:
    mirror, stream = _mirror(tmp_path)
    body = "before\x00after — ünïcødé 🚀"
    mirror.commit_page(
        stream,
        "ws",
        [_event("push:nul", body=body)],
        [],
        fetched=1,
        cursor=None,
        done=True,
        capped_at=None,
        api_calls=1,
        wait_s=0,
    )
    (stored,) = mirror.conn.execute("SELECT content FROM observations").fetchone()
    assert stored == body


def test_public_ids_are_nanoids_and_distinct() -> None:
    alphabet = set("useandom-26T198340PX75pxJACKVERYMINDBUSHWOLF_GQZbfghjklqvwyzrict")
    ids = nanoids(1000)
    assert len(ids) == 1000 and len(set(ids)) == 1000
    assert all(len(i) == 21 and set(i) <= alphabet for i in ids)
    assert len(nanoid()) == 21 and nanoids(0) == []


def test_public_ids_grow_with_time_in_bytes_order_and_never_begin_with_a_dash() -> None:
    """The unique index on ``external_id`` grows at its right edge (bench/growth.py): a later
    page's ids sort after an earlier page's, as SQLite compares TEXT (byte by byte)."""
    earlier = nanoids(200)
    time.sleep(0.003)  # past the millisecond the prefix counts
    later = nanoids(200)
    assert max(i.encode() for i in earlier) < min(i.encode() for i in later)
    assert len({i[:8] for i in earlier}) == 1 and len({i[8:] for i in earlier}) == 200
    assert not any(i.startswith("-") for i in earlier + later)


def test_a_sourceid_a_run_fetched_on_two_pages_counts_once_with_its_first_version(
    tmp_path: Path,
) -> None:
    """An item that moved between pages while a run read them is fetched twice. What the run
    fetched (``run_items``, kept in fetch order since migration 0015) gives it once, with the
    version fetched first, to a diff, a report's days and an export's "first stored by"."""
    from backfill_tui.store.exports import run_store
    from backfill_tui.store.run_items import observations_per_day

    mirror, stream = _mirror(tmp_path)

    def page(events: list[SourceEvent], cursor: str | None) -> None:
        mirror.commit_page(
            stream, "ws", events, [], fetched=len(events), cursor=cursor, done=cursor is None,
            capped_at=None, api_calls=1, wait_s=0,
        )  # fmt: skip

    page([_event("push:a", title="[Push] first"), _event("push:b")], "next")
    page([_event("push:a", title="[Push] second")], None)
    items = fetched_items(mirror, "r1").items
    assert list(items) == ["push:a", "push:b"]
    first = mirror.conn.execute(
        "SELECT digest FROM run_items WHERE run_id = 'r1' ORDER BY rowid LIMIT 1"
    ).fetchone()[0]
    assert items["push:a"] == first
    assert observations_per_day(mirror, "r1", "ws") == {"2026-11-01": 2}

    mirror.create_run(
        RunRecord(
            "r2", "ws", ["github:acme/rocket"], 30, "2026-10-01T00:00:00+00:00", None,
            100_000, started_at="2026-11-02T00:00:00+00:00",
        ),
        [("github", "acme/rocket", "push")],
    )  # fmt: skip
    stream = mirror.streams("r2")[0]
    page([_event("push:a"), _event("push:b")], "next")
    page([_event("push:a")], None)
    assert run_store(mirror.conn, "r2").first_stored_by == [("r1", 2)]


def test_actor_and_references_are_stored_in_field_order_without_nulls(tmp_path: Path) -> None:
    """The stored JSON of an actor and its references, whatever order their keys came in and
    whichever were None (an email that is not one is None too): compact, keys in the fields'
    order (``id, name, email, avatarUrl``; ``type, id, url, label``), None ones left out."""
    mirror, stream = _mirror(tmp_path)
    event = SourceEvent.model_validate(
        {
            "source": "github",
            "sourceType": "push",
            "sourceId": "push:acme/rocket:abc",
            "title": "[Push] Speed up the parser",
            "body": "body",
            "actor": {"avatarUrl": "https://a.example/1", "name": "ada", "id": "1", "email": "x"},
            "occurredAt": "2026-11-01T10:00:00Z",
            "references": [
                {"label": "merge", "url": None, "id": "abc", "type": "commit"},
                {"id": "main", "type": "branch", "label": None, "url": "https://b.example/m"},
            ],
            "metadata": {"deliveryId": "backfill-1-push-abc", "beforeSha": None},
        }
    )
    mirror.commit_page(
        stream, "ws", [event], [], fetched=1, cursor=None, done=True, capped_at=None,
        api_calls=1, wait_s=0,
    )  # fmt: skip
    row = mirror.conn.execute("SELECT actor, source_references, metadata FROM observations")
    assert row.fetchone() == (
        '{"id":"1","name":"ada","avatarUrl":"https://a.example/1"}',
        '[{"type":"commit","id":"abc","label":"merge"},'
        '{"type":"branch","id":"main","url":"https://b.example/m"}]',
        '{"deliveryId":"backfill-1-push-abc","beforeSha":null}',
    )
