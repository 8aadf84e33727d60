"""The fleet's usage events from CloudWatch Logs Insights (the shipped audit trail of every machine).

A query returns at most 10,000 rows, so the month is read in time windows: a window that comes back full is split
in halves until each fits. Rows carry the whole event (`@message`); the type is checked again here, and the
chargeback counts each `event_id` once (a re-shipped event appears twice in the log group).
"""

from __future__ import annotations

import calendar
import json
from collections.abc import Iterator
from typing import Any

from claude_enterprise.admin.insights_run import run_query

QUERY = 'fields @timestamp, @message | filter type = "usage" | sort @timestamp asc | limit 10000'
ROW_LIMIT = 10_000


def month_bounds(month: str) -> tuple[int, int]:
    """Epoch seconds [start, end) of a UTC calendar month."""
    year, mon = (int(p) for p in month.split("-"))
    start = calendar.timegm((year, mon, 1, 0, 0, 0))
    nyear, nmon = (year + 1, 1) if mon == 12 else (year, mon + 1)
    return start, calendar.timegm((nyear, nmon, 1, 0, 0, 0))


def fleet_events(logs: Any, group: str, month: str, *, timeout: float = 120.0) -> Iterator[dict[str, Any]]:
    start, end = month_bounds(month)
    windows = [(start, end - 1)]  # endTime is inclusive
    while windows:
        lo, hi = windows.pop(0)
        rows = run_query(logs, "usage", QUERY, group, lo, hi, wait_s=timeout)
        if len(rows) >= ROW_LIMIT and hi > lo:
            mid = (lo + hi) // 2
            windows[:0] = [(lo, mid), (mid + 1, hi)]
            continue
        for row in rows:
            message = row.get("@message")
            try:
                event = json.loads(message) if message else None
            except ValueError:
                continue
            if isinstance(event, dict) and event.get("type") == "usage":
                yield event


def logs_client(region: str, endpoint_url: str | None) -> Any:
    import os

    import boto3

    url = endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None
    return boto3.session.Session(region_name=region).client("logs", endpoint_url=url)
