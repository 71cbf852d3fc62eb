"""A run as a Markdown report, for attaching to a support ticket.

:func:`run_report` gathers what the mirror recorded about one run (parameters, per-stream
counts, API calls, rate-limit waits, stream and item failures, and the observations the run
fetched per day) and renders it as plain GitHub-flavoured Markdown. Provider text goes through
:func:`cell` (``textsafe.markdown``: HTML, Markdown syntax, control, bidi and zero-width characters
escaped); credentials are masked as everywhere else.
Used by ``report_cli``; the app can show or save the same text.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from .. import __version__
from ..connectors import provider
from ..errors import UsageError
from ..secrets_registry import redact
from ..store import Mirror, RunRecord, StreamRecord
from ..store.run_items import observations_per_day
from ..terms import (
    RESUMABLE,
    RunStatus,
    masked_note,
    plural,
    shown_stream_status,
    suggest,
    were,
)
from ..textsafe import markdown
from .environment import public_settings
from .runs import mend_first
from .summary import run_summary

BAR = 40  # width of the longest histogram bar
MAX_ITEM_FAILURES = 200


class Markup(str):
    """Markdown this module wrote itself (``**total**``): put in a cell as it is."""


def cell(value: Any) -> str:
    """A value made safe for one Markdown table cell or list item: credentials masked, then
    HTML, Markdown syntax, control, bidi and zero-width characters escaped as the app shows
    them (``textsafe.markdown``)."""
    if isinstance(value, Markup):
        return str(value)
    return markdown(redact(str(value))).strip() or " "


def _table(head: list[str], rows: list[list[Any]], align: str = "") -> list[str]:
    marks = [("---:" if align and align[i] == "r" else "---") for i in range(len(head))]
    lines = ["| " + " | ".join(head) + " |", "| " + " | ".join(marks) + " |"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return lines


def _finished(run: RunRecord, shown: str) -> str:
    """The report's "Finished": the run's end, or ``not finished``; for an interrupted run
    whose stop a lock kept out until later (``Mirror.end_span``), ``not finished (stopped at
    …)``: the instant its time counts to, which is not an end."""
    if not run.finished_at:
        return "not finished"
    if shown == RunStatus.INTERRUPTED:
        return f"not finished (stopped at {run.finished_at})"
    return run.finished_at


def _seconds(value: float) -> str:
    if value < 60:
        return f"{value:.1f} s"
    return f"{value:.0f} s ({value / 60:.1f} min)"


def _day(text: str) -> date | None:
    try:
        return datetime.fromisoformat(text).astimezone(UTC).date()
    except ValueError:
        return None


def histogram(run: RunRecord, per_day: dict[str, int]) -> list[str]:
    """Observations per UTC day across the backfill window (the cutoff to the run's start),
    zero days included. Observations dated before the cutoff are summed in one line that says
    why: a provider's "updated since" filter returns an item changed in the window, but the
    item is observed at its creation time (a Linear issue created a year ago and edited last
    week; linear_transform dates issues by createdAt, as production does)."""
    first, last = _day(run.since), _day(run.started_at)
    days = dict(per_day)
    older = 0
    if first is not None:
        before = [day for day in days if day < first.isoformat()]
        older = sum(days.pop(day) for day in before)
        earliest = min(before, default=None)
    if first is not None and last is not None and first <= last:
        for n in range((last - first).days + 1):
            days.setdefault((first + timedelta(days=n)).isoformat(), 0)
    if not days and not older:
        return ["The run fetched no observations."]
    peak = max(days.values(), default=0) or 1
    rows: list[list[Any]] = [
        [day, count, "█" * round(BAR * count / peak) if count else ""]
        for day, count in sorted(days.items())
    ]
    lines = _table(["Day (UTC)", "Observations", ""], rows, "lrl")
    if older and first is not None:
        lines += [
            "",
            f"Before the window ({earliest} to {first - timedelta(days=1)}): "
            f"{plural(older, 'observation')} of items updated in the window but "
            "observed at their creation time, which is earlier than the cutoff.",
        ]
    return lines


#: What the Failures section says of a stream that did not complete and has no error of its own,
#: by its shown status (``terms.StreamStatus``; ``interrupted``: its process is gone).
_UNFINISHED = {
    "cancelled": "was cancelled before it completed",
    "interrupted": "was interrupted (its process stopped) before it completed",
    "running": "is still running",
    "pending": "never started",
    "failed": "failed",
}


def _unfinished(summary: dict[str, Any], with_error: set[str]) -> list[tuple[str, str]]:
    """(stream key, shown status) of the streams of a :func:`run_summary` that did not
    complete, leaving out those already listed with an error (``with_error``: their keys)."""
    found = []
    for src in summary["sources"]:
        for stream in src["streams"]:
            key = f"{src['source']}:{src['target']}/{stream['entity']}"
            if stream["status"] != "completed" and key not in with_error:
                found.append((key, str(stream["status"])))
    return found


def _entities(run: RunRecord, streams: list[StreamRecord]) -> str:
    """The run's entities: ``--entities`` as given; else "all", or each source that ran only
    some of its provider's entities (the app's per-source choice) with the ones it ran, as its
    streams say ("all" hid such a choice: a tester's finding)."""
    if run.entities:
        return ", ".join(sorted(run.entities))
    ran: dict[str, set[str]] = {}
    for stream in streams:
        ran.setdefault(f"{stream.provider}:{stream.target}", set()).add(stream.entity)
    own = [
        f"{source}: {', '.join(sorted(entities))}"
        for source, entities in ran.items()
        if entities != set(provider(source.split(":", 1)[0]).connector.entities)
    ]
    if not own:
        return "all"
    return "; ".join(own) + ("; the other sources: all" if len(own) < len(ran) else "")


def run_report(mirror: Mirror, run_id: str) -> str:
    run = mirror.get_run(run_id)
    if run is None:
        raise UsageError(
            f"no run {run_id} in {mirror.path}; `{suggest('runs', mirror.path)}` lists them"
        )
    summary = run_summary(mirror, run)
    streams = mirror.streams(run.id)
    by_id = {s.id: s for s in streams}
    out = [f"# backfill-tui run {cell(run.id)}", ""]
    out.append(
        f"Generated {datetime.now(UTC).isoformat(timespec='seconds')} by backfill-tui "
        f"{__version__} from {cell(mirror.path.name)}."
    )
    out += ["", "## Parameters", ""]
    settings = public_settings(run.simulator)  # parsed: a stored secret is never printed
    simulated = (
        f"yes ({settings})" if run.simulate and settings else ("yes" if run.simulate else "no")
    )
    parameters: list[list[Any]] = [
        ["Workspace", run.workspace],
        ["Sources", ", ".join(run.sources)],
        ["Depth", f"{run.depth_days} days (cutoff {run.since})"],
        ["Entities", _entities(run, streams)],
        ["Max items per stream", run.max_items],
        ["Started", run.started_at],
        ["Finished", _finished(run, summary["status"])],
        ["Status", summary["status"]],
        ["Simulated", simulated],
    ]
    if run.recorded_to and run.recording is None:  # `run --record`: where, and if it is lost
        from .runs import recording_lost

        lost = recording_lost(run)
        parameters.append(
            ["Recorded to", f"{run.recorded_to} ({lost})" if lost else run.recorded_to]
        )
    if run.recording is not None:  # replayed: simulated or not as the recorded run was
        from ..recording.fileformat import peek_header

        header = peek_header(run.recording)
        parameters[8] = [
            "Simulated",
            "unknown (replayed from a recording no longer at its path)"
            if header is None
            else "yes (replayed from a recording of a simulated run"
            + (f": {public_settings(header.simulator)})" if header.simulator else ")")
            if header.simulated
            else "no (replayed from a recording of a live run)",
        ]
        # A replay answered from a file: say which (and which bytes), and that "Started" is the
        # recorded run's start, which the replay keeps so its backfill window is the same.
        sha = (run.recording_sha256 or "")[:12]
        parameters.append(["Replayed from", f"{run.recording} (sha256 {sha})"])
        if run.recording_masked:  # what it stored as *** differs from the recorded run's
            parameters.append(["Masked", masked_note(run.recording_masked)])
        parameters[5] = ["Started", f"{run.started_at} (as recorded)"]
        if run.finished_at and summary["status"] != RunStatus.INTERRUPTED:
            # its end too: a replay runs on its recording's clock (clock.ReplayClock), so it
            # read 18:41:22 for a replay that ran at 18:48 (a fresh tester's finding)
            parameters[6] = ["Finished", f"{run.finished_at} (as recorded)"]
    out += _table(["Parameter", "Value"], parameters)
    out += ["", "## Streams", ""]
    rows: list[list[Any]] = []
    gone = summary["status"] == RunStatus.INTERRUPTED  # its running streams are not running
    for s in streams:
        note = "; ".join(
            n for n in (f"capped at {s.capped_at}" if s.capped else "", s.note or "") if n
        )
        rows.append(
            [
                s.key,
                shown_stream_status(s.status, run_gone=gone),
                s.fetched,
                s.new,
                s.duplicates,
                s.failed,
                s.pages,
                s.api_calls,
                _seconds(s.rate_limit_wait_s),
                note,
            ]
        )
    rows.append(
        [
            Markup("**total**"),
            "",
            *(
                sum(getattr(s, f) for s in streams)
                for f in ("fetched", "new", "duplicates", "failed", "pages", "api_calls")
            ),
            _seconds(sum(s.rate_limit_wait_s for s in streams)),
            "",
        ]
    )
    out += _table(
        [
            "Stream",
            "Status",
            "Fetched",
            "New",
            "Duplicates",
            "Failed",
            "Pages",
            "API calls",
            "Rate-limit wait",
            "Note",
        ],
        rows,
        "llrrrrrrrl",
    )
    out += ["", "## API calls and rate-limit waits", ""]
    sources = mirror.run_sources(run.id)
    out += _table(
        ["Source", "API calls", "of which setup", "Rate-limit wait", "Status"],
        [
            [
                f"{src['source']}:{src['target']}",
                src["api_calls"],
                setup["api_calls"],
                _seconds(src["rate_limit_wait_s"]),
                src["status"],
            ]
            for src, setup in zip(summary["sources"], sources, strict=True)
        ],
        "lrrrl",
    )
    total_calls = sum(src["api_calls"] for src in summary["sources"])
    total_wait = sum(src["rate_limit_wait_s"] for src in summary["sources"])
    streams_wait = sum(s.rate_limit_wait_s for s in streams)
    # The two tables' waits differ when streams waited side by side: the report showed 7.9 s
    # and 5.6 s for one run with nothing to say why (a fresh tester's finding).
    overlap = (
        f" (the time that passed: a wait shared by a source's streams counted once, its "
        f"lookup's own with it; the streams' waits above add up to {_seconds(streams_wait)})"
        if _seconds(streams_wait) != _seconds(total_wait)
        else ""
    )
    out += [
        "",
        f"{plural(total_calls, 'API call')} in all (retries included); "
        f"{_seconds(total_wait)} waiting on rate limits{overlap}.",
    ]
    out += ["", "## Failures", ""]
    errors = [
        (f"{src['source']}:{src['target']}", src["error"])
        for src in summary["sources"]
        if src["error"]
    ]
    errors += [(s.key, s.error) for s in streams if s.error]
    failures = mirror.item_failures(run.id)
    unfinished = _unfinished(summary, {where for where, _ in errors})
    if not errors and not failures and not unfinished:
        out.append("None: every stream completed and every item became an observation.")
    for where, error in dict.fromkeys(errors):
        out.append(f"- **{cell(where)}** failed: {cell(error)}")
    for where, status in unfinished:
        out.append(f"- **{cell(where)}** {_UNFINISHED.get(status, status)}")
    if unfinished and summary["status"] in RESUMABLE:
        resume = suggest(f"resume {run.id}", mirror.path)
        if (mend := mend_first(streams, then=resume)) is not None:  # resume alone would fail
            out += ["", f"What was stored is kept; {cell(mend)}."]
        else:
            out += ["", f"What was stored is kept; {cell(resume)} continues the run."]
    if failures:
        if errors:
            out.append("")
        out.append(f"{plural(len(failures), 'item')} could not become observations:")
        out.append("")
        shown = failures[:MAX_ITEM_FAILURES]
        out += _table(
            ["Stream", "Item", "Reason"],
            [[by_id[sid].key if sid in by_id else sid, key, reason] for sid, key, reason in shown],
        )
        if len(failures) > len(shown):
            out += ["", f"... and {len(failures) - len(shown)} more."]  # "more" needs no noun
    partial = mirror.item_notes(run.id)
    if partial:
        out += [
            "",
            f"{plural(len(partial), 'item')} {were(len(partial))} stored without a part the "
            "provider could not give:",
            "",
        ]
        shown_notes = partial[:MAX_ITEM_FAILURES]
        out += _table(
            ["Stream", "Item", "Reason"],
            [
                [by_id[sid].key if sid in by_id else sid, key, reason]
                for sid, key, reason in shown_notes
            ],
        )
        if len(partial) > len(shown_notes):
            out += ["", f"... and {len(partial) - len(shown_notes)} more."]
    out += ["", "## Observations per day", ""]
    out += ["By the day each observation occurred, for everything the run fetched.", ""]
    out += histogram(run, observations_per_day(mirror, run.id, run.workspace))
    return "\n".join(out) + "\n"
