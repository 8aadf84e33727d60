"""Pure path questions: is a path inside the project, is it one the agent must never write?

No file system access: file-tool paths arrive resolved (policy.paths does the I/O); shell paths are
judged lexically against every directory the command may be in at that point.
"""

from __future__ import annotations

import posixpath
from functools import lru_cache

from .model import PolicyContext

# Targets a redirection may always write: they are not files.
HARMLESS_TARGETS = frozenset({"/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty"})
INSIDE = "inside"  # a relative path that stays within the (unknown) starting directory


def _fold(path: str, ctx: PolicyContext) -> str:
    return path.casefold() if ctx.case_insensitive else path


@lru_cache(maxsize=4096)
def _normal(path: str, case_insensitive: bool) -> str:
    """Normalised (and folded) once per path: roots (project dirs, protected and credential paths) recur in
    every decision."""
    normal = posixpath.normpath(path)
    return normal.casefold() if case_insensitive else normal


def under(path: str, root: str, ctx: PolicyContext) -> bool:
    """Is absolute `path` equal to or below absolute `root` (lexically, both normalised)?"""
    path = _normal(path, ctx.case_insensitive)
    root = _normal(root, ctx.case_insensitive)
    return path == root or path.startswith(root.rstrip("/") + "/")


def in_project(path: str, ctx: PolicyContext) -> bool:
    return any(under(path, root, ctx) for root in ctx.project_dirs if root)


def resolve(target: str | None, cwd: str | None, ctx: PolicyContext) -> str | None:
    """Absolute form of `target` seen from `cwd` (Write.cwds encoding); INSIDE for a relative path that
    cannot leave the starting directory when that directory is unknown; None when unknowable."""
    if target is None or cwd is None:
        return None
    if target.startswith("/"):
        return posixpath.normpath(target)
    if target == "~" or target.startswith("~/"):
        return posixpath.normpath(posixpath.join(ctx.home, target[2:])) if ctx.home else None
    if target.startswith("~"):
        return None
    if cwd.startswith("/"):
        return posixpath.normpath(posixpath.join(cwd, target))
    if cwd.startswith("~/"):
        return resolve(posixpath.join(cwd, target), "", ctx)
    relative = posixpath.normpath(posixpath.join(cwd, target)) if cwd else posixpath.normpath(target)
    if ctx.cwd:
        return posixpath.normpath(posixpath.join(ctx.cwd, relative))
    if relative == ".." or relative.startswith("../"):
        return None
    return INSIDE


def fd_target(path: str) -> bool:
    return path.startswith("/dev/fd/") or path.startswith("/proc/self/fd/")


def write_allowed_inside(target: str | None, cwds: tuple[str | None, ...], ctx: PolicyContext) -> bool:
    """May a shell write `target` under a project-only write policy, whichever cwd applies?"""
    if target in HARMLESS_TARGETS or (target is not None and fd_target(target)):
        return True
    for cwd in cwds:
        resolved = resolve(target, cwd, ctx)
        if resolved is None:
            return False
        if resolved != INSIDE and not in_project(resolved, ctx):
            return False
    return True


_SYSTEM_PROTECTED = (
    "/etc/claude-enterprise",
    "/etc/claude-code",
    "/Library/Application Support/ClaudeEnterprise",
    "/Library/Application Support/ClaudeCode",
)
_HOME_PROTECTED = (
    ".claude.json",
    ".config/claude-enterprise",
    ".local/state/claude-enterprise",
    "Library/Application Support/claude-enterprise",
)


def protected(path: str, ctx: PolicyContext) -> bool:
    """Files that steer the agent's own guard rails: Claude Code settings (hooks, permissions, env),
    claude-enterprise's configuration and audit state. Writing them is denied under every profile."""
    parts = [p for p in _fold(path, ctx).split("/") if p]
    if len(parts) >= 2 and parts[-2] == ".claude" and parts[-1] in ("settings.json", "settings.local.json"):
        return True
    if not path.startswith("/"):
        return False
    roots = [*_SYSTEM_PROTECTED, *ctx.protected_paths]
    if ctx.home:
        roots.extend(posixpath.join(ctx.home, rel) for rel in _HOME_PROTECTED)
    return any(under(path, root, ctx) for root in roots)


# Names that make a file protected wherever its directory is (see `protected`).
_PROTECTED_NAMES = frozenset({"settings.json", "settings.local.json", ".claude.json"})
_PROTECTED_DIR_NAMES = frozenset({"claude-enterprise", "claude-code", "ClaudeEnterprise", "ClaudeCode", ".claude"})


def _may_be_protected(target: str, ctx: PolicyContext) -> bool:
    """From a directory only known at run time (`cd -`, CDPATH), `settings.json` may be a Claude Code
    settings file: a protected file name, or a path through a protected directory's name, is protected."""
    parts = [p for p in _fold(target, ctx).split("/") if p]
    names = {_fold(n, ctx) for n in _PROTECTED_DIR_NAMES}
    return bool(parts) and (parts[-1] in _PROTECTED_NAMES or any(p in names for p in parts[:-1]))


def _protected_tree(path: str, ctx: PolicyContext) -> bool:
    """May writing anything below directory `path` reach a protected file? The project's own
    `.claude/settings.json` is left to the session's settings re-vetting, or every `tar -x` would be refused."""
    if protected(path, ctx) or protected(posixpath.join(path, "settings.json"), ctx):
        return True
    if not path.startswith("/"):
        return False
    roots = [*_SYSTEM_PROTECTED, *ctx.protected_paths]
    if ctx.home:
        roots.extend(posixpath.join(ctx.home, rel) for rel in (*_HOME_PROTECTED, ".claude"))
    return any(under(root, path, ctx) for root in roots)


def write_protected(target: str | None, cwds: tuple[str | None, ...], ctx: PolicyContext, tree: bool = False) -> bool:
    if target is None:
        return False
    check = _protected_tree if tree else protected
    for cwd in cwds:
        if cwd is None and _may_be_protected(target, ctx):
            return True
        resolved = resolve(target, cwd, ctx)
        lexical = posixpath.join(cwd, target) if cwd and not cwd.startswith("~") else target
        if check(lexical if resolved is None or resolved == INSIDE else resolved, ctx):
            return True
    return False
