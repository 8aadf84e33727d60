"""Shell writes through a symlink a repository ships: judged by where they really land (real files)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claude_enterprise.audit import AuditContext
from claude_enterprise.enforce.decider import Decider
from claude_enterprise.paths import bundled_policies_dir
from claude_enterprise.policy import PolicyContext
from claude_enterprise.policy.paths import symlinked_write
from claude_enterprise.profiles import load_catalog

CATALOG = load_catalog(bundled_policies_dir() / "profiles", None)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    (project / ".claude").mkdir(parents=True)
    outside = tmp_path / "home" / ".bashrc"
    outside.parent.mkdir()
    outside.write_text("# user's shell start-up\n")
    (project / "out").symlink_to(outside)
    (project / "notes").symlink_to(project / ".claude" / "settings.json")
    (project / "inner").symlink_to(project / "real.txt")
    return project


def _ctx(project: Path) -> PolicyContext:
    return PolicyContext(project_dirs=(str(project),), home=str(project.parent / "home"), cwd=str(project))


def test_link_out_of_the_project_is_denied_under_restricted(repo):
    decision = symlinked_write("echo x >> out", CATALOG["restricted"], _ctx(repo))
    assert decision is not None and decision.rule_id == "shell.write.symlink_outside_project"
    assert symlinked_write("git log | tee -a out", CATALOG["restricted"], _ctx(repo)) is not None
    assert symlinked_write("echo x >> out", CATALOG["standard"], _ctx(repo)) is None  # writes anywhere


def test_link_to_protected_settings_is_denied_under_every_profile(repo):
    for name in ("restricted", "standard", "elevated"):
        decision = symlinked_write("echo '{}' > notes", CATALOG[name], _ctx(repo))
        assert decision is not None and decision.rule_id == "file.protected", name


def test_links_inside_the_project_and_plain_files_pass(repo):
    assert symlinked_write("echo x > inner", CATALOG["restricted"], _ctx(repo)) is None
    assert symlinked_write("echo x > plain.txt 2>/dev/null", CATALOG["restricted"], _ctx(repo)) is None


def test_the_hook_denies_it_end_to_end(repo, tmp_path, monkeypatch):
    monkeypatch.setenv("CLAUDE_ENTERPRISE_STATE_DIR", str(tmp_path / "state"))
    decider = Decider(CATALOG["restricted"], AuditContext(profile="restricted"), project_dirs=(str(repo),),
                      config_dir=str(tmp_path / "claude"), home=str(tmp_path / "home"))
    payload = {"session_id": "s", "transcript_path": "/t.jsonl", "cwd": str(repo), "hook_event_name": "PreToolUse",
               "tool_name": "Bash", "tool_input": {"command": "echo pwned >> out"}, "tool_use_id": "toolu_1"}
    verdict = decider.hook(json.dumps(payload).encode())
    # The link leads to ~/.bashrc, which the profile's files.deny_write protects outright.
    assert not verdict.allow and verdict.rule_id == "file.protected"
    payload["tool_input"] = {"command": "git status > status.txt"}
    assert decider.hook(json.dumps(payload).encode()).allow
