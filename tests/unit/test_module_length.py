"""Issue 11's rule: no module over 400 lines without a reason in its docstring.

A module of ``src/backfill_tui`` longer than 400 lines (counted as ``wc -l`` counts them: its
newlines) says why it is one module in its own docstring, in a paragraph beginning "Past 400
lines on purpose:" or "A little over 400 lines:"; otherwise it is split. Without this test a
module grew past the limit and nothing said so (five had).
"""

from __future__ import annotations

import ast
from pathlib import Path

import backfill_tui

LIMIT = 400
SRC = Path(backfill_tui.__file__).parent


def long_modules_without_a_reason(root: Path) -> list[str]:
    """``path: N lines`` for each module under ``root`` longer than :data:`LIMIT` lines whose
    module docstring does not say "400 lines"."""
    found: list[str] = []
    for path in sorted(root.rglob("*.py")):
        source = path.read_bytes()
        lines = source.count(b"\n")
        if lines <= LIMIT:
            continue
        docstring = ast.get_docstring(ast.parse(source), clean=False) or ""
        if f"{LIMIT} lines" not in docstring:
            found.append(f"{path.relative_to(root.parent)}: {lines} lines")
    return found


def test_every_module_over_400_lines_says_why_in_its_docstring() -> None:
    assert len(list(SRC.rglob("*.py"))) > 50, f"no package's modules found under {SRC}"
    unexplained = long_modules_without_a_reason(SRC)
    assert not unexplained, (
        "modules over 400 lines without a reason in their docstring (split them, or begin a "
        'paragraph of the docstring with "Past 400 lines on purpose:"): ' + ", ".join(unexplained)
    )


def test_the_check_counts_lines_as_wc_does_and_reads_only_the_module_docstring(
    tmp_path: Path,
) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    body = "x = 1\n" * LIMIT
    (package / "at_the_limit.py").write_text('"""Short."""\n' + "x = 1\n" * (LIMIT - 1))
    (package / "said.py").write_text('"""Past 400 lines on purpose: one thing."""\n' + body)
    (package / "unsaid.py").write_text('"""One thing."""\n' + body)
    (package / "said_too_late.py").write_text(
        '"""One thing."""\n\n\ndef f() -> None:\n    """Past 400 lines on purpose."""\n\n' + body
    )
    assert long_modules_without_a_reason(package) == [
        "pkg/said_too_late.py: 406 lines",
        "pkg/unsaid.py: 401 lines",
    ]
