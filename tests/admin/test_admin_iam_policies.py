"""The policy documents against real IAM data: the Bedrock reference list and cfn-lint's IAM action data."""

from __future__ import annotations

import fnmatch
import json
from functools import cache
from pathlib import Path
from typing import Any

import cfnlint
import pytest

from claude_enterprise.admin import elevated_access, iam_reference
from claude_enterprise.admin.model_arns import ModelGlob, model_globs
from claude_enterprise.admin.profile_policies import policy_document
from claude_enterprise.admin.templates import render_template
from tests.support.admin_profiles import DATA_SCIENCE_POLICY, bundled_catalog, catalog_with_custom, full_config

# Get/List calls that read data rather than configuration (notes A.5): never in the elevated view.
DATA_READS = {"s3:getobject", "ssm:getparameter", "ssm:getparameters", "dynamodb:getitem", "dynamodb:scan",
              "dynamodb:query", "logs:getlogevents", "lambda:getfunction", "lambda:listfunctions",
              "ec2:getpassworddata", "ec2:describeinstanceattribute", "ecr:getauthorizationtoken",
              "ecs:describetaskdefinition", "secretsmanager:getsecretvalue", "kms:decrypt", "sqs:receivemessage"}


@cache
def cfnlint_actions() -> dict[str, list[str]]:
    """Every IAM action cfn-lint knows, lower-cased, by service prefix."""
    data = json.loads((Path(cfnlint.__file__).parent / "data" / "AdditionalSpecs" / "Policies.json").read_text())
    return {service: list(spec["Actions"]) for service, spec in data.items()}


def expand(action: str) -> list[str]:
    service, name = action.lower().split(":")
    return [f"{service}:{a}" for a in cfnlint_actions().get(service, []) if fnmatch.fnmatchcase(a, name)]


def all_statements(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return list(doc["Statement"])


def test_the_reference_list_holds_real_bedrock_actions_and_keys_only() -> None:
    ref = iam_reference.reference()
    actions = {f"bedrock:{a}".lower() for a in ref["actions"]}
    # Every action we accept is one AWS knows (cfn-lint's IAM data; newer releases know more actions, so the
    # list is checked as a subset and refreshed from it when Bedrock grows).
    assert actions <= {f"bedrock:{a}" for a in cfnlint_actions()["bedrock"]}
    assert {"bedrock:invokemodel", "bedrock:invokemodelwithresponsestream", "bedrock:getinferenceprofile"} <= actions
    assert "bedrock:converse" not in actions
    assert "bedrock:InferenceProfileArn" in ref["condition_keys"]
    assert not {"bedrock:ModelId", "bedrock:maxTokens", "bedrock:guardrailApplied"} & set(ref["condition_keys"])


def test_generated_documents_use_only_real_actions_and_condition_keys(tmp_path: Path) -> None:
    catalog = catalog_with_custom(tmp_path)
    for profile in catalog.values():
        doc = policy_document(profile, ("us-east-1", "eu-west-1"), "SecurityProfile")
        for statement in all_statements(doc):
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            for action in actions:
                assert expand(action), f"{profile.name}: {action} names no IAM action"
            for clauses in statement.get("Condition", {}).values():
                assert all(iam_reference.condition_key_exists(k) for k in clauses), clauses
        assert iam_reference.policy_size(doc) <= iam_reference.MAX_MANAGED_POLICY_CHARS


def test_the_elevated_view_reads_configuration_not_data() -> None:
    for action in elevated_access.VIEW_ONLY_ACTIONS:
        expanded = expand(action)
        assert expanded, action
        for name in expanded:
            verb = name.split(":")[1]
            assert verb.startswith(("describe", "list", "get")), name
            assert name not in DATA_READS, f"{action} includes {name}, which reads data"


def test_every_denied_action_exists() -> None:
    assert all(expand(a) for a in elevated_access.DENIED_ACTIONS)
    assert {"iam:passrole", "iam:createaccesskey", "iam:attachrolepolicy", "ec2:terminateinstances",
            "cloudtrail:stoplogging"} <= {n for a in elevated_access.DENIED_ACTIONS for n in expand(a)}


@pytest.mark.parametrize(("entries", "globs"), [
    (["sonnet"], [ModelGlob("*", "anthropic.claude-sonnet-*"), ModelGlob("*", "anthropic.claude-3-*sonnet*")]),
    (["sonnet", "*claude-3-5-sonnet*", "*claude-sonnet-*"],  # covered by the alias's globs
     [ModelGlob("*", "anthropic.claude-sonnet-*"), ModelGlob("*", "anthropic.claude-3-*sonnet*")]),
    (["opus[1m]"], [ModelGlob("*", "anthropic.claude-opus-*"), ModelGlob("*", "anthropic.claude-3-*opus*")]),
    (["*claude-haiku-*"], [ModelGlob("*", "anthropic.claude-haiku-*")]),
    (["claude-sonnet-4-5-20250929"], [ModelGlob("*", "anthropic.claude-sonnet-4-5-20250929*")]),
    (["anthropic.claude-3-5-haiku-20241022-v1:0"], [ModelGlob("*", "anthropic.claude-3-5-haiku-20241022-v1:0")]),
    (["eu.anthropic.claude-sonnet-4-5-20250929-v1:0"],
     [ModelGlob("eu", "anthropic.claude-sonnet-4-5-20250929-v1:0")]),
    ([], [ModelGlob("*", "anthropic.*")]),
])
def test_model_entries_map_to_bedrock_model_globs(entries: list[str], globs: list[ModelGlob]) -> None:
    assert list(model_globs(entries, "profile x")) == globs


@pytest.mark.parametrize("entry", ["gpt-4o", "meta.llama3-70b-instruct-v1:0", "claude sonnet"])
def test_model_entries_that_are_no_anthropic_model_are_rejected(entry: str) -> None:
    with pytest.raises(ValueError, match=r"profile x: models: .*"):
        model_globs([entry], "profile x")


def _statement(**changes: Any) -> dict[str, Any]:
    statement = dict(DATA_SCIENCE_POLICY["Statement"][0])
    statement.update(changes)
    return {k: v for k, v in statement.items() if v is not None}


@pytest.mark.parametrize(("policy", "field", "message"), [
    ({"Version": "2012-10-17", "Statement": [_statement(Action="bedrock:Converse")]},
     "iam_policy.Statement[0].Action", "no Bedrock IAM action"),
    ({"Version": "2012-10-17", "Statement": [_statement(Condition={"StringEquals": {"bedrock:ModelId": "x"}})]},
     "iam_policy.Statement[0].Condition.StringEquals.bedrock:ModelId", "no such condition key"),
    ({"Version": "2012-10-17", "Statement": [_statement(Principal="*")]},
     "iam_policy.Statement[0].Principal", "no Principal"),
    ({"Version": "2012-10-17", "Statement": [_statement(Effect="Permit")]},
     "iam_policy.Statement[0].Effect", "Allow"),
    ({"Version": "2012-10-17", "Statement": [_statement(Resource=None)]}, "iam_policy.Statement[0]",
     "Resource and NotResource"),
    ({"Version": "2008-10-17", "Statement": [_statement()]}, "iam_policy.Version", "2012-10-17"),
    ({"Version": "2012-10-17", "Statement": []}, "iam_policy.Statement", "non-empty"),
    ({"Version": "2012-10-17", "Statement": [_statement(Resource=[f"arn:aws:bedrock:*::foundation-model/m{i:05}"
                                                                  for i in range(300)])]},
     "iam_policy", "6144"),
])
def test_invalid_custom_policies_are_rejected_naming_the_profile_and_field(
        tmp_path: Path, policy: dict[str, Any], field: str, message: str) -> None:
    catalog = catalog_with_custom(tmp_path, policy)
    with pytest.raises(iam_reference.PolicyError, match=message) as caught:
        render_template(full_config(), catalog)
    assert caught.value.field == field
    assert "profile data-science" in str(caught.value) and "data-science.json" in str(caught.value)


def test_a_custom_policy_may_not_claim_another_profiles_tag(tmp_path: Path) -> None:
    statement = _statement(Condition={"StringEquals": {"aws:PrincipalTag/SecurityProfile": "elevated"}})
    catalog = catalog_with_custom(tmp_path, {"Version": "2012-10-17", "Statement": [statement]})
    with pytest.raises(ValueError, match="contradicts"):
        render_template(full_config(), catalog)


def test_bundled_documents_fit_iam_limits_with_many_regions() -> None:
    regions = ("us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1")
    for profile in bundled_catalog().values():
        doc = policy_document(profile, regions, "SecurityProfile")
        assert iam_reference.policy_size(doc) <= iam_reference.MAX_MANAGED_POLICY_CHARS, profile.name
