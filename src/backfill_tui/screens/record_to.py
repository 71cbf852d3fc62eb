"""The connect screen's "Record to" field, checked as typed with the checks ``run --record``
makes (``outputs.check_output``), and what it says under the field."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from textual.validation import ValidationResult, Validator

from ..errors import BackfillError, user_path
from ..widgets.wording import in_app

__all__ = ["RecordValidator", "record_note", "record_problem"]


class RecordValidator(Validator):
    """The field checked as typed with the checks ``run --record`` makes (``check_output``
    through :func:`record_problem`); it was checked only at Start (a fresh tester's finding)."""

    def __init__(self, mirror: Callable[[], Path]) -> None:
        super().__init__()
        self.mirror = mirror  # the mirror's path: the file a recording must never be

    def validate(self, value: str) -> ValidationResult:
        problem = record_problem(value, self.mirror())
        return self.success() if problem is None else self.failure(problem)


def record_problem(text: str, mirror: Path) -> str | None:
    """Why ``text`` cannot be recorded to, as Start would refuse it (``Recorder``'s checks:
    a folder, a folder that cannot be written, the mirror or its side files, a file already
    there), in the app's words; None for a blank field or a path it takes."""
    if not text.strip():
        return None
    from ..engine.outputs import check_output, in_use

    try:
        check_output(text, option="--record", protected=in_use(mirror))
    except BackfillError as exc:
        return in_app(str(exc))
    return None


def record_note(text: str) -> str:
    """What "Record to" makes of an accepted path: the folders it makes first, if any."""
    target = user_path(text.strip())
    missing = next((p for p in reversed(target.parents) if not p.exists()), None)
    if missing is None:
        return ""
    return f"folder {os.path.abspath(missing)} does not exist yet: made when the run starts"
