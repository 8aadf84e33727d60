"""`admin status`: is the deployed governance what the local configuration says it should be?

Each check reads one fact from AWS and compares it with the configuration. A check that cannot be made
(an API the account or moto does not offer) is a warning, never a pass: "unknown" must not look healthy.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from claude_enterprise.admin.aws import Clients
from claude_enterprise.checks import Check
from claude_enterprise.config import EnterpriseConfig
from claude_enterprise.identity.tagmap import provider_name_for_issuer

DRIFT_POLL_SECONDS = 2.0
DRIFT_TIMEOUT_SECONDS = 120.0
HEALTHY_STACK = ("CREATE_COMPLETE", "UPDATE_COMPLETE")
# An API the endpoint does not offer: AWS answers ClientError; moto answers an HTML 500 that botocore cannot parse.
UNAVAILABLE = (ClientError, BotoCoreError, ResponseParserError)


def _error(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        return f"{err.get('Code', '')}: {err.get('Message', '')}".strip(": ")
    return str(exc).splitlines()[0]


def _role_name(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def _identity_pool(c: Clients, config: EnterpriseConfig) -> Check:
    if not config.existing_identity_pool_id:
        return Check("identity pool", "fail", "existing_identity_pool_id is not configured")
    try:
        pool = c.cognito_identity.describe_identity_pool(IdentityPoolId=config.existing_identity_pool_id)
    except ClientError as exc:
        return Check("identity pool", "fail", f"{config.existing_identity_pool_id}: {_error(exc)}")
    return Check("identity pool", "pass", f"{pool['IdentityPoolId']} ({pool['IdentityPoolName']})")


def _role(c: Clients, config: EnterpriseConfig) -> Check:
    if not config.existing_bedrock_role_arn:
        return Check("bedrock role", "fail", "existing_bedrock_role_arn is not configured")
    try:
        role = c.iam.get_role(RoleName=_role_name(config.existing_bedrock_role_arn))["Role"]
    except ClientError as exc:
        return Check("bedrock role", "fail", f"{config.existing_bedrock_role_arn}: {_error(exc)}")
    if role["Arn"] != config.existing_bedrock_role_arn:
        return Check("bedrock role", "fail", f"found {role['Arn']}, configured {config.existing_bedrock_role_arn}")
    if not allows_tag_session(role.get("AssumeRolePolicyDocument")):
        return Check("bedrock role", "fail", f"{role['Arn']}: its trust policy does not allow sts:TagSession, so the "
                     "identity pool's principal tags (the profile) never reach IAM; add sts:TagSession next to "
                     "sts:AssumeRoleWithWebIdentity")
    return Check("bedrock role", "pass", f"{role['Arn']} (trust policy allows sts:TagSession)")


def allows_tag_session(document: Any) -> bool:
    """Does a trust policy (a dict, or IAM's URL-encoded JSON) allow sts:TagSession to anyone?"""
    import json
    from urllib.parse import unquote

    if isinstance(document, str):
        try:
            document = json.loads(unquote(document))
        except ValueError:
            return False
    statements = document.get("Statement", []) if isinstance(document, Mapping) else []
    for statement in statements if isinstance(statements, list) else [statements]:
        actions = statement.get("Action", []) if isinstance(statement, Mapping) else []
        actions = [actions] if isinstance(actions, str) else actions
        if statement.get("Effect") == "Allow" and any(a in ("sts:TagSession", "sts:*", "*") for a in actions):
            return True
    return False


def _stack_status(stack: Mapping[str, Any]) -> Check:
    status = stack["StackStatus"]
    if status in HEALTHY_STACK:
        return Check("stack", "pass", f"{stack['StackName']}: {status}")
    level = "warn" if status.endswith("_IN_PROGRESS") and "ROLLBACK" not in status else "fail"
    return Check("stack", level, f"{stack['StackName']}: {status} {stack.get('StackStatusReason', '')}".rstrip())


def _drift(c: Clients, stack_name: str) -> Check:
    """DetectStackDrift is asynchronous: start it, then poll its status (moto does not implement it)."""
    try:
        detection = c.cloudformation.detect_stack_drift(StackName=stack_name)["StackDriftDetectionId"]
        deadline = time.monotonic() + DRIFT_TIMEOUT_SECONDS
        while True:
            result = c.cloudformation.describe_stack_drift_detection_status(StackDriftDetectionId=detection)
            if result["DetectionStatus"] != "DETECTION_IN_PROGRESS" or time.monotonic() > deadline:
                break
            time.sleep(DRIFT_POLL_SECONDS)
    except UNAVAILABLE as exc:
        return Check("drift", "warn", f"unknown: drift detection unavailable ({_error(exc)})")
    drift = result.get("StackDriftStatus", "UNKNOWN")
    if result["DetectionStatus"] == "DETECTION_COMPLETE" and drift == "IN_SYNC":
        return Check("drift", "pass", "IN_SYNC")
    if drift == "DRIFTED":
        return Check("drift", "fail", f"DRIFTED: {result.get('DriftedStackResourceCount', '?')} resource(s) differ")
    return Check("drift", "warn", f"unknown: {result['DetectionStatus']} {result.get('DetectionStatusReason', '')}"
                 .rstrip())


def _stack_resources(c: Clients, stack_name: str) -> list[Mapping[str, Any]]:
    pages = c.cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack_name)
    return [r for page in pages for r in page["StackResourceSummaries"]]


def _policies_attached(c: Clients, config: EnterpriseConfig, resources: list[Mapping[str, Any]]) -> Check:
    wanted = {r["PhysicalResourceId"] for r in resources if r["ResourceType"] == "AWS::IAM::ManagedPolicy"}
    if not wanted:
        return Check("policies attached", "fail", "the stack has no AWS::IAM::ManagedPolicy")
    if not config.existing_bedrock_role_arn:
        return Check("policies attached", "fail", "existing_bedrock_role_arn is not configured")
    try:
        pages = c.iam.get_paginator("list_attached_role_policies").paginate(
            RoleName=_role_name(config.existing_bedrock_role_arn))
        attached = {p["PolicyArn"] for page in pages for p in page["AttachedPolicies"]}
    except ClientError as exc:
        return Check("policies attached", "fail", _error(exc))
    missing = sorted(wanted - attached)
    if missing:
        return Check("policies attached", "fail", "not attached to the role: " + ", ".join(missing))
    return Check("policies attached", "pass", f"{len(wanted)} policy(ies) attached")


def _principal_tags(c: Clients, config: EnterpriseConfig) -> Check:
    """The pool's tag map must carry the configured mapping and the profile tag, nothing else."""
    provider = config.identity_provider_name or (
        provider_name_for_issuer(config.identity_issuer) if config.identity_issuer else None)
    if not (provider and config.existing_identity_pool_id):
        return Check("principal tags", "fail", "identity_provider_name (or identity_issuer) and "
                     "existing_identity_pool_id are needed to read the tag map")
    try:
        live = c.cognito_identity.get_principal_tag_attribute_map(
            IdentityPoolId=config.existing_identity_pool_id, IdentityProviderName=provider).get("PrincipalTags") or {}
    except UNAVAILABLE as exc:
        return Check("principal tags", "warn", f"unknown: cannot read the tag map ({_error(exc)})")
    wrong = sorted(k for k, claim in config.user_attribute_mapping.items() if live.get(k) != claim)
    if config.profile_tag_key not in live:
        wrong.append(config.profile_tag_key)
    if wrong:
        return Check("principal tags", "fail", "missing or different: " + ", ".join(wrong))
    extra = sorted(set(live) - set(config.user_attribute_mapping) - {config.profile_tag_key})
    if extra:
        return Check("principal tags", "warn", "not in the configuration: " + ", ".join(extra))
    return Check("principal tags", "pass", ", ".join(f"{k}<-{v}" for k, v in sorted(live.items())))


def _log_group(c: Clients, config: EnterpriseConfig) -> Check:
    try:
        groups = c.logs.describe_log_groups(logGroupNamePrefix=config.audit_log_group)["logGroups"]
    except ClientError as exc:
        return Check("log group", "fail", _error(exc))
    group = next((g for g in groups if g["logGroupName"] == config.audit_log_group), None)
    if group is None:
        return Check("log group", "fail", f"{config.audit_log_group} does not exist")
    problems = []
    if config.audit_retention_days is not None and group.get("retentionInDays") != config.audit_retention_days:
        problems.append(f"retention {group.get('retentionInDays')} days, configured {config.audit_retention_days}")
    if not group.get("kmsKeyId"):  # the stack always encrypts it: its own key, or the configured one
        problems.append("not KMS-encrypted")
    elif config.audit_kms_key_id and config.audit_kms_key_id not in group["kmsKeyId"]:
        problems.append(f"encrypted with {group['kmsKeyId']}, configured {config.audit_kms_key_id}")
    if problems:
        return Check("log group", "fail", f"{config.audit_log_group}: " + "; ".join(problems))
    return Check("log group", "pass", f"{config.audit_log_group}: retention {group.get('retentionInDays')}, "
                 f"KMS {group['kmsKeyId']}")


def _deployed_digest(c: Clients, stack: Mapping[str, Any]) -> str | None:
    """The stack's ConfigSha256 output; else the literal in the deployed template (the renderer writes it as
    a plain string), since moto gives a stack built through change sets no Outputs."""
    outputs = {o["OutputKey"]: o.get("OutputValue") for o in stack.get("Outputs", [])}
    if "ConfigSha256" in outputs:
        return outputs["ConfigSha256"]
    body = c.cloudformation.get_template(StackName=stack["StackId"])["TemplateBody"]
    doc = body if isinstance(body, Mapping) else json.loads(body)
    value = doc.get("Outputs", {}).get("ConfigSha256", {}).get("Value")
    return value if isinstance(value, str) else None


def _digest(deployed: str | None, local_digest: str) -> Check:
    if deployed is None:
        return Check("deployed config", "fail", "the stack has no ConfigSha256 output")
    if deployed != local_digest:
        return Check("deployed config", "warn",
                     f"deployed {deployed[:12]}, local {local_digest[:12]}: run `admin deploy-policies`")
    return Check("deployed config", "pass", f"ConfigSha256 {deployed[:12]} matches")


def status_checks(session_or_clients: Clients, config: EnterpriseConfig, stack_name: str,
                  local_digest: str) -> list[Check]:
    """Every check, in the order an administrator would fix them."""
    c = session_or_clients
    checks = [_identity_pool(c, config), _role(c, config)]
    try:
        stack = c.cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
    except ClientError as exc:
        return [*checks, Check("stack", "fail", f"{stack_name}: {_error(exc)}")]
    checks += [_stack_status(stack), _drift(c, stack_name),
               _policies_attached(c, config, _stack_resources(c, stack_name)),
               _principal_tags(c, config), _log_group(c, config), _digest(_deployed_digest(c, stack), local_digest)]
    if config.cost_tracking_enabled:
        checks.append(_cost_allocation_tags(c, config))
    return checks


def cost_allocation_keys(config: EnterpriseConfig) -> list[str]:
    """The session tags chargeback relies on, as Billing names them once activated (`iamPrincipal/<key>`)."""
    return [f"iamPrincipal/{key}" for key in dict.fromkeys([*config.user_attribute_mapping, config.profile_tag_key])]


def _cost_allocation_tags(c: Clients, config: EnterpriseConfig) -> Check:
    """Cost Explorer and Budgets see a principal's session tags only once they are activated as cost-allocation
    tags (by the management account, for later usage only)."""
    keys = cost_allocation_keys(config)
    try:
        found = c.cost_explorer.list_cost_allocation_tags(TagKeys=keys).get("CostAllocationTags", [])
    except UNAVAILABLE as exc:
        return Check("cost allocation tags", "warn", f"unknown: cannot list them ({_error(exc)})")
    active = {t["TagKey"] for t in found if t.get("Status") == "Active"}
    inactive = [k for k in keys if k not in active]
    if inactive:
        return Check("cost allocation tags", "warn", "not active: " + ", ".join(inactive) + "; activate them in "
                     "Billing > Cost allocation tags (management account; they count for later usage only)")
    return Check("cost allocation tags", "pass", "active: " + ", ".join(keys))
