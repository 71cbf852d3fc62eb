"""A disk that fills while ``run --record`` writes its recording (a fresh tester's finding): the
run stopped with every stream "failed: internal error (OSError: [Errno 28] ...)", two lines on
stderr, the recording's hidden ``.part`` left behind; or, a refused write passing, a recording
whose gzip stream no longer decompressed was sealed into place as a good one.

Now the refused write ends the recording (its file removed at once) and stops the run as a full
mirror does: interrupted, what was stored kept and whole, exit 2 with one line saying the
recording was not kept, why, and how to go on; ``resume`` then completes the run. The disk is
the operating system's (``support.filling_disk``): the recording's file takes so many bytes,
then every write is refused with the errno given.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import httpx
import pytest
from support import filling_disk, observation_rows, refusing_fsync, run_cli, simulated_engine

from backfill_tui.engine import progress as ev
from backfill_tui.engine.summary import run_summary

SOURCE = "github:acme/rocket"


def _recorded_run(
    capsys: pytest.CaptureFixture[str], db: Path, rec: Path, *extra: str
) -> tuple[int, str, dict[str, object]]:
    result = run_cli(capsys, "run", SOURCE, "--simulate", "--workspace", "w", "--days", "90",
                     "--db", str(db), "--record", str(rec), "--json", *extra)  # fmt: skip
    return result.code, result.err, json.loads(result.out)


def _left_beside(rec: Path) -> list[str]:
    """What a recording to ``rec`` left in its folder: the file, or its hidden ``.part``."""
    return sorted(p.name for p in rec.parent.iterdir() if rec.name in p.name)


def test_a_disk_that_fills_mid_recording_interrupts_the_run_in_one_line_and_resume_completes(
    tmp_path: Path,
    anchor: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor},clock=virtual")
    db, rec = tmp_path / "m.db", tmp_path / "r.rec.gz"
    with monkeypatch.context() as disk:
        filling_disk(disk, rec, room=30_000)  # a few pages' answers, of about 220 kB
        code, err, summary = _recorded_run(capsys, db, rec)
    run_id = summary["run_id"]
    assert code == 1, err
    errors = [line for line in err.splitlines() if line.startswith("backfill-tui: error:")]
    assert errors == [
        f"backfill-tui: error: the recording {rec} was not kept: writing it failed (disk full: "
        "No space left on device); what was stored is kept; free space, then "
        f"`backfill-tui resume {run_id} --db {db}`"
    ], err
    assert err.splitlines()[-1] == errors[0]
    assert "Traceback" not in err and "internal error" not in err and "OSError" not in err
    assert _left_beside(rec) == []  # no recording, no .part: nothing posing as one

    # What was stored is kept, and whole: the run interrupted (resumable), its rows there.
    assert summary["status"] == "interrupted"
    kept = observation_rows(db)
    assert 0 < len(kept) < 926
    assert len(kept) == sum(
        int(s["new"])
        for src in summary["sources"]
        for s in src["streams"]  # type: ignore[attr-defined]
    )
    runs = run_cli(capsys, "runs", "--db", str(db))
    assert runs.out.split()[:2] == [run_id, "interrupted"], runs.out
    verified = run_cli(capsys, "verify", "--full", "--db", str(db))
    assert verified.code == 0, verified.out + verified.err

    resumed = run_cli(capsys, "resume", run_id, "--db", str(db), "--json")
    assert resumed.code == 0, resumed.err
    assert resumed.summary["status"] == "completed"
    after = observation_rows(db)
    assert set(kept) <= set(after)  # nothing stored before the disk filled was lost or changed
    # the same mirror as a run the disk never stopped
    clean = tmp_path / "clean.db"
    assert run_cli(capsys, "run", SOURCE, "--simulate", "--workspace", "w", "--days", "90",
                   "--db", str(clean), "--quiet").code == 0  # fmt: skip
    assert after == observation_rows(clean)
    assert _left_beside(rec) == []


@pytest.mark.parametrize(
    ("refused", "reason", "first"),
    [
        (errno.EDQUOT, "disk full: Disk quota exceeded", "free space"),
        (
            errno.EFBIG,
            "file too large",
            "raise the file-size limit (ulimit -f) or record to another filesystem",
        ),
        (errno.EIO, "Input/output error", "check the disk it is written to"),
    ],
)
def test_each_refusal_of_the_recordings_writes_is_said_for_what_it_is(
    tmp_path: Path,
    anchor: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    refused: int,
    reason: str,
    first: str,
) -> None:
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor},clock=virtual")
    db, rec = tmp_path / "m.db", tmp_path / "r.rec.gz"
    with monkeypatch.context() as disk:
        filling_disk(disk, rec, room=30_000, refused=refused)
        code, err, summary = _recorded_run(capsys, db, rec, "--quiet")
    assert code == 1, err
    assert err == (
        f"backfill-tui: error: the recording {rec} was not kept: writing it failed ({reason}); "
        f"what was stored is kept; {first}, then `backfill-tui resume {summary['run_id']} "
        f"--db {db}`\n"
    )
    assert summary["status"] == "interrupted"
    assert _left_beside(rec) == []


def test_a_write_refused_once_leaves_no_recording_that_cannot_be_replayed(
    tmp_path: Path,
    anchor: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Space freed right after one refused write: the writes after it were taken, and the
    recording, missing what the refused one held, was sealed into place as a good one, which
    ``replay`` then refused as damaged. The refused write ends the recording at once."""
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor},clock=virtual")
    db, rec = tmp_path / "m.db", tmp_path / "r.rec.gz"
    with monkeypatch.context() as disk:
        filling_disk(disk, rec, room=30_000, once=True)
        code, err, summary = _recorded_run(capsys, db, rec, "--quiet")
    assert code == 1, err
    assert err.startswith(f"backfill-tui: error: the recording {rec} was not kept: "), err
    assert summary["status"] == "interrupted"
    assert _left_beside(rec) == []


def test_a_disk_that_refuses_the_recordings_seal_says_the_run_completed_and_keeps_no_file(
    tmp_path: Path,
    anchor: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The disk takes every write but refuses the recording's fsync as it is sealed, after the
    run completed. Nothing is left posing as its recording, and the line says the run completed
    (nothing to resume) rather than "recorded ... replay it" (it was an OSError that reached
    the top: "disk full; free some space and try again", the hidden file removed)."""
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor},clock=virtual")
    db, rec = tmp_path / "m.db", tmp_path / "r.rec.gz"
    with monkeypatch.context() as disk:
        refusing_fsync(disk, rec)
        code, err, summary = _recorded_run(capsys, db, rec, "--quiet", "--max-items", "5")
    assert code == 2, err
    assert summary["status"] == "completed"
    assert err == (
        f"backfill-tui: error: the recording {rec} was not kept: writing it failed (disk full: "
        "No space left on device); the run completed and what was stored is kept; free space, "
        "then start a new recorded run (--record) to record it\n"
    )
    assert _left_beside(rec) == []


class _RefusedAtTheLookup(httpx.AsyncBaseTransport):
    """Below the retry layer, where the recording's transport is: the answer to the source's
    lookup (``GET /repos/acme/rocket``) cannot be recorded, its disk full."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        from backfill_tui.errors import RecordingNotKept  # new: imported here, not collected

        response = await self.inner.handle_async_request(request)
        if request.url.path == "/repos/acme/rocket":
            refused = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            raise RecordingNotKept(Path("r.rec.gz"), refused)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def test_a_recording_refused_at_the_sources_lookup_interrupts_the_run(tmp_path: Path) -> None:
    """The lookup runs beside the streams: a refusal there was "an internal error in the GitHub
    connector", failing every stream while the run went on; it stops the run, interrupted."""
    sim = simulated_engine(tmp_path / "m.db", "clock=virtual")
    sim.engine.environment.wrap_transport = _RefusedAtTheLookup
    events: list[ev.ProgressEvent] = []
    sim.engine.subscribe(events.append)
    from backfill_tui.errors import RecordingNotKept

    with pytest.raises(RecordingNotKept):
        sim.run(SOURCE, workspace="w", days=30)
    ends = {e.stream: e for e in events if isinstance(e, ev.StreamFinished)}
    assert {e.status for e in ends.values()} == {"interrupted"}
    assert all("connector" not in (e.error or "") for e in ends.values())
    (finished,) = [e for e in events if isinstance(e, ev.RunFinished)]
    assert finished.status == "interrupted"
    (run,) = sim.mirror.list_runs()
    assert run_summary(sim.mirror, run)["status"] == "interrupted"
    sim.mirror.close()
