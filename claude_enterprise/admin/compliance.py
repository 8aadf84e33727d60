"""The compliance report (`admin audit`): what the audit trail proves about a period, per user, host and rule,
with the evidence mapped to the controls the guide names (SOC 2; ISO 27001 A.9, A.10, A.12).

`build` aggregates the local trail's events (no sink configured); with a sink the same `Report` is filled from
the stored Logs Insights queries' results (`fleet_report`), where CloudWatch does the counting. Either way
counting is by `event_id`: delivery is at-least-once and duplicates are real (a lost PutLogEvents response
re-sends a whole batch), so a repeated event_id counts once.
"""

from __future__ import annotations

import csv
import io
import json
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from claude_enterprise.audit.events import parse_ts_ms

DAY_MS = 86_400_000
ACTIVE_MS = DAY_MS  # seen within a day
MISSING_MS = 30 * DAY_MS  # not seen for 30 days


@dataclass
class HostState:
    host: str
    users: set[str] = field(default_factory=set)
    last_seen_ms: int = 0
    events: int = 0
    last_heartbeat_ms: int | None = None
    last_heartbeat: dict[str, Any] | None = None
    version: str | None = None
    tamper: str = "not checked"

    def status(self, now_ms: int) -> str:
        if now_ms - self.last_seen_ms > MISSING_MS:
            return "missing"
        if now_ms - self.last_seen_ms > ACTIVE_MS:
            return "stale"
        if self.last_heartbeat and self.last_heartbeat.get("degraded"):
            return "degraded"
        return "active"


class Durations(NamedTuple):
    """Ended sessions and their durations in ms (the median as Logs Insights' `pct(_, 50)` or Python's)."""

    ended: int
    total_ms: int
    median_ms: float
    longest_ms: int


def summarize(durations_ms: list[int]) -> Durations | None:
    if not durations_ms:
        return None
    return Durations(len(durations_ms), sum(durations_ms), statistics.median(durations_ms), max(durations_ms))


@dataclass
class Report:
    since_ms: int | None
    until_ms: int | None
    now_ms: int
    source: str
    events: int = 0
    duplicates: int = 0
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    profiles: Counter[str] = field(default_factory=Counter)
    sessions: int = 0
    session_durations_ms: list[int] = field(default_factory=list)
    durations: Durations | None = None  # from Logs Insights; else summarized from session_durations_ms
    decisions: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # (profile, decision, rule)
    violations: list[dict[str, Any]] = field(default_factory=list)
    refused_launches: Counter[str] = field(default_factory=Counter)
    failed_authentications: list[dict[str, Any]] = field(default_factory=list)
    hosts: dict[str, HostState] = field(default_factory=dict)
    types: Counter[str] = field(default_factory=Counter)

    # -- views ------------------------------------------------------------------------------------------

    def host_rows(self) -> list[dict[str, Any]]:
        rows = []
        for name in sorted(self.hosts):
            h = self.hosts[name]
            beat = h.last_heartbeat or {}
            rows.append({"host": name, "status": h.status(self.now_ms), "users": sorted(h.users),
                         "last_seen": _iso(h.last_seen_ms), "events": h.events, "version": h.version,
                         "last_heartbeat": _iso(h.last_heartbeat_ms) if h.last_heartbeat_ms else None,
                         "managed_settings": beat.get("managed_settings"), "sandbox": beat.get("sandbox"),
                         "degraded_reasons": beat.get("degraded_reasons") or [], "tamper_evidence": h.tamper})
        return rows

    def decision_rows(self) -> list[dict[str, Any]]:
        return [{"profile": p, "decision": d, "rule_id": r, "count": n}
                for (p, d, r), n in sorted(self.decisions.items(), key=lambda kv: (-kv[1], kv[0]))]

    def session_stats(self) -> dict[str, Any]:
        summary = self.durations or summarize(self.session_durations_ms)
        if summary is None or not summary.ended:
            return {"sessions": self.sessions, "ended": 0, "total_minutes": 0.0, "median_seconds": None,
                    "longest_seconds": None}
        return {"sessions": self.sessions, "ended": summary.ended,
                "total_minutes": round(summary.total_ms / 60000, 1),
                "median_seconds": round(summary.median_ms / 1000, 1),
                "longest_seconds": round(summary.longest_ms / 1000, 1)}

    def controls(self) -> list[dict[str, str]]:
        denied = sum(n for (_, d, _), n in self.decisions.items() if d == "deny")
        allowed = sum(n for (_, d, _), n in self.decisions.items() if d == "allow")
        hosts = self.host_rows()
        intact = sum(1 for h in hosts if h["tamper_evidence"] == "intact")
        broken = sum(1 for h in hosts if h["tamper_evidence"].startswith("BROKEN"))
        degraded = sum(1 for h in hosts if h["status"] == "degraded")
        return [
            {"control": "SOC 2 CC6.1 / ISO 27001 A.9.2, A.9.4 (logical access, least privilege)",
             "evidence": f"{len(self.users)} user(s) on {len(self.profiles)} profile(s) "
                         f"({', '.join(f'{p}: {n}' for p, n in self.profiles.most_common())}); every tool call "
                         f"decided against the user's profile: {allowed} allowed, {denied} denied"},
            {"control": "SOC 2 CC6.2, CC6.3 / ISO 27001 A.9.2.1, A.9.4.2 (authentication)",
             "evidence": f"{len(self.failed_authentications)} session(s) whose identity token failed "
                         "verification or had expired (run on the narrowest or configured profile)"},
            {"control": "SOC 2 CC6.6, CC6.8 / ISO 27001 A.12.2, A.12.5.1, A.12.6.2 (malicious or "
                        "unauthorised software, restrictions on installation)",
             "evidence": f"{denied} denied command(s) and tool call(s); {len(self.violations)} policy "
                         f"violation(s) and killed process(es); {sum(self.refused_launches.values())} "
                         "refused launch(es)"},
            {"control": "SOC 2 CC7.2, CC7.3 / ISO 27001 A.12.4.1 (event logging, monitoring)",
             "evidence": f"{self.events} distinct event(s) from {len(hosts)} host(s) "
                         f"({self.duplicates} re-delivered duplicate(s) counted once); "
                         f"{degraded} host(s) degraded by their last heartbeat"},
            {"control": "ISO 27001 A.12.4.2, A.12.4.3 / A.10.1 (protection of log information, cryptographic "
                        "controls)",
             "evidence": f"hash chain verified per host: {intact} intact, {broken} broken, "
                         f"{len(hosts) - intact - broken} not checked; the log group is KMS-encrypted "
                         "(deployed stack)"},
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "period": {"since": _iso(self.since_ms) if self.since_ms else None,
                       "until": _iso(self.until_ms) if self.until_ms else None},
            "generated": _iso(self.now_ms), "source": self.source,
            "events": self.events, "duplicates": self.duplicates, "event_types": dict(self.types),
            "users": [{"user": u, **{k: sorted(v) if isinstance(v, set) else v for k, v in d.items()}}
                      for u, d in sorted(self.users.items())],
            "profiles": dict(self.profiles), "sessions": self.session_stats(),
            "decisions": self.decision_rows(), "violations": self.violations,
            "refused_launches": dict(self.refused_launches),
            "failed_authentications": self.failed_authentications,
            "hosts": self.host_rows(), "controls": self.controls(),
        }


def _iso(ms: int) -> str:
    from claude_enterprise.audit.events import rfc3339_ms

    return rfc3339_ms(ms / 1000)


def _user_of(event: dict[str, Any]) -> str:
    user = event.get("user") if isinstance(event.get("user"), dict) else {}
    assert isinstance(user, dict)
    return str(user.get("email") or user.get("sub") or "unknown")


def build(events: Iterable[dict[str, Any]], *, since_ms: int | None, until_ms: int | None, now_ms: int,
          source: str, tamper: dict[str, str] | None = None) -> Report:
    """Aggregate `events` (any order, duplicates allowed) into the report for [since, until)."""
    report = Report(since_ms, until_ms, now_ms, source)
    seen: set[str] = set()
    for event in events:
        event_id = event.get("event_id")
        if not isinstance(event_id, str):
            continue
        try:
            ts = parse_ts_ms(str(event.get("ts")))
        except ValueError:
            continue
        if (since_ms is not None and ts < since_ms) or (until_ms is not None and ts >= until_ms):
            continue
        if event_id in seen:
            report.duplicates += 1
            continue
        seen.add(event_id)
        _add(report, event, ts)
    for name, status in (tamper or {}).items():
        report.hosts.setdefault(name, HostState(name)).tamper = status
    return report


def _add(report: Report, event: dict[str, Any], ts: int) -> None:
    kind = str(event.get("type"))
    user = _user_of(event)
    profile = str(event.get("profile") or "unknown")
    host = str(event.get("host") or "unknown")
    report.events += 1
    report.types[kind] += 1
    h = report.hosts.setdefault(host, HostState(host))
    h.users.add(user)
    h.events += 1
    if ts >= h.last_seen_ms:
        h.last_seen_ms, h.version = ts, event.get("version") or h.version
    entry = report.users.setdefault(user, {"profiles": set(), "hosts": set(), "sessions": 0, "denied": 0,
                                           "violations": 0})
    entry["hosts"].add(host)
    if kind == "session_start":
        report.sessions += 1
        entry["sessions"] += 1
        entry["profiles"].add(profile)
        report.profiles[profile] += 1
        if event.get("identity_status") in ("invalid", "expired"):
            report.failed_authentications.append({"ts": event.get("ts"), "user": user, "host": host,
                                                  "identity_status": event.get("identity_status")})
    elif kind == "session_end" and isinstance(event.get("duration_ms"), int):
        report.session_durations_ms.append(int(event["duration_ms"]))
    elif kind in ("tool_decision", "exec_blocked"):
        decision = str(event.get("decision") or "unknown")
        report.decisions[(profile, decision, str(event.get("rule_id") or "-"))] += 1
        if decision == "deny":
            entry["denied"] += 1
    elif kind in ("policy_violation", "process_killed"):
        entry["violations"] += 1
        report.violations.append({"ts": event.get("ts"), "type": kind, "user": user, "host": host,
                                  "profile": profile, "rule_id": event.get("rule_id"),
                                  "reason": event.get("reason")})
    elif kind == "launch_refused":
        report.refused_launches[str(event.get("rule_id") or "-")] += 1
    elif kind == "heartbeat" and (h.last_heartbeat_ms is None or ts >= h.last_heartbeat_ms):
        h.last_heartbeat_ms, h.last_heartbeat = ts, event


# -- rendering --------------------------------------------------------------------------------------------

def _md_table(rows: list[dict[str, Any]], columns: list[str]) -> list[str]:
    if not rows:
        return ["(none)", ""]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = [", ".join(map(str, v)) if isinstance(v, list) else ("" if v is None else str(v))
                 for v in (row.get(c) for c in columns)]
        lines.append("| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |")
    return [*lines, ""]


def to_markdown(report: Report) -> str:
    data = report.as_dict()
    period = data["period"]
    out = ["# Claude Code compliance report", "",
           f"Period: {period['since'] or 'beginning of the trail'} to {period['until'] or data['generated']}  ",
           f"Source: {data['source']}  ", f"Generated: {data['generated']}  ",
           f"Events: {data['events']} distinct ({data['duplicates']} duplicate deliveries counted once)", "",
           "## Controls and evidence", "", *_md_table(data["controls"], ["control", "evidence"]),
           "## Users and profiles", "",
           *_md_table(data["users"], ["user", "profiles", "hosts", "sessions", "denied", "violations"]),
           "## Sessions", "", *_md_table([data["sessions"]], list(data["sessions"])),
           "## Decisions by rule", "", *_md_table(data["decisions"], ["profile", "decision", "rule_id", "count"]),
           "## Policy violations", "",
           *_md_table(data["violations"], ["ts", "type", "user", "host", "profile", "rule_id", "reason"]),
           "## Refused launches", "",
           *_md_table([{"rule_id": k, "count": v} for k, v in sorted(data["refused_launches"].items())],
                      ["rule_id", "count"]),
           "## Failed authentications", "",
           *_md_table(data["failed_authentications"], ["ts", "user", "host", "identity_status"]),
           "## Hosts", "",
           *_md_table(data["hosts"], ["host", "status", "users", "last_seen", "last_heartbeat", "version",
                                      "managed_settings", "sandbox", "degraded_reasons", "tamper_evidence"])]
    return "\n".join(out).rstrip() + "\n"


def to_csv(report: Report) -> str:
    """One row per fact: section, key, value (spreadsheets and GRC tools import it as is)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["section", "key", "value"])
    data = report.as_dict()
    writer.writerow(["summary", "events", data["events"]])
    writer.writerow(["summary", "duplicates", data["duplicates"]])
    for key, value in data["sessions"].items():
        writer.writerow(["sessions", key, value])
    for row in data["decisions"]:
        writer.writerow(["decisions", f"{row['profile']}/{row['decision']}/{row['rule_id']}", row["count"]])
    for rule, count in sorted(data["refused_launches"].items()):
        writer.writerow(["refused_launches", rule, count])
    for user in data["users"]:
        writer.writerow(["users", user["user"], json.dumps({k: v for k, v in user.items() if k != "user"})])
    for violation in data["violations"]:
        writer.writerow(["violations", violation["ts"], json.dumps(violation)])
    for failure in data["failed_authentications"]:
        writer.writerow(["failed_authentications", failure["ts"], json.dumps(failure)])
    for host in data["hosts"]:
        writer.writerow(["hosts", host["host"], json.dumps({k: v for k, v in host.items() if k != "host"})])
    for control in data["controls"]:
        writer.writerow(["controls", control["control"], control["evidence"]])
    return buffer.getvalue()


def render(report: Report, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(report.as_dict(), indent=1, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return to_csv(report)
    return to_markdown(report)
