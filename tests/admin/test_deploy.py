"""plan/deploy against a real moto server.

What moto cannot do (so these tests cannot see it): it applies a change set synchronously and raises a
resource's error from ExecuteChangeSet, with no rollback (no ROLLBACK_COMPLETE, no *_FAILED events; the
stack is left in REVIEW_IN_PROGRESS); it emits only stack-level events; its change sets carry no Replacement,
Details or Before/AfterContext (the plan's before/after then comes from the two templates); updating a
LogGroup's RetentionInDays through a stack update leaves the live group unchanged; a stack made through change
sets has no Outputs.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from botocore.exceptions import ClientError

from claude_enterprise.admin.aws import Clients
from claude_enterprise.admin.deploy import deploy, failure_from_events, format_plan, plan
from tests.admin.conftest import Base, template

FAST = 0.05


@pytest.fixture
def stack() -> str:
    return f"claude-enterprise-test-{uuid.uuid4().hex[:8]}"


def live_stack_statuses(aws: Clients, name: str) -> list[str]:
    summaries = aws.cloudformation.list_stacks()["StackSummaries"]
    return [s["StackStatus"] for s in summaries if s["StackName"] == name and s["StackStatus"] != "DELETE_COMPLETE"]


def test_plan_on_a_new_stack_is_readable_and_leaves_nothing(aws: Clients, base: Base, stack: str) -> None:
    lines: list[str] = []
    result = plan(aws.cloudformation, stack, template(base), progress=lines.append, poll_seconds=FAST)
    assert result.status == "planned"
    assert {(c.logical_id, c.resource_type, c.action) for c in result.changes} == {
        ("StandardPolicy", "AWS::IAM::ManagedPolicy", "Add"), ("AuditLogGroup", "AWS::Logs::LogGroup", "Add")}
    text = format_plan(result)
    assert "Add     StandardPolicy (AWS::IAM::ManagedPolicy)" in text
    assert "AuditLogGroup" in text
    assert live_stack_statuses(aws, stack) == []
    with pytest.raises(ClientError, match="does not exist"):
        aws.cloudformation.describe_stacks(StackName=stack)
    assert aws.iam.list_attached_role_policies(RoleName=base.role_name)["AttachedPolicies"] == []


def test_deploy_then_noop_then_modify(aws: Clients, base: Base, stack: str) -> None:
    cfn = aws.cloudformation
    lines: list[str] = []
    created = deploy(cfn, stack, template(base), tags={"Owner": "platform"}, progress=lines.append,
                     poll_seconds=FAST)
    assert created.status == "created" and created.failure is None
    assert any(line.endswith(f"{stack}  CREATE_COMPLETE") for line in lines)
    assert any(line[:4].isdigit() and "CREATE_IN_PROGRESS" in line for line in lines)  # timestamped events
    attached = aws.iam.list_attached_role_policies(RoleName=base.role_name)["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == [f"claude-enterprise-standard-{base.suffix}"]
    assert {t["Key"]: t["Value"] for t in cfn.describe_stacks(StackName=stack)["Stacks"][0]["Tags"]} == {
        "Owner": "platform"}

    again = deploy(cfn, stack, template(base), progress=lines.append, poll_seconds=FAST)
    # describe_stacks, create_change_set, describe_change_set, delete_change_set
    assert (again.status, again.changes, again.api_calls) == ("no_changes", (), 4)
    assert format_plan(again) == "No changes: the deployed stack already matches."
    summaries = cfn.list_change_sets(StackName=stack)["Summaries"]
    assert [s for s in summaries if s["ExecutionStatus"] != "EXECUTE_COMPLETE"] == []

    modified = template(base, retention=90, digest="b" * 64)
    planned = plan(cfn, stack, modified, progress=lines.append, poll_seconds=FAST)
    assert [(c.logical_id, c.action) for c in planned.changes] == [("AuditLogGroup", "Modify")]
    [detail] = planned.changes[0].details
    assert (detail.name, detail.before, detail.after) == ("RetentionInDays", "30", "90")
    assert "Properties.RetentionInDays: 30 -> 90" in format_plan(planned)
    # the plan changed nothing
    assert cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"

    updated = deploy(cfn, stack, modified, progress=lines.append, poll_seconds=FAST)
    assert updated.status == "updated" and [c.action for c in updated.changes] == ["Modify"]
    deployed = cfn.get_template(StackName=stack)["TemplateBody"]
    assert deployed["Resources"]["AuditLogGroup"]["Properties"]["RetentionInDays"] == 90
    assert deployed["Outputs"]["ConfigSha256"]["Value"] == "b" * 64


def test_failed_create_reports_the_reason_and_the_next_deploy_recreates(aws: Clients, base: Base, stack: str) -> None:
    taken = f"taken-{base.suffix}"
    aws.iam.create_policy(PolicyName=taken, PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:GetLogEvents", "Resource": "*"}]}))
    lines: list[str] = []
    failed = deploy(aws.cloudformation, stack, template(base, policy_name=taken), progress=lines.append,
                    poll_seconds=FAST)
    assert failed.status == "failed"
    assert failed.failure is not None and f"A policy called {taken} already exists" in failed.failure
    assert live_stack_statuses(aws, stack) == ["REVIEW_IN_PROGRESS"]  # moto's leftover: no resources, no rollback

    fixed = deploy(aws.cloudformation, stack, template(base), progress=lines.append, poll_seconds=FAST)
    assert fixed.status == "created"
    assert any("REVIEW_IN_PROGRESS and holds no resources: deleting it" in line for line in lines)


def test_plan_on_a_leftover_stack_says_deploy_recreates_it(aws: Clients, base: Base, stack: str) -> None:
    aws.cloudformation.create_change_set(StackName=stack, ChangeSetName="abandoned", TemplateBody=template(base),
                                         ChangeSetType="CREATE")
    lines: list[str] = []
    result = plan(aws.cloudformation, stack, template(base), progress=lines.append, poll_seconds=FAST)
    assert result.status == "planned" and {c.action for c in result.changes} == {"Add"}
    assert lines == [f"stack {stack} is in REVIEW_IN_PROGRESS: deploy deletes it and creates it anew"]


def _event(n: int, logical: str, status: str, reason: str | None = None) -> dict[str, object]:
    """A DescribeStackEvents entry as CloudFormation returns it (the shape moto cannot produce for rollbacks)."""
    event: dict[str, object] = {"EventId": f"e{n}", "StackName": "s", "LogicalResourceId": logical,
                                "ResourceType": "AWS::IAM::ManagedPolicy" if logical != "s" else
                                "AWS::CloudFormation::Stack", "ResourceStatus": status,
                                "Timestamp": dt.datetime(2026, 1, 1, 0, 0, n, tzinfo=dt.timezone.utc)}
    if reason:
        event["ResourceStatusReason"] = reason
    return event


def test_rollback_failure_names_the_first_failed_resource() -> None:
    events = [_event(1, "s", "CREATE_IN_PROGRESS", "User Initiated"),
              _event(2, "Policy", "CREATE_FAILED", "Cannot exceed quota for PoliciesPerRole: 10"),
              _event(3, "Logs", "CREATE_FAILED", "Resource creation cancelled"),
              _event(4, "s", "ROLLBACK_IN_PROGRESS", "The following resource(s) failed to create: [Policy, Logs]"),
              _event(5, "s", "ROLLBACK_COMPLETE")]
    assert failure_from_events(events, "s") == (
        "Policy (AWS::IAM::ManagedPolicy) CREATE_FAILED: Cannot exceed quota for PoliciesPerRole: 10")
    assert failure_from_events(events[:1], "s") is None
