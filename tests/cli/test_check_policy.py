"""`claude-enterprise --check-policy [--json]` as a user or CI job runs it: a real process, real files."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from claude_enterprise.launch.settings import managed_settings, managed_settings_findings
from tests.audit.conftest import moto_url  # noqa: F401  (fixture)
from tests.conftest import REPO_ROOT
from tests.support.cli import CLI


@pytest.fixture
def env(claude_home, claude_bin, tmp_path) -> dict[str, str]:
    return {
        **claude_home,
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(REPO_ROOT),
        "CLAUDE_ENTERPRISE_CLAUDE_BIN": str(claude_bin),
        "CLAUDE_ENTERPRISE_STATE_DIR": str(tmp_path / "state"),
        "CLAUDE_ENTERPRISE_MANAGED_DIR": str(tmp_path / "no-managed"),
        "CLAUDE_ENTERPRISE_CLAUDE_MANAGED_SETTINGS": str(tmp_path / "managed-settings.json"),
    }


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], env=env,
                          capture_output=True, text=True, timeout=60, check=False)


def checks(result: subprocess.CompletedProcess[str]) -> dict[str, dict[str, str]]:
    report = json.loads(result.stdout)
    return {c["name"]: c for c in report["checks"]}


def test_embedded_default_is_compliant_with_a_warning(env):
    result = run(env, "--check-policy", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["profile"] == "standard" and report["source"] == "bundled default" and report["compliant"]
    by_name = checks(result)
    assert by_name["claude"]["status"] == "pass" and "2.1." in by_name["claude"]["detail"]
    assert by_name["managed_settings"]["status"] == "warn"
    assert by_name["audit.spool"]["status"] == "pass" and by_name["audit.sink"]["status"] == "pass"
    assert report["applied"]["env"]["CLAUDE_ALLOW_SHELL_EXEC"] == "true"
    assert report["applied"]["settings"]["permissions"]["disableBypassPermissionsMode"] == "disable"


def test_ci_usage_restricted(env):
    result = run({**env, "CLAUDE_ENTERPRISE_PROFILE": "restricted"}, "--check-policy")
    assert result.returncode == 0, result.stderr
    assert "profile: restricted  (env CLAUDE_ENTERPRISE_PROFILE" in result.stdout
    assert "CLAUDE_ALLOW_SHELL_EXEC=restricted" in result.stdout and result.stdout.rstrip().endswith("compliant")


def test_missing_claude_is_not_compliant(env, tmp_path):
    result = run({**env, "CLAUDE_ENTERPRISE_CLAUDE_BIN": str(tmp_path / "nope")}, "--check-policy", "--json")
    assert result.returncode == 1
    assert checks(result)["claude"]["status"] == "fail" and not json.loads(result.stdout)["compliant"]


def test_broken_config_exits_2_naming_the_file(env, tmp_path):
    cfg = tmp_path / "enterprise-config.json"
    cfg.write_text('{"security_profile": "standard", "typo_key": 1}')
    result = run({**env, "CLAUDE_ENTERPRISE_CONFIG": str(cfg)}, "--check-policy")
    assert result.returncode == 2
    assert result.stderr.strip() == f"claude-enterprise: {cfg}: typo_key: unknown key; see the README for the keys " \
                                    "enterprise-config.json accepts"


def test_widening_is_refused_and_audited(env, tmp_path):
    cfg = tmp_path / "enterprise-config.json"
    cfg.write_text('{"security_profile": "restricted"}')
    result = run({**env, "CLAUDE_ENTERPRISE_CONFIG": str(cfg)}, "--check-policy", "--security-profile", "elevated")
    assert result.returncode == 1 and "ceiling 'restricted'" in result.stderr
    trail = "".join(p.read_text() for p in (tmp_path / "state" / "audit").glob("*.jsonl"))
    assert '"type": "check_policy"' in trail or '"type":"check_policy"' in trail


def test_bedrock_region_outside_allowed_list_fails(env, tmp_path):
    cfg = tmp_path / "enterprise-config.json"
    cfg.write_text('{"allowed_bedrock_regions": ["us-east-1", "us-west-2"]}')
    bedrock = {**env, "CLAUDE_ENTERPRISE_CONFIG": str(cfg), "CLAUDE_CODE_USE_BEDROCK": "1"}
    result = run({**bedrock, "AWS_REGION": "eu-central-1"}, "--check-policy", "--json")
    assert result.returncode == 1 and checks(result)["bedrock_region"]["status"] == "fail"
    result = run({**bedrock, "AWS_REGION": "us-west-2"}, "--check-policy", "--json")
    assert result.returncode == 0 and checks(result)["bedrock_region"]["status"] == "pass"


def installed_programs(tmp_path: Path) -> Path:
    """A bin dir holding an executable `claude-enterprise` and `claude-enterprise-gate`, as a package installs."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for name in ("claude-enterprise", "claude-enterprise-gate"):
        (bindir / name).write_text("#!/bin/sh\n")
        (bindir / name).chmod(0o755)
    return bindir


@pytest.mark.skipif(os.geteuid() != 0, reason="managed settings count only when root-owned: needs root")
def test_managed_settings_consistency(env, tmp_path):
    target = Path(env["CLAUDE_ENTERPRISE_CLAUDE_MANAGED_SETTINGS"])
    bindir = installed_programs(tmp_path)
    target.write_text(json.dumps(managed_settings(str(bindir / "claude-enterprise"),
                                                  str(bindir / "claude-enterprise-gate"))))
    result = run(env, "--check-policy", "--json")
    assert checks(result)["managed_settings"]["status"] == "pass", result.stdout
    (bindir / "claude-enterprise").unlink()  # uninstalled: every hook call would fail open
    result = run(env, "--check-policy", "--json")
    assert result.returncode == 1 and "claude-enterprise is not an executable file" in \
        checks(result)["managed_settings"]["detail"]
    target.write_text(json.dumps({"disableAllHooks": True}))
    result = run(env, "--check-policy", "--json")
    assert result.returncode == 1 and checks(result)["managed_settings"]["status"] == "fail"
    assert "disableAllHooks is true" in checks(result)["managed_settings"]["detail"]


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root: compares administrator-owned and user-owned files")
def test_a_hook_or_gate_a_user_can_replace_is_not_compliant(env, tmp_path):
    target = Path(env["CLAUDE_ENTERPRISE_CLAUDE_MANAGED_SETTINGS"])
    bindir = installed_programs(tmp_path)
    os.chown(bindir / "claude-enterprise-gate", 65534, 65534)  # the user's own copy: swappable for a no-op
    target.write_text(json.dumps(managed_settings(str(bindir / "claude-enterprise"),
                                                  str(bindir / "claude-enterprise-gate"))))
    result = run(env, "--check-policy", "--json")
    detail = checks(result)["managed_settings"]["detail"]
    assert result.returncode == 1 and "claude-enterprise-gate is writable by non-administrators" in detail
    assert "bin/claude-enterprise is writable" not in detail
    target.write_text(json.dumps(managed_settings("claude-enterprise", str(bindir / "claude-enterprise-gate"))))
    result = run(env, "--check-policy", "--json")
    assert "no PreToolUse hook running `/ABSOLUTE/PATH/" in checks(result)["managed_settings"]["detail"]


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root: the probe is skipped only when running as root")
def test_as_root_a_claude_a_user_can_replace_is_never_run(env, tmp_path):
    """MDM runs --check-policy as root: a user's claude must not run with root's rights."""
    marker = tmp_path / "ran-as-root"
    claude = tmp_path / "user-bin" / "claude"
    claude.parent.mkdir()
    claude.write_text(f"#!/bin/sh\ntouch {marker}\necho 2.1.197\n")
    claude.chmod(0o755)
    os.chown(claude, 65534, 65534)
    result = run({**env, "CLAUDE_ENTERPRISE_CLAUDE_BIN": str(claude)}, "--check-policy", "--json")
    check = checks(result)["claude"]
    assert check["status"] == "warn" and "not run" in check["detail"], check
    assert not marker.exists()


def test_managed_settings_template_blocks_foreign_hooks():
    template = managed_settings("/usr/local/bin/claude-enterprise", "/usr/local/bin/claude-enterprise-gate")
    assert template["allowManagedHooksOnly"] is True and managed_settings_findings(template) == []
    (hook,) = template["hooks"]["PreToolUse"][0]["hooks"]
    assert hook["command"] == "/usr/local/bin/claude-enterprise" and hook["args"] == ["hook"]


@pytest.mark.parametrize("data", [{"env": [1], "hooks": [], "permissions": "x"},
                                  {"hooks": {"PreToolUse": [{"hooks": 5}, {"hooks": [{"command": "/x", "args": 3}]}]}},
                                  {"hooks": {"PreToolUse": "all"}, "env": {"CLAUDE_CODE_SHELL_PREFIX": 7}}])
def test_malformed_managed_settings_are_findings_not_a_crash(env, data):
    Path(env["CLAUDE_ENTERPRISE_CLAUDE_MANAGED_SETTINGS"]).write_text(json.dumps(data))
    result = run(env, "--check-policy", "--json")
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert checks(result)["managed_settings"]["status"] == "fail"
    assert "no PreToolUse hook running" in checks(result)["managed_settings"]["detail"]


def test_findings_name_every_gap():
    findings = managed_settings_findings({"hooks": {"PreToolUse": [{"matcher": "Write", "hooks": []}]}})
    assert len(findings) == 4 and any("exec gate" in f for f in findings)
    partial = {"hooks": {"PreToolUse": [{"matcher": "Bash|Write", "hooks": [
        {"type": "command", "command": "/usr/bin/claude-enterprise", "args": ["hook"]}]}]}}
    assert any("does not cover Edit, MultiEdit, NotebookEdit, WebFetch, WebSearch" in f
               for f in managed_settings_findings(partial))
    assert managed_settings_findings([]) == ["is not a JSON object"]


def test_principal_tag_map_refresh_is_reported(env, tmp_path, moto_url):  # noqa: F811
    """moto lacks GetPrincipalTagAttributeMap (REFERENCE §3): the refresh fails, is reported, and is no crash."""
    cfg = tmp_path / "enterprise-config.json"
    cfg.write_text(json.dumps({"existing_identity_pool_id": "us-east-1:0f6c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b",
                               "identity_issuer": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Test",
                               "identity_audience": "client"}))
    aws = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_ENDPOINT_URL_COGNITO_IDENTITY": moto_url, "AWS_EC2_METADATA_DISABLED": "true"}
    result = run({**env, **aws, "CLAUDE_ENTERPRISE_CONFIG": str(cfg)}, "--check-policy", "--json")
    check = checks(result)["principal_tag_map"]
    assert check["status"] == "warn" and "principal-tag map" in check["detail"], check
