"""``trigger --file rows.csv`` with a quote opened and never closed: Python's csv module (not
strict) reads such a value to the end of the file, rows and newlines included, and says
nothing. It was refused as "1 value under a header of 8 columns; … quote a value holding a
comma" at the file's last line, and the rows after the quote were lost unsaid (a fresh
tester's finding). Now the line where the quote opened is named, with what it took in."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from inngest_stub import FakeInngest, serving
from support import run_cli

KEY = "evtkey-Quote-secret-51Z"
HEADER = "integrationId,workspaceId,clerkOrgId,provider,userSourceId,depth,entityTypes,requestedBy"
MEND = 'close the quote (a quote inside a quoted value is written twice: "")'


@pytest.fixture
def inngest() -> Iterator[FakeInngest]:
    with serving() as state:
        yield state


def row(n: int) -> str:
    return f"int_{n},ws_1,org_1,github,us_{n},30,,ops"


def trigger_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, url: str, text: str, *extra: str
) -> Any:
    path = tmp_path / "rows.csv"
    path.write_text(text, encoding="utf-8")
    return run_cli(
        capsys, "trigger", "--event-key", KEY, "--url", url, "--db", str(tmp_path / "m.db"),
        "--file", str(path), *extra,
    )  # fmt: skip


def sent(inngest: FakeInngest) -> set[str]:
    return {e["data"]["integrationId"] for e in inngest.events.values()}


def test_a_quote_never_closed_mid_file_names_its_line_and_the_rows_it_took_in(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, inngest: FakeInngest
) -> None:
    text = "\n".join([HEADER, row(1), '"I3,W1', row(4), row(5)]) + "\n"
    done = trigger_file(capsys, tmp_path, inngest.url, text, "--apply")
    assert done.code == 1, done.err
    assert (
        "line 3: a quote opened and never closed, so lines 3 to 5 (the rest of the file) read "
        f"as one value; {MEND}"
    ) in done.out, done.out
    assert "under a header" not in done.out, done.out
    assert sent(inngest) == {"int_1"}


def test_a_quote_never_closed_on_the_last_line_names_that_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, inngest: FakeInngest
) -> None:
    text = "\n".join([HEADER, row(1), row(2), '"I3,W1']) + "\n"
    done = trigger_file(capsys, tmp_path, inngest.url, text, "--json")
    plan = json.loads(done.out)
    assert plan["refused"] == [{"line": 4, "reason": f"a quote opened and never closed; {MEND}"}], (
        plan["refused"]
    )


def test_a_last_value_opening_a_quote_is_not_called_text_of_many_lines(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, inngest: FakeInngest
) -> None:
    """With the header's count of values, the quote in the last column took the next row in as
    part of requestedBy: "requestedBy is not one line of text" at the wrong line."""
    text = "\n".join([HEADER, row(1), 'int_2,ws_1,org_1,github,us_2,30,,"ops', row(3)]) + "\n"
    done = trigger_file(capsys, tmp_path, inngest.url, text)
    assert "line 3: a quote opened and never closed, so lines 3 to 4" in done.out, done.out
    assert "one line of text" not in done.out, done.out


def test_quotes_that_close_are_no_refusal(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, inngest: FakeInngest
) -> None:
    """A quoted value with a comma and a doubled quote, a quote inside an unquoted value (the
    reader keeps it) and a CRLF file are rows as before."""
    lines = [row(1), 'int_2,ws_1,org_1,github,us_2,30,,"ops, ""night"""', 'int_3,ws_1,org_1,'
             'github,us_3,30,,o"ps', row(4)]  # fmt: skip
    text = "\r\n".join([HEADER, *lines]) + "\r\n"
    done = trigger_file(capsys, tmp_path, inngest.url, text, "--apply")
    assert done.code == 0, done.out + done.err
    assert sent(inngest) == {"int_1", "int_2", "int_3", "int_4"}
    by_id = {e["data"]["integrationId"]: e["data"] for e in inngest.events.values()}
    assert by_id["int_2"]["requestedBy"] == 'ops, "night"'


def test_a_header_whose_quote_never_closes_is_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, inngest: FakeInngest
) -> None:
    text = '"' + HEADER + "\n" + row(1) + "\n"
    done = trigger_file(capsys, tmp_path, inngest.url, text, "--apply")
    assert done.code == 2 and done.err.count("\n") == 1, done.err
    assert "rows.csv line 1: a quote opened and never closed, so lines 1 to 2" in done.err
    assert not inngest.requests
