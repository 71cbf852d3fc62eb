"""The run's summary as lines on stdout, for a person (``--json`` gives the same fields for a
script): on a terminal every line fits its width, broken between items; piped, the long forms.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console

from ..terms import APP, duration, masked_note, plural
from ..textsafe import clean, fold_words


class LiteralConsole(Console):
    """A Rich console that writes ``:shortcode:`` text as it is: Rich's default turns
    ``:100:`` into 💯, and provider text holds such runs (Sentry's cursors are ``0:100:0``, a
    message may say ``:warning:``): a next-page URL read ``cursor=0💯0`` on stderr (a tester's
    finding; the README promises provider text shown literally)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**{**kwargs, "emoji": False})


class PipeConsole(LiteralConsole):
    """A Rich console for stdout whose reader may go away (``| head``): Rich's own answer to a
    broken pipe is ``SystemExit(1)``, which says "a stream failed"; this one raises
    ``BrokenPipeError`` so ``cli.main`` ends with 141, as a shell reports SIGPIPE."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError


#: Below this many columns a terminal gets the summary's short forms (each stream on one line:
#: at 80 columns every stream line wrapped its "1 page", a tester's finding). Piped output, which
#: scripts read, keeps the long forms whatever the width.
SUMMARY_NARROW_BELOW = 100
#: Below this many columns a stream's counts go on a line of their own, under its entity and
#: status (at 50 columns the one-line form wrapped inside "0 dup", a tester's finding).
SUMMARY_TWO_LINES_BELOW = 60


def fold_items(items: list[str], width: int | None, indent: int, sep: str = " ") -> list[str]:
    """``items`` joined by ``sep`` after ``indent`` spaces; with a ``width``, broken between
    items into lines of at most ``width`` characters, the later lines indented 2 more (an item
    longer than a line is broken between its words). A terminal's own wrap broke words in two
    (``complexit`` / ``y``, a tester's finding); ``width=None`` (a pipe) keeps one line. A word
    longer than a line (a URL, a path) is never broken: it has a line of its own (unindented
    where its indent would take it past the width; longer still, the terminal's wrap keeps it
    one line to copy) (``…/sentry/ap`` / ``i/0/…``, a tester's finding)."""
    head, more = " " * indent, " " * (indent + 2)
    if width is None:
        return [head + sep.join(items)]
    lines: list[str] = []
    line = ""
    for item in items:
        joined = f"{line}{sep}{item}" if line else item
        if len((more if lines else head) + joined) <= width or not line:
            line = joined
            continue
        lines.append(line + sep.rstrip())
        line = item
    lines.append(line)
    out: list[str] = []
    for i, text in enumerate(lines):
        first = head if i == 0 else more
        out += fold_words(text, width, first, more)
    return out


def _short(s: dict[str, Any]) -> list[str]:
    """A stream's short form as items: ``pull_request completed``, ``48 fetch``, ``48 new``,
    ``0 dup``, ``0 fail``, ``1 page`` (the live table's words)."""
    capped = f", capped at {s['capped_at']}" if s["capped"] else ""
    pages = "page" if s["pages"] == 1 else "pages"
    return [
        f"{s['entity']} {s['status']}{capped}",
        f"{s['fetched']} fetch",
        f"{s['new']} new",
        f"{s['duplicates']} dup",
        f"{s['failed']} fail",
        f"{s['pages']} {pages}",
    ]


def print_summary(console: Console, summary: dict[str, Any], db_flag: str = "") -> None:
    """The run's summary as lines (the ``--json`` summary's fields, README "Command line"); on
    a terminal narrower than :data:`SUMMARY_NARROW_BELOW` columns, the short forms, and below
    :data:`SUMMARY_TWO_LINES_BELOW` each stream's counts on a line of their own. On a terminal
    every line fits its width, broken between items or words (:func:`fold_items`). A stream
    whose items failed says the first reason and the ``report`` command listing them all
    (``db_flag``: `` --db PATH`` for a non-default mirror): only ``report`` said them."""
    width = console.width if console.is_terminal else None
    narrow = width is not None and width < SUMMARY_NARROW_BELOW

    def emit(items: list[str], indent: int, sep: str = " ") -> None:
        for line in fold_items(items, width, indent, sep):
            console.print(line, markup=False, highlight=False, crop=False)

    # Each stream's counts on a line of their own where its one-line short form would not fit
    # (then for every stream, so that they stay alike).
    two_lines = width is not None and (
        width < SUMMARY_TWO_LINES_BELOW
        or any(
            4 + len(" ".join(_short(s))) > width
            for source in summary["sources"]
            for s in source["streams"]
        )
    )
    since = summary["since"]
    if narrow:  # "2026-10-31T20:01:08+00:00" as "2026-10-31 20:01 UTC" (the window is UTC)
        since = f"{since[:16].replace('T', ' ')} UTC"
    workspace = clean(summary["workspace"])
    emit(
        [
            f"run {summary['run_id']}",
            workspace if narrow else f"workspace {workspace}",
            f"{summary['depth_days']} days since {since}",
            summary["status"],
            *([f"ran {duration(summary['ran_s'])}"] if "ran_s" in summary else []),
        ],
        0,
        " · ",
    )
    if summary.get("recording_masked"):  # a replay that differs where its recording masked
        emit([f"note: {masked_note(summary['recording_masked'])}"], 2)
    for source in summary["sources"]:
        wait = f", waited {source['rate_limit_wait_s']:.0f}s" if source["rate_limit_wait_s"] else ""
        emit(
            [
                f"{source['source']}:{clean(source['target'])} {source['status']}",
                f"({plural(source['api_calls'], 'API call')}{wait})",
            ],
            2,
        )
        if source["error"]:
            emit([f"error: {clean(source['error'])}"], 4)
        if source.get("note"):  # no stream: --entities names none of its entities
            emit([f"note: {clean(source['note'])}"], 4)
        budgets = source.get("rate_limit_budgets") or {}
        if "complexity" in budgets:  # Linear: both budgets are paced; show both
            shown = [f"{name} {b['remaining']:,}/{b['limit']:,}" for name, b in budgets.items()]
            emit([f"budgets left: {shown[0]}", *shown[1:]], 4, " · ")
        # A note every stream carries alike (a moved repository) is said once, for the source:
        # it was printed under each of four streams (a fresh tester's finding).
        notes = {s.get("note") for s in source["streams"]}
        shared = notes.pop() if len(notes) == 1 and len(source["streams"]) > 1 else None
        if shared:
            emit([f"note: {clean(shared)}"], 4)
        key = f"{source['source']}:{source['target']}"
        for row in summary.get("tokens", {}).get(key, []):  # several tokens: each, by fingerprint
            left = "" if row["remaining"] is None else f", {row['remaining']}/{row['limit']} left"
            state = "rejected (401), dropped" if row["dropped"] else "in the rotation"
            emit([f"token {row['token']}: {plural(row['calls'], 'call')}{left}", state], 4, " · ")
        for s in source["streams"]:
            capped = f", capped at {s['capped_at']}" if s["capped"] else ""
            pages = "page" if s["pages"] == 1 else "pages"
            head, *counts = _short(s)
            if two_lines:
                emit([head], 4)
                emit(counts, 6)
                line = ""
            elif narrow:  # the live table's words (fetch, new, dup, fail, pages): 76 cells
                line = (
                    f"{s['entity']:<12} {s['status']:<9} {s['fetched']:>5} fetch "
                    f"{s['new']:>5} new {s['duplicates']:>5} dup {s['failed']:>3} fail "
                    f"{s['pages']:>3} {pages}{capped}"
                )
                if 4 + len(line) > (width or 0):  # not aligned, to fit (60 cells or so)
                    emit(_short(s), 4)
                    line = ""
            else:
                line = (
                    f"{s['entity']:<13} {s['status']:<10} {s['fetched']:>6} fetched "
                    f"{s['new']:>6} new {s['duplicates']:>6} dup {s['failed']:>4} failed "
                    f"{s['pages']:>4} {pages}{capped}"
                )
            if line:
                emit([line], 4)
            if s.get("note") and not shared:
                emit([f"note: {clean(s['note'])}"], 6)
            if s["failed"] and s.get("first_failure"):  # the reasons were only in `report`
                listing = f"`{APP} report {summary['run_id']}{db_flag}` lists them all"
                items = plural(s["failed"], "item")
                emit([f"{items} failed, the first: {clean(s['first_failure'])};", listing], 6)
