"""``python -m backfill_tui`` runs the command line."""

from .cli import entry

entry()
