"""One IAM policy document per security profile, each statement scoped to that profile's principal tag.

Why ABAC: Claude Code users all assume one Bedrock role through the Cognito identity pool, and the pool's principal
tag map copies the profile claim into the session tag `<profile_tag_key>`. Attaching every profile's policy to that
role with `aws:PrincipalTag/<key> = <profile>` on each statement makes IAM enforce on the server what the wrapper
enforces on the laptop: a plan-only user gets plan-only's models even with raw credentials. A role per profile would
need identity-pool role-mapping rules (claim -> role) and a role per profile to manage; ABAC keeps one role.

Bedrock grants follow AWS's cross-Region inference pattern: invoke on the inference-profile ARNs in the allowed source
Regions, and on the foundation-model ARNs in any destination Region (and the empty Region of global routing) only
through one of those profiles (`bedrock:InferenceProfileArn`). Destination Regions are not listed because AWS adds
them to a profile without notice; a Region condition on the model statement would break routing.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from ..profiles import Profile
from . import elevated_access, iam_reference
from .model_arns import ModelGlob, model_arns, model_globs, profile_arn

INVOKE_ACTIONS = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
# Claude Code resolves the model behind an inference profile with these; without them each new model costs a retry.
DISCOVERY_ACTIONS = ["bedrock:GetInferenceProfile", "bedrock:ListInferenceProfiles"]
ELEVATED = "elevated"


def policy_document(profile: Profile, regions: Sequence[str], tag_key: str) -> dict[str, Any]:
    """The profile's policy: its custom `iam_policy` when it has one, else the generated Bedrock grants (plus the
    infrastructure view for elevated), every statement conditioned on the profile's principal tag. Validated."""
    where = f"profile {profile.name} ({profile.source or 'bundled'})"
    if profile.iam_policy is not None:
        iam_reference.check_policy_document(profile.iam_policy, where)
        doc = _scoped(profile.iam_policy, tag_key, profile.name)
    else:
        statements = bedrock_statements(model_globs(profile.models, where), regions)
        if profile.name == ELEVATED or ELEVATED in profile.ancestors:
            statements += infrastructure_statements()
        doc = _scoped({"Version": iam_reference.POLICY_VERSION, "Statement": statements}, tag_key, profile.name)
    iam_reference.check_policy_document(doc, where)
    return doc


def bedrock_statements(globs: Sequence[ModelGlob], regions: Sequence[str]) -> list[dict[str, Any]]:
    """Invoke through the profiles' inference profiles, in the allowed source Regions only when `regions` is set;
    the models behind them in whatever Region serves the call (fenced by the profile ARN, never by Region)."""
    profile_arns = [profile_arn(g) for g in globs]
    in_regions = {"StringEquals": {"aws:RequestedRegion": list(regions)}} if regions else {}
    return [
        {"Sid": "InvokeThroughInferenceProfiles", "Effect": "Allow", "Action": INVOKE_ACTIONS,
         "Resource": profile_arns, "Condition": copy.deepcopy(in_regions)},
        {"Sid": "InvokeModelsServingThoseProfiles", "Effect": "Allow", "Action": INVOKE_ACTIONS,
         "Resource": [arn for g in globs for arn in model_arns(g)],
         "Condition": {"ArnLike": {"bedrock:InferenceProfileArn": profile_arns}}},
        {"Sid": "CountTokens", "Effect": "Allow", "Action": "bedrock:CountTokens",
         "Resource": [f"arn:${{AWS::Partition}}:bedrock:*::foundation-model/{g.model}" for g in globs],
         "Condition": copy.deepcopy(in_regions)},
        {"Sid": "DiscoverInferenceProfiles", "Effect": "Allow", "Action": DISCOVERY_ACTIONS, "Resource": "*",
         "Condition": copy.deepcopy(in_regions)},
    ]


def infrastructure_statements() -> list[dict[str, Any]]:
    return [
        {"Sid": "ViewInfrastructure", "Effect": "Allow", "Action": list(elevated_access.VIEW_ONLY_ACTIONS),
         "Resource": "*"},
        {"Sid": "DenyDestructiveAndIamChanges", "Effect": "Deny", "Action": list(elevated_access.DENIED_ACTIONS),
         "Resource": "*"},
    ]


def _scoped(doc: Mapping[str, Any], tag_key: str, profile: str) -> dict[str, Any]:
    """A copy of `doc` whose every statement also requires `aws:PrincipalTag/<tag_key> = profile`."""
    scoped = copy.deepcopy(dict(doc))
    statements = scoped["Statement"]
    scoped["Statement"] = statements = [statements] if isinstance(statements, Mapping) else statements
    for statement in statements:
        condition = statement.setdefault("Condition", {})
        equals = condition.setdefault("StringEquals", {})
        key = f"aws:PrincipalTag/{tag_key}"
        if key in equals and equals[key] != profile:
            raise iam_reference.PolicyError(f"profile {profile}", f"iam_policy Condition.StringEquals.{key}",
                                            f"contradicts the profile's own tag value {profile!r}")
        equals[key] = profile
    return scoped
