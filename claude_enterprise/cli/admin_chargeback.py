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
) -> None:
    """Usage and estimated cost of a month, one row per group, with model-usage and regional sections.

    Reads the local audit trail; each usage event is counted once by event_id.

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
    typer.echo(render(report(local_events(directory), month, by), fmt))


def _usage(message: str) -> None:
    typer.echo(f"claude-enterprise admin chargeback: {message}", err=True)
    raise typer.Exit(exitcodes.USAGE)
