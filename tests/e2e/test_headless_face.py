"""The headless face as a person meets it: typos, short run ids, resume hints, the live table at
80 columns, the demo's own mirror (issue 12 items 5 and 9). The CLI runs in this process."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from support import FAIL_ALL, run_cli, simulated_run, stored_count

from backfill_tui.cli.display import HeadlessDisplay, fit_source, plural
from backfill_tui.cli.summary_lines import print_summary
from backfill_tui.engine import progress as ev


def test_a_mistyped_command_or_provider_gets_a_did_you_mean(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    result = run_cli(capsys, "runn")
    assert result.code == 2 and "did you mean 'run' or 'runs'?" in result.err
    assert result.err.count("\n") == 1
    # `backfill-tui app` was a bare argparse "invalid choice": the app has no command
    result = run_cli(capsys, "app")
    assert result.code == 2 and result.err.count("\n") == 1
    assert "the terminal app opens with no command: backfill-tui [--db PATH]" in result.err
    result = run_cli(
        capsys,
        "run",
        "gihub:acme/rocket",
        "--workspace",
        "w",
        "--simulate",
        "--db",
        str(tmp_path / "m.db"),
    )
    assert result.code == 2 and "did you mean 'github'?" in result.err
    result = run_cli(capsys, "auth", "stauts")
    assert result.code == 2 and "did you mean 'status'?" in result.err
    result = run_cli(capsys, "zzzz")
    assert result.code == 2 and "did you mean" not in result.err


def _failed_run(
    capsys: pytest.CaptureFixture[str], db: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    monkeypatch.setenv("BACKFILL_SIM", FAIL_ALL)
    result = simulated_run(capsys, str(db), "--json")
    assert result.code == 1
    run_id = str(result.summary["run_id"])
    assert f"backfill-tui resume {run_id} --db {db}" in result.err
    return run_id


def test_an_unfinished_run_says_how_to_resume_it_with_its_mirror(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _failed_run(capsys, tmp_path / "m.db", monkeypatch)


def test_run_ids_by_unique_prefix_or_suffix_everywhere_ambiguous_lists_them(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "m.db"
    first = _failed_run(capsys, db, monkeypatch)
    second = _failed_run(capsys, db, monkeypatch)
    tail = first.rsplit("-", 1)[1]
    assert run_cli(capsys, "report", tail, "--db", str(db)).out.startswith(
        f"# backfill-tui run {first}"
    )
    shared = first[
        : len(
            next(
                iter(
                    p for p in (first[:i] for i in range(len(first), 0, -1)) if second.startswith(p)
                )
            )
        )
    ]
    result = run_cli(capsys, "report", shared, "--db", str(db))
    assert result.code == 2 and first in result.err and second in result.err
    assert "ambiguous" in result.err and result.err.count("\n") == 1
    monkeypatch.setenv("BACKFILL_SIM", FAIL_ALL)
    result = run_cli(capsys, "resume", tail, "--db", str(db), "--json", "--quiet")
    assert result.code == 1 and result.summary["run_id"] == first
    result = run_cli(capsys, "diff", f"{db}:{tail}", f"{db}:{second[-4:]}")
    assert result.code in (0, 1), result.err
    assert run_cli(capsys, "resume", "nope-none", "--db", str(db)).code == 2


def test_runs_made_by_demo_are_found_or_pointed_at(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from backfill_tui.terms import default_demo_db

    demo = default_demo_db()
    demo.parent.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("BACKFILL_SIM", FAIL_ALL)
    made = run_cli(
        capsys,
        "run",
        "github:acme/rocket",
        "--workspace",
        "demo",
        "--simulate",
        "--quiet",
        "--json",
        "--db",
        str(demo),
    )
    run_id = made.summary["run_id"]
    result = run_cli(capsys, "runs")
    assert f"runs made by `backfill-tui demo` are in {demo}" in result.err
    result = run_cli(capsys, "resume", run_id)
    assert result.code == 2 and f"backfill-tui resume {run_id} --db {demo}" in result.err


def test_the_live_table_at_80_columns_keeps_every_stream_apart() -> None:
    out = io.StringIO()
    display = HeadlessDisplay(out, quiet=True)
    display.console = Console(file=out, width=80, highlight=False, soft_wrap=True)
    sources = ("github:acme/rocket", "github:acme/rocket-web-frontend", "sentry:acme/rocket")
    keys = tuple(f"{s}/{e}" for s in sources for e in ("pull_request", "issue", "release"))
    display(ev.RunStarted("r", "ws", "since", keys))
    display(ev.PageStored("r", keys[0], ev.StreamCounters(12000, 11000, 1000, 0, 1, 1), 1, 0))
    display(
        ev.StreamFinished(
            "r", keys[1], "completed", ev.StreamCounters(9, 9, 0, 0, 1, 1), capped=True
        )
    )
    display.console.print(display._table())
    lines = out.getvalue().splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert any(line.strip() == "github:acme/rocket" for line in lines)  # a row per source
    assert any(line.strip().startswith("github:…") for line in lines)  # long source: tail kept
    for entity in ("pull_request", "issue", "release"):
        assert sum(line.strip().startswith(entity) for line in lines) == 3  # whole, per source
    assert any("capped" in line for line in lines)
    assert any("12000" in line for line in lines)  # numbers never cut


def test_singular_plural_and_source_fitting() -> None:
    assert plural(1, "page") == "1 page" and plural(2, "page") == "2 pages"
    assert fit_source("github:acme/rocket-web", 18) == "github:…rocket-web"


def test_one_page_is_singular_in_the_lines_and_the_summary(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = io.StringIO()
    display = HeadlessDisplay(out)
    display(
        ev.StreamFinished(
            "r", "github:acme/rocket/issue", "completed", ev.StreamCounters(3, 3, 1, 0, 1, 1)
        )
    )
    assert "1 duplicate, 0 failed, 1 page" in out.getvalue()
    monkeypatch.setenv("BACKFILL_SIM", "clock=virtual")
    result = run_cli(
        capsys,
        "run",
        "github:acme/rocket",
        "--workspace",
        "w",
        "--simulate",
        "--json",
        "--quiet",
        "--db",
        str(tmp_path / "m.db"),
    )
    summary = result.summary
    summary["sources"][0]["streams"][0]["pages"] = 1
    summary["sources"][0]["streams"][1]["pages"] = 2
    text = io.StringIO()
    print_summary(Console(file=text, width=120), summary)
    assert re.search(r" 1 page(?!s)", text.getvalue()) and " 2 pages" in text.getvalue()
    assert " 1 pages" not in text.getvalue()


def test_a_note_every_stream_carries_is_said_once_for_the_source(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A moved repository's note was printed under each of its four streams (a fresh tester's
    finding): said once, under the source; a note of one stream (an empty repository's push)
    stays under that stream."""
    monkeypatch.setenv("BACKFILL_SIM", "clock=virtual")
    moved = "repository acme/old-rocket was renamed or moved to acme/rocket"
    result = simulated_run(capsys, tmp_path / "m.db", source="github:acme/old-rocket")
    assert result.code == 0, result.err
    assert result.out.count(moved) == 1, result.out
    lines = result.out.splitlines()
    (at,) = [i for i, line in enumerate(lines) if moved in line]
    assert lines[at - 1].startswith("  github:acme/old-rocket completed"), result.out
    assert lines[at].startswith("    note: "), result.out
    empty = simulated_run(capsys, tmp_path / "m.db", source="github:acme/empty")
    assert empty.out.count("is empty: it has no commits yet") == 1, empty.out
    assert "\n      note: repository acme/empty is empty" in empty.out, empty.out


@pytest.mark.slow
def test_ctrl_c_prints_the_resume_hint(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    db = tmp_path / "m.db"
    binary = str(Path(sys.executable).with_name("backfill-tui"))
    # Slow enough that two-page streams are still going when the first page lands.
    env = {**os.environ, "BACKFILL_SIM": "latency=3.0"}
    proc = subprocess.Popen(
        [
            binary,
            "run",
            "github:acme/rocket",
            "--simulate",
            "--workspace",
            "w",
            "--quiet",
            "--db",
            str(db),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and stored_count(db) == 0:
            time.sleep(0.1)  # until the first page is committed: the run is under way
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1, err
    assert re.search(rf"backfill-tui resume \S+ --db {re.escape(str(db))}", err), err


def test_the_live_table_at_80_columns_shows_its_headers_and_sources_whole() -> None:
    """``run github:acme/rocket vercel:acme/rocket-web`` in 80 columns showed "fail…" and
    "cal…" for headers and "vercel:…me/rocket-web" (a tester's finding): the table's frame was
    not counted, so Rich squeezed the columns."""
    out = io.StringIO()
    display = HeadlessDisplay(out, quiet=True)
    display.console = Console(file=out, width=80, highlight=False, soft_wrap=True)
    sources = ("github:acme/rocket", "vercel:acme/rocket-web")
    keys = ("github:acme/rocket/pull_request", "vercel:acme/rocket-web/deployment")
    display(ev.RunStarted("r", "ws", "since", keys))
    for key in keys:
        counters = ev.StreamCounters(175, 175, 0, 0, 2, 2)
        display(ev.StreamFinished("r", key, "completed", counters))
    display.console.print(display._table())
    lines = out.getvalue().splitlines()
    assert all(len(line) <= 80 for line in lines), lines
    header = next(line for line in lines if line.strip().startswith("stream"))
    assert header.split() == ["stream", "status", "fetch", "new", "dup", "fail", "pages", "calls"]
    for source in sources:
        assert any(line.strip() == source for line in lines), lines
    assert not any("…" in line for line in lines), lines


@pytest.mark.parametrize(
    ("width", "failed", "headers"),
    [
        (50, 0, ["stream", "status", "fetch", "new", "dup"]),
        (50, 3, ["stream", "status", "fetch", "new", "fail"]),
        (60, 0, ["stream", "status", "fetch", "new", "dup", "fail"]),
        (68, 0, ["stream", "status", "fetch", "new", "dup", "fail", "calls"]),
    ],
)
def test_a_narrow_terminal_drops_the_least_read_columns_instead_of_cutting_every_header(
    width: int, failed: int, headers: list[str]
) -> None:
    """At 50 columns the eight headers were squeezed to "fe… … … pa… c…" (a fresh tester's
    finding): columns that do not fit are left out, pages first, then calls, then fail (kept
    while a stream failed), then dup; what is shown is whole."""
    out = io.StringIO()
    display = HeadlessDisplay(out, quiet=True)
    display.console = Console(file=out, width=width, highlight=False, soft_wrap=True)
    key = "github:acme/rocket/pull_request"
    display(ev.RunStarted("r", "ws", "since", (key,)))
    display(ev.StreamFinished("r", key, "completed", ev.StreamCounters(175, 170, 5, failed, 2, 2)))
    display.console.print(display._table())
    lines = out.getvalue().splitlines()
    assert all(len(line) <= width for line in lines), lines
    header = next(line for line in lines if line.strip().startswith("stream"))
    assert header.split() == headers and "…" not in header, lines
    row = next(line for line in lines if line.strip().startswith("pull_request"))
    shown = {"fetch": "175", "new": "170", "dup": "5", "fail": str(failed), "calls": "2"}
    assert row.split()[2:] == [shown[h] for h in headers[2:]], lines


def test_a_long_source_is_cut_between_its_parts() -> None:
    assert fit_source("vercel:acme/rocket-web", 21) == "vercel:…/rocket-web"
    assert fit_source("github:acme/rocket-web-frontend", 20) == "github:…web-frontend"


def test_the_summary_fits_an_80_column_terminal_and_pipes_keep_the_long_form(
    tmp_path: Path, anchor: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 80 columns every stream line wrapped its "1 page", and the run line its status (a
    tester's finding): a narrow terminal gets the short forms; a pipe, which scripts read,
    keeps the long ones at any width."""
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor},clock=virtual")
    result = run_cli(
        capsys, "run", "github:acme/rocket", "linear:ENG", "--workspace", "w", "--simulate",
        "--days", "30", "--json", "--db", str(tmp_path / "m.db"),
    )  # fmt: skip
    assert result.code == 0, result.err
    terminal = Console(file=io.StringIO(), width=80, force_terminal=True, color_system=None)
    print_summary(terminal, result.summary)
    lines = terminal.file.getvalue().splitlines()  # type: ignore[attr-defined]
    assert max(len(line) for line in lines) <= 80, lines
    assert any(re.search(r"\d+ fetch +\d+ new +\d+ dup +\d+ fail +\d+ pages?$", s) for s in lines)
    piped = Console(file=io.StringIO(), width=80, force_terminal=False, soft_wrap=True)
    print_summary(piped, result.summary)
    text = piped.file.getvalue()  # type: ignore[attr-defined]
    assert " fetched " in text and "workspace w" in text


def _summary_on_a_terminal(summary: dict[str, Any], width: int) -> list[str]:
    """The summary's lines as the command prints them on a terminal ``width`` columns wide:
    each line as it is, the terminal wrapping it (soft wrap)."""
    terminal = Console(
        file=io.StringIO(), width=width, force_terminal=True, color_system=None, soft_wrap=True
    )
    print_summary(terminal, summary)
    return terminal.file.getvalue().splitlines()  # type: ignore[attr-defined,no-any-return]


@pytest.mark.parametrize("width", [50, 60, 72])
def test_the_summary_on_a_narrow_terminal_breaks_between_items_not_inside_words(
    tmp_path: Path,
    anchor: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    width: int,
) -> None:
    """At 50 columns the summary wrapped inside words: "· complexit" / "y 2,982,337/…", and
    each stream's "0 dup" (a fresh tester's finding). Every line now fits and every word in the
    long forms' order is whole on some line."""
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor},clock=virtual")
    result = run_cli(
        capsys, "run", "github:acme/rocket", "linear:ENG", "github:acme/nope", "--workspace",
        "w", "--simulate", "--days", "30", "--json", "--db", str(tmp_path / "m.db"),
    )  # fmt: skip
    assert result.code == 1, result.err
    lines = _summary_on_a_terminal(result.summary, width)
    assert max(len(line) for line in lines) <= width, lines
    words = {word for line in lines for word in line.replace("·", " ").split()}
    budgets = result.summary["sources"][1]["rate_limit_budgets"]["complexity"]
    assert f"{budgets['remaining']:,}/{budgets['limit']:,}" in words, lines
    assert {"complexity", "pull_request", "fetch", "dup", "fail", "github:acme/nope"} <= words, (
        lines
    )
    error = result.summary["sources"][2]["error"]
    assert all(word in words for word in error.split()), lines  # the reason whole


@pytest.mark.parametrize("width", [60, 80])
def test_the_summary_never_breaks_a_url_or_path_inside_it(
    tmp_path: Path,
    anchor: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    width: int,
) -> None:
    """A fresh tester's finding: at 60 and 80 columns a failure's URL was broken mid-way
    ("/elsewhere/deep/sentry/ap" / "i/0/organizations/…"). A word longer than what its line
    leaves starts the next line whole, within the width where it fits at all."""
    prefix = "http://sentry-web.internal.example:9000/elsewhere/deep/and/deeper/still/more"
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor},clock=virtual,url_prefix={prefix}")
    monkeypatch.setenv("BACKFILL_SENTRY_API_URL", "https://errors.acme.internal/sentry")
    result = run_cli(
        capsys, "run", "sentry:acme/rocket", "--workspace", "w", "--simulate", "--json",
        "--db", str(tmp_path / "m.db"),
    )  # fmt: skip
    assert result.code == 1, result.err
    lines = _summary_on_a_terminal(result.summary, width)
    path = "/elsewhere/deep/and/deeper/still/more/sentry/api/0/organizations/acme/issues/"
    assert path in result.summary["sources"][0]["error"]
    assert any(path in line.split() for line in lines), lines  # whole, on one line
    assert max(len(line) for line in lines) <= width or len(path) > width, lines


def test_the_last_line_on_a_narrow_terminal_breaks_between_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fresh tester's finding: at 50 columns the terminal wrapped the last line on stderr
    inside words. On a terminal it is folded between words to the width; piped, one line."""
    monkeypatch.setenv("BACKFILL_SIM", "clock=virtual")
    monkeypatch.setenv("COLUMNS", "50")
    piped = simulated_run(capsys, tmp_path / "m.db", source="github:acme/nope")
    assert piped.code == 1 and len(piped.err.splitlines()) == 1, piped.err
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # stderr read as a terminal
    result = simulated_run(capsys, tmp_path / "m.db", source="github:acme/nope")
    assert result.code == 1, result.err
    lines = result.err.splitlines()
    assert len(lines) > 1 and max(len(line) for line in lines) <= 50, lines
    assert " ".join(line.strip() for line in lines) == piped.err.strip().replace(
        piped.err.split()[1],
        result.err.split()[1],  # the run's id
    )


def test_a_source_left_with_no_stream_by_entities_says_why(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--entities issue` with a Vercel source: it read "completed (0 API calls)" and nothing
    more (a fresh tester's finding); the summary says --entities names none of its entities,
    in the text and in the JSON."""
    monkeypatch.setenv("BACKFILL_SIM", "clock=virtual")
    args = ("--entities", "issue", "--db", str(tmp_path / "m.db"))
    text = run_cli(capsys, "run", "github:acme/rocket", "vercel:acme/rocket-web",
                   "--workspace", "w", "--simulate", "--quiet", *args)  # fmt: skip
    assert text.code == 0, text.err
    said = "note: nothing to fetch: --entities issue names none of its entities (deployment)"
    assert said in text.out, text.out
    assert text.out.count("nothing to fetch") == 1, text.out  # not under GitHub
    as_json = run_cli(capsys, "run", "github:acme/rocket", "vercel:acme/rocket-web",
                      "--workspace", "w", "--simulate", "--quiet", "--json", "--full", *args)  # fmt: skip
    notes = {s["source"]: s["note"] for s in as_json.summary["sources"]}
    assert notes["github"] is None and notes["vercel"].startswith("nothing to fetch"), notes


def test_json_off_a_terminal_still_names_the_run_on_stderr(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`run --json` said nothing at all on stderr, so a run killed mid-way left no trace of
    the id to resume (a fresh tester's finding): its first line, and only it, is said;
    --quiet still says nothing."""
    monkeypatch.setenv("BACKFILL_SIM", "clock=virtual")
    result = simulated_run(capsys, tmp_path / "m.db", "--json")  # --quiet: simulated_run's
    assert result.code == 0 and result.err == "", result.err
    loud = run_cli(capsys, "run", "github:acme/rocket", "--workspace", "w", "--simulate",
                   "--json", "--full", "--db", str(tmp_path / "m.db"))  # fmt: skip
    assert loud.code == 0, loud.err
    (line,) = loud.err.splitlines()
    assert line.startswith(f"run {loud.summary['run_id']}: 4 streams since "), line
