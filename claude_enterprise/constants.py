"""Names and numbers other programs and people depend on, in one place (data only, standard library only).

Environment variable names, exit codes, the CloudWatch log group, and the PreToolUse hook's matchers and
timeout. The hook and the exec gate may import this on every call: it imports nothing.
"""

from __future__ import annotations

# -- environment variables -------------------------------------------------------------------------------
ENV_PROFILE = "CLAUDE_ENTERPRISE_PROFILE"
ENV_CONFIG = "CLAUDE_ENTERPRISE_CONFIG"
ENV_MANAGED_DIR = "CLAUDE_ENTERPRISE_MANAGED_DIR"
ENV_CLAUDE_MANAGED_SETTINGS = "CLAUDE_ENTERPRISE_CLAUDE_MANAGED_SETTINGS"
ENV_STATE_DIR = "CLAUDE_ENTERPRISE_STATE_DIR"
ENV_CLAUDE_BIN = "CLAUDE_ENTERPRISE_CLAUDE_BIN"
ENV_HEARTBEAT_S = "CLAUDE_ENTERPRISE_HEARTBEAT_S"
ENV_AUDIT_MAX_BYTES = "CLAUDE_ENTERPRISE_AUDIT_MAX_BYTES"
ENV_AUDIT_FSYNC = "CLAUDE_ENTERPRISE_AUDIT_FSYNC"
ENV_AUDIT_LOG_GROUP = "CLAUDE_ENTERPRISE_AUDIT_LOG_GROUP"
ENV_LOG_LEVEL = "CLAUDE_ENTERPRISE_LOG_LEVEL"
ENV_LOG_JSON = "CLAUDE_ENTERPRISE_LOG_JSON"
# Claude Code's own, honoured for our diagnostics too (claude_enterprise.log).
ENV_CLAUDE_LOG_LEVEL = "CLAUDE_LOG_LEVEL"
ENV_CLAUDE_DEBUG = "CLAUDE_DEBUG"
# Set by the wrapper for the processes of one session; a parent session's must not leak into a child's.
ENV_SESSION_PREFIX = "CLAUDE_ENTERPRISE_SESSION"
ENV_SESSION = "CLAUDE_ENTERPRISE_SESSION"
ENV_SESSION_ID = "CLAUDE_ENTERPRISE_SESSION_ID"
ENV_SESSION_DIR = "CLAUDE_ENTERPRISE_SESSION_DIR"
ENV_SESSION_PROFILE = "CLAUDE_ENTERPRISE_SESSION_PROFILE"
ENV_SESSION_WRAPPER_PID = "CLAUDE_ENTERPRISE_SESSION_WRAPPER_PID"
# Claude Code's: the exec gate runs every Bash command through it.
ENV_SHELL_PREFIX = "CLAUDE_CODE_SHELL_PREFIX"


# -- exit codes (DESIGN.md §3): the contract CI jobs and administrators' scripts depend on ----------------
class Exit:
    """Named exit codes (plain ints, so they print and compare as numbers)."""

    OK = 0
    COMPLIANT = 0
    REFUSED = 1  # policy refusal, or --check-policy found the machine non-compliant
    NON_COMPLIANT = 1
    USAGE = 2  # bad arguments or a configuration error
    CONFIG_ERROR = 2
    CLAUDE_NOT_FOUND = 127


# -- audit --------------------------------------------------------------------------------------------------
AUDIT_LOG_GROUP = "/claude-code/enterprise/audit"  # the default CloudWatch log group

# -- the PreToolUse hook --------------------------------------------------------------------------------------
SHELL_TOOLS = ("Bash",)
# MultiEdit is gone from Claude Code 2.1.197 but the hook still judges it if another version sends one.
WRITE_TOOLS = ("Write", "Edit", "MultiEdit", "NotebookEdit")
WEB_TOOLS = ("WebFetch", "WebSearch")
READ_TOOLS = ("Read", "Glob", "Grep", "LS", "NotebookRead", "LSP")
MCP_RESOURCE_TOOLS = ("ListMcpResourcesTool", "ReadMcpResourceTool", "ReadMcpResourceDirTool")
HOOKED_TOOLS = SHELL_TOOLS + WRITE_TOOLS + WEB_TOOLS + READ_TOOLS + MCP_RESOURCE_TOOLS
# Claude Code (2.1.197) takes a matcher made only of [A-Za-z0-9_|] as a list of exact tool names and any other
# as an unanchored regular expression: joined to the list, `mcp__.*` would turn `Write` into a pattern that
# also matches TodoWrite. So the MCP tools get a matcher group of their own.
MCP_MATCHER = "^mcp__"
HOOK_MATCHERS = ("|".join(HOOKED_TOOLS), MCP_MATCHER)
# One value for the plain hook and the DecisionServer's: a hook that times out fails open (the tool runs),
# so the limit must cover the slowest honest answer, the in-process fallback resolving the identity (a
# JWKS fetch over the network), not the usual few milliseconds.
HOOK_TIMEOUT_S = 60
