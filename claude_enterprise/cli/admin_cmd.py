"""`claude-enterprise admin`: the administrator's side (the guide's `ccwb enterprise ...`).

    claude-enterprise admin configure --config FILE [--non-interactive] [--security-profile NAME] [flags...]
    claude-enterprise admin render --config FILE --out DIR

Exit codes: 0 done, 2 usage or configuration error.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from claude_enterprise import exitcodes

app = typer.Typer(name="admin", help="Configure and deploy the AWS side (the guide's `ccwb enterprise`).",
                  add_completion=False, no_args_is_help=True)



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


@app.command()
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
    bedrock_role_arn: Annotated[str | None, typer.Option("--bedrock-role-arn",
                                                         help="Existing Bedrock role ARN.")] = None,
    allowed_regions: Annotated[str | None, typer.Option("--allowed-regions", help="Allowed Bedrock Regions, "
                                                        "comma-separated.")] = None,
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
        "existing_bedrock_role_arn": ("--bedrock-role-arn", bedrock_role_arn),
        "allowed_bedrock_regions": ("--allowed-regions", allowed_regions),
    }
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
            answers[question.key] = _ask(question, cfg.shown(existing.get(question.key)))
    try:
        data = cfg.finish(existing, answers, config)
    except ConfigError as exc:
        _fail(f"{exc}; nothing was written")
    cfg.write(config, data)
    typer.echo(f"wrote {config}")


@app.command()
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
    """Run the typer app; every usage error is one line and exit 2, never a traceback."""
    try:
        # Without standalone mode click returns the code of a typer.Exit instead of raising it.
        result = app(args=args, prog_name="claude-enterprise admin", standalone_mode=False)
    except SystemExit as exc:
        return int(exc.code or 0)
    except Exception as exc:
        describe = getattr(exc, "format_message", None)
        message = describe() if callable(describe) else str(exc)
        print(f"claude-enterprise admin: {message}", file=sys.stderr)
        return exitcodes.USAGE
    return result if isinstance(result, int) else exitcodes.OK
