"""`claude-enterprise explain` as a real process: text and JSON output, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.support.cli import CLI

REPO = Path(__file__).resolve().parents[2]


def _explain(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # A fresh HOME and config dirs: no managed config, no identity, bundled default profile (standard).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLAUDE_ENTERPRISE", "XDG_", "AWS_"))}
    env.update(
        HOME=str(tmp_path),
        XDG_CONFIG_HOME=str(tmp_path / "cfg"),
        XDG_STATE_HOME=str(tmp_path / "st"),
        PYTHONPATH=str(REPO),
    )
    return subprocess.run(
        [*CLI, "explain", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )


def test_denied_command_text(tmp_path: Path) -> None:
    result = _explain(tmp_path, "--security-profile", "restricted", "--", "timeout 5 bash -c 'curl x' > out")
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert "profile:  restricted" in out and "decision: deny" in out
    assert "curl x   (via timeout → bash -c)" in out
    assert "rule:     shell.allowlist.not_allowed" in out and "writes:   out (>)" in out


def test_allowed_command_json(tmp_path: Path) -> None:
    result = _explain(tmp_path, "--json", "--", "git", "status", "--short")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["profile"] == "standard" and report["decision"] == "allow" and report["allow"] is True
    assert report["command"] == "git status --short" and report["rule_id"] == "shell.denylist.allowed"
    assert report["executions"] == [{"kind": "program", "program": "git", "args": ["status", "--short"], "via": []}]


def test_json_shows_code_and_analysis_errors(tmp_path: Path) -> None:
    report = json.loads(_explain(tmp_path, "--json", "--", "python -c 'print(1)'").stdout)
    assert report["executions"][1] == {
        "kind": "code",
        "program": "python",
        "args": [],
        "via": [],
        "origin": "inline",
        "code": "print(1)",
    }
    broken = _explain(tmp_path, "--json", "--", "echo 'oops")
    assert broken.returncode == 1
    assert json.loads(broken.stdout)["analysis_error"] == "the command is not valid shell syntax"


@pytest.mark.parametrize(
    ("args", "message"),
    [((), "give the command after --"), (("--security-profile", "nope", "--", "ls"), "nope")],
)
def test_usage_errors(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    result = _explain(tmp_path, *args)
    assert result.returncode == 2 and message in result.stderr and len(result.stderr.splitlines()) == 1


def test_wider_profile_is_explained_but_marked(tmp_path: Path) -> None:
    result = _explain(tmp_path, "--security-profile", "elevated", "--", "sudo id")
    assert result.returncode == 0, result.stderr
    assert "profile:  elevated (requested, but not available to you:" in result.stdout
    assert "ceiling 'standard'" in result.stdout and "decision: allow" in result.stdout
