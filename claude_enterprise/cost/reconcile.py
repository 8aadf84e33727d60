"""Reconciliation: the ledger's estimate against Cost Explorer's figures for the same month, per model family.

Claude on Bedrock is billed as AWS Marketplace products named like "Claude Sonnet 4.5 (Amazon Bedrock Edition)";
Cost Explorer is asked for the month's Marketplace spend grouped by service, and the Claude services are matched to
the ledger's models by family (`claude-sonnet-4-5`). The invoice is authoritative; the drift shows how far the
estimate is off (list prices, the local trail's coverage, credits and discounts).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from claude_enterprise.cost.pricing import normalise

MARKETPLACE = "AWS Marketplace"
_EDITION = re.compile(r"\s*\(amazon bedrock edition\)\s*$", re.IGNORECASE)


def month_period(month: str) -> dict[str, str]:
    year, mon = (int(p) for p in month.split("-"))
    nyear, nmon = (year + 1, 1) if mon == 12 else (year, mon + 1)
    return {"Start": f"{year:04d}-{mon:02d}-01", "End": f"{nyear:04d}-{nmon:02d}-01"}


def service_family(service: str) -> str | None:
    """"Claude Sonnet 4.5 (Amazon Bedrock Edition)" → "claude-sonnet-4-5"; None for a non-Claude service."""
    if "claude" not in service.lower():
        return None
    name = _EDITION.sub("", service).strip().lower()
    return re.sub(r"[^a-z0-9]+", "-", name).strip("-")


def actual_by_family(ce: Any, month: str) -> dict[str, float]:
    """The month's unblended Claude Marketplace cost from Cost Explorer, by model family (all pages)."""
    found: dict[str, float] = {}
    kwargs: dict[str, Any] = {
        "TimePeriod": month_period(month), "Granularity": "MONTHLY", "Metrics": ["UnblendedCost"],
        "Filter": {"Dimensions": {"Key": "BILLING_ENTITY", "Values": [MARKETPLACE]}},
        "GroupBy": [{"Type": "DIMENSION", "Key": "SERVICE"}],
    }
    while True:
        page = ce.get_cost_and_usage(**kwargs)
        for period in page.get("ResultsByTime", []):
            for group in period.get("Groups", []):
                family = service_family(str((group.get("Keys") or [""])[0]))
                if family is None:
                    continue
                amount = float(group.get("Metrics", {}).get("UnblendedCost", {}).get("Amount", 0) or 0)
                found[family] = found.get(family, 0.0) + amount
        token = page.get("NextPageToken")
        if not token:
            return found
        kwargs["NextPageToken"] = token


def estimate_by_family(events: Iterable[Mapping[str, Any]]) -> tuple[dict[str, float], list[str]]:
    estimate: dict[str, float] = {}
    unpriced: set[str] = set()
    for event in events:
        model = str(event.get("model") or "")
        cost = event.get("cost_usd")
        family = normalise(model).family
        if isinstance(cost, (int, float)) and not isinstance(cost, bool):
            estimate[family] = estimate.get(family, 0.0) + cost
        else:
            unpriced.add(model)
    return estimate, sorted(unpriced)


def _drift(estimate: float, actual: float) -> dict[str, Any]:
    return {"estimate_usd": round(estimate, 6), "actual_usd": round(actual, 6),
            "drift_usd": round(estimate - actual, 6),
            "drift_pct": round((estimate - actual) / actual * 100, 2) if actual else None}


def reconcile(events: Iterable[Mapping[str, Any]], actual: Mapping[str, float]) -> dict[str, Any]:
    estimate, unpriced = estimate_by_family(events)
    rows = [{"family": f, **_drift(estimate.get(f, 0.0), actual.get(f, 0.0))}
            for f in sorted(set(estimate) | set(actual))]
    return {"rows": rows, "total": _drift(sum(estimate.values()), sum(actual.values())),
            "unpriced_models": unpriced}


def cost_explorer() -> Any:
    """A Cost Explorer client (its API lives in us-east-1); AWS_ENDPOINT_URL redirects it, e.g. to moto."""
    import os

    import boto3

    session = boto3.session.Session(region_name="us-east-1")
    return session.client("ce", endpoint_url=os.environ.get("AWS_ENDPOINT_URL") or None)
