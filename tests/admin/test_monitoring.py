"""Fleet monitoring in the deployed stack (issue 11): metric filters, dashboard, alarms and the SNS topic.

Template-level: every widget and alarm the issue names, no user or host dimension anywhere, lint clean.
Deployed on a moto server: the alarms with their SNS actions, the dashboard and the e-mail subscriptions exist.
moto does not evaluate metric filters or the anomaly detector (and CloudFormation `AWS::Logs::MetricFilter`
is not among its resources); those are covered by the template assertions and cfn-lint.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import boto3

from claude_enterprise.admin.deploy import deploy
from claude_enterprise.admin.monitoring import NAMESPACE, alarm_emails, dashboard_body, insights_queries
from claude_enterprise.admin.templates import render_json, render_template
from claude_enterprise.config import EnterpriseConfig
from tests.admin.conftest import REGION
from tests.admin.test_admin_templates import lint_errors
from tests.support.admin_profiles import bundled_catalog, full_config

EMAILS = "secops@example.com, platform@example.org,SecOps@example.com"


def rendered(**overrides: Any) -> dict[str, Any]:
    return render_template(full_config(budget_email=EMAILS, **overrides), bundled_catalog())


def of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def test_the_stack_with_monitoring_is_lint_clean() -> None:
    assert lint_errors(render_json(full_config(budget_email=EMAILS), bundled_catalog())) == []
    assert lint_errors(render_json(EnterpriseConfig(), bundled_catalog())) == []


def test_no_metric_has_a_user_or_host_dimension_and_every_filter_reads_the_audit_group() -> None:
    template = rendered(audit_log_group="/org/claude/audit")
    filters = of_type(template, "AWS::Logs::MetricFilter")
    assert len(filters) >= 13
    for logical, resource in filters.items():
        props = resource["Properties"]
        assert props["LogGroupName"] == "/org/claude/audit", logical
        (transformation,) = props["MetricTransformations"]
        assert transformation["MetricNamespace"] == NAMESPACE
        keys = [d["Key"] for d in transformation.get("Dimensions", [])]
        values = [d["Value"] for d in transformation.get("Dimensions", [])]
        assert len(keys) <= 3 and set(keys) <= {"Profile", "Decision", "Rule", "Enforcement"}, logical
        assert not any(re.search(r"user|host|email|session", v) for v in values), logical
    names = {f["Properties"]["MetricTransformations"][0]["MetricName"] for f in filters.values()}
    assert {"Sessions", "ToolDecisions", "Denials", "PolicyViolations", "LaunchRefusals", "FailedAuthentications",
            "RegionDenials", "InputTokens", "OutputTokens", "CostUSD", "Heartbeats", "DegradedHeartbeats",
            "DecisionLatency"} <= names
    decisions = filters["MetricFilterToolDecisions"]["Properties"]["MetricTransformations"][0]
    assert [d["Key"] for d in decisions["Dimensions"]] == ["Profile", "Decision", "Rule"]


def test_alarms_notify_the_topic_the_configured_emails_subscribe_to() -> None:
    template = rendered()
    subs = of_type(template, "AWS::SNS::Subscription")
    assert sorted(s["Properties"]["Endpoint"] for s in subs.values()) == ["platform@example.org", "secops@example.com"]
    assert all(s["Properties"]["Protocol"] == "email" and s["Properties"]["TopicArn"] == {"Ref": "AlarmTopic"}
               for s in subs.values())
    alarms = of_type(template, "AWS::CloudWatch::Alarm")
    assert set(alarms) == {"AlarmPolicyViolationSpike", "AlarmFailedAuthenticationSpike", "AlarmDisallowedRegion",
                           "AlarmSilentFleet", "AlarmCostAnomaly"}
    for alarm in alarms.values():
        props = alarm["Properties"]
        assert props["AlarmActions"] == [{"Ref": "AlarmTopic"}]
        assert "Dimensions" not in props  # fleet-wide: the dimensionless twins
    silent = alarms["AlarmSilentFleet"]["Properties"]
    assert silent["TreatMissingData"] == "breaching" and silent["ComparisonOperator"] == "LessThanThreshold"
    assert silent["MetricName"] == "Heartbeats"
    cost = alarms["AlarmCostAnomaly"]["Properties"]
    assert cost["ThresholdMetricId"] == "band"
    assert any("ANOMALY_DETECTION_BAND(cost" in m.get("Expression", "") for m in cost["Metrics"])
    # every alarmed metric has a dimensionless filter behind it
    filters = of_type(template, "AWS::Logs::MetricFilter")
    plain = {f["Properties"]["MetricTransformations"][0]["MetricName"] for f in filters.values()
             if "Dimensions" not in f["Properties"]["MetricTransformations"][0]}
    alarmed = {a["Properties"].get("MetricName") for a in alarms.values()} - {None}
    assert alarmed | {"CostUSD"} <= plain
    assert alarm_emails(EnterpriseConfig()) == [] and not of_type(render_template(EnterpriseConfig(),
                                                                                  bundled_catalog()),
                                                                  "AWS::SNS::Subscription")


def test_the_dashboard_has_every_view_the_issue_names() -> None:
    template = rendered()
    (dashboard,) = of_type(template, "AWS::CloudWatch::Dashboard").values()
    body = json.loads(dashboard["Properties"]["DashboardBody"]["Fn::Sub"])
    titles = " | ".join(w["properties"]["title"] for w in body["widgets"])
    for needed in ("Daily active users", "MAU", "Sessions", "Tokens by profile",
                   "cost (USD) and forecast", "Tool decisions by profile, decision and rule", "Policy violations",
                   "refused launches", "failed token verifications", "Hosts reporting", "Tokens and cost by user",
                   "Hook and gate decision latency"):
        assert needed in titles, needed
    logs = [w for w in body["widgets"] if w["type"] == "log"]
    group = full_config().audit_log_group
    assert logs and all(w["properties"]["query"].startswith(f"SOURCE '{group}' | ") for w in logs)
    queries = insights_queries()
    assert {"active_users", "tokens_by_user", "decisions_by_rule", "violations", "failed_authentications",
            "hosts"} <= set(queries)
    # the widgets run the very queries kept as data files (shared with `admin audit`)
    for name in ("active_users", "hosts", "decisions_by_rule", "tokens_by_user"):
        assert any(queries[name].replace("\n", " ") in w["properties"]["query"] for w in logs), name
    metric_widgets = [w for w in body["widgets"] if w["type"] == "metric"]
    assert all(len(w["properties"]["metrics"]) >= 1 and all(isinstance(m, list) for m in w["properties"]["metrics"])
               for w in metric_widgets)
    assert "${" not in json.dumps(dashboard_body(full_config())).replace("${AWS::Region}", "")


def _resolve(value: Any, refs: dict[str, str]) -> Any:
    """Ref / Fn::Sub as CloudFormation would resolve them for this stack."""
    if isinstance(value, dict):
        if set(value) == {"Ref"}:
            return refs[value["Ref"]]
        if set(value) == {"Fn::Sub"}:
            return re.sub(r"\$\{([A-Za-z:]+)\}", lambda m: refs[m.group(1)], value["Fn::Sub"])
        return {k: _resolve(v, refs) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, refs) for v in value]
    return value


def test_deployed_on_moto_the_topic_exists_and_the_alarms_and_dashboard_are_accepted_by_cloudwatch() -> None:
    """moto's CloudFormation creates the SNS topic but silently skips alarms, dashboards, subscriptions, metric
    filters and anomaly detectors; so after the deploy, each of those resources' properties is applied through
    the CloudWatch/SNS APIs of the same moto server (botocore validates every parameter against the service
    model) and read back."""
    suffix = uuid.uuid4().hex[:8]
    config = full_config(budget_email=EMAILS, audit_log_group=f"/claude-code/enterprise/audit-{suffix}",
                         existing_bedrock_role_arn=None, existing_identity_pool_id=None)
    template = render_template(config, bundled_catalog())
    stack = f"claude-enterprise-mon-{suffix}"
    cfn = boto3.client("cloudformation", region_name=REGION)
    result = deploy(cfn, stack, json.dumps(template), tags={}, progress=lambda _: None, poll_seconds=0.05)
    assert result.status == "created", result.failure
    deployed = {r["LogicalResourceId"]: r["PhysicalResourceId"]
                for r in cfn.list_stack_resources(StackName=stack)["StackResourceSummaries"]}
    topic = deployed["AlarmTopic"]
    assert topic.startswith("arn:aws:sns:") and "AuditLogGroup" in deployed
    refs = {"AlarmTopic": topic, "AWS::StackName": stack, "AWS::Region": REGION}
    sns = boto3.client("sns", region_name=REGION)
    for resource in of_type(template, "AWS::SNS::Subscription").values():
        props = _resolve(resource["Properties"], refs)
        sns.subscribe(TopicArn=props["TopicArn"], Protocol=props["Protocol"], Endpoint=props["Endpoint"])
    endpoints = sorted(s["Endpoint"] for s in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"])
    assert endpoints == ["platform@example.org", "secops@example.com"]
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    for resource in of_type(template, "AWS::CloudWatch::Alarm").values():
        cloudwatch.put_metric_alarm(**_resolve(resource["Properties"], refs))
    alarms = {a["AlarmName"]: a for a in cloudwatch.describe_alarms(AlarmNamePrefix=stack)["MetricAlarms"]}
    assert set(alarms) == {f"{stack}-policy-violation-spike", f"{stack}-failed-authentication-spike",
                           f"{stack}-disallowed-region", f"{stack}-silent-fleet", f"{stack}-cost-anomaly"}
    assert all(a["AlarmActions"] == [topic] for a in alarms.values())
    assert alarms[f"{stack}-silent-fleet"]["TreatMissingData"] == "breaching"
    (dashboard,) = of_type(template, "AWS::CloudWatch::Dashboard").values()
    props = _resolve(dashboard["Properties"], refs)
    cloudwatch.put_dashboard(DashboardName=props["DashboardName"], DashboardBody=props["DashboardBody"])
    body = json.loads(cloudwatch.get_dashboard(DashboardName=f"{stack}-enterprise")["DashboardBody"])
    assert {w["properties"]["region"] for w in body["widgets"]} == {REGION}
    assert sum(w["type"] == "log" for w in body["widgets"]) >= 6
