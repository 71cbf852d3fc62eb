"""Re-syncs against answers GitHub really gives (respx at the HTTP level, with ETags and 304s as
GitHub sends them): what a second run into the same mirror must still store.

Two ways a re-sync lost data for good (a fresh tester's findings), each stored by ``--full``:
- a branch merged with a merge commit brings commits dated before the earlier run, and the
  commits list's ``since`` is the commit date: a re-sync from the earlier run's start never
  asked for them;
- releases are listed by creation: a release created long ago and published now sits on page
  2 while page 1 answers 304, and a 304 on page 1 ended the stream.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from support import run_cli, stored_ids

API = "https://api.github.com"
REPO_API = f"{API}/repos/acme/rocket"
STAMP = "%Y-%m-%dT%H:%M:%SZ"


def _etagged(request: httpx.Request, body: Any, headers: dict[str, str] | None = None) -> Any:
    """GitHub's conditional GET: the body's ETag, and a 304 when ``If-None-Match`` names it."""
    tag = '"' + hashlib.sha1(json.dumps(body, sort_keys=True).encode()).hexdigest() + '"'
    if request.headers.get("if-none-match") == tag:
        return httpx.Response(304, headers={"etag": tag})
    return httpx.Response(200, json=body, headers={"etag": tag, **(headers or {})})


def _repo(pushed: datetime) -> dict[str, Any]:
    return {
        "id": 1296269,
        "full_name": "acme/rocket",
        "html_url": "https://github.com/acme/rocket",
        "default_branch": "main",
        "pushed_at": pushed.strftime(STAMP),
    }


def _commit(sha: str, at: datetime, message: str) -> dict[str, Any]:
    person = {"name": "Ada", "email": "ada@acme.dev", "date": at.strftime(STAMP)}
    return {
        "sha": sha,
        "commit": {"message": message, "author": person, "committer": person},
        "author": {"login": "octo-ada", "id": 583231},
        "parents": [],
    }


def _release(tag: str, rid: int, created: datetime, published: datetime | None) -> dict[str, Any]:
    return {
        "id": rid,
        "tag_name": tag,
        "name": tag,
        "body": "",
        "draft": published is None,
        "prerelease": False,
        "target_commitish": "main",
        "html_url": f"https://github.com/acme/rocket/releases/tag/{tag}",
        "author": {"login": "octo-ada", "id": 583231},
        "created_at": created.strftime(STAMP),
        "published_at": published.strftime(STAMP) if published else None,
    }


def _run(capsys: pytest.CaptureFixture[str], db: Path, entities: str, *extra: str) -> Any:
    result = run_cli(
        capsys, "run", "github:acme/rocket", "--workspace", "demo", "--days", "30",
        "--entities", entities, "--json", "--db", str(db), *extra,
    )  # fmt: skip
    assert result.code == 0, result.err
    return result


@pytest.fixture(autouse=True)
def _token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_resyncRealWorldToken000000000000000")


@respx.mock
def test_a_branch_merged_after_the_first_run_has_its_older_commits_stored(
    respx_mock: respx.MockRouter, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    now = datetime.now(UTC)
    a = _commit("a" * 40, now - timedelta(days=2), "Tune the engine")
    b = _commit("b" * 40, now - timedelta(days=3), "Harden the valve")  # on a branch until now
    m = _commit("c" * 40, now, "Merge pull request #9 from acme/valve")
    world: dict[str, Any] = {"commits": [a], "pushed": now - timedelta(days=2)}

    def commits(request: httpx.Request) -> Any:
        since = request.url.params.get("since", "")
        listed = [c for c in world["commits"] if c["commit"]["committer"]["date"] >= since]
        return _etagged(request, listed)

    respx_mock.get(REPO_API).mock(side_effect=lambda r: _etagged(r, _repo(world["pushed"])))
    asked = respx_mock.get(f"{REPO_API}/commits").mock(side_effect=commits)
    db = tmp_path / "m.db"
    _run(capsys, db, "push")
    assert set(stored_ids(db)) == {f"push:acme/rocket:{'a' * 40}"}

    # Nothing pushed since: the stream asks its first page conditionally (a 304, no quota).
    before = asked.call_count
    unchanged = _run(capsys, db, "push")
    (stream,) = unchanged.summary["sources"][0]["streams"]
    assert stream["new"] == 0 and asked.call_count == before + 1
    assert asked.calls[-1].response.status_code == 304

    # The branch lands: M dated now, B three days ago (before the first run began).
    world["commits"], world["pushed"] = [m, b, a], now + timedelta(seconds=1)
    second = _run(capsys, db, "push")
    (stream,) = second.summary["sources"][0]["streams"]
    assert stream["new"] == 2, stream
    assert set(stored_ids(db)) == {f"push:acme/rocket:{s * 40}" for s in "abc"}
    full = _run(capsys, db, "push", "--full")  # the whole window again finds nothing more
    assert full.summary["sources"][0]["streams"][0]["new"] == 0


@respx.mock
def test_a_release_created_long_ago_and_published_now_on_page_2_is_stored(
    respx_mock: respx.MockRouter, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    now = datetime.now(UTC)
    page_1 = [
        _release(
            f"v1.{i}", 5000 + i, now - timedelta(days=1 + i / 4), now - timedelta(days=1 + i / 4)
        )
        for i in range(100)
    ]
    created = now - timedelta(days=80)
    world: dict[str, Any] = {"old": _release("v0.9.1", 4000, created, None)}  # a draft

    def releases(request: httpx.Request) -> Any:
        if request.url.params.get("page") == "2":
            return _etagged(request, [world["old"]])
        more = f'<{API}/repositories/1296269/releases?per_page=100&page=2>; rel="next"'
        return _etagged(request, page_1, {"link": more})

    respx_mock.get(REPO_API).mock(side_effect=lambda r: _etagged(r, _repo(now)))
    respx_mock.get(f"{REPO_API}/releases").mock(side_effect=releases)
    respx_mock.get(f"{API}/repositories/1296269/releases").mock(side_effect=releases)
    db = tmp_path / "m.db"
    first = _run(capsys, db, "release")
    assert first.summary["sources"][0]["streams"][0]["new"] == 100

    # Published now, after the first run began; page 1 (the 100 newest by creation) is as it
    # was and would answer 304.
    world["old"] = _release("v0.9.1", 4000, created, datetime.now(UTC))
    second = _run(capsys, db, "release")
    (stream,) = second.summary["sources"][0]["streams"]
    assert stream["new"] == 1 and stream["pages"] == 2, stream
    assert "release:acme/rocket:v0.9.1" in stored_ids(db)


def _issue(number: int, updated: datetime) -> dict[str, Any]:
    stamp = updated.strftime(STAMP)
    return {
        "id": 9000 + number, "number": number, "state": "open", "title": f"Issue {number}",
        "body": "", "user": {"login": "octo-ada", "id": 583231}, "updated_at": stamp,
        "created_at": stamp, "html_url": f"https://github.com/acme/rocket/issues/{number}",
    }  # fmt: skip


@respx.mock
def test_a_resync_after_a_404_on_page_2_reads_the_whole_window_again(
    respx_mock: respx.MockRouter, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 404 on a later page is noted "deleted or hidden" and completes the stream with what
    came before. That stream still counted as covering the window for the next re-sync, which
    then asked only for what is newer than its start (or got a 304 for page 1): the pages after
    the 404 were never read again until `--full`, a passing 404 made a hole for good."""
    now = datetime.now(UTC)
    issues = [_issue(1, now - timedelta(days=1)), _issue(2, now - timedelta(days=10))]
    world = {"gone": True}

    def listed(request: httpx.Request) -> Any:
        # GitHub's since= (updated at or after), newest first, one issue a page here.
        since = datetime.fromisoformat(request.url.params["since"].replace("Z", "+00:00"))
        kept = [
            i for i in issues if datetime.fromisoformat(i["updated_at"][:-1] + "+00:00") >= since
        ]
        page = int(request.url.params.get("page", "1"))
        if page == 2 and world["gone"]:
            return httpx.Response(404, json={"message": "Not Found"})
        headers = {}
        if page < len(kept):
            query = f"state=all&since={request.url.params['since']}&per_page=100&page={page + 1}"
            headers["link"] = f'<{API}/repositories/1296269/issues?{query}>; rel="next"'
        return _etagged(request, kept[page - 1 : page], headers)

    respx_mock.get(REPO_API).mock(side_effect=lambda r: _etagged(r, _repo(now)))
    respx_mock.get(f"{REPO_API}/issues").mock(side_effect=listed)
    later = respx_mock.get(f"{API}/repositories/1296269/issues").mock(side_effect=listed)
    db = tmp_path / "m.db"
    first = _run(capsys, db, "issue")
    (stream,) = first.summary["sources"][0]["streams"]
    assert stream["status"] == "completed" and "deleted or hidden" in stream["note"], stream
    assert set(stored_ids(db)) == {"issue:acme/rocket#1:opened"}
    assert later.call_count == 1  # page 2 answered 404

    world["gone"] = False  # the 404 passed: page 2 is there again
    second = _run(capsys, db, "issue")
    (stream,) = second.summary["sources"][0]["streams"]
    assert (stream["new"], stream["duplicates"], stream["pages"]) == (1, 1, 2), stream
    assert set(stored_ids(db)) == {"issue:acme/rocket#1:opened", "issue:acme/rocket#2:opened"}
    cutoff = datetime.fromisoformat(second.summary["since"])
    asked = datetime.fromisoformat(
        later.calls[-1].request.url.params["since"].replace("Z", "+00:00")
    )
    assert asked <= cutoff  # the whole window, not what is newer than the first run

    # That run read its window whole: the next one is a re-sync again (a 304 for page 1).
    third = _run(capsys, db, "issue")
    (stream,) = third.summary["sources"][0]["streams"]
    assert stream["new"] == 0 and "304 Not Modified" in (stream["note"] or ""), stream


@respx.mock
def test_an_item_stamped_just_before_the_first_run_but_listed_after_it_is_stored(
    respx_mock: respx.MockRouter, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The gap rule asked only for what was updated after the first run's start, on this
    machine's clock. An issue GitHub stamped 30 s before that start, which the first run's list
    did not yet hold (replica lag, or a clock ahead of GitHub's), was never fetched by any
    re-sync, only by ``--full`` (a fresh tester's finding). A re-sync now asks from a little
    before (``engine.resync.RESYNC_OVERLAP``) and stores it; what it reads again is a
    duplicate, not a new row."""
    began = datetime.now(UTC).replace(microsecond=0)
    world = {"issues": [_issue(1, began - timedelta(days=1))]}

    def listed(request: httpx.Request) -> Any:  # GitHub's since=: updated at or after
        since = datetime.fromisoformat(request.url.params["since"].replace("Z", "+00:00"))
        kept = [
            i
            for i in world["issues"]
            if datetime.fromisoformat(i["updated_at"][:-1] + "+00:00") >= since
        ]
        return _etagged(request, kept)

    respx_mock.get(REPO_API).mock(side_effect=lambda r: _etagged(r, _repo(began)))
    asked = respx_mock.get(f"{REPO_API}/issues").mock(side_effect=listed)
    db = tmp_path / "m.db"
    assert _run(capsys, db, "issue").summary["sources"][0]["streams"][0]["new"] == 1

    late = _issue(2, began - timedelta(seconds=30))  # listed only now
    world["issues"] = [_issue(3, datetime.now(UTC)), late, *world["issues"]]
    second = _run(capsys, db, "issue")
    (stream,) = second.summary["sources"][0]["streams"]
    assert {"issue:acme/rocket#2", "issue:acme/rocket#3"} <= {
        i.rsplit(":", 1)[0] for i in stored_ids(db)
    }, stored_ids(db)
    assert stream["new"] == 2, stream
    asked_since = datetime.fromisoformat(asked.calls[-1].request.url.params["since"][:-1])
    assert asked_since.replace(tzinfo=UTC) <= began - timedelta(minutes=9), asked_since
