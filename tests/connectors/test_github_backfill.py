"""A GitHub backfill through the real connector and the simulator: exact, deduplicated, robust."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import respx
from support import GITHUB_REPO, run_cli, simulated_engine, stored_ids

from backfill_tui.store import Mirror


def test_api_calls_per_stream_are_minimal(tmp_path: Path, anchor: str) -> None:
    sim_engine = simulated_engine(tmp_path / "m.db", f"anchor={anchor},scale=3")
    run_id = sim_engine.run("github:acme/rocket", days=90, max_items=100_000)
    sim, mirror = sim_engine.simulator, sim_engine.mirror
    run = mirror.get_run(run_id)
    assert run is not None and run.status == "completed"
    from datetime import datetime

    cutoff = datetime.fromisoformat(run.since)
    paths = {"pull_request": "pulls", "issue": "issues", "release": "releases", "push": "commits"}
    repo_id = next(r.path for r in sim.requests if r.path.startswith("/repositories/")).split("/")[
        2
    ]
    for stream in mirror.streams(run_id):
        endpoint = paths[stream.entity]
        served = sim.request_count(f"/repos/acme/rocket/{endpoint}") + sim.request_count(
            f"/repositories/{repo_id}/{endpoint}"
        )
        minimum = sim.min_pages("github", "acme/rocket", stream.entity, cutoff)
        # issues and pulls read their front again after two pages or more (the catch-up)
        caught_up = int(stream.entity in ("issue", "pull_request") and stream.pages > 1)
        assert stream.api_calls == served, stream.entity
        assert served <= minimum + 1 + caught_up, (stream.entity, served, minimum)
        assert stream.pages + caught_up == served
    assert (
        sim.request_count("/repos/acme/rocket")
        - sum(sim.request_count(f"/repos/acme/rocket/{p}") for p in paths.values())
        == 1
    )


def test_max_items_caps_a_stream_and_says_so(
    tmp_path: Path, anchor: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor}")
    db = tmp_path / "m.db"
    result = run_cli(
        capsys,
        "run",
        "github:acme/rocket",
        "--simulate",
        "--workspace",
        "demo",
        "--days",
        "90",
        "--max-items",
        "150",
        "--entities",
        "push,release",
        "--json",
        "--db",
        str(db),
    )
    assert result.code == 0
    streams = {s["entity"]: s for s in result.summary["sources"][0]["streams"]}
    assert set(streams) == {"push", "release"}
    assert streams["push"]["capped"] is True and streams["push"]["fetched"] == 150
    assert streams["push"]["capped_at"]
    assert streams["push"]["pages"] == math.ceil(150 / 100)
    assert streams["release"]["capped"] is False
    human = run_cli(
        capsys,
        "run",
        "github:acme/rocket",
        "--simulate",
        "--workspace",
        "other",
        "--days",
        "90",
        "--max-items",
        "150",
        "--entities",
        "push",
        "--db",
        str(db),
    )
    assert "capped at" in human.out


# -- issue 9, item 1: releases are listed by creation, not publication (respx) ------------------


def _release(tag: str, rid: int, created: datetime, published: datetime) -> dict[str, object]:
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    return {
        "id": rid,
        "tag_name": tag,
        "name": tag,
        "body": "",
        "draft": False,
        "prerelease": False,
        "target_commitish": "main",
        "html_url": f"https://github.com/acme/rocket/releases/tag/{tag}",
        "author": {"login": "octo-ada", "id": 583231},
        "created_at": created.strftime(stamp),
        "published_at": published.strftime(stamp),
    }


def _repository(router: respx.MockRouter) -> str:
    """GitHub's answer for acme/rocket's lookup; returns the repository's API URL."""
    api = "https://api.github.com/repos/acme/rocket"
    router.get(api).respond(200, json=GITHUB_REPO)
    return api


@respx.mock
def test_a_release_published_long_after_its_creation_is_stored(
    respx_mock: respx.MockRouter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The issue's exact page: GitHub lists by created_at, so v2.8.1 follows v2.9.0."""
    now = datetime.now(UTC)
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_releaseOrderToken")
    api = _repository(respx_mock)
    page = [
        _release("v3.0.0", 3, now - timedelta(days=3), now - timedelta(days=3)),
        _release("v2.9.0", 2, now - timedelta(days=40), now - timedelta(days=40)),
        _release("v2.8.1", 1, now - timedelta(days=60), now - timedelta(days=2)),
    ]
    releases = respx_mock.get(f"{api}/releases").respond(200, json=page)
    db = tmp_path / "m.db"
    result = run_cli(
        capsys,
        "run",
        "github:acme/rocket",
        "--workspace",
        "demo",
        "--days",
        "30",
        "--entities",
        "release",
        "--json",
        "--db",
        str(db),
    )
    assert result.code == 0, result.err
    assert sorted(stored_ids(db)) == ["release:acme/rocket:v2.8.1", "release:acme/rocket:v3.0.0"]
    (stream,) = result.summary["sources"][0]["streams"]
    assert stream["status"] == "completed" and stream["new"] == 2 and stream["failed"] == 0
    assert releases.call_count == 1


@respx.mock
def test_releases_without_a_tag_fail_each_not_collapse_into_one(
    respx_mock: respx.MockRouter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Releases with ``tag_name: null`` all became ``release:acme/rocket:None``: "3 fetched
    1 new 2 dup 0 failed", two releases silently lost (a fresh tester's finding). Each now
    fails alone, its reason naming the field; the tagged one is stored as before."""
    now = datetime.now(UTC)
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_nullTagToken")
    api = _repository(respx_mock)
    page = [_release("v3.0.0", 3, now - timedelta(days=3), now - timedelta(days=3))]
    for rid in (2, 1):
        item = _release("x", rid, now - timedelta(days=rid), now - timedelta(days=rid))
        item["tag_name"] = None
        page.append(item)
    respx_mock.get(f"{api}/releases").respond(200, json=page)
    db = tmp_path / "m.db"
    result = run_cli(
        capsys, "run", "github:acme/rocket", "--workspace", "demo", "--days", "30",
        "--entities", "release", "--json", "--db", str(db),
    )  # fmt: skip
    (stream,) = result.summary["sources"][0]["streams"]
    assert (stream["new"], stream["duplicates"], stream["failed"]) == (1, 0, 2), stream
    assert stored_ids(db) == ["release:acme/rocket:v3.0.0"]
    mirror = Mirror.open(db)
    reasons = [reason for _stream, _key, reason in mirror.item_failures(result.summary["run_id"])]
    mirror.close()
    assert len(reasons) == 2 and all("tag_name is null" in r for r in reasons), reasons


@respx.mock
def test_a_page_of_releases_without_a_tag_is_not_taken_for_a_page_read_again(
    respx_mock: respx.MockRouter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Each release without a tag was listed under the key "None": a second page holding only
    such a release read as "the provider's next page repeated only items already read" and
    failed the stream, as a server ignoring the cursor would. Keyed by its id instead, the
    list reads on; each fails alone."""
    now = datetime.now(UTC)
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_nullTagPagesToken")
    api = _repository(respx_mock)

    def untagged(rid: int) -> dict[str, object]:
        item = _release("x", rid, now - timedelta(days=rid), now - timedelta(days=rid))
        item["tag_name"] = None
        return item

    first = [_release("v3.0.0", 9, now - timedelta(days=1), now - timedelta(days=1)), untagged(2)]
    following = {"link": f'<{api}/releases?page=2>; rel="next"'}
    last = [_release("v2.0.0", 4, now - timedelta(days=4), now - timedelta(days=4))]
    respx_mock.get(f"{api}/releases", params={"page": "3"}).respond(200, json=last)
    respx_mock.get(f"{api}/releases", params={"page": "2"}).respond(
        200, json=[untagged(3)], headers={"link": f'<{api}/releases?page=3>; rel="next"'}
    )
    respx_mock.get(f"{api}/releases").respond(200, json=first, headers=following)
    db = tmp_path / "m.db"
    result = run_cli(
        capsys, "run", "github:acme/rocket", "--workspace", "demo", "--days", "30",
        "--entities", "release", "--json", "--db", str(db),
    )  # fmt: skip
    (stream,) = result.summary["sources"][0]["streams"]
    assert (stream["status"], stream["new"], stream["failed"]) == ("completed", 2, 2), stream


@respx.mock
def test_an_item_dated_without_an_offset_fails_alone_not_its_stream(
    respx_mock: respx.MockRouter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """One issue whose ``updated_at`` has no ``Z`` failed the whole stream with "internal
    error (TypeError: can't compare offset-naive and offset-aware datetimes)", the page's
    other issues lost (a fresh tester's finding). The window reads it as UTC, the zone GitHub
    documents; the item is counted as failed, the others stored, the stream completes."""
    now = datetime.now(UTC)
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_naiveTimeToken")
    api = _repository(respx_mock)

    def issue(number: int, updated: str) -> dict[str, object]:
        return {
            "id": 9000 + number, "number": number, "state": "open", "title": f"Issue {number}",
            "body": "", "user": {"login": "octo-ada", "id": 583231}, "updated_at": updated,
            "created_at": updated, "html_url": f"https://github.com/acme/rocket/issues/{number}",
        }  # fmt: skip

    stamp = (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")
    respx_mock.get(f"{api}/issues").respond(
        200, json=[issue(1, stamp + "Z"), issue(2, stamp), issue(3, stamp + "+02:00")]
    )
    db = tmp_path / "m.db"
    result = run_cli(
        capsys, "run", "github:acme/rocket", "--workspace", "demo", "--days", "30",
        "--entities", "issue", "--json", "--db", str(db),
    )  # fmt: skip
    assert result.code == 0, result.err
    (stream,) = result.summary["sources"][0]["streams"]
    assert (stream["status"], stream["new"], stream["failed"]) == ("completed", 2, 1), stream
    assert sorted(stored_ids(db)) == ["issue:acme/rocket#1:opened", "issue:acme/rocket#3:opened"]
