"""What every subcommand shares: the one-line usage errors, ``--db`` and the default paths.

A subcommand module (``auth_cli``, ``export_cli``, ...) defines ``register(subparsers)`` that
adds its parser with ``set_defaults(handler=...)``; ``cli.COMMAND_MODULES`` lists the modules.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import NoReturn

import platformdirs

APP = "backfill-tui"
EXIT_OK, EXIT_INCOMPLETE, EXIT_BAD_INPUT = 0, 1, 2


def default_db() -> Path:
    return platformdirs.user_data_path(APP) / "backfill.db"


def log_path() -> Path:
    return platformdirs.user_log_path(APP) / "backfill-tui.log"


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit status 2."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: error: {message} (see {self.prog} --help)\n")
        raise SystemExit(EXIT_BAD_INPUT)


def add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        type=Path,
        default=argparse.SUPPRESS,  # keep a top-level `backfill-tui --db PATH run ...`
        metavar="PATH",
        help=f"the mirror file (default: {default_db()})",
    )


def db_path(args: argparse.Namespace) -> Path:
    return args.db if getattr(args, "db", None) else default_db()
