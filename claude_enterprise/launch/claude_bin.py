"""Finding the real `claude`, and asking it its version (for --check-policy).

Order: `CLAUDE_ENTERPRISE_CLAUDE_BIN`, then PATH (skipping our own shim directory and any `claude` that is
really this wrapper, which administrators may install under that name), then the usual install locations.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from claude_enterprise.constants import ENV_CLAUDE_BIN
from claude_enterprise.fsutil import atomic_write

BIN_ENV = ENV_CLAUDE_BIN
INSTALL_HINT = "npm install -g @anthropic-ai/claude-code"
_WRAPPER_MARKER = b"claude_enterprise"


class ClaudeNotFound(Exception):
    """No usable `claude` (exit 127); the message says what to install or set."""


def usual_locations(home: Path, env: Mapping[str, str]) -> list[Path]:
    """Where Claude Code's installers put it: native installer, npm local/global prefixes, Homebrew."""
    places = [
        home / ".claude" / "local" / "claude",
        home / ".local" / "bin" / "claude",
        Path("/usr/local/bin/claude"),
        Path("/opt/homebrew/bin/claude"),
    ]
    prefix = env.get("NPM_CONFIG_PREFIX") or env.get("npm_config_prefix")
    if prefix:
        places.append(Path(prefix) / "bin" / "claude")
    places.append(home / ".npm-global" / "bin" / "claude")
    return places


def _is_executable_file(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def _is_wrapper(path: Path) -> bool:
    """A script that starts claude-enterprise (e.g. `claude` pointing at us) would recurse."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096)
    except OSError:
        return True
    return head.startswith(b"#!") and _WRAPPER_MARKER in head


def _candidates(env: Mapping[str, str], skip_dirs: Iterable[Path], home: Path) -> Iterator[Path]:
    skipped = {os.path.realpath(d) for d in skip_dirs}
    for entry in env.get("PATH", "").split(os.pathsep):
        if entry and os.path.realpath(entry) not in skipped:
            yield Path(entry) / "claude"
    yield from usual_locations(home, env)


def find_claude(
    env: Mapping[str, str], *, skip_dirs: Iterable[Path] = (), home: Path | None = None
) -> Path:
    """The `claude` to launch. Raises ClaudeNotFound."""
    explicit = env.get(BIN_ENV)
    if explicit:
        path = Path(explicit).expanduser()
        if not _is_executable_file(path):
            raise ClaudeNotFound(f"{BIN_ENV}={explicit} is not an executable file; fix it or unset it")
        return path.absolute()
    home = home if home is not None else Path(env.get("HOME") or Path.home())
    for candidate in _candidates(env, skip_dirs, home):
        if _is_executable_file(candidate) and not _is_wrapper(candidate):
            return candidate.absolute()
    raise ClaudeNotFound(f"claude (Claude Code) not found on PATH or in the usual places; install it with "
                         f"`{INSTALL_HINT}` or set {BIN_ENV}")


def claude_version(path: Path, cache_file: Path | None = None, timeout: float = 10.0) -> str | None:
    """`claude --version` (e.g. "2.1.197"), cached per binary (path, size, mtime); None on failure."""
    try:
        st = path.stat()
    except OSError:
        return None
    key = f"{os.path.realpath(path)}:{st.st_size}:{st.st_mtime_ns}"
    if cache_file is not None:
        try:
            cached = json.loads(cache_file.read_text())
            if cached.get("key") == key:
                return str(cached["version"])
        except (OSError, ValueError, KeyError, AttributeError):
            pass
    try:
        result = subprocess.run([str(path), "--version"], capture_output=True, text=True, timeout=timeout,
                                stdin=subprocess.DEVNULL, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if result.returncode != 0 or not result.stdout.strip():
        return None
    version = result.stdout.strip().split()[0]
    if cache_file is not None:
        try:
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(cache_file, json.dumps({"key": key, "version": version}), fsync=False)
        except OSError:
            pass  # a cache that cannot be written only costs the next probe
    return version


_VERSION_DIR = re.compile(r"\d+\.\d+\.\d+")


def installed_version(claude: Path) -> str | None:
    """The Claude Code version of `claude` read from its installation, without running it (launch time):
    the npm package's `package.json` beside the resolved script, or the native installer's `versions/X.Y.Z`.
    None when neither says."""
    try:
        real = Path(os.path.realpath(claude))
    except OSError:
        return None
    for parent in list(real.parents)[:3]:
        try:
            package = json.loads((parent / "package.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(package, dict) and package.get("name") == "@anthropic-ai/claude-code":
            version = package.get("version")
            return version if isinstance(version, str) else None
    return real.name if _VERSION_DIR.fullmatch(real.name) else (
        real.parent.name if _VERSION_DIR.fullmatch(real.parent.name) else None)
