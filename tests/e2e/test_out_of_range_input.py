"""Values out of range are bad input, refused at parse time with one line and exit 2.

A fresh tester's findings: a password holding an unescaped '@' was echoed (its tail) in the
PostgreSQL message; a bad Inngest/trigger ``--url`` (a port over 65535, an unclosed IPv6 '[')
raised ValueError, an internal error (exit 70); huge counts and simulator settings overflowed
SQLite's 64-bit integers, ``datetime``'s years or float-to-int conversion (exit 70, or a stream
failure, exit 1). Each case runs the real CLI in this process.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support import run_cli

ONE_INTEGRATION = ("--integration", "i1", "--workspace", "w", "--org", "o", "--provider",
                   "github", "--user-source", "u")  # fmt: skip


def one_error_line(err: str) -> str:
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


def test_a_password_with_an_unescaped_at_is_never_echoed(
    capsys: pytest.CaptureFixture[str], mirror: Path, isolated: Path
) -> None:
    dsn = "postgresql://u:SEC@RETPW@127.0.0.1:1/scratch"
    result = run_cli(capsys, "export", "postgres", "--dsn", dsn, "--workspace", "demo",
                     "--db", str(mirror))  # fmt: skip
    assert result.code == 2, result
    line = one_error_line(result.err)
    assert "cannot find the PostgreSQL host" in line and "%40" in line
    logs = "".join(p.read_text() for p in isolated.rglob("*.log"))
    for text in (result.out, line, logs):
        assert "RETPW" not in text and "SEC" not in text


def test_a_base_url_with_userinfo_is_shown_without_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKFILL_GITHUB_API_URL", "ftp://me:Hunter2pw@example.test/api")
    result = run_cli(capsys, "run", "github:acme/rocket", "--workspace", "w",
                     "--db", str(tmp_path / "m.db"))  # fmt: skip
    assert result.code == 2, result
    line = one_error_line(result.err)
    assert "ftp://example.test/api" in line and "Hunter2pw" not in line and "me:" not in line


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("http://127.0.0.1:99999", "port is not a number from 1 to 65535"),
        ("http://[::1", "IPv6 address lacks the closing ']'"),
        # user:password@ was dropped without a word (and must never be echoed)
        ("https://me:Hunter2pw@inn.gs", "holds a user name or password"),
    ],
)
@pytest.mark.parametrize("command", ["export", "trigger", "trigger --apply"])
def test_a_bad_url_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], mirror: Path, command: str, url: str, said: str
) -> None:
    if command == "export":
        args = ["export", "inngest", "--event-key", "K" * 20, "--workspace", "demo"]
    else:
        args = ["trigger", *ONE_INTEGRATION, "--event-key", "K" * 20, *command.split()[1:]]
    result = run_cli(capsys, *args, "--url", url, "--db", str(mirror))
    assert result.code == 2, result
    line = one_error_line(result.err)
    assert "--url" in line and said in line and "Hunter2pw" not in line


@pytest.mark.parametrize(
    "args",
    [
        ["run", "github:acme/rocket", "--simulate", "--max-items", "99999999999999999999999"],
        ["runs", "--limit", "99999999999999999999999"],
        ["diff", "github:acme/rocket", "--limit", "99999999999999999999999"],
    ],
    ids=["max-items", "runs-limit", "diff-limit"],
)
def test_a_huge_count_is_refused_naming_the_most(
    capsys: pytest.CaptureFixture[str], mirror: Path, args: list[str]
) -> None:
    before = mirror.read_bytes()
    workspace = [] if args[0] == "runs" else ["--workspace", "demo"]
    result = run_cli(capsys, *args, *workspace, "--db", str(mirror))
    assert result.code == 2, result
    line = one_error_line(result.err)
    assert "too large; the most is 1,000,000,000" in line
    assert mirror.read_bytes() == before


@pytest.mark.parametrize(
    ("sim", "said"),
    [
        ("quota=99999999999999999999999", "'quota' must be a whole number from 1 to 1,000,000,000"),
        ("retry_after=99999999999999,rate_limit_every=1,clock=virtual", "to 86,400 (a day)"),
        ("scale=1e300", "'scale' must be a number > 0 and at most 10,000"),
        ("anchor=0001-01-01T00:00:00Z", "'anchor' must be an ISO-8601 instant from year 1970"),
        ("complexity_quota=99999999999999999999999", "from 1 to 1,000,000,000"),
    ],
)
def test_a_simulator_setting_out_of_range_is_refused_before_the_run(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    sim: str,
    said: str,
) -> None:
    monkeypatch.setenv("BACKFILL_SIM", sim)
    db = tmp_path / "m.db"
    result = run_cli(capsys, "run", "github:acme/rocket", "--simulate", "--workspace", "w",
                     "--quiet", "--db", str(db))  # fmt: skip
    assert result.code == 2, result
    assert said in one_error_line(result.err)
    assert not db.exists()
