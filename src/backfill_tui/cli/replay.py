"""``backfill-tui replay FILE``: run a recorded backfill again, offline, into a mirror.

The recording is the only transport: no network, no token. The run has the recorded parameters
and cutoff instant, so it selects the same window however much later it is replayed. Exit status
as for ``run``; a recording that is truncated, damaged or modified is refused (exit 2).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from .options import add_db_option, add_summary_options


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "replay",
        help="run a recorded backfill again, offline (see run --record)",
        description=(
            "Replay a recording made with `run --record FILE`: the same backfill, through the "
            "same connector code, answered from the file (no network, no token needed)."
        ),
    )
    parser.add_argument("file", type=_recording_arg, metavar="FILE", help="the recording")
    add_summary_options(parser)
    add_db_option(parser)
    parser.set_defaults(handler=cmd_replay)


def _recording_arg(text: str) -> Path:
    """FILE's value; an empty one (``replay ''``, an unset variable in a script) is refused as
    empty, not read as ``.``, which was then refused as a folder (". is a folder", a fresh
    tester's finding). Raises ``argparse.ArgumentTypeError`` (exit 2)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("FILE is empty; give the file `run --record` wrote")
    return Path(text)


def cmd_replay(args: argparse.Namespace) -> int:
    from ..engine.recording import Replay
    from ..engine.run import Engine
    from ..terms import db_flag
    from .drive import drive
    from .options import open_mirror
    from .signals import begun, stop_asked

    replay = Replay.open(args.file)
    try:
        mirror = open_mirror(args)
    except BaseException:
        replay.close()
        raise
    try:
        engine = Engine(mirror, replay.environment())
        run = replay.plan(engine)
        begun()  # the run is stored: a Ctrl-C from here on cancels it (cli._main)
        if not args.quiet:
            header = replay.header
            sys.stderr.write(
                f"replaying run {header.run_id} ({replay.exchanges} recorded "
                f"exchanges, started {header.run.started_at}) as run {run.id}\n"
            )
        flag = db_flag(getattr(args, "db", None))
        code = drive(
            engine,
            mirror,
            run.id,
            as_json=args.json,
            quiet=args.quiet,
            db_flag=flag,
            replay=replay,
        )
        left = replay.transport.remaining if replay.transport is not None else 0
        # A replay the user stopped leaves answers unasked by design: its cancelled line said
        # all there is (a fresh tester's finding: the note read as a replay gone astray).
        if left and not args.quiet and not stop_asked():
            end = replay.header.end  # how the recorded run ended; which streams it stopped
            sys.stderr.write(_left_unasked(left, len(end.stops) if end is not None else 0))
        return code
    finally:
        mirror.close()
        replay.close()


def _left_unasked(left: int, stopped: int) -> str:
    """The note for ``left`` recorded answers a replay never asked for, or ``""``. A run that
    stopped (cancelled, interrupted) may have had up to two pages per stream it ``stopped`` (its
    recording's ``RunEnd.stops``) answered and recorded but never stored: one queued behind the
    page committing, which the cancel leaves out, and one read ahead (``engine.run._ReadAhead``)
    whose answer came before the cancel reached the stream. Its replay leaves them unasked on
    purpose, so at most that many left over is said by nothing more than the streams' "the
    recording ends where its run was cancelled" (a tester's finding: a note called it a replay
    gone astray; fresh-clone CI under load met the two-page case). More than that is one."""
    from ..terms import plural, were

    if left <= 2 * stopped:
        return ""
    return (
        f"note: {plural(left, 'recorded answer')} {were(left)} never asked for; this "
        "replay did not follow the recorded run exactly\n"
    )
