"""Errors a user can cause or meet, each carrying one clear line for them.

    BackfillError               anything we explain to the user (exit status 2 when it is bad input)
    ├── UsageError              bad arguments or source specs
    ├── CredentialsMissing      no token for a provider that needs one
    ├── MirrorError             the --db file is not ours, is corrupt, or is too new
    └── RunConflict             another process runs a backfill of the same workspace and source

The HTTP layer's errors (``backfill_tui.http.errors``) are stream failures, not bad input.
"""

from __future__ import annotations


class BackfillError(Exception):
    """An error whose ``str()`` is one line meant for the user."""


class UsageError(BackfillError):
    pass


class CredentialsMissing(BackfillError):
    pass


class MirrorError(BackfillError):
    pass


class RunConflict(BackfillError):
    pass
