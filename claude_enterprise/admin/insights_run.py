"""Running a stored Logs Insights query: StartQuery, then GetQueryResults until the query ends, with a
bounded wait (a fleet-sized query can run for minutes; a report must not hang on one). Values come back as
strings, each row as `[{"field": ..., "value": ...}]`; `rows` turns them into dicts."""

from __future__ import annotations

import contextlib
import re
import time
from typing import Any

# GetQueryResults `status` values (CloudWatch Logs API reference).
RUNNING = frozenset({"Scheduled", "Running"})
DONE = "Complete"
FAILED = frozenset({"Failed", "Cancelled", "Timeout", "Unknown"})
DEFAULT_WAIT_S = 300.0
POLL_S = 1.0


class InsightsError(Exception):
    """A query that failed, was cancelled, timed out in Logs Insights, or outlived our wait."""


def finished(name: str, status: str) -> bool:
    """True when the query is done, False while it runs; InsightsError when it ended without results."""
    if status == DONE:
        return True
    if status in RUNNING:
        return False
    if status in FAILED:
        raise InsightsError(f"Logs Insights query {name!r} ended with status {status}; re-run the report, or "
                            "narrow it with --since/--until if it timed out")
    raise InsightsError(f"Logs Insights query {name!r} has an unknown status {status!r}")


def rows(response: dict[str, Any]) -> list[dict[str, str]]:
    """GetQueryResults rows as {field: value} (the `@ptr` handle dropped: it is no data)."""
    return [{cell["field"]: cell["value"] for cell in row if cell.get("field") != "@ptr" and "value" in cell}
            for row in response.get("results", [])]


_LIMIT = re.compile(r"\|\s*limit\s+(\d+)\s*$")


def stated_limit(query: str) -> int | None:
    """The row limit the query ends with (`| limit N`), if any."""
    match = _LIMIT.search(query.strip())
    return int(match.group(1)) if match else None


def run_query(client: Any, name: str, query: str, log_group: str, start_s: int, end_s: int, *,
              wait_s: float = DEFAULT_WAIT_S, poll_s: float = POLL_S, whole: bool = False) -> list[dict[str, str]]:
    """The rows of `query` over [start_s, end_s] (epoch seconds) of `log_group`; InsightsError on failure or
    when the query is still running after `wait_s` (it is then stopped, so it bills no further).

    `whole`: the caller counts the rows, so rows cut at the query's own limit are an error, never a silent
    undercount."""
    query_id = client.start_query(logGroupName=log_group, startTime=start_s, endTime=end_s,
                                  queryString=query)["queryId"]
    deadline = time.monotonic() + wait_s
    while True:
        response = client.get_query_results(queryId=query_id)
        if finished(name, str(response.get("status"))):
            found = rows(response)
            limit = stated_limit(query) if whole else None
            if limit is not None and len(found) >= limit:
                raise InsightsError(f"Logs Insights query {name!r} returned its limit of {limit} rows, so the "
                                    "report would undercount; narrow the period with --since/--until")
            return found
        if time.monotonic() >= deadline:
            with contextlib.suppress(Exception):  # already ended, or not permitted: the error below says enough
                client.stop_query(queryId=query_id)
            raise InsightsError(f"Logs Insights query {name!r} still running after {wait_s:g} s; narrow the "
                                "period with --since/--until")
        time.sleep(poll_s)
