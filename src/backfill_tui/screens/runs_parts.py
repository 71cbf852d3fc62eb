"""The runs screen's pieces that are not the screen: the message its listing worker posts
(:class:`RunsListed`), a run's sources fitted to the cells their column has
(:func:`fit_sources`), a workspace id cut to its cells (:func:`workspace_cut`, also the
compare view's), and the check of a recording's path before it is opened
(:class:`RecordingCheck`).

Kept apart from :class:`.runs.RunsScreen`, as ``export_parts.py`` is from the export screen, so
that the screen's module reads as its table and its keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.cells import cell_len
from textual.message import Message

from ..engine.runs import RunLine, recording_lost
from ..errors import BackfillError, user_path
from ..textsafe import clean

if TYPE_CHECKING:
    from ..engine.recording import Replay
from ..widgets.row_table import cut_cells
from ..widgets.wording import in_app


@dataclass
class RunsListed(Message):
    """The runs screen's listing was read (in a worker): how many runs the mirror holds, and
    the newest ``limit`` of them."""

    generation: int
    total: int
    lines: list[RunLine]
    #: A recorded run's id: why its recording is not at its path (``recording_lost``: "lost:
    #: the run was killed before …"), read in the worker as it looks at the disk.
    lost: dict[str, str]


def lost_recordings(lines: list[RunLine]) -> dict[str, str]:
    """:attr:`RunsListed.lost` of ``lines``: a stat (and a header's read) a recorded run."""
    return {line.run.id: why for line in lines if (why := recording_lost(line.run))}


def lost_lead(why: str, *, short: bool) -> str:
    """The words before a run's sources whose recording is not at its path, from
    ``engine.runs.recording_lost``'s ``why``: "recording lost: ", as ``backfill-tui runs``
    says "(recording lost)" (cli/runs.py), or "recording not there: "; ``short`` (below 100
    columns, where the sources have about 19 cells): "rec. lost: " or "rec. gone: ", so the
    end of the source's repository still shows ("…ocket")."""
    word = why.partition(":")[0]
    if short:
        return f"rec. {'gone' if word == 'not there' else word}: "
    return f"recording {word}: "


#: The most cells a workspace id takes in the runs list and the compare view's heading: a
#: 300-character one (``run --workspace`` takes it) pushed the status and every count off the
#: screen for every row, and two of 191 (production's ``varchar(191)``) filled the compare
#: view at 80x24, its table out of sight (testers' findings). ``backfill-tui runs`` lists
#: them whole, and the compare view's heading has them whole as its tooltip.
WORKSPACE_CELLS = 20


def workspace_cut(workspace: str) -> str:
    """A workspace id as the runs list and the compare view show it: in at most
    :data:`WORKSPACE_CELLS` cells, cut with "…" when longer (terminal controls removed)."""
    return cut_cells(clean(workspace), WORKSPACE_CELLS)


def sources_least(sources: list[str], lead: str) -> tuple[int, int]:
    """The cells a run's sources need beside a narrowed workspace (:func:`narrow_workspaces`),
    and the cells they want: ``lead`` ("replay: ") and the first source as it reads apart from
    other repositories' (:func:`_source_cuts`: "…/old-rocket", or "…ENG"), or whole, with how
    many more ("+3")."""
    if not sources:
        return cell_len(lead), cell_len(lead)
    more = f" +{len(sources) - 1}" if len(sources) > 1 else ""
    least = cell_len(_source_cuts(sources[0])[-2] + more)
    return cell_len(lead) + least, cell_len(lead + sources[0] + more)


#: The cells a workspace keeps, where the sources' least leaves them, before the sources
#: have theirs whole: "workspace" (its header) and most ids whole.
WORKSPACE_FLOOR = 9


def workspace_room(left: int, needs: list[tuple[int, int]]) -> int:
    """The cells for the workspace column where ``left`` cells are the workspace's and the
    sources' (padding aside), each row's sources needing and wanting ``needs``
    (:func:`sources_least`): the sources have what they want where the workspace
    keeps :data:`WORKSPACE_FLOOR` cells, and their least where it does not. At 120x36 the
    sources column was narrower than at 80x24 (the workspace kept its 20 cells; a fresh
    tester's finding); :func:`narrow_workspaces` keeps it in 4 to 20 cells."""
    least, want = max(need for need, _ in needs), max(want for _, want in needs)
    return max(left - want, min(WORKSPACE_FLOOR, left - least))


def narrow_workspaces(workspaces: list[str], room: int) -> tuple[str, list[str]]:
    """The header and the workspace ids of the runs list (from 60 columns): each cut
    to ``room`` cells (what the other columns and the sources leave), in at least 4 and at
    most :data:`WORKSPACE_CELLS`; headed "workspace" where its 9 cells fit, else "ws"."""
    cells = max(min(room, WORKSPACE_CELLS), 4)
    return "workspace" if cells >= 9 else "ws", [
        cut_cells(clean(workspace), cells) for workspace in workspaces
    ]


def _cut_end(text: str, cells: int) -> str:
    """The last characters of ``text`` that fit in ``cells`` cells (a wide one not halved)."""
    kept = ""
    for char in reversed(text):
        if cell_len(char + kept) > cells:
            break
        kept = char + kept
    return kept


def _source_cuts(source: str) -> list[str]:
    """``source`` and its shorter forms, longest first, each keeping the end that tells one
    repository from another: whole, its target ("…acme/old-rocket"), the target's last part
    ("…/old-rocket"), and "…" (to be followed by the last part's end, :func:`fit_sources`).
    A form no shorter than the one before is left out ("linear:ENG" then "…ENG")."""
    target = source.split(":", 1)[1] if ":" in source else source
    cuts = [source, f"…{target}"]
    if "/" in target:
        cuts.append(f"…/{target.rsplit('/', 1)[1]}")
    kept = [cut for i, cut in enumerate(cuts) if i == 0 or cell_len(cut) < cell_len(cuts[i - 1])]
    return [*kept, "…"]


def fit_sources(sources: list[str], note: str, room: int, *, whole: bool) -> str:
    """A run's sources in ``room`` cells: every one (only when ``whole``), else the first and
    how many more ("github:acme/rocket +3"), with ``note`` ("(simulated)") where it fits, cut
    with "…" where at least a few of its cells fit. Where the first does not fit whole, it
    keeps its end, which tells runs of different repositories apart ("github:acme/r…" read
    alike for every repository of an owner, "github:…ocket" for rocket and old-rocket: fresh
    testers' findings): its target ("…acme/old-rocket"), its last part ("…/old-rocket"), or
    as much of that part's end as fits ("…rocket"), the count kept ("…/rocket +3"). Where
    not two characters of it fit beside the count, the first source's start cut with "…"
    ("gith…")."""
    if not sources:
        return note.strip()
    more = f" +{len(sources) - 1}" if len(sources) > 1 else ""
    short = f"{sources[0]}{more}"
    for text in ([" ".join(sources) + note] if whole else []) + [short + note]:
        if cell_len(text) <= room:
            return text
    if cell_len(short) <= room:
        left = room - cell_len(short)
        return short + (cut_cells(note, left) if note and left >= 5 else "")
    cuts = _source_cuts(sources[0])
    for cut in cuts[1:-1]:
        if cell_len(cut + more) <= room:
            return cut + more
    end = _cut_end(cuts[-2].lstrip("…/"), room - cell_len(more) - 1)
    if cell_len(end) >= 2:
        return f"…{end}{more}"
    return cut_cells(short, max(room, 1))


class RecordingCheck:
    """The Open-recording prompt's check of a path (:meth:`check`: None when it opens as a
    recording, else the one line saying why not) that keeps the recording it verified for
    :meth:`take`: opening it then reads the file once, where the prompt and the replay each
    verified it whole, on the app's loop (a helper's finding). :meth:`close` drops what was
    not taken."""

    def __init__(self) -> None:
        self._held: tuple[str, Replay] | None = None

    def check(self, path: str) -> str | None:
        from ..engine.recording import Replay

        self.close()
        try:
            self._held = (path, Replay.open(user_path(path)))
        except BackfillError as exc:
            return in_app(str(exc))
        except OSError as exc:
            return f"cannot read {path}: {exc.strerror or type(exc).__name__}"
        return None

    def take(self, path: str) -> Replay | None:
        """The recording verified at ``path`` (the last checked), or None."""
        held, self._held = self._held, None
        if held is not None and held[0] == path:
            return held[1]
        if held is not None:
            held[1].close()
        return None

    def close(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            held[1].close()
