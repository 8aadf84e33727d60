"""The fleet alarms' tunables (`alarm_*` keys of enterprise-config.json): validated by the runtime's parser,
offered by `admin configure` (prompts and flags), and used by the deployed alarms (applied on a moto server
through the CloudWatch API, since moto's CloudFormation skips alarms) and the dashboard's cost band."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest

from claude_enterprise.admin.deploy import deploy
from claude_enterprise.admin.monitoring import dashboard_body
from claude_enterprise.admin.templates import render_template
from claude_enterprise.config import ConfigError, EnterpriseConfig, parse_config
from tests.admin.conftest import REGION
from tests.admin.test_configure import POOL, PROVIDER, ROLE, admin
from tests.admin.test_monitoring import _resolve, of_type
from tests.support.admin_profiles import bundled_catalog, full_config

BASE = {"security_profile": "standard", "cost_tracking_enabled": False, "user_attribute_mapping_enabled": False,
        "existing_identity_pool_id": POOL, "identity_provider_name": PROVIDER, "existing_bedrock_role_arn": ROLE,
        "allowed_bedrock_regions": ["us-east-1"]}


def alarm_props(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: v["Properties"] for k, v in of_type(template, "AWS::CloudWatch::Alarm").items()}


@pytest.mark.parametrize(("key", "value"), [
    ("alarm_period_s", 90), ("alarm_period_s", 0), ("alarm_period_s", 172_800), ("alarm_period_s", "300"),
    ("alarm_violation_threshold", 0), ("alarm_violation_threshold", 2.5), ("alarm_failed_auth_threshold", True),
    ("alarm_region_threshold", -1), ("alarm_expected_hosts", 0), ("alarm_silent_period_s", 59),
    ("alarm_silent_period_s", 240),
    ("alarm_cost_band", 0), ("alarm_cost_band", 11), ("alarm_cost_band", "2"),
])
def test_the_runtime_rejects_bad_alarm_values_naming_the_key(key: str, value: Any) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config({key: value}, "enterprise-config.json", managed=False)
    assert str(caught.value).startswith(f"enterprise-config.json: {key}: must be ")


def test_interactive_configure_offers_the_alarms_with_their_defaults(tmp_path: Path) -> None:
    config = tmp_path / "enterprise-config.json"
    config.write_text(json.dumps(BASE))
    keep = [""] * 7  # the questions already answered by the file: Enter keeps each value
    answers = [*keep, "yes", "90", "10m", "0", "5", "x", "3", "", "250", "2h", "11", ""]
    result = admin(["configure", "--config", str(config)], tmp_path, "\n".join(answers) + "\n")
    assert result.returncode == 0, result.stderr
    for complaint in ("whole minutes from 1 minute", "at least 1", "a whole number", "at most 10 standard"):
        assert complaint in result.stderr, complaint
    data = json.loads(config.read_text())
    assert data == {**BASE, "alarm_period_s": 600, "alarm_violation_threshold": 5,
                    "alarm_failed_auth_threshold": 3, "alarm_region_threshold": 1, "alarm_expected_hosts": 250,
                    "alarm_silent_period_s": 7200, "alarm_cost_band": 2.0}
    parse_config(data, str(config), managed=False)


def test_declining_to_tune_keeps_the_file_free_of_alarm_keys(tmp_path: Path) -> None:
    config = tmp_path / "enterprise-config.json"
    config.write_text(json.dumps(BASE))
    result = admin(["configure", "--config", str(config)], tmp_path, "\n" * 7 + "no\n")
    assert result.returncode == 0, result.stderr
    assert json.loads(config.read_text()) == BASE


def test_non_interactive_alarm_flags(tmp_path: Path) -> None:
    config = tmp_path / "enterprise-config.json"
    config.write_text(json.dumps({**BASE, "alarm_cost_band": 3}))
    result = admin(["configure", "--config", str(config), "--non-interactive", "--expected-hosts", "40",
                    "--silent-period", "30m", "--alarm-violations", "8"], tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(config.read_text())
    assert data == {**BASE, "alarm_cost_band": 3, "alarm_expected_hosts": 40, "alarm_silent_period_s": 1800,
                    "alarm_violation_threshold": 8}
    bad = admin(["configure", "--config", str(config), "--non-interactive", "--alarm-period", "90"], tmp_path)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "--alarm-period: whole minutes" in bad.stderr
    assert "Traceback" not in bad.stderr and json.loads(config.read_text()) == data


def test_the_defaults_are_the_documented_alarms() -> None:
    alarms = alarm_props(render_template(EnterpriseConfig(), bundled_catalog()))
    assert [alarms[name]["Threshold"] for name in ("AlarmPolicyViolationSpike", "AlarmFailedAuthenticationSpike",
                                                   "AlarmDisallowedRegion")] == [20, 10, 1]
    assert alarms["AlarmPolicyViolationSpike"]["Period"] == 300
    # at least one heartbeat per expected host per period (hosts heartbeat only while a session runs)
    assert (alarms["AlarmSilentFleet"]["Period"], alarms["AlarmSilentFleet"]["Threshold"]) == (3600, 1)


def test_configured_alarms_deploy_on_moto_with_their_thresholds() -> None:
    suffix = uuid.uuid4().hex[:8]
    config = full_config(audit_log_group=f"/claude-code/enterprise/audit-{suffix}", existing_bedrock_role_arn=None,
                         existing_identity_pool_id=None, alarm_period_s=600, alarm_violation_threshold=7,
                         alarm_failed_auth_threshold=4, alarm_region_threshold=2, alarm_expected_hosts=250,
                         alarm_silent_period_s=7200, alarm_cost_band=3.5)
    template = render_template(config, bundled_catalog())
    stack = f"claude-enterprise-alarms-{suffix}"
    cfn = boto3.client("cloudformation", region_name=REGION)
    result = deploy(cfn, stack, json.dumps(template), tags={}, progress=lambda _: None, poll_seconds=0.05)
    assert result.status == "created", result.failure
    topic = {r["LogicalResourceId"]: r["PhysicalResourceId"]
             for r in cfn.list_stack_resources(StackName=stack)["StackResourceSummaries"]}["AlarmTopic"]
    refs = {"AlarmTopic": topic, "AWS::StackName": stack, "AWS::Region": REGION}
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    for props in alarm_props(template).values():
        cloudwatch.put_metric_alarm(**_resolve(props, refs))
    alarms = {a["AlarmName"].removeprefix(f"{stack}-"): a
              for a in cloudwatch.describe_alarms(AlarmNamePrefix=stack)["MetricAlarms"]}
    got = {name: (a.get("Period"), a.get("Threshold")) for name, a in alarms.items() if "MetricName" in a}
    assert got == {"policy-violation-spike": (600, 7), "failed-authentication-spike": (600, 4),
                   "disallowed-region": (600, 2), "silent-fleet": (7200, 250)}
    assert "250 host(s)" in alarms["silent-fleet"]["AlarmDescription"]
    band = [m["Expression"] for m in alarms["cost-anomaly"]["Metrics"] if "Expression" in m]
    assert band == ["ANOMALY_DETECTION_BAND(cost, 3.5)"]
    assert "ANOMALY_DETECTION_BAND(cost, 3.5)" in json.dumps(dashboard_body(config))
