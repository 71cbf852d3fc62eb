"""A Linear team whose key is renamed mid-run (ENG → CORE), as Linear allows: the lists filter on
the key, so that their first page goes out beside the team lookup, and after the rename a key
filter matches nothing. The real connector runs against the simulator's ``rename_team=N``.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from support import observation_rows, run_cli, simulated_engine, stored_ids, stream_counts

from backfill_tui.clock import VirtualClock
from backfill_tui.connectors.base import Page
from backfill_tui.connectors.linear import LinearConnector
from backfill_tui.http import ApiClient, LinearPolicy, ResilientTransport

KEY = "lin_api_T3stKeyValue0123456789abcdefghij"
URL = "https://api.linear.app/graphql"

ROOTS = {"issue": "issues", "comment": "comments", "project": "projects"}


def _numbers(ids: set[str] | list[str]) -> set[str]:
    """Issues by their number, comments by their id, projects by their slug: what stays the
    same when the key changes (an issue's identifier ENG-12 becomes CORE-12)."""
    found = set()
    for source_id in ids:
        kind, _, rest = source_id.partition(":")
        parts = rest.split(":")
        if kind == "linear-issue":
            found.add(f"issue {parts[1].rpartition('-')[2]}")
        elif kind == "linear-comment":
            found.add(f"comment {parts[1]}")
        else:
            found.add(f"project {parts[0]}")
    return found


def _replays_alike(
    capsys: pytest.CaptureFixture[str], rec: Path, counts: Any, db: Path, replay_db: Path
) -> None:
    """Replay ``rec`` into ``replay_db`` with no network (respx refuses every request): it
    completes with the stream counts ``counts`` (``stream_counts`` of the recorded run's
    summary) and ``db``'s observation rows."""
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as net:
        replayed = run_cli(capsys, "replay", str(rec), "--db", str(replay_db), "--json")
        assert not net.calls
    assert replayed.code == 0, replayed.err
    assert stream_counts(replayed.summary) == counts
    assert observation_rows(replay_db) == observation_rows(db)


def test_a_team_key_renamed_mid_run_is_read_on_by_the_teams_id(tmp_path: Path, anchor: str) -> None:
    # The 6th query: the lookup and three first pages are answered before it, so each of the
    # issue and comment lists (several pages each) is renamed under it mid-scan
    sim_engine = simulated_engine(tmp_path / "m.db", f"anchor={anchor},rename_team=6")
    run_id = sim_engine.run("linear:ENG", days=90, max_items=100_000)
    sim, mirror = sim_engine.simulator, sim_engine.mirror
    run = mirror.get_run(run_id)
    assert run is not None and run.status == "completed"
    cutoff = datetime.fromisoformat(run.since)
    linear = sim.providers["linear"]
    assert linear.world.keys[0] == "CORE"  # type: ignore[attr-defined]

    stored = stored_ids(tmp_path / "m.db")
    expected = sim.ground_truth("linear", "ENG", cutoff, None)
    assert _numbers(expected) <= _numbers(stored)  # nothing in the window left unread
    # and nothing stored twice: the catch-up after the scan passes over what the scan read by
    # its Linear id, not by its identifier (ENG-900 read, CORE-900 met again: a new sourceId)
    assert len(_numbers(stored)) == len(stored)
    assert any(s.startswith("linear-issue:CORE:CORE-") for s in stored)  # read after the rename

    streams = {s.entity: s for s in mirror.streams(run_id)}
    assert {s.status for s in streams.values()} == {"completed"}
    for entity in ("issue", "comment"):  # renamed under them mid-scan
        assert streams[entity].pages > 1
        assert streams[entity].note == (
            "Linear team ENG was renamed CORE while it was being read; read on by the team's id"
        ), entity
    served = linear.calls  # type: ignore[attr-defined]
    assert served["teams"] == 2  # the lookup, and one ask by id that found the new key


def test_a_run_with_a_renamed_key_replays_as_it_ran(
    tmp_path: Path, anchor: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The asks by id and the team asked again are recorded, and a replay makes the same
    decisions from the recorded answers."""
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor},rename_team=6")
    rec, db = tmp_path / "run.rec.gz", tmp_path / "original.db"
    args = ("--workspace", "demo", "--days", "90", "--max-items", "100000", "--json")
    original = run_cli(capsys, "run", "linear:ENG", "--simulate", *args, "--db", str(db),
                       "--record", str(rec))  # fmt: skip
    assert original.code == 0, original.err
    notes = [s.get("note") for src in original.summary["sources"] for s in src["streams"]]
    assert any(n and "renamed CORE" in n for n in notes), notes

    monkeypatch.delenv("BACKFILL_SIM")
    _replays_alike(capsys, rec, stream_counts(original.summary), db, tmp_path / "replay.db")


def _team(key: str) -> httpx.Response:
    team = {"id": "t-1", "key": key, "name": "Engineering", "organization": {"id": "o-1"}}
    return httpx.Response(200, json={"data": {"teams": {"nodes": [team]}}})


def _page(nodes: list[Any], cursor: str | None, more: bool) -> httpx.Response:
    info = {"hasNextPage": more, "endCursor": cursor}
    return httpx.Response(200, json={"data": {"comments": {"nodes": nodes, "pageInfo": info}}})


def _comment(cid: str, key: str) -> dict[str, Any]:
    issue = {"id": "i-1", "identifier": f"{key}-1", "title": "T", "url": "https://linear.app/x"}
    issue["team"] = {"id": "t-1", "key": key, "name": "Engineering"}
    stamp = "2026-11-01T00:00:00.000Z"
    return {"id": cid, "body": "hi", "createdAt": stamp, "updatedAt": stamp, "user": None,
            "parent": None, "issue": issue}  # fmt: skip


def _comments() -> list[Page]:
    async def go() -> list[Page]:
        transport = ResilientTransport(
            httpx.AsyncHTTPTransport(),
            provider_label="Linear",
            base_url=URL,
            auth_header=LinearConnector.auth_header(KEY),
            policy=LinearPolicy(),
            clock=VirtualClock(1.8e9),
        )
        client = ApiClient(label="Linear", base_url=URL, transport=transport)
        connector = LinearConnector("ENG", client, datetime(2026, 10, 29, 15, 0, tzinfo=UTC))
        try:
            await connector.prepare()
            return [p async for p in connector.stream("comment").pages(None)]
        finally:
            await client.aclose()

    return asyncio.run(go())


@pytest.mark.parametrize("now", ["CORE", "ENG"])
def test_an_empty_later_page_asks_the_team_by_id_and_goes_on_only_if_its_key_changed(
    respx_mock: respx.MockRouter, now: str
) -> None:
    renamed = now != "ENG"
    answers = [_team("ENG"), _page([_comment("c-1", "ENG")], "cur-1", True)]
    answers += [_page([], None, False), _team(now)]  # page 2 by key: nothing; the team by id
    if renamed:  # page 2 again, by the team's id
        answers.append(_page([_comment("c-2", now)], "cur-2", False))
    answers.append(_page([_comment("c-1", "ENG")], None, False))  # the catch-up
    route = respx_mock.post(URL).mock(side_effect=answers)
    pages = _comments()
    sent = [json.loads(call.request.content) for call in route.calls]
    assert len(sent) == len(answers)
    asked = [(s["variables"].get("team"), s["variables"].get("after")) for s in sent[1:3]]
    assert asked == [("ENG", None), ("ENG", "cur-1")]
    assert sent[3]["variables"] == {"id": "t-1"} and "id: { eq: $id }" in sent[3]["query"]
    if renamed:
        assert sent[4]["variables"]["team"] == "t-1" and sent[4]["variables"]["after"] == "cur-1"
        assert "team: { id: { eq: $team } }" in sent[4]["query"]
        assert "team: { id: { eq: $team } }" in sent[5]["query"]  # the catch-up by id too
        assert [[e.sourceId.split(":")[1] for e in p.events] for p in pages] == [
            ["ENG-1"],
            ["CORE-1"],
        ]
        assert pages[1].note == (
            "Linear team ENG was renamed CORE while it was being read; read on by the team's id"
        )
    else:  # the empty page was the list's end
        assert [len(p.events) for p in pages] == [1, 0]
        assert all(p.note is None for p in pages)
        assert all("id: { eq: $team }" not in s["query"] for s in sent)


@pytest.mark.parametrize("now", ["CORE", "ENG"])
def test_a_catch_up_with_nothing_after_a_scan_read_before_the_rename_goes_on_by_id(
    respx_mock: respx.MockRouter, now: str
) -> None:
    """The scan's pages are answered before the rename, its catch-up after: by key it lists
    nothing, though the scan's newest nodes (updated since it began) must be there. The team
    is asked by id; renamed, the catch-up is asked again by id and finds c-3, updated during
    the run (it ended with nothing, c-3 missed). Unchanged, the empty catch-up stands."""
    renamed = now != "ENG"
    answers = [_team("ENG"), _page([_comment("c-1", "ENG")], "cur-1", True)]
    answers += [_page([_comment("c-2", "ENG")], None, False)]  # the scan's last page
    answers += [_page([], None, False), _team(now)]  # the catch-up by key: nothing; the team
    if renamed:  # the catch-up again, by the team's id: c-3 moved to the front meanwhile
        answers.append(_page([_comment("c-3", now), _comment("c-1", now)], None, False))
    route = respx_mock.post(URL).mock(side_effect=answers)
    pages = _comments()
    sent = [json.loads(call.request.content) for call in route.calls]
    assert len(sent) == len(answers)
    scan, catch_up = sent[1]["variables"], sent[3]["variables"]
    assert catch_up["team"] == "ENG" and catch_up["after"] is None
    assert catch_up["cutoff"] != scan["cutoff"]  # from the scan's newest node, less a minute
    assert sent[4]["variables"] == {"id": "t-1"} and "id: { eq: $id }" in sent[4]["query"]
    read = [[e.sourceId.split(":")[2] for e in p.events] for p in pages]
    if renamed:
        assert sent[5]["variables"] == {**catch_up, "team": "t-1"}
        assert "team: { id: { eq: $team } }" in sent[5]["query"]
        assert read == [["c-1"], ["c-2", "c-3"]]  # c-1, read already, passed over by its id
        assert pages[1].note == (
            "Linear team ENG was renamed CORE while it was being read; read on by the team's id"
        )
    else:
        assert read == [["c-1"], ["c-2"]]
        assert all(p.note is None for p in pages)


def test_a_rename_met_by_a_catch_up_is_recorded_and_replayed_alike(
    tmp_path: Path, anchor: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Comments alone, 90 days: seven pages, then the catch-up as the 9th query, answered
    after the rename. The catch-up goes on by id (the team asked once), and a replay asks
    exactly what the recording holds, storing the same rows."""
    log = tmp_path / "requests.jsonl"
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor},rename_team=9,request_log={log}")
    rec, db = tmp_path / "run.rec.gz", tmp_path / "original.db"
    args = ("--workspace", "demo", "--days", "90", "--entities", "comment", "--json")
    original = run_cli(capsys, "run", "linear:ENG", "--simulate", *args, "--db", str(db),
                       "--record", str(rec))  # fmt: skip
    assert original.code == 0, original.err
    ((stream,),) = [src["streams"] for src in original.summary["sources"]]
    assert stream["pages"] == 7 and stream["note"] == (
        "Linear team ENG was renamed CORE while it was being read; read on by the team's id"
    )
    queries = [json.loads(line)["status"] for line in log.read_text().splitlines()]
    assert len(queries) == 1 + 7 + 1 + 1 + 1  # the team, 7 pages, catch-up, team by id, again

    monkeypatch.delenv("BACKFILL_SIM")
    _replays_alike(capsys, rec, stream_counts(original.summary), db, tmp_path / "replay.db")


@pytest.mark.parametrize("rename_at", [3, 4])
def test_a_list_whose_first_page_came_after_the_rename_is_read_by_id_when_another_met_it(
    tmp_path: Path, anchor: str, rename_at: int
) -> None:
    """rename_team=3: the issues' first page is answered before the rename, the comments' and
    projects' after it (empty, by key); =4: the projects' alone. Each empty first page waits
    until the issue scan met the rename, then is asked again by the team's id (they completed
    with 0 fetched and no note). The team is asked by id once, by the stream that met it."""
    sim_engine = simulated_engine(tmp_path / "m.db", f"anchor={anchor},rename_team={rename_at}")
    run_id = sim_engine.run("linear:ENG", days=90, max_items=100_000)
    sim, mirror = sim_engine.simulator, sim_engine.mirror
    run = mirror.get_run(run_id)
    assert run is not None and run.status == "completed"
    stored = stored_ids(tmp_path / "m.db")
    expected = sim.ground_truth("linear", "ENG", datetime.fromisoformat(run.since), None)
    assert _numbers(stored) == _numbers(expected)  # every entity's window, each once
    assert len(stored) == len(expected)
    streams = {s.entity: s for s in mirror.streams(run_id)}
    for entity in ("issue", "comment", "project"):
        assert streams[entity].status == "completed"
        assert streams[entity].counters.fetched == sum(
            1 for s in expected if s.startswith(f"linear-{entity}:")
        ), entity
        assert streams[entity].note == (
            "Linear team ENG was renamed CORE while it was being read; read on by the team's id"
        ), entity
    assert sim.providers["linear"].calls["teams"] == 2  # type: ignore[attr-defined]


@pytest.mark.parametrize("rename_at", [3, 4])
def test_a_first_page_asked_again_by_id_is_recorded_and_replayed_alike(
    tmp_path: Path,
    anchor: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    rename_at: int,
) -> None:
    """rename_team=3 (=4) recorded: the comments' and projects' (the projects') first pages
    asked again by id are in the recording, and a replay (its streams interleaved otherwise)
    asks them too, from the recorded answers alone, and stores the same rows."""
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor},rename_team={rename_at}")
    rec, db = tmp_path / "run.rec.gz", tmp_path / "original.db"
    args = ("--workspace", "demo", "--days", "90", "--max-items", "100000", "--json")
    original = run_cli(capsys, "run", "linear:ENG", "--simulate", *args, "--db", str(db),
                       "--record", str(rec))  # fmt: skip
    assert original.code == 0, original.err
    counts = stream_counts(original.summary)
    assert all(c[4] for c in counts), counts  # fetched: no list completed empty

    monkeypatch.delenv("BACKFILL_SIM")
    _replays_alike(capsys, rec, counts, db, tmp_path / "replay.db")


def test_a_quiet_list_beside_others_without_a_rename_asks_nothing_more(
    tmp_path: Path, anchor: str
) -> None:
    """OPS over 7 days: no project in the window, so the projects' first page by key is empty,
    as a quiet team's is. It waits for the issue and comment lists to end, none meets a
    rename, and it completes empty: the lookup and three first pages, as before (a normal
    run's recordings replay)."""
    sim_engine = simulated_engine(tmp_path / "m.db", f"anchor={anchor}")
    run_id = sim_engine.run("linear:OPS", days=7, max_items=100_000)
    streams = {s.entity: s for s in sim_engine.mirror.streams(run_id)}
    assert {s.status for s in streams.values()} == {"completed"}
    assert streams["project"].counters.fetched == 0 and streams["project"].note is None
    assert streams["issue"].counters.fetched and streams["comment"].counters.fetched
    calls = sim_engine.simulator.providers["linear"].calls  # type: ignore[attr-defined]
    assert sum(calls.values()) == 4 and calls["teams"] == 1
