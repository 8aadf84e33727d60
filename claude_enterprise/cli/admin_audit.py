"""`claude-enterprise admin audit`: the compliance report (claude_enterprise.admin.compliance).

    claude-enterprise admin audit --config FILE [--since 30d] [--until TIME] [--format md|json|csv]
                                  [--out FILE] [--source local|cloudwatch] [--spool-dir DIR]

With a CloudWatch sink configured (audit_region) the report covers the fleet: its counts come from the stored
Logs Insights queries (`admin/insights/*.query`, the dashboard's), each host's chain re-verified from the log
group; without one, the same report over the local trail of this machine.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from claude_enterprise.constants import Exit as exitcodes


def _local_events(spool: Path) -> tuple[list[dict[str, Any]], dict[str, str]]:
    from claude_enterprise.audit.reader import verify
    from claude_enterprise.audit.spool import iter_lines

    events = []
    for _, _, _, raw in iter_lines(spool):
        try:
            event = json.loads(raw)
        except ValueError:
            continue
        if isinstance(event, dict):
            events.append(event)
    result = verify(spool)
    status = "intact" if result.ok else f"BROKEN: {result.first_break.describe() if result.first_break else ''}"
    hosts = {str(e.get("host")) for e in events if e.get("host")}
    return events, dict.fromkeys(hosts, status)


def _cloudwatch_tamper(client: Any, log_group: str) -> dict[str, str]:
    """Each host's tamper evidence: its streams' hash chains re-verified from CloudWatch Logs (a host shipping
    to several streams is as good as its worst one)."""
    from claude_enterprise.audit.remote import stream_events, stream_names, verify_stream

    tamper: dict[str, str] = {}
    for stream in stream_names(client, log_group, None):
        messages = stream_events(client, log_group, stream)
        result = verify_stream(stream, messages)
        status = "intact" if result.ok else f"BROKEN: {result.first_break.describe() if result.first_break else ''}"
        for _, message in messages:
            try:
                event = json.loads(message)
            except ValueError:
                continue
            host = event.get("host") if isinstance(event, dict) else None
            if host and not tamper.get(str(host), "").startswith("BROKEN"):
                tamper[str(host)] = status
    return tamper


def _fleet_report(log_group: str, region: str, endpoint_url: str | None, since_ms: int | None,
                  until_ms: int | None, now_ms: int, wait_s: float, label: str) -> Any:
    """The report from the stored Logs Insights queries (CloudWatch counts), plus each host's chain status."""
    from claude_enterprise.admin.fleet_report import QUERIES, from_insights
    from claude_enterprise.admin.insights_run import run_query
    from claude_enterprise.admin.monitoring import insights_query
    from claude_enterprise.audit.shipper import logs_client

    client = logs_client(region, endpoint_url)
    # Insights takes whole seconds: round the end up, or the events of the current second (the ones just
    # shipped) fall outside the period.
    start_s, end_s = (since_ms or 0) // 1000, -(-(until_ms or now_ms) // 1000)
    results = {name: run_query(client, name, insights_query(name), log_group, start_s, end_s, wait_s=wait_s,
                               whole=True) for name in QUERIES}
    return from_insights(results, since_ms=since_ms, until_ms=until_ms, now_ms=now_ms, source=label,
                         tamper=_cloudwatch_tamper(client, log_group))


def audit(
    config: Annotated[Path, typer.Option("--config", help="The enterprise-config.json.")],
    since: Annotated[str | None, typer.Option("--since", help="From 30d, 12h ago or a UTC time.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Up to 2h ago or a UTC time (default now).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="md, json or csv.")] = "md",
    out: Annotated[Path | None, typer.Option("--out", help="Write the report here (default stdout).")] = None,
    source: Annotated[str | None, typer.Option("--source", help="local or cloudwatch (default: cloudwatch when "
                                                                "audit_region is configured).")] = None,
    spool_dir: Annotated[Path | None, typer.Option("--spool-dir", help="Local trail (default: user state).")] = None,
    endpoint_url: Annotated[str | None, typer.Option("--endpoint-url", help="CloudWatch Logs endpoint URL.")] = None,
    query_wait: Annotated[float, typer.Option("--query-wait", help="Seconds to wait for each Logs Insights "
                                                                   "query.")] = 300.0,
) -> None:
    """The compliance report: users, sessions, decisions, violations, hosts, tamper evidence, controls."""
    from claude_enterprise.admin.compliance import build, render
    from claude_enterprise.cli.audit_cmd import _since_ms
    from claude_enterprise.config import ConfigError, parse_config, read_json

    if fmt not in ("md", "json", "csv"):
        raise typer.BadParameter(f"{fmt!r}: use md, json or csv", param_hint="--format")
    try:
        settings = parse_config(read_json(config), str(config), managed=False)
    except ConfigError as exc:
        typer.echo(f"claude-enterprise admin: {exc}", err=True)
        raise typer.Exit(exitcodes.CONFIG_ERROR) from None
    since_ms, until_ms, now_ms = _since_ms(since), _since_ms(until), int(time.time() * 1000)
    where = source or ("cloudwatch" if settings.audit_region else "local")
    if where not in ("local", "cloudwatch"):
        raise typer.BadParameter(f"{where!r}: use local or cloudwatch", param_hint="--source")
    if where == "cloudwatch":
        region = settings.audit_region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        if not region:
            typer.echo("claude-enterprise admin: --source cloudwatch needs audit_region or AWS_REGION", err=True)
            raise typer.Exit(exitcodes.USAGE)
        from claude_enterprise.admin.insights_run import InsightsError

        label = f"CloudWatch Logs Insights over {settings.audit_log_group} ({region})"
        try:
            report = _fleet_report(settings.audit_log_group, region, endpoint_url or settings.audit_endpoint_url,
                                   since_ms, until_ms, now_ms, query_wait, label)
        except InsightsError as exc:
            typer.echo(f"claude-enterprise admin: {exc}", err=True)
            raise typer.Exit(exitcodes.NON_COMPLIANT) from None
        except Exception as exc:  # botocore: access denied, no such group, unreachable
            typer.echo(f"claude-enterprise admin: cannot query {settings.audit_log_group}: {exc}", err=True)
            raise typer.Exit(exitcodes.NON_COMPLIANT) from None
    else:
        from claude_enterprise.audit import default_spool_dir

        spool = spool_dir or default_spool_dir()
        events, tamper = _local_events(spool)
        report = build(events, since_ms=since_ms, until_ms=until_ms, now_ms=now_ms,
                       source=f"local trail {spool}", tamper=tamper)
    text = render(report, fmt)
    if out:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out}: {report.events} event(s), {len(report.hosts)} host(s)", err=True)
    else:
        typer.echo(text, nl=False)
