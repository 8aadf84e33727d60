"""The audit part of `--check-policy`: spool health, backlog and whether the CloudWatch sink answers.

Each check is `{"name", "status": pass|warn|fail, "detail"}` (DESIGN.md §3). The spool checks are
standard library only; the sink probe imports the shipper (boto3) only when a sink is configured.
"""

from __future__ import annotations

import time
from typing import Any

from claude_enterprise.audit.events import parse_ts_ms
from claude_enterprise.audit.status import SpoolStatus

# An unshipped backlog older than this means the sink has not been reached for a day.
STALE_BACKLOG_S = 24 * 3600


def spool_checks(status: SpoolStatus, *, sink_configured: bool, now: float | None = None) -> list[dict[str, Any]]:
    """Pure: judge a spool's status. A full or unwritable spool fails (events would be refused)."""
    checks: list[dict[str, Any]] = []
    where = status.directory
    if not status.writable:
        checks.append(_check("audit.spool", "fail", f"{where} is not writable: events cannot be recorded"))
    elif status.full:
        checks.append(_check("audit.spool", "fail", f"{where} is full ({status.bytes} of {status.max_bytes} "
                                                     "bytes): events are refused until it is shipped"))
    elif status.high_water:
        checks.append(_check("audit.spool", "warn", f"{where} is {status.bytes * 100 // status.max_bytes}% "
                                                     "full; ship it"))
    else:
        checks.append(_check("audit.spool", "pass", f"{where} writable, {status.bytes} bytes"))
    if status.torn_tail:
        checks.append(_check("audit.spool_tail", "warn", "the last write was cut off (crash); the next "
                                                         "event or `audit ship` quarantines it"))
    backlog = f"{status.depth} event(s) not shipped"
    if status.oldest_unshipped_ts:
        backlog += f", oldest {status.oldest_unshipped_ts}"
    if not sink_configured:
        checks.append(_check("audit.backlog", "pass", f"no CloudWatch sink configured: {status.depth} "
                                                      "event(s) kept in the local trail"))
    elif status.oldest_unshipped_ts and _age_s(status.oldest_unshipped_ts, now) > STALE_BACKLOG_S:
        checks.append(_check("audit.backlog", "warn", backlog + " (older than a day)"))
    else:
        checks.append(_check("audit.backlog", "pass", backlog))
    return checks


def sink_check(*, log_group: str, region: str, endpoint_url: str | None = None,
               timeout_s: float = 3.0) -> dict[str, Any]:
    """Probe CloudWatch Logs with one cheap read. Unreachable is a warning (the spool keeps events
    for later); refused credentials or permissions fail (nothing will ever ship)."""
    from claude_enterprise.audit.shipper import probe_sink

    ok, reachable, detail = probe_sink(log_group=log_group, region=region, endpoint_url=endpoint_url,
                                       timeout_s=timeout_s)
    status = "pass" if ok else ("fail" if reachable else "warn")
    return _check("audit.sink", status, detail)


def audit_checks(spool_status: SpoolStatus, *, log_group: str | None = None, region: str | None = None,
                 endpoint_url: str | None = None, probe: bool = True) -> list[dict[str, Any]]:
    """Every audit check for `--check-policy`."""
    configured = bool(log_group and region)
    checks = spool_checks(spool_status, sink_configured=configured)
    if configured and probe:
        assert log_group and region
        checks.append(sink_check(log_group=log_group, region=region, endpoint_url=endpoint_url))
    elif not configured:
        checks.append(_check("audit.sink", "pass", "no CloudWatch sink configured (local trail only)"))
    return checks


def _check(name: str, status: str, detail: str) -> dict[str, Any]:
    return {"name": name, "status": status, "detail": detail}


def _age_s(ts: str, now: float | None) -> float:
    return (now if now is not None else time.time()) - parse_ts_ms(ts) / 1000

