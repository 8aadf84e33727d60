"""Shared fixtures: the real claude binary, an isolated HOME for it, the fake model server, free ports.

The end-to-end tests need the real Claude Code: `npm install --prefix tests/claude-code` installs the pinned
version, or `CLAUDE_ENTERPRISE_TEST_CLAUDE_BIN` names one. Without it those tests FAIL (never skip): a
missing binary must not pass for a green run.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fake_model import FakeModel

REPO_ROOT = Path(__file__).resolve().parent.parent
CLAUDE_BIN_ENV = "CLAUDE_ENTERPRISE_TEST_CLAUDE_BIN"
PINNED_CLAUDE = REPO_ROOT / "tests" / "claude-code" / "node_modules" / ".bin" / "claude"

# Keeps Claude Code off the network and quiet (REFERENCE.md §1 "Testing with the real binary").
CLAUDE_QUIET_ENV = {
    "DISABLE_AUTOUPDATER": "1",
    "DISABLE_TELEMETRY": "1",
    "DISABLE_ERROR_REPORTING": "1",
    "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
}


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def claude_bin() -> Path:
    """The real `claude`; fails the test with the install command when it is missing."""
    override = os.environ.get(CLAUDE_BIN_ENV)
    path = Path(override) if override else PINNED_CLAUDE
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(
            f"the real Claude Code binary is missing at {path}: run `npm install --prefix tests/claude-code` "
            f"or set {CLAUDE_BIN_ENV}",
            pytrace=False,
        )
    return path


@pytest.fixture
def fake_model() -> Iterator[FakeModel]:
    """A scripted Messages API on 127.0.0.1, stopped after the test."""
    with FakeModel() as model:
        yield model


@pytest.fixture
def claude_home(tmp_path: Path) -> dict[str, str]:
    """A fresh HOME, CLAUDE_CONFIG_DIR, XDG dirs and TMPDIR, so no real user configuration leaks into a test
    and nothing the test starts (claude, its sandbox sockets, our session dirs) is left in the shared /tmp."""
    home = tmp_path / "home"
    (home / ".claude").mkdir(parents=True)
    (tmp_path / "tmp").mkdir()
    return {
        "TMPDIR": str(tmp_path / "tmp"),
        "HOME": str(home),
        "CLAUDE_CONFIG_DIR": str(home / ".claude"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "XDG_CACHE_HOME": str(home / ".cache"),
    }


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    """The working directory claude runs in (an untrusted repository in the threat model)."""
    path = tmp_path / "project"
    path.mkdir()
    return path.resolve()


@pytest.fixture
def claude_env(claude_home: dict[str, str], fake_model: FakeModel) -> dict[str, str]:
    """A minimal environment that points the real claude at the fake model server.

    As root, Claude Code refuses some options unless IS_SANDBOX=1 (REFERENCE.md §1).
    """
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": os.environ.get("LANG", "C.UTF-8"),
        **claude_home,
        **CLAUDE_QUIET_ENV,
        **fake_model.env(),
    }
    if os.geteuid() == 0:
        env["IS_SANDBOX"] = "1"
    return env


@pytest.fixture
def launcher_env(claude_env: dict[str, str], claude_bin: Path, tmp_path: Path) -> dict[str, str]:
    """`claude_env` plus what the launcher needs: the real claude, a private state dir, our sources."""
    return {
        **claude_env,
        "CLAUDE_ENTERPRISE_CLAUDE_BIN": str(claude_bin),
        "CLAUDE_ENTERPRISE_STATE_DIR": str(tmp_path / "state"),
        "PYTHONPATH": str(REPO_ROOT),
    }
