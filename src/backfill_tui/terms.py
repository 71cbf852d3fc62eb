"""The words every floor shares, with nothing heavy to import (``--help`` loads this).

- the backfill depths offered and the per-stream cap a run takes when the user does not say;
- counts with their nouns (``1 stream``, ``2 streams``): every face goes through :func:`plural`;
- the program's name, where its mirror and log live by default (platformdirs), and the command
  line a hint suggests (:func:`suggest`), used by errors raised on every floor.
"""

from __future__ import annotations

import difflib
import shlex
from collections.abc import Iterable
from pathlib import Path

import platformdirs

DEPTHS: tuple[int, ...] = (7, 30, 90)  # days of history a backfill may cover
DEFAULT_DEPTH = 30  # days
DEFAULT_MAX_ITEMS = 1000  # items per stream

APP = "backfill-tui"


def default_db() -> Path:
    return platformdirs.user_data_path(APP) / "backfill.db"


def log_path() -> Path:
    return platformdirs.user_log_path(APP) / "backfill-tui.log"


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` did you mean 'run' or 'runs'?`` for a typo (difflib's close matches), else ``""``."""
    close = difflib.get_close_matches(word.lower(), list(choices), n=2, cutoff=0.6)
    if not close:
        return ""
    return " did you mean " + " or ".join(f"'{c}'" for c in close) + "?"


def suggest(command: str, db: str | Path | None = None) -> str:
    """The command line a hint suggests, e.g. ``backfill-tui runs --db cc.db``.

    ``command`` is what follows the program name (``"runs"``, ``"resume RUN_ID"``); ``db`` the
    mirror the user is working with: ``--db PATH`` is added when it is not the default mirror, so
    the suggested command reads the same file (the path shell-quoted when it needs it). Every
    message that names a command goes through here."""
    return f"{APP} {command}{db_flag(db)}"


def db_flag(db: str | Path | None) -> str:
    """`` --db PATH`` (shell-quoted) for a mirror other than the default, else ``""``."""
    if db is None or not str(db) or Path(db) == default_db():
        return ""
    return f" --db {shlex.quote(str(db))}"


def plural(count: int, one: str, many: str | None = None) -> str:
    """``1 page``, ``2 pages``, ``0 pages``; ``many`` for an irregular plural (``"entries"``)."""
    return f"{count} {noun(count, one, many)}"


def noun(count: int, one: str, many: str | None = None) -> str:
    """The noun alone, agreeing with ``count``: ``noun(1, "run")`` is ``run``."""
    return one if count == 1 else (many or one + "s")


def were(count: int) -> str:
    """``was`` for one, ``were`` for any other count."""
    return "was" if count == 1 else "were"
