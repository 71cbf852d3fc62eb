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

import sys

__version__ = "0.1.0"

# httpx's package __init__ imports its command-line client (``httpx._main``) whenever click,
# rich and pygments are installed, and sqlite-utils (click) and Textual (rich, pygments) install
# them all: ~45 ms of every run's start, replay and app run child (rich's console, pygments,
# click) for a command we never call (``python -X importtime -c "import httpx"``: 108-144 ms
# against 70-78 ms). httpx guards that import for installs without those extras (``except
# ImportError`` gives ``httpx.main`` a stub that says what to install); a ``None`` in
# ``sys.modules`` makes the import raise ImportError (the import system's documented way,
# https://docs.python.org/3/reference/import.html#the-module-cache). Only when httpx is not yet
# imported: a host process that already has it keeps it as it is.
if "httpx" not in sys.modules:
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
