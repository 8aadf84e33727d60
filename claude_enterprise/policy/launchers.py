"""Launchers inside tools a profile may allow: what `git`, `npx`, `uv run`... would really execute.

Decided on purpose:
- `npx X`, `npm exec X`, `pnpm dlx X`, `bunx X`, `uvx X`, `pipx run X`, `uv run X`, `poetry run X`...
  execute X: X is judged as a program (so `npx jest` needs jest allowed, `npx cowsay` is denied under an
  allow list). A package given as a URL, git spec or path is an unknown program.
- `npm run` / `npm test` run the project's package.json scripts: allowed with npm (the allow list trusts
  npm, as it trusts pytest with conftest.py).
- git configuration that runs commands (`-c core.pager=`, `core.sshCommand`, `alias.x=!cmd`,
  `diff.*.textconv`, `filter.*`, `credential.helper`, ..., given with `-c`, `--config-env` or
  `git config`) has its value analysed as shell code; configuration that loads code from elsewhere
  (`core.hooksPath`, `include.path`, `protocol.*.allow`, `url.*.insteadOf`, `--exec-path=`) is opaque
  code. `ext::` transport URLs run commands built at run time: dynamic code, always denied.
- `git rebase --exec`, `git bisect run`, `git submodule foreach`, `git filter-branch --*-filter`,
  `git difftool --extcmd`, `--upload-pack`/`--receive-pack` values are commands and are analysed.
- `pip install` of a URL is a network matter, judged by the rules against the allowed domains.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import npm_commands, tool_network
from .model import Execution
from .options import OptSpec, parse_options, spec
from .tables import PLAIN_PAGER

if TYPE_CHECKING:
    from .analysis import Analyzer

Argv = list[str | None]

_BOOLEAN = frozenset({"true", "false", "yes", "no", "on", "off", "0", "1", ""})
_GIT_CODE_KEY = re.compile(
    r"core\.(pager|editor|sshcommand|askpass|gitproxy|fsmonitor)|pager\..+|diff\.external"
    r"|diff\..+\.(textconv|command)|filter\..+\.(clean|smudge|process)|merge\..+\.driver|sequence\.editor"
    r"|gpg\.(.+\.)?program|gpg\.ssh\.defaultkeycommand|uploadpack\.packobjectshook|remote\..+\.(uploadpack|receivepack)"
    r"|(difftool|mergetool|man|browser)\..+\.(cmd|path)|web\.browser|sendemail\..*cmd|trailer\..+\.(cmd|command)"
    r"|credential\.(.+\.)?helper|submodule\..+\.update|alias\..+"
)
_GIT_OPAQUE_KEY = re.compile(
    r"core\.hookspath|include\.path|includeif\..+\.path|init\.templatedir|protocol\.(.+\.)?allow"
    r"|url\..+\.(insteadof|pushinsteadof)|core\.worktree|safe\.directory"
)
# Sections holding a key above: renaming any section to one of these may create such a key.
_GIT_CODE_SECTIONS = frozenset(
    {
        "core", "pager", "diff", "filter", "merge", "sequence", "gpg", "uploadpack", "remote", "difftool",
        "mergetool", "man", "browser", "web", "sendemail", "credential", "submodule", "alias", "trailer",
        "include", "includeif", "init", "protocol", "url", "safe", "http", "https",
    }
)  # fmt: skip
_GIT_GLOBAL_VALUE = frozenset(
    {"-C", "--git-dir", "--work-tree", "--namespace", "--super-prefix", "--list-cmds", "--attr-source"}
)
_GIT_COMMAND_OPTS = frozenset({"--upload-pack", "-u", "--receive-pack", "--exec"})
_GIT_COMMAND_OPT_SUBCOMMANDS = frozenset({"clone", "fetch", "pull", "ls-remote", "archive", "push"})


def _add_program(an: Analyzer, word: str, name: str, args: Argv, frame: Any) -> None:
    an.add(Execution("program", name, tuple(args), frame.via, word=word))


def _joined(args: Argv) -> str | None:
    return None if any(a is None for a in args) else " ".join(a for a in args if a is not None)


def git_config_value(an: Analyzer, key: str, value: str | None, frame: Any, label: str) -> None:
    """A git configuration entry that may make git run a command."""
    tool_network.check_git_setting(an, key, value, frame, label)
    key = key.lower()
    if _GIT_OPAQUE_KEY.fullmatch(key):
        an.add_code("config", f"git {key}", value, frame)
        return
    if not _GIT_CODE_KEY.fullmatch(key):
        return
    if value is None:
        an.add_code("dynamic", f"git {key}", None, frame)
        return
    if key.startswith(("pager.", "core.fsmonitor")) and value.lower() in _BOOLEAN:
        return
    if (key == "core.pager" or key.startswith("pager.")) and PLAIN_PAGER.fullmatch(value):
        return
    if key.startswith("alias."):
        an.code(value[1:] if value.startswith("!") else f"git {value}", frame, f"{label} {key}")
    elif key.startswith("credential.") and not value.startswith(("!", "/")):
        if value:
            an.code(f"git-credential-{value}", frame, f"{label} {key}")
    elif key.startswith("submodule."):
        if value.startswith("!"):
            an.code(value[1:], frame, f"{label} {key}")
    else:
        an.code(value[1:] if value.startswith("!") else value, frame, f"{label} {key}")


def _git_config_pair(an: Analyzer, pair: str | None, frame: Any, label: str) -> None:
    if pair is None:
        an.add_code("dynamic", label, None, frame)
        return
    key, eq, value = pair.partition("=")
    git_config_value(an, key, value if eq else "true", frame, label)


_GIT_CONFIG_OPTS = spec(
    "-f --file --blob --type --comment --default --value",
    "--global --system --local --worktree --add --replace-all --unset --unset-all --get --get-all "
    "--get-regexp --get-urlmatch --get-color --get-colorbool -l --list -e --edit --bool --int --bool-or-int "
    "--path --expiry-date -z --null --name-only --show-origin --show-scope --includes --no-includes "
    "--fixed-value --all --rename-section --remove-section",
)
_GIT_CONFIG_READS = frozenset(
    {"--get", "--get-all", "--get-regexp", "--get-urlmatch", "--get-color", "--get-colorbool", "-l", "--list"}
)


def _git_config(an: Analyzer, args: Argv, frame: Any) -> None:
    # Options may follow the key; collect operands wherever they stand.
    operands: Argv = []
    present: set[str] = set()
    values: dict[str, str | None] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        if arg is None or not arg.startswith("-") or arg == "-":
            operands.append(arg)
            i += 1
            continue
        option, eq, value = arg.partition("=")
        if option in _GIT_CONFIG_OPTS.value:
            present.add(option)
            values[option] = value if eq else (args[i + 1] if i + 1 < len(args) else None)
            i += 1 if eq else 2
        elif arg in _GIT_CONFIG_OPTS.flags:
            present.add(arg)
            i += 1
        else:
            an.add_code("dynamic", f"git config {arg}", None, frame)
            return
    if present & {"-e", "--edit"} or operands[:1] == ["edit"]:
        an.add_code("config", "git config --edit", None, frame)
    if present & _GIT_CONFIG_READS or operands[:1] in (["get"], ["list"]):
        return
    if operands[:1] == ["set"]:
        operands = operands[1:]
    if "--rename-section" in present or operands[:1] == ["rename-section"]:
        renamed = operands[-1] if len(operands) >= 2 else None
        # The keys the old section holds are in a file we cannot read: moving them into a section with
        # keys that run commands (`x.fsmonitor` becoming `core.fsmonitor`) must be assumed to do so.
        section = None if renamed is None else renamed.split(".", 1)[0].lower()
        if section is None or section in _GIT_CODE_SECTIONS:
            an.add_code("config", "git config --rename-section", renamed, frame)
    scope_write = "~/.gitconfig" if "--global" in present else "/etc/gitconfig" if "--system" in present else None
    file_target = values.get("-f", values.get("--file"))
    if "-f" in present or "--file" in present:
        an.add_write(file_target, "git config --file")
    elif scope_write:
        an.add_write(scope_write, "git config")
    if len(operands) >= 2 and not present & {"--unset", "--unset-all"}:
        key = operands[0]
        if key is None:
            an.add_code("dynamic", "git config", None, frame)
        else:
            git_config_value(an, key, operands[1], frame, "git config")


def git(an: Analyzer, word: str, name: str, args: Argv, stdin: Any, frame: Any) -> None:
    _add_program(an, word, name, args, frame)
    i = 0
    while i < len(args):
        arg = args[i]
        if arg is None:
            an.add_code("dynamic", "git", None, frame)
            return
        if arg == "-c":
            _git_config_pair(an, args[i + 1] if i + 1 < len(args) else "", frame, "git -c")
            i += 2
        elif arg == "--config-env" or arg.startswith("--config-env="):
            pair = arg.partition("=")[2] if "=" in arg else (args[i + 1] or "" if i + 1 < len(args) else "")
            key = pair.partition("=")[0]
            git_config_value(an, key, None, frame, "git --config-env")
            i += 1 if "=" in arg else 2
        elif arg.startswith("--exec-path="):
            an.add_code("config", "git --exec-path", arg.partition("=")[2], frame)
            i += 1
        elif arg in _GIT_GLOBAL_VALUE:
            i += 2
        elif arg.startswith("-"):
            i += 1
        else:
            break
    rest = args[i + 1 :]
    for arg in rest:
        if arg is not None and arg.lower().startswith("ext::"):
            an.add_code("dynamic", "git ext:: transport", arg, frame)
    if i >= len(args):
        return
    sub = args[i]
    inner = frame.inner(f"git {sub}")
    if sub == "config":
        _git_config(an, rest, frame)
    elif sub == "rebase" or sub in _GIT_COMMAND_OPT_SUBCOMMANDS or sub == "difftool":
        command_opts = {"-x", "--exec", "--extcmd"} if sub in ("rebase", "difftool") else _GIT_COMMAND_OPTS
        if sub == "push":
            command_opts = {"--receive-pack", "--exec"}
        for j, arg in enumerate(rest):
            if arg is None:
                continue
            option, eq, value = arg.partition("=")
            if option in command_opts:
                an.code(value if eq else (rest[j + 1] if j + 1 < len(rest) else None), frame, f"git {sub} {option}")
            elif sub == "clone" and option in ("-c", "--config"):
                _git_config_pair(
                    an, value if eq else (rest[j + 1] if j + 1 < len(rest) else None), frame, "git clone -c"
                )
    elif sub == "bisect" and rest[:1] == ["run"]:
        an.run(list(rest[1:]), None, inner)
    elif sub == "submodule" and "foreach" in rest:
        command = [a for a in rest[rest.index("foreach") + 1 :] if a not in ("--recursive", "-q", "--quiet")]
        an.code(_joined(command), frame, "git submodule foreach")
    elif sub == "filter-branch":
        for j, arg in enumerate(rest):
            if arg is not None and (arg.endswith("-filter") or arg == "--setup") and arg.startswith("--"):
                an.code(rest[j + 1] if j + 1 < len(rest) else None, frame, f"git filter-branch {arg}")


def package_bin(package: str | None) -> str | None:
    """The program a package spec given to npx/uvx/pipx provides: `@scope/jest@29` is jest; URLs, git
    specs and paths are unknown."""
    if package is None:
        return None
    if ":" in package or package.startswith((".", "/", "~")):
        return None
    if package.startswith("@"):
        if package.count("/") != 1:
            return None
        package = package.split("/", 1)[1]
    elif "/" in package:
        return None
    name = re.split(r"[@=<>~!\[]", package, maxsplit=1)[0]
    return name or None


_NPX_OPTS = spec(
    "-p --package -w --workspace --node-options",
    "-y --yes --no -q --quiet --ignore-existing --no-install --prefer-offline --prefer-online --offline "
    "--ws --workspaces --include-workspace-root",
    code="-c --call",
)


def _exec_package(an: Analyzer, name: str, args: Argv, stdin: Any, frame: Any, opts: OptSpec, *, package: bool) -> None:
    """`npx [opts] pkg args` and its relatives: the package's program runs."""
    parsed = parse_options(args, opts)
    for text in parsed.code:
        an.code(text, frame, f"{name} -c")
    if parsed.command is None:
        an.add(Execution("program", None, (), frame.inner(name).via))
        return
    if not parsed.command:
        return
    command = list(parsed.command)
    program = package_bin(command[0]) if package else command[0]
    if program is None:
        an.add(Execution("program", None, tuple(command[1:]), frame.inner(name).via, word=command[0]))
        return
    an.run([program, *command[1:]], stdin, frame.inner(name))


def npx(an: Analyzer, word: str, name: str, args: Argv, stdin: Any, frame: Any) -> None:
    _add_program(an, word, name, args, frame)
    _exec_package(an, name, args, stdin, frame, _NPX_OPTS, package=True)


_NPM_VALUE = frozenset({"--prefix", "-w", "--workspace", "--registry", "--loglevel", "--cache", "-C"})


def npm(an: Analyzer, word: str, name: str, args: Argv, stdin: Any, frame: Any) -> None:
    _add_program(an, word, name, args, frame)
    npm_commands.code_options(an, name, args, frame)
    i = 0
    while i < len(args) and args[i] is not None and str(args[i]).startswith("-"):
        i += 2 if args[i] in _NPM_VALUE else 1
    if i >= len(args):
        return
    sub = args[i]
    rest = args[i + 1 :]
    if sub is None:
        an.add_code("dynamic", name, None, frame)
    elif sub in ("exec", "x", "dlx") and name.lower() in ("npm", "pnpm", "yarn"):
        _exec_package(
            an, f"{name} {sub}", rest, stdin, frame, _NPX_OPTS, package=sub != "exec" or name.lower() == "npm"
        )
    else:
        npm_commands.subcommand(an, name, sub, rest, stdin, frame)


_UV_RUN_OPTS = spec(
    "--with --with-editable --with-requirements --python -p --package --extra --group --env-file --directory "
    "--project --index --index-url --extra-index-url -f --find-links --from --only-group",
    "--no-sync --frozen --locked --isolated --no-project --all-extras --no-dev --dev -q --quiet -v --verbose "
    "--offline --active --no-env-file --all-packages --exact",
)
_PIPX_OPTS = spec("--spec --python --pip-args --index-url", "--no-cache -q --quiet -v --verbose --system-site-packages")
_POETRY_OPTS = spec(
    "-P --project -C --directory", "-q --quiet -v -vv -vvv --verbose -n --no-interaction --ansi --no-ansi"
)
_CONDA_OPTS = spec("-n --name -p --prefix --cwd", "--no-capture-output --live-stream -v --verbose")
_PLAIN_RUN_OPTS = spec("", "-q --quiet -v --verbose")


def _run_subcommand(subcommands: dict[str, tuple[OptSpec, bool]]) -> Callable[..., None]:
    """`uv run X`, `poetry run X`, `bundle exec X`: the subcommand runs a program."""

    def handler(an: Analyzer, word: str, name: str, args: Argv, stdin: Any, frame: Any) -> None:
        _add_program(an, word, name, args, frame)
        if not args or args[0] is None:
            if args:
                an.add_code("dynamic", name, None, frame)
            return
        chosen = subcommands.get(args[0])
        rest = args[1:]
        if chosen is None and args[0] == "tool" and rest[:1] == ["run"]:
            chosen, rest = subcommands.get("tool run"), rest[1:]
        if chosen is not None:
            opts, package = chosen
            _exec_package(an, f"{name} {args[0]}", rest, stdin, frame, opts, package=package)

    return handler


def _direct_package(opts: OptSpec) -> Callable[..., None]:
    """`uvx X`, `bunx X`: the launcher's first operand is a package whose program runs."""

    def handler(an: Analyzer, word: str, name: str, args: Argv, stdin: Any, frame: Any) -> None:
        _add_program(an, word, name, args, frame)
        _exec_package(an, name, args, stdin, frame, opts, package=True)

    return handler


def bun(an: Analyzer, word: str, name: str, args: Argv, stdin: Any, frame: Any) -> None:
    _add_program(an, word, name, args, frame)
    if args[:1] == ["x"]:
        _exec_package(an, "bun x", args[1:], stdin, frame, _NPX_OPTS, package=True)
        return
    for j, arg in enumerate(args):
        if arg is None:
            an.add_code("dynamic", name, None, frame)
            return
        option, eq, value = arg.partition("=")
        if option in ("-e", "--eval", "-p", "--print"):
            an.add_code("inline", name, value if eq else (args[j + 1] if j + 1 < len(args) else None), frame)
            return
        if not arg.startswith("-"):
            return


def deno(an: Analyzer, word: str, name: str, args: Argv, stdin: Any, frame: Any) -> None:
    _add_program(an, word, name, args, frame)
    if args[:1] == ["eval"]:
        code = next((a for a in args[1:] if a is None or not a.startswith("-")), None)
        an.add_code("inline", name, code, frame)


LAUNCHERS: dict[str, Callable[..., None]] = {
    "git": git,
    "npx": npx,
    "npm": npm,
    "pnpm": npm,
    "yarn": npm,
    "bunx": _direct_package(_NPX_OPTS),
    "bun": bun,
    "deno": deno,
    "uvx": _direct_package(_UV_RUN_OPTS),
    "uv": _run_subcommand({"run": (_UV_RUN_OPTS, False), "tool run": (_UV_RUN_OPTS, True)}),
    "pipx": _run_subcommand({"run": (_PIPX_OPTS, True)}),
    "poetry": _run_subcommand({"run": (_POETRY_OPTS, False)}),
    "pdm": _run_subcommand({"run": (_PLAIN_RUN_OPTS, False)}),
    "pipenv": _run_subcommand({"run": (_PLAIN_RUN_OPTS, False)}),
    "hatch": _run_subcommand({"run": (_PLAIN_RUN_OPTS, False)}),
    "bundle": _run_subcommand({"exec": (_PLAIN_RUN_OPTS, False)}),
    "conda": _run_subcommand({"run": (_CONDA_OPTS, False)}),
    "mamba": _run_subcommand({"run": (_CONDA_OPTS, False)}),
}
