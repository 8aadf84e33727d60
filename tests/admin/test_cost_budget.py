"""The budget in the rendered stack (moto skips AWS::Budgets::Budget in CloudFormation, so: cfn-lint and the
template itself), and the same budget and alerts created through the Budgets API of the moto server."""

from __future__ import annotations

import json
import uuid
from typing import Any

import boto3
import pytest

from claude_enterprise.admin.cost_budget import budget_filter
from claude_enterprise.admin.templates import render_json, render_template
from tests.admin.test_admin_templates import lint_errors
from tests.support.admin_profiles import bundled_catalog, full_config

COST = {"cost_tracking_enabled": True, "budget_amount": 2500, "budget_email": "finops@example.com"}


def test_no_budget_unless_cost_tracking_is_enabled() -> None:
    template = render_template(full_config(budget_amount=100.0), bundled_catalog())
    # (The monitoring alarms have an SNS topic of their own; the budget's resources are the Budget* ones.)
    assert not [k for k, r in template["Resources"].items()
                if r["Type"].startswith("AWS::Budgets") or (r["Type"].startswith("AWS::SNS") and "Budget" in k)]


def test_budget_is_lint_clean_with_three_alerts_through_sns() -> None:
    config = full_config(**COST)
    assert lint_errors(render_json(config, bundled_catalog())) == []
    resources = render_template(config, bundled_catalog())["Resources"]
    budget = resources["ClaudeBudget"]["Properties"]
    assert budget["Budget"]["BudgetLimit"] == {"Amount": 2500.0, "Unit": "USD"}
    assert (budget["Budget"]["TimeUnit"], budget["Budget"]["BudgetType"]) == ("MONTHLY", "COST")
    alerts = {(n["Notification"]["NotificationType"], n["Notification"]["Threshold"]) for n in
              budget["NotificationsWithSubscribers"]}
    assert alerts == {("ACTUAL", 80), ("ACTUAL", 100), ("FORECASTED", 100)}
    for n in budget["NotificationsWithSubscribers"]:
        assert n["Subscribers"] == [{"SubscriptionType": "SNS", "Address": {"Ref": "BudgetAlertTopic"}}]
    assert resources["BudgetAlertEmail"]["Properties"] == {
        "TopicArn": {"Ref": "BudgetAlertTopic"}, "Protocol": "email", "Endpoint": "finops@example.com"}
    statement = resources["BudgetAlertTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    assert statement["Principal"] == {"Service": "budgets.amazonaws.com"} and statement["Action"] == "sns:Publish"


def test_budget_sees_marketplace_claude_spend_not_the_bedrock_service() -> None:
    text = json.dumps(render_template(full_config(**COST), bundled_catalog())["Resources"]["ClaudeBudget"])
    assert "Amazon Bedrock\"" not in text  # Service = Amazon Bedrock misses Claude (billed via Marketplace)
    dims = {d["Dimensions"]["Key"]: d["Dimensions"] for d in budget_filter()["And"]}
    assert dims["BILLING_ENTITY"]["Values"] == ["AWS Marketplace"]
    assert dims["SERVICE"] == {"Key": "SERVICE", "Values": ["Claude"], "MatchOptions": ["CONTAINS"]}


def test_changing_the_email_changes_only_the_subscription() -> None:
    one = render_template(full_config(**COST), bundled_catalog())["Resources"]
    two = render_template(full_config(**{**COST, "budget_email": "cfo@example.com"}), bundled_catalog())["Resources"]
    changed = {k for k in one if one[k] != two[k]}
    # The budget itself stays (the alarms' own e-mail subscriptions follow the address too).
    assert "ClaudeBudget" not in changed and "BudgetAlertEmail" in changed
    assert {k for k in changed if "Budget" in k} == {"BudgetAlertEmail"}


def test_cost_tracking_without_an_amount_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="budget_amount"):
        render_template(full_config(cost_tracking_enabled=True), bundled_catalog())


def test_the_rendered_budget_through_the_budgets_api(moto_url: str) -> None:
    resources: dict[str, Any] = render_template(full_config(**COST), bundled_catalog())["Resources"]
    props = resources["ClaudeBudget"]["Properties"]
    budgets = boto3.client("budgets", region_name="us-east-1", endpoint_url=moto_url)
    account = boto3.client("sts", region_name="us-east-1", endpoint_url=moto_url).get_caller_identity()["Account"]
    topic_arn = f"arn:aws:sns:us-east-1:{account}:budget-alerts"
    name = f"claude-{uuid.uuid4().hex[:8]}"
    budget = {k: v for k, v in props["Budget"].items() if k != "FilterExpression"}  # moto lacks expressions
    budget["BudgetLimit"] = {"Amount": str(budget["BudgetLimit"]["Amount"]), "Unit": "USD"}
    notifications = [{"Notification": n["Notification"],
                      "Subscribers": [{"SubscriptionType": "SNS", "Address": topic_arn}]}
                     for n in props["NotificationsWithSubscribers"]]
    budgets.create_budget(AccountId=account, Budget={**budget, "BudgetName": name},
                          NotificationsWithSubscribers=notifications)
    got = budgets.describe_budget(AccountId=account, BudgetName=name)["Budget"]
    assert got["TimeUnit"] == "MONTHLY" and float(got["BudgetLimit"]["Amount"]) == 2500.0
    listed = budgets.describe_notifications_for_budget(AccountId=account, BudgetName=name)["Notifications"]
    assert {(n["NotificationType"], n["Threshold"]) for n in listed} == {("ACTUAL", 80), ("ACTUAL", 100),
                                                                         ("FORECASTED", 100)}
    budgets.delete_budget(AccountId=account, BudgetName=name)
