"""Decisions for Claude Code's read tools: what a prompt-injected agent may look at.

- Every profile denies the credential stores (`files.deny_read`) and `ctx.denied_reads` (the product's own
  audit state, and the real locations of credential stores reached through a symlinked home).
- `files.read: project` (restricted) reads only inside the project and `files.read_allow`.
- Grep, Glob and LS read a whole tree: they are also denied when a denied path lies beneath the directory
  they search (a Grep over the home directory would print `~/.ssh/id_rsa`).
- A Glob `pattern` that is absolute, starts at `~/` or climbs with `..` searches where it points: its literal
  directory prefix counts as the searched directory. `..` after a wildcard cannot be placed and is denied.

Paths must arrive absolute and resolved (policy.paths.resolve_tool_input); a relative one is judged against
`ctx.cwd`. An absent Glob/Grep/LSP path means the current directory (`ctx.cwd`; None: inside the project).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .model import Decision, PolicyContext
from .pathcheck import in_project, under

if TYPE_CHECKING:
    from ..profiles.model import Profile

# The input key holding the path each read tool reads (2.1.197; LS and NotebookRead are older names).
READ_TOOLS = {
    "Read": "file_path", "NotebookRead": "notebook_path", "Glob": "path", "Grep": "path", "LS": "path",
    "LSP": "filePath",
}  # fmt: skip
_SEARCHES = frozenset({"Glob", "Grep", "LS"})
_PATH_OPTIONAL = frozenset({"Glob", "Grep", "LSP"})
WILDCARD = re.compile(r"[*?\[\]{}]")


class _Unplaceable(Exception):
    """A Glob pattern whose reach cannot be told without the file system."""


def expand(entry: str, ctx: PolicyContext) -> tuple[str, ...]:
    """A profile path entry as absolute paths: `~/x` under the home, a relative one under each project dir."""
    return _expand(entry, ctx.home, ctx.project_dirs)


@lru_cache(maxsize=1024)
def _expand(entry: str, home: str, project_dirs: tuple[str, ...]) -> tuple[str, ...]:
    if entry == "~" or entry.startswith("~/"):
        return (posixpath.normpath(home + entry[1:]),) if home else ()
    if entry.startswith("/"):
        return (posixpath.normpath(entry),)
    return tuple(posixpath.normpath(posixpath.join(root, entry)) for root in project_dirs if root)


@lru_cache(maxsize=64)
def _expand_all(entries: tuple[str, ...], home: str, project_dirs: tuple[str, ...]) -> tuple[str, ...]:
    """A whole profile list expanded, once per session's context (every read decision needs it)."""
    return tuple(p for entry in entries for p in _expand(entry, home, project_dirs))


def glob_reach(pattern: str, base: str | None, ctx: PolicyContext) -> str | None:
    """The directory a Glob `pattern` searches from `base` (None: inside the project, left as None when the
    pattern stays there). Raises _Unplaceable for `..` after a wildcard."""
    parts = pattern.split("/")
    literal: list[str] = []
    for index, part in enumerate(parts):
        if WILDCARD.search(part):
            if ".." in parts[index + 1:]:
                raise _Unplaceable(pattern)
            break
        literal.append(part)
    prefix = "/".join(literal)
    if pattern.startswith("/"):
        return posixpath.normpath(prefix or "/")
    if pattern == "~" or pattern.startswith("~/"):
        return posixpath.normpath(ctx.home + prefix[1:])
    if base is None:
        if ".." in literal:
            raise _Unplaceable(pattern)
        return None
    return posixpath.normpath(posixpath.join(base, prefix)) if prefix else base


def decide_read(tool_name: str, tool_input: Mapping[str, Any], profile: Profile, ctx: PolicyContext) -> Decision:
    """Decide one call of a tool in READ_TOOLS."""
    value = tool_input.get(READ_TOOLS[tool_name])
    target: str | None
    if value is None and tool_name in _PATH_OPTIONAL:
        target = ctx.cwd
    elif isinstance(value, str) and value.startswith("/"):
        target = posixpath.normpath(value)
    elif isinstance(value, str) and value and ctx.cwd:
        target = posixpath.normpath(posixpath.join(ctx.cwd, value))
    else:
        return Decision(False, "file.invalid_path", f"`{tool_name}` needs an absolute path.")
    pattern = tool_input.get("pattern")
    if tool_name == "Glob" and isinstance(pattern, str):
        try:
            target = glob_reach(pattern, target, ctx)
        except _Unplaceable:
            return Decision(False, "file.read.unplaceable_pattern",
                            f"The Glob pattern `{pattern}` climbs with `..` after a wildcard, so where it searches "
                            "cannot be checked. Put the directory in `path` and keep `..` out of the pattern.")
    if target is None:
        return Decision(True, "file.read.allowed", "Reading inside the project is allowed.")
    return _denied(tool_name, target, profile, ctx) or Decision(
        True, "file.read.allowed", f"Allowed by the `{profile.name}` profile.")


def _denied(tool_name: str, target: str, profile: Profile, ctx: PolicyContext) -> Decision | None:
    search = tool_name in _SEARCHES
    credentials = _expand_all(profile.files.deny_read, ctx.home, ctx.project_dirs)
    for rule, roots, what in (("file.read.credentials", credentials, "a credential store"),
                              ("file.read.denied", ctx.denied_reads, "claude-enterprise's own state or credentials")):
        for root in roots:
            if under(target, root, ctx):
                return Decision(False, rule, f"`{target}` is {what}, which no tool may read under any security "
                                             "profile. Ask the user for what you need from it.")
            if search and under(root, target, ctx):
                return Decision(False, rule, f"Searching `{target}` would reach `{root}`, {what}, which no tool "
                                             "may read under any security profile. Search a narrower directory "
                                             "that does not contain it.")
    if profile.files.read == "project" and not in_project(target, ctx):
        allowed = [*_expand_all(profile.files.read_allow, ctx.home, ctx.project_dirs), *ctx.allowed_reads]
        if not any(under(target, root, ctx) for root in allowed):
            places = ", ".join([*ctx.project_dirs, *allowed]) or "no directory"
            return Decision(False, "file.read.outside_project",
                            f"`{target}` is outside the project, and the `{profile.name}` security profile only "
                            f"allows reading inside it and the paths its administrator listed ({places}). Read "
                            "files there instead, or ask the user for the content.")
    return None
