"""Provider text on the CLI's lines is shown as sent: no ``:shortcode:`` turned into an emoji.

Rich turns ``:100:`` into 💯 by default; a Sentry cursor (``0:100:0``) and a message saying
``:warning:`` were changed on stderr and in the summary (a tester's finding)."""

from __future__ import annotations

from pathlib import Path

import pytest
import respx
from support import run_cli

REPO = {"id": 42, "full_name": "acme/rocket", "html_url": "https://github.com/acme/rocket"}
MESSAGE = "Resource not accessible :warning: by [bold red]integration[/] :100: <b>x</b>"


def test_a_provider_message_with_shortcodes_is_shown_as_sent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_literaltesttoken")
    with respx.mock(assert_all_mocked=True) as github:
        github.get("https://api.github.com/repos/acme/rocket").respond(200, json=REPO)
        github.get("https://api.github.com/repos/acme/rocket/issues").respond(
            403, json={"message": MESSAGE}
        )
        done = run_cli(
            capsys, "run", "github:acme/rocket", "--workspace", "ws", "--entities", "issue",
            "--db", str(tmp_path / "m.db"),
        )  # fmt: skip
    assert done.code == 1
    for said in (done.out, done.err):
        assert ":warning: by [bold red]integration[/] :100: <b>x</b>" in said, said
        assert "💯" not in said and "⚠" not in said
