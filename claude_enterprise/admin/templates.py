"""The CloudFormation stack `admin render` writes and `admin deploy-policies` deploys: pure data, no AWS calls.

One stack per configured security profile name holds: a managed policy per profile in the catalog (ABAC-scoped, see
`profile_policies`) attached to the existing Bedrock role; the identity pool's principal-tag map that puts the
profile claim into the session tag those policies test; and the audit log group, encrypted with a rotating KMS key
the stack creates (or the configured one). Policies carry no explicit names, so no CAPABILITY_NAMED_IAM is needed and
a replaced policy never collides with its predecessor. The config digest is in Metadata and Outputs so `admin
status` can tell whether the deployed stack was rendered from the local config.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from ..config import DEFAULT_PROFILE, EnterpriseConfig
from ..profiles import Profile
from . import monitoring
from .cost_budget import add_budget
from .profile_policies import policy_document

STACK_PREFIX = "claude-code-enterprise-"
DEFAULT_RETENTION_DAYS = 365
# CloudWatch Logs accepts only these retention periods.
RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
                  3653)
# The ID-token claim the profile tag is copied from when `user_attribute_mapping` does not name one.
DEFAULT_PROFILE_CLAIM = "custom:security_profile"
DIGEST_KEYS = (
    "security_profile", "existing_identity_pool_id", "existing_bedrock_role_arn", "allowed_bedrock_regions",
    "identity_provider_name", "user_attribute_mapping", "profile_tag_key", "audit_log_group", "audit_retention_days",
    "audit_kms_key_id",
)
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/(?:[\w+=,.@-]+/)*([\w+=,.@-]{1,64})$")
_KMS_KEY_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$|^mrk-[0-9a-f]{32}$")
_STACK_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,127}$")
_SUB_PLACEHOLDER = re.compile(r"\$\{AWS::(?:Partition|AccountId|Region)\}")


def stack_name(config: EnterpriseConfig) -> str:
    name = STACK_PREFIX + (config.security_profile or DEFAULT_PROFILE)
    if not _STACK_NAME.match(name):
        raise ValueError(f"security_profile: {config.security_profile!r} cannot be part of a CloudFormation stack "
                         "name (letters, digits and hyphens only)")
    return name


def config_digest(config: EnterpriseConfig) -> str:
    """sha256 over the keys that change the stack; local-only keys (token cache, endpoints) do not count."""
    values = {k: getattr(config, k) for k in DIGEST_KEYS}
    values["allowed_bedrock_regions"] = list(config.allowed_bedrock_regions)
    values["user_attribute_mapping"] = dict(config.user_attribute_mapping)
    return hashlib.sha256(json.dumps(values, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def render_json(config: EnterpriseConfig, catalog: Mapping[str, Profile]) -> str:
    return json.dumps(render_template(config, catalog), sort_keys=True, indent=1) + "\n"


def render_template(config: EnterpriseConfig, catalog: Mapping[str, Profile]) -> dict[str, Any]:
    selected = config.security_profile or DEFAULT_PROFILE
    if selected not in catalog:
        raise ValueError(f"security_profile: unknown profile {selected!r}; known: {', '.join(sorted(catalog))}")
    stack_name(config)
    digest = config_digest(config)
    resources: dict[str, Any] = {}
    outputs: dict[str, Any] = {"ConfigSha256": {"Description": "sha256 of the deploy-relevant enterprise config",
                                                "Value": digest}}
    role_name = _role_name(config.existing_bedrock_role_arn)
    for name in sorted(catalog):
        logical = _policy_logical_id(name, resources)
        resources[logical] = _managed_policy(catalog[name], config, role_name)
        outputs[f"{logical}Arn"] = {"Description": f"Managed policy of security profile {name}",
                                    "Value": {"Ref": logical}}
    outputs["PolicyAttachment"] = {
        "Description": "Where the profile policies are attached",
        "Value": f"role {role_name}" if role_name else
        "not attached: existing_bedrock_role_arn is not configured; attach the policies to the Bedrock role",
    }
    tag_map = _principal_tag_map(config)
    if tag_map:
        resources["IdentityPoolPrincipalTags"] = tag_map
    outputs["PrincipalTagMap"] = {
        "Description": "The identity pool's claim-to-session-tag map",
        "Value": f"managed for {config.existing_identity_pool_id}" if tag_map else
        "not managed: existing_identity_pool_id and identity_provider_name are both needed",
    }
    resources.update(_audit_log_resources(config))
    outputs["AuditLogGroupArn"] = {"Description": "Audit log group", "Value": {"Fn::GetAtt": ["AuditLogGroup", "Arn"]}}
    monitoring.add_monitoring(config, resources, outputs)
    add_budget(config, resources, outputs)
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"Claude Code on Amazon Bedrock: security profiles in IAM and the audit log ({selected})",
        "Metadata": {"ClaudeEnterprise": {"ConfigSha256": digest, "SecurityProfile": selected,
                                          "Profiles": sorted(catalog)}},
        "Resources": resources,
        "Outputs": outputs,
    }


def _role_name(arn: str | None) -> str | None:
    """`Roles:` takes names; the name is the ARN's last path segment."""
    if arn is None:
        return None
    match = _ROLE_ARN.match(arn)
    if not match:
        raise ValueError(f"existing_bedrock_role_arn: {arn!r} is not an IAM role ARN "
                         "(arn:aws:iam::<account>:role/<name>)")
    return match.group(1)


def _policy_logical_id(profile: str, taken: Mapping[str, Any]) -> str:
    logical = "Policy" + "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", profile))
    if logical in taken:
        raise ValueError(f"profile {profile}: name maps to the same CloudFormation resource as another profile "
                         f"({logical}); rename one")
    return logical


def _managed_policy(profile: Profile, config: EnterpriseConfig, role_name: str | None) -> dict[str, Any]:
    doc = policy_document(profile, config.allowed_bedrock_regions, config.profile_tag_key)
    properties: dict[str, Any] = {
        # Description is create-only: keep it stable so editing a profile updates the policy in place.
        "Description": f"Claude Code security profile {profile.name}",
        "PolicyDocument": _with_sub(doc),
    }
    if role_name:
        properties["Roles"] = [role_name]
    return {"Type": "AWS::IAM::ManagedPolicy", "Properties": properties}


def _with_sub(value: Any) -> Any:
    """Strings holding CloudFormation pseudo parameters become `Fn::Sub`; IAM policy variables are left alone."""
    if isinstance(value, str):
        return {"Fn::Sub": value} if _SUB_PLACEHOLDER.search(value) else value
    if isinstance(value, Mapping):
        return {k: _with_sub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_sub(v) for v in value]
    return value


def _principal_tag_map(config: EnterpriseConfig) -> dict[str, Any] | None:
    if not (config.existing_identity_pool_id and config.identity_provider_name):
        return None
    tags = dict(config.user_attribute_mapping)
    tags.setdefault(config.profile_tag_key, DEFAULT_PROFILE_CLAIM)
    return {
        "Type": "AWS::Cognito::IdentityPoolPrincipalTag",
        "Properties": {
            "IdentityPoolId": config.existing_identity_pool_id,
            "IdentityProviderName": config.identity_provider_name,
            "PrincipalTags": tags,
            "UseDefaults": False,
        },
    }


def _audit_log_resources(config: EnterpriseConfig) -> dict[str, Any]:
    """The audit log group, retained on stack deletion, encrypted at rest with a KMS key."""
    retention = config.audit_retention_days or DEFAULT_RETENTION_DAYS
    if retention not in RETENTION_DAYS:
        raise ValueError(f"audit_retention_days: {retention} is not a CloudWatch Logs retention period; use one of "
                         f"{', '.join(map(str, RETENTION_DAYS))}")
    group_arn = f"arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:{config.audit_log_group}"
    resources: dict[str, Any] = {}
    if config.audit_kms_key_id:
        key_arn: Any = _kms_key_arn(config.audit_kms_key_id)
    else:
        resources["AuditLogKey"] = _audit_key(group_arn)
        key_arn = {"Fn::GetAtt": ["AuditLogKey", "Arn"]}
    resources["AuditLogGroup"] = {
        "Type": "AWS::Logs::LogGroup",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {"LogGroupName": config.audit_log_group, "RetentionInDays": retention, "KmsKeyId": key_arn},
    }
    return resources


def _kms_key_arn(key: str) -> Any:
    """The log group needs the key ARN; a bare key id is taken to be in the stack's account and Region."""
    if key.startswith("arn:") and ":key/" in key:
        return key
    if _KMS_KEY_ID.match(key):
        return {"Fn::Sub": f"arn:${{AWS::Partition}}:kms:${{AWS::Region}}:${{AWS::AccountId}}:key/{key}"}
    raise ValueError(f"audit_kms_key_id: {key!r} must be a KMS key id or key ARN (CloudWatch Logs does not take "
                     "aliases)")


def _audit_key(group_arn: str) -> dict[str, Any]:
    return {
        "Type": "AWS::KMS::Key",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {
            "Description": "Encrypts the Claude Code enterprise audit log group",
            "EnableKeyRotation": True,
            "KeyPolicy": {
                "Version": "2012-10-17",
                "Statement": [
                    {"Sid": "AccountAdministers", "Effect": "Allow",
                     "Principal": {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}},
                     "Action": "kms:*", "Resource": "*"},
                    {"Sid": "CloudWatchLogsEncryptsTheAuditGroup", "Effect": "Allow",
                     "Principal": {"Service": {"Fn::Sub": "logs.${AWS::Region}.amazonaws.com"}},
                     "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                                "kms:Describe*"],
                     "Resource": "*",
                     "Condition": {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": {"Fn::Sub": group_arn}}}},
                ],
            },
        },
    }
