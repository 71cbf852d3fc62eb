"""The app's words for the command line's (widgets/wording.py): what an export's dry run says of
a run with nothing new, inside the app, names the Run picker and F5, never --run."""

from __future__ import annotations

import pytest

from backfill_tui.widgets.wording import in_app


@pytest.mark.parametrize(
    ("cli", "app"),
    [
        (
            "first stored by run R1; export them with --run R1, or the whole workspace without --run",
            "first stored by run R1; export them by picking run R1 under Run, or the whole "
            "workspace (all runs, under Run)",
        ),
        (
            "first stored by runs A, B; export them with --run RUN, one export for each of them, "
            "or the whole workspace without --run",
            "first stored by runs A, B; export each of them, picked under Run, or the whole "
            "workspace (all runs, under Run)",
        ),
        (
            "export the whole workspace without --run, or another run "
            "(`backfill-tui runs --db /tmp/m.db` lists them)",
            "export the whole workspace (all runs, under Run), or another run (F5 lists them)",
        ),
    ],
)
def test_an_exports_advice_on_a_run_names_the_apps_picker(cli: str, app: str) -> None:
    said = in_app(cli)
    assert said == app
    assert "--" not in said and "backfill-tui" not in said


def test_the_replay_command_is_the_runs_screens_key() -> None:
    """A replay to make again ("Cannot resume" a replay whose recording moved) is `o` on the
    runs screen, not the CLI's command with the path and --db once more (a quoted path too)."""
    cli = (
        "run R was replayed from /a b/x.rec.gz (no recording at /a b/x.rec.gz); replay it "
        "again: `backfill-tui replay '/a b/x.rec.gz' --db '/c d/m.db'`"
    )
    assert in_app(cli) == (
        "run R was replayed from /a b/x.rec.gz (no recording at /a b/x.rec.gz); replay it "
        "again: press o under Runs (F5) and give its path"
    )
