"""A page's web address given as a source: ``run https://github.com/acme/r`` said "unknown
provider 'https'" with no hint, and ``github:acme/r.git`` (a clone address's ending) was asked
for as written and failed with a 404 (a tester's finding). A web or clone address is refused in
one line (exit 2) saying sources are written PROVIDER:TARGET and, where the address names one
source only, which; ``OWNER/REPO.git`` is ``OWNER/REPO``, since GitHub names no repository with
that ending (respx: only the repository without it answers)."""

from __future__ import annotations

from pathlib import Path

import pytest
import respx
from support import run_cli


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ("https://github.com/acme/r", "use github:acme/r"),
        ("https://github.com/acme/r.git", "use github:acme/r"),
        ("git@github.com:acme/r.git", "use github:acme/r"),
        ("github.com/acme/r/pulls", "use github:acme/r"),
        ("https://acme.sentry.io/projects/web/", "use sentry:acme/web"),
        ("https://sentry.io/organizations/acme/projects/web/", "use sentry:acme/web"),
        ("https://vercel.com/acme/web", "use vercel:acme/web"),
        ("https://linear.app/acme/team/ENG/active", "use linear:ENG"),
        ("https://linear.app/acme", "for example github:acme/rocket"),
        ("https://github.com/acme", "for example github:acme/rocket"),
        ("github:https://github.com/acme/r", "use github:acme/r"),
    ],
)
def test_a_web_address_is_refused_naming_the_source(
    given: str, says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(capsys, "run", given, "--workspace", "w", "--db", str(tmp_path / "m.db"))
    assert result.code == 2
    assert result.err.count("\n") == 1, result.err
    assert "is a web address, not a source: sources are written PROVIDER:TARGET" in result.err
    assert says in result.err, result.err
    assert "unknown provider" not in result.err


def test_a_clone_address_ending_is_read_as_the_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "plain-token-without-shape")
    api = "https://api.github.com/repos/acme/rocket"
    with respx.mock(assert_all_mocked=True) as github:
        repo = github.get(api).respond(200, json={"id": 7, "full_name": "acme/rocket"})
        github.get(url__regex=rf"{api}/\w+").respond(200, json=[])
        result = run_cli(
            capsys, "run", "github:acme/rocket.git", "--workspace", "w",
            "--db", str(tmp_path / "m.db"), "--json",
        )  # fmt: skip
    assert result.code == 0, result.err
    assert repo.call_count == 1
    assert "acme/rocket" in result.out and ".git" not in result.out + result.err


@pytest.mark.parametrize("given", ["github:a/..", "github:a/.", "vercel:..", "vercel:team/."])
@respx.mock(assert_all_called=False)
def test_a_name_that_is_a_dot_or_two_is_refused_before_any_request(
    given: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], respx_mock: respx.MockRouter
) -> None:
    """``github:a/..`` was taken and asked ``GET /repos``, then ``/repos/pulls``: the token sent
    to paths that are no source, and a failure naming ``/repos`` (a tester's finding)."""
    asked = respx_mock.route().respond(404)
    result = run_cli(capsys, "run", given, "--workspace", "w", "--db", str(tmp_path / "m.db"))
    assert result.code == 2 and result.err.count("\n") == 1, result.err
    assert f"'{given}' is not a valid" in result.err
    assert asked.call_count == 0 and not (tmp_path / "m.db").exists()


@pytest.mark.parametrize("given", ["github:acme/rocket.git.git", "github:acme/.git"])
def test_a_repository_name_ending_in_git_after_the_clone_suffix_is_refused(
    given: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``rocket.git.git`` became ``rocket.git`` and ``acme/.git`` was taken, each asked for and
    failed with a 404 and exit 1 (a tester's finding): GitHub names no repository so."""
    result = run_cli(capsys, "run", given, "--workspace", "w", "--simulate",
                     "--db", str(tmp_path / "m.db"))  # fmt: skip
    assert result.code == 2 and result.err.count("\n") == 1, result.err
    assert f"'{given}' is not a valid GitHub source: GitHub names no repository ending in .git" \
        in result.err  # fmt: skip
    assert not (tmp_path / "m.db").exists()


def test_a_base_url_with_a_query_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``BACKFILL_SENTRY_API_URL=…/api/0?x=1`` asked ``/?x=1/api/0/projects/…`` and ended
    "check the source's name", exit 1 (a tester's finding): refused in one line, exit 2."""
    monkeypatch.setenv("BACKFILL_SENTRY_API_URL", "http://127.0.0.1:9/api/0?x=1")
    monkeypatch.setenv("SENTRY_AUTH_TOKEN", "sntrys_" + "q" * 30)
    result = run_cli(capsys, "run", "sentry:acme/rocket", "--workspace", "w",
                     "--db", str(tmp_path / "m.db"))  # fmt: skip
    assert result.code == 2 and result.err.count("\n") == 1, result.err
    assert "BACKFILL_SENTRY_API_URL=" in result.err and "has a query or a fragment" in result.err
