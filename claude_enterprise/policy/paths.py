"""The engine's one I/O helper: resolve file-tool paths before the pure decision sees them.

Kept apart from the pure modules on purpose: `decide_tool` compares paths lexically, so symlinks and
`..` must be resolved first, or a link inside the project could point a write anywhere.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .reads import READ_TOOLS, WILDCARD

if TYPE_CHECKING:
    from claude_enterprise.profiles import Profile

    from .model import Decision, PolicyContext

_PATH_KEYS = ("file_path", "notebook_path")


def resolve_tool_input(tool_name: str, tool_input: Mapping[str, Any], cwd: str) -> dict[str, Any]:
    """A copy of `tool_input` whose file paths are absolute and fully resolved (relative ones against
    `cwd`), a read tool's path included. A Glob pattern's literal directory prefix is resolved too and made
    absolute when a link moved it (`link/*.pem` with `link -> ~/.ssh`). A path that is not a string is left
    as is: the decision denies it."""
    resolved = dict(tool_input)
    read_key = READ_TOOLS.get(tool_name)
    for key in (*_PATH_KEYS, *((read_key,) if read_key else ())):
        value = resolved.get(key)
        if isinstance(value, str) and value:
            resolved[key] = _real(value, cwd)
    pattern = resolved.get("pattern")
    if tool_name == "Glob" and isinstance(pattern, str) and pattern:
        base = resolved.get("path")
        resolved["pattern"] = _real_pattern(pattern, base if isinstance(base, str) and base else cwd)
    return resolved


def _unnormalised(target: str | None, cwd: str | None, ctx: PolicyContext) -> str | None:
    """`target` joined to its directory without folding `..`: the kernel resolves `link/..` from where
    the link points, so realpath must see the `..` after the link."""
    if target is None or cwd is None or target.startswith("~") or cwd.startswith("~"):
        return None
    base = cwd if cwd.startswith("/") else os.path.join(ctx.cwd, cwd) if ctx.cwd else None
    return target if target.startswith("/") else os.path.join(base, target) if base else None


def _real(path: str, cwd: str) -> str:
    expanded = os.path.expanduser(path) if path.startswith("~") else path
    return os.path.realpath(os.path.join(cwd, expanded))


def _real_pattern(pattern: str, base: str) -> str:
    """`pattern` with its literal directory prefix replaced by the real location, when that differs."""
    parts = pattern.split("/")
    cut = next((i for i, part in enumerate(parts) if WILDCARD.search(part)), len(parts))
    prefix, rest = "/".join(parts[:cut]), parts[cut:]
    if not prefix or (cut < len(parts) and ".." in rest):
        return pattern  # nothing to resolve, or unplaceable: the decision judges it as written
    lexical = os.path.normpath(os.path.join(base, os.path.expanduser(prefix) if prefix.startswith("~") else prefix))
    real = os.path.realpath(lexical)
    if real == lexical:
        return pattern
    return "/".join([real.rstrip("/") or "", *rest]) if rest else real


def symlinked_write(command: str, profile: Profile, ctx: PolicyContext) -> Decision | None:
    """A deny when a file `command` writes is, once symlinks are followed, outside what the profile lets it
    write; None otherwise. For an already-allowed shell command, run where the file system is at hand.

    `decide_shell` judges redirection and `tee` targets lexically; a repository can ship `out -> ~/.bashrc`,
    and `echo x > out` then writes outside the project. Here every literal target is resolved against the
    command's directory (`ctx.cwd`) with `realpath` and judged again: protected under every profile,
    inside the project under a project-only write policy.
    """
    from .analysis import analyze
    from .model import Decision
    from .pathcheck import HARMLESS_TARGETS, INSIDE, fd_target, in_project, protected, resolve

    for write in analyze(command).writes:
        for cwd in write.cwds:
            lexical = resolve(write.target, cwd, ctx)
            if lexical is None or lexical == INSIDE or lexical in HARMLESS_TARGETS or fd_target(lexical):
                continue
            real = os.path.realpath(_unnormalised(write.target, cwd, ctx) or lexical)
            if real == lexical:
                continue
            if protected(real, ctx):
                return Decision(False, "file.protected",
                                f"`{write.target}` is a link to `{real}`, which controls the agent's own settings "
                                "or audit trail and may not be written.", ())
            if profile.file_write == "project" and not in_project(real, ctx):
                return Decision(False, "shell.write.symlink_outside_project",
                                f"`{write.target}` is a link to `{real}`, outside the project; "
                                f"{profile.name} lets commands write only inside the project. Write to a "
                                "regular file in the project instead.", ())
    return None
