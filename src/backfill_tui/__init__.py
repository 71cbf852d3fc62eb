"""backfill-tui: preview a Lightfast connector backfill in a local SQLite mirror.

Each package is one floor; a floor imports only the floors below it (``lint-imports`` checks
this, see ``[tool.importlinter]`` in pyproject.toml):

- ``cli/``: the headless face, one module per command; ``backfill-tui`` starts here.
- ``screens/`` and ``widgets/``: the terminal face (Textual), the app in ``screens/app.py``.
- ``engine/``: the faces' only door: plan, run, resume, cancel, progress, checks, recording
  sessions, read models.
- ``export/`` (a run's observations to production: Postgres, Inngest) and ``recording/`` (a
  run's HTTP exchanges: the file format and the transports that record and replay): side by side.
- ``connectors/`` (providers, no SQL) and ``store/`` (the only SQL): side by side.
- ``http/`` (auth, paging, rate limits, retries, host pinning) and ``simulator/`` (a transport
  that plays the four providers): side by side.
- the kernel, at this root: ``models``, ``errors``, ``terms``, ``clock``, ``textsafe``,
  ``secrets_registry``.
"""

__version__ = "0.1.0"

#: The exit status of a Ctrl-C before a command has started: 128 + SIGINT, as a shell reports it.
EXIT_INTERRUPTED_AT_START = 130


def entry() -> None:
    """The ``backfill-tui`` program (the console script and ``python -m backfill_tui``): loads
    the command line and runs it (``cli.entry``), never returning. A Ctrl-C while it loads
    (~0.1 s of imports, seconds on a loaded machine) ends it with one line on stderr and exit
    :data:`EXIT_INTERRUPTED_AT_START`, not a traceback (a tester's finding): nothing has been
    read or written yet. A Ctrl-C later is the command's own to handle (``cli.main``)."""
    try:
        from .cli import entry as run_command_line
    except KeyboardInterrupt:
        raise SystemExit(interrupted_at_start()) from None
    run_command_line()


def interrupted_at_start() -> int:
    """Say on stderr that a Ctrl-C stopped the program before its command started; returns
    the exit status, :data:`EXIT_INTERRUPTED_AT_START`."""
    import sys

    sys.stderr.write("backfill-tui: interrupted while starting; nothing was read or written\n")
    return EXIT_INTERRUPTED_AT_START
