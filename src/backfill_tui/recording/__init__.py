"""Reproducing a customer's sync: record a run's HTTP exchanges, replay them offline.

A recording is one gzip file of scrubbed JSON lines (``fileformat``): the run's parameters and
cutoff instant, then every exchange below the retry layer, then a checksummed trailer. The
sessions that drive a run around it (``Recorder`` writes one during a live run; ``Replay`` runs the
same backfill again, through the real connectors, with the recording as the only transport) are
the engine's: ``engine/recording.py``.
"""

from .fileformat import (
    Exchange,
    RecordingError,
    RecordingFile,
    RecordingHeader,
    RunEnd,
    RunParameters,
    SpooledRecording,
    open_recording,
    read_recording,
)
from .scrub import scrub_headers, scrub_text, scrub_url
from .transports import RecordingEnded, RecordingMismatch, RecordingTransport, ReplayTransport

__all__ = [
    "Exchange",
    "RecordingEnded",
    "RecordingError",
    "RecordingFile",
    "RecordingHeader",
    "RecordingMismatch",
    "RecordingTransport",
    "ReplayTransport",
    "RunEnd",
    "RunParameters",
    "SpooledRecording",
    "open_recording",
    "read_recording",
    "scrub_headers",
    "scrub_text",
    "scrub_url",
]
