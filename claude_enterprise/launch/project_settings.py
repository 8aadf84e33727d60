"""A cloned repository's own Claude Code settings, vetted before claude starts.

Claude Code runs commands named in a project's `.claude/settings.json` and `.claude/settings.local.json`:
hooks, the status line, credential helpers. A shell-form hook passes through the exec gate, but an exec-form
hook (`command` + `args`) and an `http` hook do not (verified on 2.1.197), and a repository is untrusted input:
so every such command is judged by the policy engine as if the model had asked to run it, and a repository
whose settings would run something the profile denies is refused with the file, the field and the rule.
The model cannot write them (`.claude/settings*.json` is protected under every profile), but an allowed
command can bring one in (`git checkout` of another branch): `ProjectSettingsWatch` re-vets them whenever
they change during the session, and the session ends on a refusal.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

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


class Unreadable(NamedTuple):
    """A settings file present but not readable as JSON: what Claude Code makes of it cannot be vetted."""

    reason: str


def settings_paths(cwd: Path) -> list[Path]:
    return [root / name for root in project_roots(cwd) for name in PROJECT_FILES]


def read_project_settings(cwd: Path) -> list[tuple[str, Any]]:
    """(path, parsed JSON or `Unreadable`) of each project settings file present."""
    found: list[tuple[str, Any]] = []
    for path in settings_paths(cwd):
        try:
            found.append((str(path), json.loads(path.read_text(encoding="utf-8"))))
        except FileNotFoundError:
            continue
        except (OSError, ValueError) as exc:
            found.append((str(path), Unreadable(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)))
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
        if isinstance(settings, Unreadable):
            # Claude Code's own reader may accept what `json` refuses (comments, say): fail closed.
            return Refusal("launch.project_settings", f"refused: {path} cannot be read as JSON ({settings.reason}), "
                           "so the commands it may run cannot be checked; fix or remove it to start claude here")
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


def check_project(cwd: Path, profile: Profile, home: str) -> Refusal | None:
    """Read and vet the project's settings files (nothing to do, and no engine import, when there are none)."""
    files = read_project_settings(cwd)
    return vet_project_settings(files, profile, cwd, home) if files else None


class ProjectSettingsWatch:
    """Re-vets the project's settings files whenever they change while claude runs; `check()` is cheap (a
    stat per candidate file) and runs on every decision the session's server makes."""

    def __init__(self, cwd: Path, profile: Profile, home: str, on_refusal: Callable[[Refusal], None]) -> None:
        self.cwd, self.profile, self.home, self.on_refusal = cwd, profile, home, on_refusal
        self._paths = settings_paths(cwd)
        self._seen = self._fingerprint()
        self._lock = threading.Lock()

    def _fingerprint(self) -> tuple[tuple[int, int] | None, ...]:
        marks: list[tuple[int, int] | None] = []
        for path in self._paths:
            try:
                st = path.stat()
                marks.append((st.st_mtime_ns, st.st_size))
            except OSError:
                marks.append(None)
        return tuple(marks)

    def check(self) -> None:
        with self._lock:
            now = self._fingerprint()
            if now == self._seen:
                return
            self._seen = now
            try:
                refusal = check_project(self.cwd, self.profile, self.home)
            except Exception as exc:  # settings that cannot be vetted are refused, never waved through
                refusal = Refusal("launch.project_settings", f"the changed project settings cannot be checked ({exc})")
        if refusal is not None:
            self.on_refusal(refusal)
