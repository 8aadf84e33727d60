"""Project files that make an allowed tool run code or reach a host: `.git/config`, `.git/hooks/*`,
`.npmrc`, `pip.conf`...

The engine is pure and cannot read them, so it cannot judge what a written one says. Under an allow list
or a restricted network, writing one (by the shell or the Write/Edit tools) is therefore denied: the next
`git commit` would run the hook, the next `npm install` would use the registry or `script-shell` it names.
`package.json` scripts and `conftest.py` stay writable: the allow list trusts npm and pytest with them.
"""

from __future__ import annotations

import posixpath

from .model import PolicyContext

# File names a tool reads its configuration from wherever it runs (npm reads the project's `.npmrc`,
# pip a virtual environment's `pip.conf`, yarn and pnpm their rc files).
_CONFIG_NAMES = {
    ".npmrc": "npm",
    ".yarnrc": "yarn",
    ".yarnrc.yml": "yarn",
    ".pnpmrc": "pnpm",
    "pip.conf": "pip",
    "pip.ini": "pip",
}
# Inside a git directory: configuration (commands, remotes) and hooks (programs git runs).
_GIT_DIR_FILES = frozenset({"config", "config.worktree", "commondir"})


def tool_config_file(path: str, ctx: PolicyContext) -> str | None:
    """The tool `path` configures ("git", "npm", "pip"...), or None for an ordinary file."""
    folded = path.casefold() if ctx.case_insensitive else path
    parts = [p for p in folded.split("/") if p and p != "."]
    if not parts:
        return None
    if parts[-1] in _CONFIG_NAMES:
        return _CONFIG_NAMES[parts[-1]]
    for index, part in enumerate(parts[:-1]):
        if part != ".git":
            continue
        inside = parts[index + 1 :]
        # `.git/hooks/x`, `.git/config`, and the same below `.git/modules/<sub>/` or `.git/worktrees/<w>/`.
        if "hooks" in inside or inside[-1] in _GIT_DIR_FILES:
            return "git"
    return None


def shell_write_tool_config(target: str | None, cwds: tuple[str | None, ...], ctx: PolicyContext) -> str | None:
    """`tool_config_file` for a shell write, from each directory it may happen in (`cd .git && ...`).
    Unknown targets and directories are left to the write rules, which deny them where this matters."""
    if target is None:
        return None
    for cwd in cwds:
        if cwd is None:
            continue
        base = cwd if not cwd.startswith("~") else ""
        tool = tool_config_file(posixpath.normpath(posixpath.join(ctx.cwd or "", base, target)), ctx)
        if tool is not None:
            return tool
    return None


def guards_tool_config(shell_mode: str, network_access: str) -> bool:
    """Profiles under which such files may not be written: an allow list or a restricted network."""
    return shell_mode == "allowlist" or network_access == "restricted"
