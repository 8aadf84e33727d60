"""claude-enterprise: security profiles, exec-time enforcement and an audit trail for Claude Code."""

__version__ = "0.1.0"
