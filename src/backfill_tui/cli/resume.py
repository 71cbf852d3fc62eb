"""``backfill-tui resume RUN_ID``: continue every unfinished stream of a run from its checkpoint.

The preconditions (the run exists, has not completed, no live process runs it) and the
environment that continues it (its recording, the simulator on ``BACKFILL_SIM`` or its stored
settings, or the live APIs) are the engine's rules (``engine/runs.py``); this face says them.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from ..secrets_registry import redact
from ..terms import suggest
from .options import add_db_option, add_summary_options, demo_mirror_hint, open_mirror, run_id_arg

if TYPE_CHECKING:
    from ..engine.mirror import Mirror, RunRecord

__all__ = ["cmd_resume", "register"]


def register(sub: Any) -> None:
    resume = sub.add_parser(
        "resume",
        help="finish an interrupted or failed run",
        description="Continue every unfinished stream of a run from its checkpoint.",
    )
    resume.add_argument(
        "run_id",
        metavar="RUN_ID",
        type=run_id_arg,
        help="the run to continue (see `backfill-tui runs`)",
    )
    add_summary_options(resume)
    add_db_option(resume)
    resume.set_defaults(handler=cmd_resume)


def cmd_resume(args: argparse.Namespace) -> int:
    from ..engine.mirror import check_whole
    from ..engine.run import Engine
    from ..engine.runs import (
        resume_environment,
        resume_settings_line,
        resume_wait,
        unrecorded_resume_line,
    )
    from ..errors import MirrorMissing
    from ..terms import db_flag
    from .drive import check_side_outputs, drive

    # Look the run up read-only first: a wrong id or path is said as such, and creates nothing.
    try:
        lookup = open_mirror(args, readonly=True)
    except MirrorMissing:
        hint = demo_mirror_hint(args, args.run_id)  # a run the demo made, in its own mirror
        if hint:
            raise UsageError(hint) from None
        raise
    try:
        _resumable(lookup, args)
    finally:
        lookup.close()
    mirror = open_mirror(args, create=False)
    try:
        check_whole(mirror, "nothing was fetched or written")  # every page, before it writes
        run = _resumable(mirror, args)
        # As it was made: a replayed run from its recording, a simulated one on the simulator.
        environment, replay = resume_environment(run, mirror.path)
        settings = resume_settings_line(run)
        try:
            check_side_outputs(environment, mirror.path)
            if settings:  # once the input is accepted (bad input stays one line), before the run
                sys.stderr.write(f"note: {redact(settings)}\n")
            if unrecorded := unrecorded_resume_line(run):
                sys.stderr.write(f"note: {unrecorded}\n")
            if wait := resume_wait(mirror.streams(run.id), time.time()):
                # not refused: a token changed since (limits are per token) may go on now
                sys.stderr.write(
                    f"note: a rate limit asked this run to wait until {wait:%Y-%m-%d %H:%M} "
                    "UTC; resumed before then, it may meet the same limit\n"
                )
            engine = Engine(mirror, environment)
            flag = db_flag(getattr(args, "db", None))
            return drive(
                engine,
                mirror,
                run.id,
                as_json=args.json,
                quiet=args.quiet,
                db_flag=flag,
                replay=replay,
            )
        finally:
            if replay is not None:
                replay.close()
    finally:
        mirror.close()


def _resumable(mirror: Mirror, args: argparse.Namespace) -> RunRecord:
    """The run ``resume`` may continue (``engine.runs.check_resume``), or a
    :class:`UsageError` saying why not."""
    from ..engine.runs import check_resume

    run = mirror.get_run(args.run_id)
    if run is None:
        raise UsageError(
            demo_mirror_hint(args, args.run_id)
            or f"no run {args.run_id} in {mirror.path}; `{suggest('runs', mirror.path)}` lists them"
        )
    check_resume(mirror, run)
    return run
