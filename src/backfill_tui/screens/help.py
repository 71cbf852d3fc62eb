"""The help screen (F1): what each screen is for and its keys."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from ..widgets.app_footer import AppFooter

HELP = """\
# backfill-tui

Preview a Lightfast connector backfill in a local SQLite mirror.

**Anywhere**

- `F1` this help
- `F2` connect · `F3` dashboard · `F4` observations · `F5` runs · `F6` export
- `ctrl+p` command palette: every action below with its key, and the theme
- `ctrl+q` quit (asks first while a run is going)

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
another run compares them: observations only in A, only in B, and changed (which fields).

**Export** — send the workspace's observations to production's Postgres table (DSN) or its
Inngest pipeline (event key, base URL, Clerk org); the DSN and key are masked and never shown.
`ctrl+r` is a dry run (would write, would skip and why, a sample; changes nothing), `ctrl+s`
asks, then exports batch by batch with a progress bar; `escape` cancels between batches (what
was sent is kept and recorded). Below the form: what was already exported where.

Press `escape` to close this help.
"""


class HelpScreen(ModalScreen[None]):
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
            yield Markdown(HELP)
        yield AppFooter()

    def on_mount(self) -> None:
        self.query_one("#help-dialog").border_title = "Help"

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)

    def action_leave_for(self, mode: str) -> None:
        """Close the help and go to the screen ``mode`` (an F-key pressed while it is open)."""
        self.dismiss(None)
        self.app.switch_mode(mode)
