"""decide_tool for MCP tools (`mcp__SERVER__TOOL`) and the MCP resource tools, per profile and server lists."""

from __future__ import annotations

import pytest

from claude_enterprise.policy import PolicyContext, decide_tool
from claude_enterprise.policy.mcp import normalize
from claude_enterprise.profiles import Profile
from claude_enterprise.profiles.model import McpRules

from .conftest import PROFILE_ORDER


def _with(profile: Profile, **servers: tuple[str, ...]) -> Profile:
    return profile._replace(mcp=McpRules(**servers))


@pytest.mark.parametrize("tool", ["mcp__github__create_issue", "mcp__db__drop_table", "mcp__a-b__c"])
def test_bundled_profiles(catalog: dict[str, Profile], ctx: PolicyContext, tool: str) -> None:
    decisions = [decide_tool(tool, {"x": 1}, catalog[name], ctx) for name in PROFILE_ORDER]
    assert [(d.allow, d.rule_id) for d in decisions] == [
        (False, "mcp.server_not_allowed"), (False, "mcp.server_not_allowed"), (True, "mcp.allowed"),
        (True, "mcp.allowed")]
    assert "Use the built-in tools" in decisions[1].reason and "restricted" in decisions[1].reason


@pytest.mark.parametrize("name", ["plan-only", "restricted"])
def test_allow_list_profiles_admit_the_servers_they_name(catalog: dict[str, Profile], ctx: PolicyContext,
                                                         name: str) -> None:
    profile = _with(catalog[name], allowed_servers=("github", "docs.internal"))
    assert decide_tool("mcp__github__create_issue", {}, profile, ctx).rule_id == "mcp.allowed"
    assert decide_tool("mcp__docs_internal__search", {}, profile, ctx).allow  # normalised like Claude Code
    denied = decide_tool("mcp__gitlab__create_issue", {}, profile, ctx)
    assert not denied.allow and denied.rule_id == "mcp.server_not_allowed" and "`github`" in denied.reason
    # `mcp__github__x` must not admit a server merely prefixed by an allowed name.
    assert not decide_tool("mcp__githubx__create_issue", {}, profile, ctx).allow


def test_a_server_name_holding_double_underscores_is_never_allow_listed(catalog: dict[str, Profile],
                                                                          ctx: PolicyContext) -> None:
    profile = _with(catalog["restricted"], allowed_servers=("my__db",))
    assert not decide_tool("mcp__my__db__query", {}, profile, ctx).allow


@pytest.mark.parametrize("name", ["standard", "elevated"])
def test_deny_list_profiles_admit_all_but_the_denied_servers(catalog: dict[str, Profile], ctx: PolicyContext,
                                                             name: str) -> None:
    profile = _with(catalog[name], denied_servers=("prod-db", "my__db", "team.tools"))
    for tool in ("mcp__prod-db__query", "mcp__my__db__query", "mcp__team_tools__run"):
        decision = decide_tool(tool, {}, profile, ctx)
        assert not decision.allow and decision.rule_id == "mcp.server_denied", tool
    assert decide_tool("mcp__prod-db-replica__query", {}, profile, ctx).rule_id == "mcp.allowed"
    assert decide_tool("mcp__github__create_issue", {}, profile, ctx).allow


def test_a_narrower_custom_profile_is_an_allow_list(catalog: dict[str, Profile], ctx: PolicyContext) -> None:
    """A server can write or reach the network: only a profile already allowing all of that admits any."""
    quiet = catalog["standard"]._replace(network_access="restricted")
    assert decide_tool("mcp__web__fetch", {}, quiet, ctx).rule_id == "mcp.server_not_allowed"


@pytest.mark.parametrize("tool", ["mcp__", "mcp__github", "mcp__github__", "mcp____tool"])
def test_malformed_names_are_denied(catalog: dict[str, Profile], ctx: PolicyContext, tool: str) -> None:
    for name in PROFILE_ORDER:
        assert decide_tool(tool, {}, catalog[name], ctx).rule_id == "mcp.invalid_name"


def test_resource_tools_follow_the_server_lists(catalog: dict[str, Profile], ctx: PolicyContext) -> None:
    restricted = _with(catalog["restricted"], allowed_servers=("docs",))
    standard = _with(catalog["standard"], denied_servers=("prod-db",))
    read = "ReadMcpResourceTool"
    assert decide_tool(read, {"server": "docs", "uri": "d://a"}, restricted, ctx).allow
    assert decide_tool(read, {"server": "prod-db", "uri": "d://a"}, restricted, ctx).rule_id == "mcp.server_not_allowed"
    assert decide_tool(read, {"server": "prod-db", "uri": "d://a"}, standard, ctx).rule_id == "mcp.server_denied"
    assert decide_tool("ReadMcpResourceDirTool", {"server": "docs", "uri": "d://"}, standard, ctx).allow
    assert decide_tool(read, {"uri": "d://a"}, standard, ctx).rule_id == "tool.invalid_input"
    listing = "ListMcpResourcesTool"
    assert decide_tool(listing, {"server": "docs"}, restricted, ctx).allow
    assert decide_tool(listing, {}, restricted, ctx).rule_id == "mcp.server_not_allowed"  # every server
    assert decide_tool(listing, {}, standard, ctx).rule_id == "mcp.server_not_allowed"  # prod-db among them
    assert decide_tool(listing, {}, catalog["elevated"], ctx).allow


def test_other_unknown_tools_keep_their_own_rule(catalog: dict[str, Profile], ctx: PolicyContext) -> None:
    assert decide_tool("FutureTool", {}, catalog["restricted"], ctx).rule_id == "tool.unknown"


@pytest.mark.parametrize(("configured", "in_tool_names"),
                         [("github", "github"), ("docs.internal", "docs_internal"), ("a b", "a_b"),
                          ("claude.ai Google Drive", "claude_ai_Google_Drive")])
def test_server_names_are_normalised_like_claude_code(configured: str, in_tool_names: str) -> None:
    assert normalize(configured) == in_tool_names
