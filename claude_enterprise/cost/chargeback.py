"""Chargeback: the month's `usage` events grouped by user, team, department, cost center, profile, model or
Region, each event counted once (by `event_id`, so a trail read twice or re-shipped never double-counts)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

GROUPS = ("user", "team", "department", "cost_center", "profile", "model", "region")
COLUMNS = ("sessions", "users", "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens",
           "cost_usd")
UNKNOWN = "(unknown)"


def user_of(event: Mapping[str, Any]) -> str:
    user = event.get("user")
    if not isinstance(user, dict):
        return UNKNOWN
    return str(user.get("email") or user.get("sub") or user.get("identity_id") or UNKNOWN)


def group_of(event: Mapping[str, Any], by: str) -> str:
    if by == "user":
        return user_of(event)
    if by in ("team", "department", "cost_center"):
        tags = event.get("tags")
        return str(tags.get(by) or UNKNOWN) if isinstance(tags, dict) else UNKNOWN
    return str(event.get(by) or UNKNOWN)


@dataclass
class Group:
    sessions: set[str] = field(default_factory=set)
    users: set[str] = field(default_factory=set)
    tokens: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COLUMNS[2:6], 0))
    cost_usd: float = 0.0
    unpriced_models: set[str] = field(default_factory=set)

    def add(self, event: Mapping[str, Any]) -> None:
        self.sessions.add(str(event.get("session_id")))
        self.users.add(user_of(event))
        for key in self.tokens:
            value = event.get(key)
            if isinstance(value, int) and not isinstance(value, bool):
                self.tokens[key] += value
        cost = event.get("cost_usd")
        if isinstance(cost, (int, float)) and not isinstance(cost, bool):
            self.cost_usd += cost
        else:
            self.unpriced_models.add(str(event.get("model") or UNKNOWN))

    def row(self, key: str, value: str) -> dict[str, Any]:
        return {key: value, "sessions": len(self.sessions), "users": len(self.users), **self.tokens,
                "cost_usd": round(self.cost_usd, 6), "unpriced_models": sorted(self.unpriced_models)}


def month_usage(events: Iterable[Mapping[str, Any]], month: str) -> list[Mapping[str, Any]]:
    """The month's (YYYY-MM, UTC) usage events, each `event_id` once."""
    seen: set[str] = set()
    chosen = []
    for event in events:
        if event.get("type") != "usage" or not str(event.get("ts", "")).startswith(month):
            continue
        event_id = str(event.get("event_id"))
        if event_id in seen:
            continue
        seen.add(event_id)
        chosen.append(event)
    return chosen


def grouped(events: Iterable[Mapping[str, Any]], by: str) -> list[dict[str, Any]]:
    groups: dict[str, Group] = {}
    for event in events:
        groups.setdefault(group_of(event, by), Group()).add(event)
    rows = [g.row(by, k) for k, g in groups.items()]
    return sorted(rows, key=lambda r: (-r["cost_usd"], str(r[by])))


def report(events: Iterable[Mapping[str, Any]], month: str, by: str) -> dict[str, Any]:
    chosen = month_usage(events, month)
    return {"month": month, "by": by, "rows": grouped(chosen, by), "models": grouped(chosen, "model"),
            "regions": grouped(chosen, "region"), "events": len(chosen)}


def local_events(spool_dir: Path) -> Iterable[dict[str, Any]]:
    """Every parseable event of the local trail."""
    from claude_enterprise.audit.spool import iter_lines

    for _, _, _, raw in iter_lines(spool_dir):
        try:
            event = json.loads(raw)
        except ValueError:
            continue
        if isinstance(event, dict):
            yield event


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(value)
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def _table(rows: list[dict[str, Any]], key: str) -> list[str]:
    cols = (key, *COLUMNS, "unpriced_models")
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(_cell(r[c]) for c in cols) + " |" for r in rows]
    return lines


RECONCILE_COLUMNS = ("family", "estimate_usd", "actual_usd", "drift_usd", "drift_pct")


def _reconciliation(data: Mapping[str, Any]) -> list[str]:
    rec = data["reconciliation"]
    lines = ["", "## Reconciliation with Cost Explorer", "",
             "| " + " | ".join(RECONCILE_COLUMNS) + " |", "|" + "---|" * len(RECONCILE_COLUMNS)]
    for row in [*rec["rows"], {"family": "**total**", **rec["total"]}]:
        cells = ["n/a" if row[c] is None else f"{row[c]:+.1f} %" if c == "drift_pct" else _cell(row[c])
                 for c in RECONCILE_COLUMNS]
        lines.append("| " + " | ".join(cells) + " |")
    if rec["unpriced_models"]:
        lines += ["", f"Not in the estimate (no price): {', '.join(rec['unpriced_models'])}"]
    return lines


def render(data: Mapping[str, Any], fmt: str) -> str:
    by = data["by"]
    if fmt == "json":
        return json.dumps(data, indent=2)
    if fmt == "csv" and "reconciliation" in data:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(RECONCILE_COLUMNS)
        rec = data["reconciliation"]
        for row in [*rec["rows"], {"family": "total", **rec["total"]}]:
            writer.writerow(["" if row[c] is None else row[c] for c in RECONCILE_COLUMNS])
        return out.getvalue().rstrip("\n")
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        cols = (by, *COLUMNS, "unpriced_models")
        writer.writerow(cols)
        for row in data["rows"]:
            writer.writerow([_cell(row[c]) if c == "unpriced_models" else row[c] for c in cols])
        return out.getvalue().rstrip("\n")
    lines = [f"# Claude Code chargeback {data['month']} by {by}", "",
             "Estimated from the usage ledger (list prices or the administrator's pricing file); the AWS "
             "invoice is authoritative.", *([f"Source: {data['source']}."] if data.get("source") else []), ""]
    lines += _table(data["rows"], by)
    lines += ["", "## Model usage", "", *_table(data["models"], "model")]
    lines += ["", "## Regional distribution", "", *_table(data["regions"], "region")]
    if "reconciliation" in data:
        lines += _reconciliation(data)
    return "\n".join(lines)
