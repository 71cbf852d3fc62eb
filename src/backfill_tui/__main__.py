"""``python -m backfill_tui`` runs the command line."""

from . import entry

entry()
