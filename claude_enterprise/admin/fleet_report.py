"""The compliance report from Logs Insights results: the rows of the stored queries (`insights/*.query`,
run by `insights_run`) turned into the same `compliance.Report` the local trail gives.

The counting is Logs Insights' own (`stats`, one row per event_id first, so re-delivered duplicates count
once); this module only places each result row in the report's sections. Pure: no I/O.
"""

from __future__ import annotations

import calendar
import json
import time
from collections.abc import Mapping

from claude_enterprise.admin.compliance import Durations, HostState, Report
from claude_enterprise.admin.insights_run import InsightsError

# The queries the report runs, each by the name of its data file.
QUERIES = ("event_counts", "session_durations", "failed_authentications", "policy_violations", "hosts",
           "heartbeats")

Rows = list[dict[str, str]]


def insights_ms(value: str) -> int:
    """Epoch ms of a Logs Insights time value (`2026-11-30 10:42:39.123`, UTC) or of epoch ms digits."""
    if value.isdigit():
        return int(value)
    main, _, frac = value.partition(".")
    seconds = calendar.timegm(time.strptime(main.replace("T", " ").rstrip("Z"), "%Y-%m-%d %H:%M:%S"))
    return seconds * 1000 + int((frac.rstrip("Z") + "000")[:3] if frac else 0)


def _need(name: str, row: Mapping[str, str], *fields: str) -> list[str]:
    missing = [f for f in fields if f not in row]
    if missing:
        raise InsightsError(f"Logs Insights query {name!r} returned a row without {', '.join(missing)} "
                            f"(fields: {', '.join(sorted(row)) or 'none'}); is the log group the audit group?")
    return [row[f] for f in fields]


def _number(name: str, field: str, value: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise InsightsError(f"Logs Insights query {name!r}: {field} is not a number: {value!r}") from None


def from_insights(results: Mapping[str, Rows], *, since_ms: int | None, until_ms: int | None, now_ms: int,
                  source: str, tamper: Mapping[str, str] | None = None) -> Report:
    """The report from each query's rows (`results[name]` for every name in QUERIES)."""
    report = Report(since_ms, until_ms, now_ms, source)
    deliveries = 0
    for row in results["event_counts"]:
        kind, user, host, profile, decision, rule, events, copies = _need(
            "event_counts", row, "type", "user", "machine", "prof", "verdict", "rule", "events", "deliveries")
        n = int(_number("event_counts", "events", events))
        deliveries += int(_number("event_counts", "deliveries", copies))
        report.events += n
        report.types[kind] += n
        state = report.hosts.setdefault(host, HostState(host))
        state.users.add(user)
        state.events += n
        entry = report.users.setdefault(user, {"profiles": set(), "hosts": set(), "sessions": 0, "denied": 0,
                                               "violations": 0})
        entry["hosts"].add(host)
        if kind == "session_start":
            report.sessions += n
            entry["sessions"] += n
            entry["profiles"].add(profile)
            report.profiles[profile] += n
        elif kind in ("tool_decision", "exec_blocked"):
            report.decisions[(profile, decision, rule)] += n
            if decision == "deny":
                entry["denied"] += n
        elif kind in ("policy_violation", "process_killed"):
            entry["violations"] += n
        elif kind == "launch_refused":
            report.refused_launches[rule] += n
    report.duplicates = deliveries - report.events
    for row in results["session_durations"]:
        ended, total, median, longest = (_number("session_durations", f, v) for f, v in zip(
            ("ended", "total_ms", "median_ms", "longest_ms"),
            _need("session_durations", row, "ended", "total_ms", "median_ms", "longest_ms"), strict=True))
        report.durations = Durations(int(ended), int(total), int(median), int(longest))
    failures = [dict(zip(("ts", "user", "host", "identity_status"), _need(
        "failed_authentications", row, "ts", "user", "machine", "identity_status"), strict=True))
        for row in results["failed_authentications"]]
    report.failed_authentications = sorted(failures, key=lambda f: f["ts"])
    violations = [dict(zip(("ts", "type", "user", "host", "profile"), _need(
        "policy_violations", row, "ts", "type", "user", "machine", "prof"), strict=True),
        rule_id=row.get("rule_id"), reason=row.get("reason")) for row in results["policy_violations"]]
    report.violations = sorted(violations, key=lambda v: v["ts"] or "")
    for row in results["hosts"]:
        host, user, seen = _need("hosts", row, "host", "user", "last_seen")
        state = report.hosts.setdefault(host, HostState(host))
        state.users.add(user)
        seen_ms = insights_ms(seen)
        if seen_ms >= state.last_seen_ms:
            state.last_seen_ms, state.version = seen_ms, row.get("version") or state.version
    for row in results["heartbeats"]:
        host, seen, message = _need("heartbeats", row, "machine", "@timestamp", "@message")
        try:
            beat = json.loads(message)
        except ValueError:
            raise InsightsError(f"Logs Insights query 'heartbeats': host {host}'s heartbeat is not JSON") from None
        state = report.hosts.setdefault(host, HostState(host))
        state.last_heartbeat_ms, state.last_heartbeat = insights_ms(seen), beat if isinstance(beat, dict) else {}
    for name, status in (tamper or {}).items():
        report.hosts.setdefault(name, HostState(name)).tamper = status
    return report

