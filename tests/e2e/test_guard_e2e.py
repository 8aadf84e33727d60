"""End to end: a command the hook and gate allow (`npm run ...` under restricted) starts a denied program
in turn. The PATH shims refuse it by name; the process guard stops it by absolute path (issue 5)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.support.fake_model import FakeModel, Text, ToolUse
from tests.support.launcher import audit_events, run_launcher

pytestmark = pytest.mark.e2e


@pytest.fixture
def npm_project(project_dir: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A repository whose npm scripts call `curl` (a harmless stand-in that only sleeps, then leaves a mark)."""
    fake_bin = tmp_path / "fakebin"
    fake_bin.mkdir()
    mark = tmp_path / "curl-finished"
    curl = fake_bin / "curl"
    curl.write_text(f"#!/bin/sh\nsleep 5\ntouch {mark}\n")
    curl.chmod(0o755)
    scripts = {"by-path": f"{curl} https://example.com", "by-name": "curl https://example.com"}
    (project_dir / "package.json").write_text(json.dumps({"name": "p", "version": "1.0.0", "scripts": scripts}))
    return curl, mark


def _run(model: FakeModel, env: dict[str, str], project: Path, script: str) -> list[dict]:
    model.queue(ToolUse("Bash", {"command": f"npm run -s {script}", "description": "run"}, id="toolu_npm01"),
                Text("done"))
    result = run_launcher(["-p", "go", "--allowedTools", "Bash"], {**env, "CLAUDE_ENTERPRISE_PROFILE": "restricted"},
                          project)
    assert result.returncode == 0, result.stderr
    (decision,) = [e for e in audit_events(Path(env["CLAUDE_ENTERPRISE_STATE_DIR"])) if e["type"] == "tool_decision"
                   and e["tool_use_id"] == "toolu_npm01" and e.get("enforcement") == "hook"]
    assert decision["decision"] == "allow"  # npm is on restricted's allow list: only the guard can act
    return audit_events(Path(env["CLAUDE_ENTERPRISE_STATE_DIR"]))


def test_guard_stops_a_denied_program_started_by_an_allowed_one(fake_model: FakeModel, launcher_env: dict[str, str],
                                                                project_dir: Path, npm_project) -> None:
    curl, mark = npm_project
    events = _run(fake_model, launcher_env, project_dir, "by-path")
    kills = [e for e in events if e["type"] == "process_killed"]
    # Only curl: the sandbox's socat bridges (and our socat shim passing them through) are never offenders.
    assert [e["program"] for e in kills] == ["curl"], [(e["program"], e["argv"]) for e in kills]
    killed = kills[0]
    assert killed["exe"] in (str(curl), "/bin/sh", "/usr/bin/sh", "/usr/bin/dash")
    assert any(link["name"] in ("npm", "node", "npm run -s by-path") or "node" in (link.get("exe") or "")
               for link in killed["parent_chain"]), killed["parent_chain"]
    assert not mark.exists()
    end = [e for e in events if e["type"] == "session_end"][-1]
    assert end["exit_code"] == 0


def test_shim_refuses_a_denied_program_called_by_name(fake_model: FakeModel, launcher_env: dict[str, str],
                                                      project_dir: Path, npm_project) -> None:
    curl, mark = npm_project
    env = {**launcher_env, "PATH": f"{curl.parent}{os.pathsep}{launcher_env['PATH']}"}
    events = _run(fake_model, env, project_dir, "by-name")
    blocked = [e for e in events if e["type"] == "exec_blocked" and e.get("source") == "shim"]
    assert blocked and blocked[0]["program"] == "curl"
    assert not mark.exists()
