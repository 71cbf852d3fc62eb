"""``backfill-tui verify [--db PATH] [--full]``: check the whole mirror file, writing nothing.

Opening a mirror checks every page only while the file is small (``store/opening.py``,
``QUICK_CHECK_MAX_BYTES``); this command runs the whole check on request: SQLite's
``quick_check`` over every page, or with ``--full`` its ``integrity_check`` (every index against
its table), ``foreign_key_check`` and a decoding of every stored text as UTF-8
(``Mirror.problems``); then, the file being sound, every run, stream and source row is read as
the commands read it (``Mirror.check_rows``). Exit 0 sound; 1 damaged, each problem SQLite names on
stdout and one line on stderr saying how to mend it; 2 bad input (no mirror there, not a mirror,
a newer version's, a row edited by hand into what backfill-tui never writes, or a table, index
or trigger dropped by hand: one line naming it and the sqlite3 statement that mends it).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..errors import EXIT_INCOMPLETE, EXIT_OK, MirrorMissing
from ..terms import APP
from .options import add_db_option, db_path, error_line, missing_mirror_line

__all__ = ["cmd_verify", "register"]


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "verify",
        help="check the whole mirror file for damage (changes no row; an older mirror is upgraded first)",
        description=(
            "Check the whole mirror file for damage, writing nothing: SQLite's quick_check "
            "reads every page. Exit 0 sound, 1 damaged (each problem on stdout), 2 bad input."
        ),
    )
    parser.add_argument(
        "--full",
        action="store_true",
        help="also check every index against its table and every reference between tables "
        "(integrity_check and foreign_key_check) and that every stored text is UTF-8: slower",
    )
    add_db_option(parser)
    parser.set_defaults(handler=cmd_verify)


def cmd_verify(args: argparse.Namespace) -> int:
    from ..engine.mirror import check_mirror

    path = db_path(args)
    try:
        check = check_mirror(path, full=args.full)
    except MirrorMissing as exc:
        given = bool(getattr(args, "db", None))
        raise MirrorMissing(path, missing_mirror_line(path, given=given, state=exc.state)) from exc
    what = "integrity_check, foreign_key_check, text" if check.full else "quick_check"
    size = f"{check.size_bytes / 1_000_000:.1f} MB"
    if check.sound:
        more = "" if check.full else "; --full also checks the indexes and the text"
        sys.stdout.write(
            f"{check.path}: sound ({what} over every page of {size}, {check.seconds:.2f} s{more})\n"
        )
        return EXIT_OK
    for problem in check.problems:
        sys.stdout.write(f"{check.path}: {problem}\n")
    more = "" if check.full else f"; `{APP} verify --full` also checks the indexes and text"
    sys.stderr.write(
        error_line(
            f"{check.path} is damaged ({_count(check.problems)} found by {what}{more}); "
            "restore it from a copy, or start a new mirror with --db"
        )
    )
    return EXIT_INCOMPLETE


def _count(problems: list[str]) -> str:
    """ "1 problem", "3 problems", or "20 or more problems" when SQLite's list was cut at 20."""
    n = len(problems)
    return "1 problem" if n == 1 else f"{n}{' or more' if n >= 20 else ''} problems"
