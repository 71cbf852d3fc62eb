"""The app's run-ended notice follows the CLI's rule (engine.runs.mend_first): a run that
failed again because its repository does not exist says what to mend, not just "failed"
(nothing there suggests resuming it, which would fail the same way)."""

from __future__ import annotations

from pathlib import Path

import respx
from app_support import FIXED_NOW, make_app, populate, retried_failure_notices

from backfill_tui.clock import VirtualClock
from backfill_tui.engine.environment import Environment


def test_retrying_a_missing_repository_says_check_the_name(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    run_id = populate(app, "github:acme/nope", workspace="demo")

    notices = retried_failure_notices(app, run_id, (120, 36))
    assert notices == [
        f"run {run_id} failed: resuming would fail the same way; first mend github:acme/nope: "
        "check the source's name and that the token can see it"
    ]


@respx.mock
def test_a_mend_beside_a_failure_that_may_pass_is_kept_then_resume(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    """Vercel rejects the token, Linear's server fails (503, retried to the bound on the
    virtual clock): the notice says what to mend, then to resume; it said "run … failed"
    alone, as if a resume would do (a fresh tester's finding, on the command line)."""
    url = "http://127.0.0.1:1/graphql"
    respx_mock.get(url__startswith="https://api.vercel.com").respond(
        401, json={"error": {"code": "forbidden", "message": "Not authorized"}}
    )
    respx_mock.post(url).respond(503, text="down", headers={"content-type": "text/plain"})
    env = {
        "VERCEL_TOKEN": "vc_appMendThenResume0000000000",
        "LINEAR_API_KEY": "lin_api_appMendThenResume0123456789abcdef",
        "BACKFILL_LINEAR_API_URL": url,
    }
    environment = Environment(clock=VirtualClock(start=FIXED_NOW.timestamp()), env=env)
    app = make_app(tmp_path, environment=environment)
    run_id = populate(app, "vercel:acme/rocket-web", "linear:ENG", workspace="demo")

    notices = retried_failure_notices(app, run_id, (120, 36))
    assert notices == [
        f"run {run_id} failed: resuming alone would fail the same way; first mend "
        "vercel:acme/rocket-web: check or replace the token; then resume it"
    ]
