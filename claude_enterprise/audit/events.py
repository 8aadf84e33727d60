"""The audit event: schema, canonical form, hash chain and embedded metrics, built in one place.

Pure functions (no I/O, no clock): the spool supplies `seq`, `prev_hash` and the time under its lock.
Standard library only (hot path).

Chain: `hash = sha256(canonical(event without "hash"))`, where the event contains `prev_hash`, the hash of
the previous event in the same spool (`GENESIS_HASH` for the first). Editing an event changes its hash;
removing one breaks the next event's `prev_hash` and the `seq` sequence.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from typing import Any, NamedTuple

from claude_enterprise import __version__

SCHEMA = "claude-enterprise.audit/1"
GENESIS_HASH = "0" * 64
METRIC_NAMESPACE = "ClaudeCode/Enterprise"

# Every type the product emits; `record()` refuses any other, so a consumer (the dashboards, chargeback,
# `audit verify`) can rely on this list and a new type is a decision made here.
EVENT_TYPES = frozenset({
    "session_start", "session_end", "profile_resolved", "tool_decision", "exec_blocked", "process_killed",
    "policy_violation", "check_policy", "launch_refused", "usage", "heartbeat",
    # The process guard's: processes left when claude exited, and a failure of the guard itself.
    "session_cleanup", "guard_error",
    # A file in the sandbox outbox that was not a record the gate or a shim posts.
    "audit_outbox_invalid",
    # A hook whose decision server claimed the call but never answered: the call denied, not decided twice.
    "decision_stalled",
    # The spool's own events: repairs after a torn write, and space alerts.
    "audit_spool_repaired", "audit_spool_high_water", "audit_spool_full", "audit_spool_retired",
})

# Fields the spool owns; callers cannot set them (a forged seq or hash would defeat the chain).
RESERVED_FIELDS = frozenset({"schema", "event_id", "ts", "seq", "prev_hash", "hash", "version", "_aws"})

# Common fields always present (null when unknown) so every consumer can rely on the same shape.
COMMON_FIELDS = ("session_id", "tool_use_id", "decision", "rule_id", "reason", "command")


class Head(NamedTuple):
    """Where a spool's chain ends: the next event gets `seq + 1` and `prev_hash = hash`."""

    seq: int = 0
    hash: str = GENESIS_HASH


class Draft(NamedTuple):
    """An event's redacted content, prepared outside the spool lock; sealed under it."""

    body: dict[str, Any]


def rfc3339_ms(epoch_seconds: float) -> str:
    """`2025-01-02T03:04:05.678Z`: RFC 3339, UTC, millisecond precision."""
    millis = int(epoch_seconds * 1000)
    seconds, ms = divmod(millis, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{ms:03d}Z"


def parse_ts_ms(ts: str) -> int:
    """Epoch milliseconds of an RFC 3339 UTC timestamp as written by `rfc3339_ms`."""
    import calendar  # local: only readers and the shipper need it

    main, _, frac = ts.rstrip("Z").partition(".")
    seconds = calendar.timegm(time.strptime(main, "%Y-%m-%dT%H:%M:%S"))
    return seconds * 1000 + int((frac + "000")[:3] if frac else 0)


def canonical(event: Mapping[str, Any]) -> str:
    """The exact text hashed: sorted keys, no spaces, UTF-8 (not \\u escapes)."""
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def event_hash(event: Mapping[str, Any]) -> str:
    """sha256 hex of the canonical form of `event` without its `hash` field."""
    body = {k: v for k, v in event.items() if k != "hash"}
    return hashlib.sha256(canonical(body).encode("utf-8")).hexdigest()


def metrics_for(event_type: str, body: Mapping[str, Any]) -> dict[str, int | float]:
    """CloudWatch metrics this event contributes (Embedded Metric Format), by name → value."""
    metrics: dict[str, int | float] = {}
    if event_type == "session_start":
        metrics["Sessions"] = 1
    elif event_type == "tool_decision":
        metrics["ToolDecisions"] = 1
        if body.get("decision") == "deny":
            metrics["Denials"] = 1
    elif event_type == "exec_blocked":
        metrics["Denials"] = 1
        metrics["ExecBlocked"] = 1
    elif event_type == "process_killed":
        metrics["ProcessesKilled"] = 1
    elif event_type == "policy_violation":
        metrics["PolicyViolations"] = 1
    elif event_type == "launch_refused":
        metrics["LaunchRefusals"] = 1
    elif event_type == "usage":
        for source, name in (("input_tokens", "InputTokens"), ("output_tokens", "OutputTokens"),
                             ("cache_read_tokens", "CacheReadTokens"), ("cache_write_tokens", "CacheWriteTokens"),
                             ("cost_usd", "CostUSD")):
            value = body.get(source)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                metrics[name] = value
    elif event_type.startswith("audit_spool_"):
        metrics["AuditSpoolAlerts"] = 1
    return metrics


def _emf(event_type: str, body: Mapping[str, Any], epoch_ms: int) -> dict[str, Any] | None:
    metrics = metrics_for(event_type, body)
    if not metrics:
        return None
    units = {"CostUSD": "None"}
    return {
        "_aws": {
            "Timestamp": epoch_ms,
            "CloudWatchMetrics": [{
                "Namespace": METRIC_NAMESPACE,
                "Dimensions": [["Profile", "Model"]] if event_type == "usage" else [["Profile"], []],
                "Metrics": [{"Name": name, "Unit": units.get(name, "Count")} for name in metrics],
            }],
        },
        "Profile": body.get("profile") or "unknown",
        **({"Model": body.get("model") or "unknown"} if event_type == "usage" else {}),
        **metrics,
    }


def seal(draft: Draft, *, head: Head, event_id: str, epoch_seconds: float) -> tuple[dict[str, Any], str]:
    """Complete `draft` into the versioned event chained onto `head`; returns (event, spool line)."""
    epoch_ms = int(epoch_seconds * 1000)
    event: dict[str, Any] = {
        "schema": SCHEMA,
        "event_id": event_id,
        "ts": rfc3339_ms(epoch_seconds),
        "seq": head.seq + 1,
        "version": __version__,
        "prev_hash": head.hash,
        **draft.body,
    }
    emf = _emf(event["type"], event, epoch_ms)
    if emf:
        event.update(emf)
    text = canonical(event)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    event["hash"] = digest
    # The line is the canonical text plus the hash as the last key: one serialisation per event.
    line = f'{text[:-1]},"hash":"{digest}"}}\n'
    return event, line
