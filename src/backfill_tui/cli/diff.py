"""``backfill-tui diff A B``: what two runs fetched, compared observation by observation.

``A`` and ``B`` are each a run id (in ``--db``), a mirror file (its latest run) or
``PATH:RUN_ID``. Lists observations only in A, only in B, and changed (same sourceId, different
content fields: title, body, actor, references, metadata, occurred_at, type, significance).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from .options import EXIT_OK, add_db_option, count_arg, db_path


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "diff",
        help="compare the observations two runs fetched",
        description=(
            "Compare two runs. A and B are each RUN_ID (a run in --db), PATH (the latest run "
            "of that mirror file) or PATH:RUN_ID."
        ),
    )
    parser.add_argument("a", metavar="A", help="RUN_ID, PATH or PATH:RUN_ID")
    parser.add_argument("b", metavar="B", help="RUN_ID, PATH or PATH:RUN_ID")
    parser.add_argument("--json", action="store_true", help="print the comparison as JSON")
    parser.add_argument(
        "--limit",
        type=count_arg,
        default=50,
        metavar="N",
        help="list at most N observations per section (default 50; --json lists all)",
    )
    add_db_option(parser)
    parser.set_defaults(handler=cmd_diff)


def cmd_diff(args: argparse.Namespace) -> int:
    from ..engine.diff import RunRef, diff_runs, render_diff

    diff = diff_runs(RunRef.parse(args.a), RunRef.parse(args.b), db_path(args))
    from ..textsafe import escaped

    # the listing says each side's notes by its side, and a run compared with itself plainly
    shown = [] if diff.same_run_note() is not None else diff.notes(sides=args.json)
    for note in shown:
        sys.stderr.write(f"note: {escaped(note)}\n")
    if args.json:
        sys.stdout.write(json.dumps(diff.to_json(), indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(render_diff(diff, limit=max(args.limit, 0)))
    return EXIT_OK
