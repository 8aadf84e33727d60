"""Files allowed tools write through their own options: reports, caches, install targets, formatted files.

`pytest --junitxml=/etc/x`, `pip install --target ~/x`, `black /elsewhere`, `git -C /other init`,
`GIT_TRACE=/path git status`: each is a write of that path, judged like a redirection (inside the
project only, under restricted). Decided on purpose:
- Formatters and fixers write their operands (`black`, `ruff format`, `ruff check --fix`, `eslint --fix`,
  `tsc file.ts` beside the file) unless told only to report (`--check`, `--diff`, `--noEmit`...).
- Where a tool accepts abbreviated long options (argparse, optparse, nopt), any prefix of three letters
  or more of a writing option counts as it, except the tool's own shorter options (`pip install --pre`).
- `pip install --user` writes the home directory, `npm -g` (and `npm link`) the global prefix, `npm
  config set` the user's `~/.npmrc`: outside the project. `pip install` into the active environment and
  npm's default cache stay allowed: they are how these tools work at all.
- git options that move the repository (`-C`, `--git-dir`, `--work-tree`) are writes of that directory,
  except for subcommands that only read it (`git -C ../lib log`).
"""

from __future__ import annotations

import posixpath
import shlex
from collections.abc import Callable
from typing import NamedTuple

Argv = list[str | None]
Found = list[tuple[str | None, str]]  # (path written or None when unknown, what writes it)
_MIN_ABBREVIATION = 3


class Options(NamedTuple):
    writes: frozenset[str]  # options whose value is a file or directory written
    value: frozenset[str] = frozenset()  # other options that take a value
    exact: frozenset[str] = frozenset()  # long options that are no abbreviation of a writing one
    abbreviations: bool = True
    fold_case: bool = False  # tsc: `--outdir` is `--outDir`


def _opts(
    writes: str, value: str = "", exact: str = "", *, abbreviations: bool = True, fold_case: bool = False
) -> Options:
    fold = str.lower if fold_case else str
    return Options(
        frozenset(map(fold, writes.split())),
        frozenset(map(fold, value.split())),
        frozenset(map(fold, exact.split())),
        abbreviations,
        fold_case,
    )


class Scan(NamedTuple):
    writes: list[tuple[str, str | None]]  # (option, value)
    operands: Argv
    flags: set[str]


def scan(args: Argv, opts: Options) -> Scan:
    """Split `args` into values of writing options, operands and the other options present."""
    writes: list[tuple[str, str | None]] = []
    operands: Argv = []
    flags: set[str] = set()
    i = 0
    while i < len(args):
        arg = args[i]
        nxt = args[i + 1] if i + 1 < len(args) else None
        if arg is None or not arg.startswith("-") or arg == "-":
            operands.append(arg)
        elif arg == "--":
            operands.extend(args[i + 1 :])
            break
        elif arg.startswith("--"):
            option, eq, value = arg.partition("=")
            key = option.lower() if opts.fold_case else option
            if key in opts.writes or _abbreviates(key, opts):
                writes.append((key, value if eq else nxt))
                i += 0 if eq else 1
            elif key in opts.value:
                i += 0 if eq else 1
            else:
                flags.add(key)
        else:
            for j in range(1, len(arg)):
                letter = "-" + arg[j]
                attached = arg[j + 1 :]
                if letter in opts.writes or letter in opts.value:
                    if letter in opts.writes:
                        writes.append((letter, attached or nxt))
                    i += 0 if attached else 1
                    break
                flags.add(letter)
        i += 1
    return Scan(writes, operands, flags)


def _abbreviates(option: str, opts: Options) -> bool:
    name = option[2:]
    if not opts.abbreviations or len(name) < _MIN_ABBREVIATION or option in opts.exact or option in opts.value:
        return False
    return any(w.startswith(option) for w in opts.writes if w.startswith("--"))


def _report_path(option: str, value: str | None) -> str | None:
    """`--cov-report=html:DIR` writes DIR; `-o cache_dir=DIR` moves pytest's cache to DIR."""
    if value is None:
        return None
    if option == "--cov-report":
        _, colon, path = value.partition(":")
        return path if colon and path else ""
    key, eq, path = value.partition("=")
    return path if eq and key.strip() == "cache_dir" else ""


_PYTEST = _opts(
    "--junitxml --junit-xml --basetemp --resultlog --result-log --log-file --html --report-log --rootdir "
    "--cov-report -o --override-ini",
    "-k -m -p -c --confcutdir -W --pythonwarnings --maxfail --tb --durations --deselect --ignore --ignore-glob "
    "--cov --import-mode --capture --log-level --log-file-level --log-format --log-cli-level -n --dist "
    "--timeout --reruns --cov-config --cov-fail-under --junit-prefix --color --code-highlight",
    "--co --lf --ff --nf --sw --pdb --cov",
)
_PYTEST_REPORTS = frozenset({"--cov-report", "-o", "--override-ini"})


def _pytest(args: Argv) -> Found:
    found: Found = []
    for option, value in scan(args, _PYTEST).writes:
        path = _report_path(option, value) if option in _PYTEST_REPORTS else value
        if path != "":
            found.append((path, f"pytest {option}"))
    found.extend((a[8:], "pytest --debug") for a in args if a is not None and a.startswith("--debug="))
    return found


_MYPY = _opts(
    "--cache-dir --junit-xml --html-report --txt-report --xml-report --linecount-report --linecoverage-report "
    "--any-exprs-report --cobertura-xml-report --lineprecision-report --xslt-html-report --xslt-txt-report "
    "--memory-xml-report",
    "--config-file --python-version -p --package -m --module -c --command --exclude --platform",
)
_JEST = _opts(
    "--outputFile --coverageDirectory --cacheDirectory", "-c --config -t --testNamePattern", abbreviations=False
)


def _options_only(tool: str, opts: Options) -> Callable[[Argv], Found]:
    def found(args: Argv) -> Found:
        return [(value, f"{tool} {option}") for option, value in scan(args, opts).writes]

    return found


_BLACK = _opts(
    "--cache-dir",
    "-l --line-length -t --target-version --include --exclude --extend-exclude --force-exclude "
    "--stdin-filename -W --workers --config --python-cell-magics --required-version -c --code "
    "--enable-unstable-feature",
)
_REPORT_ONLY = frozenset({"--check", "--diff", "-c", "--code", "--fix-dry-run", "--noemit", "--no-fix"})


def _targets(tool: str, found: Found, result: Scan, writes_operands: bool) -> Found:
    if writes_operands and not (result.flags & _REPORT_ONLY):
        found.extend((t, f"{tool} (rewrites the file)") for t in result.operands if t != "-")
    return found


def _black(args: Argv) -> Found:
    result = scan(args, _BLACK)
    found: Found = [(v, f"black {o}") for o, v in result.writes]
    return _targets("black", found, result, not any(o in ("-c", "--code") for o, _ in result.writes))


_RUFF = _opts(
    "--cache-dir -o --output-file",
    "--config --select --ignore --extend-select --extend-ignore --line-length --target-version --exclude "
    "--extend-exclude --per-file-ignores --extend-per-file-ignores --output-format --stdin-filename "
    "--fixable --unfixable --extend-fixable --dummy-variable-rgx --range --extension --preview-features",
)


def _ruff(args: Argv) -> Found:
    result = scan(args, _RUFF)
    found: Found = [(v, f"ruff {o}") for o, v in result.writes]
    sub = result.operands[0] if result.operands else None
    operands = result.operands[1:] if sub in ("check", "format") else result.operands
    rewrites = sub == "format" or bool(result.flags & {"--fix", "--fix-only", "--add-noqa"})
    return _targets("ruff", found, Scan(result.writes, operands, result.flags), rewrites)


_ESLINT = _opts(
    "-o --output-file --cache-location --cache-file",
    "-c --config --env --ext --global --parser --parser-options --plugin --rule --rulesdir "
    "--resolve-plugins-relative-to --ignore-path --ignore-pattern -f --format --max-warnings "
    "--report-unused-disable-directives-severity --stdin-filename --cache-strategy --flag",
    abbreviations=False,
)


def _eslint(args: Argv) -> Found:
    result = scan(args, _ESLINT)
    found: Found = [(v, f"eslint {o}") for o, v in result.writes]
    return _targets("eslint", found, result, "--fix" in result.flags)


_TSC = _opts(
    "--outDir --outFile --out --declarationDir --tsBuildInfoFile --generateTrace --generateCpuProfile",
    "-p --project -t --target -m --module --lib --jsx --moduleResolution --rootDir --baseUrl --types "
    "--typeRoots --locale --newLine --sourceRoot --mapRoot --jsxFactory --reactNamespace --build -b",
    abbreviations=False,
    fold_case=True,
)
_TS_SOURCE = (".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs")


def _tsc(args: Argv) -> Found:
    result = scan(args, _TSC)
    found: Found = [(v, f"tsc {o}") for o, v in result.writes]
    sources = [a for a in result.operands if a is None or a.lower().endswith(_TS_SOURCE)]
    # Without an output option, tsc emits each file's .js beside it.
    return _targets("tsc", found, Scan(result.writes, sources, result.flags), not result.writes)


_PIP = _opts(
    "-t --target --prefix --root --src -d --dest -w --wheel-dir --cache-dir --log --log-file --report",
    "-r --requirement -c --constraint -e --editable -i --index-url --extra-index-url -f --find-links "
    "--proxy --trusted-host --python-version --platform --implementation --abi --progress-bar "
    "--root-user-action --only-binary --no-binary --upgrade-strategy --config-settings -C --global-option "
    "--exists-action --retries --timeout --cert --client-cert --keyring-provider --python --use-feature "
    "--use-deprecated --group",
    "--pre --re",
)
_PIP_CONFIG_FILES = {"--user": "~/.config/pip/pip.conf", "--global": None, "--site": None}


def _pip(args: Argv) -> Found:
    result = scan(args, _PIP)
    found: Found = [(v, f"pip {o}") for o, v in result.writes]
    if "--user" in result.flags:
        found.append(("~/.local", "pip --user"))
    if result.operands[:1] == ["config"] and (result.operands[1:2] in (["set"], ["unset"], ["edit"])):
        scopes = [s for s in _PIP_CONFIG_FILES if s in result.flags]
        path = _PIP_CONFIG_FILES[scopes[0]] if scopes else "~/.config/pip/pip.conf"
        found.append((path, "pip config"))
    return found


_NPM = _opts(
    "--prefix -C --cache --pack-destination",
    "-w --workspace --registry --loglevel --userconfig --globalconfig --tag --otp --access --scope "
    "--location --before --omit --include --install-strategy --script-shell --node-options",
    "--pre",
)
_NPM_GLOBAL_ONLY = frozenset({"link", "ln"})


def _npm(args: Argv) -> Found:
    result = scan(args, _NPM)
    found: Found = [(v, f"npm {o}") for o, v in result.writes]
    location = next((a.split("=", 1)[1] for a in args if a is not None and a.startswith("--location=")), None)
    if "--location" in args:
        index = args.index("--location")
        location = args[index + 1] if index + 1 < len(args) else None
    global_ = bool(result.flags & {"-g", "--global"}) or location == "global"
    sub = result.operands[0] if result.operands else ""
    if (sub in ("config", "c") and result.operands[1:2] in (["set"], ["delete"], ["edit"])) or sub == "set":
        found.append((None if global_ else ".npmrc" if location == "project" else "~/.npmrc", "npm config"))
    elif global_ or (sub in _NPM_GLOBAL_ONLY and len(result.operands) == 1):
        found.append((None, "npm (global prefix)"))
    return found


_GIT_GLOBAL = _opts(
    "-C --git-dir --work-tree",
    "-c --config-env --namespace --super-prefix --list-cmds --attr-source",
    abbreviations=False,
)
_GIT_READS = frozenset(
    {
        "status", "log", "show", "diff", "blame", "grep", "rev-parse", "ls-files", "ls-tree", "cat-file",
        "describe", "shortlog", "show-ref", "for-each-ref", "rev-list", "name-rev", "merge-base", "help",
        "version", "var", "whatchanged", "ls-remote", "count-objects", "cherry", "annotate", "show-branch",
    }
)  # fmt: skip
_GIT_SUBCOMMAND_OPTS: dict[str, Options] = {
    "clone": _opts("--separate-git-dir", "-o --origin -b --branch -u --upload-pack --reference --depth "
                   "--shallow-since --shallow-exclude -j --jobs --template -c --config --filter --bundle-uri",
                   abbreviations=False),
    "init": _opts("--separate-git-dir", "--template -b --initial-branch --object-format --shared",
                  abbreviations=False),
    "archive": _opts("-o --output", "--format --prefix --remote --exec --add-file --add-virtual-file",
                     abbreviations=False),
    "format-patch": _opts("-o --output-directory", "--subject-prefix -v --reroll-count --to --cc --from "
                          "--in-reply-to --base --suffix --signature --signature-file --range-diff "
                          "--interdiff --creation-factor --start-number --filename-max-length",
                          abbreviations=False),
    "bundle": _opts("", abbreviations=False),
    "worktree": _opts("", "-b -B --reason", abbreviations=False),
    "submodule": _opts("", "-b --branch --name --reference --depth", abbreviations=False),
    "bugreport": _opts("-o --output-directory", "-s --suffix", abbreviations=False),
    "diagnose": _opts("-o --output-directory", "-s --suffix --mode", abbreviations=False),
    "checkout-index": _opts("--prefix", "--stage", abbreviations=False),
}  # fmt: skip
# Operands that are paths written: (the action word before them, if any; index after it).
# `clone URL DIR`, `init DIR`, `bundle create FILE`, `worktree add DIR`, `submodule add URL DIR`.
_GIT_POSITIONAL = {"clone": ("", 1), "init": ("", 0), "bundle": ("create", 0), "worktree": ("add", 0),
                   "submodule": ("add", 1)}  # fmt: skip
# Diff-family output: `git diff --output=FILE`, also `git log -p --output=FILE`.
_GIT_OUTPUT = _opts("--output", abbreviations=False)


def _git(args: Argv) -> Found:
    i = 0
    base = ""  # where `-C` options lead, relative to the shell's directory
    moved: Found = []
    while i < len(args):
        arg = args[i]
        if arg is None or not arg.startswith("-"):
            break
        option, eq, value = arg.partition("=")
        takes = option in _GIT_GLOBAL.writes or option in _GIT_GLOBAL.value
        given = value if eq else (args[i + 1] if i + 1 < len(args) else None)
        if option == "-C":
            base = (_under(base, given) or "") if given is not None else ""
            moved.append((base if given is not None else None, "git -C"))
        elif option in _GIT_GLOBAL.writes:
            moved.append((_under(base, given), f"git {option}"))
        i += 1 if eq or not takes else 2
    sub = args[i] if i < len(args) else None
    rest = args[i + 1 :]
    found: Found = [(v, "git --output") for _, v in scan(rest, _GIT_OUTPUT).writes]
    opts = _GIT_SUBCOMMAND_OPTS.get(sub or "")
    if opts is not None:
        result = scan(rest, opts)
        found.extend((v, f"git {sub} {o}") for o, v in result.writes)
        action, index = _GIT_POSITIONAL.get(sub or "", ("-", 0))
        operands = result.operands
        if action == "" or operands[:1] == [action]:
            operands = operands[1:] if action else operands
            if len(operands) > index:
                found.append((operands[index], f"git {sub}"))
    found = [(_under(base, target), via) for target, via in found]
    return found if sub in _GIT_READS else [*moved, *found]


def _under(base: str, target: str | None) -> str | None:
    """A path given to git after `-C base` is relative to base."""
    if target is None or not base or target.startswith(("/", "~")):
        return target
    return posixpath.join(base, target)


TOOLS: dict[str, Callable[[Argv], Found]] = {
    "pytest": _pytest,
    "mypy": _options_only("mypy", _MYPY),
    "jest": _options_only("jest", _JEST),
    "black": _black,
    "ruff": _ruff,
    "eslint": _eslint,
    "tsc": _tsc,
    "pip": _pip,
    "npm": _npm,
    "pnpm": _npm,
    "yarn": _npm,
    "git": _git,
}

# Environment variables naming a file or directory a tool writes (GIT_TRACE=/path logs there).
_WRITE_VARIABLES = frozenset(
    {
        "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "MYPY_CACHE_DIR",
        "RUFF_CACHE_DIR", "BLACK_CACHE_DIR", "PIP_TARGET", "PIP_PREFIX", "PIP_ROOT", "PIP_SRC",
        "PIP_CACHE_DIR", "PIP_LOG", "PIP_LOG_FILE", "PIP_REPORT", "NPM_CONFIG_PREFIX", "NPM_CONFIG_CACHE",
        "NPM_CONFIG_USERCONFIG",
    }
)  # fmt: skip
_TRACE_NOT_A_FILE = frozenset({"", "0", "1", "2", "true", "false", "yes", "no", "on", "off"})


def variable_writes(name: str, value: str | None) -> Found:
    """Writes an assignment makes tools do: `GIT_TRACE2_EVENT=/tmp/x`, `PIP_TARGET=~/lib`,
    `PYTEST_ADDOPTS='--junitxml=/tmp/r.xml'`, `PIP_USER=1`, `npm_config_global=true`."""
    upper = name.upper()
    if upper.startswith("GIT_TRACE"):
        if value is None or (value.lower() not in _TRACE_NOT_A_FILE and not value.isdigit()):
            return [(value, f"${name}")]
        return []
    if upper in _WRITE_VARIABLES:
        return [(value, f"${name}")]
    if upper in ("PIP_USER", "NPM_CONFIG_GLOBAL"):
        if value is None or value.lower() not in ("", "0", "false", "no", "off"):
            return [("~/.local" if upper == "PIP_USER" else None, f"${name}")]
        return []
    if upper == "PYTEST_ADDOPTS":
        try:
            words = shlex.split(value) if value is not None else None
        except ValueError:
            words = None
        if words is None:
            return [(None, f"${name}")]
        return [(target, f"${name}: {via}") for target, via in _pytest(list(words))]
    return []
