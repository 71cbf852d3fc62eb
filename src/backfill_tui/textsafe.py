"""Showing provider text literally: in a terminal (:func:`clean`) and in Markdown (:func:`markdown`);
and a line folded to a terminal's width between words (:func:`fold_words`); a whole number
typed by a person read from ASCII digits only (:func:`ascii_int`).

Provider text (titles, bodies, error messages, names) is shown by the app, the headless display
and the Markdown report. Everywhere it goes through this module once:

- :func:`clean` removes what a terminal would act on (escape sequences, C0/C1 controls other
  than newline and tab) and renders the characters that would silently reorder or shift what is
  around them visibly as ``<U+XXXX>``: every Unicode format character (category Cf: the
  bidirectional controls U+202A..U+202E, U+2066..U+2069, U+200E/U+200F, U+061C; zero-width
  U+200B..U+200D, U+2060, U+FEFF; soft hyphen, tags, ...) and U+2028/U+2029. A title with U+202E cannot turn the rest of a table row
  around, and a zero-width space cannot make a cell one column narrower than the terminal draws
  it. (Trojan Source, CVE-2021-42574, is the reference for the bidi set.)
- :func:`markdown` is :func:`clean` on one line, with HTML and Markdown's inline syntax escaped,
  so ``</details>``, ``<img>``, ``**`` or a ``|`` in an error message shows as typed in a report
  table or list instead of closing a block or breaking a row.

Rich markup is escaped where text meets Rich (``rich.markup.escape``, or ``Text``/``Content``).
"""

from __future__ import annotations

import re

__all__ = [
    "ascii_int",
    "clean",
    "escaped",
    "excerpt",
    "fold_commands",
    "fold_words",
    "ljust_cells",
    "markdown",
    "one_line",
    "text_cells",
    "visible",
]

_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: Bidirectional controls and invisible zero-width characters, shown as <U+XXXX>.
#: Every Unicode "format" character (category Cf: bidi controls, zero-width characters, tags,
#: soft hyphen, ...) and the line and paragraph separators (Zl, Zp), as of Unicode 15.1.
_INVISIBLE = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
    "\U000e0020-\U000e007f]"
)
_MARKDOWN_SPECIAL = re.compile(r"([\\`*\[\]~|])")
_LONE_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")  # intraword _ is literal
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def visible(text: str) -> str:
    """Bidi controls and zero-width characters in ``text`` rendered as ``<U+XXXX>``."""
    return _INVISIBLE.sub(lambda m: f"<U+{ord(m.group()):04X}>", text)


_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_ANY_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def escaped(text: str) -> str:
    """``text`` as one line a terminal shows literally: every C0/C1 control character (ESC,
    newline, tab, ...) written as its escape (``\\x1b``, ``\\n``), bidi and zero-width characters
    as ``<U+XXXX>`` (:func:`visible`). For error lines naming a path or a value a user typed:
    unlike :func:`clean`, nothing is dropped, so the path can still be recognised."""
    text = _ANY_CONTROL.sub(lambda m: _ESCAPES.get(m.group(), f"\\x{ord(m.group()):02x}"), text)
    return visible(text)


def clean(text: str) -> str:
    """Terminal-safe text: escape sequences and control characters removed (newlines and tabs
    kept), bidi and zero-width characters rendered visibly (:func:`visible`)."""
    text = _CONTROL.sub("", _ANSI.sub("", text))
    if _INVISIBLE.search(text):
        text = visible(text)
    return text


_LINE_BREAKS = re.compile("\r\n|[\n\r\t\v\f\x1c-\x1e\x85\u2028\u2029]")


def one_line(text: str) -> str:
    """``text`` with every line break (and tab) a space: CR, LF and CRLF, VT, FF, the file,
    group and record separators, NEL (U+0085), and U+2028/U+2029 (what ``str.splitlines``
    splits at); then :func:`clean`: escape sequences and other control characters removed.
    For provider text put into one of our one-line messages (a stream's failure reason, a
    note): a 403's message holding ``\\r\\nFAKE: completed, 99 fetched`` printed a status line
    of its own on every face, and a ``\\x1b[31m`` in one reached the terminal through
    ``replay``'s last line and the log file, and was stored (testers' findings).
    interfaces.md §4: provider text is printed with control characters removed."""
    return clean(_LINE_BREAKS.sub(" ", text))


def markdown(text: str) -> str:
    """Provider text for one line of a Markdown document (a table cell, a list item).

    :func:`clean`, then newlines folded to spaces, ``&``, ``<`` and ``>`` as HTML entities (no
    tag, comment or ``</details>`` can open or close anything), and Markdown's inline syntax
    (backslash, backtick, ``*``, ``_`` at a word's edge, brackets, ``~``, ``|``) backslash-escaped.
    The ``<U+XXXX>`` of :func:`clean` is escaped too, so it shows as typed.
    """
    text = " ".join(clean(text).replace("\t", " ").splitlines())
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    text = _LONE_UNDERSCORE.sub(r"\\_", text)
    return "".join(_HTML.get(ch, ch) for ch in text)


def ljust_cells(text: str, width: int) -> str:
    """``text`` padded with spaces to ``width`` terminal cells (``str.ljust`` counts
    characters: a workspace named "🚀", two cells wide, pushed the ``runs`` columns one cell
    right). East Asian wide and fullwidth characters take two cells, combining marks none
    (Unicode UAX #11; what terminals and Rich's ``cell_len`` count, without importing Rich)."""
    return text + " " * max(0, width - text_cells(text))


def text_cells(text: str) -> int:
    """The terminal cells ``text`` takes, as :func:`ljust_cells` counts them."""
    import unicodedata

    cells = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        cells += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return cells


def fold_words(text: str, width: int, first: str = "", more: str = "  ") -> list[str]:
    """``text`` folded into lines of at most ``width`` characters between words, the first line
    after ``first``, the later ones after ``more``; never inside a word or at a hyphen. A word
    longer than a line (a URL, a path) keeps a line of its own, unindented where its indent
    would take it past the width (longer still, the terminal's wrap keeps it one line to
    copy). A terminal's own wrap broke words in two ("complexit" / "y", "…/sentry/ap" /
    "i/0/…": testers' findings). ``[first]`` for a text with no words."""
    import textwrap

    return [  # a long word's line that its indent takes past the width goes unindented
        line if len(line) <= width else line.lstrip()
        for line in textwrap.wrap(
            text,
            width,
            initial_indent=first,
            subsequent_indent=more,
            break_on_hyphens=False,
            break_long_words=False,
        )
    ] or [first]


def fold_commands(text: str, width: int) -> list[str]:
    """``text`` folded as :func:`fold_words` does, but never inside a command it suggests: a
    quit's "backfill-tui resume RUN --db" / "'/tmp/my mirror.db'" did not paste (a fresh
    tester's finding). One in backticks, or ``--db PATH``, is one word to the fold (a longer
    one keeps a line of its own); a bare ``backfill-tui resume`` or ``replay`` command has an
    unindented line to itself, as one that shared a line with the words after it ("… --db d.db
    (it resumes on") did not paste either. Used for stderr on a terminal (``cli.options``)."""
    lines: list[str] = []
    at = 0
    for found in _COMMANDS.finditer(text):
        if found.group("bare") is None:  # in backticks: it stays with its words
            continue
        lines += _folded(text[at : found.start()], width, indent=bool(lines))
        lines.append(found.group("bare"))  # unindented: the whole line is the command
        at = found.end()
    return lines + _folded(text[at:], width, indent=bool(lines))


def _folded(words: str, width: int, *, indent: bool) -> list[str]:
    """``words`` folded, each command in backticks and ``--db PATH`` whole; ``indent``: a line
    came before, so its first line is indented too."""
    if not words.strip():
        return []
    kept = _WHOLE.sub(lambda found: found.group().replace(" ", _JOIN), words.strip())
    return [part.replace(_JOIN, " ") for part in fold_words(kept, width, first="  " * indent)]


# The commands a line suggests (terms.suggest): in backticks, or the bare resume and replay
# commands a run's last line ends with (their paths shell-quoted: shlex.quote), found in one
# pass so that a command in backticks is never read as a bare one.
_COMMANDS = re.compile(
    r"`[^`\n]+`"
    r"|(?P<bare>backfill-tui (?:resume|replay) (?:'[^']*'|[^\s'`])+(?: --db (?:'[^']*'|[^\s'`])+)?)"
)
# What the fold keeps as one word: a command in backticks, and ``--db PATH`` alone.
_WHOLE = re.compile(r"`[^`\n]+`|--db (?:'[^']*'|[^\s'])+")
_JOIN = "\ue000"  # a private-use character: no message holds it, the fold never breaks at it


def excerpt(text: str, limit: int = 60) -> str:
    """``text`` as a one-line message repeats what was typed: whole up to ``limit``
    characters, else its start and its last 20 characters around "…" (a 280-character target
    was repeated whole in the Connect screen's notice, a tester's finding)."""
    if len(text) <= limit:
        return text
    return f"{text[: limit - 21]}…{text[-20:]}"


def ascii_int(text: str) -> int:
    """``int(text)`` for ASCII digits only, a sign and spaces around allowed (``" 30"``,
    ``"-1"``). ``int`` also reads other scripts' digits and underscores: ``--max-items ٣`` ran
    capped at 3 and ``1_000`` passed while ``1e3`` was refused (a fresh tester's finding).
    Raises ``ValueError`` for anything else, as ``int`` does."""
    if _ASCII_INT.fullmatch(text) is None:
        raise ValueError(f"not a whole number in ASCII digits: {text[:40]!r}")
    return int(text)


_ASCII_INT = re.compile(r"\s*[+-]?[0-9]+\s*", re.ASCII)
