"""The stack's monthly budget for Claude on Bedrock, when `cost_tracking_enabled` and `budget_amount` are set.

Claude on Bedrock is billed as an AWS Marketplace product ("Claude Sonnet 4.5 (Amazon Bedrock Edition)", usage types
`USW2-MP:…`), so a budget filtered on Service = Amazon Bedrock reads about $0. The budget's filter expression
therefore selects billing entity *AWS Marketplace* and services whose name contains "Claude".

Alerts: actual 80 % and 100 %, forecast 100 %, published to an SNS topic that `budget_email` subscribes to: budget
notifications are replace-on-change, a topic subscription is not, so changing the email never replaces the budget.
"""

from __future__ import annotations

from typing import Any

from ..config import EnterpriseConfig

ALERTS = (("ACTUAL", 80), ("ACTUAL", 100), ("FORECASTED", 100))
MARKETPLACE = "AWS Marketplace"
SERVICE_MATCH = "Claude"


def budget_filter() -> dict[str, Any]:
    return {"And": [
        {"Dimensions": {"Key": "BILLING_ENTITY", "Values": [MARKETPLACE], "MatchOptions": ["EQUALS"]}},
        {"Dimensions": {"Key": "SERVICE", "Values": [SERVICE_MATCH], "MatchOptions": ["CONTAINS"]}},
    ]}


def add_budget(config: EnterpriseConfig, resources: dict[str, Any], outputs: dict[str, Any]) -> None:
    """Add the budget, its SNS topic, topic policy and email subscription; nothing when cost tracking is off."""
    if not config.cost_tracking_enabled:
        return
    if config.budget_amount is None or config.budget_amount <= 0:
        raise ValueError("budget_amount: cost_tracking_enabled needs a positive monthly budget in USD")
    resources["BudgetAlertTopic"] = {
        "Type": "AWS::SNS::Topic",
        "Properties": {"DisplayName": "Claude Code budget alerts",
                       "KmsMasterKeyId": "alias/aws/sns"},
    }
    resources["BudgetAlertTopicPolicy"] = {
        "Type": "AWS::SNS::TopicPolicy",
        "Properties": {
            "Topics": [{"Ref": "BudgetAlertTopic"}],
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Sid": "BudgetsPublish", "Effect": "Allow", "Principal": {"Service": "budgets.amazonaws.com"},
                "Action": "sns:Publish", "Resource": {"Ref": "BudgetAlertTopic"},
                "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
            }]},
        },
    }
    if config.budget_email:
        resources["BudgetAlertEmail"] = {
            "Type": "AWS::SNS::Subscription",
            "Properties": {"TopicArn": {"Ref": "BudgetAlertTopic"}, "Protocol": "email",
                           "Endpoint": config.budget_email},
        }
    resources["ClaudeBudget"] = {
        "Type": "AWS::Budgets::Budget",
        "DependsOn": "BudgetAlertTopicPolicy",
        "Properties": {
            "Budget": {
                "BudgetType": "COST",
                "TimeUnit": "MONTHLY",
                "BudgetLimit": {"Amount": float(config.budget_amount), "Unit": "USD"},
                "FilterExpression": budget_filter(),
            },
            "NotificationsWithSubscribers": [{
                "Notification": {"NotificationType": kind, "ComparisonOperator": "GREATER_THAN",
                                 "Threshold": threshold, "ThresholdType": "PERCENTAGE"},
                "Subscribers": [{"SubscriptionType": "SNS", "Address": {"Ref": "BudgetAlertTopic"}}],
            } for kind, threshold in ALERTS],
        },
    }
    outputs["BudgetName"] = {"Description": "Monthly budget for Claude on Bedrock (Marketplace spend)",
                             "Value": {"Ref": "ClaudeBudget"}}
    outputs["BudgetAlertTopicArn"] = {"Description": "SNS topic of the budget alerts",
                                      "Value": {"Ref": "BudgetAlertTopic"}}
