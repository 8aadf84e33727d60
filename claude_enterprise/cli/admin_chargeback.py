"""`claude-enterprise admin chargeback --month YYYY-MM [--by ...] [--format md|csv|json]`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from claude_enterprise.constants import Exit as exitcodes
from claude_enterprise.cost.chargeback import GROUPS


def chargeback(
    month: Annotated[str, typer.Option("--month", help="The calendar month (UTC), YYYY-MM.")],
    by: Annotated[str, typer.Option("--by", help=f"Group by: {' | '.join(GROUPS)}.")] = "user",
    fmt: Annotated[str, typer.Option("--format", help="md | csv | json")] = "md",
    spool_dir: Annotated[Path | None, typer.Option("--spool-dir", help="The local trail to read "
                                                   "(default: this machine's audit spool).")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="enterprise-config.json: with an audit Region, "
                                                "the fleet's trail is read from CloudWatch Logs Insights.")] = None,
    reconcile: Annotated[bool, typer.Option("--reconcile", help="Compare the estimate with Cost Explorer's "
                                            "Claude Marketplace spend of the month (CSV: the comparison only).")]
    = False,
) -> None:
    """Usage and estimated cost of a month, one row per group, with model-usage and regional sections.

    Reads the fleet's trail from CloudWatch Logs Insights when --config names an audit Region, else the local
    audit trail; each usage event is counted once by event_id. With --reconcile, the estimate is
    compared per model family with Cost Explorer (AWS credentials with ce:GetCostAndUsage).

    Example: claude-enterprise admin chargeback --month 2026-11 --by team --format csv
    """
    from claude_enterprise.audit import default_spool_dir
    from claude_enterprise.cost.chargeback import local_events, render, report

    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        _usage(f"--month {month!r} must be YYYY-MM")
    if by not in GROUPS:
        _usage(f"--by {by!r} must be one of {', '.join(GROUPS)}")
    if fmt not in ("md", "csv", "json"):
        _usage(f"--format {fmt!r} must be md, csv or json")
    fleet = _fleet_source(config) if config is not None and spool_dir is None else None
    if fleet is not None:
        events = _fleet_events(*fleet, month)
        source = f"CloudWatch Logs {fleet[1]} ({fleet[2]})"
    else:
        directory = spool_dir or default_spool_dir()
        if not directory.is_dir():
            _usage(f"no local audit trail at {directory}")
        events = list(local_events(directory))
        source = f"local trail {directory}"
    data = report(events, month, by)
    data["source"] = source
    if reconcile:
        data["reconciliation"] = _reconciliation(events, month)
    typer.echo(render(data, fmt))


def _fleet_source(config: Path) -> tuple[str, str, str | None] | None:
    """(region, log group, endpoint) when the config ships the trail to CloudWatch; None: read the local trail."""
    from claude_enterprise.config import ConfigError, parse_config, read_json

    try:
        settings = parse_config(read_json(config), str(config), managed=False)
    except ConfigError as exc:
        _usage(str(exc))
    if not settings.cloudwatch_enabled:
        return None
    return str(settings.audit_region), settings.audit_log_group, settings.audit_endpoint_url


def _fleet_events(region: str, group: str, endpoint: str | None, month: str) -> list[dict[str, object]]:
    from botocore.exceptions import BotoCoreError, ClientError

    from claude_enterprise.admin.insights_run import InsightsError
    from claude_enterprise.cost.fleet import fleet_events, logs_client

    try:
        return list(fleet_events(logs_client(region, endpoint), group, month))
    except (BotoCoreError, ClientError, InsightsError) as exc:
        _usage(f"Logs Insights: {exc}")


def _reconciliation(events: list[dict[str, object]], month: str) -> dict[str, object]:
    from botocore.exceptions import BotoCoreError, ClientError

    from claude_enterprise.cost.chargeback import month_usage
    from claude_enterprise.cost.reconcile import actual_by_family, cost_explorer, reconcile

    try:
        actual = actual_by_family(cost_explorer(), month)
    except (BotoCoreError, ClientError) as exc:
        _usage(f"Cost Explorer: {exc}")
    return reconcile(month_usage(events, month), actual)


def _usage(message: str) -> NoReturn:
    typer.echo(f"claude-enterprise admin chargeback: {message}", err=True)
    raise typer.Exit(exitcodes.USAGE)
