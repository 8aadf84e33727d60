"""Decisions for MCP tools (`mcp__SERVER__TOOL`) and the built-in tools that read MCP resources.

An MCP server is code outside the hook's view: what its tools do (write, run, reach the network) is
unknown. So only open profiles (any command, any write, any network: standard, elevated) admit every server
but `mcp.denied_servers`; the others (plan-only, restricted, and a custom profile narrower in any of the three)
admit only `mcp.allowed_servers`.

Names as Claude Code 2.1.197 builds them: every character outside `[A-Za-z0-9_-]` of the configured server
name becomes `_`, and the server is the text between `mcp__` and the next `__`. A server whose name holds
`__` is therefore seen as its first segment: it can never be allow-listed (fail closed), and a deny-list entry
denies every tool name it prefixes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .model import Decision

if TYPE_CHECKING:
    from ..profiles.model import Profile

PREFIX = "mcp__"
# Built-in tools that talk to an MCP server named in their `server` input.
RESOURCE_TOOLS = frozenset({"ListMcpResourcesTool", "ReadMcpResourceTool", "ReadMcpResourceDirTool"})
_INVALID = re.compile(r"[^a-zA-Z0-9_-]")


def normalize(server: str) -> str:
    """A configured server name as it appears in tool names (Claude Code's own normalisation)."""
    name = _INVALID.sub("_", server)
    if server.startswith("claude.ai "):
        name = re.sub(r"_+", "_", name).strip("_")
    return name


def is_mcp_tool(tool_name: str) -> bool:
    return tool_name.startswith(PREFIX)


def open_profile(profile: Profile) -> bool:
    """Does the profile already allow any command, write and network access (so a tool adds nothing)?"""
    return profile.shell.mode == "denylist" and profile.file_write == "any" and profile.network_access == "allow"


def decide_mcp(tool_name: str, tool_input: Mapping[str, Any], profile: Profile) -> Decision:
    """Decide an `mcp__*` tool or an MCP resource tool."""
    if tool_name in RESOURCE_TOOLS:
        server = tool_input.get("server")
        if server is None and tool_name == "ListMcpResourcesTool":
            return _every_server(tool_name, profile)
        if not isinstance(server, str) or not server:
            return Decision(False, "tool.invalid_input", f"`{tool_name}` needs a server name.")
        name = normalize(server)
        prefixed = f"{PREFIX}{name}__"
    else:
        name, sep, tool = tool_name[len(PREFIX):].partition("__")
        if not (name and sep and tool):
            return Decision(False, "mcp.invalid_name", f"`{tool_name}` is not an MCP tool name "
                                                       "(mcp__SERVER__TOOL).")
        prefixed = tool_name
    if not open_profile(profile):
        if name in {normalize(s) for s in profile.mcp.allowed_servers}:
            return Decision(True, "mcp.allowed", f"The MCP server `{name}` is allowed by the `{profile.name}` "
                                                 "profile.")
        return Decision(
            False,
            "mcp.server_not_allowed",
            f"The `{profile.name}` security profile allows only the MCP servers "
            f"{_names(profile.mcp.allowed_servers)}, not `{name}`. Use the built-in tools instead, or ask the "
            "user to have the server added to the profile.",
        )
    for denied in profile.mcp.denied_servers:
        if prefixed.startswith(f"{PREFIX}{normalize(denied)}__"):
            return Decision(
                False,
                "mcp.server_denied",
                f"The MCP server `{denied}` is denied by the `{profile.name}` security profile. Use the "
                "built-in tools or another server instead.",
            )
    return Decision(True, "mcp.allowed", f"MCP servers are allowed by the `{profile.name}` profile.")


def _every_server(tool_name: str, profile: Profile) -> Decision:
    """Listing without a server reaches every connected one: only where no server is off limits."""
    if open_profile(profile):
        if not profile.mcp.denied_servers:
            return Decision(True, "mcp.allowed", f"MCP servers are allowed by the `{profile.name}` profile.")
        hint = "Name the server in `server`."
    else:
        hint = f"Name one of the allowed servers ({_names(profile.mcp.allowed_servers)}) in `server`."
    return Decision(
        False,
        "mcp.server_not_allowed",
        f"`{tool_name}` without a server would reach MCP servers the `{profile.name}` security profile does "
        f"not allow. {hint}",
    )


def _names(servers: tuple[str, ...]) -> str:
    return ", ".join(f"`{s}`" for s in servers) if servers else "(none)"
