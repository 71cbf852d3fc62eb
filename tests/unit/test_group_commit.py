"""Group commit: pages queued while the mirror's writer thread is busy go in one transaction.

The engine's writer thread takes every page queued so far and commits them together
(``Engine._commit_queued``, ``Mirror.commit_pages``). What a user must still see: each page
lands with its own stream's checkpoint and counts, each stream gets its own page's result, a
refusal of the mirror stores none of them and stops the run, and a page that cannot be stored
for its own reason fails only its own stream. The writer thread is held busy by a job waiting
on an event, so that the pages queue behind it; SQLite's statements are watched through the
connection's trace callback (nothing of ours is replaced).
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from backfill_tui.engine.environment import Environment
from backfill_tui.engine.run import Engine
from backfill_tui.errors import StorageError
from backfill_tui.models import SourceEvent
from backfill_tui.store import Mirror, PageResult, PageWrite, RunRecord, StreamRecord
from backfill_tui.store.mirror import RUN_CACHE_KIB, RUN_WAL_AUTOCHECKPOINT

ENTITIES = ("pull_request", "issue", "push")


def _event(source_id: str) -> SourceEvent:
    return SourceEvent(
        source="github",
        sourceType="push",
        sourceId=source_id,
        title=f"[Push] {source_id}",
        body="body",
        occurredAt="2026-11-01T10:00:00Z",
        metadata={"deliveryId": f"backfill-1-push-{source_id}"},
    )


def _engine(tmp_path: Path) -> tuple[Engine, list[StreamRecord]]:
    mirror = Mirror.open(tmp_path / "m.db")
    mirror.create_run(
        RunRecord(
            "r1", "ws", ["github:acme/rocket"], 30, "2026-10-01T00:00:00+00:00", None, 100_000,
            started_at="2026-11-01T00:00:00+00:00",
        ),
        [("github", "acme/rocket", entity) for entity in ENTITIES],
    )  # fmt: skip
    return Engine(mirror, Environment.create(simulate=True)), mirror.streams("r1")


def _page(stream: StreamRecord, events: list[SourceEvent], cursor: str) -> PageWrite:
    return PageWrite(
        stream, "ws", events, [], fetched=len(events), cursor=cursor, done=False,
        capped_at=None, api_calls=1, wait_s=0.0,
    )  # fmt: skip


def _queued_together(
    engine: Engine, pages: list[PageWrite]
) -> list[PageResult | BaseException | None]:
    """Queue ``pages`` while the writer thread is busy, then let it go: one batch."""

    async def scenario() -> list[PageResult | BaseException | None]:
        engine._writer = ThreadPoolExecutor(1, thread_name_prefix="mirror-writer")
        gate = threading.Event()
        engine._writer.submit(gate.wait)  # the writer is busy: the pages queue behind it
        tasks = [asyncio.ensure_future(engine._write(page)) for page in pages]
        await asyncio.sleep(0)  # each task queues its page
        assert len(engine._queued) == len(pages)
        gate.set()
        try:
            return await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            engine._writer.shutdown(wait=True)
            engine._writer = None

    return asyncio.run(scenario())


def _statements(mirror: Mirror) -> list[str]:
    seen: list[str] = []
    mirror.conn.set_trace_callback(seen.append)
    return seen


def test_pages_of_several_streams_commit_at_once_each_with_its_checkpoint(tmp_path: Path) -> None:
    engine, streams = _engine(tmp_path)
    pages = [
        _page(stream, [_event(f"{stream.entity}:{i}") for i in range(n)], f"after-{stream.entity}")
        for stream, n in zip(streams, (3, 5, 2), strict=True)
    ]
    pages[1] = _page(streams[1], [*pages[1].events, _event("pull_request:0")], "after-issue")
    seen = _statements(engine.mirror)
    results = _queued_together(engine, pages)
    engine.mirror.conn.set_trace_callback(None)

    assert seen.count("COMMIT") == 1  # one transaction for the three pages
    assert results == [PageResult(3, 0), PageResult(5, 1), PageResult(2, 0)]
    by_entity = {s.entity: s for s in engine.mirror.streams("r1")}
    for entity, (fetched, new, duplicates) in zip(
        ENTITIES, ((3, 3, 0), (6, 5, 1), (2, 2, 0)), strict=True
    ):
        stream = by_entity[entity]
        assert stream.cursor == f"after-{entity}"
        assert (stream.fetched, stream.new, stream.duplicates, stream.pages) == (
            fetched, new, duplicates, 1,
        )  # fmt: skip
    assert engine.mirror.count_observations("ws") == 10


def test_a_refusal_of_the_mirror_stores_none_of_the_pages_and_stops_the_run(
    tmp_path: Path,
) -> None:
    engine, streams = _engine(tmp_path)
    mirror = engine.mirror
    (pages_now,) = mirror.conn.execute("PRAGMA page_count").fetchone()
    mirror.conn.execute(f"PRAGMA max_page_count = {pages_now}")  # a full disk: no room at all
    big = [_event(f"push:{i}" + "x" * 500) for i in range(200)]
    pages = [_page(stream, big, f"after-{stream.entity}") for stream in streams]
    results = _queued_together(engine, pages)

    # The first page's stream fails with the refusal; the others stop, nothing stored.
    assert isinstance(results[0], StorageError) and "disk" in str(results[0]).lower()
    assert results[1:] == [None, None]
    assert engine._stopped is results[0]
    assert mirror.count_observations() == 0
    assert all(s.cursor is None and s.pages == 0 for s in mirror.streams("r1"))
    # A page queued after the refusal is not written either.
    mirror.conn.execute("PRAGMA max_page_count = 1000000")
    assert _queued_together(engine, [_page(streams[0], big[:1], "later")]) == [None]
    assert mirror.count_observations() == 0


def test_a_page_that_cannot_be_stored_fails_only_its_own_stream(tmp_path: Path) -> None:
    engine, streams = _engine(tmp_path)
    broken = SourceEvent.model_construct(source="github")  # no sourceId, title, ...: a bug's
    pages = [
        _page(streams[0], [_event("a:1")], "after-a"),
        _page(streams[1], [broken], "after-b"),
        _page(streams[2], [_event("c:1"), _event("c:2")], "after-c"),
    ]
    results = _queued_together(engine, pages)

    assert results[0] == PageResult(1, 0) and results[2] == PageResult(2, 0)
    assert isinstance(results[1], AttributeError)
    assert engine._stopped is None  # not the mirror's refusal: the run goes on
    cursors = {s.entity: s.cursor for s in engine.mirror.streams("r1")}
    assert cursors == {"pull_request": "after-a", "issue": None, "push": "after-c"}


def test_a_run_lets_the_wal_grow_and_gives_the_connection_its_setting_back(
    tmp_path: Path,
) -> None:
    """During a run the writer connection checkpoints the WAL every
    ``RUN_WAL_AUTOCHECKPOINT`` pages, not SQLite's 1,000, and keeps ``RUN_CACHE_KIB`` KiB of
    page cache (``Mirror.run_writes``); after it, the connection's own settings are back and
    every page is there."""
    engine, streams = _engine(tmp_path)
    mirror = engine.mirror
    (before,) = mirror.conn.execute("PRAGMA wal_autocheckpoint").fetchone()
    (cache_before,) = mirror.conn.execute("PRAGMA cache_size").fetchone()
    with mirror.run_writes():
        (during,) = mirror.conn.execute("PRAGMA wal_autocheckpoint").fetchone()
        (cache_during,) = mirror.conn.execute("PRAGMA cache_size").fetchone()
        for stream in streams:
            mirror.commit_page(
                stream, "ws", [_event(f"{stream.entity}:1")], [], fetched=1, cursor="c",
                done=False, capped_at=None, api_calls=1, wait_s=0.0,
            )  # fmt: skip
    (after,) = mirror.conn.execute("PRAGMA wal_autocheckpoint").fetchone()
    (cache_after,) = mirror.conn.execute("PRAGMA cache_size").fetchone()
    assert (before, during, after) == (1000, RUN_WAL_AUTOCHECKPOINT, 1000)
    assert (cache_before, cache_during, cache_after) == (-2000, -RUN_CACHE_KIB, -2000)
    assert mirror.count_observations("ws") == len(streams)


def test_a_page_queued_behind_its_streams_failed_page_is_not_stored(tmp_path: Path) -> None:
    """A stream queues its next page before the last one has landed (engine ``_submit``); when
    that last one cannot be stored (a bug, not the mirror), the page behind it must not land
    either, or the stream's checkpoint would skip the failed page's items on resume. Another
    stream's page in the same batch still lands; a later page of the failed stream neither."""
    engine, streams = _engine(tmp_path)
    broken = SourceEvent.model_construct(source="github")  # no sourceId, title, ...: a bug's
    pages = [
        _page(streams[0], [broken], "after-broken"),
        _page(streams[0], [_event("a:2")], "after-a2"),
        _page(streams[1], [_event("b:1")], "after-b"),
    ]
    results = _queued_together(engine, pages)

    assert isinstance(results[0], AttributeError)
    assert results[1:] == [None, PageResult(1, 0)]
    assert _queued_together(engine, [_page(streams[0], [_event("a:3")], "after-a3")]) == [None]
    by_entity = {s.entity: s for s in engine.mirror.streams("r1")}
    assert by_entity["pull_request"].cursor is None and by_entity["pull_request"].pages == 0
    assert by_entity["issue"].cursor == "after-b"
    assert engine.mirror.source_ids("ws") == ["b:1"]
