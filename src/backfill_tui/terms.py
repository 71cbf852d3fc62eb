"""The words every floor shares, with nothing heavy to import (``--help`` loads this).

- the backfill depths offered and the per-stream cap a run takes when the user does not say;
- counts with their nouns (``1 stream``, ``2 streams``): every face goes through :func:`plural`;
- the program's name, where its mirror and log live by default (platformdirs), and the command
  line a hint suggests (:func:`suggest`), used by errors raised on every floor;
- the statuses of runs and streams (:class:`RunStatus`, :class:`StreamStatus`), the rule for the
  status a face shows (:func:`shown_run_status`: "interrupted") and for a run's status from its
  streams' (:func:`combined_status`), and a stream's counters (:class:`StreamCounters`), held
  once and shared by the store's records and the engine's progress events.
"""

from __future__ import annotations

import difflib
import shlex
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import platformdirs

#: The ``format`` of a recording's header line (``recording/header.py``), which the mirror's
#: opening also knows, to tell a recording given to ``--db`` (``store/opening.py``).
RECORDING_FORMAT = "backfill-tui-recording"
DEPTHS: tuple[int, ...] = (7, 30, 90)  # days of history a backfill may cover
DEFAULT_DEPTH = 30  # days
DEFAULT_MAX_ITEMS = 1000  # items per stream
#: Characters a workspace id may have: production's ``workspace_id varchar(191)``
#: (lightfast-data-model.md, lightfast_workspace_neural_observations), which an export must fit.
WORKSPACE_ID_MAX = 191
#: The largest count an option or field takes (``--max-items``, ``--limit``, the app's max
#: items): far above any mirror's rows, and far below SQLite's integer limit (2**63 - 1), which a
#: larger ``--max-items`` overflowed when stored.
MAX_COUNT = 1_000_000_000

APP = "backfill-tui"


def default_db() -> Path:
    return platformdirs.user_data_path(APP) / "backfill.db"


def default_demo_db() -> Path:
    """``demo``'s own mirror, ``demo.db`` beside the default one (so a demo never mixes with
    the user's runs)."""
    return default_db().with_name("demo.db")


def log_path() -> Path:
    return platformdirs.user_log_path(APP) / "backfill-tui.log"


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` did you mean 'run' or 'runs'?`` for a typo (difflib's close matches), else ``""``."""
    close = difflib.get_close_matches(word.lower(), list(choices), n=2, cutoff=0.6)
    if not close:
        return ""
    return " did you mean " + " or ".join(f"'{c}'" for c in close) + "?"


def suggest(command: str, db: str | Path | None = None) -> str:
    """The command line a hint suggests, e.g. ``backfill-tui runs --db cc.db``.

    ``command`` is what follows the program name (``"runs"``, ``"resume RUN_ID"``); ``db`` the
    mirror the user is working with: ``--db PATH`` is added when it is not the default mirror, so
    the suggested command reads the same file (the path shell-quoted when it needs it). Every
    message that names a command goes through here."""
    return f"{APP} {command}{db_flag(db)}"


def db_flag(db: str | Path | None) -> str:
    """`` --db PATH`` (shell-quoted) for a mirror other than the default, else ``""``."""
    if db is None or not str(db) or Path(db) == default_db():
        return ""
    return f" --db {shlex.quote(str(db))}"


def plural(count: int, one: str, many: str | None = None) -> str:
    """``1 page``, ``2 pages``, ``0 pages``; ``many`` for an irregular plural (``"entries"``)."""
    return f"{count} {noun(count, one, many)}"


def duration(seconds: float | None) -> str:
    """``MM:SS``, or ``H:MM:SS`` from an hour, to the nearest second; ``--:--`` where there is
    no time to say (an ETA not known yet). The dashboard's times, and the headless summary's
    and ``runs``' "ran"."""
    if seconds is None:
        return "--:--"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes:02}:{secs:02}"


def masked_note(count: int) -> str:
    """What a replay says of its recording's masking (``count`` token-shaped strings replaced
    with ``***``, ``recording/scrub.py``): the summary, ``diff`` and the app's replay say it,
    so observations the replay stores with ``***`` are not taken for a changed provider."""
    return (
        f"the recording replaced {plural(count, 'token-shaped text')} with ***; observations "
        "holding them differ from the original run's"
    )


def recorded_masked(count: int) -> str:
    """What ``run --record`` (and the app's "Record to") add to their "recorded N exchanges"
    line when the recording masked ``count`` token-shaped strings (none: nothing)."""
    if not count:
        return ""
    return f" (masked {plural(count, 'token-shaped text')} as ***: its replay stores *** there)"


def what_failed(streams: int, items: int) -> str:
    """What failed, streams and items each named: ``4 streams``, ``3 items``, ``1 stream,
    2 items``; empty when nothing did. The dashboard's totals and the runs overview say it so
    (a bare "0 failed", counting items, read as if four failed streams had not)."""
    parts = (plural(streams, "stream") if streams else "", plural(items, "item") if items else "")
    return ", ".join(part for part in parts if part)


def grouped(count: int, one: str, many: str | None = None) -> str:
    """:func:`plural` with the count's thousands grouped, as the app's screens write counts:
    ``1,661 items``, ``1 item`` (the estimate said "~1661" beside the dashboard's "1,741")."""
    return f"{count:,} {noun(count, one, many)}"


def noun(count: int, one: str, many: str | None = None) -> str:
    """The noun alone, agreeing with ``count``: ``noun(1, "run")`` is ``run``."""
    return one if count == 1 else (many or one + "s")


def were(count: int) -> str:
    """``was`` for one, ``were`` for any other count."""
    return "was" if count == 1 else "were"


def export_verb(kind: str, form: int = 0) -> str:
    """What an export to ``kind`` does to an observation: write / written / wrote for
    "postgres" (rows), send / sent / sent for "inngest" (events are sent, not written: the app
    said "300 written" for an Inngest export, a fresh tester's finding). The command line and
    the app's export screen both say it from here, so they agree."""
    return (("write", "written", "wrote") if kind == "postgres" else ("send", "sent", "sent"))[form]


# -- statuses ------------------------------------------------------------------------------------


class RunStatus(StrEnum):
    """A run's status as the mirror stores it (interfaces.md §4), plus the shown-only
    ``INTERRUPTED`` (:func:`shown_run_status`; never stored)."""

    RUNNING = "running"
    COMPLETED = "completed"
    PARTIAL = "partial"  # some streams completed, the others failed
    FAILED = "failed"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"  # shown only: stored "running", its process is gone


class StreamStatus(StrEnum):
    """A stream's status as the mirror stores it, plus the shown-only ``INTERRUPTED`` (a
    running stream of an interrupted run) and ``CAPPED`` (completed as far as ``--max-items``
    allowed: :func:`shown_stream_status`)."""

    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"  # shown only
    CAPPED = "capped"  # shown only


#: A stream in one of these has ended (this stretch of its run).
STREAM_FINISHED: frozenset[StreamStatus] = frozenset(
    {StreamStatus.COMPLETED, StreamStatus.FAILED, StreamStatus.CANCELLED}
)
#: Shown statuses of a run that ``resume`` may continue.
RESUMABLE: frozenset[RunStatus] = frozenset(
    {RunStatus.INTERRUPTED, RunStatus.FAILED, RunStatus.PARTIAL, RunStatus.CANCELLED}
)


def shown_run_status(stored: str, process_alive: bool) -> RunStatus:
    """The status every face shows for a run stored as ``stored``: a run marked running whose
    process is gone (``process_alive`` false: killed or crashed) is ``interrupted``."""
    status = RunStatus(stored)
    if status is RunStatus.RUNNING and not process_alive:
        return RunStatus.INTERRUPTED
    return status


def shown_stream_status(
    stored: str, *, capped: bool = False, run_gone: bool = False
) -> StreamStatus:
    """The status a face shows for a stream: ``capped`` for one the per-stream limit stopped
    (it completed as far as it was allowed to, not the whole backfill window); ``interrupted``
    for one stored as running in a run whose process is gone (``run_gone``: its run shows
    ``interrupted``, :func:`shown_run_status`), since nothing runs it."""
    status = StreamStatus(stored)
    if run_gone and status is StreamStatus.RUNNING:
        return StreamStatus.INTERRUPTED
    if capped and status is StreamStatus.COMPLETED:
        return StreamStatus.CAPPED
    return status


def combined_status(stream_statuses: Iterable[str]) -> RunStatus:
    """A run's (or a source's) status from its streams' (interfaces.md §4 summary values):
    all completed → completed; any cancelled, running or pending → cancelled; else partial when
    some completed, failed when none did."""
    statuses = {StreamStatus(s) for s in stream_statuses}
    if statuses <= {StreamStatus.COMPLETED}:
        return RunStatus.COMPLETED
    if statuses & {StreamStatus.CANCELLED, StreamStatus.RUNNING, StreamStatus.PENDING}:
        return RunStatus.CANCELLED
    return RunStatus.PARTIAL if StreamStatus.COMPLETED in statuses else RunStatus.FAILED


#: How a stream's note starts when a 304 completed it (``engine/resync.py``): it fetched
#: nothing, since nothing changed after the run named next; rows show it as "unchanged" and
#: ``diff`` says so beside its counts.
UNCHANGED = "unchanged since run"


def unchanged_note(note: str | None) -> bool:
    """Whether a stream's note says a 304 completed it (:data:`UNCHANGED`, anywhere in it: a
    lookup's own note, a moved repository say, may come first)."""
    return note is not None and UNCHANGED in note


class CheckOutcome(StrEnum):
    """What a connection test (``engine.connection.check_source``) found."""

    OK = "ok"
    FAILED = "failed"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class StreamCounters:
    """A stream's cumulative counts: items fetched (kept under the cap), new and duplicate
    observations stored, items that failed to transform, pages and API calls. The store's
    :class:`~backfill_tui.store.StreamRecord` holds one; progress events carry one."""

    fetched: int = 0
    new: int = 0
    duplicates: int = 0
    failed: int = 0
    pages: int = 0
    api_calls: int = 0
