"""npm (and pnpm, yarn) subcommands and settings that run code other than the project's own scripts.

Decided on purpose:
- `npm pkg set scripts.NAME=CMD` and `npm set-script NAME CMD` write a script that `npm run` will
  execute: CMD is analysed as shell code now (the allow list trusts package.json, not what the agent
  puts in it). Setting the whole `scripts` object is opaque code.
- `npm init PKG` and `npm create PKG` are `npm exec create-PKG` (`@scope` is `@scope/create`): the
  package's program is judged. `npm init` without a package only writes package.json.
- `npm explore PKG -- CMD` runs CMD in a shell; without CMD it starts the configured shell: opaque.
- Settings that name a program (`script-shell`, `shell`, `editor`, `node-options`...) are opaque code
  however they are given: `npm config set`, `npm c set`, `npm set`, `--key=value`, an abbreviation npm
  expands (`--script-sh`), or an `npm_config_*` variable (any case; npm folds it).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from .model import Execution

if TYPE_CHECKING:
    from .analysis import Analyzer

Argv = list[str | None]

CODE_SETTINGS = frozenset(
    {"script-shell", "shell", "editor", "browser", "node-options", "git", "viewer", "userconfig", "globalconfig"}
)
# npm expands an unambiguous prefix of a setting name (`--script-sh`). Shorter prefixes are ambiguous
# among npm's ~150 settings and rejected by npm itself.
_MIN_ABBREVIATION = 3
_CONFIG_SUBCOMMANDS = frozenset({"config", "c"})
_INIT_VALUE = frozenset({"-w", "--workspace", "--scope", "-C", "--prefix", "--registry", "--loglevel", "--cache"})
_SCRIPT_KEY = re.compile(r"scripts(\.|\[)(?P<name>.+)")


def setting_name(option: str) -> str:
    """The npm setting an option or variable suffix names: `--no-x` is x, `Script_Shell` is script-shell."""
    name = option.lstrip("-").lower().replace("_", "-")
    return name[3:] if name.startswith("no-") else name


def _code_setting(name: str) -> bool:
    if name in CODE_SETTINGS:
        return True
    return len(name) >= _MIN_ABBREVIATION and any(setting.startswith(name) for setting in CODE_SETTINGS)


def code_options(an: Analyzer, name: str, args: Argv, frame: Any) -> None:
    """`--script-shell=x`, `--node-options x`, `--script-sh x`... anywhere on the command line."""
    for arg in args:
        if arg is None or not arg.startswith("--") or arg == "--":
            continue
        option = arg.split("=", 1)[0]
        if _code_setting(setting_name(option)):
            an.add_code("config", f"{name} {option}", arg, frame)


def code_variable(an: Analyzer, variable: str, value: str | None, frame: Any) -> None:
    """`npm_config_script_shell=...` and its spellings: npm reads npm_config_* case-insensitively."""
    if variable[:11].lower() == "npm_config_" and setting_name(variable[11:]) in CODE_SETTINGS:
        an.add_code("config", variable, value, frame)


def _set_pairs(args: Argv) -> list[tuple[str | None, str | None]]:
    """`key=value` or `key value` operands of `npm config set`, options left out."""
    operands = [a for a in args if a is None or not a.startswith("-")]
    pairs: list[tuple[str | None, str | None]] = []
    i = 0
    while i < len(operands):
        arg = operands[i]
        if arg is not None and "=" in arg:
            key, _, value = arg.partition("=")
            pairs.append((key, value))
            i += 1
        else:
            pairs.append((arg, operands[i + 1] if i + 1 < len(operands) else None))
            i += 2
    return pairs


def config_set_pairs(sub: str, rest: Argv) -> list[tuple[str | None, str | None]] | None:
    """The settings `npm config set`, `npm c set` or `npm set` writes; None when it sets nothing."""
    if sub in _CONFIG_SUBCOMMANDS and rest[:1] == ["set"]:
        return _set_pairs(rest[1:])
    if sub == "set":
        return _set_pairs(rest)
    return None


def _create_package(spec: str | None) -> str | None:
    """The package `npm init SPEC` executes: `foo@1` -> `create-foo@1`, `@s` -> `@s/create`,
    `@s/foo` -> `@s/create-foo`. None when it cannot be known (a URL, a path, a variable)."""
    if spec is None or ":" in spec or spec.startswith((".", "/", "~")):
        return None
    if spec.startswith("@"):
        scope, slash, rest = spec.partition("/")
        if not slash:
            scope, at, version = spec[1:].partition("@")
            return f"@{scope}/create{at}{version}"
        return f"{scope}/create-{rest}" if "/" not in rest else None
    return None if "/" in spec else f"create-{spec}"


def _init(an: Analyzer, name: str, sub: str, rest: Argv, stdin: Any, frame: Any) -> None:
    from .launchers import package_bin  # launchers imports this module: resolved at call time

    i = 0
    while i < len(rest):
        arg = rest[i]
        if arg is None or not arg.startswith("-") or arg == "--":
            break
        i += 2 if arg in _INIT_VALUE else 1
    if i < len(rest) and rest[i] == "--":
        i += 1
    if i >= len(rest):
        return  # no package: npm writes package.json itself
    inner = frame.inner(f"{name} {sub}")
    program = package_bin(_create_package(rest[i]))
    if program is None:
        an.add(Execution("program", None, tuple(rest[i + 1 :]), inner.via, word=rest[i]))
        return
    an.run([program, *rest[i + 1 :]], stdin, inner)


def _explore(an: Analyzer, name: str, rest: Argv, stdin: Any, frame: Any) -> None:
    operands = [a for a in rest if a is None or not a.startswith("-") or a == "--"]
    command = [a for a in operands[1:] if a != "--"]
    if command:
        joined = None if None in command else " ".join(a for a in command if a is not None)
        an.code(joined, frame, f"{name} explore")
    elif stdin is not None:
        an.stdin_code(f"{name} explore", stdin, frame, shell=True)
    else:
        an.add_code("config", f"{name} explore (the configured shell)", None, frame)


def _pkg_set(an: Analyzer, name: str, rest: Argv, frame: Any) -> None:
    for key, value in _set_pairs(rest):
        if key is None:
            an.add_code("dynamic", f"{name} pkg set", None, frame)
            continue
        match = _SCRIPT_KEY.fullmatch(key)
        if match is not None:
            an.code(value, frame, f"{name} pkg set {key}")
        elif key == "scripts":
            an.add_code("config", f"{name} pkg set scripts", value, frame)


def subcommand(an: Analyzer, name: str, sub: str, rest: Argv, stdin: Any, frame: Any) -> None:
    """Judge the subcommands above; others run nothing beyond the project's scripts."""
    tool = name.lower()
    pairs = config_set_pairs(sub, rest)
    if pairs is not None:
        for key, value in pairs:
            if key is None or _code_setting(setting_name(key)):
                an.add_code("config", f"{name} config {key or '?'}", value, frame)
    elif (sub in _CONFIG_SUBCOMMANDS and rest[:1] == ["edit"]) or sub == "edit":
        an.add_code("config", f"{name} {sub} (the configured editor)", None, frame)
    elif sub == "create" or (sub in ("init", "innit") and tool == "npm"):
        _init(an, name, sub, rest, stdin, frame)
    elif sub == "explore" and tool == "npm":
        _explore(an, name, rest, stdin, frame)
    elif sub == "pkg" and rest[:1] == ["set"]:
        _pkg_set(an, name, rest[1:], frame)
    elif sub == "set-script":
        operands = [a for a in rest if a is None or not a.startswith("-")]
        an.code(operands[1] if len(operands) > 1 else None, frame, f"{name} set-script")
