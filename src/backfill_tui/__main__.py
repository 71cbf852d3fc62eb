"""``python -m backfill_tui`` and the ``backfill-tui`` console script: :func:`entry`."""

import sys


def entry() -> None:
    """Load the command line and run it (``cli.entry``); never returns. A Ctrl-C while it
    loads (~0.1 s of imports, seconds on a loaded machine) ends it with one line on stderr and
    exit 130 (``errors.EXIT_INTERRUPTED``), not a traceback (a tester's finding): nothing has
    been read or written yet. A Ctrl-C later is the command's own to handle (``cli.main``).
    SIGTERM is a Ctrl-C from here on (its handler is set first): it killed the process with
    143 and nothing said while it loaded (its first ~0.7 s on a loaded machine, a fresh
    tester's finding); ``cli``'s own handling of both takes over once the command runs."""
    import signal

    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        from .cli import entry as run_command_line
    except KeyboardInterrupt:
        from .errors import EXIT_INTERRUPTED, INTERRUPTED_AT_START

        sys.stderr.write(INTERRUPTED_AT_START)
        raise SystemExit(EXIT_INTERRUPTED) from None
    run_command_line()


if __name__ == "__main__":
    entry()
