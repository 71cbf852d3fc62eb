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

from rich.cells import cell_len, set_cell_size
from textual.message import Message

from ..engine.runs import RunLine
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


def sources_least(sources: list[str], lead: str) -> int:
    """The cells a run's sources keep beside a narrowed workspace (:func:`narrow_workspaces`):
    ``lead`` ("replay: ") and the first's provider with how many more ("github +3"), or the one
    source to a few cells past its provider ("github:…et", :func:`fit_sources`)."""
    if not sources:
        return cell_len(lead)
    if len(sources) > 1:
        return cell_len(f"{lead}{sources[0]} +{len(sources) - 1}")
    provider = sources[0].split(":")[0]
    return cell_len(lead) + min(cell_len(sources[0]), cell_len(provider) + 4)


def narrow_workspaces(workspaces: list[str], room: int) -> tuple[str, list[str]]:
    """The header and the workspace ids of the narrow runs list (60 to 99 columns): each cut
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


def fit_sources(sources: list[str], note: str, room: int, *, whole: bool) -> str:
    """A run's sources in ``room`` cells: every one (only when ``whole``), else the first and
    how many more ("github:acme/rocket +3"), with ``note`` ("(simulated)") where it fits,
    cut with "…" where at least a few of its cells fit; where even the first and its count do
    not, the first is cut with "…" and the count kept ("github:acme/rock… +3"), or, where
    that would keep little past the provider, the provider and the count ("github +3"). A lone
    source cut keeps its provider and its end, the middle elided ("github:…rocket-web")."""
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
    first = max(room - cell_len(more) - 1, 1)
    provider = sources[0].split(":")[0]
    target = sources[0][len(provider) + 1 :]
    if not more and target and room >= len(provider) + 4:  # "github:…rocket": its end
        # tells runs apart; "github:acme/r…" read alike for every repository (a tester's finding)
        tail = room - len(provider) - 2
        return f"{provider}:…{_cut_end(target, tail)}"
    if more and first < len(provider) + 4 and cell_len(provider + more) <= room:
        return provider + more  # "github +3", not "github:a… +3"
    return f"{set_cell_size(sources[0], first).rstrip()}…{more}"


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
