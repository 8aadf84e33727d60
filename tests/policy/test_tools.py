"""decide_tool for the file, web and other tools under the bundled profiles."""

from __future__ import annotations

import pytest

from claude_enterprise.policy import PolicyContext, decide_tool
from claude_enterprise.profiles import Profile

from .conftest import HOME, PROJECT


def _decide(catalog: dict[str, Profile], ctx: PolicyContext, profile: str, tool: str, **tool_input: object):
    return decide_tool(tool, tool_input, catalog[profile], ctx)


@pytest.mark.parametrize("tool", ["Write", "Edit", "MultiEdit"])
@pytest.mark.parametrize(
    ("path", "expect", "rule"),
    [
        (f"{PROJECT}/src/app.py", "DAAA", "file.project.allowed"),
        (PROJECT, "DAAA", "file.project.allowed"),
        (f"{PROJECT}-other/x.py", "DDAA", "file.outside_project"),
        ("/etc/hosts", "DDAA", "file.outside_project"),
        (f"{HOME}/.bashrc", "DDAA", "file.outside_project"),
        (f"{PROJECT}/../etc/passwd", "DDAA", "file.outside_project"),
        ("relative/path.py", "DDDD", "file.invalid_path"),
        (f"{PROJECT}/.claude/settings.json", "DDDD", "file.protected"),
        (f"{PROJECT}/.claude/settings.local.json", "DDDD", "file.protected"),
        (f"{HOME}/.claude/settings.json", "DDDD", "file.protected"),
        (f"{HOME}/.claude.json", "DDDD", "file.protected"),
        (f"{HOME}/.config/claude-enterprise/prefs.json", "DDDD", "file.protected"),
        (f"{HOME}/.local/state/claude-enterprise/spool/x.jsonl", "DDDD", "file.protected"),
        ("/etc/claude-code/managed-settings.json", "DDDD", "file.protected"),
        ("/etc/claude-enterprise/enterprise-config.json", "DDDD", "file.protected"),
        (f"{PROJECT}/.claude/commands/review.md", "DAAA", "file.project.allowed"),
    ],
)
def test_file_tools(
    catalog: dict[str, Profile], ctx: PolicyContext, tool: str, path: str, expect: str, rule: str
) -> None:
    got = ""
    for letter, profile in zip(expect, ("plan-only", "restricted", "standard", "elevated"), strict=True):
        decision = _decide(catalog, ctx, profile, tool, file_path=path)
        got += "A" if decision.allow else "D"
        if profile == "plan-only":
            assert decision.rule_id == "plan_only.no_file_write"
        elif letter == "D" and profile == "restricted":
            assert decision.rule_id == rule, decision
    assert got == expect


def test_notebook_edit_uses_notebook_path(catalog: dict[str, Profile], ctx: PolicyContext) -> None:
    inside = _decide(catalog, ctx, "restricted", "NotebookEdit", notebook_path=f"{PROJECT}/a.ipynb")
    outside = _decide(catalog, ctx, "restricted", "NotebookEdit", notebook_path="/tmp/a.ipynb")
    missing = _decide(catalog, ctx, "restricted", "NotebookEdit", file_path=f"{PROJECT}/a.ipynb")
    assert inside.allow and not outside.allow and not missing.allow
    assert outside.rule_id == "file.outside_project" and missing.rule_id == "file.invalid_path"


def test_case_insensitive_file_systems(catalog: dict[str, Profile]) -> None:
    mac = PolicyContext(project_dirs=("/Users/dev/Proj",), home="/Users/dev", case_insensitive=True)
    linux = PolicyContext(project_dirs=("/Users/dev/Proj",), home="/Users/dev")
    path = "/users/DEV/proj/src/x.py"
    assert decide_tool("Write", {"file_path": path}, catalog["restricted"], mac).allow
    assert not decide_tool("Write", {"file_path": path}, catalog["restricted"], linux).allow
    settings = "/Users/dev/Proj/.CLAUDE/Settings.json"
    assert decide_tool("Write", {"file_path": settings}, catalog["standard"], mac).rule_id == "file.protected"


def test_several_project_dirs_and_extra_protected_paths(catalog: dict[str, Profile]) -> None:
    ctx = PolicyContext(project_dirs=("/a", "/b/c"), home="/h", protected_paths=("/var/spool/ce",))
    assert decide_tool("Edit", {"file_path": "/b/c/d.txt"}, catalog["restricted"], ctx).allow
    assert not decide_tool("Edit", {"file_path": "/b/d.txt"}, catalog["restricted"], ctx).allow
    assert decide_tool("Write", {"file_path": "/var/spool/ce/x"}, catalog["elevated"], ctx).rule_id == "file.protected"


@pytest.mark.parametrize(
    ("url", "restricted_rule"),
    [
        ("https://docs.python.org/3/library/os.html", "web.domain_allowed"),
        ("https://github.com/org/repo", "web.domain_allowed"),
        ("https://api.github.com/repos/x", "web.domain_allowed"),
        ("http://pypi.org/simple/", "web.domain_allowed"),
        ("https://GITHUB.COM./x", "web.domain_allowed"),
        ("https://github.com:443/x", "web.domain_allowed"),
        ("https://evil.example/x", "web.domain_not_allowed"),
        ("https://github.com.evil.example/x", "web.domain_not_allowed"),
        ("https://notgithub.com/x", "web.domain_not_allowed"),
        ("https://github.com@evil.example/x", "web.userinfo"),
        ("https://user:pass@github.com/x", "web.userinfo"),
        ("https://evil.example\\@github.com/", "web.invalid_url"),
        ("https://github.com /x", "web.invalid_url"),
        ("http://127.0.0.1/x", "web.ip_literal"),
        ("http://2130706433/", "web.ip_literal"),
        ("http://0x7f.1/", "web.ip_literal"),
        ("http://[::1]/", "web.ip_literal"),
        ("http://169.254.169.254/latest/meta-data/", "web.ip_literal"),
        ("ftp://github.com/x", "web.scheme_not_allowed"),
        ("file:///etc/passwd", "web.scheme_not_allowed"),
        ("javascript:alert(1)", "web.scheme_not_allowed"),
        ("https://xn--gthub-n4a.com/x", "web.domain_not_allowed"),
        ("https://gíthub.com/x", "web.invalid_host"),
        ("", "web.invalid_url"),
        ("https://github.com:99999/x", "web.invalid_url"),
    ],
)
def test_web_fetch(catalog: dict[str, Profile], ctx: PolicyContext, url: str, restricted_rule: str) -> None:
    decision = _decide(catalog, ctx, "restricted", "WebFetch", url=url, prompt="summarise")
    assert decision.rule_id == restricted_rule, decision
    assert decision.allow == (restricted_rule == "web.domain_allowed")
    assert _decide(catalog, ctx, "plan-only", "WebFetch", url=url).rule_id == "plan_only.no_network"
    standard = _decide(catalog, ctx, "standard", "WebFetch", url=url)
    assert standard.allow == (restricted_rule not in ("web.invalid_url", "web.scheme_not_allowed")), standard


def test_web_fetch_without_url_is_denied(catalog: dict[str, Profile], ctx: PolicyContext) -> None:
    for profile in ("restricted", "standard", "elevated"):
        assert not _decide(catalog, ctx, profile, "WebFetch", prompt="x").allow


@pytest.mark.parametrize(
    ("tool_input", "allowed"),
    [
        ({"query": "python asyncio"}, False),
        ({"query": "x", "allowed_domains": []}, False),
        ({"query": "x", "allowed_domains": ["docs.python.org"]}, True),
        ({"query": "x", "allowed_domains": ["docs.python.org", "github.com"]}, True),
        ({"query": "x", "allowed_domains": ["gist.github.com"]}, True),
        ({"query": "x", "allowed_domains": ["docs.python.org", "evil.example"]}, False),
        ({"query": "x", "allowed_domains": "docs.python.org"}, False),
        ({"query": "x", "blocked_domains": ["evil.example"]}, False),
    ],
)
def test_web_search_under_restricted(
    catalog: dict[str, Profile], ctx: PolicyContext, tool_input: dict[str, object], allowed: bool
) -> None:
    decision = decide_tool("WebSearch", tool_input, catalog["restricted"], ctx)
    assert decision.allow == allowed
    assert decision.rule_id == ("web.search_within_domains" if allowed else "web.search_unrestricted")
    assert decide_tool("WebSearch", tool_input, catalog["standard"], ctx).allow
    assert decide_tool("WebSearch", tool_input, catalog["plan-only"], ctx).rule_id == "plan_only.no_network"


@pytest.mark.parametrize("tool", ["TodoWrite", "Task", "Agent", "ExitPlanMode"])
def test_tools_on_claude_codes_own_state_always_allowed(catalog: dict[str, Profile], ctx: PolicyContext,
                                                         tool: str) -> None:
    for profile in catalog.values():
        decision = decide_tool(tool, {"file_path": "/etc/shadow", "pattern": "x"}, profile, ctx)
        assert decision.allow and decision.rule_id == "tool.read_only"


@pytest.mark.parametrize("tool", ["FutureTool", "SlashCommand"])
def test_unknown_tools(catalog: dict[str, Profile], ctx: PolicyContext, tool: str) -> None:
    expected = {"plan-only": False, "restricted": False, "standard": True, "elevated": True}
    for name, allowed in expected.items():
        decision = decide_tool(tool, {}, catalog[name], ctx)
        assert decision.allow == allowed
        assert decision.rule_id == ("tool.unknown.allowed" if allowed else "tool.unknown")


def test_bash_through_decide_tool(catalog: dict[str, Profile], ctx: PolicyContext) -> None:
    assert decide_tool("Bash", {"command": "git status", "description": "x"}, catalog["restricted"], ctx).allow
    denied = decide_tool("Bash", {"command": "curl x"}, catalog["restricted"], ctx)
    assert not denied.allow and denied.rule_id == "shell.deny.curl" and denied.programs == ("curl",)
    assert decide_tool("Bash", {"command": "ls"}, catalog["plan-only"], ctx).rule_id == "plan_only.no_shell"
    for bad in ({}, {"command": None}, {"command": ["ls"]}):
        assert decide_tool("Bash", bad, catalog["elevated"], ctx).rule_id == "tool.invalid_input"


def test_reasons_tell_the_model_what_to_do(catalog: dict[str, Profile], ctx: PolicyContext) -> None:
    for tool, tool_input, profile in [
        ("Bash", {"command": "curl x"}, "restricted"),
        ("Bash", {"command": "make"}, "restricted"),
        ("Bash", {"command": "terraform destroy"}, "standard"),
        ("Write", {"file_path": "/etc/x"}, "restricted"),
        ("WebFetch", {"url": "https://evil.example"}, "restricted"),
        ("Bash", {"command": "ls"}, "plan-only"),
    ]:
        decision = decide_tool(tool, tool_input, catalog[profile], ctx)
        assert not decision.allow
        assert len(decision.reason) > 40 and profile in decision.reason, decision
