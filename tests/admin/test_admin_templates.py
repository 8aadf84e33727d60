"""The rendered stack: cfn-lint clean for every profile, and the parts moto cannot run checked in the template."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cfnlint.api
import pytest

from claude_enterprise.admin.templates import config_digest, render_json, render_template, stack_name
from claude_enterprise.config import EnterpriseConfig
from tests.support.admin_profiles import (
    BUNDLED_PROFILES,
    DATA_SCIENCE_POLICY,
    POOL_ID,
    PROVIDER,
    bundled_catalog,
    catalog_with_custom,
    full_config,
)


def lint_errors(template: str) -> list[str]:
    matches = cfnlint.api.lint(template, regions=["us-east-1"])
    return [f"{m.rule.id} {m.message}" for m in matches if m.rule.id[0] in "EW"]


def statements(template: dict[str, Any], logical: str) -> list[dict[str, Any]]:
    return list(template["Resources"][logical]["Properties"]["PolicyDocument"]["Statement"])


def resources_of(statement: dict[str, Any]) -> list[str]:
    value = statement["Resource"]
    return [r["Fn::Sub"] if isinstance(r, dict) else r for r in (value if isinstance(value, list) else [value])]


@pytest.mark.parametrize("profile", BUNDLED_PROFILES)
def test_every_bundled_profile_renders_a_lint_clean_stack(profile: str) -> None:
    config = full_config(security_profile=profile)
    assert lint_errors(render_json(config, bundled_catalog())) == []
    assert stack_name(config) == f"claude-code-enterprise-{profile}"


def test_a_minimal_config_renders_a_lint_clean_stack_without_attachment_or_tag_map() -> None:
    template = render_template(EnterpriseConfig(), bundled_catalog())
    assert lint_errors(render_json(EnterpriseConfig(), bundled_catalog())) == []
    assert stack_name(EnterpriseConfig()) == "claude-code-enterprise-standard"
    assert all("Roles" not in r["Properties"] for r in template["Resources"].values()
               if r["Type"] == "AWS::IAM::ManagedPolicy")
    assert "IdentityPoolPrincipalTags" not in template["Resources"]
    assert "not attached" in template["Outputs"]["PolicyAttachment"]["Value"]
    assert "not managed" in template["Outputs"]["PrincipalTagMap"]["Value"]


def test_a_custom_profile_with_an_iam_policy_renders_lint_clean_and_as_given(tmp_path: Path) -> None:
    catalog = catalog_with_custom(tmp_path)
    config = full_config(security_profile="data-science")
    assert lint_errors(render_json(config, catalog)) == []
    [statement] = statements(render_template(config, catalog), "PolicyDataScience")
    assert statement["Sid"] == "OpusOnly"
    assert statement["Resource"] == DATA_SCIENCE_POLICY["Statement"][0]["Resource"]
    assert statement["Condition"]["StringEquals"] == {"aws:RequestedRegion": "us-east-1",
                                                      "aws:PrincipalTag/SecurityProfile": "data-science"}


def test_every_policy_statement_is_scoped_to_its_profiles_principal_tag(tmp_path: Path) -> None:
    template = render_template(full_config(profile_tag_key="ClaudeProfile"), catalog_with_custom(tmp_path))
    policies = {k: r for k, r in template["Resources"].items() if r["Type"] == "AWS::IAM::ManagedPolicy"}
    assert sorted(policies) == ["PolicyDataScience", "PolicyElevated", "PolicyPlanOnly", "PolicyRestricted",
                                "PolicyStandard"]
    for logical, resource in policies.items():
        profile = resource["Properties"]["Description"].rsplit(" ", 1)[1]
        assert logical == "Policy" + "".join(p.capitalize() for p in profile.split("-"))
        assert resource["Properties"]["Roles"] == ["BedrockAccess"]  # the name, from a role ARN with a path
        for statement in statements(template, logical):
            assert statement["Condition"]["StringEquals"]["aws:PrincipalTag/ClaudeProfile"] == profile


def test_plan_only_names_only_sonnet_and_haiku_models_restricted_and_standard_any_anthropic() -> None:
    template = render_template(full_config(), bundled_catalog())
    for logical in ("PolicyPlanOnly", "PolicyRestricted", "PolicyStandard", "PolicyElevated"):
        invoked = [r for s in statements(template, logical) if s["Effect"] == "Allow"
                   and "bedrock:InvokeModel" in s["Action"] for r in resources_of(s)]
        models = {r.rsplit("/", 1)[1] for r in invoked}
        if logical == "PolicyPlanOnly":
            assert models and all("sonnet" in m or "haiku" in m for m in models), models
            assert not any("opus" in m for m in models)
        else:
            assert models == {"*.anthropic.*", "anthropic.*"}


def test_cross_region_inference_is_fenced_by_the_profile_arns_in_the_allowed_regions() -> None:
    template = render_template(full_config(), bundled_catalog())
    by_sid = {s["Sid"]: s for s in statements(template, "PolicyStandard")}
    invoke = by_sid["InvokeThroughInferenceProfiles"]
    profiles = resources_of(invoke)
    assert profiles == ["arn:${AWS::Partition}:bedrock:*:${AWS::AccountId}:inference-profile/*.anthropic.*"]
    assert invoke["Condition"]["StringEquals"]["aws:RequestedRegion"] == ["us-east-1", "us-west-2"]
    models = by_sid["InvokeModelsServingThoseProfiles"]
    # Any destination Region, and the empty Region global profiles are checked in.
    assert resources_of(models) == ["arn:${AWS::Partition}:bedrock:*::foundation-model/anthropic.*",
                                    "arn:${AWS::Partition}:bedrock:::foundation-model/anthropic.*"]
    fence = [a["Fn::Sub"] for a in models["Condition"]["ArnLike"]["bedrock:InferenceProfileArn"]]
    assert fence == profiles
    assert "aws:RequestedRegion" not in models["Condition"]["StringEquals"]  # would break cross-Region routing
    assert by_sid["DiscoverInferenceProfiles"]["Condition"]["StringEquals"]["aws:RequestedRegion"] == [
        "us-east-1", "us-west-2"]


def test_elevated_adds_view_only_access_and_denies_destructive_and_iam_changes() -> None:
    template = render_template(full_config(), bundled_catalog())
    by_sid = {s["Sid"]: s for s in statements(template, "PolicyElevated")}
    assert "s3:GetObject" not in by_sid["ViewInfrastructure"]["Action"]
    deny = by_sid["DenyDestructiveAndIamChanges"]
    assert deny["Effect"] == "Deny" and {"iam:PassRole", "iam:Create*", "s3:Delete*", "organizations:*"} <= set(
        deny["Action"])
    assert {s["Sid"] for s in statements(template, "PolicyStandard")}.isdisjoint(by_sid.keys() - {
        "InvokeThroughInferenceProfiles", "InvokeModelsServingThoseProfiles", "CountTokens",
        "DiscoverInferenceProfiles"})


def test_principal_tag_map_carries_the_attribute_mapping_and_the_profile_tag() -> None:
    template = render_template(full_config(), bundled_catalog())
    tags = template["Resources"]["IdentityPoolPrincipalTags"]
    assert tags["Type"] == "AWS::Cognito::IdentityPoolPrincipalTag"
    assert tags["Properties"] == {
        "IdentityPoolId": POOL_ID, "IdentityProviderName": PROVIDER, "UseDefaults": False,
        "PrincipalTags": {"UserEmail": "email", "CostCenter": "custom:cost_center",
                          "SecurityProfile": "custom:security_profile"},
    }
    mapped = render_template(full_config(user_attribute_mapping={"SecurityProfile": "custom:tier"}), bundled_catalog())
    assert mapped["Resources"]["IdentityPoolPrincipalTags"]["Properties"]["PrincipalTags"] == {
        "SecurityProfile": "custom:tier"}
    assert "IdentityPoolPrincipalTags" not in render_template(full_config(identity_provider_name=None),
                                                              bundled_catalog())["Resources"]


def test_audit_log_group_is_encrypted_with_a_rotating_key_cloudwatch_logs_may_use_for_that_group_only() -> None:
    template = render_template(full_config(audit_log_group="/org/claude/audit"), bundled_catalog())
    group = template["Resources"]["AuditLogGroup"]
    assert group["Properties"] == {"LogGroupName": "/org/claude/audit", "RetentionInDays": 365,
                                   "KmsKeyId": {"Fn::GetAtt": ["AuditLogKey", "Arn"]}}
    assert group["DeletionPolicy"] == "Retain"
    key = template["Resources"]["AuditLogKey"]["Properties"]
    assert key["EnableKeyRotation"] is True
    [logs] = [s for s in key["KeyPolicy"]["Statement"] if "Service" in s["Principal"]]
    assert logs["Principal"]["Service"] == {"Fn::Sub": "logs.${AWS::Region}.amazonaws.com"}
    assert {"kms:Encrypt*", "kms:Decrypt*", "kms:GenerateDataKey*"} <= set(logs["Action"])
    assert logs["Condition"]["ArnEquals"]["kms:EncryptionContext:aws:logs:arn"] == {
        "Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/org/claude/audit"}


def test_a_configured_kms_key_and_retention_are_used_instead() -> None:
    key_id = "1234abcd-12ab-34cd-56ef-1234567890ab"
    template = render_template(full_config(audit_kms_key_id=key_id, audit_retention_days=731), bundled_catalog())
    assert "AuditLogKey" not in template["Resources"]
    assert template["Resources"]["AuditLogGroup"]["Properties"]["RetentionInDays"] == 731
    assert template["Resources"]["AuditLogGroup"]["Properties"]["KmsKeyId"] == {
        "Fn::Sub": f"arn:${{AWS::Partition}}:kms:${{AWS::Region}}:${{AWS::AccountId}}:key/{key_id}"}
    arn = f"arn:aws:kms:eu-west-1:123456789012:key/{key_id}"
    assert render_template(full_config(audit_kms_key_id=arn), bundled_catalog())["Resources"]["AuditLogGroup"][
        "Properties"]["KmsKeyId"] == arn


def test_the_config_digest_is_in_outputs_and_metadata_and_moves_only_with_deploy_relevant_keys() -> None:
    config = full_config()
    template = render_template(config, bundled_catalog())
    digest = config_digest(config)
    assert len(digest) == 64
    assert template["Outputs"]["ConfigSha256"]["Value"] == digest
    assert template["Metadata"]["ClaudeEnterprise"]["ConfigSha256"] == digest
    assert config_digest(full_config(aws_profile="Other", audit_endpoint_url="http://localhost")) == digest
    assert config_digest(full_config(allowed_bedrock_regions=("us-east-1",))) != digest
    assert config_digest(full_config(user_attribute_mapping={"CostCenter": "custom:cost_center",
                                                             "UserEmail": "email"})) == digest
    outputs = template["Outputs"]
    assert outputs["PolicyPlanOnlyArn"]["Value"] == {"Ref": "PolicyPlanOnly"}


def test_render_json_is_deterministic() -> None:
    first = render_json(full_config(), bundled_catalog())
    assert first == render_json(full_config(), bundled_catalog())
    assert json.loads(first) == render_template(full_config(), bundled_catalog())


@pytest.mark.parametrize(("overrides", "field"), [
    ({"security_profile": "nope"}, "security_profile"),
    ({"existing_bedrock_role_arn": "BedrockRole"}, "existing_bedrock_role_arn"),
    ({"audit_retention_days": 100}, "audit_retention_days"),
    ({"audit_kms_key_id": "alias/audit"}, "audit_kms_key_id"),
])
def test_invalid_config_is_rejected_naming_the_field(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        render_template(full_config(**overrides), bundled_catalog())
