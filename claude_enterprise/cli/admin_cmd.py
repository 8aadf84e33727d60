"""`claude-enterprise admin`: the administrator's side (the guide's `ccwb enterprise ...`).

    claude-enterprise admin configure --config FILE [--non-interactive] [--security-profile NAME] [flags...]
    claude-enterprise admin render --config FILE --out DIR
    claude-enterprise admin deploy-policies --config FILE [--dry-run] [--yes] [--json]
    claude-enterprise admin status --config FILE [--json]

Exit codes: 0 done (healthy), 1 a deploy that failed or was declined, an unhealthy status; 2 usage or
configuration error (including AWS credentials, Region and endpoint).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from claude_enterprise.cli.runner import new_app
from claude_enterprise.constants import Exit as exitcodes

app = new_app(name="admin", help="Configure and deploy the AWS side (the guide's `ccwb enterprise`).",
              no_args_is_help=True, epilog="Example: claude-enterprise admin status --config enterprise-config.json")


@app.callback()
def _group() -> None:
    """Configure and deploy the AWS side (the guide's `ccwb enterprise configure | deploy-policies | status`)."""


ConfigFile = Annotated[Path, typer.Option("--config", help="The enterprise-config.json to write or read.")]


def _catalog() -> dict[str, Any]:
    """The bundled profiles plus the administrator's `profiles.d/` (when the managed dir is trusted)."""
    from claude_enterprise import paths
    from claude_enterprise.config import managed_dir_trusted
    from claude_enterprise.profiles import load_catalog

    managed = managed_dir_trusted()
    return load_catalog(paths.bundled_policies_dir() / "profiles", managed / "profiles.d" if managed else None)


def _catalog_names() -> list[str]:
    return sorted(_catalog())


def _load(config: Path) -> Any:
    """The config file through the runtime's own parser, and the profile catalogue; exit 2 on either error."""
    from claude_enterprise.config import ConfigError, parse_config, read_json
    from claude_enterprise.profiles import ProfileError

    try:
        return parse_config(read_json(config), str(config), managed=False), _catalog()
    except (ConfigError, ProfileError) as exc:
        _fail(str(exc))


def _fail(message: str) -> None:
    typer.echo(f"claude-enterprise admin: {message}", err=True)
    raise typer.Exit(exitcodes.CONFIG_ERROR)


@app.command(epilog="Example: claude-enterprise admin configure --config enterprise-config.json")
def configure(
    config: ConfigFile,
    non_interactive: Annotated[bool, typer.Option("--non-interactive", help="Ask nothing: flags and the current "
                                                  "file only.")] = False,
    security_profile: Annotated[str | None, typer.Option("--security-profile", help="Default profile (the ceiling "
                                                         "when no session tag names one).")] = None,
    cost_tracking: Annotated[bool | None, typer.Option("--cost-tracking/--no-cost-tracking",
                                                       help="Budgets and cost tracking.")] = None,
    budget_amount: Annotated[str | None, typer.Option("--budget-amount", help="Monthly budget, USD.")] = None,
    budget_email: Annotated[str | None, typer.Option("--budget-email", help="Alert e-mails, comma-separated.")] = None,
    attribute_mapping: Annotated[bool | None, typer.Option("--user-attribute-mapping/--no-user-attribute-mapping",
                                                           help="Session tags from ID-token claims.")] = None,
    attribute_map: Annotated[str | None, typer.Option("--attribute-map", help="TAG=CLAIM pairs, comma-separated "
                                                      "(implies --user-attribute-mapping).")] = None,
    identity_pool_id: Annotated[str | None, typer.Option("--identity-pool-id", help="Existing Cognito identity "
                                                         "pool id.")] = None,
    identity_provider: Annotated[str | None, typer.Option("--identity-provider-name",
                                                          help="The pool's identity provider name.")] = None,
    bedrock_role_arn: Annotated[str | None, typer.Option("--bedrock-role-arn",
                                                         help="Existing Bedrock role ARN.")] = None,
    allowed_regions: Annotated[str | None, typer.Option("--allowed-regions", help="Allowed Bedrock Regions, "
                                                        "comma-separated.")] = None,
    alarm_period: Annotated[str | None, typer.Option("--alarm-period", help="Spike alarms' period: seconds, or "
                                                     "5m, 1h.")] = None,
    alarm_violations: Annotated[str | None, typer.Option("--alarm-violations", help="Policy violations per "
                                                         "period that raise an alarm.")] = None,
    alarm_failed_auth: Annotated[str | None, typer.Option("--alarm-failed-auth", help="Failed token "
                                                          "verifications per period that raise an alarm.")] = None,
    alarm_regions: Annotated[str | None, typer.Option("--alarm-region-attempts", help="Disallowed-Region "
                                                      "launches per period that raise an alarm.")] = None,
    expected_hosts: Annotated[str | None, typer.Option("--expected-hosts", help="Hosts expected to report "
                                                       "(silent-fleet alarm).")] = None,
    silent_period: Annotated[str | None, typer.Option("--silent-period", help="Silent-fleet period: seconds, "
                                                      "or 5m, 1h.")] = None,
    cost_band: Annotated[str | None, typer.Option("--cost-anomaly-band", help="Cost anomaly band, standard "
                                                  "deviations.")] = None,
) -> None:
    """Write enterprise-config.json, each answer validated as typed, the file checked by the runtime's parser.

    Example: claude-enterprise admin configure --config enterprise-config.json --non-interactive
    --security-profile restricted --cost-tracking --budget-amount 5000 --budget-email finops@example.com
    """
    from claude_enterprise.admin import configure as cfg
    from claude_enterprise.config import ConfigError

    if attribute_map is not None and attribute_mapping is None:
        attribute_mapping = True
    flags: dict[str, tuple[str, Any]] = {
        "security_profile": ("--security-profile", security_profile),
        "cost_tracking_enabled": ("--cost-tracking", None if cost_tracking is None else cfg.shown(cost_tracking)),
        "budget_amount": ("--budget-amount", budget_amount),
        "budget_email": ("--budget-email", budget_email),
        "user_attribute_mapping_enabled": ("--user-attribute-mapping",
                                           None if attribute_mapping is None else cfg.shown(attribute_mapping)),
        "user_attribute_mapping": ("--attribute-map", attribute_map),
        "existing_identity_pool_id": ("--identity-pool-id", identity_pool_id),
        "identity_provider_name": ("--identity-provider-name", identity_provider),
        "existing_bedrock_role_arn": ("--bedrock-role-arn", bedrock_role_arn),
        "allowed_bedrock_regions": ("--allowed-regions", allowed_regions),
        "alarm_period_s": ("--alarm-period", alarm_period),
        "alarm_violation_threshold": ("--alarm-violations", alarm_violations),
        "alarm_failed_auth_threshold": ("--alarm-failed-auth", alarm_failed_auth),
        "alarm_region_threshold": ("--alarm-region-attempts", alarm_regions),
        "alarm_expected_hosts": ("--expected-hosts", expected_hosts),
        "alarm_silent_period_s": ("--silent-period", silent_period),
        "alarm_cost_band": ("--cost-anomaly-band", cost_band),
    }
    # Any alarm flag answers the "adjust the fleet alarms?" question.
    tuned = any(flags[key][1] is not None for key in flags if key.startswith("alarm_"))
    flags[cfg.TUNE_ALARMS] = ("--alarm-*", "yes" if tuned else None)
    try:
        existing = cfg.read_existing(config)
        names = _catalog_names()
    except (ConfigError, ValueError) as exc:
        _fail(str(exc))
    answers: dict[str, Any] = {}
    for question in cfg.questions(names):
        flag, given = flags[question.key]
        if not question.ask_if({**existing, **answers}):
            continue
        if given is not None:
            try:
                answers[question.key] = question.parse(given)
            except ValueError as exc:
                _fail(f"{flag}: {exc}")
        elif not non_interactive:
            answers[question.key] = _ask(question, cfg.shown(existing.get(question.key)) or question.default)
    try:
        data = cfg.finish(existing, answers, config)
    except ConfigError as exc:
        _fail(f"{exc}; nothing was written")
    cfg.write(config, data)
    typer.echo(f"wrote {config}")


@app.command(epilog="Example: claude-enterprise admin render --config enterprise-config.json --out build/")
def render(
    config: ConfigFile,
    out: Annotated[Path, typer.Option("--out", help="Directory for the templates (created).")],
) -> None:
    """Write the CloudFormation template for review, GitOps and linting.

    Example: claude-enterprise admin render --config enterprise-config.json --out cfn/
    """
    from claude_enterprise.admin.templates import render_json, stack_name

    settings, catalog = _load(config)
    try:
        body, name = render_json(settings, catalog), stack_name(settings)
    except ValueError as exc:
        _fail(f"{config}: {exc}")
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{name}.json"
    target.write_text(body, encoding="utf-8")
    typer.echo(f"wrote {target}")


def _region(settings: Any) -> str:
    """Where the stack lives: the config's audit Region (the log group is in the stack), else the identity
    Region, else AWS_REGION / AWS_DEFAULT_REGION."""
    import os

    region = (settings.audit_region or settings.identity_region or os.environ.get("AWS_REGION")
              or os.environ.get("AWS_DEFAULT_REGION"))
    if not region:
        _fail("no AWS Region: set audit_region in the config, or AWS_REGION")
    return str(region)


def _aws_error(exc: Exception) -> None:
    """Credentials, endpoint and permission problems: one line each, exit 2 (configuration)."""
    _fail(f"AWS: {exc}")


def _prepared(config: Path) -> tuple[Any, Any, str, str, str]:
    """(clients, config, stack name, template body, config digest) for a config file, or exit 2."""
    from claude_enterprise.admin.aws import clients
    from claude_enterprise.admin.templates import config_digest, render_json, stack_name

    settings, catalog = _load(config)
    try:
        body, name = render_json(settings, catalog), stack_name(settings)
    except ValueError as exc:
        _fail(f"{config}: {exc}")
    return clients(_region(settings)), settings, name, body, config_digest(settings)


AsJson = Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")]


@app.command("deploy-policies",
             epilog="Example: claude-enterprise admin deploy-policies --config enterprise-config.json --dry-run")
def deploy_policies(
    config: ConfigFile,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the plan; change nothing, leave nothing.")] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Deploy without asking.")] = False,
    as_json: AsJson = False,
) -> None:
    """Create or update stack claude-code-enterprise-<profile> through a change set.

    Example: claude-enterprise admin deploy-policies --config enterprise-config.json --dry-run
    """
    import json

    from botocore.exceptions import BotoCoreError, ClientError

    from claude_enterprise.admin.deploy import deploy, format_plan, plan

    aws, _, name, body, _ = _prepared(config)

    def progress(line: str) -> None:
        typer.echo(line, err=True)

    try:
        if dry_run or not yes:
            planned = plan(aws.cloudformation, name, body, progress=progress)
            if as_json and dry_run:
                typer.echo(json.dumps(_result_json(name, planned)))
            else:
                typer.echo(format_plan(planned))
            if dry_run or planned.status == "no_changes":
                return
            if not _confirm(f"Deploy these changes to stack {name}?"):
                typer.echo("not deployed", err=True)
                raise typer.Exit(exitcodes.REFUSED)
        result = deploy(aws.cloudformation, name, body, progress=progress)
    except (BotoCoreError, ClientError) as exc:
        _aws_error(exc)
    if as_json:
        typer.echo(json.dumps(_result_json(name, result)))
    elif result.status == "no_changes":
        typer.echo(f"stack {name}: no changes")
    elif result.status == "failed":
        typer.echo(f"stack {name}: deploy failed and was rolled back: {result.failure}", err=True)
    else:
        typer.echo(f"stack {name}: {result.status}")
    if result.status == "failed":
        raise typer.Exit(exitcodes.REFUSED)


def _result_json(name: str, result: Any) -> dict[str, Any]:
    return {"stack": name, "status": result.status, "failure": result.failure, "api_calls": result.api_calls,
            "changes": [{"logical_id": c.logical_id, "type": c.resource_type, "action": c.action,
                         "replacement": c.replacement,
                         "details": [d._asdict() for d in c.details]} for c in result.changes]}


def _confirm(question: str) -> bool:
    try:
        return bool(typer.confirm(question, default=False))
    except typer.Abort:
        _fail("no answer to the confirmation; add --yes to deploy without asking")
        return False


@app.command(epilog="Example: claude-enterprise admin status --config enterprise-config.json --json")
def status(config: ConfigFile, as_json: AsJson = False) -> None:
    """Is the deployment healthy: base deployment, stack and drift, policies attached, principal tags, audit log
    group, and the deployed config against the local one. Exit 0 healthy, 1 not, 2 configuration error.

    Example: claude-enterprise admin status --config enterprise-config.json --json
    """
    import json

    from botocore.exceptions import BotoCoreError, ClientError

    from claude_enterprise.admin.status import status_checks

    aws, settings, name, _, digest = _prepared(config)
    try:
        checks = status_checks(aws, settings, name, digest)
    except (BotoCoreError, ClientError) as exc:
        _aws_error(exc)
    healthy = not any(c.status == "fail" for c in checks)
    if as_json:
        typer.echo(json.dumps({"stack": name, "healthy": healthy, "checks": [c._asdict() for c in checks]}))
    else:
        marks = {"pass": "ok  ", "warn": "warn", "fail": "FAIL"}
        for check in checks:
            typer.echo(f"[{marks.get(check.status, check.status)}] {check.name}: {check.detail}")
        typer.echo(f"{name}: {'healthy' if healthy else 'NOT healthy'}")
    if not healthy:
        raise typer.Exit(exitcodes.REFUSED)


# Commands kept in modules of their own (the compliance report, chargeback, the MDM bundle), registered here.
from claude_enterprise.cli.admin_audit import audit as _audit  # noqa: E402
from claude_enterprise.cli.admin_chargeback import chargeback as _chargeback  # noqa: E402
from claude_enterprise.cli.admin_package import package as _package  # noqa: E402

app.command("audit", epilog="Example: claude-enterprise admin audit --config config.json --since 30d")(_audit)
app.command("chargeback", epilog="Example: claude-enterprise admin chargeback --month 2025-01 --by team")(_chargeback)
app.command("package", epilog="Example: claude-enterprise admin package --config config.json --out bundle/")(_package)


def _ask(question: Any, default: str) -> Any:
    """Prompt until the answer parses; end of input is a usage error, never a half-written file."""
    while True:
        try:
            text = typer.prompt(question.prompt, default=default or None, show_default=bool(default))
        except typer.Abort:
            _fail(f"no answer for {question.key}; nothing was written")
        try:
            return question.parse(str(text))
        except ValueError as exc:
            typer.echo(f"  {exc}", err=True)


def main(args: list[str]) -> int:
    """`claude-enterprise admin ...` → exit code; every usage error is one line and exit 2."""
    from .runner import run_app

    return run_app(app, args, "claude-enterprise admin")
