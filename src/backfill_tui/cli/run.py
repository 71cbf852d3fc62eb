"""``backfill-tui run SOURCE... --workspace ID``: backfill sources into the mirror, headless.

Parsing needs only the catalog's words; the handler imports the engine, the store and the HTTP
layer it uses (start-up, issue 13). Driving the run is :func:`drive.drive`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..engine.catalog import CATALOG
from ..errors import BackfillError, UsageError
from ..terms import DEFAULT_DEPTH, DEFAULT_MAX_ITEMS, recorded_masked
from ..textsafe import escaped
from .options import (
    add_db_option,
    add_summary_options,
    days_arg,
    db_path,
    file_arg,
    max_items_arg,
    open_mirror,
)

if TYPE_CHECKING:
    from ..engine.environment import Environment
    from ..engine.mirror import Mirror, RunRecord
    from ..engine.recording import Recorder
    from ..engine.run import Engine, RunRequest

__all__ = ["cmd_run", "register"]


def register(sub: Any) -> None:
    run = sub.add_parser(
        "run",
        help="backfill sources into the mirror, headless",
        description="Backfill one or more sources into the local mirror.",
    )
    run.add_argument(
        "sources",
        nargs="+",
        metavar="SOURCE",
        help="; ".join(entry.target_help for entry in CATALOG.values()),
    )
    run.add_argument("--workspace", required=True, metavar="ID", help="the Lightfast workspace id")
    run.add_argument(
        "--days",
        type=days_arg,
        default=DEFAULT_DEPTH,
        metavar="7|30|90",
        help="how far back to go (default 30)",
    )
    run.add_argument(
        "--entities",
        metavar="LIST",
        help="comma-separated entities, e.g. pull_request,issue (default: all)",
    )
    run.add_argument(
        "--max-items",
        type=max_items_arg,
        default=DEFAULT_MAX_ITEMS,
        metavar="N",
        help=f"cap per stream (default {DEFAULT_MAX_ITEMS})",
    )
    run.add_argument(
        "--full",
        action="store_true",
        help="fetch every stream's whole window again, even where an earlier run of this "
        "mirror already covered it (default: GitHub streams fetch only what changed since)",
    )
    run.add_argument(
        "--simulate",
        action="store_true",
        help="run against the built-in simulator (no account, no token, no network)",
    )
    add_summary_options(run)
    run.add_argument(
        "--record",
        type=file_arg("--record", "sync.rec.gz"),
        metavar="FILE",
        help="also write every HTTP exchange, credentials removed, to FILE (see `replay`); "
        "a recorded run fetches in full (as --full), so FILE replays into any mirror",
    )
    add_db_option(run)
    run.set_defaults(handler=cmd_run)


def _entities(text: str | None) -> frozenset[str] | None:
    if text is None:
        return None
    names = frozenset(part.strip() for part in text.split(",") if part.strip())
    if not names:
        raise UsageError(
            "--entities is empty; give a comma-separated list such as pull_request,issue"
        )
    return names


def cmd_run(args: argparse.Namespace) -> int:
    from ..engine.environment import Environment
    from ..engine.outputs import in_use
    from ..engine.run import RunRequest, SourceSpec, validate_workspace
    from .drive import check_side_outputs

    request = RunRequest(
        workspace=validate_workspace(args.workspace),  # before any file is made
        sources=tuple(SourceSpec.parse(s) for s in args.sources),
        depth=args.days,
        entities=_entities(args.entities),
        max_items=args.max_items,
        full=args.full,
    )
    environment = Environment.create(simulate=args.simulate)
    check_side_outputs(environment, db_path(args))
    recorder: Recorder | None = None
    if args.record:
        from ..engine.recording import Recorder

        recorder = Recorder(args.record, protected=in_use(db_path(args)))
    try:
        return _plan_and_drive(args, request, environment, recorder)
    finally:
        if recorder is not None:  # a run refused before its recording began: the path is free
            recorder.release()


def _plan_and_drive(
    args: argparse.Namespace,
    request: RunRequest,
    environment: Environment,
    recorder: Recorder | None,
) -> int:
    """Plan ``request`` in the mirror (made if need be) and drive it; the exit status."""
    from ..engine.mirror import check_whole
    from ..engine.run import Engine
    from ..terms import db_flag, suggest
    from .signals import begun

    made = not db_path(args).exists()
    mirror = open_mirror(args)
    try:  # every page, before a run writes into it (open checks a large file's schema only)
        check_whole(mirror, "nothing was fetched or written")
    except BaseException:
        mirror.close()
        raise
    discard = False
    try:
        engine = Engine(mirror, environment)
        # as given: the plan stores it without secrets, and notes which were left out
        sim_text = environment.env.get("BACKFILL_SIM", "") if args.simulate else None
        try:
            planned = request if recorder is None else recorder.planned(request)
            run = engine.plan(
                planned,
                simulator_text=sim_text,
                recorded_to=recorder.path if recorder is not None else None,
            )
        except (BackfillError, KeyboardInterrupt):  # refused by the plan (an entity no source
            discard = made  # has, no token) or a Ctrl-C before it was stored: no file
            raise
        flag = db_flag(getattr(args, "db", None))
        # the run is stored: a Ctrl-C from here on cancels it, and says how to go on (cli._main)
        begun(then=f"to continue it: {suggest(f'resume {run.id}', getattr(args, 'db', None))}")
        try:
            return _drive_planned(args, engine, mirror, run, flag, recorder, environment)
        except KeyboardInterrupt:  # stopped before the engine took the run: stored cancelled
            engine.cancel_unstarted(run.id)
            raise
    finally:
        mirror.close()
        if discard:  # the empty mirror this command had just made, with its SQLite sidecars
            for suffix in ("", "-wal", "-shm"):
                Path(f"{mirror.path}{suffix}").unlink(missing_ok=True)


def _drive_planned(
    args: argparse.Namespace,
    engine: Engine,
    mirror: Mirror,
    run: RunRecord,
    flag: str,
    recorder: Recorder | None,
    environment: Environment,
) -> int:
    """Drive the planned ``run`` (with its recording, if ``recorder``); the exit status."""
    import contextlib
    import shlex
    import sys

    from ..engine.recording import RecordingKeptAside
    from ..terms import plural, suggest
    from .drive import drive
    from .signals import on_quit_abandon

    if recorder is None:
        return drive(engine, mirror, run.id, as_json=args.json, quiet=args.quiet, db_flag=flag)
    engine.subscribe(recorder.observe)  # the run's end goes into the recording
    try:
        with recorder.recording(environment, run):
            on_quit_abandon(recorder.abandon)  # a quit at once removes the unfinished file
            try:
                code = drive(
                    engine, mirror, run.id, as_json=args.json, quiet=args.quiet, db_flag=flag
                )
            finally:
                on_quit_abandon(None)  # sealing (or discarding) it is the block's
    except RecordingKeptAside as kept:  # the run's record names where its recording is (exit 2)
        with contextlib.suppress(BackfillError):  # the line saying where matters more
            mirror.set_run_recorded_to(run.id, str(kept.kept.resolve()))
        raise
    if recorder.failure is not None:  # it stopped the run, and drive's last line said so
        return code
    if not args.quiet:  # where the recording went: nothing said so (a tester's finding)
        again = suggest(f"replay {shlex.quote(str(recorder.path))}")
        sys.stderr.write(
            f"recorded {plural(recorder.exchanges, 'exchange')} to {escaped(str(recorder.path))}"
            f"{recorded_masked(recorder.masked)}; "
            "replay "
            f"it offline into another mirror with `{again} --db OTHER.db`\n"
        )
    return code
