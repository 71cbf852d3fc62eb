"""The help screen (F1): what each screen is for and its keys.

Each section's keys are listed from the screens' own ``BINDINGS`` (:func:`help_text`), so a
key added to a screen is in the help too: the written list left out the export screen's
``ctrl+t`` and the ``ctrl+r`` reloads (a tester's finding). The app opens it (``action_help``).
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import Markdown

from ..widgets.app_footer import AppFooter
from .steady_layout import SteadyLayout

HELP = """\
# backfill-tui

Preview a Lightfast connector backfill in a local SQLite mirror.

**Anywhere** — `F1` this help; `F2` to `F6` go to the screens below (also from here);
`ctrl+p` the command palette: every action below with its key, and the theme.

**Connect** — type the workspace, pick the depth (7, 30 recommended, 90 days), choose a
provider and type a target (`acme/rocket`, or a whole `github:acme/rocket`) then `enter`.
Each source shows where its token was found, a masked field to save one in the OS keyring,
and its entities. `ctrl+t` tests every connection with one cheap call, `ctrl+e` estimates
items and API calls from the first page of each stream, `ctrl+s` starts. A file in **Record to**
records the run's HTTP exchanges (tokens scrubbed, mode 0600) to replay it later, offline.

**Dashboard** — a row per stream: progress against the estimate, fetched, new, duplicate,
failed, pages, API calls, status; quota and rate-limit countdowns per source; observations per
day; a log. `c` cancels cleanly (what was stored is kept), `r` retries failed or cancelled
streams from their checkpoints, `o` opens the observations; `ctrl+q` quits, as everywhere.

**Observations** — filter by source and type, `/` searches titles and bodies, `enter` opens
the detail (body, references, metadata, and whether production's significance gate of 40
would keep it), `escape` closes it, and with no detail open clears the search.

**Runs** — past runs with their status and counts; `enter` opens one on the dashboard, `r`
resumes an interrupted, failed, partial or cancelled run. `o` opens a recording: it is
replayed offline into this mirror as a new run. `m` marks the selected run as A, then `d` on
another run compares them: observations changed (which fields), only in A, and only in B;
a section lists 500 rows at first, and `enter` on its last row lists 500 more.

**Export** — send the workspace's observations to production's Postgres table (DSN) or its
Inngest pipeline (event key, base URL, Clerk org); the DSN and key are masked and never shown.
`ctrl+r` is a dry run (would write, would skip and why, a sample; changes nothing), `ctrl+s`
asks, then exports batch by batch with a progress bar; `escape` cancels between batches (what
was sent is kept and recorded). Below the form: what was already exported where.

**In a dialog** — a question asks before anything is sent or stopped; a prompt takes a path.

Press `escape` to close this help.
"""

#: The help's sections (its paragraphs' bold names) and whose keys each lists: a label, and
#: the module and class (imported when the help opens: the app imports this module first).
SECTION_KEYS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "Anywhere": (("Keys", "backfill_tui.screens.app", "BackfillApp"),),
    "Connect": (("Keys", "backfill_tui.screens.connect", "ConnectScreen"),),
    "Dashboard": (("Keys", "backfill_tui.screens.dashboard", "DashboardScreen"),),
    "Observations": (
        ("Keys", "backfill_tui.screens.observations", "ObservationsScreen"),
        ("In the table", "backfill_tui.widgets.row_table", "RowTable"),
    ),
    "Runs": (
        ("Keys", "backfill_tui.screens.runs", "RunsScreen"),
        ("In a comparison", "backfill_tui.screens.diff", "DiffScreen"),
    ),
    "Export": (
        ("Keys", "backfill_tui.screens.export", "ExportScreen"),
        ("In Trigger in production", "backfill_tui.screens.trigger", "TriggerScreen"),
    ),
    "In a dialog": (
        ("A question", "backfill_tui.screens.confirm", "ConfirmScreen"),
        ("Quit while a run or an export is going?", "backfill_tui.screens.quit", "QuitScreen"),
        ("A path to type", "backfill_tui.screens.path_prompt", "PathPromptScreen"),
        ("This help", "backfill_tui.screens.help", "HelpScreen"),
    ),
}
#: How a key is written in the help (as Textual's footer writes it).
KEY_NAMES = {"slash": "/"}


def binding_keys(node: type[DOMNode]) -> list[tuple[str, str]]:
    """``node``'s own bindings as (keys, description) in the order declared, a binding's
    several keys together (``n``/``escape``); the help's F2-F6 are the app's (Anywhere)."""
    keys: list[tuple[str, str]] = []
    for binding in node.BINDINGS:
        if not isinstance(binding, Binding) or binding.action.startswith("leave_for("):
            continue
        names = "/".join(f"`{KEY_NAMES.get(k.strip(), k.strip())}`" for k in binding.key.split(","))
        description = binding.description or binding.action
        same = next((i for i, (_, d) in enumerate(keys) if d == description), None)
        alike = next((i for i, (k, _) in enumerate(keys) if k == names), None)
        if same is None and alike is not None:  # one key named by what is going (quit.py)
            keys[alike] = (names, f"{keys[alike][1]} / {description}")
        elif same is None:
            keys.append((names, description))
        elif names not in keys[same][0].split("/"):  # two keys, one action (q and escape close)
            keys[same] = (f"{keys[same][0]}/{names}", description)
    return keys


def section_keys() -> dict[str, list[tuple[str, list[tuple[str, str]]]]]:
    """Each section's lines of keys (label, keys), from the BINDINGS of the classes it names."""
    from importlib import import_module

    from textual.app import App

    sections: dict[str, list[tuple[str, list[tuple[str, str]]]]] = {}
    for section, classes in SECTION_KEYS.items():
        lines = []
        for label, module, name in classes:
            node = getattr(import_module(module), name)
            keys = binding_keys(node)
            if section == "Anywhere":
                keys.append((f"`{App.COMMAND_PALETTE_BINDING}`", "Command palette"))
            lines.append((label, keys))
        sections[section] = lines
    return sections


def help_text() -> str:
    """The help: each section's paragraph followed by its keys, a line per screen or dialog."""
    sections = section_keys()
    paragraphs = HELP.split("\n\n")
    for index, paragraph in enumerate(paragraphs):
        for section, lines in sections.items():
            if paragraph.startswith(f"**{section}**"):
                listed = "\n".join(
                    f"- {label}: " + " · ".join(f"{k} {d}" for k, d in keys)
                    for label, keys in lines
                )
                paragraphs[index] = f"{paragraph}\n\n{listed}"
    return "\n\n".join(paragraphs)


class HelpScreen(SteadyLayout, ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close"),
        Binding("f1", "dismiss", "Close", show=False),
        Binding("q", "dismiss", "Close", show=False),
        # The help lists F2-F6 as working "anywhere": here too, closing the help on the way.
        *(
            Binding(key, f"leave_for('{mode}')", mode, show=False)
            for key, mode in (
                ("f2", "connect"),
                ("f3", "dashboard"),
                ("f4", "observations"),
                ("f5", "runs"),
                ("f6", "export"),
            )
        ),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-dialog"):
            yield Markdown(help_text(), id="help-text")
        yield AppFooter()

    def on_mount(self) -> None:
        self.query_one("#help-dialog").border_title = "Help"

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)

    def action_leave_for(self, mode: str) -> None:
        """Close the help and go to the screen ``mode`` (an F-key pressed while it is open)."""
        self.dismiss(None)
        self.app.switch_mode(mode)
