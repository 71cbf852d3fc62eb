"""Asking production to run its own backfills, as the faces start it (``backfill-tui trigger``
and the export screen's "Trigger in production"): read or build rows, plan (a dry run that
changes nothing), then apply (sends ``apps-console/backfill.requested`` events and records each
in the mirror's ledger).

    rows = [check_row(line, fields) for line, fields in read_rows(path)[0]]
    plan = plan_trigger(rows, endpoint(base_url)[0], db)
    result = apply_trigger(plan, EventApi(key, base_url=base_url), db)

The rules and the sending are ``export/trigger.py`` and ``export/event_api.py`` (its URL check,
``export/event_endpoint.py``); the faces go through here.
"""

from __future__ import annotations

from ..export.event_api import EventApi
from ..export.event_endpoint import DEFAULT_BASE_URL, endpoint, ledger_target
from ..export.target import RetryNotice, SendNotice, WaitNotice
from ..export.trigger import (
    CONNECTORS,
    EVENT_NAME,
    Refusal,
    TriggerPlan,
    TriggerProgress,
    TriggerResult,
    TriggerRow,
    apply_trigger,
    check_row,
    plan_trigger,
    read_rows,
    today,
)

__all__ = [
    "CONNECTORS",
    "DEFAULT_BASE_URL",
    "EVENT_NAME",
    "EventApi",
    "Refusal",
    "RetryNotice",
    "SendNotice",
    "TriggerPlan",
    "TriggerProgress",
    "TriggerResult",
    "TriggerRow",
    "WaitNotice",
    "apply_trigger",
    "check_row",
    "endpoint",
    "ledger_target",
    "plan_trigger",
    "read_rows",
    "today",
]
