"""``backfill-tui report RUN_ID``: a Markdown report of one run, for a support ticket.

Parameters, per-stream counts, API calls, rate-limit waits, failures with reasons and the
observations-per-day histogram (``report.py``); on stdout, or in ``--output FILE`` (checked and
written atomically by ``outputs.py``: never the mirror, a database, a recording or any other
file but an earlier report).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..engine.outputs import check_output, in_use, write_output
from ..textsafe import escaped
from .options import EXIT_OK, add_db_option, db_path, file_arg, open_mirror, run_id_arg


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "report",
        help="write a Markdown report of a run (for a support ticket)",
        description="Write a Markdown report of one run: parameters, counts, calls, failures.",
    )
    parser.add_argument(
        "run_id", metavar="RUN_ID", type=run_id_arg, help="the run (see `backfill-tui runs`)"
    )
    parser.add_argument(
        "--output",
        "-o",
        type=file_arg("--output", "run.md"),
        metavar="FILE",
        help="write to FILE instead of stdout (- for stdout, as gh and curl read it)",
    )
    add_db_option(parser)
    parser.set_defaults(handler=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    from ..engine.report import run_report

    path = db_path(args)
    output: Path | None = args.output
    if output is not None and str(output) == "-":  # stdout, as gh, curl and git read it
        output = None
    if output is not None:  # before anything is read: a refused path costs nothing
        # an earlier report may be replaced; any other file there is refused, untouched; a
        # character device (/dev/null) is written into
        output = check_output(
            output, option="--output", protected=in_use(path), existing="report", devices=True
        )
    mirror = open_mirror(args, readonly=True)  # reading only: works on a read-only mirror
    try:
        text = run_report(mirror, args.run_id)
    finally:
        mirror.close()
    if output is None:
        sys.stdout.write(text)
    else:
        write_output(output, text.encode("utf-8"))
        # escaped: a newline in the path broke the line in two (a fresh tester's finding)
        sys.stderr.write(f"wrote the report of run {args.run_id} to {escaped(str(output))}\n")
    return EXIT_OK
