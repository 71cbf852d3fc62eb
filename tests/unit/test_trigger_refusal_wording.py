"""A refused trigger row names a value from JSON as JSON writes it, with its type: a JSON
``true`` for depth is ``depth true (a boolean)``, not Python's ``'True'``."""

from __future__ import annotations

from typing import Any

import pytest

from backfill_tui.export.trigger import Refusal, check_row

ROW = {
    "integrationId": "i",
    "workspaceId": "w",
    "clerkOrgId": "o",
    "provider": "github",
    "userSourceId": "u",
}


@pytest.mark.parametrize(
    ("depth", "shown"),
    [
        (True, "depth true (a boolean)"),
        (14, "depth 14 (a number)"),
        ([7], "depth [7] (a list)"),
        ({"days": 7}, 'depth {"days": 7} (an object)'),
        ("14", "depth '14'"),
    ],
)
def test_a_refused_depth_is_shown_with_its_json_type(depth: Any, shown: str) -> None:
    refused = check_row(3, {**ROW, "depth": depth})
    assert isinstance(refused, Refusal)
    assert refused.reason == f"{shown} is not 7, 30 or 90 (days)"
