"""The pinned Claude Code knows every tool name our native deny rules may use, and plan-only starts quietly.

A deny rule naming an unknown tool makes Claude Code print `matches no known tool` at every start.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from claude_enterprise.launch.claude_tools import KNOWN_TOOLS, PINNED_CLAUDE_CODE, RETIRED_TOOLS
from tests.support.fake_model import FakeModel, Text
from tests.support.launcher import run_launcher

pytestmark = pytest.mark.e2e

UNKNOWN = "matches no known tool"


def run_claude_with_deny(claude_bin: Path, env: dict[str, str], cwd: Path, deny: list[str]) -> str:
    settings = json.dumps({"permissions": {"deny": deny}})
    result = subprocess.run([str(claude_bin), "-p", "hi", "--settings", settings], env=env, cwd=cwd,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return result.stderr


def test_pinned_version_is_the_tested_one(claude_bin: Path, claude_env: dict[str, str]) -> None:
    out = subprocess.run([str(claude_bin), "--version"], env=claude_env, capture_output=True, text=True,
                         timeout=60, check=True).stdout
    assert out.split()[0] == PINNED_CLAUDE_CODE


def test_every_known_tool_is_known_to_the_pinned_binary(fake_model: FakeModel, claude_env: dict[str, str],
                                                        claude_bin: Path, project_dir: Path) -> None:
    fake_model.queue(Text("ok"))
    stderr = run_claude_with_deny(claude_bin, claude_env, project_dir, sorted(KNOWN_TOOLS))
    assert UNKNOWN not in stderr


def test_retired_tools_are_unknown_to_the_pinned_binary(fake_model: FakeModel, claude_env: dict[str, str],
                                                        claude_bin: Path, project_dir: Path) -> None:
    fake_model.queue(Text("ok"))
    stderr = run_claude_with_deny(claude_bin, claude_env, project_dir, sorted(RETIRED_TOOLS))
    assert all(f'"{name}" {UNKNOWN}' in stderr for name in RETIRED_TOOLS), stderr


def test_plan_only_starts_without_an_unknown_tool_warning(fake_model: FakeModel, launcher_env: dict[str, str],
                                                          project_dir: Path) -> None:
    fake_model.queue(Text("planned"))
    result = run_launcher(["-p", "plan it"], {**launcher_env, "CLAUDE_ENTERPRISE_PROFILE": "plan-only"},
                          project_dir)
    assert result.returncode == 0, result.stderr
    assert "planned" in result.stdout
    assert UNKNOWN not in result.stderr
