"""Claims → session tags: both tag-claim shapes, principal-tag maps, groups and user fields."""

from __future__ import annotations

from typing import Any

from claude_enterprise.identity.tags import (
    GUIDANCE_DEFAULT_MAP,
    TAGS_CLAIM,
    derive_tags,
    groups_from_claims,
    tags_from_map,
    tags_from_tag_claim,
    user_from_claims,
)

FLAT = "https://aws.amazon.com/tags/principal_tags/"


def test_nested_tag_claim() -> None:
    claims = {
        TAGS_CLAIM: {
            "principal_tags": {"SecurityProfile": ["restricted"], "Department": ["payments"]},
            "transitive_tag_keys": ["SecurityProfile"],
        }
    }
    tags, warnings = tags_from_tag_claim(claims)
    assert tags == {"SecurityProfile": "restricted", "Department": "payments"}
    assert warnings == []


def test_flat_tag_claims_with_list_or_string_values() -> None:
    claims = {f"{FLAT}SecurityProfile": ["elevated"], f"{FLAT}CostCenter": "cc-42", "email": "x@example.com"}
    tags, warnings = tags_from_tag_claim(claims)
    assert tags == {"SecurityProfile": "elevated", "CostCenter": "cc-42"}
    assert warnings == []


def test_nested_form_wins_over_a_disagreeing_flat_claim() -> None:
    claims = {
        TAGS_CLAIM: {"principal_tags": {"SecurityProfile": ["restricted"]}},
        f"{FLAT}SecurityProfile": ["elevated"],
        f"{FLAT}Team": ["core"],
    }
    tags, warnings = tags_from_tag_claim(claims)
    assert tags == {"SecurityProfile": "restricted", "Team": "core"}
    assert "disagrees" in warnings[0]


def test_values_without_a_single_meaning_are_skipped() -> None:
    claims = {
        TAGS_CLAIM: {"principal_tags": {"Multi": ["a", "b"], "Empty": [], "Obj": [{"x": 1}], "Ok": ["fine"]}},
        f"{FLAT}TooLong": "x" * 257,
        f"{FLAT}Ctrl": "a\nb",
    }
    tags, warnings = tags_from_tag_claim(claims)
    assert tags == {"Ok": "fine"}
    assert len(warnings) == 5


def test_malformed_tag_claim_is_reported() -> None:
    tags, warnings = tags_from_tag_claim({TAGS_CLAIM: "SecurityProfile=elevated"})
    assert tags == {}
    assert "no principal_tags" in warnings[0]


def test_principal_tag_map_copies_claims() -> None:
    claims: dict[str, Any] = {
        "email": "dev@example.com",
        "sub": "u-1",
        "custom:dept": "payments",
        "active": True,
    }
    mapping = {"UserEmail": "email", "Department": "custom:dept", "Active": "active", "Missing": "nope"}
    tags, warnings = tags_from_map(claims, mapping)
    assert tags == {"UserEmail": "dev@example.com", "Department": "payments", "Active": "true"}
    assert warnings == []


def test_guidance_defaults() -> None:
    tags, _ = tags_from_map({"email": "e@x.com", "sub": "s", "name": "N"}, GUIDANCE_DEFAULT_MAP)
    assert tags == {"UserEmail": "e@x.com", "UserId": "s", "UserName": "N"}


def _mixed_claims() -> dict[str, Any]:
    return {
        TAGS_CLAIM: {"principal_tags": {"SecurityProfile": ["restricted"], "Team": ["core"]}},
        "custom:profile": "standard",
        "email": "dev@example.com",
    }


def test_direct_federation_prefers_the_tag_claim() -> None:
    derived = derive_tags(
        _mixed_claims(),
        mapping={"SecurityProfile": "custom:profile", "UserEmail": "email"},
        mapping_source="config user_attribute_mapping",
        pool_configured=False,
    )
    assert derived.tags == {"SecurityProfile": "restricted", "Team": "core", "UserEmail": "dev@example.com"}
    assert derived.sources["SecurityProfile"] == f"token claim {TAGS_CLAIM}"
    assert derived.sources["UserEmail"] == "config user_attribute_mapping: claim 'email'"


def test_identity_pool_prefers_its_map() -> None:
    derived = derive_tags(
        _mixed_claims(),
        mapping={"SecurityProfile": "custom:profile"},
        mapping_source="principal-tag map cache",
        pool_configured=True,
    )
    assert derived.tags == {"SecurityProfile": "standard", "Team": "core"}
    assert derived.sources["SecurityProfile"] == "principal-tag map cache: claim 'custom:profile'"
    assert derived.sources["Team"] == f"token claim {TAGS_CLAIM}"


def test_groups_claim_forms() -> None:
    assert groups_from_claims({"cognito:groups": ["admins", "devs"], "groups": ["other"]}) == (
        "admins",
        "devs",
    )
    assert groups_from_claims({"groups": ["a", 3, "", "b"]}) == ("a", "b")
    assert groups_from_claims({"groups": "solo"}) == ("solo",)
    assert groups_from_claims({}) == ()


def test_user_fields() -> None:
    claims = {"sub": "u-1", "email": "dev@example.com", "name": 5, "aud": "x"}
    assert user_from_claims(claims) == {"sub": "u-1", "email": "dev@example.com"}
