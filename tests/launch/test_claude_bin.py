"""Finding claude: the explicit variable, PATH (skipping our shim dir and wrappers), usual locations, 127."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from claude_enterprise.launch.claude_bin import INSTALL_HINT, ClaudeNotFound, claude_version, find_claude
from tests.conftest import REPO_ROOT


def make_exe(path: Path, body: str = "#!/bin/sh\necho '9.9.9 (Claude Code)'\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body)
    path.chmod(0o755)
    return path


def test_explicit_variable_wins(tmp_path: Path) -> None:
    explicit = make_exe(tmp_path / "x" / "my-claude")
    on_path = make_exe(tmp_path / "bin" / "claude")
    env = {"CLAUDE_ENTERPRISE_CLAUDE_BIN": str(explicit), "PATH": str(on_path.parent)}
    assert find_claude(env, home=tmp_path) == explicit


def test_explicit_variable_must_be_executable(tmp_path: Path) -> None:
    with pytest.raises(ClaudeNotFound, match="CLAUDE_ENTERPRISE_CLAUDE_BIN"):
        find_claude({"CLAUDE_ENTERPRISE_CLAUDE_BIN": str(tmp_path / "missing")}, home=tmp_path)


def test_path_order_skips_shims_and_wrappers(tmp_path: Path) -> None:
    shims = make_exe(tmp_path / "shims" / "claude")
    wrapper = make_exe(tmp_path / "wrap" / "claude",
                       "#!/usr/bin/python3\nfrom claude_enterprise.cli.entry import main\nmain()\n")
    real = make_exe(tmp_path / "real" / "claude")
    later = make_exe(tmp_path / "later" / "claude")
    path = os.pathsep.join(str(p.parent) for p in (shims, wrapper, real, later))
    assert find_claude({"PATH": path}, skip_dirs=[shims.parent], home=tmp_path) == real


def test_usual_locations_after_path(tmp_path: Path) -> None:
    native = make_exe(tmp_path / ".claude" / "local" / "claude")
    assert find_claude({"PATH": str(tmp_path / "empty")}, home=tmp_path) == native
    npm = make_exe(tmp_path / "npm-prefix" / "bin" / "claude")
    native.unlink()
    env = {"PATH": "", "NPM_CONFIG_PREFIX": str(tmp_path / "npm-prefix")}
    found = find_claude(env, home=tmp_path)
    # /usr/local/bin/claude on this machine would legitimately come first.
    assert found in (npm, Path("/usr/local/bin/claude"), Path("/opt/homebrew/bin/claude"))


def test_not_found_names_the_install_command(tmp_path: Path) -> None:
    if any(Path(p).exists() for p in ("/usr/local/bin/claude", "/opt/homebrew/bin/claude")):
        pytest.skip("this machine has claude in a system location")
    with pytest.raises(ClaudeNotFound, match=INSTALL_HINT.replace("@", ".")):
        find_claude({"PATH": ""}, home=tmp_path)


def test_launcher_exits_127_without_claude(tmp_path: Path, claude_home: dict[str, str]) -> None:
    if any(Path(p).exists() for p in ("/usr/local/bin/claude", "/opt/homebrew/bin/claude")):
        pytest.skip("this machine has claude in a system location")
    env = {**claude_home, "PATH": str(tmp_path / "nothing"), "PYTHONPATH": str(REPO_ROOT),
           "CLAUDE_ENTERPRISE_STATE_DIR": str(tmp_path / "state")}
    result = subprocess.run([sys.executable, "-m", "claude_enterprise.launch", "-p", "hi"], env=env,
                            capture_output=True, text=True, check=False, cwd=tmp_path)
    assert result.returncode == 127
    assert INSTALL_HINT in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_version_probe_is_cached(tmp_path: Path) -> None:
    counter = tmp_path / "calls"
    exe = make_exe(tmp_path / "claude", f"#!/bin/sh\necho x >> {counter}\necho '2.1.197 (Claude Code)'\n")
    cache = tmp_path / "cache" / "claude-version.json"
    assert claude_version(exe, cache) == "2.1.197"
    assert claude_version(exe, cache) == "2.1.197"
    assert counter.read_text().count("x") == 1
    broken = make_exe(tmp_path / "broken", "#!/bin/sh\nexit 3\n")
    assert claude_version(broken, cache) is None
