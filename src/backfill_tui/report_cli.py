"""``backfill-tui report RUN_ID``: a Markdown report of one run, for a support ticket.

Parameters, per-stream counts, API calls, rate-limit waits, failures with reasons and the
observations-per-day histogram (``report.py``); on stdout, or in ``--output FILE``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from .cli_options import EXIT_OK, add_db_option, db_path
from .errors import UsageError


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "report",
        help="write a Markdown report of a run (for a support ticket)",
        description="Write a Markdown report of one run: parameters, counts, calls, failures.",
    )
    parser.add_argument("run_id", metavar="RUN_ID", help="the run (see `backfill-tui runs`)")
    parser.add_argument(
        "--output", "-o", type=Path, metavar="FILE", help="write to FILE instead of stdout"
    )
    add_db_option(parser)
    parser.set_defaults(handler=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    from .report import run_report
    from .store import Mirror

    path = db_path(args)
    if not path.is_file():
        raise UsageError(f"no mirror at {path}; give --db PATH")
    output: Path | None = args.output
    if output is not None and (output.is_dir() or not output.parent.is_dir()):
        raise UsageError(f"--output {output} is not a file path in an existing folder")
    mirror = Mirror.open(path)
    try:
        text = run_report(mirror, args.run_id)
    finally:
        mirror.close()
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        sys.stderr.write(f"wrote the report of run {args.run_id} to {output}\n")
    return EXIT_OK
