"""A run's last line offers ``resume`` only while a resume may go further (a fresh tester's
finding, with a stand-in server): a GitHub list answered with a JSON object failed its streams
for a cause the resume meets again, yet the last line said "To continue it: backfill-tui
resume ...". respx at the HTTP level, the real connectors through the CLI."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import respx
from support import GITHUB_REPO, run_cli

GITHUB = "https://api.github.com/repos/acme/rocket"
GITHUB_TOKEN = "ghp_resumeMeetsItAgain00000000000000000"


def _cli(capsys: pytest.CaptureFixture[str], db: Path, *sources: str) -> tuple[int, str, str]:
    result = run_cli(capsys, "run", *sources, "--workspace", "w", "--db", str(db))
    assert "Traceback" not in result.err
    return result.code, result.err, result.err.strip().splitlines()[-1]


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (httpx.Response(200, json={"message": "Moved elsewhere"}), "with an object, not a list"),
        (httpx.Response(204), "with an empty answer, not a list"),
    ],
    ids=["object", "204"],
)
@respx.mock
def test_a_github_list_answered_with_something_else_says_what_to_mend_not_resume(
    answer: httpx.Response,
    said: str,
    respx_mock: respx.MockRouter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A list's URL answering an object (a proxy's, a wrong base URL's ``{"message": ...}``),
    or nothing answers the resume the same."""
    monkeypatch.setenv("GITHUB_TOKEN", GITHUB_TOKEN)
    respx_mock.get(GITHUB).respond(200, json=GITHUB_REPO)
    respx_mock.get(url__startswith=f"{GITHUB}/").mock(return_value=answer)
    code, err, last = _cli(capsys, tmp_path / "m.db", "github:acme/rocket")
    assert code == 1
    assert said in err, err
    assert "backfill-tui resume" not in last, last
    assert last.endswith(
        "resuming would fail the same way; first mend github:acme/rocket: check the "
        "provider's base URL (BACKFILL_GITHUB_API_URL)"
    ), last
