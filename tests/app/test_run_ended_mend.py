"""The app's run-ended notice follows the CLI's rule (engine.runs.mend_first): a run that
failed again because its repository does not exist says what to mend, not just "failed"
(nothing there suggests resuming it, which would fail the same way)."""

from __future__ import annotations

from pathlib import Path

from app_support import make_app, populate, retried_failure_notices


def test_retrying_a_missing_repository_says_check_the_name(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    run_id = populate(app, "github:acme/nope", workspace="demo")

    notices = retried_failure_notices(app, run_id, (120, 36))
    assert notices == [
        f"run {run_id} failed: resuming would fail the same way; first mend github:acme/nope: "
        "check the source's name and that the token can see it"
    ]
