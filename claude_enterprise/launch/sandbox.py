"""The profile's containment as Claude Code's native OS sandbox (`sandbox` in the settings layers).

Reading command strings is never enough: an allowed tool runs project code (an npm script, a `conftest.py`)
that no analyzer sees. Claude Code's sandbox runs every Bash command under bubblewrap (Linux, with socat
bridging its network namespace to a filtering proxy) or Seatbelt (macOS), so what the analyzer misses is
still contained. Observed on 2.1.197 with bubblewrap:
- the exec gate (`CLAUDE_CODE_SHELL_PREFIX`) runs inside: read-only file system outside the writable paths,
  its own network namespace, no Unix sockets (the decision socket is unreachable), so it runs what the hook
  allowed (`enforce.approvals`) or decides in-process, and hands its audit record to the wrapper through the
  session's outbox, the one product directory it may write;
- `denyWrite`/`denyRead` paths that do not exist are still enforced when their parent exists, by an
  unreadable placeholder; when the parent is missing too the sandbox makes the nearest existing ancestor
  read-only (a `git init` then fails to create `.git`), so such entries are left to the hook and analyzer;
- `allowWrite: ["/"]` disables `denyWrite`: "broad" writes are the home and temporary directories instead;
- loopback services of the host are unreachable from the sandbox under every network setting;
- a `denyRead` file is replaced by an empty one inside the sandbox: a denied program's executable listed
  there can be neither run (by any path) nor copied, which closes what the PATH shims (by name) and the
  process guard (after exec) leave open.

`sandbox_settings` is pure: the caller supplies the paths (home, project, the product's own locations,
the denied programs' executables) and which exist.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from claude_enterprise.enforce.sandbox_helpers import HELPER_PROGRAMS
from claude_enterprise.profiles import Profile

# Where Bash may write under `files.write: any`; `denyWrite` still holds inside them.
_BROAD_WRITE = ("~", "/tmp", "/var/tmp")
# Where denied programs are looked for besides claude's PATH.
_SYSTEM_BIN_DIRS = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin", "/opt/homebrew/bin")
LINUX_TOOLS = ("bwrap", "socat")
MACOS_TOOL = "/usr/bin/sandbox-exec"


class ProductPaths(NamedTuple):
    """The product's own locations as the session sees them."""

    state_dir: str  # audit spool, caches, sessions: never readable nor writable from the sandbox
    session_dir: str  # the gate script, shims, session profile, the hook's approvals: readable, never writable
    outbox_dir: str | None  # the gate's audit hand-over, the one product path the sandbox may write
    config_dirs: tuple[str, ...] = ()  # user config and managed dirs: never writable


def expand(path: str, home: str, project: str) -> str:
    """A profile path entry made absolute: `~/x` under home, a relative one under the project."""
    if path == "~" or path.startswith("~/"):
        return posixpath.normpath(home + path[1:])
    return posixpath.normpath(path if path.startswith("/") else posixpath.join(project, path))


def _under(path: str, roots: Iterable[str]) -> bool:
    return any(path == root or path.startswith(root.rstrip("/") + "/") for root in roots)


def _write_protected(paths: Iterable[str], writable: Sequence[str], exists: Callable[[str], bool]) -> list[str]:
    """`denyWrite` entries that matter and that the sandbox can hold without side effects: inside a writable
    root (elsewhere everything is read-only already), and existing or with an existing parent. A missing file is
    held by an unreadable placeholder (a persistence point such as `~/.bashrc` cannot be created), so listing
    only what matters also keeps such placeholders out of restricted sessions."""
    return [p for p in dict.fromkeys(paths)
            if _under(p, writable) and (exists(p) or exists(posixpath.dirname(p)))]


def _read_protected(paths: Iterable[str], exists: Callable[[str], bool]) -> list[str]:
    """`denyRead` entries that exist: a missing credential store has nothing to read, and its placeholder would
    turn every tool's quiet "no such file" into "permission denied"."""
    return [p for p in dict.fromkeys(paths) if exists(p)]


def allowed_domains(profile: Profile) -> list[str]:
    """The sandbox proxy's domain list: the profile's domains, everything (`*`), or nothing."""
    if profile.network_access == "allow":
        return ["*"]
    if profile.network_access == "restricted":
        return list(profile.allowed_domains)
    return []


def denied_executables(profile: Profile, path_env: str | None) -> list[str]:
    """The files of the programs an enforcing profile denies, to be unreadable (so unrunnable) in the sandbox.

    Found on claude's PATH and the system directories, symlinks resolved. Skipped: the sandbox's own helpers
    (socat bridges its network), and multi-call binaries (a `rm` that is really busybox: denying the file
    would deny every tool it implements); those stay with the shims, the guard and the analyzer.
    """
    if profile.exec.mode != "enforce":
        return []
    dirs = [d for d in (path_env or "").split(os.pathsep) if d.startswith("/")] + list(_SYSTEM_BIN_DIRS)
    found: dict[str, None] = {}
    for name in profile.exec_deny():
        if name in HELPER_PROGRAMS:
            continue
        for directory in dirs:
            candidate = os.path.join(directory, name)
            if not os.path.isfile(candidate):
                continue
            real = os.path.realpath(candidate)
            if os.path.basename(real) == name:
                found.setdefault(real, None)
    return list(found)


def sandbox_settings(profile: Profile, *, home: str, project: str, product: ProductPaths,
                     executables: Sequence[str] = (),
                     exists: Callable[[str], bool] = os.path.lexists) -> dict[str, Any] | None:
    """The `sandbox` block of the `--settings` layer, or None when the profile does not use the sandbox.
    `executables`: `denied_executables` of the profile."""
    if not profile.sandbox.enabled:
        return None

    def full(entries: Iterable[str]) -> list[str]:
        return [expand(p, home, project) for p in entries]

    write = [product.outbox_dir] if product.outbox_dir else []
    if profile.file_write == "any":
        write = [*full(_BROAD_WRITE), *write]
    # The session dir holds the gate script, the shims and the hook's approvals: when it lies in /tmp (a long
    # state path) broad writes would otherwise reach it.
    protected = [*full(profile.files.deny_write), product.state_dir, product.session_dir, *product.config_dirs]
    deny_write = _write_protected(protected, [project, *write], exists)
    deny_read = _read_protected([*full(profile.files.deny_read), product.state_dir, *executables], exists)
    return {
        "enabled": True,
        "failIfUnavailable": profile.sandbox.required,
        "autoAllowBashIfSandboxed": False,
        "allowUnsandboxedCommands": False,
        "excludedCommands": [],
        "network": {
            "allowedDomains": allowed_domains(profile),
            "allowLocalBinding": profile.network_access == "allow",
            "allowAllUnixSockets": False,
        },
        "filesystem": {
            "allowWrite": write,
            "denyWrite": deny_write,
            "denyRead": deny_read,
            "allowRead": [product.session_dir],
        },
    }


def managed_sandbox(profile: Profile) -> dict[str, Any] | None:
    """For the parent policy tier: only our domains count (a repository's `allowedDomains` would otherwise
    be added to ours) and the sandbox cannot be switched off by a lower layer."""
    if not profile.sandbox.enabled:
        return None
    return {
        "enabled": True,
        "failIfUnavailable": profile.sandbox.required,
        "allowUnsandboxedCommands": False,
        "network": {"allowedDomains": allowed_domains(profile), "allowManagedDomainsOnly": True},
    }


# -- availability -----------------------------------------------------------------------------------------


class Availability(NamedTuple):
    ok: bool
    detail: str


def _install_hint() -> str:
    if sys.platform == "darwin":
        return "Seatbelt (/usr/bin/sandbox-exec) ships with macOS; this system lacks it"
    return "install bubblewrap and socat (Debian/Ubuntu: apt-get install bubblewrap socat; Fedora: dnf install " \
           "bubblewrap socat)"


def availability(path_env: str | None, *, platform: str = sys.platform,
                 run: Callable[[Sequence[str]], int] | None = None) -> Availability:
    """Can Claude Code start its sandbox here? Linux: bwrap and socat on `path_env` (claude's PATH, where
    Claude Code looks) and bwrap able to create a namespace; macOS: sandbox-exec present."""
    if platform == "darwin":
        if os.access(MACOS_TOOL, os.X_OK):
            return Availability(True, f"Seatbelt ({MACOS_TOOL})")
        return Availability(False, f"{MACOS_TOOL} not found: {_install_hint()}")
    if not platform.startswith("linux"):
        return Availability(False, f"Claude Code has no sandbox on {platform}")
    found = {tool: shutil.which(tool, path=path_env) for tool in LINUX_TOOLS}
    missing = [tool for tool, where in found.items() if where is None]
    if missing:
        return Availability(False, f"{' and '.join(missing)} not found on PATH: {_install_hint()}")
    bwrap = found["bwrap"]
    assert bwrap is not None
    code = (run or _run)([bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--unshare-net", "--", "/bin/true"])
    if code != 0:
        return Availability(False, f"{bwrap} cannot create a sandbox here (exit {code}): user namespaces may be "
                                   "disabled (kernel.unprivileged_userns_clone, AppArmor restrictions)")
    return Availability(True, f"bubblewrap ({bwrap}) and socat ({found['socat']})")


def _run(argv: Sequence[str]) -> int:
    try:
        return subprocess.run(list(argv), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=10, check=False).returncode
    except (OSError, subprocess.TimeoutExpired):
        return 127


def needs_sandbox(profile: Profile) -> bool:
    """An enforcing profile that must not run without its sandbox."""
    return profile.sandbox.enabled and profile.sandbox.required


def describe(profile: Profile, settings: Mapping[str, Any] | None) -> str:
    """One line for --check-policy: what the sandbox does for this profile."""
    if settings is None:
        return f"profile {profile.name!r} does not use the OS sandbox"
    fs = settings["filesystem"]
    domains = settings["network"]["allowedDomains"]
    net = "open" if domains == ["*"] else (f"{len(domains)} allowed domains" if domains else "none")
    return (f"Bash sandboxed ({'required' if profile.sandbox.required else 'where available'}); network: {net}; "
            f"extra writable paths: {len(fs['allowWrite'])}; write-protected: {len(fs['denyWrite'])}; "
            f"read-protected: {len(fs['denyRead'])}")
