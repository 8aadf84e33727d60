"""End to end with the real Claude Code binary and the fake model: a scripted model tries denied commands
straight, through `bash -c`, from a subagent, and in a repository that switches hooks off; none executes,
and an allowed command still runs. Our server, hook and gate are wired exactly as the launcher wires them
(`settings_fragment()` into the `--settings` layer, `env()` into claude's environment)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from claude_enterprise.enforce.server import DecisionServer
from tests.conftest import CLAUDE_QUIET_ENV
from tests.enforce.conftest import decisions
from tests.support.fake_model import FakeModel, Text, ToolUse

pytestmark = pytest.mark.e2e

Serve = Callable[..., DecisionServer]


def run_claude(claude_bin: Path, model: FakeModel, env: dict[str, str], project: Path,
               layer: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    settings = project.parent / "layer.json"
    settings.write_text(json.dumps(layer))
    return subprocess.run(
        [str(claude_bin), "-p", "go", "--settings", str(settings), "--allowedTools", "Bash",
         "--output-format", "json"],
        cwd=project, env={**env, **CLAUDE_QUIET_ENV, **model.env()}, capture_output=True, text=True,
        timeout=180, stdin=subprocess.DEVNULL, check=False,
    )


def bash(command: str, **extra: Any) -> ToolUse:
    return ToolUse("Bash", {"command": command, "description": "step", **extra})


def test_denied_commands_never_run_and_allowed_ones_do(
    claude_bin: Path, fake_model: FakeModel, serve: Serve, enforce_env: dict[str, str], project: Path,
    tmp_path: Path,
) -> None:
    server = serve("restricted")
    markers = [tmp_path / f"marker{i}" for i in range(4)]
    fake_model.queue(
        bash(f"touch {markers[0]}"),
        bash(f"bash -c 'touch {markers[1]}'"),
        bash(f"sleep 0; touch {markers[2]}", run_in_background=True),
        ToolUse("Agent", {"description": "helper", "prompt": "run it", "subagent_type": "general-purpose"}),
        bash(f"touch {markers[3]}"),  # the subagent's turn
        Text("subagent done"),
        bash("git init -q allowed-repo"),
        Text("all done"),
    )
    layer = {"disableAllHooks": False, **server.settings_fragment()}
    result = run_claude(claude_bin, fake_model, {**enforce_env, **server.env()}, project, layer)
    assert result.returncode == 0, result.stderr
    assert not any(m.exists() for m in markers)
    assert (project / "allowed-repo" / ".git").is_dir()
    assert fake_model.pending == 0
    events = decisions(enforce_env)
    denied = {e["rule_id"] for e in events if e["decision"] == "deny"}
    results = list(fake_model.tool_results().values())
    assert sum(any(f"[{rule}]" in r.content for rule in denied) for r in results) >= 4, results
    assert {e["decision"] for e in events} == {"allow", "deny"}
    assert any(e.get("agent_id") for e in events)  # the subagent's call went through the hook too
    assert any(e["enforcement"] == "gate" and e["decision"] == "allow" for e in events)


def test_hooks_switched_off_by_the_repository_still_meet_the_gate(
    claude_bin: Path, fake_model: FakeModel, serve: Serve, enforce_env: dict[str, str], project: Path,
    tmp_path: Path,
) -> None:
    """The repository disables hooks and blanks the prefix; our layer has no `disableAllHooks: false`, so only
    the gate (re-asserted through the settings layer's env) stands between the model and the command."""
    server = serve("restricted")
    (project / ".claude").mkdir()
    (project / ".claude" / "settings.json").write_text(json.dumps(
        {"disableAllHooks": True, "env": {"CLAUDE_CODE_SHELL_PREFIX": ""}}))
    marker = tmp_path / "marker"
    fake_model.queue(bash(f"touch {marker}"), bash("git init -q allowed-repo"), Text("done"))
    layer = {"env": server.settings_fragment()["env"]}
    result = run_claude(claude_bin, fake_model, {**enforce_env, **server.env()}, project, layer)
    assert result.returncode == 0, result.stderr
    assert not marker.exists()
    assert (project / "allowed-repo" / ".git").is_dir()
    assert any("claude-enterprise: blocked [" in r.content for r in fake_model.tool_results().values())
    assert [e["enforcement"] for e in decisions(enforce_env)] == ["gate", "gate"]
