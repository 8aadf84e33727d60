"""The generated settings layers, user --settings vetting, and claude's environment per profile."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claude_enterprise.constants import HOOK_MATCHERS
from claude_enterprise.launch import environment, settings
from claude_enterprise.launch.claude_tools import PINNED_CLAUDE_CODE
from claude_enterprise.launch.refusal import Refusal
from claude_enterprise.launch.settings import matcher_matches
from claude_enterprise.launch.settings_sources import load_user_settings
from claude_enterprise.paths import bundled_policies_dir
from claude_enterprise.profiles import Profile, load_catalog

GUIDE_ENV = {
    "plan-only": {"CLAUDE_DEFAULT_MODE": "plan", "CLAUDE_ALLOW_FILE_WRITE": "false",
                  "CLAUDE_ALLOW_SHELL_EXEC": "false", "CLAUDE_NETWORK_ACCESS": "deny", "CLAUDE_MAX_TOKENS": "4000",
                  "CLAUDE_INTERACTIVE_MODE": "false"},
    "restricted": {"CLAUDE_DEFAULT_MODE": "interactive", "CLAUDE_ALLOW_FILE_WRITE": "true",
                   "CLAUDE_ALLOW_SHELL_EXEC": "restricted", "CLAUDE_NETWORK_ACCESS": "restricted",
                   "CLAUDE_MAX_TOKENS": "8000"},
    "standard": {"CLAUDE_DEFAULT_MODE": "interactive", "CLAUDE_ALLOW_FILE_WRITE": "true",
                 "CLAUDE_ALLOW_SHELL_EXEC": "true", "CLAUDE_NETWORK_ACCESS": "allow", "CLAUDE_MAX_TOKENS": "200000",
                 "CLAUDE_CACHE_ENABLED": "true"},
    "elevated": {"CLAUDE_DEFAULT_MODE": "interactive", "CLAUDE_ALLOW_FILE_WRITE": "true",
                 "CLAUDE_ALLOW_SHELL_EXEC": "true", "CLAUDE_NETWORK_ACCESS": "allow", "CLAUDE_MAX_TOKENS": "200000",
                 "CLAUDE_CACHE_ENABLED": "true", "CLAUDE_ADVANCED_FEATURES": "true"},
}
HOOK = ["/usr/bin/python3", "-I", "-c", "pass", "--session", "/s", "--profile", "p"]


@pytest.fixture(scope="module")
def catalog() -> dict[str, Profile]:
    return dict(load_catalog(bundled_policies_dir() / "profiles", None))


def layer_for(profile: Profile, **kw: object) -> dict:
    return settings.build_settings(profile, hook_argv=HOOK, env=dict(profile.env), **kw)  # type: ignore[arg-type]


# -- the --settings layer --------------------------------------------------------------------------------

def test_plan_only_layer(catalog: dict[str, Profile]) -> None:
    layer = layer_for(catalog["plan-only"], claude_version=PINNED_CLAUDE_CODE)
    # No MultiEdit: Claude Code 2.1.197 has no such tool and warns at start about a rule naming one.
    assert layer["permissions"]["deny"] == ["Bash", "Write", "Edit", "NotebookEdit", "WebFetch", "WebSearch"]
    assert layer["permissions"]["defaultMode"] == "plan"
    assert layer["permissions"]["disableBypassPermissionsMode"] == "disable"
    assert layer["disableAllHooks"] is False
    assert layer["availableModels"] == ["sonnet", "haiku"]  # globs stay with the launcher's own check
    assert layer["enforceAvailableModels"] is True
    env = layer["env"]
    assert env["CLAUDE_CODE_SIMPLE"] == "0" and env["CLAUDE_CODE_SAFE_MODE"] == "0"
    assert env["CLAUDE_CODE_SHELL_PREFIX"] == ""
    assert env["CLAUDE_CODE_MAX_OUTPUT_TOKENS"] == "4000"
    assert {k: env[k] for k in GUIDE_ENV["plan-only"]} == GUIDE_ENV["plan-only"]


@pytest.mark.parametrize("name", ["restricted", "standard", "elevated"])
def test_other_profiles_keep_tools_for_the_hook(catalog: dict[str, Profile], name: str) -> None:
    layer = layer_for(catalog[name])
    assert "deny" not in layer["permissions"]
    assert layer["permissions"]["defaultMode"] == "default"
    assert "availableModels" not in layer
    assert layer["env"]["CLAUDE_CODE_MAX_OUTPUT_TOKENS"] == str(catalog[name].max_output_tokens)
    tools, mcp = layer["hooks"]["PreToolUse"]
    assert set(tools["matcher"].split("|")) == {"Bash", "Write", "Edit", "MultiEdit", "NotebookEdit", "WebFetch",
                                                "WebSearch", "Read", "Glob", "Grep", "LS", "NotebookRead", "LSP",
                                                "ListMcpResourcesTool", "ReadMcpResourceTool",
                                                "ReadMcpResourceDirTool"}
    assert mcp["matcher"] == "^mcp__" and mcp["hooks"] == tools["hooks"]
    (hook,) = tools["hooks"]
    # Exec form: a shell-form command would run through CLAUDE_CODE_SHELL_PREFIX.
    assert hook["command"] == HOOK[0] and hook["args"] == HOOK[1:]


def test_enforcement_fragment_replaces_the_hook_and_sets_the_gate(catalog: dict[str, Profile]) -> None:
    fragment = {"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "g"}]}]},
                "env": {"CLAUDE_CODE_SHELL_PREFIX": "/s/gate"}}
    layer = layer_for(catalog["restricted"], fragment=fragment)
    assert layer["hooks"] == fragment["hooks"]
    assert layer["env"]["CLAUDE_CODE_SHELL_PREFIX"] == "/s/gate"
    assert layer["env"]["CLAUDE_CODE_SIMPLE"] == "0"


def test_managed_layer(catalog: dict[str, Profile]) -> None:
    plan = settings.build_managed_layer(catalog["plan-only"])
    assert plan["availableModels"] == ["sonnet", "haiku"] and plan["enforceAvailableModels"] is True
    assert "Bash" in plan["permissions"]["deny"]
    standard = settings.build_managed_layer(catalog["standard"])
    assert standard["permissions"] == {"disableBypassPermissionsMode": "disable"}
    # The sandbox in the parent tier: a repository can neither switch it off nor add proxy domains.
    assert standard["sandbox"]["enabled"] is True and standard["sandbox"]["allowUnsandboxedCommands"] is False
    assert standard["sandbox"]["network"] == {"allowedDomains": ["*"], "allowManagedDomainsOnly": True}
    restricted = settings.build_managed_layer(catalog["restricted"])["sandbox"]["network"]
    assert restricted["allowedDomains"] == list(catalog["restricted"].allowed_domains)


def test_merge_follows_claude_layering() -> None:
    merged = settings.merge({"a": 1, "l": [1, 2], "d": {"x": 1, "y": 1}}, {"a": 2, "l": [2, 3], "d": {"y": 2}})
    assert merged == {"a": 2, "l": [1, 2, 3], "d": {"x": 1, "y": 2}}


# -- user --settings ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("user", "profile_name"),
    [
        ({"disableAllHooks": True}, "elevated"),
        ({"env": {"CLAUDE_CODE_SIMPLE": "1"}}, "elevated"),
        ({"env": {"CLAUDE_CODE_SHELL_PREFIX": ""}}, "elevated"),
        ({"env": {"CLAUDE_ENTERPRISE_SESSION_DIR": "/x"}}, "elevated"),
        ({"env": {"CLAUDE_NETWORK_ACCESS": "allow"}}, "restricted"),  # a re-asserted profile variable
        ({"permissions": {"defaultMode": "bypassPermissions"}}, "elevated"),
        ({"permissions": {"defaultMode": "default"}}, "plan-only"),
        ({"permissions": {"disableBypassPermissionsMode": "enable"}}, "standard"),
        ({"availableModels": ["opus"]}, "plan-only"),
        ({"availableModels": ["*"]}, "plan-only"),
        ({"model": "opus"}, "plan-only"),
        ({"enforceAvailableModels": False}, "plan-only"),
        ({"mcpServers": {"x": {"command": "sh"}}}, "restricted"),
        ({"enabledPlugins": {"p@m": True}}, "plan-only"),
        ([1, 2], "standard"),
    ],
)
def test_weakening_user_settings_refused(catalog: dict[str, Profile], user: object, profile_name: str) -> None:
    profile = catalog[profile_name]
    ours = layer_for(profile)
    refusal = settings.vet_user_settings(user, profile, ours, "x.json")
    assert isinstance(refusal, Refusal)
    assert refusal.rule_id.startswith("launch.user_settings")


def test_harmless_user_settings_pass(catalog: dict[str, Profile]) -> None:
    profile = catalog["restricted"]
    user = {"permissions": {"deny": ["Read(./.env)"], "allow": ["Bash(npm test)"]},
            "hooks": {"PostToolUse": []}, "statusLine": {"type": "command", "command": "echo"},
            "env": {"MY_VAR": "1"}}
    assert settings.vet_user_settings(user, profile, layer_for(profile), "x.json") is None


def test_load_user_settings(tmp_path: Path) -> None:
    assert load_user_settings('{"a": 1}') == {"a": 1}
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"b": 2}))
    assert load_user_settings(str(path)) == {"b": 2}
    with pytest.raises(ValueError, match="cannot read"):
        load_user_settings(str(tmp_path / "missing.json"))
    with pytest.raises(ValueError, match="not valid JSON"):
        load_user_settings("{nope")


# -- environment -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(GUIDE_ENV))
def test_child_environment_per_profile(catalog: dict[str, Profile], name: str) -> None:
    profile = catalog[name]
    base = {"PATH": "/bin", "CLAUDE_CODE_SIMPLE": "1", "CLAUDE_CODE_SAFE_MODE": "1",
            "CLAUDE_CODE_MANAGED_SETTINGS_PATH": "/tmp/mine.json", "CLAUDE_CODE_USE_POWERSHELL_TOOL": "1",
            "CLAUDE_CODE_SHELL_PREFIX": "/evil", "CLAUDE_ENTERPRISE_SESSION_DIR": "/stale",
            "ANTHROPIC_BASE_URL": "https://gw.example", "CLAUDE_CODE_USE_BEDROCK": "1", "AWS_REGION": "us-east-1",
            "CLAUDE_ALLOW_SHELL_EXEC": "user-set"}
    env = environment.child_environment(base, profile, session_vars={"CLAUDE_ENTERPRISE_SESSION_ID": "s"},
                                        otel={"claude_enterprise.profile": name})
    for scrubbed in environment.SCRUBBED:
        assert scrubbed not in env
    assert "CLAUDE_ENTERPRISE_SESSION_DIR" not in env
    assert {k: env[k] for k in GUIDE_ENV[name]} == GUIDE_ENV[name]  # verbatim, over the user's value
    assert env["CLAUDE_CODE_MAX_OUTPUT_TOKENS"] == str(profile.max_output_tokens)
    # The provider passes through untouched.
    assert env["ANTHROPIC_BASE_URL"] == "https://gw.example"
    assert env["CLAUDE_CODE_USE_BEDROCK"] == "1" and env["AWS_REGION"] == "us-east-1"
    assert env["CLAUDE_ENTERPRISE_SESSION_ID"] == "s"


def test_otel_merge_keeps_theirs_and_encodes_ours() -> None:
    merged = environment.merge_otel_attributes(
        "service.name=cc,department=spoofed,deployment.environment=prod",
        {"user.email": "a.b@example.com", "department": "R&D, Paris", "claude_enterprise.profile": "standard"},
    )
    pairs = dict(item.split("=", 1) for item in merged.split(","))
    assert pairs["service.name"] == "cc" and pairs["deployment.environment"] == "prod"
    assert pairs["department"] == "R&D%2C%20Paris"  # ours wins: it comes from verified tags
    assert pairs["user.email"] == "a.b@example.com"
    assert " " not in merged


def test_otel_attributes_from_identity() -> None:
    attrs = environment.otel_attributes({"sub": "u-1", "email": "e@x"},
                                        {"department": "eng", "cost_center": "cc-9", "team": "t"}, "restricted")
    assert attrs == {"user.id": "u-1", "user.email": "e@x", "department": "eng", "cost_center": "cc-9",
                     "team.id": "t", "claude_enterprise.profile": "restricted"}


@pytest.mark.parametrize(
    ("env", "allowed", "refused"),
    [
        ({"CLAUDE_CODE_USE_BEDROCK": "1", "AWS_REGION": "us-east-1"}, ("us-east-1", "us-west-2"), False),
        ({"CLAUDE_CODE_USE_BEDROCK": "true", "AWS_REGION": "eu-west-3"}, ("us-east-1",), True),
        ({"CLAUDE_CODE_USE_BEDROCK": "1", "AWS_DEFAULT_REGION": "us-west-2"}, ("us-west-2",), False),
        ({"CLAUDE_CODE_USE_BEDROCK": "1"}, ("us-east-1",), True),
        ({"CLAUDE_CODE_USE_BEDROCK": "0", "AWS_REGION": "eu-west-3"}, ("us-east-1",), False),
        ({"AWS_REGION": "eu-west-3"}, ("us-east-1",), False),  # Anthropic API: no region rule
        ({"CLAUDE_CODE_USE_BEDROCK": "1", "AWS_REGION": "eu-west-3"}, (), False),  # none configured
    ],
)
def test_bedrock_region(catalog: dict[str, Profile], env: dict, allowed: tuple, refused: bool) -> None:
    result = environment.check_provider(env, catalog["standard"], allowed)
    assert (isinstance(result, Refusal) and result.rule_id == "launch.bedrock_region") == refused


def test_anthropic_model_env_checked(catalog: dict[str, Profile]) -> None:
    refusal = environment.check_provider({"ANTHROPIC_MODEL": "claude-opus-4-1"}, catalog["plan-only"], ())
    assert isinstance(refusal, Refusal) and refusal.rule_id == "launch.model_not_allowed"
    bedrock_sonnet = {"CLAUDE_CODE_USE_BEDROCK": "1", "AWS_REGION": "us-east-1",
                      "ANTHROPIC_MODEL": "us.anthropic.claude-sonnet-4-5-20250929-v1:0"}
    assert environment.check_provider(bedrock_sonnet, catalog["plan-only"], ("us-east-1",)) is None


@pytest.mark.parametrize(
    ("tool", "hooked"),
    [("Read", True), ("Grep", True), ("mcp__github__create_issue", True), ("mcp__a__b__c", True),
     ("TodoWrite", False), ("NotebookEdit", True), ("BashOutput", False), ("ReadMcpResourceTool", True),
     ("Xmcp__a__b", False)],
)
def test_hook_matchers_select_the_judged_tools_only(tool: str, hooked: bool) -> None:
    """Claude Code's comparison: an exact name list, or an unanchored regular expression."""
    assert any(matcher_matches(m, tool) for m in HOOK_MATCHERS) == hooked


def test_native_deny_rules_follow_the_installed_claude_code(tmp_path: Path) -> None:
    """The pinned version gets only the names it knows (no start-up warning); any other version, or one the
    installation does not tell, gets every name: an older Claude Code may still have MultiEdit."""
    from claude_enterprise.launch.claude_bin import installed_version

    plan = load_catalog(bundled_policies_dir() / "profiles", None)["plan-only"]
    assert "MultiEdit" not in settings.native_deny_rules(plan, PINNED_CLAUDE_CODE)
    for version in ("2.0.5", None):
        assert "MultiEdit" in settings.native_deny_rules(plan, version)
        assert "MultiEdit" in settings.build_managed_layer(plan, version)["permissions"]["deny"]

    package = tmp_path / "lib" / "node_modules" / "@anthropic-ai" / "claude-code"
    package.mkdir(parents=True)
    (package / "package.json").write_text(json.dumps({"name": "@anthropic-ai/claude-code", "version": "2.0.5"}))
    (package / "cli.js").write_text("")
    link = tmp_path / "bin" / "claude"
    link.parent.mkdir()
    link.symlink_to(package / "cli.js")
    assert installed_version(link) == "2.0.5"
    native = tmp_path / "share" / "claude" / "versions" / "2.1.150"
    native.parent.mkdir(parents=True)
    native.write_text("")
    assert installed_version(native) == "2.1.150"
    assert installed_version(tmp_path / "bin") is None
