"""Provider text reaches a report or a terminal escaped (issue 10, item 8).

A provider's error message or an item's fields reach the Markdown report through the real
connector (respx at the HTTP level) and must render as typed, never as HTML or Markdown; bidi
controls and zero-width characters must never reach a terminal table or detail raw.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import pytest
import respx
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from rich.cells import cell_len
from support import run_cli

from backfill_tui.screens.observations import row_cells
from backfill_tui.store.browse import ObservationRow
from backfill_tui.textsafe import clean, markdown

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u180e\u00ad\u2028\u2029"
HOSTILE = (
    "</details><details open><summary>x</summary><img src=x onerror=alert(1)> <!-- "
    "**bold** _em_ `code` [link](https://evil.example) ~~gone~~ | cell | \\ "
    "\u202eevil\u202c zero\u200bwidth \x1b[31mred\x1b[0m\r\nsecond line"
)
REPO = {"id": 42, "full_name": "acme/rocket", "html_url": "https://github.com/acme/rocket"}


def tokens_of(text: str) -> list[Any]:
    """Every token a GitHub-like renderer (CommonMark + tables, HTML allowed) makes of ``text``."""
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    out: list[Any] = []
    for token in md.parse(text):
        out.append(token)
        out += token.children or []
    return out


def rendered_text(text: str) -> str:
    return "".join(t.content for t in tokens_of(text) if t.type in ("text", "code_inline"))


@pytest.mark.parametrize("char", list(BIDI + ZERO_WIDTH))
def test_clean_renders_every_bidi_and_zero_width_character_visibly(char: str) -> None:
    shown = clean(f"a{char}b")
    assert shown == f"a<U+{ord(char):04X}>b"
    assert cell_len(shown) == len(shown)  # every character takes the column it appears to


def test_every_format_and_separator_character_is_rendered_visibly() -> None:
    """Every code point Unicode calls a format character (Cf) or a line/paragraph separator."""
    hidden = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) in ("Cf", "Zl", "Zp")]
    assert len(hidden) > 150
    for ch in hidden:
        assert clean(ch) == f"<U+{ord(ch):04X}>"


@given(st.text())
def test_clean_leaves_nothing_a_terminal_would_act_on_or_hide(text: str) -> None:
    shown = clean(text)
    for ch in shown:
        assert ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp"), repr(ch)


@given(st.text())
def test_markdown_never_yields_html_or_formatting(text: str) -> None:
    """Whatever the text, it renders as one paragraph of plain text in a table cell."""
    cell = markdown(text)
    assert "\n" not in cell
    table = f"| a | b |\n| --- | --- |\n| {cell} | x |\n"
    kinds = {t.type for t in tokens_of(table)}
    assert not kinds & {"html_inline", "html_block", "strong_open", "em_open", "link_open",
                        "s_open", "code_inline", "image"}  # fmt: skip
    assert sum(1 for t in tokens_of(table) if t.type == "td_open") == 2


def test_markdown_shows_the_text_as_typed() -> None:
    expected = " ".join(clean(HOSTILE).splitlines())
    assert rendered_text(markdown(HOSTILE)) == expected


def test_a_providers_text_reaches_the_report_as_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_escapetesttoken")
    db = tmp_path / "m.db"
    broken = {"id": 9, "number": HOSTILE, "title": HOSTILE}  # an item that cannot be stored
    with respx.mock(assert_all_mocked=True) as github:
        github.get("https://api.github.com/repos/acme/rocket").respond(200, json=REPO)
        github.get("https://api.github.com/repos/acme/rocket/pulls").respond(200, json=[broken])
        github.get("https://api.github.com/repos/acme/rocket/issues").respond(
            422, json={"message": HOSTILE}
        )
        run = run_cli(
            capsys, "run", "github:acme/rocket", "--workspace", "ws", "--entities",
            "pull_request,issue", "--db", str(db), "--json",
        )  # fmt: skip
    assert run.code == 1, run.err
    report = run_cli(capsys, "report", run.summary["run_id"], "--db", str(db))
    assert report.code == 0, report.err
    text = report.out
    assert "evil" in text and "could not become observations" in text  # the text did arrive
    kinds = {t.type for t in tokens_of(text)}
    assert not kinds & {"html_inline", "html_block", "link_open", "image", "s_open"}
    for raw in BIDI + ZERO_WIDTH + "\x1b":
        assert raw not in text
    assert "<U+202E>evil<U+202C>" in rendered_text(text)
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    tables = text.split("\n\n")
    for table in tables:  # every row of every table has its header's number of cells
        lines = [line for line in table.splitlines() if line.startswith("| ")]
        widths = {len(line.replace("\\|", "").split("|")) for line in lines}
        assert len(widths) <= 1, table
    assert rows
    for output in (run.out, run.err):  # the terminal summary and progress too
        for raw in BIDI + ZERO_WIDTH + "\x1b":
            assert raw not in output


def test_a_title_cannot_shift_the_apps_table_rows() -> None:
    title = "fix \u202elogin\u202c flow\u200b\u200b\u200b now"
    cells = row_cells(
        ObservationRow(1, "2026-11-28T10:00:00Z", "github", "pull-request", title, 50)
    )
    shown = cells[3].plain
    assert shown == "fix <U+202E>login<U+202C> flow<U+200B><U+200B><U+200B> now"
    assert cell_len(shown) == len(shown)


def test_the_live_views_show_provider_text_visibly() -> None:
    """The app's live state (live.py) and the headless progress table (display.py) get a
    provider's reason and error through clean(): no raw bidi or zero-width character."""
    import io

    from rich.console import Console

    from backfill_tui.cli.display import HeadlessDisplay
    from backfill_tui.engine import progress as ev
    from backfill_tui.engine.live import RunProgress
    from backfill_tui.store import RunRecord

    evil = "rate \u202elimited\u202c\u200b by \u2066policy\u2069"
    stream = f"{SOURCE_SPEC}/issue"
    events: list[ev.ProgressEvent] = [
        ev.RunStarted("r1", "ws", "2026-10-29T00:00:00+00:00", (stream,)),
        ev.RateLimitWait("r1", SOURCE_SPEC, stream, 1_800_000_000.0, 5.0, evil),
        ev.StreamFinished("r1", stream, "failed", ev.StreamCounters(), error=evil),
    ]
    run = RunRecord("r1", "ws", [SOURCE_SPEC], 30, "2026-10-29T00:00:00+00:00", None, 10)
    live = RunProgress(run, [], 0.0)
    out = io.StringIO()
    display = HeadlessDisplay(out)
    for event in events:
        live.apply(event, 1.0)
        display(event)
    table = io.StringIO()
    Console(file=table, width=200).print(display._shown())  # the table, waits and failures
    shown = [
        live.sources[SOURCE_SPEC].wait_reason or "",
        live.streams[stream].error or "",
        *live.take_log(),
        out.getvalue(),
        table.getvalue(),
    ]
    for text in shown:
        for raw in BIDI + ZERO_WIDTH:
            assert raw not in text
    assert "<U+202E>limited<U+202C><U+200B>" in live.streams[stream].error  # type: ignore[operator]
    assert "<U+202E>limited" in table.getvalue()


SOURCE_SPEC = "github:acme/rocket"
