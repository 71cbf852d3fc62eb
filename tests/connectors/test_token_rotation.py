"""Several tokens per provider (issue 14 part 1): the simulator keeps one quota per token, the
HTTP layer rotates to the token with the most left, never spends into a token's reserve, waits
only when every token is at its reserve, and drops a token that answers 401.

Runs the real GitHub connector against the simulator on a virtual clock; the one double is a
transport below the retry layer that answers 401 for a revoked token (as GitHub would).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from backfill_tui.clock import VirtualClock
from backfill_tui.engine.environment import Environment
from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
from backfill_tui.http.tokens import fingerprint, split_tokens
from backfill_tui.simulator import Simulator
from backfill_tui.simulator.config import SimulatorConfig
from backfill_tui.store import Mirror

TOKENS = ("ghp_rotA_0000000001", "ghp_rotB_0000000002", "ghp_rotC_0000000003")
#: A world whose 90-day GitHub backfill needs about 120 calls; each token has 50 an hour.
SIM = "quota=50,scale=11,seed=7"


class Revoked(httpx.AsyncBaseTransport):
    """Answers 401 (GitHub's shape) for one token; everything else goes to the simulator."""

    def __init__(self, inner: httpx.AsyncBaseTransport, token: str) -> None:
        self.inner, self.header, self.refused = inner, f"Bearer {token}", 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("authorization") == self.header:
            self.refused += 1
            # GitHub's 401 carries rate-limit headers too, which are not the token's quota
            headers = {"x-ratelimit-limit": "5000", "x-ratelimit-remaining": "5000"}
            return httpx.Response(
                401, json={"message": "Bad credentials"}, headers=headers, request=request
            )
        return await self.inner.handle_async_request(request)


def run(tmp_path: Path, revoked: str | None = None) -> tuple[Engine, str, Simulator]:
    clock = VirtualClock(start=1_780_000_000.0)
    simulator = Simulator(SimulatorConfig.from_env_string(SIM), clock)
    environment = Environment(
        clock=clock,
        simulator=simulator,
        env={"GITHUB_TOKEN": ", ".join(TOKENS[:2]) + "\n" + TOKENS[2]},
        wrap_transport=(lambda inner: Revoked(inner, revoked)) if revoked else None,
    )
    engine = Engine(Mirror.open(tmp_path / "mirror.db"), environment)
    request = RunRequest(
        "w", (SourceSpec.parse("github:acme/rocket"),), depth=90, max_items=100_000
    )
    planned = engine.plan(request)
    asyncio.run(engine.run(planned.id))
    return engine, planned.id, simulator


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """What the HTTP layer logs; attached to our logger itself, since the CLI's log set-up
    (run by other tests in this process) stops it propagating to the root logger."""
    logger = logging.getLogger("backfill_tui")
    logger.addHandler(caplog.handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    try:
        yield caplog
    finally:
        logger.removeHandler(caplog.handler)
        logger.setLevel(level)


def test_split_tokens_and_fingerprints() -> None:
    assert split_tokens(" a,b  c\n,a ") == ["a", "b", "c"]
    assert fingerprint(TOKENS[0]) != fingerprint(TOKENS[1])
    assert all(len(fingerprint(t)) == 12 and t not in fingerprint(t) for t in TOKENS)


def test_three_tokens_of_50_carry_a_120_call_run_without_waiting(
    tmp_path: Path, logs: pytest.LogCaptureFixture
) -> None:
    engine, run_id, simulator = run(tmp_path)
    mirror = engine.mirror
    record = mirror.get_run(run_id)
    assert record is not None and record.status == "completed"
    streams = mirror.streams(run_id)
    assert sum(s.rate_limit_wait_s for s in streams) == 0  # no wait at all
    pool = engine.token_pools["github:acme/rocket"]
    rows = pool.summary()
    calls = sum(r["calls"] for r in rows)
    assert 110 <= calls <= 135, calls  # more than any one token's 50
    assert calls == len(simulator.requests)  # every call accounted to a token
    assert all(r["calls"] > 0 and r["remaining"] >= 5 for r in rows)  # 10% reserve kept
    assert [r["token"] for r in rows] == [fingerprint(t) for t in TOKENS]
    text = json.dumps(rows) + logs.text + "".join(str(s.error) for s in streams)
    with mirror.conn:
        text += json.dumps(mirror.conn.execute("SELECT * FROM runs").fetchall())
        text += json.dumps(mirror.conn.execute("SELECT * FROM observations").fetchall())
    for token in TOKENS:
        assert token not in text


def test_a_revoked_token_is_dropped_and_the_run_completes_on_the_other_two(
    tmp_path: Path, logs: pytest.LogCaptureFixture
) -> None:
    engine, run_id, _ = run(tmp_path, revoked=TOKENS[1])
    record = engine.mirror.get_run(run_id)
    assert record is not None and record.status == "completed"
    rows = {r["token"]: r for r in engine.token_pools["github:acme/rocket"].summary()}
    dropped = fingerprint(TOKENS[1])
    assert rows[dropped]["dropped"] and 1 <= rows[dropped]["calls"] <= 4  # 4: in flight at once
    # its quota is not known: not "5000/5000 left" beside "rejected (401), dropped"
    assert (rows[dropped]["remaining"], rows[dropped]["limit"]) == (None, None)
    records = {id(r): r for r in logs.records}.values()  # caplog may see a record twice
    said = [r.getMessage() for r in records if "dropped from the rotation" in r.getMessage()]
    assert len(said) == 1 and dropped in said[0]
    for token in TOKENS:
        assert token not in logs.text


def test_auth_status_shows_each_token_by_fingerprint(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from support import run_cli

    monkeypatch.setenv("GITHUB_TOKEN", ",".join(TOKENS))
    done = run_cli(capsys, "auth", "status", "github")
    assert done.code == 0
    assert ", ".join(fingerprint(t) for t in TOKENS) in done.out
    for token in TOKENS:
        assert token not in done.out + done.err


def test_simulated_tokens_setting_rotates_and_accounts_every_call(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``BACKFILL_SIM=tokens=3``: the simulated source gets three fake tokens of its own quota;
    ``run --simulate --json`` rotates through them, accounts every call to one, and no token
    text reaches the summary, stderr, the log file or the mirror."""
    import sqlite3

    from support import simulated_run

    from backfill_tui.terms import log_path

    settings = f"tokens=3,{SIM},clock=virtual"
    monkeypatch.setenv("BACKFILL_SIM", settings)
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    issued = Simulator(SimulatorConfig.from_env_string(settings), VirtualClock()).issued_tokens(
        "github"
    )
    assert len(set(issued)) == 3
    db = tmp_path / "mirror.db"
    done = simulated_run(capsys, db, "--days", "90", "--max-items", "100000", "--json")
    assert done.code == 0, done.err
    summary = json.loads(done.out)
    assert summary["status"] == "completed"
    rows = summary["tokens"]["github:acme/rocket"]
    assert [r["token"] for r in rows] == [fingerprint(t) for t in issued]
    (source,) = summary["sources"]
    assert sum(r["calls"] for r in rows) == source["api_calls"] > 50  # more than one token's
    assert all(r["calls"] > 0 and not r["dropped"] for r in rows)  # each took its turn
    assert all(r["limit"] == 50 and r["remaining"] >= 5 for r in rows)  # reserve kept
    human = simulated_run(capsys, tmp_path / "again.db", "--days", "90", "--max-items", "100000")
    assert human.code == 0
    for token_row in rows:  # the human summary names each token by fingerprint
        assert f"token {token_row['token']}: " in human.out
    text = done.out + done.err + human.out + human.err
    if log_path().exists():
        text += log_path().read_text()
    with sqlite3.connect(db) as conn:
        text += "\n".join(conn.iterdump())
    for token in issued:
        assert token not in text
        assert token.rsplit("_", 1)[1] not in text  # not even its random part


def test_simulated_tokens_setting_is_checked() -> None:
    with pytest.raises(ValueError, match="'tokens' must be a whole number from 1 to 9"):
        SimulatorConfig.from_env_string("tokens=0")
    # the conflict is named as one, not as a count out of range ("got '3'": a tester's finding),
    # and the token's value is never echoed
    with pytest.raises(ValueError, match="'tokens' and 'token' cannot be used together") as err:
        SimulatorConfig.from_env_string("tokens=3,token=abc")
    assert "abc" not in str(err.value) and "got" not in str(err.value)
    assert Simulator(SimulatorConfig(), VirtualClock()).issued_tokens("github") == []
