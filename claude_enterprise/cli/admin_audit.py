"""`claude-enterprise admin audit`: the compliance report (claude_enterprise.admin.compliance).

    claude-enterprise admin audit --config FILE [--since 30d] [--until TIME] [--format md|json|csv]
                                  [--out FILE] [--source local|cloudwatch] [--spool-dir DIR]

With a CloudWatch sink configured (audit_region) the report covers the fleet: every stream of the audit log
group, each host's chain re-verified; without one, the local trail of this machine.
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


def _cloudwatch_events(log_group: str, region: str, endpoint_url: str | None
                       ) -> tuple[list[dict[str, Any]], dict[str, str]]:
    from claude_enterprise.audit.remote import _events, _streams, verify_stream
    from claude_enterprise.audit.shipper import logs_client

    client = logs_client(region, endpoint_url)
    events: list[dict[str, Any]] = []
    tamper: dict[str, str] = {}
    for stream in _streams(client, log_group, None):
        messages = _events(client, log_group, stream)
        result = verify_stream(stream, messages)
        status = "intact" if result.ok else f"BROKEN: {result.first_break.describe() if result.first_break else ''}"
        hosts = set()
        for _, message in messages:
            try:
                event = json.loads(message)
            except ValueError:
                continue
            if isinstance(event, dict):
                events.append(event)
                if event.get("host"):
                    hosts.add(str(event["host"]))
        for host in hosts:  # a host shipping to several streams is as good as its worst one
            if not tamper.get(host, "").startswith("BROKEN"):
                tamper[host] = status
    return events, tamper


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
    where = source or ("cloudwatch" if settings.audit_region else "local")
    if where not in ("local", "cloudwatch"):
        raise typer.BadParameter(f"{where!r}: use local or cloudwatch", param_hint="--source")
    if where == "cloudwatch":
        region = settings.audit_region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        if not region:
            typer.echo("claude-enterprise admin: --source cloudwatch needs audit_region or AWS_REGION", err=True)
            raise typer.Exit(exitcodes.USAGE)
        try:
            events, tamper = _cloudwatch_events(settings.audit_log_group, region,
                                                endpoint_url or settings.audit_endpoint_url)
        except Exception as exc:  # botocore: access denied, no such group, unreachable
            typer.echo(f"claude-enterprise admin: cannot read {settings.audit_log_group}: {exc}", err=True)
            raise typer.Exit(exitcodes.NON_COMPLIANT) from None
        label = f"CloudWatch Logs {settings.audit_log_group} ({region})"
    else:
        from claude_enterprise.audit import default_spool_dir

        spool = spool_dir or default_spool_dir()
        events, tamper = _local_events(spool)
        label = f"local trail {spool}"
    report = build(events, since_ms=_since_ms(since), until_ms=_since_ms(until), now_ms=int(time.time() * 1000),
                   source=label, tamper=tamper)
    text = render(report, fmt)
    if out:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out}: {report.events} event(s), {len(report.hosts)} host(s)", err=True)
    else:
        typer.echo(text, nl=False)
