"""Each provider's stored cursor form (``Connector.cursor_fault``): what a resume accepts."""

from __future__ import annotations

import pytest

from backfill_tui.engine.catalog import PROVIDERS


@pytest.mark.parametrize(
    ("provider", "cursor", "ok"),
    [
        ("github", "https://api.github.com/repositories/42/issues?page=2&per_page=100", True),
        ("github", "/repositories/42/issues?page=2", True),  # a relative Link, rebased
        ("github", "{{{not json", False),
        ("github", "ftp://example.com/x", False),
        ("sentry", "https://sentry.io/api/0/projects/a/b/events/?cursor=0:100:0", True),
        ("sentry", "0:100:0", False),
        ("vercel", "1733140800000", True),
        ("vercel", "yesterday", False),
        ("vercel", "١٢٣", False),  # digits, but not ASCII: int() would take them
        ("linear", "c2VjcmV0LWN1cnNvcg==", True),
        ("linear", "   ", False),
    ],
)
def test_a_stored_cursor_is_checked_by_its_providers_form(
    provider: str, cursor: str, ok: bool
) -> None:
    fault = PROVIDERS[provider].connector.cursor_fault(cursor)
    assert (fault is None) is ok, fault
