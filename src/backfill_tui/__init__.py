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
