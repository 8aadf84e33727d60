"""Command-line policy: split our options from claude's; refuse claude options that escape the profile.

Pure: no I/O. Every option of Claude Code 2.1.197 (public and hidden, read from the binary) is classified in
`_OPTIONS`; an option that is not in the table is refused, because an unvetted flag of a newer Claude Code
may switch enforcement off (fail closed). Decisions, with their reasons, are listed in `_OPTIONS` and in
`_SUBCOMMANDS`.

Parsing follows commander.js, which Claude Code uses: a required value is the next token whatever it looks
like, an optional value (`[value]`) only when it does not start with `-`, a variadic value (`<x...>`) takes
tokens up to the next one starting with `-`; `--opt=value` and clustered short flags (`-pc`) work; long
options are never abbreviated; options may follow operands; `--` ends options.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from claude_enterprise.profiles import Profile

from .refusal import Refusal

# Arity of an option value, as commander declares it.
NONE, REQUIRED, OPTIONAL, VARIADIC = "none", "required", "optional", "variadic"

# What the launcher does with an option.
PASS = "pass"  # harmless for enforcement (output format, prompts, cost limits, narrowing)
REFUSE = "refuse"  # always escapes the profile
OPEN_ONLY = "open-only"  # brings in new tools or code (MCP servers, plugins, browser): only in open profiles
MODEL = "model"  # value(s) must be allowed models
MODE = "mode"  # --permission-mode ranking
SETTINGS = "settings"  # merged into our layer after vetting (see settings.merge_user_settings)
SESSION_ID = "session-id"  # adopted as the session id when it is a UUID
AGENTS = "agents"  # inline agent definitions: their permissionMode must not be wider
RESUME = "resume"  # resuming: claude refuses --session-id unless --fork-session
FORK = "fork"


@dataclass(frozen=True)
class _Option:
    arity: str
    action: str
    why: str = ""


def _o(arity: str, action: str, why: str = "") -> _Option:
    return _Option(arity, action, why)


_OPTIONS: dict[str, _Option] = {
    # Switch hooks or permissions off, or widen them outright.
    "--bare": _o(NONE, REFUSE, "it switches every hook off (CLAUDE_CODE_SIMPLE=1)"),
    "--safe-mode": _o(NONE, REFUSE, "it switches every hook off (CLAUDE_CODE_SAFE_MODE=1)"),
    "--dangerously-skip-permissions": _o(NONE, REFUSE, "it bypasses every permission check"),
    "--allow-dangerously-skip-permissions": _o(NONE, REFUSE, "it offers bypassing every permission check"),
    "--dangerously-load-development-channels": _o(VARIADIC, REFUSE, "it loads unvetted development channels"),
    "--setting-sources": _o(REQUIRED, REFUSE, "it chooses which settings apply, and can drop the profile's"),
    "--managed-settings": _o(REQUIRED, REFUSE, "the policy tier belongs to the administrator and the launcher"),
    "--enable-auto-mode": _o(NONE, REFUSE, "auto mode lets a classifier approve actions"),
    "--permission-prompt-tool": _o(REQUIRED, REFUSE, "an MCP tool would answer permission prompts"),
    # Run the session somewhere the wrapper does not watch (no decision server, guard or session_end).
    "--bg": _o(NONE, REFUSE, "a background session runs outside the wrapper"),
    "--background": _o(NONE, REFUSE, "a background session runs outside the wrapper"),
    "--remote": _o(OPTIONAL, REFUSE, "a remote session runs outside the wrapper"),
    "--cloud": _o(OPTIONAL, REFUSE, "a cloud session runs outside the wrapper"),
    "--teleport": _o(OPTIONAL, REFUSE, "it imports a session that ran outside the wrapper"),
    "--remote-control": _o(OPTIONAL, REFUSE, "remote control drives the session from outside the terminal"),
    "--rc": _o(OPTIONAL, REFUSE, "remote control drives the session from outside the terminal"),
    "--remote-control-session-name-prefix": _o(REQUIRED, REFUSE, "remote control is not allowed"),
    "--sdk-url": _o(REQUIRED, REFUSE, "it connects the session to a remote controller"),
    # Bring in tools or code the hook's matcher does not see.
    "--mcp-config": _o(VARIADIC, OPEN_ONLY, "MCP servers add tools the profile's hook does not judge"),
    "--plugin-dir": _o(REQUIRED, OPEN_ONLY, "plugins add MCP servers, agents and commands"),
    "--plugin-dir-no-mcp": _o(REQUIRED, OPEN_ONLY, "plugins add agents and commands"),
    "--plugin-url": _o(REQUIRED, OPEN_ONLY, "plugins add MCP servers, agents and commands"),
    "--chrome": _o(NONE, OPEN_ONLY, "browser control reaches the network outside WebFetch"),
    # Checked against the profile.
    "--model": _o(REQUIRED, MODEL),
    "--fallback-model": _o(REQUIRED, MODEL),
    "--advisor": _o(REQUIRED, MODEL),
    "--permission-mode": _o(REQUIRED, MODE),
    "--settings": _o(REQUIRED, SETTINGS),
    "--session-id": _o(REQUIRED, SESSION_ID),
    "--agents": _o(REQUIRED, AGENTS),
    "--continue": _o(NONE, RESUME),
    "--resume": _o(OPTIONAL, RESUME),
    "--from-pr": _o(OPTIONAL, RESUME),
    "--fork-session": _o(NONE, FORK),
    # Harmless for enforcement: the hook, the exec gate and native deny rules still apply.
    "--add-dir": _o(VARIADIC, PASS, "reads elsewhere; writes are still judged by the hook"),
    "--agent": _o(REQUIRED, PASS),
    "--allowedTools": _o(VARIADIC, PASS, "pre-approval only skips a prompt; deny rules and the hook win"),
    "--allowed-tools": _o(VARIADIC, PASS, "pre-approval only skips a prompt; deny rules and the hook win"),
    "--disallowedTools": _o(VARIADIC, PASS, "narrows"),
    "--disallowed-tools": _o(VARIADIC, PASS, "narrows"),
    "--tools": _o(VARIADIC, PASS, "chooses among built-in tools, which the hook judges"),
    "--append-system-prompt": _o(REQUIRED, PASS),
    "--append-system-prompt-file": _o(REQUIRED, PASS),
    "--system-prompt": _o(REQUIRED, PASS),
    "--system-prompt-file": _o(REQUIRED, PASS),
    "--ax-screen-reader": _o(NONE, PASS),
    "--betas": _o(VARIADIC, PASS),
    "--brief": _o(NONE, PASS),
    "--no-chrome": _o(NONE, PASS),
    "--debug": _o(OPTIONAL, PASS),
    "--debug-file": _o(REQUIRED, PASS),
    "--verbose": _o(NONE, PASS),
    "--disable-slash-commands": _o(NONE, PASS),
    "--effort": _o(REQUIRED, PASS),
    "--exclude-dynamic-system-prompt-sections": _o(NONE, PASS),
    "--file": _o(VARIADIC, PASS),
    "--help": _o(NONE, PASS),
    "--version": _o(NONE, PASS),
    "--ide": _o(NONE, PASS),
    "--include-hook-events": _o(NONE, PASS),
    "--include-partial-messages": _o(NONE, PASS),
    "--input-format": _o(REQUIRED, PASS),
    "--output-format": _o(REQUIRED, PASS),
    "--json-schema": _o(REQUIRED, PASS),
    "--max-budget-usd": _o(REQUIRED, PASS),
    "--max-turns": _o(REQUIRED, PASS),
    "--max-thinking-tokens": _o(REQUIRED, PASS),
    "--thinking": _o(REQUIRED, PASS),
    "--thinking-display": _o(REQUIRED, PASS),
    "--task-budget": _o(REQUIRED, PASS),
    "--name": _o(REQUIRED, PASS),
    "--no-session-persistence": _o(NONE, PASS),
    "--print": _o(NONE, PASS),
    "--prompt-suggestions": _o(OPTIONAL, PASS),
    "--replay-user-messages": _o(NONE, PASS),
    "--strict-mcp-config": _o(NONE, PASS, "narrows"),
    "--worktree": _o(OPTIONAL, PASS),
    "--tmux": _o(OPTIONAL, PASS),
    "--plan-mode-required": _o(NONE, PASS, "narrows"),
}

_SHORT = {"-c": "--continue", "-d": "--debug", "-h": "--help", "-n": "--name", "-p": "--print",
          "-r": "--resume", "-v": "--version", "-w": "--worktree"}

# Claude Code's top-level commands. Allowed ones do not start a model session, so they get no settings layer.
# Refused: `agents` starts background sessions, `ultrareview` and `remote-control` run work elsewhere,
# `mcp serve` exposes Claude Code's tools to another client with no hook in between, `gateway`/`xaa` are
# unvetted. A first operand that is not a command is the prompt.
_SUBCOMMANDS = {
    "auth": None, "doctor": None, "install": None, "update": None, "upgrade": None, "setup-token": None,
    "project": None, "auto-mode": None, "plugin": None, "plugins": None, "mcp": None,
    "agents": "it starts background sessions outside the wrapper",
    "ultrareview": "it runs a review in the cloud, outside the wrapper",
    "remote-control": "remote control drives the session from outside the terminal",
    "gateway": "it is not vetted by claude-enterprise",
    "xaa": "it is not vetted by claude-enterprise",
}
_REFUSED_SUB_SUBCOMMANDS = {("mcp", "serve"): "it serves Claude Code's tools to another client with no hook"}


@dataclass(frozen=True)
class OurOptions:
    """The wrapper's own options; `claude_args` is everything else, in order."""

    security_profile: str | None
    check_policy: bool
    json: bool
    help: bool
    version: bool
    claude_args: tuple[str, ...]


class UsageError(ValueError):
    """Bad wrapper arguments (exit 2)."""


@dataclass(frozen=True)
class Vetted:
    """claude's arguments after the policy, and what the launcher must know about them."""

    args: tuple[str, ...]  # with the user's --settings removed (they are merged into our layer)
    session: bool  # True when claude will start a model session (not --version/--help or a command)
    user_settings: tuple[str, ...] = ()  # values of the user's --settings, to vet and merge
    session_id: str | None = None  # a UUID the user asked for
    resuming: bool = False  # --continue/--resume without --fork-session: claude refuses --session-id
    end_of_options: int | None = None  # index in `args` of claude's `--`, where our options go before


def split_our_options(argv: Sequence[str]) -> OurOptions:
    """`[--security-profile NAME | --security-profile=NAME] [--check-policy [--json]] [ARGS...]`.

    Our options are recognised anywhere before `--`; a `--` ends ours and everything after it is claude's.
    `--help`/`--version` are ours only when they come first, so `claude-enterprise -p --help` reaches claude.
    """
    profile: str | None = None
    check = as_json = show_help = show_version = False
    rest: list[str] = []
    args = list(argv)
    if args[:1] in (["--help"], ["-h"]):
        show_help = True
        args = args[1:]
    elif args[:1] == ["--version"]:
        show_version = True
        args = args[1:]
    ours_end = args.index("--") if "--" in args else len(args)
    wants_check = "--check-policy" in args[:ours_end]
    i = 0
    while i < len(args):
        token = args[i]
        if token == "--":
            rest.extend(args[i + 1:])
            break
        if token == "--security-profile":
            if i + 1 >= len(args) or not args[i + 1] or args[i + 1].startswith("-"):
                raise UsageError("--security-profile needs a profile name, e.g. --security-profile plan-only")
            profile = args[i + 1]
            i += 2
            continue
        if token.startswith("--security-profile="):
            profile = token.partition("=")[2]
            if not profile:
                raise UsageError("--security-profile= needs a name, e.g. --security-profile=plan-only")
        elif token == "--check-policy":
            check = True
        elif token == "--json" and wants_check:
            as_json = True
        else:
            rest.append(token)
        i += 1
    return OurOptions(profile, check, as_json, show_help, show_version, tuple(rest))


def _refuse(option: str, why: str, rule: str) -> Refusal:
    return Refusal(rule, f"refused {option}: {why}")


@dataclass
class _Scan:
    out: list[str]
    settings: list[str]
    session_id: str | None = None
    resume: bool = False
    fork: bool = False
    info_only: bool = False  # --version / --help


def _check(name: str, option: _Option, values: list[str], profile: Profile, scan: _Scan) -> Refusal | None:
    action = option.action
    if action == REFUSE:
        return _refuse(name, option.why, "launch.refused_flag")
    if action == OPEN_ONLY and not profile.is_open:
        why = f"{option.why}; profile {profile.name!r} does not allow it"
        return _refuse(name, why, "launch.open_only_flag")
    if action == MODEL:
        for value in values:
            for model in filter(None, (m.strip() for m in value.split(","))):
                if not profile.allows_model(model):
                    allowed = ", ".join(profile.models)
                    return Refusal("launch.model_not_allowed",
                                   f"refused {name} {model}: profile {profile.name!r} "
                                   f"allows only {allowed}")
    if action == MODE:
        modes = profile.allowed_modes
        for value in values:
            if value not in modes:
                return Refusal("launch.permission_mode_wider",
                               f"refused --permission-mode {value}: profile "
                               f"{profile.name!r} allows only {', '.join(sorted(modes))}")
    if action == SESSION_ID:
        try:
            scan.session_id = str(uuid.UUID(values[0]))
        except ValueError:
            return Refusal("launch.bad_session_id", f"--session-id {values[0]!r} is not a UUID")
    if action == AGENTS:
        return _check_agents(values[0], profile)
    scan.resume |= action == RESUME
    scan.fork |= action == FORK
    scan.info_only |= name in ("--version", "--help")
    return None


def _check_agents(text: str, profile: Profile) -> Refusal | None:
    """Inline agents may carry a permissionMode; it must be one the profile allows (unparseable: refused)."""
    import json

    try:
        agents = json.loads(text)
    except ValueError:
        agents = None
    if not isinstance(agents, dict):
        return Refusal("launch.agents_unparseable", "refused --agents: not a JSON object")
    allowed = profile.allowed_modes
    for name, spec in agents.items():
        mode = spec.get("permissionMode") if isinstance(spec, dict) else None
        if mode is not None and mode not in allowed:
            return Refusal("launch.permission_mode_wider",
                           f"refused --agents: agent {name!r} asks for permissionMode "
                           f"{mode}, profile {profile.name!r} allows only {', '.join(sorted(allowed))}")
    return None


def _take_values(args: Sequence[str], i: int, arity: str, inline: str | None) -> tuple[list[str], int] | None:
    """Values of the option at `args[i]` and the index after them; None when a required value is missing."""
    if arity == NONE:
        return ([], i + 1) if inline is None else None
    if inline is not None:
        return [inline], i + 1
    nxt = i + 1
    if arity == REQUIRED:
        return ([args[nxt]], nxt + 1) if nxt < len(args) else None
    if arity == OPTIONAL:
        if nxt < len(args) and not args[nxt].startswith("-"):
            return [args[nxt]], nxt + 1
        return [], nxt
    values = []
    while nxt < len(args) and not args[nxt].startswith("-"):
        values.append(args[nxt])
        nxt += 1
    return (values, nxt) if values else None


def vet_claude_args(args: Sequence[str], profile: Profile) -> Vetted | Refusal:
    """Apply the command-line policy to claude's arguments for `profile`."""
    args = list(args)
    end = args.index("--") if "--" in args else len(args)
    # Claude Code looks for --bare/--safe-mode anywhere before `--`, even as another option's value.
    for token in args[:end]:
        if token in ("--bare", "--safe-mode"):
            return _refuse(token, _OPTIONS[token].why, "launch.refused_flag")
    scan = _Scan(out=[], settings=[])
    first_operand: str | None = None
    i = 0
    while i < end:
        token = args[i]
        if not token.startswith("-") or token == "-":
            if first_operand is None:
                first_operand = token
                if token in _SUBCOMMANDS:
                    return _vet_subcommand(args, i)
            scan.out.append(token)
            i += 1
            continue
        expanded = _expand_short(token)
        if expanded is None:
            return _refuse(token, "it is not an option claude-enterprise has vetted", "launch.unknown_option")
        name, inline, extra_flags = expanded
        for flag in extra_flags:
            refusal = _check(flag, _OPTIONS[flag], [], profile, scan)
            if refusal:
                return refusal
        option = _OPTIONS.get(name)
        if option is None:
            return _refuse(name, "it is not an option claude-enterprise has vetted", "launch.unknown_option")
        taken = _take_values(args[:end], i, option.arity, inline)
        if taken is None:
            return Refusal("launch.usage", f"claude option {name} needs a value" if option.arity != NONE
                           else f"claude option {name} takes no value")
        values, nxt = taken
        refusal = _check(name, option, values, profile, scan)
        if refusal:
            return refusal
        if option.action == SETTINGS:
            scan.settings.extend(values)
        else:
            scan.out.extend(args[i:nxt])
        i = nxt
    marker = len(scan.out) if end < len(args) else None
    scan.out.extend(args[end:])
    return Vetted(
        args=tuple(scan.out),
        session=not scan.info_only,
        user_settings=tuple(scan.settings),
        session_id=scan.session_id,
        resuming=scan.resume and not scan.fork,
        end_of_options=marker,
    )


def _expand_short(token: str) -> tuple[str, str | None, list[str]] | None:
    """(long name, inline value, preceding boolean flags) for one option token; None when unknown."""
    if token.startswith("--"):
        name, eq, value = token.partition("=")
        return name, (value if eq else None), []
    flags: list[str] = []
    for pos in range(1, len(token)):
        long = _SHORT.get("-" + token[pos])
        if long is None:
            return None
        rest = token[pos + 1:]
        if _OPTIONS[long].arity == NONE and rest:
            flags.append(long)
            continue
        return long, (rest or None), flags
    return None


def _vet_subcommand(args: list[str], index: int) -> Vetted | Refusal:
    name = args[index]
    why = _SUBCOMMANDS[name]
    if why:
        return Refusal("launch.refused_command", f"refused `claude {name}`: {why}")
    sub = next((a for a in args[index + 1:] if not a.startswith("-")), None)
    why = _REFUSED_SUB_SUBCOMMANDS.get((name, sub or ""))
    if why:
        return Refusal("launch.refused_command", f"refused `claude {name} {sub}`: {why}")
    return Vetted(args=tuple(args), session=False)
