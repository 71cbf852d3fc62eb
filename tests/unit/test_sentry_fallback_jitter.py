"""Sentry's 429 with no reset ahead backs off 5 s plus jitter (provider-apis.md §4.5); the
jitter is the answer's recorded fraction when it carries one (``JITTER_FRACTION``, set by a
recorded or replayed answer), as every other policy's is, so a replay of the run waits what the
run waited: it was drawn at random again on each replay."""

from __future__ import annotations

import httpx
import pytest

from backfill_tui.http.ratelimit import JITTER_FRACTION, SentryPolicy

URL = "https://sentry.io/api/0/organizations/acme/issues/"


@pytest.mark.parametrize("fraction", [0.0, 0.25, 0.9])
def test_a_recorded_answers_fallback_wait_is_the_same_each_time(fraction: float) -> None:
    policy = SentryPolicy()
    waits: list[float] = []
    for _ in range(20):
        response = httpx.Response(
            429,
            request=httpx.Request("GET", URL),
            extensions={JITTER_FRACTION: fraction},
        )
        answer = policy.limit_answer(response, None, now=1_000_000.0)
        assert answer is not None
        waits.append(answer.seconds)
    assert waits == [pytest.approx(policy.fallback_wait + fraction)] * 20
