"""Fleet monitoring in the deployed stack: metric filters on the audit log group, the enterprise dashboard,
alarms and the SNS topic they notify.

Metrics come from metric filters over the shipped audit events (namespace `ClaudeCode/Enterprise`). Their
dimensions are bounded by the policy, never by the fleet: `Profile`, `Decision`, `Rule`, `Enforcement`. A user
or a host is never a dimension (CloudWatch disables a filter emitting 1,000 distinct dimension values; per-user
views are Logs Insights widgets, whose queries are the data files in `insights/`, shared with `admin audit`). Each
alarm metric also has a dimensionless twin, because an alarm cannot aggregate across dimensions.

Thresholds, periods, the expected host count and the cost band come from the enterprise config (`alarm_*`
keys, defaults in `config.EnterpriseConfig`). `monitoring_resources(config)` returns the resources and outputs
merged into `render_template`.
"""

from __future__ import annotations

import json
import re
from importlib import resources as pkg_resources
from typing import Any

from ..config import EnterpriseConfig

NAMESPACE = "ClaudeCode/Enterprise"
TOPIC = "AlarmTopic"
DASHBOARD = "EnterpriseDashboard"

_NEVER_DIMENSIONS = frozenset({"user", "email", "sub", "host", "hostname", "session", "session_id"})

# (metric, filter pattern, value, dimensions): the dimensionless twin is added for the metrics alarms use.
_FILTERS: tuple[tuple[str, str, str, dict[str, str]], ...] = (
    ("Sessions", '{ $.type = "session_start" }', "1", {"Profile": "$.profile"}),
    ("ToolDecisions", '{ $.type = "tool_decision" }', "1",
     {"Profile": "$.profile", "Decision": "$.decision", "Rule": "$.rule_id"}),
    ("Denials", '{ ($.type = "tool_decision" && $.decision = "deny") || $.type = "exec_blocked" }', "1",
     {"Profile": "$.profile"}),
    ("PolicyViolations", '{ $.type = "policy_violation" || $.type = "process_killed" }', "1",
     {"Profile": "$.profile"}),
    ("LaunchRefusals", '{ $.type = "launch_refused" }', "1", {"Profile": "$.profile", "Rule": "$.rule_id"}),
    ("FailedAuthentications", '{ $.type = "session_start" && $.identity_status = "invalid" }', "1",
     {"Profile": "$.profile"}),
    ("RegionDenials", '{ $.type = "launch_refused" && $.rule_id = "launch.bedrock_region" }', "1",
     {"Profile": "$.profile"}),
    ("InputTokens", '{ $.type = "usage" }', "$.input_tokens", {"Profile": "$.profile"}),
    ("OutputTokens", '{ $.type = "usage" }', "$.output_tokens", {"Profile": "$.profile"}),
    ("CostUSD", '{ $.type = "usage" }', "$.cost_usd", {"Profile": "$.profile"}),
    ("Heartbeats", '{ $.type = "heartbeat" }', "1", {"Profile": "$.profile"}),
    ("DegradedHeartbeats", '{ $.type = "heartbeat" && $.degraded IS TRUE }', "1", {"Profile": "$.profile"}),
    ("DecisionLatency", '{ $.type = "tool_decision" && $.decision_ms >= 0 }', "$.decision_ms",
     {"Enforcement": "$.enforcement"}),
    ("AuditSpoolAlerts", '{ $.type = "audit_spool_full" || $.type = "audit_spool_high_water" }', "1", {}),
)
_UNITS = {"CostUSD": "None", "DecisionLatency": "Milliseconds"}
_ALARMED = frozenset({"PolicyViolations", "FailedAuthentications", "RegionDenials", "Heartbeats", "CostUSD",
                      "Denials", "DegradedHeartbeats"})


def insights_query(name: str) -> str:
    """A Logs Insights query kept as a data file (`insights/<name>.query`), without its comment lines."""
    text = (pkg_resources.files("claude_enterprise.admin") / "insights" / f"{name}.query").read_text("utf-8")
    return "\n".join(line for line in text.splitlines() if line.strip() and not line.startswith("#"))


def insights_queries() -> dict[str, str]:
    folder = pkg_resources.files("claude_enterprise.admin") / "insights"
    return {entry.name.removesuffix(".query"): insights_query(entry.name.removesuffix(".query"))
            for entry in sorted(folder.iterdir(), key=lambda e: e.name) if entry.name.endswith(".query")}


def alarm_emails(config: EnterpriseConfig) -> list[str]:
    """The configured notification addresses (`budget_email`, comma-separated), de-duplicated in order."""
    seen: list[str] = []
    for email in (config.budget_email or "").split(","):
        email = email.strip()
        if email and email.lower() not in (e.lower() for e in seen):
            seen.append(email)
    return seen


def _logical(text: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", text) if part)


def _metric_filters(config: EnterpriseConfig) -> dict[str, Any]:
    resources: dict[str, Any] = {}
    for metric, pattern, value, dimensions in _FILTERS:
        assert not _NEVER_DIMENSIONS.intersection(d.lower() for d in dimensions), metric
        variants = [(metric, dimensions)]
        if dimensions and metric in _ALARMED:
            variants.append((f"{metric}Total", {}))
        for logical_suffix, dims in variants:
            transformation: dict[str, Any] = {"MetricNamespace": NAMESPACE, "MetricName": metric,
                                              "MetricValue": value, "Unit": _UNITS.get(metric, "Count")}
            if dims:
                transformation["Dimensions"] = [{"Key": k, "Value": v} for k, v in dims.items()]
            else:
                transformation["DefaultValue"] = 0
            resources[f"MetricFilter{logical_suffix}"] = {
                "Type": "AWS::Logs::MetricFilter",
                "DependsOn": "AuditLogGroup",
                "Properties": {"LogGroupName": config.audit_log_group, "FilterPattern": pattern,
                               "MetricTransformations": [transformation]},
            }
    return resources


def _alarm(name: str, description: str, metric: str, threshold: float, *, period: int = 300,
           comparison: str = "GreaterThanOrEqualToThreshold", missing: str = "notBreaching",
           evaluation: int = 1) -> dict[str, Any]:
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmName": {"Fn::Sub": f"${{AWS::StackName}}-{name}"},
            "AlarmDescription": description,
            "Namespace": NAMESPACE, "MetricName": metric, "Statistic": "Sum", "Period": period,
            "EvaluationPeriods": evaluation, "Threshold": threshold, "ComparisonOperator": comparison,
            "TreatMissingData": missing,
            "AlarmActions": [{"Ref": TOPIC}], "OKActions": [{"Ref": TOPIC}],
        },
    }


def _alarms(config: EnterpriseConfig) -> dict[str, Any]:
    period = config.alarm_period_s
    minutes = f"{period // 60} minute{'s' if period != 60 else ''}"
    band = config.alarm_cost_band
    # One heartbeat per expected host per period: hosts heartbeat only while a session runs (and users may
    # lengthen the interval), so one per interval would flap; the config keeps the period >= one interval.
    silent = config.alarm_expected_hosts
    return {
        "AlarmPolicyViolationSpike": _alarm(
            "policy-violation-spike", f"{config.alarm_violation_threshold}+ policy violations (violations and "
            f"killed processes) across the fleet in {minutes}", "PolicyViolations",
            config.alarm_violation_threshold, period=period),
        "AlarmFailedAuthenticationSpike": _alarm(
            "failed-authentication-spike", f"{config.alarm_failed_auth_threshold}+ sessions whose identity token "
            f"failed verification in {minutes}", "FailedAuthentications", config.alarm_failed_auth_threshold,
            period=period),
        "AlarmDisallowedRegion": _alarm(
            "disallowed-region", f"{config.alarm_region_threshold}+ launches asked for Bedrock in a Region outside "
            f"allowed_bedrock_regions in {minutes}", "RegionDenials", config.alarm_region_threshold,
            period=period),
        "AlarmSilentFleet": _alarm(
            "silent-fleet", f"Fewer than {silent} heartbeats in {config.alarm_silent_period_s} s (expected: "
            f"{config.alarm_expected_hosts} host(s) reporting): hosts stopped reporting (shipping broken, wrapper "
            "removed, or the log group unreachable)", "Heartbeats", silent, period=config.alarm_silent_period_s,
            comparison="LessThanThreshold", missing="breaching"),
        "AlarmCostAnomaly": {
            "Type": "AWS::CloudWatch::Alarm",
            "DependsOn": "CostAnomalyDetector",
            "Properties": {
                "AlarmName": {"Fn::Sub": "${AWS::StackName}-cost-anomaly"},
                "AlarmDescription": "Estimated Claude Code cost above its learned band (anomaly detection, "
                                    f"{band:g} standard deviations)",
                "ComparisonOperator": "GreaterThanUpperThreshold", "EvaluationPeriods": 3,
                "DatapointsToAlarm": 2, "ThresholdMetricId": "band", "TreatMissingData": "notBreaching",
                "Metrics": [
                    {"Id": "cost", "ReturnData": True, "MetricStat": {
                        "Metric": {"Namespace": NAMESPACE, "MetricName": "CostUSD"}, "Period": 3600,
                        "Stat": "Sum"}},
                    {"Id": "band", "ReturnData": True, "Label": "expected cost",
                     "Expression": f"ANOMALY_DETECTION_BAND(cost, {band:g})"},
                ],
                "AlarmActions": [{"Ref": TOPIC}], "OKActions": [{"Ref": TOPIC}],
            },
        },
        "CostAnomalyDetector": {
            "Type": "AWS::CloudWatch::AnomalyDetector",
            "Properties": {"SingleMetricAnomalyDetector": {"Namespace": NAMESPACE, "MetricName": "CostUSD",
                                                           "Stat": "Sum"}},
        },
    }


def _metric_widget(title: str, metrics: list[list[Any]], x: int, y: int, *, stat: str = "Sum",
                   period: int = 3600, view: str = "timeSeries", width: int = 8) -> dict[str, Any]:
    return {"type": "metric", "x": x, "y": y, "width": width, "height": 6,
            "properties": {"title": title, "view": view, "stacked": False, "region": "${AWS::Region}",
                           "stat": stat, "period": period, "metrics": metrics}}


def _search(metric: str, dims: str, ident: str = "s1") -> list[Any]:
    """Every series of `metric` by `dims` (one line per profile, rule...), whatever values appear."""
    return [[{"expression": f"SEARCH('{{{NAMESPACE},{dims}}} MetricName=\"{metric}\"', 'Sum', 3600)",
              "id": ident, "label": ""}]]


def _log_widget(title: str, query: str, group: str, x: int, y: int, *, view: str = "table",
                width: int = 12) -> dict[str, Any]:
    source = f"SOURCE '{group}' | " + query.replace("\n", " ")
    return {"type": "log", "x": x, "y": y, "width": width, "height": 6,
            "properties": {"title": title, "query": source, "region": "${AWS::Region}", "view": view}}


def dashboard_body(config: EnterpriseConfig) -> dict[str, Any]:
    """The dashboard's JSON (before `Fn::Sub` fills in the Region)."""
    group = config.audit_log_group
    q = insights_query
    widgets = [
        _log_widget("Daily active users and sessions", q("active_users"), group, 0, 0, view="bar"),
        # A log widget runs over the dashboard's period (a query cannot set its own): MAU with the period at 30 days.
        _log_widget("Distinct active users in the period (MAU: set the period to 30 days)",
                    'filter type = "session_start" | stats count_distinct(user.sub) as monthly_active_users',
                    group, 12, 0),
        _metric_widget("Sessions by profile", _search("Sessions", "Profile"), 0, 6),
        _metric_widget("Tokens by profile", [*_search("InputTokens", "Profile", "tin"),
                                             *_search("OutputTokens", "Profile", "tout")], 8, 6),
        _metric_widget("Estimated cost (USD) and forecast band", [
            [NAMESPACE, "CostUSD", {"id": "cost", "label": "cost"}],
            [{"expression": f"ANOMALY_DETECTION_BAND(cost, {config.alarm_cost_band:g})", "id": "band",
              "label": "expected"}]], 16, 6, period=86400),
        _metric_widget("Tool decisions by profile, decision and rule",
                       _search("ToolDecisions", "Profile,Decision,Rule"), 0, 12),
        _metric_widget("Denials by profile", _search("Denials", "Profile"), 8, 12),
        _metric_widget("Policy violations, refused launches, failed token verifications, Region attempts", [
            [NAMESPACE, "PolicyViolations"], [NAMESPACE, "LaunchRefusals", {"id": "lr"}],
            [NAMESPACE, "FailedAuthentications"], [NAMESPACE, "RegionDenials"]], 16, 12, period=300),
        _metric_widget("Hosts reporting: heartbeats (all / degraded)", [
            [NAMESPACE, "Heartbeats"], [NAMESPACE, "DegradedHeartbeats"]], 0, 18, period=3600),
        _metric_widget("Audit spool alerts", [[NAMESPACE, "AuditSpoolAlerts"]], 8, 18),
        _metric_widget("Hook and gate decision latency (ms, p50 / p99)", [
            [NAMESPACE, "DecisionLatency", "Enforcement", "hook", {"stat": "p50", "label": "hook p50"}],
            [NAMESPACE, "DecisionLatency", "Enforcement", "hook", {"stat": "p99", "label": "hook p99"}],
            [NAMESPACE, "DecisionLatency", "Enforcement", "gate", {"stat": "p50", "label": "gate p50"}],
            [NAMESPACE, "DecisionLatency", "Enforcement", "gate", {"stat": "p99", "label": "gate p99"}]],
            16, 18, stat="p50", period=300),
        _log_widget("Hosts: last seen and version", q("hosts"), group, 0, 24),
        _log_widget("Hosts: protection in their last heartbeat", q("heartbeats"), group, 12, 24),
        _log_widget("Decisions by rule", q("decisions_by_rule"), group, 0, 30),
        _log_widget("Tokens and cost by user", q("tokens_by_user"), group, 12, 30),
        _log_widget("Violations and refusals", q("violations"), group, 0, 36),
        _log_widget("Failed authentications", q("failed_authentications"), group, 12, 36),
    ]
    return {"widgets": widgets}


def add_monitoring(config: EnterpriseConfig, template_resources: dict[str, Any],
                   template_outputs: dict[str, Any]) -> None:
    """Merge the monitoring resources and outputs into a template being rendered."""
    resources, outputs = monitoring_resources(config)
    template_resources.update(resources)
    template_outputs.update(outputs)


def monitoring_resources(config: EnterpriseConfig) -> tuple[dict[str, Any], dict[str, Any]]:
    """(resources, outputs) for the deployed stack."""
    resources: dict[str, Any] = {}
    resources[TOPIC] = {"Type": "AWS::SNS::Topic",
                        # No SSE with the AWS-managed key: CloudWatch alarms cannot publish to such a topic.
                        "Properties": {"DisplayName": "Claude Code enterprise alarms"}}
    for index, email in enumerate(alarm_emails(config), start=1):
        resources[f"AlarmSubscription{index}"] = {
            "Type": "AWS::SNS::Subscription",
            "Properties": {"TopicArn": {"Ref": TOPIC}, "Protocol": "email", "Endpoint": email}}
    resources.update(_metric_filters(config))
    resources.update(_alarms(config))
    resources[DASHBOARD] = {
        "Type": "AWS::CloudWatch::Dashboard",
        "Properties": {"DashboardName": {"Fn::Sub": "${AWS::StackName}-enterprise"},
                       "DashboardBody": {"Fn::Sub": json.dumps(dashboard_body(config), separators=(",", ":"))}},
    }
    outputs = {
        "AlarmTopicArn": {"Description": "SNS topic the fleet alarms notify", "Value": {"Ref": TOPIC}},
        "DashboardName": {"Description": "CloudWatch dashboard of the fleet", "Value": {"Ref": DASHBOARD}},
    }
    return resources, outputs
