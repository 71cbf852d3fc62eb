"""A recording's exchange lines and trailer, hand-edited and sealed again, reach the reader: the
trailer is a plain SHA-256 anyone can compute. What backfill-tui never writes is refused as the
file is read, in one line naming what is wrong (exit 2, no mirror made), as a header's field is
(test_replay_header.py). Before, an exchange's status "abc" or headers of the wrong shape said
only "has an unreadable entry (ValueError)", a status of 99, 1000, true or null replayed as an
answer (or a dropped connection) that never was, a non-ASCII header value ended the replay with
"internal error", and a trailer whose count was edited said "modified after it was recorded
(checksum mismatch)" though its checksum matched (a tester's findings)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from support import reseal, run_cli

Lines = list[dict[str, Any]]


def _exchange(field: str, value: object, number: int = 2) -> Any:
    """Set ``field`` of the ``number``-th exchange (from 1; the header is line 1)."""

    def edit(lines: Lines) -> None:
        lines[number][field] = value

    return edit


def _line(value: object, number: int = 2) -> Any:
    def edit(lines: Lines) -> None:
        lines[number] = value  # type: ignore[assignment]

    return edit


ERROR = {"type": "ReadTimeout", "message": "x"}
HTTP_STATUS = "is not an HTTP status (100 to 999)"
TIME = "is not a number of seconds within ten years of the recording's start"
BODY = 'is not null, {"text": …} or {"b64": …}'
TOKEN = "letters, digits and !#$%&'*+-.^_`|~"

#: An edit of the second exchange, and what the line says after "its exchange 2".
EXCHANGES = {
    "status abc": (_exchange("status", "abc"), f'\'s status "abc" {HTTP_STATUS}'),
    "status 99": (_exchange("status", 99), f"'s status 99 {HTTP_STATUS}"),
    "status 1000": (_exchange("status", 1000), f"'s status 1000 {HTTP_STATUS}"),
    "status true": (_exchange("status", True), f"'s status true {HTTP_STATUS}"),
    "status 200.5": (_exchange("status", 200.5), f"'s status 200.5 {HTTP_STATUS}"),
    "status text 200": (_exchange("status", "200"), f'\'s status "200" {HTTP_STATUS}'),
    "status null, no error": (
        _exchange("status", None),
        f"'s status null {HTTP_STATUS}, and no error says why no answer came",
    ),
    "an error beside a status": (
        _exchange("error", ERROR),
        '\'s error {"type": "ReadTimeout", "message": "x"} comes with status 200: an exchange '
        "holds an answer or an error, not both",
    ),
    "error text": (_exchange("error", "boom"), '\'s error is "boom", not an object'),
    "error type a number": (_exchange("error", {"type": 5, "message": ""}), "'s error.type 5"),
    "error type not a name": (
        _exchange("error", {"type": "Read Timeout", "message": ""}),
        '\'s error.type "Read Timeout" is not the name of an error (ConnectError, ReadTimeout…)',
    ),
    "headers text": (
        _exchange("headers", "abc"),
        '\'s headers "abc" is not a list of [name, value] pairs',
    ),
    # a tester's exact edits, refused since f49048d (the status "200" is "status text 200")
    "headers x": (
        _exchange("headers", "x"),
        '\'s headers "x" is not a list of [name, value] pairs',
    ),
    "content of a base64 key": (
        _exchange("content", {"base64": "!!!"}),
        f'\'s content {{"base64": "!!!"}} {BODY}',
    ),
    "content b64 !!!": (
        _exchange("content", {"b64": "!!!"}),
        '\'s content.b64 "!!!" is not base64',
    ),
    "headers an object": (
        _exchange("headers", {"etag": "x"}),
        '\'s headers {"etag": "x"} is not a list of [name, value] pairs',
    ),
    "header value a number": (
        _exchange("headers", [["etag", 5]]),
        '\'s headers[0] ["etag", 5] is not a [name, value] pair of texts',
    ),
    "header of three": (
        _exchange("headers", [["a", "b", "c"]]),
        '\'s headers[0] ["a", "b", "c"] is not a [name, value] pair of texts',
    ),
    "header name with a space": (
        _exchange("headers", [["x a", "b"]]),
        f'\'s headers[0][0] "x a" is not a header name ({TOKEN})',
    ),
    "header value with a line break": (
        _exchange("headers", [["x-a", "a\r\nb"]]),
        '\'s headers[0][1] "a\\r\\nb" holds a control character (U+000D)',
    ),
    "method a number": (_exchange("method", 5), "'s method 5 is not text"),
    "method empty": (_exchange("method", ""), '\'s method "" is not an HTTP method (GET, POST…)'),
    "method with a space": (
        _exchange("method", "G T"),
        '\'s method "G T" is not an HTTP method (GET, POST…)',
    ),
    "url null": (_exchange("url", None), "'s url null is not text"),
    "url not a URL": (_exchange("url", "not a url"), '\'s url "not a url" is not an http(s) URL'),
    "url ftp": (
        _exchange("url", "ftp://api.github.com/x"),
        '\'s url "ftp://api.github.com/x" is not an http(s) URL',
    ),
    "body text": (_exchange("body", "abc"), f'\'s body "abc" {BODY}'),
    "body of no encoding": (_exchange("body", {"foo": 1}), f'\'s body {{"foo": 1}} {BODY}'),
    "body of two encodings": (
        _exchange("body", {"text": "a", "b64": "YQ=="}),
        f'\'s body {{"text": "a", "b64": "YQ=="}} {BODY}',
    ),
    "body text a number": (_exchange("body", {"text": 5}), "'s body.text 5 is not text"),
    "body not base64": (_exchange("body", {"b64": "!!!"}), '\'s body.b64 "!!!" is not base64'),
    "content a list": (_exchange("content", [1]), f"'s content [1] {BODY}"),
    "content not base64": (
        _exchange("content", {"b64": "@@"}),
        '\'s content.b64 "@@" is not base64',
    ),
    "seq text": (_exchange("seq", "x"), '\'s seq "x" is not a whole number'),
    "seq 0": (_exchange("seq", 0), "'s seq 0 is not 1 or more"),
    "kind other": (_exchange("kind", "banana"), '\'s kind "banana" is not "exchange"'),
    "answered 1e300": (_exchange("answered", 1e300), f"'s answered 1e+300 {TIME}"),
    "started infinite": (_exchange("started", float("inf")), f"'s started Infinity {TIME}"),
    "elapsed text": (_exchange("elapsed", "0.5"), f'\'s elapsed "0.5" {TIME}'),
    "elapsed null": (_exchange("elapsed", None), f"'s elapsed null {TIME}"),
    "not an object": (_line([1, 2]), " is [1, 2], not an object"),
}


@pytest.mark.parametrize("case", list(EXCHANGES))
def test_an_exchange_field_backfill_tui_never_writes_is_refused_naming_it(
    case: str, recording: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit, says = EXCHANGES[case]
    reseal(recording, edit)
    db = tmp_path / "z.db"
    result = run_cli(capsys, "replay", str(recording), "--db", str(db))
    assert result.code == 2, result.err
    assert result.err.startswith(
        f"backfill-tui: error: {recording} has an unreadable entry: its exchange 2{says}"
    ), result.err
    assert result.err.endswith("; ask for the original recording\n")
    assert result.err.count("\n") == 1 and "internal error" not in result.err
    assert not db.exists()


def test_the_first_faulty_exchange_is_the_one_named(
    recording: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exchanges are numbered from 1 in the file's order (line 1 is the header)."""

    def edit(lines: Lines) -> None:
        lines[4]["status"] = "abc"
        lines[5]["status"] = 1000

    reseal(recording, edit)
    result = run_cli(capsys, "replay", str(recording), "--db", str(tmp_path / "z.db"))
    assert result.code == 2
    assert f'{recording} has an unreadable entry: its exchange 4\'s status "abc" ' in result.err


def test_a_non_ascii_header_value_replays(
    recording: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A header value httpx decoded from UTF-8 (or Latin-1) is recorded as text with
    characters past ASCII; giving it back to httpx as text, which it encodes as ASCII, ended
    the replay's streams with "internal error in the GitHub connector (UnicodeEncodeError)"."""
    reseal(
        recording,
        lambda lines: [x["headers"].append(["x-note", "café ☕"]) for x in lines[1:-1]],
    )
    result = run_cli(capsys, "replay", str(recording), "--db", str(tmp_path / "z.db"), "--json")
    assert result.code == 0, result.err
    assert result.summary["status"] == "completed"


def test_a_second_run_end_line_is_refused_naming_its_line(
    recording: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The writer writes one at most; a second was read as an exchange ("unreadable entry
    (KeyError)"), and would now be one whose kind is not "exchange"."""
    reseal(recording, lambda lines: lines.append(dict(lines[-1])))
    result = run_cli(capsys, "replay", str(recording), "--db", str(tmp_path / "z.db"))
    assert result.code == 2
    assert result.err == (
        f"backfill-tui: error: {recording} has an unreadable entry: its line 8 is a second "
        "run_end line (the first is line 7); ask for the original recording\n"
    )


def _drop_exchange(lines: Lines) -> None:
    del lines[3]


#: A trailer edited (its checksum still that of the lines before it), and what the line says.
TRAILERS = {
    "count raised": (
        lambda lines: None,
        lambda end: end.update(exchanges=6),
        ": its trailer counts 6 exchanges but the file holds 5 (it was edited after it was "
        "recorded, and its checksum computed again); ask for the original recording",
    ),
    "an exchange removed, the count kept": (
        _drop_exchange,
        lambda end: end.update(exchanges=5),
        ": its trailer counts 5 exchanges but the file holds 4 (it was edited after it was "
        "recorded, and its checksum computed again); ask for the original recording",
    ),
    "count text": (
        lambda lines: None,
        lambda end: end.update(exchanges="5"),
        ' has an unreadable entry: its trailer\'s exchanges "5" is not a whole number; ask for '
        "the original recording",
    ),
    "count missing": (
        lambda lines: None,
        lambda end: end.pop("exchanges"),
        " has an unreadable entry: its trailer's exchanges is missing; ask for the original "
        "recording",
    ),
}


@pytest.mark.parametrize("case", list(TRAILERS))
def test_a_trailer_whose_count_is_wrong_says_so_not_checksum_mismatch(
    case: str, recording: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit, trailer, says = TRAILERS[case]
    reseal(recording, edit, trailer)
    db = tmp_path / "z.db"
    result = run_cli(capsys, "replay", str(recording), "--db", str(db))
    assert result.code == 2, result.err
    assert result.err == f"backfill-tui: error: {recording}{says}\n"
    assert not db.exists()


def test_a_digest_that_does_not_match_still_says_modified(
    recording: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An exchange removed and the trailer left as it was: the checksum says so first, as
    before, and not the count it also breaks."""
    import gzip

    lines = gzip.decompress(recording.read_bytes()).splitlines(keepends=True)
    recording.write_bytes(gzip.compress(b"".join([lines[0], *lines[2:]])))
    result = run_cli(capsys, "replay", str(recording), "--db", str(tmp_path / "z.db"))
    assert result.code == 2
    assert result.err == (
        f"backfill-tui: error: {recording} was modified after it was recorded (checksum "
        "mismatch); ask for the original recording\n"
    )
