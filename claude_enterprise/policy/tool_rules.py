"""Decisions for Claude Code's tools other than Bash: file writes, web access, everything else.

Decided on purpose:
- Read tools (Read, Glob, Grep, LS, NotebookRead, LSP) by policy.reads: never the credential stores nor the
  product's state, only the project (and `files.read_allow`) under `files.read: project`.
- MCP tools (`mcp__*`, and the MCP resource tools) by policy.mcp: the profile's server lists.
- Tools that only touch Claude Code's own state (TodoWrite, Task/Agent, ...) are allowed under every
  profile: a subagent's own tool calls pass through the same hook.
- Any other tool (added by later Claude Code versions) may write or execute: it is allowed only where the
  profile already allows shell by deny list, writes anywhere and the network (standard, elevated);
  otherwise denied as `tool.unknown`.
- WebSearch under a restricted network: a search reaches the search provider, not the sites, but its
  results steer what is fetched next; it is allowed only when the input's `allowed_domains` is given and
  every entry lies within the profile's domains (`web.search_unrestricted` otherwise).
- File paths must be absolute and already resolved (symlinks, `..`) by policy.paths.resolve_tool_input.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .mcp import RESOURCE_TOOLS, decide_mcp, is_mcp_tool, open_profile
from .model import Decision, PolicyContext
from .pathcheck import in_project, protected
from .reads import READ_TOOLS, decide_read
from .shell_rules import decide_shell
from .tool_config_files import guards_tool_config, tool_config_file
from .web import domain_allowed, normalize_domain, url_problem

if TYPE_CHECKING:
    from ..profiles.model import Profile

READ_ONLY_TOOLS = frozenset(
    {
        "TodoWrite", "TodoRead", "Task", "Agent", "ExitPlanMode", "BashOutput", "KillShell", "KillBash",
        "EnterPlanMode",
    }
)  # fmt: skip
FILE_TOOLS = {"Write": "file_path", "Edit": "file_path", "MultiEdit": "file_path", "NotebookEdit": "notebook_path"}


def decide_tool(tool_name: str, tool_input: Mapping[str, Any], profile: Profile, ctx: PolicyContext) -> Decision:
    """Decide one PreToolUse call."""
    if not isinstance(tool_input, Mapping):
        return Decision(False, "tool.invalid_input", "The tool input is not an object.")
    if tool_name == "Bash":
        command = tool_input.get("command")
        if not isinstance(command, str):
            return Decision(False, "tool.invalid_input", "The Bash tool call has no command string.")
        return decide_shell(command, profile, ctx)
    if tool_name in FILE_TOOLS:
        return _file(tool_name, tool_input.get(FILE_TOOLS[tool_name]), profile, ctx)
    if tool_name == "WebFetch":
        return _web_fetch(tool_input.get("url"), profile)
    if tool_name == "WebSearch":
        return _web_search(tool_input, profile)
    if tool_name in READ_TOOLS:
        return decide_read(tool_name, tool_input, profile, ctx)
    if is_mcp_tool(tool_name) or tool_name in RESOURCE_TOOLS:
        return decide_mcp(tool_name, tool_input, profile)
    if tool_name in READ_ONLY_TOOLS:
        return Decision(True, "tool.read_only", f"`{tool_name}` only reads.")
    if open_profile(profile):
        return Decision(True, "tool.unknown.allowed", f"`{tool_name}` is allowed by the `{profile.name}` profile.")
    return Decision(
        False,
        "tool.unknown",
        f"`{tool_name}` is not a tool the `{profile.name}` security profile can vouch for (it may write "
        "files, run commands or reach the network). Use the built-in Read, Glob, Grep and Edit tools.",
    )


def _file(tool_name: str, path: object, profile: Profile, ctx: PolicyContext) -> Decision:
    if profile.file_write == "none":
        return Decision(
            False,
            "plan_only.no_file_write",
            f"Changing files is disabled by the `{profile.name}` security profile. Describe the change in "
            "your plan instead.",
        )
    if not isinstance(path, str) or not path.startswith("/"):
        return Decision(False, "file.invalid_path", f"`{tool_name}` needs an absolute file path.")
    path = posixpath.normpath(path)
    if protected(path, ctx):
        return Decision(
            False,
            "file.protected",
            f"`{path}` controls the agent's own settings or audit trail and may not be changed. Ask the user "
            "to change it.",
        )
    tool = tool_config_file(path, ctx) if guards_tool_config(profile.shell.mode, profile.network_access) else None
    if tool is not None:
        return Decision(
            False,
            "file.tool_config",
            f"`{path}` configures {tool} (commands it runs, hosts it contacts), which the `{profile.name}` "
            "security profile does not let the agent change. Pass settings as command options, or ask the "
            "user to change the file.",
        )
    if profile.file_write == "project" and not in_project(path, ctx):
        return Decision(
            False,
            "file.outside_project",
            f"`{path}` is outside the project, and the `{profile.name}` security profile only allows "
            f"changes inside it ({', '.join(ctx.project_dirs) or 'no project directory'}). Write the file "
            "inside the project instead.",
        )
    return Decision(True, f"file.{profile.file_write}.allowed", f"Allowed by the `{profile.name}` profile.")


def _no_network(profile: Profile) -> Decision:
    return Decision(
        False,
        "plan_only.no_network",
        f"Network access is disabled by the `{profile.name}` security profile. Work from the code in the "
        "repository, or ask the user for the information.",
    )


def _web_fetch(url: object, profile: Profile) -> Decision:
    if profile.network_access == "deny":
        return _no_network(profile)
    if profile.network_access == "allow":
        problem = url_problem(url, ("",))
        if problem is not None and problem[0] in ("web.invalid_url", "web.scheme_not_allowed"):
            return Decision(False, problem[0], f"{problem[1]}.")
        return Decision(True, "web.allowed", f"Allowed by the `{profile.name}` profile.")
    problem = url_problem(url, profile.allowed_domains)
    if problem is not None:
        return Decision(
            False,
            problem[0],
            f"{problem[1]}. The `{profile.name}` security profile allows fetching only from: "
            f"{', '.join(profile.allowed_domains) or 'no domains'}.",
        )
    return Decision(True, "web.domain_allowed", "The domain is allowed.")


def _web_search(tool_input: Mapping[str, Any], profile: Profile) -> Decision:
    if profile.network_access == "deny":
        return _no_network(profile)
    if profile.network_access == "allow":
        return Decision(True, "web.allowed", f"Allowed by the `{profile.name}` profile.")
    requested = tool_input.get("allowed_domains")
    allowed = profile.allowed_domains
    if (
        isinstance(requested, (list, tuple))
        and requested
        and all(isinstance(d, str) and d.strip() and domain_allowed(normalize_domain(d), allowed) for d in requested)
    ):
        return Decision(True, "web.search_within_domains", "The search is limited to allowed domains.")
    return Decision(
        False,
        "web.search_unrestricted",
        f"The `{profile.name}` security profile allows web searches only when limited to its domains. Retry "
        f"with allowed_domains set to some of: {', '.join(allowed) or 'no domains'}.",
    )
