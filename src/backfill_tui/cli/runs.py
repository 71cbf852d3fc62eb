"""``backfill-tui runs``: past runs, newest first (the engine's runs overview, one query).

A run marked running whose process is gone shows as ``interrupted`` (``terms.shown_run_status``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..errors import EXIT_OK
from ..terms import duration, what_failed
from ..textsafe import ljust_cells, text_cells
from .options import add_db_option, demo_mirror_hint, open_mirror, positive_arg

__all__ = ["cmd_runs", "register"]


#: The most cells the ``runs`` listing pads workspaces to: a longer one (a 191-character id)
#: is listed whole, its row's next columns after it, not every row padded to it.
WORKSPACE_PAD = 32


def register(sub: Any) -> None:
    runs = sub.add_parser(
        "runs", help="list past runs", description="List past runs, newest first."
    )
    runs.add_argument("--json", action="store_true", help="print the list as JSON")
    runs.add_argument(
        "--limit", type=positive_arg, default=20, metavar="N", help="how many (default 20)"
    )
    add_db_option(runs)
    runs.set_defaults(handler=cmd_runs)


def cmd_runs(args: argparse.Namespace) -> int:
    import json

    from ..engine.runs import recording_lost, run_lines

    mirror = open_mirror(args, readonly=True)
    try:
        lines = run_lines(mirror, args.limit)
        rows: list[dict[str, Any]] = [
            {
                "run_id": line.run.id,
                "workspace": line.run.workspace,
                "sources": line.run.sources,
                "depth_days": line.run.depth_days,
                "status": line.status,
                "started_at": line.run.started_at,
                "finished_at": line.run.finished_at,
                "ran_s": round(line.ran_s, 3),
                "new": line.new,
                "duplicates": line.duplicates,
                "failed": line.failed,
                "streams_failed": line.streams_failed,
                "simulated": line.run.simulate,
                "replay_of": line.run.recording,
                "recorded_to": line.run.recorded_to,  # `run --record`'s file
                "recording_lost": recording_lost(line.run),  # why it is not there, or null
                "replayed_at": line.run.replayed_at,
            }
            for line in lines
        ]
        if args.json:
            sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        elif not rows:
            sys.stdout.write(f"no runs yet in {mirror.path}\n")
        else:
            total = mirror.count_runs()
            listing: list[str] = []  # written at once: `| head -1` then finds it all written
            # The workspaces padded to the widest by terminal cells (up to WORKSPACE_PAD): one
            # longer than 12 cells, or with wide characters, shifted its row's next columns.
            pad = max(12, *(min(text_cells(r["workspace"]), WORKSPACE_PAD) for r in rows))
            for line, r in zip(lines, rows, strict=True):
                what = what_failed(line.streams_failed, line.failed)
                failed = f"  failed {what}" if what else ""
                sim = " (simulated)" if r["simulated"] else ""
                if r["replay_of"]:  # a replay answered from a file, not the live API
                    recorded = str(r["started_at"])[:16].replace("T", " ")
                    sim += f" (replay of {Path(r['replay_of']).name}, recorded {recorded})"
                if r["recording_lost"]:  # killed while recording: only `resume` said so
                    sim += f" (recording {r['recording_lost'].partition(':')[0]})"
                listing.append(
                    f"{r['run_id']}  {r['status']:<11} {duration(line.ran_s):>5}  "
                    f"{ljust_cells(r['workspace'], pad)} "
                    f"{r['depth_days']:>2}d  "
                    f"new {r['new']:>6}  dup {r['duplicates']:>6}{failed}  {' '.join(r['sources'])}{sim}\n"
                )
            sys.stdout.write("".join(listing))
            if total > len(rows):  # on stderr: stdout holds the runs only, newest first
                # (`runs | head -1 | cut -d' ' -f1`, the newest run's id, gave "newest" once a
                # mirror held more runs than the list: a fresh tester's finding)
                sys.stderr.write(f"note: newest {len(rows)} of {total} runs (--limit N for more)\n")
        hint = "" if args.json else demo_mirror_hint(args)
        if hint:
            sys.stderr.write(f"note: {hint}\n")
        return EXIT_OK
    finally:
        mirror.close()
