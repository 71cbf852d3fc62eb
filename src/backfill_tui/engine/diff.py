"""Comparing what two runs fetched: observations only in A, only in B, and changed.

A run is named by a :class:`RunRef`: a run id in the default mirror, a mirror file (its latest
run), or ``PATH:RUN_ID``. What a run fetched comes from the per-run record of sourceIds and
content digests (``store/run_items.py``), so two runs of one mirror compare fairly even though
the mirror keeps only the first stored version of each observation. Used by ``cli/diff.py``
and the app's Runs screen (:func:`diff_fetched` on open mirrors).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import MirrorError, MirrorMissing, UsageError, user_path
from ..store import Mirror, RunRecord
from ..store.run_items import (
    changed_fields,
    digest,
    fetched_items,
    stored_observations,
)
from ..terms import RunStatus, plural, suggest
from ..textsafe import clean
from .diff_side import DiffSide, side_of
from .mirror import check_whole


@dataclass(frozen=True)
class RunRef:
    """A run named on the command line: ``RUN_ID``, ``PATH`` (latest run) or ``PATH:RUN_ID``."""

    text: str
    db: Path | None  # None: the mirror given by --db (or the default one)
    run_id: str | None  # None: the latest run of that mirror

    @classmethod
    def parse(cls, text: str) -> RunRef:
        if not text.strip():
            raise UsageError("an empty run reference; give RUN_ID, PATH or PATH:RUN_ID")
        as_path = user_path(text)
        if as_path.is_file():
            return cls(text, as_path, None)
        head, sep, tail = text.rpartition(":")
        if sep and head and tail and user_path(head).is_file():
            return cls(text, user_path(head), tail)
        if sep and head and not tail.strip() and user_path(head).is_file():  # "a.db:"
            raise UsageError(
                f"{text}: the run id after ':' is empty; give PATH:RUN_ID, or PATH alone for "
                "its latest run"
            )
        if sep and head and not tail.strip():
            raise UsageError(f"{head} names no file; give RUN_ID, PATH or PATH:RUN_ID")
        if as_path.is_dir() or "/" in text or "\\" in text or text.endswith(".db"):
            what = "is a directory, not a mirror file" if as_path.is_dir() else "names no file"
            raise UsageError(f"{text} {what}; give RUN_ID, PATH or PATH:RUN_ID")
        return cls(text, None, text)


@dataclass(frozen=True)
class Item:
    source_id: str
    title: str | None  # the run's title, read from the mirror when it holds it (_titles)


@dataclass(frozen=True)
class Change:
    source_id: str
    fields: tuple[str, ...]
    title_a: str | None  # A's title, when the mirror holds it (A's version or one titled alike)
    title_b: str | None


@dataclass(frozen=True)
class RunDiff:
    a: DiffSide
    b: DiffSide
    only_a: list[Item]
    only_b: list[Item]
    changed: list[Change]
    unchanged: int

    def same_run_note(self) -> str | None:
        """One line when A and B are the very same run (``diff X X``: it compared a run with
        itself and said only "0 changed", a tester's finding), else None."""
        a, b = self.a, self.b
        if (a.mirror, a.run_id) != (b.mirror, b.run_id):
            return None
        return f"A and B are the same run ({a.run_id}): it is compared with itself"

    def scope_note(self) -> str | None:
        """One line when A and B fetched different things (sources, entities or backfill
        window), else None: what is only in one may be outside the other's scope, not lost.
        "46 only in A, 676 only in B" read like data loss for runs of other entities and
        windows, with nothing to say they were scoped differently (a fresh tester's finding)."""
        a, b = self.a, self.b
        if (sorted(a.sources), a.entities, a.depth_days) == (
            sorted(b.sources),
            b.entities,
            b.depth_days,
        ):
            return None
        return (
            f"A and B fetched different things (A: {a.scope()}; B: {b.scope()}): what is only "
            "in one may be outside the other's scope"
        )

    def workspace_note(self, shown: Callable[[str], str] | None = None) -> str | None:
        """One line when A and B are runs of different workspaces (still compared by sourceId,
        which names no workspace), else None. ``shown`` writes a workspace id as the face shows
        it (the app cuts a long one); the ids are compared whole."""
        if self.a.workspace == self.b.workspace:
            return None
        a, b = (shown(s.workspace) if shown else s.workspace for s in (self.a, self.b))
        return f"A is workspace {a} and B is workspace {b}; they are compared anyway (by sourceId)"

    def stopped_notes(self) -> list[str]:
        """A line for each of A and B that did not complete (cancelled, interrupted, failed,
        partial, or still running): what is only in the other may be what it never fetched.
        A completed run beside one stopped after 3 s said "280 only in A" and nothing more,
        which read as 280 items lost (a tester's finding). None for a run compared with itself
        (nothing is only in one)."""
        if self.same_run_note() is not None:
            return []
        notes = []
        for side, other in ((self.a, self.b), (self.b, self.a)):
            if side.status == RunStatus.RUNNING:
                notes.append(
                    f"{side.label} (run {side.run_id}) is still running: what is only in "
                    f"{other.label} may not have been fetched by it yet"
                )
            elif side.status != RunStatus.COMPLETED:
                notes.append(
                    f"{side.label} (run {side.run_id}) did not complete ({side.status}): what "
                    f"is only in {other.label} may simply not have been fetched by it"
                )
        return notes

    def notes(
        self, workspace: Callable[[str], str] | None = None, *, sides: bool = True
    ) -> list[str]:
        """Every note on the comparison, in the order the faces show them (the CLI on stderr
        and in ``--json``, the app under its counts); ``workspace`` as for
        :meth:`workspace_note`. ``sides``: with each side's notes on streams that read less
        on purpose (``DiffSide.notes``: 304, narrowed, capped), first, which a face that
        shows them by each side leaves out. A run compared with itself has the one note that
        says so: each side's notes (capped, narrowed, 304) spoke of items "only in the other
        run", of itself (a fresh tester's finding)."""
        same = self.same_run_note()
        if same is not None:
            return [same]
        lines = [self.workspace_note(workspace), self.scope_note()]
        own = [note for side in (self.a, self.b) for note in side.notes()] if sides else []
        return own + [note for note in lines if note] + self.stopped_notes()

    @property
    def identical(self) -> bool:
        return not (self.only_a or self.only_b or self.changed)

    def counts(self) -> dict[str, int]:
        return {
            "only_in_a": len(self.only_a),
            "only_in_b": len(self.only_b),
            "changed": len(self.changed),
            "unchanged": self.unchanged,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "a": self.a.to_json(),
            "b": self.b.to_json(),
            "counts": self.counts(),
            "notes": self.notes(),
            "only_in_a": [{"source_id": i.source_id, "title": i.title} for i in self.only_a],
            "only_in_b": [{"source_id": i.source_id, "title": i.title} for i in self.only_b],
            "changed": [
                {
                    "source_id": c.source_id,
                    "fields": list(c.fields),
                    "title_a": c.title_a,
                    "title_b": c.title_b,
                }
                for c in self.changed
            ],
        }


def _titles(
    mirror: Mirror, workspace: str, items: dict[str, str], ids: list[str]
) -> dict[str, str | None]:
    """The title each of ``ids`` had in the run that fetched ``items`` (sourceId → digest),
    from the stored row, of any version whose title hash agrees (a mirror keeps only the first
    version: two later runs that changed a body showed no title); else ``None``."""
    rows = stored_observations(mirror, workspace, ids)
    alike = {s: r for s, r in rows.items() if "title" not in changed_fields(digest(r), items[s])}
    return {sid: str(alike[sid]["title"]) if sid in alike else None for sid in ids}


def diff_fetched(mirror_a: Mirror, run_a: RunRecord, mirror_b: Mirror, run_b: RunRecord) -> RunDiff:
    """Compare what ``run_a`` and ``run_b`` fetched (the mirrors may be one and the same)."""
    fa, fb = fetched_items(mirror_a, run_a.id), fetched_items(mirror_b, run_b.id)
    a, b = fa.items, fb.items
    only_a = sorted(set(a) - set(b))
    only_b = sorted(set(b) - set(a))
    both = sorted(set(a) & set(b))
    changed_ids = [sid for sid in both if a[sid] != b[sid]]
    titles_a = _titles(mirror_a, run_a.workspace, a, only_a + changed_ids)
    titles_b = _titles(mirror_b, run_b.workspace, b, only_b + changed_ids)
    changes = [
        Change(sid, tuple(changed_fields(a[sid], b[sid])), titles_a[sid], titles_b[sid])
        for sid in changed_ids
    ]
    return RunDiff(
        side_of("A", mirror_a, run_a, fa),
        side_of("B", mirror_b, run_b, fb),
        [Item(sid, titles_a[sid]) for sid in only_a],
        [Item(sid, titles_b[sid]) for sid in only_b],
        changes,
        len(both) - len(changed_ids),
    )


def _run(mirror: Mirror, ref: RunRef) -> RunRecord:
    if ref.run_id is None:
        latest = mirror.list_runs(1)
        if not latest:
            raise UsageError(f"{mirror.path} has no runs yet; nothing to compare")
        return latest[0]
    run = mirror.get_run(ref.run_id)
    if run is None:
        raise UsageError(
            f"no run {ref.run_id} in {mirror.path}; `{suggest('runs', mirror.path)}` lists them"
        )
    return run


@contextmanager
def open_runs(
    a: RunRef, b: RunRef, default_db: Path
) -> Iterator[tuple[Mirror, RunRecord, Mirror, RunRecord]]:
    """Open the mirror(s) of two references (once if they are the same file) and their runs."""
    with ExitStack() as stack:
        opened: dict[Path, Mirror] = {}

        def mirror_for(ref: RunRef) -> Mirror:
            path = ref.db or default_db
            if not path.is_file():
                raise UsageError(f"no mirror at {path}; give --db or PATH[:RUN_ID]")
            key = path.resolve()
            if key not in opened:
                try:
                    opened[key] = Mirror.open(path, readonly=True)
                except MirrorMissing as exc:
                    if ref.db is None:
                        raise
                    # PATH was an argument, not --db: "give another --db" misled (a finding).
                    line = str(exc).replace("another --db", "another mirror")
                    raise MirrorMissing(exc.path, line, exc.state) from None
                except MirrorError as exc:
                    if ref.db is None or type(exc) is not MirrorError:
                        raise
                    # PATH was given as a reference, not with --db: mend it without naming --db.
                    raise MirrorError(str(exc).replace(" with --db", "")) from None
                stack.callback(opened[key].close)
                check_whole(opened[key], "nothing was compared")  # a damaged page: no "0 changed"
            return opened[key]

        mirror_a, mirror_b = mirror_for(a), mirror_for(b)
        yield mirror_a, _run(mirror_a, a), mirror_b, _run(mirror_b, b)


def diff_runs(a: RunRef, b: RunRef, default_db: Path) -> RunDiff:
    with open_runs(a, b, default_db) as (mirror_a, run_a, mirror_b, run_b):
        return diff_fetched(mirror_a, run_a, mirror_b, run_b)


def _quote(title: str | None) -> str:
    if title is None:
        return ""
    text = clean(title).replace("\n", " ")
    return f'"{text[:80]}{"..." if len(text) > 80 else ""}"'


def render_diff(diff: RunDiff, limit: int | None = None) -> str:
    """The readable listing (provider text cleaned of terminal controls). A run compared with
    itself (``diff X X``) is three: the run, the counts, and that nothing differs; it
    listed the run twice, each with its capped note against "the other run" (a fresh tester's
    finding)."""
    if diff.same_run_note() is not None:
        side = diff.a
        return (
            f"A and B are the same run: run {side.run_id} in {side.mirror} (workspace "
            f"{side.workspace}, started {side.started_at}, "
            f"{plural(side.fetched, 'observation')})\n"
            f"0 only in A, 0 only in B, 0 changed, {diff.unchanged} unchanged\n"
            f"the same run: nothing differs (`{suggest('runs', side.mirror)}` lists the runs "
            "to compare it with)\n"
        )
    lines = []
    for side in (diff.a, diff.b):
        lines.append(
            f"{side.label}: run {side.run_id} in {side.mirror} (workspace {side.workspace}, "
            f"started {side.started_at}, {plural(side.fetched, 'observation')})"
        )
        if not side.recorded:
            lines.append(
                f"   note: run {side.run_id} predates per-run records; only the observations it "
                "first stored are compared"
            )
        lines += [f"   note: {note}" for note in side.notes()]
    c = diff.counts()
    lines.append(
        f"{c['only_in_a']} only in A, {c['only_in_b']} only in B, {c['changed']} changed, "
        f"{c['unchanged']} unchanged"
    )

    def section(title: str, rows: list[str]) -> None:
        if not rows:
            return
        lines.append("")
        lines.append(f"{title} ({len(rows)}):")
        shown = rows if limit is None else rows[:limit]
        lines.extend(shown)
        if len(shown) < len(rows):
            lines.append(f"  ... and {len(rows) - len(shown)} more (--json lists all)")

    section(
        "only in A", [f"  - {clean(i.source_id)}  {_quote(i.title)}".rstrip() for i in diff.only_a]
    )
    section(
        "only in B", [f"  + {clean(i.source_id)}  {_quote(i.title)}".rstrip() for i in diff.only_b]
    )
    rows = []
    for ch in diff.changed:
        what = ", ".join(ch.fields)
        if "title" in ch.fields and ch.title_a is not None and ch.title_b is not None:
            what += f"  {_quote(ch.title_a)} -> {_quote(ch.title_b)}"
        elif ch.title_a is not None or ch.title_b is not None:
            what += f"  {_quote(ch.title_a if ch.title_a is not None else ch.title_b)}"
        rows.append(f"  ~ {clean(ch.source_id)}  {what}")
    section("changed", rows)
    if diff.identical:
        lines.append("the two runs fetched the same observations")
    return "\n".join(lines) + "\n"
