"""A base URL written as the provider's documents write it: provider-apis.md gives Sentry's as
``https://sentry.io/api/0/``, and every request's path begins with ``/api/0`` already. A
tester's ``BACKFILL_SENTRY_API_URL=http://127.0.0.1:8765/api/0`` asked
``/api/0/api/0/projects/acme/web/``, had a 404 and was told to check the source's name. Such a
base is taken without its ``/api/0``; a GitHub Enterprise base with ``/api/v3`` twice is taken
with it once (respx: only the right paths answer)."""

from __future__ import annotations

from pathlib import Path

import pytest
import respx
from support import run_cli

SENTRY = "http://127.0.0.1:8765"


@pytest.mark.parametrize("given", [f"{SENTRY}/api/0", f"{SENTRY}/api/0/"])
def test_a_sentry_base_ending_in_api_0_is_read_without_it(
    given: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SENTRY_AUTH_TOKEN", "sntrys_plain_token_for_the_test")
    monkeypatch.setenv("BACKFILL_SENTRY_API_URL", given)
    with respx.mock(assert_all_mocked=True) as sentry:
        project = sentry.get(f"{SENTRY}/api/0/projects/acme/web/").respond(
            200, json={"id": "42", "slug": "web", "name": "Web"}
        )
        sentry.get(url__regex=rf"{SENTRY}/api/0/(organizations|projects)/acme/.+").respond(
            200, json=[]
        )
        result = run_cli(
            capsys, "run", "sentry:acme/web", "--workspace", "w",
            "--db", str(tmp_path / "m.db"),
        )  # fmt: skip
    assert result.code == 0, result.err
    assert project.call_count == 1
    assert "/api/0/api/0" not in result.err


def test_a_github_enterprise_base_with_api_v3_twice_is_read_with_it_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ghe = "https://ghe.acme.example/api/v3"
    monkeypatch.setenv("GITHUB_TOKEN", "plain-token-without-shape")
    monkeypatch.setenv("BACKFILL_GITHUB_API_URL", f"{ghe}/api/v3/")
    with respx.mock(assert_all_mocked=True) as github:
        repo = github.get(f"{ghe}/repos/acme/rocket").respond(
            200, json={"id": 7, "full_name": "acme/rocket", "default_branch": "main"}
        )
        github.get(url__regex=rf"{ghe}/repos/acme/rocket/\w+").respond(200, json=[])
        result = run_cli(
            capsys, "run", "github:acme/rocket", "--workspace", "w",
            "--db", str(tmp_path / "m.db"),
        )  # fmt: skip
    assert result.code == 0, result.err
    assert repo.call_count == 1
