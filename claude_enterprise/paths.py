"""Where claude-enterprise reads and writes: managed (admin), user and state locations.

Nothing here is ever read from the working directory: a cloned repository is untrusted input.
Standard library only: the hook and the exec gate import this on every tool call.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

from claude_enterprise.constants import ENV_CLAUDE_MANAGED_SETTINGS, ENV_MANAGED_DIR, ENV_STATE_DIR

_MANAGED_DIRS = {
    "darwin": Path("/Library/Application Support/ClaudeEnterprise"),
}
_LINUX_MANAGED_DIR = Path("/etc/claude-enterprise")

# Claude Code's own managed-settings file (REFERENCE.md §1).
_CLAUDE_MANAGED_SETTINGS = {
    "darwin": Path("/Library/Application Support/ClaudeCode/managed-settings.json"),
}
_LINUX_CLAUDE_MANAGED_SETTINGS = Path("/etc/claude-code/managed-settings.json")


def is_admin_owned(path: Path) -> bool:
    """True when `path` and every parent up to `/` is root-owned and not writable by group or others.

    A managed location only counts when a user could not have written it: otherwise pointing the
    product at a self-made "managed" directory would let a user raise their own profile.
    """
    try:
        current = path.resolve()
    except OSError:
        return False
    for part in (current, *current.parents):
        try:
            st = part.stat()
        except OSError:
            return False
        if st.st_uid != 0:
            return False
        sticky_dir = stat.S_ISDIR(st.st_mode) and st.st_mode & stat.S_ISVTX
        if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH) and not (sticky_dir and part != current):
            return False
    return True


def managed_dir() -> Path:
    """The admin-owned configuration directory installed by MDM.

    `CLAUDE_ENTERPRISE_MANAGED_DIR` relocates it (tests, staged roll-outs) but the relocated directory
    is only honoured when it is admin-owned; see `is_admin_owned`.
    """
    override = os.environ.get(ENV_MANAGED_DIR)
    if override:
        return Path(override)
    return _MANAGED_DIRS.get(sys.platform, _LINUX_MANAGED_DIR)


def claude_managed_settings_file() -> Path:
    """Claude Code's managed-settings.json for this platform."""
    override = os.environ.get(ENV_CLAUDE_MANAGED_SETTINGS)
    if override:
        return Path(override)
    return _CLAUDE_MANAGED_SETTINGS.get(sys.platform, _LINUX_CLAUDE_MANAGED_SETTINGS)


def user_config_dir() -> Path:
    """User preferences: they can only narrow the profile."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "claude-enterprise"


def state_dir() -> Path:
    """Audit spool and caches (JWKS, principal-tag map). `CLAUDE_ENTERPRISE_STATE_DIR` overrides."""
    override = os.environ.get(ENV_STATE_DIR)
    if override:
        return Path(override)
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "claude-enterprise"
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "claude-enterprise"


def bundled_policies_dir() -> Path:
    """`policies/` as shipped inside the wheel, or the source tree's copy in a development install."""
    package = Path(__file__).resolve().parent
    shipped = package / "_policies"
    return shipped if shipped.is_dir() else package.parent / "policies"


def requirements_lock() -> Path:
    """`packaging/requirements.lock` as shipped inside the wheel (so `admin package` can pin the macOS pkg's
    dependencies), or the source tree's."""
    package = Path(__file__).resolve().parent
    shipped = package / "_packaging" / "requirements.lock"
    return shipped if shipped.is_file() else package.parent / "packaging" / "requirements.lock"
