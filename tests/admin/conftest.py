"""A moto server as the AWS account, seeded with a base deployment (identity pool, Bedrock role), and a small
template shaped like the renderer's (a ManagedPolicy attached to the role, a KMS-encrypted LogGroup, the
ConfigSha256 output). The real renderer is tested on its own."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any, NamedTuple

import pytest

from claude_enterprise.admin.aws import Clients, clients
from tests.support.moto import moto_server

REGION = "us-east-1"


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    with moto_server() as url:
        yield url


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, moto_url: str) -> None:
    """Dummy credentials, every admin client pointed at moto through AWS_ENDPOINT_URL, and no retries (moto
    answers the APIs it lacks with a 500, which boto3 would retry with backoff)."""
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL": moto_url,
                       "AWS_MAX_ATTEMPTS": "1"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def aws() -> Clients:
    return clients(REGION)


class Base(NamedTuple):
    """What the base Bedrock deployment left in the account; names are unique per test (shared server)."""

    suffix: str
    pool_id: str
    role_name: str
    role_arn: str
    kms_arn: str


@pytest.fixture
def base(aws: Clients) -> Base:
    import boto3

    suffix = uuid.uuid4().hex[:8]
    pool = aws.cognito_identity.create_identity_pool(IdentityPoolName=f"pool{suffix}",
                                                    AllowUnauthenticatedIdentities=False)
    # The trust policy the guide's base deployment sets up: web identity, and session tags (the profile).
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"],
        "Principal": {"Federated": "cognito-identity.amazonaws.com"}}]}
    role = aws.iam.create_role(RoleName=f"BedrockRole-{suffix}", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    kms = boto3.client("kms", region_name=REGION).create_key(Description="audit logs")["KeyMetadata"]["Arn"]
    return Base(suffix, pool["IdentityPoolId"], role["RoleName"], role["Arn"], kms)


def template(base: Base, *, retention: int = 30, digest: str = "a" * 64, policy_name: str | None = None,
             actions: tuple[str, ...] = ("bedrock:InvokeModel",)) -> str:
    doc: dict[str, Any] = {
        "Resources": {
            "StandardPolicy": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
                "ManagedPolicyName": policy_name or f"claude-enterprise-standard-{base.suffix}",
                "Roles": [base.role_name],
                "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": list(actions), "Resource": "*"}]}}},
            "AuditLogGroup": {"Type": "AWS::Logs::LogGroup", "Properties": {
                "LogGroupName": log_group(base), "RetentionInDays": retention, "KmsKeyId": base.kms_arn}},
        },
        "Outputs": {"ConfigSha256": {"Value": digest}},
    }
    return json.dumps(doc)


def log_group(base: Base) -> str:
    return f"/claude-code/enterprise/audit-{base.suffix}"
