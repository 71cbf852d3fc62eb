"""Recording sessions, as the faces start them: record a live run's HTTP exchanges to a file
(:class:`Recorder`), or replay one offline into the mirror as a new run (:class:`Replay`).

The file format, the scrubbing of credentials and the transports are ``recording/``'s; the
rules a face meets (a recording only ever replays offline; a replayed run resumes only from the
same file) are kept there and in ``engine/runs.py``. Faces import these names from here.
"""

from __future__ import annotations

from ..recording import Recorder, RecordingError, Replay

__all__ = ["Recorder", "RecordingError", "Replay"]
