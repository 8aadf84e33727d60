"""`claude-enterprise admin configure`: prompts validated as typed, flags for CI, a file the runtime accepts."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from claude_enterprise.admin import configure as cfg
from claude_enterprise.config import parse_config
from tests.support.cli import CLI

POOL = "us-east-1:0f0e1d2c-3b4a-5968-7a8b-9c0d1e2f3a4b"
ROLE = "arn:aws:iam::123456789012:role/BedrockAccess"
PROVIDER = "cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC"


def admin(args: list[str], cwd: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """The installed console script when present (as an administrator runs it), else the module."""
    argv = CLI
    return subprocess.run([*argv, "admin", *args], input=stdin, capture_output=True, text=True, cwd=cwd,
                          timeout=60, check=False)


def test_interactive_answers_are_checked_as_typed(tmp_path: Path) -> None:
    config = tmp_path / "enterprise-config.json"
    answers = ["nonsense", "restricted", "maybe", "yes", "-5", "5000", "not-an-email", "finops@example.com",
               "yes", "department", "department=custom:department,cost_center=custom:cc", "bad-pool", POOL,
               "https://idp.example.com", PROVIDER, "arn:aws:iam::12:role/x", ROLE, "mars-1", "us-east-1,us-west-2",
               "no"]
    result = admin(["configure", "--config", str(config)], tmp_path, "\n".join(answers) + "\n")
    assert result.returncode == 0, result.stderr
    for complaint in ("one of elevated, plan-only, restricted, standard", "answer yes or no",
                      "must be more than 0", "not an e-mail address: not-an-email", "is not TAG=CLAIM",
                      "identity pool id looks like", "without https://", "IAM role ARN looks like",
                      "not an AWS Region: mars-1"):
        assert complaint in result.stderr, complaint
    data = json.loads(config.read_text())
    assert data == {
        "security_profile": "restricted", "cost_tracking_enabled": True, "budget_amount": 5000.0,
        "budget_email": "finops@example.com", "user_attribute_mapping_enabled": True,
        "user_attribute_mapping": {"department": "custom:department", "cost_center": "custom:cc"},
        "existing_identity_pool_id": POOL, "identity_provider_name": PROVIDER, "existing_bedrock_role_arn": ROLE,
        "allowed_bedrock_regions": ["us-east-1", "us-west-2"],
    }
    parse_config(data, str(config), managed=False)  # the runtime accepts what was written
    assert config.stat().st_mode & 0o777 == 0o644


def test_non_interactive_flags_keep_what_they_do_not_name(tmp_path: Path) -> None:
    config = tmp_path / "enterprise-config.json"
    config.write_text(json.dumps({"security_profile": "standard", "identity_issuer": "https://idp.example.com",
                                  "audit_region": "us-east-1", "cost_tracking_enabled": True,
                                  "budget_amount": 100, "budget_email": "a@example.com"}))
    result = admin(["configure", "--config", str(config), "--non-interactive", "--security-profile", "plan-only",
                    "--no-cost-tracking", "--allowed-regions", "eu-west-1"], tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(config.read_text())
    # Keys the command does not ask about stay; a budget without cost tracking is dropped.
    assert data == {"security_profile": "plan-only", "identity_issuer": "https://idp.example.com",
                    "audit_region": "us-east-1", "cost_tracking_enabled": False,
                    "allowed_bedrock_regions": ["eu-west-1"]}


@pytest.mark.parametrize(("flags", "message"), [
    (["--security-profile", "ultra"], "--security-profile: one of"),
    (["--cost-tracking", "--budget-amount", "lots"], "--budget-amount: a number of US dollars"),
    (["--bedrock-role-arn", "role/x"], "--bedrock-role-arn: an IAM role ARN looks like"),
    (["--attribute-map", "department"], "--attribute-map: 'department' is not TAG=CLAIM"),
])
def test_a_bad_flag_is_one_line_and_writes_nothing(tmp_path: Path, flags: list[str], message: str) -> None:
    config = tmp_path / "enterprise-config.json"
    result = admin(["configure", "--config", str(config), "--non-interactive", *flags], tmp_path)
    assert result.returncode == 2 and not config.exists()
    assert result.stderr.strip().count("\n") == 0 and message in result.stderr


def test_a_file_the_runtime_rejects_is_never_rewritten(tmp_path: Path) -> None:
    config = tmp_path / "enterprise-config.json"
    config.write_text(json.dumps({"security_profile": "standard", "typo_key": 1}))
    result = admin(["configure", "--config", str(config), "--non-interactive"], tmp_path)
    assert result.returncode == 2 and "typo_key: unknown key" in result.stderr
    assert json.loads(config.read_text())["typo_key"] == 1


def test_end_of_input_writes_nothing(tmp_path: Path) -> None:
    config = tmp_path / "enterprise-config.json"
    result = admin(["configure", "--config", str(config)], tmp_path, "restricted\n")
    assert result.returncode == 2 and "no answer for cost_tracking_enabled" in result.stderr
    assert not config.exists()


def test_shown_defaults_parse_back() -> None:
    """The current value offered at the prompt is itself a valid answer."""
    assert cfg.parse_bool(cfg.shown(True)) is True
    assert cfg.parse_amount(cfg.shown(5000.0)) == 5000.0
    assert cfg.parse_regions(cfg.shown(["us-east-1", "eu-west-1"])) == ["us-east-1", "eu-west-1"]
    assert cfg.parse_mapping(cfg.shown({"team": "custom:team"})) == {"team": "custom:team"}


def test_render_writes_a_template_the_linter_accepts(tmp_path: Path) -> None:
    from tests.admin.test_admin_templates import lint_errors

    config = tmp_path / "enterprise-config.json"
    config.write_text(json.dumps({"security_profile": "plan-only", "existing_bedrock_role_arn": ROLE,
                                  "allowed_bedrock_regions": ["us-east-1"]}))
    result = admin(["render", "--config", str(config), "--out", str(tmp_path / "cfn")], tmp_path)
    assert result.returncode == 0, result.stderr
    template = tmp_path / "cfn" / "claude-code-enterprise-plan-only.json"
    assert result.stdout.strip() == f"wrote {template}"
    assert lint_errors(template.read_text()) == []
    missing = admin(["render", "--config", str(tmp_path / "none.json"), "--out", str(tmp_path)], tmp_path)
    assert missing.returncode == 2 and "none.json: cannot read" in missing.stderr
