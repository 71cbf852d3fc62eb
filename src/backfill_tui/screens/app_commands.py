"""The command palette's entries for the app's main actions (``ctrl+p``)."""

from __future__ import annotations

from collections.abc import Callable

from textual.command import CommandList, CommandPalette, DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from .host import host
from .steady_layout import SteadyLayout

__all__ = ["ActionsProvider", "SteadyCommandPalette"]


class SteadyCommandPalette(SteadyLayout, CommandPalette):
    """Textual's palette, whose list keys wait for the list to be laid out.

    The palette fills its list from a worker and shows it at the next refresh; a PageDown read
    in between (``tmux send-keys C-p PageDown``, the keys held in order until the palette was
    resumed, see :mod:`.key_order`) reached an ``OptionList`` with options but no lines yet and
    raised ``KeyError: 0`` in ``_move_page`` (a fresh tester's finding: exit 70). Such a key
    now runs after the next refresh, once; one for a list still not shown is dropped, as
    Textual drops it when the list is empty.
    """

    def _action_command_list(self, action: str) -> None:
        if self._list_not_laid_out():
            self.call_after_refresh(self._command_list_when_laid_out, action)
            return
        super()._action_command_list(action)

    def _command_list_when_laid_out(self, action: str) -> None:
        if not self._list_not_laid_out():
            super()._action_command_list(action)

    def _list_not_laid_out(self) -> bool:
        """Whether the list holds options it has no room to place yet (zero size)."""
        commands = self.query_one(CommandList)
        return commands.option_count > 0 and not commands.scrollable_content_region


class ActionsProvider(Provider):
    """Every action of the app by name (a tester looked for "resume", "mark" and "dry run" and
    found nothing): start, test, estimate, cancel, retry, resume, mark and compare runs,
    search, dry run, trigger, and the screens."""

    def _commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        app = host(self)

        def on_connect(action: str) -> Callable[[], object]:
            async def run() -> None:
                await app.switch_mode("connect")
                await app.screen.run_action(action)

            return run

        def on_runs(action: str) -> Callable[[], object]:
            return on_screen("runs", action)

        def on_screen(mode: str, action: str) -> Callable[[], object]:
            async def run() -> None:
                await app.switch_mode(mode)
                await app.screen.run_action(action)

            return run

        return [
            (
                "Start backfill",
                "start a run with the connect screen's settings",
                on_connect("start"),
            ),
            (
                "Test connections",
                "one cheap call per source: token, access, target",
                on_connect("test_connections"),
            ),
            (
                "Estimate",
                "items and API calls from the first page of each stream",
                on_connect("estimate"),
            ),
            ("Cancel run", "stop cleanly; what was stored is kept", app.cancel_run),
            ("Retry failed streams", "resume the run's unfinished streams", app.retry_run),
            ("Connect", "workspace, depth, sources and tokens", lambda: app.switch_mode("connect")),
            ("Dashboard", "the run's live progress", lambda: app.switch_mode("dashboard")),
            (
                "Observations",
                "browse, filter and search the mirror",
                lambda: app.switch_mode("observations"),
            ),
            ("Runs", "past runs; open or resume one", lambda: app.switch_mode("runs")),
            (
                "Export",
                "send the observations to production's Postgres or Inngest (dry run first)",
                lambda: app.switch_mode("export"),
            ),
            (
                "Open recording",
                "replay a recorded run offline as a new run",
                on_runs("open_recording"),
            ),
            (
                "Resume run",
                "the run selected on the runs screen, from its checkpoints",
                on_runs("resume_run"),
            ),
            (
                "Mark run as A",
                "the run selected on the runs screen, to compare another with it",
                on_runs("mark"),
            ),
            (
                "Compare runs",
                "mark run A (m), then compare it with run B (d)",
                lambda: app.switch_mode("runs"),
            ),
            (
                "Search observations",
                "titles and bodies (full-text; an emoji or punctuation literally)",
                on_screen("observations", "focus_search"),
            ),
            (
                "Dry run export",
                "what an export would send, sending nothing",
                on_screen("export", "dry_run"),
            ),
            (
                "Trigger in production",
                "ask production to backfill what a run backfilled here",
                on_screen("export", "trigger"),
            ),
            ("Help", "screens and keys", app.action_help),
        ]

    async def discover(self) -> Hits:
        for name, help_text, command in self._commands():
            yield DiscoveryHit(_with_key(Content(name), name), command, text=name, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, command in self._commands():
            score = matcher.match(name)
            if score > 0:
                display = _with_key(matcher.highlight(name), name)
                yield Hit(score, display, command, text=name, help=help_text)


#: The key that does each command, and where (shown beside the command in the palette).
KEYS = {
    "Start backfill": "ctrl+s on connect",
    "Test connections": "ctrl+t on connect",
    "Estimate": "ctrl+e on connect",
    "Cancel run": "c on the dashboard",
    "Retry failed streams": "r on the dashboard",
    "Connect": "F2",
    "Dashboard": "F3",
    "Observations": "F4",
    "Runs": "F5",
    "Export": "F6",
    "Open recording": "o on runs",
    "Resume run": "r on runs",
    "Mark run as A": "m on runs",
    "Compare runs": "m then d on runs",
    "Search observations": "/ on observations",
    "Dry run export": "ctrl+r on export",
    "Trigger in production": "ctrl+t on export",
    "Help": "F1",
}


def _with_key(display: Content, name: str) -> Content:
    """``Start backfill  ctrl+s on connect``: the command, then its key, dimmed."""
    key = KEYS.get(name)
    if key is None:
        return display
    return Content.assemble(display, "  ", (key, "dim"))
