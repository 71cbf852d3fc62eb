"""A run stopped (cancelled, a 401) whose Vercel project or Linear team is renamed before it is
resumed. The resume's lookup by the name (key) the user gave answered 404 / "no team ENG" and
failed the source, so the run could never finish (a fresh tester's finding). The id the run's
first lookup learned is kept with the run (``run_sources.resource_id``); a resume whose lookup
by name finds nothing looks the source up by it: renamed, it goes on by id and says so; gone,
it fails with the line it failed with before. A fresh run of the old name fails as before.

The real connectors against the simulator (the run cancelled after a page, the simulator's
project or team renamed, the run resumed), and at the HTTP level with respx through the CLI
(a 401 mid-run, then ``resume``).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from support import run_cancelled_after_a_page, run_cli, simulated_engine, stored_ids

from backfill_tui.engine.run import RunRequest, SourceSpec

PROJECT_ID = "prj_Rk7WbQ2mZp4Xn9Lc5Tg8Hd3Fa6Js"  # the simulator's rocket-web


def _numbers(ids: list[str] | set[str]) -> set[str]:
    """Linear items by what a key rename leaves as it is: an issue by its number (ENG-12 and
    CORE-12 are one issue), anything else by its sourceId."""
    found = set()
    for source_id in ids:
        kind, _, rest = source_id.partition(":")
        if kind == "linear-issue":
            found.add(f"issue {rest.split(':')[1].rpartition('-')[2]}")
        else:
            found.add(source_id.replace("CORE", "ENG"))
    return found


@pytest.mark.parametrize("source", ["vercel:acme/rocket-web", "linear:ENG"])
def test_a_run_renamed_while_stopped_resumes_by_the_id_its_first_lookup_learned(
    tmp_path: Path, anchor: str, source: str
) -> None:
    sim = simulated_engine(tmp_path / "m.db", f"anchor={anchor},latency=0.002")
    engine, mirror, simulator = sim.engine, sim.mirror, sim.simulator
    run = engine.plan(RunRequest("demo", (SourceSpec.parse(source),), depth=90, max_items=10**5))
    run_cancelled_after_a_page(engine, run.id)
    record = mirror.get_run(run.id)
    assert record is not None and record.status == "cancelled"
    kept = len(stored_ids(tmp_path / "m.db"))
    assert kept > 0
    provider, target = source.split(":", 1)
    truth = simulator.ground_truth(provider, target, datetime.fromisoformat(run.since), None)
    if provider == "vercel":  # renamed in Vercel's dashboard while the run was stopped
        simulator.providers["vercel"].renamed[PROJECT_ID] = "rocket-web-renamed"  # type: ignore[attr-defined]
        said = (
            "project renamed from rocket-web to rocket-web-renamed since the run began; resumed "
            f"by its id ({PROJECT_ID})"
        )
    else:  # the team's key changed in Linear's settings while the run was stopped
        simulator.providers["linear"].world.rename(0, "CORE")  # type: ignore[attr-defined]
        said = "Linear team ENG was renamed CORE since the run began; resumed by the team's id"
    asked_before = len(simulator.requests)

    assert asyncio.run(engine.run(run.id)) == "completed"
    streams = mirror.streams(run.id)
    assert {(s.status, s.error) for s in streams} == {("completed", None)}
    assert all(s.note == said for s in streams if s.entity != "project"), [s.note for s in streams]
    assert sum(s.duplicates for s in streams) == 0  # read on, not started over
    stored = stored_ids(tmp_path / "m.db")
    assert len(stored) > kept
    if provider == "vercel":
        assert set(stored) == truth
        urls = [r.url for r in simulator.requests[asked_before:]]
        lookups = [httpx.URL(u).path for u in urls if "/v9/projects/" in u]
        assert lookups == ["/v9/projects/rocket-web", f"/v9/projects/{PROJECT_ID}"]
        pages = [httpx.URL(u).params["projectId"] for u in urls if "/v6/deployments" in u]
        assert set(pages[1:]) == {PROJECT_ID}  # the page asked by name beside the lookup, 404
    else:
        assert _numbers(stored) == _numbers(truth)  # nothing left unread, nothing twice
        assert len(_numbers(stored)) == len(stored)


# -- respx, through the CLI: a 401 mid-run, renamed (or gone) before the resume ------------------

VERCEL = "https://api.vercel.com"
LINEAR = "https://api.linear.app/graphql"
NOW = datetime.now(UTC)
NOT_FOUND = {"error": {"code": "not_found", "message": "Project not found"}}


def _deployments(first: int, more: bool) -> dict[str, Any]:
    items = []
    for n in range(first, first + 2):
        ms = int((NOW - timedelta(hours=n)).timestamp() * 1000)
        items.append({"uid": f"dpl_{n}", "name": "rocket-web", "url": f"rocket-web-{n}.vercel.app",
                      "created": ms, "state": "READY", "target": None})  # fmt: skip
    return {"deployments": items, "pagination": {"count": 2, "next": ms if more else None}}


class _Vercel:
    """Project rocket-web (prj_1), two pages of deployments; ``renamed``: its name is now
    rocket-site; ``gone``: deleted; ``hidden``: its name answers 404, its id its old name;
    ``token_ok``: False answers page 2 with 401."""

    def __init__(self, router: respx.MockRouter) -> None:
        self.renamed = self.gone = self.hidden = False
        self.token_ok = False
        self.asked: list[httpx.URL] = []
        router.get(url__startswith=f"{VERCEL}/").mock(side_effect=self.answer)

    def answer(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        self.asked.append(url)
        name = "rocket-site" if self.renamed else "rocket-web"
        known = {"prj_1"} if self.gone or self.hidden else {"prj_1", name}
        if url.path.startswith("/v9/projects/"):
            ref = url.path.rsplit("/", 1)[1]
            if ref in known and not self.gone:
                return httpx.Response(200, json={"id": "prj_1", "name": name, "accountId": "t_1"})
            return httpx.Response(404, json=NOT_FOUND)
        if url.params["projectId"] not in known or self.gone:
            return httpx.Response(404, json=NOT_FOUND)
        if "until" not in url.params:
            return httpx.Response(200, json=_deployments(1, more=True))
        if not self.token_ok:
            return httpx.Response(401, json={"error": {"code": "forbidden", "message": "bad"}})
        return httpx.Response(200, json=_deployments(3, more=False))


def _run_id(db: Path) -> str:
    """The id of the one run in the mirror at ``db``."""
    with sqlite3.connect(db) as conn:
        return str(conn.execute("SELECT id FROM runs").fetchone()[0])


@pytest.mark.parametrize("state", ["renamed", "gone", "name unchanged"])
@respx.mock(assert_all_called=False)
def test_vercel_a_401_then_a_rename_resumes_by_id_and_else_fails_as_before(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    respx_mock: respx.MockRouter,
    state: str,
) -> None:
    monkeypatch.setenv("VERCEL_TOKEN", "vercel_resume_rename_test")
    vercel = _Vercel(respx_mock)
    db = tmp_path / "m.db"
    first = run_cli(capsys, "run", "vercel:acme/rocket-web", "--workspace", "w", "--db", str(db))
    assert first.code == 1, first.err  # the 401: the stream failed after page 1
    run_id = _run_id(db)
    vercel.token_ok, vercel.renamed = True, state == "renamed"
    vercel.gone, vercel.hidden = state == "gone", state == "name unchanged"
    vercel.asked.clear()
    resumed = run_cli(capsys, "resume", run_id, "--db", str(db), "--json")
    lookups = [u.path for u in vercel.asked if u.path.startswith("/v9/")]
    assert lookups == ["/v9/projects/rocket-web", "/v9/projects/prj_1"]
    if state != "renamed":  # the line it failed with before: nothing renamed to go on by
        assert resumed.code == 1, resumed.err
        ((stream,),) = [src["streams"] for src in resumed.summary["sources"]]
        assert stream["status"] == "failed" and stream["error"].startswith(
            "Vercel project 'rocket-web' in team 'acme' cannot be read"
        ), stream
        assert "Traceback" not in resumed.err
        assert len(stored_ids(db, "w")) == 2  # what the first part stored is kept
        return
    assert resumed.code == 0, resumed.err
    ((stream,),) = [src["streams"] for src in resumed.summary["sources"]]
    assert stream["status"] == "completed"
    assert stream["note"] == (
        "project renamed from rocket-web to rocket-site since the run began; resumed by its id "
        "(prj_1)"
    )
    assert [u.params["projectId"] for u in vercel.asked if "deployments" in u.path] == ["prj_1"]
    assert len(stored_ids(db, "w")) == 4

    # A fresh run of the old name has nothing to tell the project by: it fails as it did
    vercel.asked.clear()
    fresh = run_cli(capsys, "run", "vercel:acme/rocket-web", "--workspace", "x", "--db",
                    str(tmp_path / "fresh.db"))  # fmt: skip
    assert fresh.code == 1 and "cannot be read" in fresh.err, fresh.err
    assert [u.path for u in vercel.asked if u.path.startswith("/v9/")] == [
        "/v9/projects/rocket-web"
    ]
    # In the mirror that read it before, the id an earlier run kept tells the new name
    again = run_cli(capsys, "run", "vercel:acme/rocket-web", "--workspace", "w", "--db", str(db))
    assert again.code == 1, again.err
    assert "Traceback" not in again.err and "resume" not in again.err.splitlines()[-1]
    (line,) = [line for line in again.err.splitlines() if "cannot be read" in line]
    assert line.endswith(
        "; the project an earlier run read as rocket-web (prj_1) is now named rocket-site: "
        "give vercel:acme/rocket-site"
    ), line


def _gql(data: Any = None, errors: Any = None, status: int = 200) -> httpx.Response:
    body = {"data": data} if errors is None else {"errors": errors}
    return httpx.Response(status, json=body)


class _Linear:
    """Team ENG (t-1) and two pages of comments; ``renamed``: its key is now CORE; ``gone``:
    no team has its id; ``token_ok``: False answers page 2 with AUTHENTICATION_ERROR."""

    def __init__(self, router: respx.MockRouter) -> None:
        self.renamed = self.gone = False
        self.token_ok = False
        self.sent: list[dict[str, Any]] = []
        router.post(LINEAR).mock(side_effect=self.answer)

    def _team(self) -> dict[str, Any]:
        key = "CORE" if self.renamed else "ENG"
        return {"id": "t-1", "key": key, "name": "Engineering", "organization": {"id": "o-1"}}

    def _comment(self, cid: str) -> dict[str, Any]:
        team = self._team()
        stamp = (NOW - timedelta(hours=int(cid[2:]))).isoformat().replace("+00:00", "Z")
        issue = {"id": "i-1", "identifier": f"{team['key']}-1", "title": "T",
                 "url": "https://linear.app/x", "team": team}  # fmt: skip
        return {"id": cid, "body": "hi", "createdAt": stamp, "updatedAt": stamp, "user": None,
                "parent": None, "issue": issue}  # fmt: skip

    def answer(self, request: httpx.Request) -> httpx.Response:
        sent = json.loads(request.content)
        self.sent.append(sent)
        query, variables = sent["query"], sent["variables"]
        if "query TeamById" in query:
            return _gql({"teams": {"nodes": [] if self.gone else [self._team()]}})
        if "query Team(" in query:
            found = variables["key"] == self._team()["key"] and not self.gone
            return _gql({"teams": {"nodes": [self._team()] if found else []}})
        by_id = "id: { eq: $team }" in query
        if not by_id and variables["team"] != self._team()["key"]:  # a key that matches nothing
            return _gql({"comments": {"nodes": [], "pageInfo": {"hasNextPage": False}}})
        if variables["after"] is None:
            nodes, info = [self._comment("c-1")], {"hasNextPage": True, "endCursor": "cur-1"}
        elif not self.token_ok:
            auth = {
                "message": "Authentication required",
                "extensions": {"code": "AUTHENTICATION_ERROR"},
            }
            return _gql(errors=[auth], status=400)
        else:
            nodes, info = [self._comment("c-2")], {"hasNextPage": False, "endCursor": None}
        return _gql({"comments": {"nodes": nodes, "pageInfo": info}})


@pytest.mark.parametrize("gone", [False, True])
@respx.mock(assert_all_called=False)
def test_linear_a_401_then_a_key_rename_resumes_by_id_and_gone_fails_as_before(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    respx_mock: respx.MockRouter,
    gone: bool,
) -> None:
    monkeypatch.setenv("LINEAR_API_KEY", "lin_api_T3stKeyValue0123456789abcdefghij")
    linear = _Linear(respx_mock)
    db = tmp_path / "m.db"
    args = ("--workspace", "w", "--entities", "comment", "--db", str(db))
    first = run_cli(capsys, "run", "linear:ENG", *args)
    assert first.code != 0 and "authentication failed" in first.err.lower(), first.err
    run_id = _run_id(db)
    linear.token_ok, linear.renamed, linear.gone = True, True, gone
    linear.sent.clear()
    resumed = run_cli(capsys, "resume", run_id, "--db", str(db), "--json")
    asked = [s["query"].split("(")[0].split()[-1] for s in linear.sent[:2]]
    assert asked == ["Team", "TeamById"], asked  # by the key given, then by the run's id
    assert linear.sent[1]["variables"] == {"id": "t-1"}
    if gone:
        assert resumed.code == 1, resumed.err
        ((stream,),) = [src["streams"] for src in resumed.summary["sources"]]
        assert stream["status"] == "failed" and stream["error"].startswith(
            "Linear has no team ENG visible to this key"
        ), stream
        assert "Traceback" not in resumed.err
        assert len(stored_ids(db, "w")) == 1
        return
    assert resumed.code == 0, resumed.err
    ((stream,),) = [src["streams"] for src in resumed.summary["sources"]]
    assert stream["status"] == "completed"
    assert stream["note"] == (
        "Linear team ENG was renamed CORE since the run began; resumed by the team's id"
    )
    lists = [s["variables"] for s in linear.sent[2:]]
    assert lists[0] == {"team": "t-1", "cutoff": lists[0]["cutoff"], "after": "cur-1"}
    assert all(v.get("team") == "t-1" for v in lists)  # by id from the lookup on
    assert {s.split(":")[2] for s in stored_ids(db, "w")} == {"c-1", "c-2"}

    linear.sent.clear()
    fresh = run_cli(capsys, "run", "linear:ENG", "--workspace", "x", "--entities", "comment",
                    "--db", str(tmp_path / "fresh.db"))  # fmt: skip
    assert fresh.code == 1 and "Linear has no team ENG visible" in fresh.err, fresh.err
    assert not any("query TeamById" in s["query"] for s in linear.sent)
    # In the mirror that read it before, the id an earlier run kept tells the key now
    again = run_cli(capsys, "run", "linear:ENG", "--workspace", "w", "--entities", "comment",
                    "--db", str(db))  # fmt: skip
    assert again.code == 1, again.err
    assert "Traceback" not in again.err and "resume" not in again.err.splitlines()[-1]
    (line,) = [line for line in again.err.splitlines() if "no team ENG" in line]
    assert line.endswith(
        "; the team an earlier run read as ENG (its id t-1) is now CORE: give linear:CORE"
    ), line
