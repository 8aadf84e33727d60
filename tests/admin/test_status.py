"""status_checks on a stack deployed to moto. moto has no DetectStackDrift and no
Get/SetPrincipalTagAttributeMap (both answer 500), so those two checks must come out "warn: unknown"; and its
CloudFormation LogGroup drops KmsKeyId, so the deployed group is never encrypted there (the test asserts the
check catches that)."""

from __future__ import annotations

import json
import uuid

import pytest

from claude_enterprise.admin.aws import Clients
from claude_enterprise.admin.deploy import deploy
from claude_enterprise.admin.status import status_checks
from claude_enterprise.checks import Check
from claude_enterprise.config import EnterpriseConfig
from tests.admin.conftest import Base, log_group, template

DIGEST = "c" * 64


@pytest.fixture
def deployed(aws: Clients, base: Base) -> str:
    stack = f"claude-enterprise-status-{uuid.uuid4().hex[:8]}"
    result = deploy(aws.cloudformation, stack, template(base, digest=DIGEST), progress=lambda _: None,
                    poll_seconds=0.05)
    assert result.status == "created"
    return stack


def config_for(base: Base, **overrides: object) -> EnterpriseConfig:
    values: dict[str, object] = {
        "existing_identity_pool_id": base.pool_id, "existing_bedrock_role_arn": base.role_arn,
        "identity_provider_name": "cognito-idp.us-east-1.amazonaws.com/us-east-1_pool",
        "user_attribute_mapping": {"UserEmail": "email"}, "audit_log_group": log_group(base),
        "audit_retention_days": 30, **overrides}
    return EnterpriseConfig(**values)  # type: ignore[arg-type]


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {c.name: c for c in checks}


def test_a_matching_deployment(aws: Clients, base: Base, deployed: str) -> None:
    # moto drops KmsKeyId from a log group CloudFormation creates, and has no AssociateKmsKey: put the group
    # back the way the stack describes it (retention 30, the key).
    aws.logs.delete_log_group(logGroupName=log_group(base))
    aws.logs.create_log_group(logGroupName=log_group(base), kmsKeyId=base.kms_arn)
    aws.logs.put_retention_policy(logGroupName=log_group(base), retentionInDays=30)
    checks = by_name(status_checks(aws, config_for(base), deployed, DIGEST))
    assert {name: c.status for name, c in checks.items()} == {
        "identity pool": "pass", "bedrock role": "pass", "stack": "pass", "drift": "warn",
        "policies attached": "pass", "principal tags": "warn", "log group": "pass", "deployed config": "pass"}
    assert checks["drift"].detail.startswith("unknown")
    assert checks["principal tags"].detail.startswith("unknown")
    assert checks["log group"].detail.endswith(f"retention 30, KMS {base.kms_arn}")


def test_an_unencrypted_log_group_fails(aws: Clients, base: Base, deployed: str) -> None:
    """All logs encrypted at rest: the stack always encrypts the group, so a group without a key is a fault."""
    checks = by_name(status_checks(aws, config_for(base), deployed, DIGEST))
    assert checks["log group"].status == "fail" and checks["log group"].detail.endswith("not KMS-encrypted")


def test_a_stale_digest_retention_and_encryption_are_reported(aws: Clients, base: Base, deployed: str) -> None:
    config = config_for(base, audit_retention_days=365, audit_kms_key_id=base.kms_arn)
    checks = by_name(status_checks(aws, config, deployed, "d" * 64))
    assert checks["deployed config"].status == "warn" and "admin deploy-policies" in checks["deployed config"].detail
    assert checks["log group"].status == "fail"
    assert checks["log group"].detail.endswith("retention 30 days, configured 365; not KMS-encrypted")


def test_a_role_whose_trust_policy_drops_session_tags_fails(aws: Clients, base: Base, deployed: str) -> None:
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
                                                     "Principal": {"Federated": "cognito-identity.amazonaws.com"}}]}
    aws.iam.update_assume_role_policy(RoleName=base.role_name, PolicyDocument=json.dumps(trust))
    checks = by_name(status_checks(aws, config_for(base), deployed, DIGEST))
    assert checks["bedrock role"].status == "fail" and "sts:TagSession" in checks["bedrock role"].detail


def test_a_missing_role_fails(aws: Clients, base: Base, deployed: str) -> None:
    missing = base.role_arn.replace(base.role_name, "NoSuchRole")
    checks = by_name(status_checks(aws, config_for(base, existing_bedrock_role_arn=missing), deployed, DIGEST))
    assert checks["bedrock role"].status == "fail" and "NoSuchEntity" in checks["bedrock role"].detail
    assert checks["policies attached"].status == "fail"


def test_a_missing_stack_and_pool_fail(aws: Clients, base: Base) -> None:
    config = config_for(base, existing_identity_pool_id="us-east-1:00000000-0000-0000-0000-000000000000")
    checks = status_checks(aws, config, "claude-enterprise-never-deployed", DIGEST)
    assert [(c.name, c.status) for c in checks] == [("identity pool", "fail"), ("bedrock role", "pass"),
                                                    ("stack", "fail")]
    assert "does not exist" in checks[-1].detail


def test_cost_allocation_tags_must_be_active_for_chargeback(aws: Clients, base: Base, deployed: str) -> None:
    """Billing answers from the real Cost Explorer API shape (botocore's Stubber on a real client: moto has no
    ListCostAllocationTags, and answers it with a 500, which is reported as unknown)."""
    import boto3
    from botocore.stub import Stubber

    config = config_for(base, cost_tracking_enabled=True, budget_amount=100.0, budget_email="f@example.com",
                        user_attribute_mapping={"team": "custom:team"})
    keys = ["iamPrincipal/team", "iamPrincipal/SecurityProfile"]
    unknown = by_name(status_checks(aws, config, deployed, DIGEST))["cost allocation tags"]
    assert unknown.status == "warn" and unknown.detail.startswith("unknown")
    ce = boto3.client("ce", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(ce) as stub:
        stub.add_response("list_cost_allocation_tags", {"CostAllocationTags": [
            {"TagKey": keys[0], "Type": "UserDefined", "Status": "Active"},
            {"TagKey": keys[1], "Type": "UserDefined", "Status": "Inactive"}]}, {"TagKeys": keys})
        stub.add_response("list_cost_allocation_tags", {"CostAllocationTags": [
            {"TagKey": k, "Type": "UserDefined", "Status": "Active"} for k in keys]}, {"TagKeys": keys})
        half = by_name(status_checks(aws._replace(cost_explorer=ce), config, deployed, DIGEST))["cost allocation tags"]
        full = by_name(status_checks(aws._replace(cost_explorer=ce), config, deployed, DIGEST))["cost allocation tags"]
    assert half.status == "warn" and "not active: iamPrincipal/SecurityProfile" in half.detail
    assert full.status == "pass"
    assert "cost allocation tags" not in by_name(status_checks(aws, config_for(base), deployed, DIGEST))
