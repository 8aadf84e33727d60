"""Where Claude Code 2.1.197 finds the settings and MCP servers a session would use, read as vettable layers.

Verified against the binary:
- user settings: `settings.json` in the config directory (`$CLAUDE_CONFIG_DIR`, else `~/.claude`), or
  `cowork_settings.json` there under CLAUDE_CODE_USE_COWORK_PLUGINS; there is no user `settings.local.json`;
- project settings: `.claude/settings.json` and `.claude/settings.local.json` of the project root;
- project MCP servers: `.mcp.json` in the working directory and every directory above it;
- the global config (`.claude.json` in `$CLAUDE_CONFIG_DIR`, else in the home directory; `.config.json` in
  the config directory wins when present): user MCP servers (`mcpServers`), local ones
  (`projects.<project key>.mcpServers`, the key being the project root, the main work tree for a git
  worktree), and the legacy `env` and `apiKeyHelper`.
Candidates are read whenever present, whichever one Claude Code picks: vetting one too many fails closed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

PROJECT_FILES = (".claude/settings.json", ".claude/settings.local.json")
USER_FILES = ("settings.json", "cowork_settings.json")
# Settings whose value is a shell command Claude Code runs (besides hooks and the status line).
COMMAND_KEYS = ("apiKeyHelper", "awsAuthRefresh", "awsCredentialExport", "otelHeadersHelper")
# What the global config may hold that runs something; the rest is Claude Code's own state, rewritten often.
GLOBAL_KEYS = ("mcpServers", "env", *COMMAND_KEYS)

USER_SETTINGS, PROJECT_SETTINGS, MCP_JSON, GLOBAL_CONFIG = "user", "project", "mcp", "global"
RULE_IDS = {USER_SETTINGS: "launch.user_settings", PROJECT_SETTINGS: "launch.project_settings",
            MCP_JSON: "launch.mcp_server", GLOBAL_CONFIG: "launch.user_settings"}


class Source(NamedTuple):
    path: Path
    kind: str  # USER_SETTINGS, PROJECT_SETTINGS, MCP_JSON or GLOBAL_CONFIG


class Unreadable(NamedTuple):
    """A file present but not readable as JSON: what Claude Code makes of it cannot be vetted."""

    reason: str


class Layer(NamedTuple):
    """Settings-shaped data to vet: `where` names the file (and the part of it), `rule_id` the refusal."""

    where: str
    data: Any  # a settings mapping, or Unreadable
    rule_id: str


def config_dir(env: Mapping[str, str]) -> Path:
    return Path(env.get("CLAUDE_CONFIG_DIR") or Path(env.get("HOME") or Path.home()) / ".claude")


def git_top(cwd: Path) -> Path | None:
    for parent in (cwd, *cwd.parents):
        if (parent / ".git").exists():
            return parent
    return None


def project_roots(cwd: Path) -> list[Path]:
    """The working directory and, when it lies inside a git work tree, that tree's top: Claude Code reads
    project settings from the project root."""
    top = git_top(cwd)
    return [cwd] if top is None or top == cwd else [cwd, top]


def main_worktree(top: Path) -> Path | None:
    """The main work tree of a linked git worktree (`.git` is a file naming `<main>/.git/worktrees/<n>`)."""
    try:
        text = (top / ".git").read_text(encoding="utf-8").strip()
        if not text.startswith("gitdir:"):
            return None
        gitdir = (top / text[len("gitdir:"):].strip()).resolve()
        common = (gitdir / (gitdir / "commondir").read_text(encoding="utf-8").strip()).resolve()
    except OSError:
        return None
    return common.parent if common.name == ".git" else common


def project_keys(cwd: Path) -> set[str]:
    """Keys the global config's `projects` may hold this project under, as given and resolved."""
    places = project_roots(cwd)
    top = git_top(cwd)
    main = main_worktree(top) if top is not None else None
    if main is not None:
        places.append(main)
    return {os.path.normpath(p) for place in places for p in (str(place), os.path.realpath(place))}


def sources(cwd: Path, env: Mapping[str, str]) -> list[Source]:
    """Every candidate file, present or not (the watch stats them all)."""
    conf = config_dir(env)
    base = Path(env["CLAUDE_CONFIG_DIR"]) if env.get("CLAUDE_CONFIG_DIR") else Path(env.get("HOME") or Path.home())
    found = [Source(conf / name, USER_SETTINGS) for name in USER_FILES]
    found += [Source(root / name, PROJECT_SETTINGS) for root in project_roots(cwd) for name in PROJECT_FILES]
    found += [Source(d / ".mcp.json", MCP_JSON) for d in (cwd, *cwd.parents) if d != d.parent]
    globals_ = [conf / ".config.json", base / ".claude.json"]
    if env.get("CLAUDE_CODE_CUSTOM_OAUTH_URL"):
        globals_.append(base / ".claude-custom-oauth.json")
    found += [Source(path, GLOBAL_CONFIG) for path in dict.fromkeys(globals_)]
    return found


def read_json(path: Path) -> Any:
    """The parsed file, `Unreadable`, or None when it does not exist."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        return Unreadable(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)


def layers_of(source: Source, data: Any, keys: set[str]) -> list[Layer]:
    """The parts of one parsed file that can make something run; `keys` are the project's `project_keys`."""
    where, rule = str(source.path), RULE_IDS[source.kind]
    if data is None:
        return []
    if isinstance(data, Unreadable) or source.kind in (USER_SETTINGS, PROJECT_SETTINGS):
        return [Layer(where, data, rule)]
    if not isinstance(data, Mapping):
        return [Layer(where, Unreadable("not a JSON object"), rule)]
    if source.kind == MCP_JSON:
        return [Layer(where, {"mcpServers": data.get("mcpServers")}, rule)]
    found = [Layer(where, {k: data[k] for k in GLOBAL_KEYS if data.get(k)}, rule)]
    projects = data.get("projects")
    for key, project in sorted(projects.items()) if isinstance(projects, Mapping) else ():
        servers = project.get("mcpServers") if isinstance(project, Mapping) else None
        if os.path.normpath(key) in keys and servers:
            found.append(Layer(f"{where} projects[{key}]", {"mcpServers": servers}, rule))
    return [layer for layer in found if layer.data]


def read_layers(cwd: Path, env: Mapping[str, str]) -> list[Layer]:
    keys = project_keys(cwd)
    return [layer for source in sources(cwd, env) for layer in layers_of(source, read_json(source.path), keys)]


def load_user_settings(value: str) -> Any:
    """A `--settings` value as Claude Code reads it: inline JSON when it looks like an object, else a file.

    Raises ValueError with a one-line message.
    """
    text = value
    where = "inline JSON"
    if not value.lstrip().startswith("{"):
        where = value
        try:
            with open(value, encoding="utf-8") as handle:
                text = handle.read()
        except OSError as exc:
            raise ValueError(f"--settings {value}: cannot read it ({exc.strerror})") from exc
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ValueError(f"--settings {where}: not valid JSON ({exc})") from exc
