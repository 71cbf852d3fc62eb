"""backfill-tui: preview a Lightfast connector backfill in a local SQLite mirror.

The package is layered (see docs in the README): ``connectors`` and ``store`` at the bottom,
the ``engine`` above them, and two faces on top: ``cli`` (headless) and ``screens`` (Textual).
"""

__version__ = "0.1.0"
