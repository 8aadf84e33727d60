"""The launch face of `claude-enterprise`: resolve, apply the command-line policy, find claude, run it.

Exit codes (DESIGN.md §3): 1 refusal, 2 usage or configuration error, 127 no claude, else claude's code.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from claude_enterprise import log
from claude_enterprise.constants import Exit as exitcodes

from . import argv as argv_policy
from . import environment, settings
from .claude_bin import ClaudeNotFound, find_claude
from .refusal import Refusal
from .settings_sources import load_user_settings

if TYPE_CHECKING:
    from claude_enterprise.audit import AuditContext

USAGE = """usage: claude-enterprise [--security-profile NAME] [--check-policy [--json]] [CLAUDE ARGS...]

Runs Claude Code under your security profile. Options claude-enterprise does not own go to claude;
`--` ends ours (claude-enterprise -- --help shows claude's help).
  --security-profile NAME   ask for a profile no wider than your ceiling (env CLAUDE_ENTERPRISE_PROFILE)
  --check-policy [--json]   show the resolved profile, why, and compliance checks
  hook                      Claude Code's PreToolUse hook handler (used by the generated settings)
"""


_USAGE_RULES = ("launch.unknown_option", "launch.usage")


def _error(message: str) -> None:
    print(f"claude-enterprise: {message}", file=sys.stderr)


def _refused(rule_id: str, message: str, ctx: AuditContext | None, profile: str | None,
             args: Sequence[str]) -> int:
    """One clear line, one audit event, exit 1. An unwritable trail does not turn a refusal into a start."""
    import shlex

    _error(message)
    try:
        from claude_enterprise.audit import AuditContext, AuditWriteError, record

        try:
            # Arguments need not be UTF-8 (the shell passes bytes); the trail records them escaped.
            reason, command = (text.encode("utf-8", "backslashreplace").decode("utf-8")
                               for text in (message, shlex.join(args)))
            record("launch_refused", ctx or AuditContext(profile=profile), decision="deny", rule_id=rule_id,
                   reason=reason, command=command)
        except AuditWriteError as exc:
            _error(f"warning: the refusal was not audited: {exc}")
    except ImportError as exc:  # a broken installation must still refuse
        _error(f"warning: the refusal was not audited: {exc}")
    return exitcodes.REFUSED


def _user_layer(values: Sequence[str], profile: Any,
                ours_env: Mapping[str, str]) -> tuple[dict[str, Any], list[tuple[str, Any]]] | str:
    """The user's --settings merged together and each one as read (where, data), or the one-line reason
    to refuse them."""
    layer: dict[str, Any] = {}
    loaded: list[tuple[str, Any]] = []
    for value in values:
        try:
            data = load_user_settings(value)
        except ValueError as exc:
            return str(exc)
        where = "(inline JSON)" if value.lstrip().startswith("{") else value
        refusal = settings.vet_user_settings(data, profile, {"env": ours_env}, where)
        if refusal is not None:
            return refusal.message
        layer = settings.merge(layer, data)
        loaded.append((f"--settings {where}", data))
    return layer, loaded


def launch_main(argv: Sequence[str], env: Mapping[str, str] | None = None) -> int:
    """`claude-enterprise [our options] [claude args]` → exit code."""
    env = os.environ if env is None else env
    try:
        ours = argv_policy.split_our_options(argv)
    except argv_policy.UsageError as exc:
        _error(str(exc))
        return exitcodes.USAGE
    if ours.help:
        print(USAGE, end="")
        return exitcodes.OK
    if ours.version:
        from claude_enterprise import __version__

        print(f"claude-enterprise {__version__}")
        return exitcodes.OK
    if ours.check_policy:
        _error("--check-policy is served by the claude-enterprise entry point, not the launcher")
        return exitcodes.USAGE
    try:
        level = log.level_from_env(env)
    except ValueError as exc:
        _error(str(exc))
        return exitcodes.CONFIG_ERROR
    if level != log.DEFAULT_LEVEL:
        log.configure(level)

    from claude_enterprise.config import ConfigError
    from claude_enterprise.profiles import ProfileError
    from claude_enterprise.resolve import RefusedError, resolve

    try:
        resolution = resolve(ours.security_profile, env)
    except (ProfileError, ConfigError) as exc:
        _error(str(exc))
        return exitcodes.CONFIG_ERROR
    except RefusedError as exc:
        return _refused("launch.profile_wider_than_ceiling", str(exc), None, exc.requested, ours.claude_args)
    for warning in resolution.warnings:
        _error(f"warning: {warning}")
    profile = resolution.profile
    ctx = resolution.audit_context(None)
    if level == "debug":
        log.get_logger("claude_enterprise.launch").debug(
            "profile resolved", profile=profile.name, source=resolution.source,
            identity=resolution.identity.status, claude_args=list(ours.claude_args))

    vetted = argv_policy.vet_claude_args(ours.claude_args, profile)
    if isinstance(vetted, Refusal):
        refused = _refused(vetted.rule_id, vetted.message, ctx, profile.name, ours.claude_args)
        # An option claude does not have, or one missing its value, is the user's usage error (still audited:
        # it may be a newer Claude Code's unvetted flag).
        return exitcodes.USAGE if vetted.rule_id in _USAGE_RULES else refused
    refusal = environment.check_provider(env, profile, resolution.config.allowed_bedrock_regions)
    if refusal is not None:
        return _refused(refusal.rule_id, refusal.message, ctx, profile.name, ours.claude_args)
    user_settings = _user_layer(vetted.user_settings, profile, profile.env)
    if isinstance(user_settings, str):
        return _refused("launch.user_settings_weaken", user_settings, ctx, profile.name, ours.claude_args)
    user_layer, loaded = user_settings
    if vetted.session:
        from .settings_sources import Layer
        from .settings_vet import check_launch

        extra = [Layer(where, data, "launch.user_settings") for where, data in loaded]
        refusal = check_launch(Path.cwd(), profile, env, extra)
        if refusal is not None:
            return _refused(refusal.rule_id, refusal.message, ctx, profile.name, ours.claude_args)

    try:
        claude = find_claude(env)
    except ClaudeNotFound as exc:
        _error(str(exc))
        return exitcodes.CLAUDE_NOT_FOUND

    if not vetted.session:
        # --version, --help and management commands start no model session: no settings layer to pass
        # (commands reject --settings), but the same scrubbed environment; exec keeps them fast.
        otel = environment.otel_attributes(dict(resolution.identity.user), resolution.attribution(), profile.name)
        child_env = environment.child_environment(env, profile, session_vars={}, otel=otel)
        sys.stdout.flush()
        os.execve(claude, [str(claude), *vetted.args], child_env)

    from .run import run_session
    from .sandbox import availability, needs_sandbox

    if needs_sandbox(profile):
        found = availability(env.get("PATH"))
        if not found.ok:
            message = (f"security profile {profile.name!r} runs every command in Claude Code's OS sandbox, "
                       f"which cannot start here: {found.detail}")
            return _refused("launch.sandbox_unavailable", message, ctx, profile.name, ours.claude_args)

    return run_session(resolution, vetted, claude, base_env=env, user_layer=user_layer)
