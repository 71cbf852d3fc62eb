"""The hidden files of the writers of a new file, and placing a finished one without replacing.

A file the product writes goes first to a hidden ``.NAME.PID.XXXX.part`` beside its path
(``outputs.AtomicFile``): the writer's process id in the name says whether its writer still
runs. That is how a second ``run --record`` of the same path knows at its start that another run
is recording to it (:func:`live_writer`), and how a writer killed with ``kill -9`` is told from
one still writing (:func:`writer_alive`): its hidden file blocks nothing and is swept away.

A new file (a recording) is put into place by :func:`place_new`, which never replaces a file
that appeared at its path meanwhile: ``os.link`` fails with ``FileExistsError`` where
``os.replace`` would silently replace (two runs recording to one file both exited 0 and one
recording was gone: a fresh tester's finding). A file already there keeps its place and the
finished one goes to the first free name beside it (``sync.rec.gz`` → ``sync-2.rec.gz``).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
from datetime import UTC, datetime
from pathlib import Path

__all__ = ["live_writer", "place_new", "temp_prefix", "unfinished_line", "writer_alive"]

#: ``os.link`` errors of a file system that makes no hard links (FAT, some network and FUSE
#: ones): the new file is then placed by an exclusive create and a rename over it.
_NO_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS, errno.EXDEV}
#: How many names beside the path are tried for a file whose own path was taken.
_NAMES_TRIED = 100


def temp_prefix(path: Path) -> str:
    """``.NAME.`` for the hidden file beside ``path``; a name too long to hold the pid and
    suffix as well (a file system's 255 bytes) by a digest of it instead, so a valid long name
    is not refused for its hidden file's (a fresh tester's finding)."""
    if len(os.fsencode(path.name)) <= 200:
        return f".{path.name}."
    return f".{hashlib.sha256(os.fsencode(path.name)).hexdigest()[:24]}."


def _writer_pid(candidate: Path, prefix: str) -> int | None:
    """The writer's pid in a hidden file's name ``PREFIX PID.XXXX.part``, else None."""
    if not candidate.name.startswith(prefix) or not candidate.name.endswith(".part"):
        return None
    middle = candidate.name[len(prefix) :].split(".", 1)[0]
    return int(middle) if middle.isdigit() else None


def writer_alive(candidate: Path, pid: int) -> bool:
    """Whether the writer ``pid`` of the hidden file ``candidate`` still runs: this process, or
    one that runs and started before the file was last written (a process id reused since its
    writer died started after: ``store.locks.pid_running``, the run locks' own check)."""
    from ..store.locks import pid_running

    if pid == os.getpid():
        return True
    try:
        written = datetime.fromtimestamp(candidate.stat().st_mtime, UTC).isoformat()
    except OSError:
        return False  # gone already
    return pid_running(pid, written)


def writers(path: Path) -> list[tuple[Path, int]]:
    """The hidden files of writers of ``path`` (each with its writer's pid), live or not."""
    prefix = temp_prefix(path)
    try:
        names = [p for p in path.parent.iterdir() if p.name.startswith(prefix)]
    except OSError:
        return []
    found = [(p, _writer_pid(p, prefix)) for p in names]
    return [(p, pid) for p, pid in found if pid is not None]


def live_writer(path: Path) -> int | None:
    """The pid of another process writing ``path`` now (its hidden file is there and it runs),
    or None. This process's own writers are not counted: it makes one at a time."""
    for candidate, pid in writers(path):
        if pid != os.getpid() and writer_alive(candidate, pid):
            return pid
    return None


def unfinished_line(path: Path, what: str = "recording") -> str | None:
    """The line for ``path`` holding no file while a writer's hidden file is beside it, None
    otherwise: a live writer's (the file comes when its run ends), else a dead one's (a run
    killed with ``kill -9`` before it sealed its recording, which no reader takes). ``replay
    sync.rec.gz`` then said only "no recording at sync.rec.gz; give the file `run --record`
    wrote", the file the user had given (a fresh tester's finding). ``what``: the file's kind."""
    try:
        if path.exists():
            return None
    except (OSError, ValueError):
        return None
    found = writers(path)
    live = next((pid for candidate, pid in found if writer_alive(candidate, pid)), None)
    if live is not None:
        return (
            f"no {what} at {path} yet: process {live} is writing it now; try again once it "
            "has ended"
        )
    if not found:
        return None
    part, pid = found[0]
    return (
        f"no {what} at {path}: the run writing it (process {pid}) stopped before sealing it "
        f"(killed?), leaving only its unfinished hidden file {part.name}, which cannot be "
        "replayed; `backfill-tui runs` lists that run, whose `resume` continues it (unrecorded), "
        "or record the run anew with --record"
    )


def _names(path: Path) -> list[Path]:
    """``path``, then the names tried beside it when it is taken: ``sync.rec.gz`` →
    ``sync-2.rec.gz``, ``sync-3.rec.gz``, ... (the mark before the first suffix, so the name
    still ends as the user chose)."""
    lead = "." if path.name.startswith(".") else ""
    stem, dot, rest = path.name[len(lead) :].partition(".")
    return [path] + [
        path.with_name(f"{lead}{stem}-{n}{dot}{rest}") for n in range(2, _NAMES_TRIED + 1)
    ]


def place_new(temp: Path, path: Path) -> Path:
    """Give the finished file ``temp`` the name ``path``, never replacing a file there (nor at
    a name tried beside it): where it went, ``path`` or a free name beside it. Raises
    ``FileExistsError`` when every name tried is taken (``temp`` is left as it is), or the
    ``OSError`` of the file system."""
    for name in _names(path):
        try:
            os.link(temp, name)
        except FileExistsError:
            continue
        except OSError as exc:
            if exc.errno not in _NO_LINKS:
                raise
            # No hard links here: the name is taken by an exclusive create, then the finished
            # file renamed over that empty file of ours.
            try:
                os.close(os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            except FileExistsError:
                continue
            os.replace(temp, name)
            return name
        with contextlib.suppress(OSError):  # a second name of the same file: swept if left
            temp.unlink()
        return name
    raise FileExistsError(errno.EEXIST, "every name tried is taken", str(path))
