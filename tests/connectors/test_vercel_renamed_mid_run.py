"""A Vercel project renamed while its deployments are read (the simulator's
``vercel_rename_after``, and respx at the HTTP level, through the engine).

Pages are asked by the name given while the lookup runs beside them, so that a replay asks what
the original asked. A rename leaves the old name answering 404 (Vercel keeps no redirect), and
the stream completed "deleted or hidden" on page 2 with the rest of its window unread (a fresh
tester's finding). Now the project is looked up again by the id the lookup learned: renamed, the
stream reads on by id and says so; gone, it ends as before.
"""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from support import (
    ground_truth,
    observation_rows,
    run_cli,
    simulated_engine,
    stored_ids,
    stream_counts,
)

from backfill_tui.clock import VirtualClock
from backfill_tui.engine.environment import Environment
from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
from backfill_tui.store import Mirror, StreamRecord

SOURCE = "vercel:acme/rocket-web"
PROJECT_ID = "prj_Rk7WbQ2mZp4Xn9Lc5Tg8Hd3Fa6Js"  # the simulator's rocket-web


def _deployments_asked(urls: list[str]) -> list[str]:
    """The ``projectId`` of each deployment-list request, in order."""
    return [httpx.URL(url).params["projectId"] for url in urls if "/v6/deployments" in url]


def _ended_short(db: Path) -> bool:
    """Whether the mirror's one stream ended short of its window (``streams.ended_short``)."""
    with sqlite3.connect(db) as conn:
        (flag,) = conn.execute("SELECT ended_short FROM streams").fetchone()
    return bool(flag)


def test_a_project_renamed_mid_run_is_read_on_by_its_id(tmp_path: Path, anchor: str) -> None:
    config = f"anchor={anchor},clock=virtual,vercel_rename_after=1"
    sim = simulated_engine(tmp_path / "m.db", config)
    run_id = sim.run(SOURCE, days=90)
    (stream,) = sim.mirror.streams(run_id)
    assert (stream.status, stream.error) == ("completed", None)
    assert not _ended_short(tmp_path / "m.db")
    assert stream.note == (
        "project renamed from rocket-web to rocket-web-renamed mid-run; the rest of its "
        f"deployments were read by its id ({PROJECT_ID})"
    )
    run = sim.mirror.get_run(run_id)
    sim.mirror.close()
    assert run is not None
    since = run.since
    truth = ground_truth(config, "vercel", "acme/rocket-web", since)
    assert len(truth) > 200  # three pages at least: two of them read by id
    assert set(stored_ids(tmp_path / "m.db")) == truth
    urls = [r.url for r in sim.simulator.requests]
    # page 1 by name, page 2 by name (404), then page 2 again and the rest by id
    asked = _deployments_asked(urls)
    assert asked[:3] == ["rocket-web", "rocket-web", PROJECT_ID]
    assert set(asked[2:]) == {PROJECT_ID}
    assert sum(f"/v9/projects/{PROJECT_ID}" in url for url in urls) == 1


def test_a_run_without_a_rename_asks_as_before(tmp_path: Path, anchor: str) -> None:
    """Normal runs' requests are unchanged (recordings made before still replay): every page
    by the name given, one lookup by name, none by id."""
    sim = simulated_engine(tmp_path / "m.db", f"anchor={anchor},clock=virtual")
    run_id = sim.run(SOURCE, days=90)
    (stream,) = sim.mirror.streams(run_id)
    sim.mirror.close()
    assert (stream.status, stream.note) == ("completed", None)
    urls = [r.url for r in sim.simulator.requests]
    assert set(_deployments_asked(urls)) == {"rocket-web"}
    assert len(_deployments_asked(urls)) >= 3
    assert [httpx.URL(u).path for u in urls if "/v9/projects/" in u] == ["/v9/projects/rocket-web"]


# -- respx: gone for good, and a lookup that cannot tell ------------------------------------------

API = "https://api.vercel.com"
NOW = datetime.now(UTC)


def _page(first: int, count: int, more: bool) -> httpx.Response:
    items = []
    for n in range(first, first + count):
        ms = int((NOW - timedelta(hours=n)).timestamp() * 1000)
        items.append({"uid": f"dpl_{n}", "name": "rocket-web", "url": f"rocket-web-{n}.vercel.app",
                      "created": ms, "state": "READY", "target": None})  # fmt: skip
    following = items[-1]["created"] if more else None
    return httpx.Response(
        200, json={"deployments": items, "pagination": {"count": count, "next": following}}
    )


def _run(tmp_path: Path) -> StreamRecord:
    mirror = Mirror.open(tmp_path / "m.db")
    try:
        environment = Environment(
            clock=VirtualClock(start=NOW.timestamp()), env={"VERCEL_TOKEN": "vercel_renamed_test"}
        )
        engine = Engine(mirror, environment)
        run = engine.plan(RunRequest("demo", (SourceSpec.parse(SOURCE),)))
        asyncio.run(engine.run(run.id))
        (stream,) = mirror.streams(run.id)
        return stream
    finally:
        mirror.close()


def _vercel(router: respx.MockRouter, by_id: httpx.Response) -> list[str]:
    """Page 1 by name, then 404 by name; by id the rest. ``by_id``: the lookup by id."""
    router.get(f"{API}/v9/projects/rocket-web").respond(
        200, json={"id": "prj_1", "name": "rocket-web", "accountId": "team_1"}
    )
    router.get(f"{API}/v9/projects/prj_1").mock(return_value=by_id)
    asked: list[str] = []

    def listing(request: httpx.Request) -> httpx.Response:
        ref = request.url.params["projectId"]
        asked.append(ref)
        if ref == "rocket-web" and "until" in request.url.params:
            return httpx.Response(
                404, json={"error": {"code": "not_found", "message": "Project not found"}}
            )
        if "until" not in request.url.params:
            return _page(1, 2, more=True)
        return _page(3, 2, more=False)

    router.get(f"{API}/v6/deployments").mock(side_effect=listing)
    return asked


@pytest.mark.parametrize("status", [404, 403])
@respx.mock
def test_a_project_gone_for_good_still_ends_deleted_or_hidden(
    respx_mock: respx.MockRouter, tmp_path: Path, status: int
) -> None:
    missing: dict[str, Any] = {"error": {"code": "not_found", "message": "Project not found"}}
    asked = _vercel(respx_mock, httpx.Response(status, json=missing))
    stream = _run(tmp_path)
    assert (stream.status, stream.new) == ("completed", 2)
    assert _ended_short(tmp_path / "m.db")  # a re-sync reads its whole window again
    assert (stream.note or "").startswith(
        "project rocket-web was deleted or hidden from this token while it was being read"
    ), stream.note
    assert asked == ["rocket-web", "rocket-web"]  # never asked by id


@respx.mock
def test_a_renamed_project_found_by_id_reads_on(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    renamed = httpx.Response(200, json={"id": "prj_1", "name": "rocket-site"})
    asked = _vercel(respx_mock, renamed)
    stream = _run(tmp_path)
    assert (stream.status, stream.new) == ("completed", 4)
    assert not _ended_short(tmp_path / "m.db")
    assert stream.note == (
        "project renamed from rocket-web to rocket-site mid-run; the rest of its deployments "
        "were read by its id (prj_1)"
    )
    assert asked == ["rocket-web", "rocket-web", "prj_1"]


@respx.mock
def test_a_lookup_by_id_that_cannot_answer_fails_the_stream_to_resume(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    """A 5xx past the retry bound says nothing of the project: the stream fails with it (the
    pages read kept), rather than calling the window complete."""
    _vercel(respx_mock, httpx.Response(500, json={"error": {"code": "internal"}}))
    stream = _run(tmp_path)
    assert (stream.status, stream.new) == ("failed", 2)
    assert "gave up after" in (stream.error or ""), stream.error


def test_a_run_that_met_a_rename_replays_alike(
    tmp_path: Path, anchor: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The lookup by id and the pages asked by id are recorded, and a replay asks them again."""
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor},clock=virtual,vercel_rename_after=1")
    original, rec = tmp_path / "original.db", tmp_path / "run.rec.gz"
    recorded = run_cli(
        capsys, "run", SOURCE, "--simulate", "--workspace", "demo", "--days", "90", "--json",
        "--db", str(original), "--record", str(rec),
    )  # fmt: skip
    assert recorded.code == 0, recorded.err
    monkeypatch.delenv("BACKFILL_SIM")
    replayed = run_cli(capsys, "replay", str(rec), "--json", "--db", str(tmp_path / "replay.db"))
    assert replayed.code == 0, replayed.err
    assert stream_counts(replayed.summary) == stream_counts(recorded.summary)
    ((said,),) = [[s["note"] for s in src["streams"]] for src in replayed.summary["sources"]]
    assert "project renamed from rocket-web to rocket-web-renamed mid-run" in said
    assert observation_rows(tmp_path / "replay.db") == observation_rows(original)
