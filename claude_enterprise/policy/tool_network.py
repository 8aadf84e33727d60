"""Hosts allowed tools reach through their configuration rather than their operands.

A registry, index or proxy can be named by an option in any spelling the tool accepts (`-iURL`,
`--index-u URL`, `--reg=URL`, `--@scope:registry=URL`), by a setting (`git -c remote.origin.url=`,
`npm config set registry`, `git config http.proxy`) or by an environment variable (`PIP_INDEX_URL`,
`npm_config_registry`, `HTTPS_PROXY`). Each becomes a "network" Execution carrying the value, judged
against the profile's domains; a value only known at run time reaches an unknown host.

Decided on purpose: an abbreviation matches every long option it is a prefix of (at least three letters
after the dashes). A real ambiguity makes the tool refuse to run, so reading one as a network option
only ever adds scrutiny.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from .model import Execution
from .npm_commands import config_set_pairs, setting_name
from .web import hosts_in_argument

if TYPE_CHECKING:
    from .analysis import Analyzer

_MIN_ABBREVIATION = 3
_PIP_LONG = ("index-url", "extra-index-url", "find-links", "proxy", "index")
_PIP_SHORT = frozenset("if")
# pip's other short options that take a value: a cluster ends at them (`-ri` is `-r i`).
_PIP_SHORT_VALUE = frozenset("rcetdwbs")
_NPM_LONG = ("registry", "proxy", "https-proxy")
_NPM_SCOPED_REGISTRY = re.compile(r"@[^:/\s]+:registry")
_GIT_NETWORK_KEY = re.compile(r"remote\..+\.(url|pushurl|proxy)|https?\.(.+\.)?proxy|submodule\..+\.url")
_GIT_NETWORK_SUBCOMMANDS = frozenset({"clone", "fetch", "pull", "push", "ls-remote", "remote", "submodule", "archive"})
_PROXY_VARIABLES = frozenset({"http_proxy", "https_proxy", "all_proxy", "ftp_proxy"})
_PIP_VARIABLES = frozenset({"index_url", "extra_index_url", "find_links", "proxy", "index"})
_OTHER_VARIABLES = frozenset(
    {"yarn_registry", "yarn_npm_registry_server", "uv_index_url", "uv_extra_index_url", "uv_default_index", "uv_index"}
)
_SCP_PATH = re.compile(r"(?:[^@/\s]*@)?([^:/\s]+):")  # git's `host:path`, ssh without a scheme
_HOST_PORT = re.compile(r"(?:[^@/\s]*@)?(\[[^\]]*\]|[^:/\s]+)(?::\d*)?(?:/.*)?")


def setting_hosts(value: str | None, *, bare_host: bool = False) -> list[str | None]:
    """Hosts a registry, index or proxy setting names; None stands for one that cannot be determined.
    Without a scheme, an index or registry value is a local path (pip and npm read it so), but a proxy
    or a git remote value is a host (`host:port`, `host:path`) when `bare_host` says so."""
    if value is None:
        return [None]
    value = value.strip()
    hosts = hosts_in_argument(value)
    if hosts or not bare_host or not value or value.startswith(("/", ".", "~", "file:")):
        return hosts
    match = _HOST_PORT.fullmatch(value) or _SCP_PATH.match(value)
    return [match.group(1)] if match else [None]


def add_reach(an: Analyzer, label: str, value: str | None, frame: Any, *, bare_host: bool) -> None:
    """Record that the command would contact the host(s) `value` names (origin "host": a value without
    a scheme is a host, see setting_hosts)."""
    an.add(Execution("network", label, (value,), frame.via, origin="host" if bare_host else "", word=label))


def check_variable(an: Analyzer, name: str, value: str | None, frame: Any) -> None:
    """`PIP_INDEX_URL=...`, `npm_config_registry=...`, `HTTPS_PROXY=...` (any case: fail closed)."""
    lowered = name.lower()
    if (
        lowered in _PROXY_VARIABLES
        or lowered in _OTHER_VARIABLES
        or (lowered.startswith("pip_") and lowered[4:] in _PIP_VARIABLES)
        or (lowered.startswith("npm_config_") and setting_name(name[11:]) in _NPM_LONG)
    ):
        add_reach(an, f"${name}", value, frame, bare_host=lowered.endswith("proxy"))


def check_git_setting(an: Analyzer, key: str, value: str | None, frame: Any, label: str) -> None:
    """`remote.origin.url`, `http.proxy`... given with `git -c`, `git config` or `git clone -c`."""
    if _GIT_NETWORK_KEY.fullmatch(key.lower()):
        add_reach(an, f"{label} {key}", value, frame, bare_host=True)


def _long_matches(option: str, names: tuple[str, ...]) -> list[str]:
    name = option[2:]
    if name in names:
        return [name]
    return [n for n in names if n.startswith(name)] if len(name) >= _MIN_ABBREVIATION else []


def _long_values(args: tuple[str | None, ...], names: tuple[str, ...]) -> list[tuple[bool, str | None]]:
    """(names a proxy, value) of each long option in `names`, abbreviated or not."""
    values: list[tuple[bool, str | None]] = []
    for i, arg in enumerate(args):
        if arg is None or not arg.startswith("--") or arg == "--":
            continue
        option, eq, value = arg.partition("=")
        matches = _long_matches(option, names)
        if matches or (names is _NPM_LONG and _NPM_SCOPED_REGISTRY.fullmatch(option[2:])):
            proxy = any(m.endswith("proxy") for m in matches)
            values.append((proxy, value if eq else (args[i + 1] if i + 1 < len(args) else None)))
    return values


def _pip_short_values(args: tuple[str | None, ...]) -> list[tuple[bool, str | None]]:
    """`-i URL`, `-iURL`, `-Ui URL`: optparse clusters flags before an option that takes a value."""
    values: list[tuple[bool, str | None]] = []
    for i, arg in enumerate(args):
        if arg is None or not arg.startswith("-") or arg.startswith("--"):
            continue
        for j in range(1, len(arg)):
            letter = arg[j]
            if letter in _PIP_SHORT:
                values.append((False, arg[j + 1 :] or (args[i + 1] if i + 1 < len(args) else None)))
                break
            if letter in _PIP_SHORT_VALUE:
                break
    return values


def _git_remote_urls(args: tuple[str | None, ...]) -> list[str | None]:
    """The URL operand of `git clone URL`, `git remote add NAME URL`, `git remote set-url NAME URL`:
    there a `host:path` is ssh (elsewhere it may be a refspec, `main:feature`)."""
    operands = [a for a in args if a is None or not a.startswith("-")]
    urls: list[str | None] = []
    if "clone" in operands:
        # Option values are among these operands; only a word with a colon can be a remote.
        urls = operands[operands.index("clone") + 1 :]
    elif operands[:2] in (["remote", "add"], ["remote", "set-url"]):
        urls = operands[3:4]
    return [url for url in urls if url is None or ":" in url]


def option_hosts(tool: str, args: tuple[str | None, ...]) -> list[str | None]:
    """Hosts named by `tool`'s network options and settings on its own command line."""
    values: list[tuple[bool, str | None]] = []
    if tool == "pip":
        values = [*_long_values(args, _PIP_LONG), *_pip_short_values(args)]
    elif tool in ("npm", "pnpm", "yarn"):
        values = _long_values(args, _NPM_LONG)
        operands = [a for a in args if a is None or not a.startswith("-")]
        if operands and operands[0] is not None:
            for key, value in config_set_pairs(operands[0], list(args[args.index(operands[0]) + 1 :])) or []:
                if key is None or setting_name(key) in _NPM_LONG or _NPM_SCOPED_REGISTRY.fullmatch(key):
                    values.append((key is not None and setting_name(key).endswith("proxy"), value))
    elif tool == "git" and _GIT_NETWORK_SUBCOMMANDS & {a for a in args if a is not None}:
        # `git push --repo=URL`, `git archive --remote=URL`: an attached value is no operand of its own.
        hosts = [h for a in args if a is not None and a.startswith("--") for h in hosts_in_argument(a)]
        return hosts + [h for url in _git_remote_urls(args) for h in setting_hosts(url, bare_host=True)]
    return [host for proxy, value in values for host in setting_hosts(value, bare_host=proxy)]
