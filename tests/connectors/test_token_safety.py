"""A token never reaches the mirror, output, logs or another host."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
import respx
from support import run_cli, stored_ids

from backfill_tui.engine.environment import Environment
from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
from backfill_tui.store import Mirror

SECRET = "ghp_S3cr3tT0kenValue0123456789abcdef"


def _everything_written(home: Path, db: Path) -> bytes:
    blobs = [p.read_bytes() for p in home.rglob("*") if p.is_file()]
    blobs += [p.read_bytes() for p in db.parent.glob(db.name + "*")]
    return b"\n".join(blobs)


def test_token_appears_nowhere(
    tmp_path: Path,
    isolated: Path,
    anchor: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", SECRET)
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor},token={SECRET},faults=0.2,clock=virtual")
    db = tmp_path / "m.db"
    result = run_cli(
        capsys,
        "run",
        "github:acme/rocket",
        "--simulate",
        "--workspace",
        "demo",
        "--json",
        "--db",
        str(db),
    )
    assert result.code == 0, result.err
    assert len(stored_ids(db)) > 100
    runs = run_cli(capsys, "runs", "--json", "--db", str(db))
    for text in (result.out, result.err, runs.out, runs.err):
        assert SECRET not in text
    assert (isolated / "xdg_state_home").exists()  # the log file lives under the test's home
    assert SECRET.encode() not in _everything_written(isolated, db)


def test_rejected_token_fails_streams_naming_authentication(
    tmp_path: Path,
    isolated: Path,
    anchor: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", SECRET)
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor},token=ghp_the_right_one")
    db = tmp_path / "m.db"
    result = run_cli(
        capsys,
        "run",
        "github:acme/rocket",
        "--simulate",
        "--workspace",
        "demo",
        "--json",
        "--db",
        str(db),
    )
    assert result.code == 1
    source = result.summary["sources"][0]
    assert result.summary["status"] == "failed"
    assert "authentication" in source["error"].lower()
    assert {s["status"] for s in source["streams"]} == {"failed"}
    assert SECRET not in result.out + result.err
    assert SECRET.encode() not in _everything_written(isolated, db)


@pytest.mark.parametrize(
    ("base", "expect"),
    [
        # The link's path lies under the base path "/": rebased onto api.github.com, paging goes on.
        ("https://api.github.com", "completed"),
        # GitHub Enterprise at /api/v3: the link's path lies outside it, so the stream fails naming both.
        ("https://ghe.acme.example/api/v3", "failed"),
    ],
)
@respx.mock(assert_all_called=False)
def test_next_link_to_another_host_never_gets_the_token(
    respx_mock: respx.MockRouter, tmp_path: Path, base: str, expect: str
) -> None:
    repo = {
        "id": 42,
        "full_name": "acme/rocket",
        "html_url": "https://github.com/acme/rocket",
        "default_branch": "main",
    }
    pr = {
        "id": 1,
        "number": 1,
        "state": "open",
        "title": "Add rockets",
        "body": None,
        "html_url": "https://github.com/acme/rocket/pull/1",
        "user": {"id": 7, "login": "ada"},
        "updated_at": "2099-01-01T00:00:00Z",
        "created_at": "2099-01-01T00:00:00Z",
        "head": {"ref": "feature", "sha": "a" * 40},
        "base": {"ref": "main"},
    }
    host = httpx.URL(base).host
    respx_mock.get(f"{base}/repos/acme/rocket").respond(200, json=repo)
    respx_mock.get(f"{base}/repos/acme/rocket/pulls").respond(
        200,
        json=[pr],
        headers={"Link": '<https://evil.example.com/repositories/42/pulls?page=2>; rel="next"'},
    )
    rebased = respx_mock.get(f"https://{host}/repositories/42/pulls", params={"page": "2"}).respond(
        200, json=[]
    )
    evil = respx_mock.get(host="evil.example.com").respond(200, json=[])

    env = Environment(env={"GITHUB_TOKEN": SECRET, "BACKFILL_GITHUB_API_URL": base})
    mirror = Mirror.open(tmp_path / "m.db")
    engine = Engine(mirror, env)
    run = engine.plan(
        RunRequest(
            "demo", (SourceSpec.parse("github:acme/rocket"),), entities=frozenset({"pull_request"})
        )
    )
    status = asyncio.run(engine.run(run.id))

    (stream,) = mirror.streams(run.id)
    assert (status, stream.status) == (expect, expect)
    assert stream.new == 1  # the page before the link is kept either way
    if expect == "failed":
        error = stream.error or ""
        assert (
            "evil.example.com" in error and "host evil.example.com, not ghe.acme.example" in error
        )
        assert "path /repositories/42/pulls lies outside the base path /api/v3/" in error
        assert not rebased.called
    else:
        assert rebased.called
    assert not evil.called
    for call in respx_mock.calls:
        request: httpx.Request = call.request
        assert request.url.host == host
        assert request.headers["Authorization"] == f"Bearer {SECRET}"
        assert request.headers["User-Agent"].startswith("backfill-tui/")


@respx.mock
def test_a_token_echoed_in_provider_text_is_masked_in_the_mirror_and_its_replay(
    respx_mock: respx.MockRouter,
    tmp_path: Path,
    isolated: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A pull request whose title and body hold the very token asked with (an echoing
    endpoint, a pasted token) was stored and printed by `diff` as it was, while the recording
    masked it, so its replay differed from the run (a fresh tester's finding). The HTTP layer
    masks it before anything reads the answer: mirror, recording and replay agree."""
    monkeypatch.setenv("GITHUB_TOKEN", SECRET)
    repo = {"id": 42, "full_name": "acme/rocket", "html_url": "https://github.com/acme/rocket"}
    pr = {
        "id": 1, "number": 1, "state": "open", "title": f"leak {SECRET}",
        "body": f"token: {SECRET}", "html_url": "https://github.com/acme/rocket/pull/1",
        "user": {"id": 7, "login": "ada"}, "updated_at": "2099-01-01T00:00:00Z",
        "created_at": "2099-01-01T00:00:00Z", "head": {"ref": "f", "sha": "a" * 40},
        "base": {"ref": "main"},
    }  # fmt: skip
    respx_mock.get("https://api.github.com/repos/acme/rocket").respond(200, json=repo)
    respx_mock.get("https://api.github.com/repos/acme/rocket/pulls").respond(200, json=[pr])
    db, rec, again = tmp_path / "m.db", tmp_path / "run.rec.gz", tmp_path / "r.db"
    done = run_cli(
        capsys, "run", "github:acme/rocket", "--workspace", "demo", "--entities",
        "pull_request", "--record", str(rec), "--json", "--db", str(db),
    )  # fmt: skip
    assert done.code == 0, done.err
    replayed = run_cli(capsys, "replay", str(rec), "--db", str(again))
    assert replayed.code == 0, replayed.err
    compared = run_cli(capsys, "diff", str(db), str(again))
    assert compared.code == 0, compared.out
    assert "0 changed, 1 unchanged" in compared.out and "fetched the same" in compared.out
    mirror = Mirror.open(db)
    try:
        title = mirror.conn.execute("SELECT title FROM observations").fetchone()[0]
    finally:
        mirror.close()
    assert title == "[PR Opened] leak ***"
    for text in (done.out, done.err, replayed.out, compared.out):
        assert SECRET not in text
    assert SECRET.encode() not in _everything_written(isolated, db)
