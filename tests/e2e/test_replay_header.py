"""A recording's header and run_end line, hand-edited and sealed again, reach the reader: the
trailer is a plain SHA-256 anyone can compute. A field of the wrong type or form is refused as
the file is read, in one line naming it (exit 2, no mirror made), instead of crashing the replay
(``started_at: "garbage"`` exited 70, "internal error") or replaying as if nothing were wrong
(``simulated: "yes"``, ``run_id: null``, a ``run_end`` status of ``"weird"``): a fresh tester's
findings."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from support import reseal, run_cli

from backfill_tui.recording.fileformat import read_recording

Lines = list[dict[str, Any]]


def _run(field: str, value: object) -> Any:
    def edit(lines: Lines) -> None:
        lines[0]["run"][field] = value

    return edit


def _header(field: str, value: object) -> Any:
    def edit(lines: Lines) -> None:
        lines[0][field] = value

    return edit


def _both(*fields: tuple[str, object]) -> Any:
    def edit(lines: Lines) -> None:
        lines[0].update(fields)

    return edit


def _end(field: str, value: object) -> Any:
    def edit(lines: Lines) -> None:
        (end,) = (line for line in lines if line["kind"] == "run_end")
        end[field] = value

    return edit


CASES = {
    "started_at garbage": (_run("started_at", "garbage"), 'run.started_at "garbage" is not a'),
    "started_at null": (_run("started_at", None), "run.started_at null is not a date"),
    "started_at a number": (_run("started_at", 12345), "run.started_at 12345 is not a date"),
    "started_at without offset": (
        _run("started_at", "2026-11-28T00:00:00"),
        "with its UTC offset (ISO 8601)",
    ),
    "started_at year 1": (
        _run("started_at", "0001-01-01T00:00:00+00:00"),
        "is not between the years 1970 and 9000",
    ),
    "since yesterday": (_run("since", "yesterday"), 'run.since "yesterday" is not a date'),
    "since null": (_run("since", None), "run.since null is not a date"),
    "depth null": (_run("depth", None), "run.depth null is not a whole number"),
    "depth true": (_run("depth", True), "run.depth true is not a whole number"),
    "max_items text": (_run("max_items", "20"), 'run.max_items "20" is not a whole number'),
    "sources a string": (
        _run("sources", "github:acme/rocket"),
        'run.sources "github:acme/rocket" is not a list of texts',
    ),
    "workspace a number": (_run("workspace", 7), "run.workspace 7 is not text"),
    "run null": (_header("run", None), "its header's run is null, not an object"),
    "clock_start text": (_header("clock_start", "abc"), 'clock_start "abc" is not a number'),
    "clock_start NaN": (_header("clock_start", float("nan")), "clock_start NaN is not a number"),
    "clock_start past 9000": (_header("clock_start", 1e300), "between the years 1970 and 9000"),
    "simulated yes": (_header("simulated", "yes"), 'simulated "yes" is not true or false'),
    # read by BACKFILL_SIM's own parser, which refuses faults=2: it was taken (exit 0)
    "simulator faults=2": (
        _header("simulator", "faults=2"),
        "its header's simulator holds settings the simulator cannot read (simulator option "
        "'faults' must be a fraction from 0 to 1, got '2')",
    ),
    "simulator of an unknown option": (
        _header("simulator", "seed=7,bogus=1"),
        "simulator cannot read (unknown simulator option 'bogus')",
    ),
    "simulator a number": (_header("simulator", 5), "its header's simulator 5 is not text"),
    # what recording never writes: a token (left out), settings on a live run's recording
    "simulator with a token": (
        _header("simulator", "seed=7,token=sim-a1b2c3"),
        "its header's simulator holds a token (not shown): a recording never holds one",
    ),
    "simulator on a live run": (
        _both(("simulated", False), ("simulator", "seed=7")),
        "its header's simulator holds settings, but its simulated is false",
    ),
    "run_id null": (_header("run_id", None), "its header's run_id null is not text"),
    "run_id with an escape": (_header("run_id", "\x1b[2Jr"), "is not a run id"),
    "base_urls a list": (_header("base_urls", []), "its header's base_urls is [], not an object"),
    "base URL a number": (
        _header("base_urls", {"github": 5}),
        "its header's base_urls.github 5 is not text",
    ),
    "run_end status weird": (
        _end("status", "weird"),
        'its run_end line\'s status "weird" is not one of completed, partial, failed, '
        "cancelled, interrupted",
    ),
    "run_end reason a number": (_end("reason", 5), "reason 5 is not text or null"),
    "run_end pages negative": (_end("streams", {"github:acme/rocket:issue": -1}), "is not 0"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_header_field_backfill_tui_never_writes_is_refused_naming_it(
    case: str, recording: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit, says = CASES[case]
    reseal(recording, edit)
    db = tmp_path / "z.db"
    result = run_cli(capsys, "replay", str(recording), "--db", str(db))
    assert result.code == 2, result.err
    assert result.err.startswith(f"backfill-tui: error: {recording} has an unreadable entry: ")
    assert says in result.err
    assert result.err.endswith("; ask for the original recording\n")
    assert result.err.count("\n") == 1 and "internal error" not in result.err
    assert "sim-a1b2c3" not in result.err  # a token edited in is never echoed
    assert not db.exists()


def test_a_simulator_setting_refused_never_shows_a_token(
    recording: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The header's simulator is not echoed (an edited one may hold a token): the parser's
    reason names the option at fault, as BACKFILL_SIM's does."""
    token = "ghp_" + "a1" * 18
    reseal(recording, _header("simulator", f"token={token},faults=x"))
    result = run_cli(capsys, "replay", str(recording), "--db", str(tmp_path / "z.db"))
    assert result.code == 2, result.err
    assert "'faults' must be a fraction from 0 to 1, got 'x'" in result.err
    assert token not in result.err and "token=" not in result.err


def test_an_edit_not_sealed_again_says_modified(
    recording: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A header field edited without a new trailer: the checksum says so first, as for an
    exchange, rather than what the edit broke."""
    import gzip

    text = gzip.decompress(recording.read_bytes()).decode()
    recording.write_bytes(gzip.compress(text.replace('"depth":30', '"depth":null', 1).encode()))
    result = run_cli(capsys, "replay", str(recording), "--db", str(tmp_path / "z.db"))
    assert result.code == 2
    assert "was modified after it was recorded (checksum mismatch)" in result.err


def test_a_recording_without_its_run_end_line_replays_as_far_as_its_answers(
    recording: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No run_end line is a recording that does not say how its run ended (version 1, or a run
    stopped before its end: recording.header.RunEnd), not a damaged one: its replay ends where its
    answers do, here all of them."""
    reseal(recording, lambda lines: lines.remove(next(x for x in lines if x["kind"] == "run_end")))
    result = run_cli(capsys, "replay", str(recording), "--db", str(tmp_path / "z.db"), "--json")
    assert result.code == 0, result.err
    assert result.summary["status"] == "completed"


def test_a_resealed_recording_as_written_still_replays(
    recording: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The helper's own check: sealing a recording again with nothing changed keeps it good."""
    reseal(recording, lambda lines: None)
    result = run_cli(capsys, "replay", str(recording), "--db", str(tmp_path / "z.db"), "--quiet")
    assert result.code == 0, result.err


#: Header values of the right type that break a run's own rules, and how the refusal names them:
#: the recording's field, never the flag or variable a typed run would have had ("--days 45 is
#: not offered", "BACKFILL_GITHUB_API_URL is plain http to ...": the user typed only
#: `replay FILE`; a fresh tester's finding).
RULES = {
    "depth 45": (_run("depth", 45), "run.depth 45 is not 7, 30 or 90"),
    "max_items -1": (_run("max_items", -1), "run.max_items -1 is below 1"),
    # past SQLite's integers: storing the run ended the replay with exit 70 (OverflowError)
    "max_items 2**63": (
        _run("max_items", 2**63),
        "run.max_items 9223372036854775808 is more than 1,000,000,000, the most items a stream "
        "may store",
    ),
    "max_items 10**30": (
        _run("max_items", 10**30),
        f"run.max_items {10**30} is more than 1,000,000,000, the most items a stream may store",
    ),
    # within SQLite's integers, but more than `run --max-items` takes: one rule for both
    "max_items 2*10**9": (
        _run("max_items", 2 * 10**9),
        "run.max_items 2000000000 is more than 1,000,000,000, the most items a stream may store",
    ),
    # A replay plans its window from started_at and depth, as the run did: a since (or depth)
    # edited apart from them was ignored, and the replay was not the recorded run.
    # ({since} and {started}: the recording's own, which its run's clock chose)
    "since in 2099": (
        _run("since", "2099-01-01T00:00:00+00:00"),
        'run.since "2099-01-01T00:00:00+00:00" disagrees with run.started_at and run.depth: a '
        "run's window starts 30 days before its start, at {since}",
    ),
    "depth 7 beside a 30-day since": (
        _run("depth", 7),
        'run.since "{since}" disagrees with run.started_at and run.depth: a run\'s window '
        "starts 7 days before its start, at {seven_days}",
    ),
    "started_at with a fraction of a second": (
        lambda lines: lines[0]["run"].update(started_at=lines[0]["run"]["started_at"][:19] + ".5Z"),
        'run.started_at "{started_fraction}" is not in whole seconds, as a run\'s start is '
        "recorded",
    ),
    "workspace empty": (_run("workspace", ""), 'run.workspace "" is empty'),
    "workspace with an escape": (
        _run("workspace", "a\x1bb"),
        'run.workspace "a\\u001bb" holds a control character (U+001B)',
    ),
    "sources empty": (_run("sources", []), "run.sources [] is empty"),
    "source of no provider": (
        _run("sources", ["bogus:x"]),
        "run.sources[0] \"bogus:x\" is refused (unknown provider 'bogus')",
    ),
    "source not a repository": (
        _run("sources", ["github:acme"]),
        "run.sources[0] \"github:acme\" is refused ('github:acme' is not a valid GitHub source)",
    ),
    "entity unknown": (
        _run("entities", ["nope"]),
        'run.entities ["nope"] names nope, not an entity of issue, pull_request, push, release',
    ),
    "entities none": (
        _run("entities", []),
        "run.entities [] selects none of these sources' entities",
    ),
    "base URL plain http": (
        _header("base_urls", {"github": "http://user:pw@evil.example.com"}),
        'base_urls.github "http://evil.example.com" is plain http to another machine '
        "(evil.example.com)",
    ),
    "base URL not http": (
        _header("base_urls", {"github": "ftp://example.com"}),
        'base_urls.github "ftp://example.com" is not an http(s) URL',
    ),
    "base URL of no provider": (
        _header("base_urls", {"github": "https://api.github.com", "gitlab": "https://x.test"}),
        'base_urls.gitlab "https://x.test" is for no provider this backfill-tui knows',
    ),
}
FLAG_WORDS = ("--days", "--max-items", "--workspace", "--entities", "BACKFILL_", "PROVIDER:")


@pytest.mark.parametrize("case", list(RULES))
def test_a_header_value_a_run_refuses_is_said_as_the_recordings(
    case: str, recording: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit, says = RULES[case]
    run = read_recording(recording).header.run
    started = datetime.fromisoformat(run.started_at)
    times = {
        "since": run.since,
        "seven_days": (started - timedelta(days=7)).isoformat(),
        "started_fraction": run.started_at[:19] + ".5Z",
    }
    reseal(recording, edit)
    db = tmp_path / "z.db"
    result = run_cli(capsys, "replay", str(recording), "--db", str(db))
    assert result.code == 2, result.err
    assert result.err == (
        f"backfill-tui: error: {recording}: its header's {says.format(**times)}; ask for the "
        "original recording\n"
    )
    assert not any(word in result.err for word in FLAG_WORDS)
    assert "pw" not in result.err  # a password in a URL is never echoed
    assert not db.exists()  # refused as the file is read, before the mirror is opened


def test_the_most_max_items_a_run_takes_replays(
    recording: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The bound is the one `run --max-items` has (``plan.validate_max_items``): its most,
    1,000,000,000, replays as a run given it would (uncapped here: more answers than were
    recorded are asked for, and the streams say so), never refused."""
    reseal(recording, _run("max_items", 1_000_000_000))
    db = tmp_path / "z.db"
    result = run_cli(capsys, "replay", str(recording), "--db", str(db), "--json")
    assert "internal error" not in result.err and "run.max_items" not in result.err
    assert result.summary["run_id"]
    with closing(sqlite3.connect(db)) as conn:
        stored = conn.execute("SELECT max_items FROM runs").fetchall()
    assert stored == [(1_000_000_000,)]


def test_a_since_of_the_same_instant_in_another_offset_replays(
    recording: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The window's start is compared as an instant: the same one written with another UTC
    offset is the recorded run's window, and replays as the original did."""

    def edit(lines: Lines) -> None:
        since = datetime.fromisoformat(lines[0]["run"]["since"])
        lines[0]["run"]["since"] = since.astimezone(timezone(timedelta(hours=1))).isoformat()

    reseal(recording, edit)
    result = run_cli(capsys, "replay", str(recording), "--db", str(tmp_path / "z.db"), "--json")
    assert result.code == 0, result.err


TOKEN_SHAPED = "ghp_" + "abcdefghijklmnopqrstuvwxyz0123456789"


@pytest.mark.parametrize(
    "edit",
    [
        _run("workspace", TOKEN_SHAPED),
        _run("sources", [f"github:acme/{TOKEN_SHAPED}"]),
        _end("status", "lin_api_" + "k" * 32),
    ],
    ids=["workspace", "source", "run_end status"],
)
def test_a_token_shaped_header_value_is_refused_without_being_echoed(
    edit: Any, recording: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A header edited to hold a token was refused with the token in the line, 38 of its 40
    characters (a fresh tester's finding): the value is said to be withheld, as the
    command line's own checks do."""
    reseal(recording, edit)
    result = run_cli(capsys, "replay", str(recording), "--db", str(tmp_path / "z.db"))
    assert result.code == 2 and result.err.count("\n") == 1, result.err
    assert "(a value that looks like a token, not shown)" in result.err, result.err
    assert "abcdefghijklmnop" not in result.err and "kkkkkkkkkkkk" not in result.err
