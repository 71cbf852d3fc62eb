"""``export`` without its TARGET first: ``export --workspace k`` said "invalid choice: 'k'"
(argparse took the workspace for the target; a fresh tester's finding). Now one line says the
target is missing and names both (or where it goes, given after the options); exit 2. Nothing
given is repeated: an ``--event-key`` may be among the words."""

from __future__ import annotations

import pytest
from support import run_cli

KEY = "k3y-not-to-repeat"


@pytest.mark.parametrize(
    "args",
    [
        ("export", "--workspace", "k"),
        ("export",),
        ("export", "--event-key", KEY, "--workspace", "k"),
        ("--db", "m.db", "export", "--workspace", "k", "--apply"),
    ],
)
def test_a_missing_target_is_said_with_the_targets(
    args: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(capsys, *args)
    assert result.code == 2, result.err
    (line,) = result.err.splitlines()
    assert "TARGET is missing" in line and "postgres" in line and "inngest" in line, line
    assert "invalid choice" not in line and KEY not in line, line


def test_a_target_after_the_options_is_said_where_it_goes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = run_cli(capsys, "export", "--workspace", "k", "inngest", "--event-key", KEY)
    assert result.code == 2, result.err
    (line,) = result.err.splitlines()
    assert "TARGET inngest comes right after `export`" in line, line
    assert "invalid choice" not in line and KEY not in line, line


def test_a_target_given_first_parses_as_before(capsys: pytest.CaptureFixture[str]) -> None:
    """The target's own parser is not the check's: its options follow it."""
    result = run_cli(capsys, "export", "postgres", "--workspace", "k")
    assert result.code == 2
    assert "required: --dsn" in result.err and "TARGET" not in result.err, result.err


def test_help_asked_after_the_options_is_exports_help(capsys: pytest.CaptureFixture[str]) -> None:
    """``export --workspace k --help`` said "invalid choice: 'k'" (argparse met ``k`` first)."""
    result = run_cli(capsys, "export", "--workspace", "k", "--help")
    assert result.code == 0, result.err
    assert result.out.startswith("usage: backfill-tui export [-h] TARGET"), result.out
