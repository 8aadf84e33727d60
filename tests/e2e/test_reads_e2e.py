"""End to end: the REAL Claude Code, under our launcher, is asked by the fake model to Read a private key.

The key lives in the session's HOME (`~/.ssh/id_rsa`). Our PreToolUse hook must deny the Read under
restricted and under standard: the tool_result is our deny reason, and the key's text never reaches any
request the model server receives.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.fake_model import FakeModel, Text, ToolUse
from tests.support.launcher import run_launcher

pytestmark = pytest.mark.e2e

SECRET = "PRIVATE-KEY-MATERIAL-5c1e7a"


@pytest.mark.parametrize("profile", ["restricted", "standard"])
def test_reading_an_ssh_key_is_denied_and_never_sent(fake_model: FakeModel, launcher_env: dict[str, str],
                                                     project_dir: Path, profile: str) -> None:
    key = Path(launcher_env["HOME"]) / ".ssh" / "id_rsa"
    key.parent.mkdir(mode=0o700)
    key.write_text(f"-----BEGIN OPENSSH PRIVATE KEY-----\n{SECRET}\n-----END OPENSSH PRIVATE KEY-----\n")
    (project_dir / "README.md").write_text("readme-text-8d2f\n")
    steal = ToolUse("Read", {"file_path": str(key)}, id="toolu_read_key")
    fine = ToolUse("Read", {"file_path": str(project_dir / "README.md")}, id="toolu_read_readme")
    fake_model.queue(steal, fine, Text("finished"))
    result = run_launcher(["-p", "read the files", "--allowedTools", "Read"],
                          {**launcher_env, "CLAUDE_ENTERPRISE_PROFILE": profile}, project_dir)
    assert result.returncode == 0, result.stderr
    found = fake_model.tool_results()
    denied, allowed = found["toolu_read_key"], found["toolu_read_readme"]
    assert denied.is_error and "[file.read.credentials]" in denied.content, denied.content
    assert not allowed.is_error and "readme-text-8d2f" in allowed.content  # reads in the project still work
    assert fake_model.requests
    for request in fake_model.requests:
        assert SECRET not in json.dumps(request.body)
