"""A cloned repository's own Claude Code settings, vetted before claude starts.

Claude Code runs commands named in a project's `.claude/settings.json` and `.claude/settings.local.json`:
hooks, the status line, credential helpers. A shell-form hook passes through the exec gate, but an exec-form
hook (`command` + `args`) and an `http` hook do not (verified on 2.1.197), and a repository is untrusted input:
so every such command is judged by the policy engine as if the model had asked to run it, and a repository
whose settings would run something the profile denies is refused with the file, the field and the rule.
The model cannot add one later: writes to `.claude/settings*.json` are denied under every profile.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from claude_enterprise.profiles import Profile

from .argv import Refusal

PROJECT_FILES = (".claude/settings.json", ".claude/settings.local.json")
# Settings whose value is a shell command Claude Code runs (besides hooks and the status line).
COMMAND_KEYS = ("apiKeyHelper", "awsAuthRefresh", "awsCredentialExport", "otelHeadersHelper")


def project_roots(cwd: Path) -> list[Path]:
    """The working directory and, when it lies inside a git work tree, that tree's top: Claude Code reads
    project settings from the project root."""
    roots = [cwd]
    for parent in (cwd, *cwd.parents):
        if (parent / ".git").exists():
            if parent != cwd:
                roots.append(parent)
            break
    return roots


def read_project_settings(cwd: Path) -> list[tuple[str, Any]]:
    """(path, parsed JSON) of each project settings file present. A file Claude Code could not parse runs
    nothing, so it is skipped here too."""
    found: list[tuple[str, Any]] = []
    for root in project_roots(cwd):
        for name in PROJECT_FILES:
            path = root / name
            try:
                found.append((str(path), json.loads(path.read_text(encoding="utf-8"))))
            except (OSError, ValueError):
                continue
    return found


def commands_in(settings: Any) -> Iterator[tuple[str, str, str]]:
    """(field, kind, value) for everything the settings would run: kind `shell` (a command line) or `url`."""
    if not isinstance(settings, Mapping):
        return
    hooks = settings.get("hooks")
    if isinstance(hooks, Mapping):
        for event, entries in hooks.items():
            for i, entry in enumerate(entries if isinstance(entries, list) else []):
                inner = entry.get("hooks") if isinstance(entry, Mapping) else None
                for j, hook in enumerate(inner if isinstance(inner, list) else []):
                    if not isinstance(hook, Mapping):
                        continue
                    field = f"hooks.{event}[{i}].hooks[{j}]"
                    if hook.get("type") == "http":
                        yield field, "url", str(hook.get("url", ""))
                    elif "command" in hook:
                        args = hook.get("args")
                        command = str(hook["command"])
                        line = shlex.join([command, *map(str, args)]) if isinstance(args, list) else command
                        yield field, "shell", line
    status = settings.get("statusLine")
    if isinstance(status, Mapping) and "command" in status:
        yield "statusLine.command", "shell", str(status["command"])
    for key in COMMAND_KEYS:
        if isinstance(settings.get(key), str):
            yield key, "shell", settings[key]


def vet_project_settings(files: list[tuple[str, Any]], profile: Profile, cwd: Path, home: str) -> Refusal | None:
    """Pure: the first command in the repository's settings that the profile denies, as a refusal.

    The policy engine (tree-sitter) is imported only here: most repositories have no such settings.
    """
    from claude_enterprise.policy import PolicyContext, decide_shell, decide_tool

    ctx = PolicyContext(project_dirs=(os.path.realpath(cwd),), home=home, case_insensitive=sys.platform == "darwin",
                        cwd=os.path.realpath(cwd))
    for path, settings in files:
        for field, kind, value in commands_in(settings):
            if kind == "url":
                decision = decide_tool("WebFetch", {"url": value, "prompt": "hook"}, profile, ctx)
            else:
                decision = decide_shell(value, profile, ctx)
            if not decision.allow:
                return Refusal(
                    "launch.project_settings",
                    f"refused: {path}: {field} would run `{value}`, which profile {profile.name!r} denies "
                    f"[{decision.rule_id}]; remove it from the repository's settings to start claude here",
                )
    return None
