"""The administrator's path end to end, through the `claude-enterprise admin` command against a moto server:
configure, render, dry-run, deploy, re-deploy, status."""

from __future__ import annotations

import json
from pathlib import Path

from claude_enterprise.admin.aws import Clients
from tests.admin.conftest import REGION, Base, log_group
from tests.admin.test_configure import admin


def test_render_plan_deploy_redeploy_status(tmp_path: Path, base: Base, aws: Clients) -> None:
    config = tmp_path / "enterprise-config.json"
    configured = admin(["configure", "--config", str(config), "--non-interactive", "--security-profile", "elevated",
                        "--identity-pool-id", base.pool_id, "--bedrock-role-arn", base.role_arn,
                        "--allowed-regions", "us-east-1,us-west-2"], tmp_path)
    assert configured.returncode == 0, configured.stderr
    data = json.loads(config.read_text())
    config.write_text(json.dumps({**data, "audit_region": REGION, "audit_log_group": log_group(base),
                                  "audit_kms_key_id": base.kms_arn}))
    stack = "claude-code-enterprise-elevated"

    dry = admin(["deploy-policies", "--config", str(config), "--dry-run", "--json"], tmp_path)
    assert dry.returncode == 0, dry.stderr
    planned = json.loads(dry.stdout)
    assert planned["stack"] == stack and planned["status"] == "planned"
    assert {c["logical_id"] for c in planned["changes"] if c["action"] == "Add"} >= {"AuditLogGroup"}
    # A dry run leaves nothing behind: no stack (not even an empty REVIEW_IN_PROGRESS one), no change set.
    assert not [s for s in aws.cloudformation.list_stacks()["StackSummaries"]
                if s["StackName"] == stack and s["StackStatus"] != "DELETE_COMPLETE"]

    deployed = admin(["deploy-policies", "--config", str(config), "--yes"], tmp_path)
    assert deployed.returncode == 0, deployed.stderr
    assert deployed.stdout.strip() == f"stack {stack}: created"
    again = admin(["deploy-policies", "--config", str(config), "--yes", "--json"], tmp_path)
    assert again.returncode == 0, again.stderr
    rerun = json.loads(again.stdout)
    assert rerun["status"] == "no_changes" and rerun["api_calls"] <= 5

    status = admin(["status", "--config", str(config), "--json"], tmp_path)
    report = json.loads(status.stdout)
    checks = {c["name"]: c for c in report["checks"]}
    assert report["stack"] == stack
    assert checks["stack"]["status"] == "pass", checks["stack"]
    assert checks["deployed config"]["status"] == "pass", checks["deployed config"]
    assert checks["policies attached"]["status"] == "pass", checks["policies attached"]
    assert status.returncode == (0 if report["healthy"] else 1)


def test_deploy_without_a_region_or_credentials_is_a_configuration_error(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "enterprise-config.json"
    config.write_text(json.dumps({"security_profile": "standard"}))
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    result = admin(["deploy-policies", "--config", str(config), "--dry-run"], tmp_path)
    assert result.returncode == 2 and "no AWS Region" in result.stderr
