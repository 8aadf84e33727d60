"""The security profile: what a session may do, as plain immutable data.

Standard library only: the hook and the exec gate use it on every tool call.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from typing import Any, NamedTuple

SHELL_MODES = ("none", "allowlist", "denylist")
FILE_WRITE_LEVELS = ("none", "project", "any")
NETWORK_LEVELS = ("deny", "restricted", "allow")
EXEC_MODES = ("off", "monitor", "enforce")
PERMISSION_MODES = ("plan", "default", "acceptEdits")
# Claude Code's permission modes, by how much they let run without a human or a rule saying so. `dontAsk`
# denies whatever is not pre-approved, so it is narrower than `default`; `auto` lets a classifier approve and
# `bypassPermissions` approves everything: both are wider than any profile grants.
_MODES_ALLOWED = {
    "plan": frozenset({"plan"}),
    "default": frozenset({"plan", "default", "dontAsk"}),
    "acceptEdits": frozenset({"plan", "default", "dontAsk", "acceptEdits"}),
}
FILE_READ_LEVELS = ("project", "any")


class ShellRules(NamedTuple):
    """How shell commands are judged: `none` denies every command, `allowlist` denies all but `allow`,
    `denylist` allows all but `deny`. `deny` always wins over `allow`. `read_only_utilities` lets an allow
    list admit text filters (`cat head tail grep wc sort`...) on stdin and project files. `lifted` names the
    inherited deny entries a derived profile's own allow list removed (CLAUDE_CUSTOM_TOOLS: kubectl)."""

    mode: str
    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    block_destructive: bool = True
    read_only_utilities: bool = True
    lifted: tuple[str, ...] = ()


class ExecRules(NamedTuple):
    """Programs that must never run anywhere in Claude Code's process tree, and whether the guard only
    reports them (`monitor`) or also stops them (`enforce`)."""

    mode: str = "off"
    deny: tuple[str, ...] = ()


class FileRules(NamedTuple):
    """Reads and the paths no tool may touch. `read` is `project` (the project plus `read_allow`) or `any`;
    `deny_read` (credential stores) and `deny_write` (places that run code later: shell start-up files,
    Claude Code's settings, git hooks) hold under every profile, for the file tools and in the OS sandbox.
    Entries are absolute, `~/...`, or relative to the project (`.git/hooks`)."""

    read: str = "any"
    read_allow: tuple[str, ...] = ()
    deny_read: tuple[str, ...] = ()
    deny_write: tuple[str, ...] = ()

    @classmethod
    def from_section(cls, files: Mapping[str, Any]) -> FileRules:
        """From a validated `files` section (a profile document or the normalised form)."""
        return cls(read=files.get("read", "any"), read_allow=tuple(files.get("read_allow", ())),
                   deny_read=tuple(files.get("deny_read", ())), deny_write=tuple(files.get("deny_write", ())))


class SandboxRules(NamedTuple):
    """Claude Code's OS sandbox for Bash (bubblewrap + socat on Linux, Seatbelt on macOS): `enabled` runs
    every command in it; `required` refuses a session that cannot get it (no silent fallback)."""

    enabled: bool = False
    required: bool = True

    @classmethod
    def from_section(cls, sandbox: Mapping[str, Any]) -> SandboxRules:
        return cls(enabled=sandbox.get("enabled", False), required=sandbox.get("required", True))


class McpRules(NamedTuple):
    """MCP tools (`mcp__SERVER__TOOL`): allow-list profiles admit only `allowed_servers`; deny-list profiles
    admit every server but `denied_servers`."""

    allowed_servers: tuple[str, ...] = ()
    denied_servers: tuple[str, ...] = ()

    @classmethod
    def from_section(cls, mcp: Mapping[str, Any]) -> McpRules:
        return cls(allowed_servers=tuple(mcp.get("allowed_servers", ())),
                   denied_servers=tuple(mcp.get("denied_servers", ())))


class Profile(NamedTuple):
    name: str
    description: str
    rank: int  # plan-only 0 < restricted 1 < standard 2 < elevated 3; wider is higher
    env: Mapping[str, str]  # the guide's documented variables, exported verbatim
    max_output_tokens: int
    models: tuple[str, ...]  # allowed model ids or aliases; empty means no restriction
    permission_mode: str
    file_write: str
    network_access: str
    allowed_domains: tuple[str, ...]
    shell: ShellRules
    exec: ExecRules
    extends: str | None = None
    ancestors: tuple[str, ...] = ()  # the `extends` chain, nearest first
    iam_policy: Mapping[str, Any] | None = None  # guide's PolicyDocument, for deploy-policies
    source: str = ""  # the file it came from, for error messages and provenance
    files: FileRules = FileRules()
    sandbox: SandboxRules = SandboxRules()
    mcp: McpRules = McpRules()

    def exec_deny(self) -> tuple[str, ...]:
        """One deny list for every layer: what the shell rules deny, plus the exec-only extras, so the process
        guard and the PATH shims refuse in project code what the analyzer refuses in Claude's commands."""
        return tuple(dict.fromkeys((*self.shell.deny, *self.exec.deny)))

    @property
    def allowed_modes(self) -> frozenset[str]:
        """Claude Code permission modes a session of this profile may use (unknown profile mode: plan only)."""
        return _MODES_ALLOWED.get(self.permission_mode, frozenset({"plan"}))

    def allows_model(self, model: str) -> bool:
        """True when `model` matches one of the profile's model ids, aliases or glob patterns (no list: any)."""
        if not self.models:
            return True
        candidate = model.strip().lower()
        return bool(candidate) and any(fnmatch.fnmatchcase(candidate, p.lower()) for p in self.models)

    @property
    def is_open(self) -> bool:
        """A profile that already allows any command, write and network access: extra tools add nothing."""
        shell, files, network = self.shell.mode, self.file_write, self.network_access
        return shell == "denylist" and files == "any" and network == "allow"

    def is_narrower_or_equal(self, ceiling: Profile) -> bool:
        """May a user ask for `self` when `ceiling` is the most they are granted?

        Ranks order the built-in profiles. A custom profile shares its base's rank, so an equal rank only
        counts as narrower when `self` is the very profile or one the ceiling was built from (`extends`):
        we cannot prove an unrelated profile of the same rank is not wider.
        """
        if self.name == ceiling.name or self.rank < ceiling.rank:
            return True
        return self.rank == ceiling.rank and self.name in ceiling.ancestors

    def to_dict(self) -> dict[str, Any]:
        """The normalised form, also used by the compiled cache and `--check-policy --json`."""
        return {
            "name": self.name,
            "description": self.description,
            "rank": self.rank,
            "env": dict(self.env),
            "max_output_tokens": self.max_output_tokens,
            "models": list(self.models),
            "permission_mode": self.permission_mode,
            "files": {
                "write": self.file_write,
                "read": self.files.read,
                "read_allow": list(self.files.read_allow),
                "deny_read": list(self.files.deny_read),
                "deny_write": list(self.files.deny_write),
            },
            "network": {"access": self.network_access, "allowed_domains": list(self.allowed_domains)},
            "shell": {
                "mode": self.shell.mode,
                "allow": list(self.shell.allow),
                "deny": list(self.shell.deny),
                "block_destructive": self.shell.block_destructive,
                "read_only_utilities": self.shell.read_only_utilities,
                "lifted": list(self.shell.lifted),
            },
            "exec": {"mode": self.exec.mode, "deny": list(self.exec.deny), "effective_deny": list(self.exec_deny())},
            "sandbox": {"enabled": self.sandbox.enabled, "required": self.sandbox.required},
            "mcp": {"allowed_servers": list(self.mcp.allowed_servers), "denied_servers": list(self.mcp.denied_servers)},
            "extends": self.extends,
            "ancestors": list(self.ancestors),
            "iam_policy": self.iam_policy,
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Profile:
        """Inverse of `to_dict`, for already-validated data (the compiled cache)."""
        shell = data["shell"]
        exec_rules = data["exec"]
        files = data["files"]
        return cls(
            name=data["name"],
            description=data["description"],
            rank=data["rank"],
            env=dict(data["env"]),
            max_output_tokens=data["max_output_tokens"],
            models=tuple(data["models"]),
            permission_mode=data["permission_mode"],
            file_write=files["write"],
            network_access=data["network"]["access"],
            allowed_domains=tuple(data["network"]["allowed_domains"]),
            shell=ShellRules(
                mode=shell["mode"],
                allow=tuple(shell["allow"]),
                deny=tuple(shell["deny"]),
                block_destructive=shell["block_destructive"],
                read_only_utilities=shell.get("read_only_utilities", True),
                lifted=tuple(shell.get("lifted", ())),
            ),
            exec=ExecRules(mode=exec_rules["mode"], deny=tuple(exec_rules["deny"])),
            extends=data.get("extends"),
            ancestors=tuple(data.get("ancestors", ())),
            iam_policy=data.get("iam_policy"),
            source=data.get("source", ""),
            files=FileRules.from_section(files),
            sandbox=SandboxRules.from_section(data.get("sandbox", {})),
            mcp=McpRules.from_section(data.get("mcp", {})),
        )
