"""engine.runs.mend_first: the one rule for a face's last word on an unfinished run (resume
alone only while it may succeed; else what to mend first)."""

from __future__ import annotations

from backfill_tui.engine.runs import mend_first
from backfill_tui.store import StreamRecord
from backfill_tui.terms import StreamStatus


def _stream(entity: str, status: StreamStatus, mend: str | None) -> StreamRecord:
    return StreamRecord(0, "r", "github", "acme/x", entity, status=status, mend=mend)


def test_resume_alone_is_offered_only_while_no_unfinished_stream_needs_a_mend() -> None:
    name = "check the source's name and that the token can see it"
    missing = _stream("issue", StreamStatus.FAILED, name)
    assert mend_first([missing, _stream("push", StreamStatus.COMPLETED, None)]) == (
        f"resuming would fail the same way; first mend github:acme/x: {name}"
    )
    # another stream may pass: the mend is kept, then the resume (it was "resume" alone)
    then = f"resuming alone would fail the same way; first mend github:acme/x: {name}; then "
    assert mend_first([missing, _stream("push", StreamStatus.CANCELLED, None)]) == (then + "resume")
    assert mend_first([missing, _stream("push", StreamStatus.FAILED, None)], then="`go`") == (
        then + "`go`"
    )
    assert mend_first([_stream("push", StreamStatus.FAILED, None)]) is None
    assert mend_first([_stream("push", StreamStatus.COMPLETED, None)]) is None
