"""`claude-enterprise [--security-profile NAME] --check-policy [--json]`: is this machine compliant, and under
which profile, and why. Any other argument is a usage error (exit 2): a typo must not report on the default.

Exit 0 compliant (warnings allowed), 1 a check failed or the request is refused, 2 configuration error.
Each check is a small function returning a `Check`; the report is the list of them plus what the profile
applies (environment variables and the Claude Code settings layer).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any

import typer

from claude_enterprise import paths
from claude_enterprise.checks import FAIL, PASS, WARN, Check
from claude_enterprise.cli.runner import new_app
from claude_enterprise.config import ConfigError
from claude_enterprise.constants import Exit as exitcodes
from claude_enterprise.launch.settings import managed_settings_findings, our_hooks
from claude_enterprise.profiles import ProfileError
from claude_enterprise.resolve import RefusedError, Resolution, resolve


def check_config(res: Resolution) -> Check:
    cfg = res.config
    if cfg.source is None:
        return Check("config", PASS, "embedded default: no enterprise-config.json installed")
    if cfg.managed:
        return Check("config", PASS, f"managed configuration {cfg.source}")
    return Check("config", WARN, f"{cfg.source} from CLAUDE_ENTERPRISE_CONFIG: not admin-managed")


def check_token(res: Resolution) -> Check:
    ident = res.identity
    if ident.status == "valid":
        who = ident.user.get("email") or ident.user.get("sub") or "unknown user"
        return Check("token", PASS, f"valid ID token for {who} from {ident.source}")
    if ident.status == "expired":
        return Check("token", WARN, f"ID token from {ident.source} expired ({ident.reason}); sign in again")
    if ident.status == "invalid":
        return Check("token", FAIL, f"ID token from {ident.source} failed verification: {ident.reason}")
    detail = "no ID token found; the ceiling comes from the configuration"
    if ident.reason:
        detail += f" ({ident.reason})"
    return Check("token", WARN if res.config.identity_issuer else PASS, detail)


def check_principal_tag_map(res: Resolution) -> list[Check]:
    from claude_enterprise.resolve import refresh_tag_map

    result = refresh_tag_map(res.config)
    if result is None:
        return []
    if result.refreshed:
        mapping = ", ".join(f"{tag}<-{claim}" for tag, claim in sorted((result.mapping or {}).items()))
        return [Check("principal_tag_map", PASS, f"refreshed from the identity pool: {mapping or 'empty'}")]
    return [Check("principal_tag_map", WARN, result.reason or "not refreshed")]


def check_claude(env: Mapping[str, str]) -> Check:
    from claude_enterprise.launch.claude_bin import ClaudeNotFound, claude_version, find_claude

    try:
        claude = find_claude(env)
    except ClaudeNotFound as exc:
        return Check("claude", FAIL, str(exc))
    if os.geteuid() == 0 and not paths.is_admin_owned(claude):
        # MDM runs this check as root (Jamf extension attributes, the pkg's postinstall): executing a claude
        # a user can replace (npm's global prefix, /opt/homebrew) would run the user's code as root.
        return Check("claude", WARN, f"{claude} found, not run: as root only an administrator-owned claude is "
                                     "executed (a user could replace this one); run the check as the user")
    version = claude_version(claude, paths.state_dir() / "claude-version.json")
    if version is None:
        return Check("claude", FAIL, f"{claude} did not answer --version")
    return Check("claude", PASS, f"{claude} version {version}")


def program_problems(data: Any) -> list[str]:
    """What is wrong with the hook and gate executables the managed settings name: a missing hook command
    lets every call through (hooks fail open), a missing gate breaks every Bash call, and either one a user
    can write can be swapped for a no-op."""
    if not isinstance(data, Mapping):
        return []
    wanted = [program for _, program in our_hooks(data)]
    env = data.get("env")
    prefix = str(env.get("CLAUDE_CODE_SHELL_PREFIX", "")) if isinstance(env, Mapping) else ""
    if prefix:
        wanted.append(prefix)
    problems = []
    for program in wanted:
        if not (os.path.isabs(program) and os.path.isfile(program) and os.access(program, os.X_OK)):
            problems.append(f"{program} is not an executable file named by an absolute path")
        elif not paths.is_admin_owned(Path(program)):
            # Compliant settings naming a hook the user can rewrite would let them swap it for a no-op.
            problems.append(f"{program} is writable by non-administrators (a user could replace it)")
    return problems


def check_managed_settings() -> Check:
    path = paths.claude_managed_settings_file()
    if not path.is_file():
        return Check("managed_settings", WARN, f"{path} absent: a user could start claude without the wrapper")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return Check("managed_settings", FAIL, f"{path}: unreadable or not JSON ({exc})")
    problems = managed_settings_findings(data) + program_problems(data)
    if not paths.is_admin_owned(path):
        problems.append("the file is writable by non-administrators")
    if problems:
        return Check("managed_settings", FAIL, f"{path}: " + "; ".join(problems))
    return Check("managed_settings", PASS, f"{path} routes claude through the hook and the exec gate")


def check_bedrock_region(res: Resolution, env: Mapping[str, str]) -> Check:
    from claude_enterprise.launch.environment import truthy

    if not truthy(env.get("CLAUDE_CODE_USE_BEDROCK")):
        return Check("bedrock_region", PASS, "Bedrock not in use (CLAUDE_CODE_USE_BEDROCK unset)")
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
    allowed = res.config.allowed_bedrock_regions
    if not allowed:
        return Check("bedrock_region", WARN, f"Bedrock in {region or 'no region'}: no allowed_bedrock_regions set")
    if region in allowed:
        return Check("bedrock_region", PASS, f"Bedrock in {region}, allowed ({', '.join(allowed)})")
    return Check("bedrock_region", FAIL, f"Bedrock in {region or 'no AWS_REGION'}; allowed: {', '.join(allowed)}")


def check_audit(res: Resolution) -> list[Check]:
    """Spool health, backlog and, when CloudWatch is configured, whether the sink answers."""
    from claude_enterprise.audit import spool_status
    from claude_enterprise.audit.checks import audit_checks

    cfg = res.config
    try:
        status = spool_status()
    except Exception as exc:  # a broken spool is a finding, not a crash
        return [Check("audit.spool", FAIL, f"audit spool unusable: {exc}")]
    found = audit_checks(status, log_group=cfg.audit_log_group if cfg.cloudwatch_enabled else None,
                         region=cfg.audit_region, endpoint_url=cfg.audit_endpoint_url)
    return [Check(c["name"], c["status"], c["detail"]) for c in found]


def _sandbox_block(res: Resolution, env: Mapping[str, str]) -> dict[str, Any] | None:
    """The sandbox settings a wrapper session of this profile would apply here (session paths as placeholders)."""
    from claude_enterprise.enforce.decider import claude_config_dir
    from claude_enterprise.launch.sandbox import ProductPaths, denied_executables, sandbox_settings

    state = str(paths.state_dir())
    product = ProductPaths(state_dir=state, session_dir=f"{state}/sessions/<session>", outbox_dir="<outbox>",
                           config_dirs=(str(paths.user_config_dir()), str(paths.managed_dir()),
                                        claude_config_dir(env)))
    home = env.get("HOME") or os.path.expanduser("~")
    return sandbox_settings(res.profile, home=home, project=os.getcwd(), product=product,
                            executables=denied_executables(res.profile, env.get("PATH")))


def check_sandbox(res: Resolution, env: Mapping[str, str]) -> Check:
    """Claude Code's OS sandbox: available here, in force for the profile, and a failure when an enforcing
    profile needs it (the launcher would refuse to start)."""
    from claude_enterprise.launch.sandbox import availability, describe

    profile = res.profile
    block = _sandbox_block(res, env)
    if block is None:
        return Check("sandbox", PASS, describe(profile, None))
    found = availability(env.get("PATH"))
    if found.ok:
        return Check("sandbox", PASS, f"available: {found.detail}; {describe(profile, block)}")
    if profile.sandbox.required:
        return Check("sandbox", FAIL, f"profile {profile.name!r} requires the OS sandbox: {found.detail}")
    return Check("sandbox", WARN, f"unavailable, commands would run unsandboxed: {found.detail}")


def applied_controls(res: Resolution) -> dict[str, Any]:
    """The variables and settings layer a wrapper session of this profile applies."""
    from claude_enterprise.launch import environment, settings

    profile = res.profile
    otel = environment.otel_attributes(dict(res.identity.user), res.attribution(), profile.name)
    merged_otel = environment.merge_otel_attributes(os.environ.get("OTEL_RESOURCE_ATTRIBUTES"), otel)
    env = {**dict(profile.env), "CLAUDE_CODE_MAX_OUTPUT_TOKENS": str(profile.max_output_tokens)}
    script = shutil.which("claude-enterprise") or "claude-enterprise"
    # A wrapper session adds its decision server's hook and exec gate (paths inside the session directory).
    layer = settings.build_settings(
        profile,
        hook_argv=[script, "hook"],
        env=environment.reasserted_env(profile, {}, merged_otel),
        fragment={"env": {settings.SHELL_PREFIX: "<session>/gate"}},
        sandbox=_sandbox_block(res, os.environ),
    )
    return {"env": env, "settings": layer}


def run_checks(res: Resolution, env: Mapping[str, str]) -> list[Check]:
    checks: list[Callable[[], Check | list[Check]]] = [
        lambda: Check("profile", PASS, f"{res.profile.name}: {res.source}"),
        lambda: check_config(res),
        lambda: check_token(res),
        lambda: check_principal_tag_map(res),
        lambda: check_claude(env),
        lambda: check_sandbox(res, env),
        check_managed_settings,
        lambda: check_bedrock_region(res, env),
        lambda: check_audit(res),
    ]
    out: list[Check] = []
    for make in checks:
        result = make()
        out.extend(result if isinstance(result, list) else [result])
    return out


def _print_text(report: dict[str, Any]) -> None:
    marks = {PASS: "ok  ", WARN: "warn", FAIL: "FAIL"}
    print(f"profile: {report['profile']}  ({report['source']})")
    print(f"ceiling: {report['ceiling']}  ({report['ceiling_source']})")
    for check in report["checks"]:
        print(f"[{marks[check['status']]}] {check['name']}: {check['detail']}")
    if "applied" in report:
        print("environment:")
        for key, value in sorted(report["applied"]["env"].items()):
            print(f"  {key}={value}")
        print("claude code settings layer:")
        print("  " + json.dumps(report["applied"]["settings"], indent=2, sort_keys=True).replace("\n", "\n  "))
    print("compliant" if report["compliant"] else "NOT compliant")


def _record(res: Resolution | None, report: dict[str, Any]) -> None:
    from claude_enterprise.audit import AuditContext, AuditWriteError, record

    ctx = res.audit_context(None) if res is not None else AuditContext(profile=report.get("profile"))
    failed = [c["name"] for c in report["checks"] if c["status"] == FAIL]
    # An unwritable trail is already a failed audit_sink check in the report itself.
    with contextlib.suppress(AuditWriteError):
        record("check_policy", ctx, decision="compliant" if report["compliant"] else "non_compliant",
               reason=", ".join(failed) or "all checks passed", source=report.get("source"))


def check_policy_main(requested: str | None, *, as_json: bool, env: Mapping[str, str] | None = None) -> int:
    env = os.environ if env is None else env
    try:
        res = resolve(requested, env)
    except (ProfileError, ConfigError) as exc:
        if as_json:
            print(json.dumps({"profile": None, "source": None, "compliant": False,
                              "checks": [{"name": "config", "status": FAIL, "detail": str(exc)}]}))
        print(f"claude-enterprise: {exc}", file=sys.stderr)
        return exitcodes.CONFIG_ERROR
    except RefusedError as exc:
        report = {"profile": exc.requested, "source": "refused", "compliant": False,
                  "checks": [{"name": "profile", "status": FAIL, "detail": str(exc)}]}
        _record(None, report)
        print(json.dumps(report) if as_json else f"claude-enterprise: {exc}",
              file=sys.stdout if as_json else sys.stderr)
        return exitcodes.REFUSED
    checks = run_checks(res, env)
    compliant = all(c.status != FAIL for c in checks)
    report = {
        "profile": res.profile.name,
        "source": res.source,
        "ceiling": res.ceiling.name,
        "ceiling_source": res.ceiling_source,
        "compliant": compliant,
        "checks": [c._asdict() for c in checks],
        "warnings": list(res.warnings),
        "identity": {"status": res.identity.status, "source": res.identity.source, "reason": res.identity.reason,
                     "user": dict(res.identity.user), "tags": dict(res.identity.tags)},
        "config": {"source": res.config.source, "managed": res.config.managed},
        "applied": applied_controls(res),
    }
    _record(res, report)
    if as_json:
        print(json.dumps(report, indent=2, sort_keys=True))
    else:
        _print_text(report)
    return exitcodes.COMPLIANT if compliant else exitcodes.NON_COMPLIANT


app = new_app(name="--check-policy")


@app.command(epilog="Example (a CI gate): claude-enterprise --security-profile restricted --check-policy --json")
def _check_policy(
    security_profile: Annotated[str | None, typer.Option("--security-profile", metavar="NAME",
                                                         help="Check this profile instead of the resolved one "
                                                              "(env CLAUDE_ENTERPRISE_PROFILE).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> int:
    """The resolved profile and why, what it applies, and compliance checks: exit 0 compliant, 1 not."""
    return check_policy_main(security_profile, as_json=as_json)


def main(args: list[str]) -> int:
    """`claude-enterprise --check-policy ...` (the flag itself removed from `args`) → exit code."""
    from .runner import run_app

    return run_app(app, args, "claude-enterprise --check-policy")
