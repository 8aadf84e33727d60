"""Fixtures for the hook, the exec gate and the decision server: an isolated state dir (audit spool), HOME and
Claude config dir, sessions served by a real DecisionServer, and the clients run as real processes."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from claude_enterprise.enforce.server import DecisionServer
from claude_enterprise.interpreter import HOOK_CALL, bootstrap, python_argv
from claude_enterprise.resolve import resolve
from tests.support.launcher import audit_events

SESSION_ID = "0b7d3c1e-5f2a-4e8b-9c6d-1a2b3c4d5e6f"
_SCRUB = ("CLAUDE_ENTERPRISE_PROFILE", "CLAUDE_CODE_MONITORING_TOKEN",
          "CLAUDE_CODE_SHELL_PREFIX", "CLAUDE_PROJECT_DIR", "CLAUDE_CODE_SESSION_ID", "BASH_ENV")


@pytest.fixture
def enforce_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """This process's and the clients' environment: private HOME, config, state, Claude config and temporary
    dirs (claude leaves its own files in TMPDIR: not the shared /tmp), and an enterprise config whose ceiling
    is `elevated` so every bundled profile can be requested."""
    home = tmp_path / "home"
    config = tmp_path / "enterprise-config.json"
    config.write_text(json.dumps({"security_profile": "elevated"}))
    (home / ".claude" / "shell-snapshots").mkdir(parents=True, mode=0o700)
    (tmp_path / "tmp").mkdir(exist_ok=True)
    values = {
        "TMPDIR": str(tmp_path / "tmp"),
        "HOME": str(home),
        "CLAUDE_CONFIG_DIR": str(home / ".claude"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "CLAUDE_ENTERPRISE_STATE_DIR": str(tmp_path / "state"),
        "CLAUDE_ENTERPRISE_MANAGED_DIR": str(tmp_path / "no-managed-dir"),
        "CLAUDE_ENTERPRISE_CONFIG": str(config),
    }
    for key in _SCRUB:
        monkeypatch.delenv(key, raising=False)
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return dict(os.environ)


@pytest.fixture
def project(project_dir: Path) -> Path:
    """The shared `project_dir` (tests/conftest.py), under the name these tests use."""
    return project_dir


@pytest.fixture
def serve(
    enforce_env: dict[str, str], tmp_path: Path, project: Path
) -> Iterator[Callable[..., DecisionServer]]:
    """Start a DecisionServer for a profile (resolved like the launcher does); stopped after the test."""
    started: list[DecisionServer] = []

    def start(profile: str, *, on_activity: Callable[[], None] | None = None,
              session_dir: Path | None = None) -> DecisionServer:
        server = DecisionServer(
            resolve(profile, enforce_env), SESSION_ID, session_dir or tmp_path / f"session-{profile}",
            on_activity=on_activity, project_dirs=(str(project),),
        )
        started.append(server.start())
        return server

    yield start
    for server in started:
        server.stop()


def payload(tool_name: str, tool_input: Mapping[str, Any], cwd: Path | str, /, **override: Any) -> dict[str, Any]:
    """A PreToolUse payload as Claude Code 2.1 sends it (REFERENCE.md §1)."""
    event = {
        "session_id": SESSION_ID,
        "transcript_path": f"/home/u/.claude/projects/p/{SESSION_ID}.jsonl",
        "cwd": str(cwd),
        "prompt_id": "p-1",
        "permission_mode": "default",
        "hook_event_name": "PreToolUse",
        "tool_name": tool_name,
        "tool_input": dict(tool_input),
        "tool_use_id": "toolu_01abc",
    }
    event.update(override)
    return event


def hook_argv(server: DecisionServer | None, profile: str | None = None) -> list[str]:
    """The hook exactly as Claude Code starts it: the server's exec-form entry, or standalone."""
    if server is not None:
        entry = server.hook_command()
        return [entry["command"], *entry["args"]]
    code = bootstrap(HOOK_CALL,
                     site_packages=True)
    extra = ["--profile", profile] if profile else []
    return [*python_argv(site=False), "-c", code, *extra]


def run_hook(argv: list[str], stdin: bytes | str | dict[str, Any], env: Mapping[str, str],
             cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    data = json.dumps(stdin).encode() if isinstance(stdin, dict) else stdin
    data = data.encode() if isinstance(data, str) else data
    return subprocess.run(argv, input=data, env=dict(env), capture_output=True, timeout=60, cwd=cwd, check=False)


def denial(result: subprocess.CompletedProcess[bytes]) -> str | None:
    """The deny reason a hook printed, or None when it allowed (exit 0, no output)."""
    assert result.returncode == 0, result.stderr.decode()
    out = result.stdout.decode().strip()
    if not out:
        return None
    answer = json.loads(out)["hookSpecificOutput"]
    assert answer["hookEventName"] == "PreToolUse" and answer["permissionDecision"] == "deny"
    reason = answer["permissionDecisionReason"]
    assert isinstance(reason, str) and reason.startswith("[")
    return reason


def decisions(env: Mapping[str, str]) -> list[dict[str, Any]]:
    return [e for e in audit_events(Path(env["CLAUDE_ENTERPRISE_STATE_DIR"])) if e["type"] == "tool_decision"]
