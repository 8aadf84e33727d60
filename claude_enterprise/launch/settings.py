"""The profile translated into Claude Code's real controls (REFERENCE.md §1).

Two layers, both built here from the profile alone (pure: no I/O in this module):
- the `--settings` layer, written to a 0600 file and placed last on claude's argv: native deny rules, the
  starting permission mode, the PreToolUse hook, `env` re-assertions that keep the hook and the exec gate
  alive against a repository's `.claude/settings*.json`, the model allow list and the output cap;
- the `--managed-settings` layer (Claude Code's "parent" policy tier, which keeps only restrictive values):
  the model allow list and the deny rules again, because arrays from every non-policy layer concatenate and a
  repository's `availableModels: ["opus"]` would otherwise widen ours (verified on 2.1.197). When an
  administrator's managed settings exist, Claude Code drops the parent tier unless they set
  `parentSettingsBehavior: "merge"`; the `--settings` layer still applies then.

A third, for `claude` started without the wrapper: the managed-settings.json that MDM installs
(`managed_settings`), and what `--check-policy` finds missing in an installed one (`managed_settings_findings`).

A user's own `--settings` would be dropped by Claude Code (only the last `--settings` counts), so the
launcher merges it under ours after `vet_user_settings` refused anything that would weaken the profile.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from claude_enterprise.constants import (
    ENV_SHELL_PREFIX,
    HOOK_MATCHERS,
    HOOK_TIMEOUT_S,
    HOOKED_TOOLS,
    SHELL_TOOLS,
    WEB_TOOLS,
    WRITE_TOOLS,
)
from claude_enterprise.profiles import Profile

from .claude_tools import KNOWN_TOOLS, PINNED_CLAUDE_CODE
from .refusal import Refusal
from .sandbox import managed_sandbox

_EXACT_MATCHER = re.compile(r"^[a-zA-Z0-9_|]+$")

# Variables that switch Claude Code's hooks off or move its policy sources; re-asserted in our layer so a
# repository's settings `env` cannot set them (the layer's env beats a repository's, verified).
HOOK_GUARD_ENV = {
    "CLAUDE_CODE_SIMPLE": "0",
    "CLAUDE_CODE_SAFE_MODE": "0",
    # A PowerShell tool is a shell the Bash matcher and the exec gate do not see.
    "CLAUDE_CODE_USE_POWERSHELL_TOOL": "0",
    # Start-up files that Claude Code's own outer shell would source before the exec gate sees anything.
    "BASH_ENV": "",
    "ENV": "",
}
SHELL_PREFIX = ENV_SHELL_PREFIX

_GLOB = re.compile(r"[*?\[]")


def native_deny_rules(profile: Profile, claude_version: str | None = None) -> list[str]:
    """Tools removed outright, so they are refused even if every hook failed (hooks fail open).

    On the pinned Claude Code only the names it knows: any other makes it print a warning at every start.
    On any other version (or an unknown one) every name: an older one may still have MultiEdit, and a
    warning costs less than a write tool only the hook refuses.
    """
    rules: list[str] = []
    if profile.shell.mode == "none":
        rules.extend(SHELL_TOOLS)
    if profile.file_write == "none":
        rules.extend(WRITE_TOOLS)
    if profile.network_access == "deny":
        rules.extend(WEB_TOOLS)
    if claude_version != PINNED_CLAUDE_CODE:
        return rules
    return [rule for rule in rules if rule in KNOWN_TOOLS]


def available_models(profile: Profile) -> list[str] | None:
    """`availableModels` entries: Claude Code takes aliases, version prefixes and ids, not globs.

    Glob patterns (e.g. `*claude-sonnet-*`, for Bedrock ids) stay with the launcher's own `--model` check;
    an allow list made only of globs becomes `[]`, which Claude Code reads as "the default model only".
    """
    if not profile.models:
        return None
    return [m for m in profile.models if not _GLOB.search(m)]


def matcher_matches(matcher: str, tool_name: str) -> bool:
    """Does a PreToolUse `matcher` select `tool_name`, as Claude Code compares them (aliases aside)?"""
    if not matcher or matcher == "*":
        return True
    if _EXACT_MATCHER.match(matcher):
        return tool_name in matcher.split("|")
    try:
        return re.search(matcher, tool_name) is not None
    except re.error:
        return False  # Claude Code logs an invalid pattern and matches nothing


def hook_entries(hook: Mapping[str, Any]) -> list[dict[str, Any]]:
    """PreToolUse entries running `hook` for every tool the engine judges."""
    return [{"matcher": matcher, "hooks": [dict(hook)]} for matcher in HOOK_MATCHERS]


def command_hook(argv: Sequence[str]) -> dict[str, Any]:
    """The PreToolUse hook running `argv` for the shell, file, web, read and MCP tools.

    Exec form (`command` + `args`): Claude Code starts it directly. A shell-form command string would run
    through CLAUDE_CODE_SHELL_PREFIX like any Bash command (verified), so a failing gate would make the hook
    fail, and hooks fail open.
    """
    hook = {"type": "command", "command": argv[0], "args": list(argv[1:]), "timeout": HOOK_TIMEOUT_S}
    return {"PreToolUse": hook_entries(hook)}


def build_settings(
    profile: Profile,
    *,
    hook_argv: Sequence[str],
    env: Mapping[str, str],
    fragment: Mapping[str, Any] | None = None,
    sandbox: Mapping[str, Any] | None = None,
    claude_version: str | None = None,
) -> dict[str, Any]:
    """The `--settings` layer (`claude_version`: see `native_deny_rules`).

    `env` holds the variables to re-assert (profile env, session variables, OTEL attributes); `fragment` is
    the enforcement's own part (DecisionServer.settings_fragment(): hooks and the exec gate), merged last.
    Without one, CLAUDE_CODE_SHELL_PREFIX is re-asserted empty so a repository cannot install its own.
    """
    permissions: dict[str, Any] = {
        "defaultMode": profile.permission_mode,
        "disableBypassPermissionsMode": "disable",
    }
    deny = native_deny_rules(profile, claude_version)
    if deny:
        permissions["deny"] = deny
    layer: dict[str, Any] = {
        "disableAllHooks": False,
        "permissions": permissions,
        "hooks": command_hook(hook_argv),
        "env": {
            **dict(env),
            **HOOK_GUARD_ENV,
            "CLAUDE_CODE_MAX_OUTPUT_TOKENS": str(profile.max_output_tokens),
            SHELL_PREFIX: "",
        },
    }
    models = available_models(profile)
    if models is not None:
        layer["availableModels"] = models
        layer["enforceAvailableModels"] = True
    if sandbox is not None:
        layer["sandbox"] = dict(sandbox)
    if fragment:
        if "hooks" in fragment:
            layer["hooks"] = {}  # the enforcement's hooks replace the plain command hook
        layer = merge(layer, fragment)
    return layer


def build_managed_layer(profile: Profile, claude_version: str | None = None) -> dict[str, Any]:
    """Restrictive values for Claude Code's parent policy tier (`--managed-settings`)."""
    layer: dict[str, Any] = {"permissions": {"disableBypassPermissionsMode": "disable"}}
    deny = native_deny_rules(profile, claude_version)
    if deny:
        layer["permissions"]["deny"] = deny
    sandbox = managed_sandbox(profile)
    if sandbox is not None:
        layer["sandbox"] = sandbox
    models = available_models(profile)
    if models is not None:
        layer["availableModels"] = models
        layer["enforceAvailableModels"] = True
    return layer


def merge(base: Mapping[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    """Claude Code's layering: `top` wins for scalars, dicts merge, lists concatenate (deduplicated)."""
    out: dict[str, Any] = dict(base)
    for key, value in top.items():
        old = out.get(key)
        if isinstance(old, Mapping) and isinstance(value, Mapping):
            out[key] = merge(old, value)
        elif isinstance(old, list) and isinstance(value, list):
            out[key] = old + [v for v in value if v not in old]
        else:
            out[key] = value
    return out


# Keys that bring in tools or code the hook does not judge: only for profiles that allow everything anyway.
_OPEN_ONLY_KEYS = ("mcpServers", "enableAllProjectMcpServers", "enabledMcpjsonServers", "enabledPlugins",
                   "extraKnownMarketplaces", "apiKeyHelper", "awsAuthRefresh", "awsCredentialExport")


def vet_user_settings(user: Any, profile: Profile, ours: Mapping[str, Any], where: str) -> Refusal | None:
    """Refuse a user `--settings` that would weaken the profile once merged under our layer.

    Weakening: switching hooks off, setting any variable we re-assert or a hook-disabling one, a wider
    permission mode, re-enabling bypass mode, models outside the profile (arrays concatenate, so an extra
    `availableModels` entry would widen ours), `enforceAvailableModels: false`, and for non-open profiles
    MCP servers, plugins and credential helpers (commands Claude Code runs outside the hook's view).
    Additive hooks and extra deny rules are fine: a deny anywhere wins.
    """

    def refuse(what: str) -> Refusal:
        message = f"refused --settings {where}: {what} would weaken profile {profile.name!r}"
        return Refusal("launch.user_settings_weaken", message)

    if not isinstance(user, Mapping):
        return Refusal("launch.user_settings_invalid", f"refused --settings {where}: "
                                                       "expected a JSON object")
    if user.get("disableAllHooks", False) is not False:
        return refuse("disableAllHooks")
    protected = set(ours.get("env", {})) | set(HOOK_GUARD_ENV) | {SHELL_PREFIX}
    env = user.get("env", {})
    if not isinstance(env, Mapping):
        return refuse("a non-object env")
    for key in env:
        if key in protected or key.startswith("CLAUDE_ENTERPRISE_"):
            return refuse(f"env {key}")
    permissions = user.get("permissions", {})
    if not isinstance(permissions, Mapping):
        return refuse("a non-object permissions")
    mode = permissions.get("defaultMode")
    if mode is not None and mode not in profile.allowed_modes:
        return refuse(f"permissions.defaultMode {mode}")
    if permissions.get("disableBypassPermissionsMode", "disable") != "disable":
        return refuse("permissions.disableBypassPermissionsMode")
    models = user.get("availableModels", [])
    if not isinstance(models, list) or not all(isinstance(m, str) and profile.allows_model(m)
                                               for m in models):
        return refuse("availableModels outside the profile's models")
    if profile.models and any(_GLOB.search(m) for m in models):
        return refuse("a glob in availableModels")
    if user.get("enforceAvailableModels", True) is not True:
        return refuse("enforceAvailableModels false")
    model = user.get("model")
    if model is not None and not (isinstance(model, str) and profile.allows_model(model)):
        return refuse(f"model {model}")
    if not profile.is_open:
        for key in _OPEN_ONLY_KEYS:
            if key in user:
                return refuse(key)
    return None


# -- Claude Code's managed-settings.json, for claude started without the wrapper -----------------------------
# What MDM installs (`policies managed-settings` prints it) and what `--check-policy` finds missing in it.
HOOK_MARKER = "claude-enterprise hook"
GATE_NAME = "claude-enterprise-gate"


def managed_settings(script: str, gate: str) -> dict[str, Any]:
    """Claude Code managed settings that route every session through our hook and gate.

    The hook is in exec form (`command` + `args`): a shell-form hook would itself run through the exec gate,
    and a failing gate would then make the hook fail, which Claude Code treats as "proceed".
    `parentSettingsBehavior: merge` keeps the wrapper's own policy tier (model and deny limits) in force.
    `allowManagedHooksOnly` stops hooks from a cloned repository (or any other layer) from running: an
    exec-form hook would bypass the gate. Wrapper sessions then use this managed hook too, on the session's
    profile (the launcher pins CLAUDE_ENTERPRISE_PROFILE).
    """
    return {
        "disableAllHooks": False,
        "parentSettingsBehavior": "merge",
        "allowManagedHooksOnly": True,
        "permissions": {"disableBypassPermissionsMode": "disable"},
        "hooks": command_hook([script, "hook"]),
        "env": {SHELL_PREFIX: gate, **HOOK_GUARD_ENV},
    }


def managed_settings_findings(data: Any) -> list[str]:
    """What is missing from Claude Code's managed settings for claude started without the wrapper."""
    if not isinstance(data, Mapping):
        return ["is not a JSON object"]
    problems = []
    if data.get("disableAllHooks") is True:
        problems.append("disableAllHooks is true")
    ours = [matcher for matcher, _ in our_hooks(data)]
    if not ours:
        problems.append(f"no PreToolUse hook running `/ABSOLUTE/PATH/{HOOK_MARKER}`")
    else:
        missing = [tool for tool in (*HOOKED_TOOLS, "mcp__SERVER__TOOL")
                   if not any(matcher_matches(matcher, tool) for matcher in ours)]
        if missing:
            problems.append(f"the {HOOK_MARKER} hook does not cover {', '.join(missing)}")
    prefix = str(_mapping(data.get("env")).get("CLAUDE_CODE_SHELL_PREFIX", ""))
    if not prefix.endswith(GATE_NAME):
        problems.append(f"env.CLAUDE_CODE_SHELL_PREFIX is not the {GATE_NAME} exec gate")
    if _mapping(data.get("permissions")).get("disableBypassPermissionsMode") != "disable":
        problems.append('permissions.disableBypassPermissionsMode is not "disable"')
    if data.get("parentSettingsBehavior") != "merge":
        problems.append('parentSettingsBehavior is not "merge" (the wrapper\'s model and deny limits would be dropped)')
    return problems


def _mapping(value: Any) -> Mapping[str, Any]:
    """A JSON object, or an empty one for anything else: an administrator's file may be malformed anywhere."""
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def our_hooks(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(matcher, executable) of each PreToolUse hook that runs `/ABSOLUTE/PATH/claude-enterprise hook`."""
    found = []
    for entry in _list(_mapping(data.get("hooks")).get("PreToolUse")):
        if not isinstance(entry, Mapping):
            continue
        for hook in _list(entry.get("hooks")):
            if not isinstance(hook, Mapping):
                continue
            line = " ".join([str(hook.get("command", "")), *map(str, _list(hook.get("args")))])
            if line.startswith("/") and line.endswith(HOOK_MARKER):
                found.append((str(entry.get("matcher", "")), line.split(" ")[0]))
    return found
