"""Shared builders for the admin tests: the bundled catalog, a custom guide-shape profile, a full config."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from claude_enterprise import paths
from claude_enterprise.config import EnterpriseConfig
from claude_enterprise.profiles import Profile, load_catalog

BUNDLED_PROFILES = ("plan-only", "restricted", "standard", "elevated")
ROLE_ARN = "arn:aws:iam::123456789012:role/claude/BedrockAccess"
POOL_ID = "us-east-1:11111111-2222-3333-4444-555555555555"
PROVIDER = "cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123"
DATA_SCIENCE_POLICY: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [{
        "Sid": "OpusOnly",
        "Effect": "Allow",
        "Action": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
        "Resource": ["arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-opus-*",
                     "arn:aws:bedrock:*::foundation-model/anthropic.claude-opus-*"],
        "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}},
    }],
}


def bundled_catalog() -> dict[str, Profile]:
    return load_catalog(paths.bundled_policies_dir() / "profiles", None)


def catalog_with_custom(tmp_path: Path, policy: Any = DATA_SCIENCE_POLICY) -> dict[str, Profile]:
    """The bundled profiles plus `data-science`, written in the guide's JSON shape with a PolicyDocument."""
    managed = tmp_path / "profiles.d"
    managed.mkdir(exist_ok=True)
    (managed / "data-science.json").write_text(json.dumps({
        "ProfileName": "data-science", "Description": "Data science team",
        "EnvironmentVariables": {"CLAUDE_ALLOW_SHELL_EXEC": "restricted"}, "PolicyDocument": policy,
    }))
    return load_catalog(paths.bundled_policies_dir() / "profiles", managed)


def full_config(**overrides: Any) -> EnterpriseConfig:
    values: dict[str, Any] = {
        "security_profile": "standard",
        "existing_bedrock_role_arn": ROLE_ARN,
        "existing_identity_pool_id": POOL_ID,
        "identity_provider_name": PROVIDER,
        "allowed_bedrock_regions": ("us-east-1", "us-west-2"),
        "user_attribute_mapping": {"UserEmail": "email", "CostCenter": "custom:cost_center"},
        "audit_region": "us-east-1",
    }
    values.update(overrides)
    return EnterpriseConfig(**values)
