"""Every settings layer and MCP server a session would use, vetted before claude starts and while it runs.

Claude Code runs commands named in its settings: hooks, the status line, credential helpers, MCP servers.
A shell-form hook passes through the exec gate, but an exec-form hook (`command` + `args`) and an `http`
hook do not (verified on 2.1.197). A repository is untrusted input, and a user must not widen their own
profile through `~/.claude` or `--settings`: so every such command, from every layer the launcher can see
(settings_sources), is judged by the policy engine as if the model had asked to run it, `env` entries that
load code are judged like the same shell assignment, and an MCP server must also pass the profile's `mcp`
rules. A layer that would do something the profile denies refuses the launch with the file, the field and
the rule. An allowed command can bring a file in mid-session (`git checkout` of another branch):
`SettingsWatch` re-vets them when their relevant content changes, and the session ends on a refusal.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from claude_enterprise.profiles import Profile

from .refusal import Refusal
from .settings_sources import (
    COMMAND_KEYS,
    Layer,
    Unreadable,
    layers_of,
    project_keys,
    read_json,
    read_layers,
    sources,
)

MCP_RULE_ID = "launch.mcp_server"
# Claude Code expands `${VAR}` and `${VAR:-default}` in an MCP server's command, args, env and url.
_EXPANSION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_URL_SCHEMES = {"ws": "http", "wss": "https"}  # a WebSocket server reaches the same host as HTTP would


class Item(NamedTuple):
    """One thing a layer would make happen. kind: `shell` (a command line), `url` (a request), `env`
    (value `NAME=VALUE`) or `mcp` (value: the server's name, for the profile's `mcp` rules)."""

    field: str
    kind: str
    value: str
    server: bool = False  # part of an MCP server's definition


def commands_in(settings: Any) -> Iterator[Item]:
    """Hooks (shell and exec form, http), the status line and the helper commands."""
    if not isinstance(settings, Mapping):
        return
    hooks = settings.get("hooks")
    if isinstance(hooks, Mapping):
        for event, entries in hooks.items():
            for i, entry in enumerate(entries if isinstance(entries, list) else []):
                inner = entry.get("hooks") if isinstance(entry, Mapping) else None
                for j, hook in enumerate(inner if isinstance(inner, list) else []):
                    if not isinstance(hook, Mapping):
                        continue
                    field = f"hooks.{event}[{i}].hooks[{j}]"
                    if hook.get("type") == "http":
                        yield Item(field, "url", str(hook.get("url", "")))
                    elif "command" in hook:
                        args = hook.get("args")
                        command = str(hook["command"])
                        line = shlex.join([command, *map(str, args)]) if isinstance(args, list) else command
                        yield Item(field, "shell", line)
    status = settings.get("statusLine")
    if isinstance(status, Mapping) and "command" in status:
        yield Item("statusLine.command", "shell", str(status["command"]))
    for key in COMMAND_KEYS:
        if isinstance(settings.get(key), str):
            yield Item(key, "shell", settings[key])


def _env_items(env: Any, prefix: str, server: bool = False) -> Iterator[Item]:
    for name, value in env.items() if isinstance(env, Mapping) else ():
        yield Item(f"{prefix}.{name}", "env", f"{name}={value}", server)


def expand(value: str, environ: Mapping[str, str]) -> str:
    """Claude Code's expansion of an MCP server's fields (an unset variable without default stays as is)."""
    def one(match: re.Match[str]) -> str:
        found = environ.get(match.group(1), match.group(2))
        return match.group(0) if found is None else found

    return _EXPANSION.sub(one, value)


def server_items(field: str, name: str, server: Any, environ: Mapping[str, str]) -> Iterator[Item]:
    """An MCP server: its name, then what it runs (stdio) or reaches (sse, http, ws)."""
    yield Item(field, "mcp", name, True)
    if not isinstance(server, Mapping):
        return
    if server.get("type") in (None, "stdio"):
        args = server.get("args")
        argv = [str(server.get("command", "")), *(map(str, args) if isinstance(args, list) else ())]
        yield Item(f"{field}.command", "shell", shlex.join(expand(a, environ) for a in argv), True)
        env = server.get("env")
        if isinstance(env, Mapping):
            yield from _env_items({k: expand(str(v), environ) for k, v in env.items()}, f"{field}.env", True)
    else:
        url = expand(str(server.get("url", "")), environ)
        scheme, sep, rest = url.partition("://")
        yield Item(f"{field}.url", "url", f"{_URL_SCHEMES.get(scheme.lower(), scheme)}{sep}{rest}", True)
        if isinstance(server.get("headersHelper"), str):
            yield Item(f"{field}.headersHelper", "shell", server["headersHelper"], True)


def items_in(settings: Any, environ: Mapping[str, str]) -> Iterator[Item]:
    """Everything a settings-shaped mapping would run, set or start."""
    if not isinstance(settings, Mapping):
        return
    yield from commands_in(settings)
    yield from _env_items(settings.get("env"), "env")
    servers = settings.get("mcpServers")
    for name, server in servers.items() if isinstance(servers, Mapping) else ():
        yield from server_items(f"mcpServers.{name}", str(name), server, environ)


def server_allowed(name: str, profile: Profile) -> tuple[bool, str, str]:
    """The profile's `mcp` rules for a server name: (allowed, rule id, the rule in words). Deny-list shell
    profiles admit every server but `denied_servers`; the others only `allowed_servers`."""
    rules = profile.mcp
    if profile.shell.mode == "denylist":
        if name in rules.denied_servers:
            return False, "mcp.server_denied", "lists in mcp.denied_servers"
        return True, "mcp.server_allowed", ""
    if name in rules.allowed_servers:
        return True, "mcp.server_allowed", ""
    return False, "mcp.server_not_allowed", "does not list in mcp.allowed_servers"


def layer_environ(layers: Iterable[Layer], base: Mapping[str, str]) -> dict[str, str]:
    """The environment Claude Code expands MCP fields with: its own, with every layer's `env` applied."""
    environ = dict(base)
    for layer in layers:
        env = layer.data.get("env") if isinstance(layer.data, Mapping) else None
        if isinstance(env, Mapping):
            environ.update({str(k): str(v) for k, v in env.items()})
    return environ


def vet_layers(layers: list[Layer], profile: Profile, cwd: Path, home: str,
               environ: Mapping[str, str]) -> Refusal | None:
    """Pure: the first thing in `layers` that the profile denies, as a refusal.

    The policy engine (tree-sitter) is imported only when there is something to judge: most launches
    have no such settings.
    """
    expand_env = layer_environ(layers, environ)
    judge: Callable[[Item], Any] | None = None
    for layer in layers:
        if isinstance(layer.data, Unreadable):
            # Claude Code's own reader may accept what `json` refuses (comments, say): fail closed.
            return Refusal(layer.rule_id, f"refused: {layer.where} cannot be read as JSON ({layer.data.reason}), "
                           "so what it may run cannot be checked; fix or remove it to start claude here")
        for item in items_in(layer.data, expand_env):
            judge = judge or _judge(profile, cwd, home)
            verdict = judge(item)
            if verdict is not None:
                rule_id = MCP_RULE_ID if item.server else layer.rule_id
                return Refusal(rule_id, f"refused: {layer.where}: {item.field} {verdict}; "
                                        f"remove it from {layer.where} to start claude here")
    return None


def _judge(profile: Profile, cwd: Path, home: str) -> Callable[[Item], str | None]:
    """A judge for items under `profile`: None when allowed, else what is denied and by which rule."""
    from claude_enterprise.policy import PolicyContext, decide_shell, decide_tool
    from claude_enterprise.policy.tables import CODE_VARIABLES, LOADER_VARIABLE_PREFIXES, LOADER_VARIABLES

    ctx = PolicyContext(project_dirs=(os.path.realpath(cwd),), home=home, case_insensitive=sys.platform == "darwin",
                        cwd=os.path.realpath(cwd))
    denies = f"which profile {profile.name!r} denies"

    def judge(item: Item) -> str | None:
        if item.kind == "mcp":
            allowed, rule_id, words = server_allowed(item.value, profile)
            return None if allowed else f"starts MCP server {item.value!r}, which profile {profile.name!r} " \
                                        f"{words} [{rule_id}]"
        if item.kind == "env":
            name, _, value = item.value.partition("=")
            if not (name in CODE_VARIABLES or name in LOADER_VARIABLES or name.startswith(LOADER_VARIABLE_PREFIXES)):
                return None
            # Judged as the same assignment in a shell command: a loader variable is opaque code, a code
            # variable's value is analysed as the command line it is.
            decision = decide_shell(f"export {name}={shlex.quote(value)}", profile, ctx)
            return None if decision.allow else f"sets `{item.value}`, {denies} [{decision.rule_id}]"
        if item.kind == "url":
            decision = decide_tool("WebFetch", {"url": item.value, "prompt": "settings"}, profile, ctx)
        else:
            decision = decide_shell(item.value, profile, ctx)
        return None if decision.allow else f"would run `{item.value}`, {denies} [{decision.rule_id}]"

    return judge


def check_launch(cwd: Path, profile: Profile, env: Mapping[str, str],
                 extra: Iterable[Layer] = ()) -> Refusal | None:
    """Read and vet every layer the session would use; `extra` are the user's `--settings` values."""
    layers = [*extra, *read_layers(cwd, env)]
    home = env.get("HOME") or str(Path.home())
    return vet_layers(layers, profile, cwd, home, env) if layers else None


def _digest(layers: list[Layer]) -> str:
    text = json.dumps([(layer.where, layer.data) for layer in layers], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class SettingsWatch:
    """Re-vets the session's settings files whenever their relevant content changes while claude runs.

    `check()` runs on every decision the session's server makes, so it is cheap: a stat per candidate file;
    a file whose stat changed is read again, and only a change in the part that can run something (a hash
    of its layers) re-vets. Claude Code rewrites the global config for its own state all the time.
    """

    def __init__(self, cwd: Path, profile: Profile, env: Mapping[str, str],
                 on_refusal: Callable[[Refusal], None]) -> None:
        self.cwd, self.profile, self.env, self.on_refusal = cwd, profile, dict(env), on_refusal
        self._sources = sources(cwd, env)
        self._keys = project_keys(cwd)
        self._marks = [self._stat(source.path) for source in self._sources]
        self._layers = [layers_of(source, read_json(source.path), self._keys) for source in self._sources]
        self._digests = [_digest(layers) for layers in self._layers]
        self._lock = threading.Lock()

    @staticmethod
    def _stat(path: Path) -> tuple[int, int, int] | None:
        try:
            st = path.stat()
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size, st.st_ino

    def check(self) -> None:
        with self._lock:
            changed = False
            for i, source in enumerate(self._sources):
                mark = self._stat(source.path)
                if mark == self._marks[i]:
                    continue
                self._marks[i] = mark
                layers = layers_of(source, read_json(source.path), self._keys)
                digest = _digest(layers)
                if digest != self._digests[i]:
                    self._layers[i], self._digests[i], changed = layers, digest, True
            if not changed:
                return
            try:
                refusal = vet_layers([layer for layers in self._layers for layer in layers], self.profile,
                                     self.cwd, self.env.get("HOME") or str(Path.home()), self.env)
            except Exception as exc:  # settings that cannot be vetted are refused, never waved through
                refusal = Refusal("launch.settings", f"the changed settings cannot be checked ({exc})")
        if refusal is not None:
            self.on_refusal(refusal)
