"""`claude-enterprise audit verify --remote`: the command side of `claude_enterprise.audit.remote`."""

from __future__ import annotations

import json

import typer

from claude_enterprise.constants import Exit as exitcodes


def verify_remote_cmd(*, log_group: str | None, region: str | None, endpoint_url: str | None,
                      stream: str | None, as_json: bool) -> None:
    """Exit 0 when every stream's chain holds, 1 (non-compliant) when one does not or none can be read."""
    from claude_enterprise.audit.remote import verify_remote
    from claude_enterprise.audit.shipper import DEFAULT_LOG_GROUP
    from claude_enterprise.cli.audit_cmd import sink_config

    cfg, region = sink_config("audit verify --remote", region)
    group = log_group or cfg.audit_log_group or DEFAULT_LOG_GROUP
    report = verify_remote(log_group=group, region=region, endpoint_url=endpoint_url or cfg.audit_endpoint_url,
                           stream_prefix=stream)
    if as_json:
        typer.echo(json.dumps(report.as_dict()))
    else:
        if report.error:
            typer.echo(f"audit verify --remote: cannot read {group}: {report.error}", err=True)
        for result in report.streams:
            for warning in result.warnings:
                typer.echo(f"warning: stream {result.stream}: {warning}", err=True)
            if result.ok:
                span = f"seq {result.first_seq}..{result.last_seq}" if result.checked else "empty"
                dup = f", {result.duplicates} duplicate(s) of delivered events" if result.duplicates else ""
                typer.echo(f"{result.stream}: chain intact: {result.checked} event(s), {span}{dup}")
            else:
                assert result.first_break is not None
                typer.echo(f"{result.stream}: chain BROKEN after {result.checked} valid event(s): "
                           f"{result.first_break.describe()}", err=True)
        broken = sum(not s.ok for s in report.streams)
        if not report.error:
            typer.echo(f"{len(report.streams)} stream(s) in {group}: {broken} broken",
                       err=bool(broken))
    if not report.ok:
        raise typer.Exit(exitcodes.NON_COMPLIANT)
    if not report.streams:
        typer.echo(f"audit verify --remote: no streams in {group}", err=True)
        raise typer.Exit(exitcodes.NON_COMPLIANT)
