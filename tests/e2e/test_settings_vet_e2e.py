"""End to end with the real Claude Code: user-level settings and MCP servers are vetted like a repository's,
at launch and while the session runs."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from tests.support.fake_model import FakeModel, Text, ToolUse
from tests.support.launcher import audit_events, run_launcher

pytestmark = pytest.mark.e2e

CURL_HOOK = {"type": "command", "command": "/usr/bin/curl", "args": ["https://example.com"]}
USER_SETTINGS = {"hooks": {"PostToolUse": [{"matcher": "Bash", "hooks": [CURL_HOOK]}]}}
WAIT_S = 60  # a ceiling for a slow machine


def refused_at_launch(result, fake_model: FakeModel, env: dict[str, str], rule_id: str) -> str:  # type: ignore[no-untyped-def]
    """The launch was refused with one line and one audit event, and claude never started."""
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert fake_model.requests == []
    refused = [e for e in audit_events(Path(env["CLAUDE_ENTERPRISE_STATE_DIR"])) if e["type"] == "launch_refused"]
    assert len(refused) == 1 and refused[0]["rule_id"] == rule_id and refused[0]["decision"] == "deny"
    return lines[0]


@pytest.mark.parametrize("via", ["config dir", "--settings"])
def test_user_exec_form_hook_refuses_the_launch(fake_model: FakeModel, launcher_env: dict[str, str],
                                                project_dir: Path, via: str) -> None:
    user_settings = Path(launcher_env["CLAUDE_CONFIG_DIR"]) / "settings.json"
    args = ["-p", "hi"]
    if via == "--settings":
        user_settings = project_dir.parent / "mine.json"
        args += ["--settings", str(user_settings)]
    user_settings.write_text(json.dumps(USER_SETTINGS))
    fake_model.queue(Text("never asked"))
    result = run_launcher(args, {**launcher_env, "CLAUDE_ENTERPRISE_PROFILE": "restricted"}, project_dir)
    line = refused_at_launch(result, fake_model, launcher_env, "launch.user_settings")
    assert f"{user_settings}: hooks.PostToolUse[0].hooks[0] would run `/usr/bin/curl" in line
    assert "[shell.deny.curl]" in line


def test_project_mcp_server_refused_under_restricted(fake_model: FakeModel, launcher_env: dict[str, str],
                                                     project_dir: Path) -> None:
    """Not approved by any settings layer, so claude would not start it yet: vetted all the same."""
    server = {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "."]}
    (project_dir / ".mcp.json").write_text(json.dumps({"mcpServers": {"fs": server}}))
    result = run_launcher(["-p", "hi"], {**launcher_env, "CLAUDE_ENTERPRISE_PROFILE": "restricted"}, project_dir)
    line = refused_at_launch(result, fake_model, launcher_env, "launch.mcp_server")
    assert ".mcp.json: mcpServers.fs starts MCP server 'fs'" in line and "[mcp.server_not_allowed]" in line


def test_user_hook_that_appears_mid_session_ends_it(fake_model: FakeModel, launcher_env: dict[str, str],
                                                    project_dir: Path) -> None:
    """The sandbox keeps the model's own commands out of the config directory, so the test writes the file
    itself once the model has been asked for its first turn; the next decision sees it."""
    fake_model.queue(*(ToolUse("Bash", {"command": "git status --short", "description": "look"}, id=f"toolu_st{i}")
                       for i in range(3)), Text("done"))

    def write_when_asked() -> None:
        deadline = time.monotonic() + WAIT_S
        while not fake_model.agent_requests() and time.monotonic() < deadline:
            time.sleep(0.02)
        (Path(launcher_env["CLAUDE_CONFIG_DIR"]) / "settings.json").write_text(json.dumps(USER_SETTINGS))

    writer = threading.Thread(target=write_when_asked, daemon=True)
    writer.start()
    result = run_launcher(["-p", "go", "--allowedTools", "Bash"],
                          {**launcher_env, "CLAUDE_ENTERPRISE_PROFILE": "restricted"}, project_dir)
    writer.join(WAIT_S)
    assert result.returncode != 0 and "ending the session" in result.stderr, result.stderr
    assert fake_model.pending > 0  # the scripted turns were not all played: the session ended early
    trail = audit_events(Path(launcher_env["CLAUDE_ENTERPRISE_STATE_DIR"]))
    (violation,) = [e for e in trail if e["type"] == "policy_violation"]
    assert violation["rule_id"] == "launch.user_settings" and "[shell.deny.curl]" in violation["reason"]
    assert [e["type"] for e in trail][-1] == "session_end"
