"""`claude-enterprise admin chargeback --month YYYY-MM [--by ...] [--format md|csv|json]`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from claude_enterprise import exitcodes
from claude_enterprise.cost.chargeback import GROUPS


def chargeback(
    month: Annotated[str, typer.Option("--month", help="The calendar month (UTC), YYYY-MM.")],
    by: Annotated[str, typer.Option("--by", help=f"Group by: {' | '.join(GROUPS)}.")] = "user",
    fmt: Annotated[str, typer.Option("--format", help="md | csv | json")] = "md",
    spool_dir: Annotated[Path | None, typer.Option("--spool-dir", help="The local trail to read "
                                                   "(default: this machine's audit spool).")] = None,
    reconcile: Annotated[bool, typer.Option("--reconcile", help="Compare the estimate with Cost Explorer's "
                                            "Claude Marketplace spend of the month (CSV: the comparison only).")]
    = False,
) -> None:
    """Usage and estimated cost of a month, one row per group, with model-usage and regional sections.

    Reads the local audit trail; each usage event is counted once by event_id. With --reconcile, the estimate is
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
    directory = spool_dir or default_spool_dir()
    if not directory.is_dir():
        _usage(f"no local audit trail at {directory}")
    data = report(local_events(directory), month, by)
    if reconcile:
        data["reconciliation"] = _reconciliation(directory, month)
    typer.echo(render(data, fmt))


def _reconciliation(directory: Path, month: str) -> dict[str, object]:
    from botocore.exceptions import BotoCoreError, ClientError

    from claude_enterprise.cost.chargeback import local_events, month_usage
    from claude_enterprise.cost.reconcile import actual_by_family, cost_explorer, reconcile

    try:
        actual = actual_by_family(cost_explorer(), month)
    except (BotoCoreError, ClientError) as exc:
        _usage(f"Cost Explorer: {exc}")
    return reconcile(month_usage(local_events(directory), month), actual)


def _usage(message: str) -> None:
    typer.echo(f"claude-enterprise admin chargeback: {message}", err=True)
    raise typer.Exit(exitcodes.USAGE)
