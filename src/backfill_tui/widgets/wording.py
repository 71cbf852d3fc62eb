"""The app's words for what the CLI calls flags: one translation for every message shown inside
the terminal app (toasts and panels), so a user is told about fields and keys, not about
``--dsn`` or ``--simulate``.

The core's errors are written for the headless face (interfaces.md §4 names the flags); the app
shows them through :func:`in_app`. Longer phrases come first so ``--days 7`` is not half-replaced.
"""

from __future__ import annotations

import re

__all__ = ["in_app"]

# (pattern, replacement): a CLI phrase and what the app's form calls it.
_PHRASES: tuple[tuple[str, str], ...] = (
    (r"\(or try --simulate\)", "(or try `backfill-tui demo`: simulated providers, no token)"),
    (r"or try --simulate", "or try `backfill-tui demo` (simulated providers, no token)"),
    (r"`run --record`", "Record to on the connect screen"),
    # A replay's "Nothing to retry" said "record a new run with `run ... Record to FILE`" and
    # "`backfill-tui resume ID`", CLI and app words mixed (a fresh tester's finding).
    (r"`run \.\.\. --record FILE`", "Record to on the connect screen"),
    (r"`backfill-tui resume (\S+)( --db ('[^']*'|\S+))?`", r"press r on run \1 under Runs (F5)"),
    # "Cannot resume" a replay whose recording moved or changed named the file, then the whole
    # command with it and --db again: past what a notice shows at 80x24 (found beside a fresh
    # tester's "Nothing to retry", cut there too).
    (
        r"`backfill-tui replay ('[^']*'|\S+)( --db ('[^']*'|\S+))?`",
        "press o under Runs (F5) and give its path",
    ),
    (r"`backfill-tui runs`( --db ('[^']*'|\S+))? lists them", "F5 lists them"),
    (r"`backfill-tui runs( --db ('[^']*'|\S+))?` lists them", "F5 lists them"),
    # An export's dry run of a run with nothing new named --run (a fresh tester's finding).
    (r"export them with --run (\S+), or", r"export them by picking run \1 under Run, or"),
    (
        r"export them with --run RUN, one export for each of them",
        "export each of them, picked under Run",
    ),
    (
        r"export the run that first stored them with --run",
        "export the run that first stored them (pick it under Run)",
    ),
    (r"the whole workspace without --run", "the whole workspace (all runs, under Run)"),
    (r"check --workspace \(and --db\)", "check the workspace field"),
    (r"--days (\d+) is not offered", r"a depth of \1 days is not offered"),
    (r"--entities selects none", "the ticked entities select none"),
    # "a connection string goes in the DSN field, --dsn" (plan.validate_workspace) said "the DSN
    # field, the DSN field" (a fresh tester's finding).
    (r"the DSN field, --dsn", "the DSN field"),
    (r"--dsn \(or PGPASSWORD\)", "the DSN field (or PGPASSWORD)"),
    (r"in --dsn", "in the DSN field"),
    (r"--dsn", "the DSN field"),
    (r"--create-schema", '"create the table"'),
    # An Inngest URL given with its key (export/event_endpoint.py): the two fields, named.
    (
        r"give --url (\S+) and the key as --event-key",
        r"type \1 as the base URL and the key in the event key field",
    ),
    (r"check --event-key", "check the event key field"),
    (r"--event-key", "the event key"),
    (r"--url", "the base URL"),
    (r"--workspace", "the workspace"),
    (r"--max-items", "max items"),
    (r"--record", "Record to"),
    (r"--simulate", "`backfill-tui demo`"),
)
_COMPILED = tuple((re.compile(pattern), repl) for pattern, repl in _PHRASES)


def in_app(text: str) -> str:
    """``text`` with each CLI flag replaced by the name of the app's field or key for it."""
    for pattern, repl in _COMPILED:
        text = pattern.sub(repl, text)
    return text
