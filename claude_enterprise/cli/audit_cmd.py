"""`claude-enterprise audit`: list and filter the local trail, verify its hash chain, ship it now.

    claude-enterprise audit [list] [--type T]... [--session ID] [--decision deny] [--since 2h]
                            [--limit N] [--json]
    claude-enterprise audit verify [--json]          exit 1 when the chain is broken
    claude-enterprise audit verify --remote [--region R] [--log-group G] [--stream user/host]
                                                     every host's chain as shipped to CloudWatch Logs
    claude-enterprise audit status [--json]          depth, oldest unshipped event, size
    claude-enterprise audit ship --region R [--log-group G] [--endpoint-url URL]
                                                     exit 1 when something could not be shipped
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from claude_enterprise.audit import default_spool_dir, spool_status
from claude_enterprise.audit.events import parse_ts_ms
from claude_enterprise.audit.reader import Filter, select, verify
from claude_enterprise.cli.runner import new_app
from claude_enterprise.constants import ENV_AUDIT_LOG_GROUP
from claude_enterprise.constants import Exit as exitcodes

app = new_app(name="audit", help="The local audit trail: list, verify, ship.", no_args_is_help=False)

SpoolDir = Annotated[Path | None, typer.Option("--spool-dir", help="Spool dir (default: user state dir).")]
Types = Annotated[list[str] | None, typer.Option("--type", help="Only this event type (repeatable).")]
Session = Annotated[str | None, typer.Option("--session", help="Only this session id.")]
Decision = Annotated[str | None, typer.Option("--decision", help="Only this decision (allow, deny).")]
Since = Annotated[str | None, typer.Option("--since", help="Only events newer than 2h, 7d or a UTC time.")]
Limit = Annotated[int | None, typer.Option("--limit", min=1, help="Only the most recent N.")]
AsJson = Annotated[bool, typer.Option("--json", help="JSON output.")]
_RELATIVE = re.compile(r"^(\d+)\s*([smhd])$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _since_ms(value: str | None) -> int | None:
    """`--since`: a duration back from now (`90s`, `15m`, `2h`, `7d`) or an RFC 3339 UTC timestamp."""
    if not value:
        return None
    match = _RELATIVE.match(value.strip())
    if match:
        return int((time.time() - int(match.group(1)) * _UNIT_S[match.group(2)]) * 1000)
    text = value.strip()
    if "T" not in text:
        text += "T00:00:00"
    try:
        return parse_ts_ms(text if text.endswith("Z") else text + "Z")
    except ValueError:
        raise typer.BadParameter(f"{value!r}: use a duration like 2h/30m/7d or a UTC time like "
                                 "2025-01-31T12:00:00Z", param_hint="--since") from None


def sink_config(command: str, region: str | None) -> tuple[Any, str]:
    """The enterprise config and the CloudWatch Region to use (flag > config's audit_region > AWS_REGION /
    AWS_DEFAULT_REGION); a bad config is exit 2, no Region a usage error, each one line naming `command`."""
    from claude_enterprise.config import ConfigError, load_config

    try:
        cfg = load_config(os.environ)
    except ConfigError as exc:
        typer.echo(f"{command}: {exc}", err=True)
        raise typer.Exit(exitcodes.CONFIG_ERROR) from None
    region = region or cfg.audit_region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if not region:
        typer.echo(f"{command}: no AWS region: pass --region, set audit_region in enterprise-config.json "
                   "or set AWS_REGION", err=True)
        raise typer.Exit(exitcodes.USAGE)
    return cfg, str(region)


def _short(value: object, width: int) -> str:
    text = "" if value is None else str(value).replace("\n", " ")
    return text if len(text) <= width else text[:width - 1] + "…"


def _table(events: list[dict[str, Any]]) -> str:
    columns = [("TIME", 24), ("SEQ", 6), ("TYPE", 16), ("PROFILE", 10), ("DECISION", 8), ("RULE", 22),
               ("SESSION", 10), ("DETAIL", 60)]
    lines = ["  ".join(name.ljust(width) for name, width in columns).rstrip()]
    for event in events:
        detail = event.get("command") or event.get("reason") or ""
        cells = [event.get("ts"), event.get("seq"), event.get("type"), event.get("profile"),
                 event.get("decision"), event.get("rule_id"), _short(event.get("session_id"), 10), detail]
        row = (_short(cell, width).ljust(width) for cell, (_, width) in zip(cells, columns, strict=True))
        lines.append("  ".join(row).rstrip())
    return "\n".join(lines)


def _list(spool_dir: Path | None, types: list[str] | None, session: str | None, decision: str | None,
          since: str | None, limit: int | None, as_json: bool) -> None:
    directory = spool_dir or default_spool_dir()
    selection = Filter(types=frozenset(types or ()), session=session, decision=decision,
                       since_ms=_since_ms(since))
    events = select(directory, selection, limit)
    if as_json:
        for event in events:
            typer.echo(json.dumps(event, ensure_ascii=False))
    elif events:
        typer.echo(_table(events))
    else:
        typer.echo(f"no matching audit events in {directory}", err=True)


@app.callback(invoke_without_command=True, epilog="Example: claude-enterprise audit --decision deny --since 2h")
def _trail(ctx: typer.Context, spool_dir: SpoolDir = None, types: Types = None, session: Session = None,
         decision: Decision = None, since: Since = None, limit: Limit = None,
         as_json: AsJson = False) -> None:
    """List the local trail (the default when no sub-command is given)."""
    ctx.obj = spool_dir
    if ctx.invoked_subcommand is None:
        _list(spool_dir, types, session, decision, since, limit, as_json)


@app.command("list", epilog="Example: claude-enterprise audit list --type tool_decision --limit 20 --json")
def list_events(ctx: typer.Context, spool_dir: SpoolDir = None, types: Types = None, session: Session = None,
                decision: Decision = None, since: Since = None, limit: Limit = None,
                as_json: AsJson = False) -> None:
    """List and filter the local trail, as a table or JSON lines."""
    _list(spool_dir or ctx.obj, types, session, decision, since, limit, as_json)


@app.command("verify", epilog="Example (cron or a CI gate): claude-enterprise audit verify || alert")
def verify_cmd(
    ctx: typer.Context,
    spool_dir: SpoolDir = None,
    as_json: AsJson = False,
    remote: Annotated[bool, typer.Option(
        "--remote", help="Verify every host's chain as shipped to CloudWatch Logs (the authoritative copy).")] = False,
    log_group: Annotated[str | None, typer.Option(
        "--log-group", envvar=ENV_AUDIT_LOG_GROUP, help="CloudWatch log group (--remote).")] = None,
    region: Annotated[str | None, typer.Option("--region", help="AWS region (--remote; or AWS_REGION).")] = None,
    endpoint_url: Annotated[str | None, typer.Option("--endpoint-url", help="Logs endpoint URL.")] = None,
    stream: Annotated[str | None, typer.Option(
        "--stream", help="Only streams starting with this (`user/host`) (--remote).")] = None,
) -> None:
    """Check the hash chain; report the first broken link (exit 1). With --remote, every host's chain in
    CloudWatch Logs."""
    if remote:
        from claude_enterprise.cli.audit_remote import verify_remote_cmd

        verify_remote_cmd(log_group=log_group, region=region, endpoint_url=endpoint_url, stream=stream,
                          as_json=as_json)
        return
    directory = spool_dir or ctx.obj or default_spool_dir()
    report = verify(directory)
    if as_json:
        typer.echo(json.dumps(report.as_dict()))
    else:
        for warning in report.warnings:
            typer.echo(f"warning: {warning}", err=True)
        if report.ok:
            span = f"seq {report.first_seq}..{report.last_seq}" if report.checked else "empty trail"
            typer.echo(f"audit chain intact: {report.checked} event(s), {span} in {directory}")
        else:
            assert report.first_break is not None
            typer.echo(f"audit chain BROKEN after {report.checked} valid event(s): "
                       f"{report.first_break.describe()} in {directory}", err=True)
    if not report.ok:
        raise typer.Exit(exitcodes.NON_COMPLIANT)


@app.command("status", epilog="Example: claude-enterprise audit status --json")
def status_cmd(ctx: typer.Context, spool_dir: SpoolDir = None, as_json: AsJson = False) -> None:
    """Spool depth, oldest unshipped event, size and writability."""
    status = spool_status(spool_dir or ctx.obj)
    if as_json:
        typer.echo(json.dumps(status.as_dict()))
        return
    typer.echo(f"spool {status.directory}: {status.depth} event(s) not shipped"
               + (f" (oldest {status.oldest_unshipped_ts})" if status.oldest_unshipped_ts else "")
               + f"; {status.bytes} of {status.max_bytes} bytes in {status.segments} segment(s)"
               + ("" if status.writable else "; NOT WRITABLE") + ("; FULL" if status.full else "")
               + ("; last write torn (will be quarantined)" if status.torn_tail else ""))


@app.command("ship", epilog="Example: claude-enterprise audit ship --region us-east-1")
def ship_cmd(
    ctx: typer.Context,
    spool_dir: SpoolDir = None,
    log_group: Annotated[str | None, typer.Option(
        "--log-group", envvar=ENV_AUDIT_LOG_GROUP, help="CloudWatch log group.")] = None,
    region: Annotated[str | None, typer.Option("--region", help="AWS region (or AWS_REGION).")] = None,
    endpoint_url: Annotated[str | None, typer.Option("--endpoint-url", help="Logs endpoint URL.")] = None,
    stream_name: Annotated[str | None, typer.Option("--stream-name", help="Log stream.")] = None,
    retention_days: Annotated[int | None, typer.Option(
        "--retention-days", min=1, help="Retention set when the group is created.")] = None,
    kms_key_id: Annotated[str | None, typer.Option(
        "--kms-key-id", help="KMS key set when the group is created.")] = None,
    deadline: Annotated[float | None, typer.Option("--deadline", min=0.1, help="Stop after N s.")] = None,
    as_json: AsJson = False,
) -> None:
    """Ship unshipped events to CloudWatch Logs now (cron/launchd, or after a crashed session).

    Flags win over enterprise-config.json's audit_* keys, which win over the environment."""
    from claude_enterprise.audit.shipper import ship

    cfg, region = sink_config("audit ship", region)
    directory = spool_dir or ctx.obj or default_spool_dir()
    report = ship(directory, log_group=log_group or cfg.audit_log_group, region=region,
                  endpoint_url=endpoint_url or cfg.audit_endpoint_url,
                  retention_days=retention_days or cfg.audit_retention_days,
                  kms_key_id=kms_key_id or cfg.audit_kms_key_id, stream_name=stream_name, deadline=deadline)
    if as_json:
        typer.echo(json.dumps(report.as_dict()))
    else:
        typer.echo(f"audit ship: {report.summary()}", err=not report.ok)
    if not report.ok:
        raise typer.Exit(exitcodes.NON_COMPLIANT)


def main(args: list[str]) -> int:
    """`claude-enterprise audit ...` → the exit code the command chose (verify's 1 on a broken chain, ship's on a
    failed upload: dropping it would tell a cron job or CI gate that all is well)."""
    from .runner import run_app

    return run_app(app, args, "claude-enterprise audit")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
