"""The profile's shell rules applied to an analysis: one Decision with a rule id and a useful reason.

Order of checks, per execution in the order they would run: unknown program word, the agent's own
processes, deny list (with shutdown spelled `systemctl poweroff`, `telinit 0`), allow list (or a read-only
utility reading only project files), opaque code, destructive operation, network reach; then every file
the command writes (redirections, `tee`, and writers such as `cp`, `sed -i`, `tar -x`).
Doubtful cases, decided deliberately:
- Analysis failures (syntax errors, unsupported constructs, nesting too deep) are denied under every
  profile: the agent can always rephrase, and an attacker's best trick is the one we cannot parse.
- A command word that is not a literal (`$X`, `${X:-y}`, globs) is denied under every profile.
- A value only known at run time that bash evaluates as arithmetic or as an array subscript (`(( n ))`
  after `read n`, `$(( $(cmd) ))`, `unset "$name"`) is denied under every profile: bash expands
  `$(...)` inside it (arithmetic.py).
- Code read from a pipe (`... | sh`, `curl ... | python`) and code built at run time (`eval "$X"`,
  `python -c "$CODE"`, git `ext::`) are denied under every profile: they exist to hide what runs.
- Inline interpreter code (`python -c`, `node -e`, awk with `system()`, ...) is denied under an allow
  list: it can do anything the allow list exists to prevent. Under a deny list it is allowed, but when
  it can run programs its text is searched for denied program names and destructive commands, and
  calls that delete trees are destructive (inline_code.py).
- Read-only text filters (`cat head tail grep wc sort ...`, readonly.py) need not be allow-listed
  unless the profile sets `shell.read_only_utilities: false`; reads outside the project are denied.
- Killing every process or the agent's own (`kill -1`, `pkill -f claude-enterprise`) is denied under
  every profile (`shell.protected_process`).
- Opaque code that lives in files (a sourced file, git config that loads hooks, LD_PRELOAD, PATH) is
  denied under an allow list and allowed under a deny list, like running any script.
- Shell builtins that only touch the shell's own state (`cd`, `echo`, `export`, ...) need not be
  allow-listed; their redirections are still checked.
- Transparent wrappers (`timeout`, `nice`, `env`, `xargs`, `python -m`, ...) need not be allow-listed:
  the program they run is judged. Privilege changers (`sudo`, `doas`, `chroot`, ...) must be.
- Network: under a restricted network, URLs given to git, pip and npm must be on allowed domains, and
  `/dev/tcp` / `/dev/udp` redirections are denied. Shell writes to the agent's own settings and audit
  files are denied under every profile (`file.protected`).
- Files that configure allowed tools (`.git/config`, `.git/hooks/*`, `.npmrc`, `pip.conf`) may not be
  written under an allow list or a restricted network (`file.tool_config`): what they will say cannot
  be judged. Registries, indexes and proxies set by variables or settings are judged like URLs.
- Where a write lands: `cd` through CDPATH the command sets, `cd -`, `popd` and `a/..` lead somewhere
  unknown; after `ln`, an archive extraction, `git checkout`, `cp -r` or `mv` in the same command, a
  write may pass through a new link: a literal `ln` is followed, anything else is unknown
  (directories.py). Unknown places are outside the project.
- `rm -r` is destructive when a target is `/`, the home directory, the project itself, a path only
  known at run time, or outside the project; temporary directories (/tmp/x, /var/tmp/x) are allowed.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from .analysis import analyze
from .destructive import destructive
from .destructive_tools import tool_destructive
from .inline_code import runs_programs, tree_delete
from .model import Analysis, Decision, Execution, PolicyContext, Write
from .pathcheck import HARMLESS_TARGETS, write_allowed_inside, write_protected
from .readonly import UTILITIES, read_only_refusal
from .shutdown_and_kill import kills_the_agent, shutdown_names
from .tables import INERT_BUILTINS, canonical, interpreter_kind
from .tool_config_files import guards_tool_config, shell_write_tool_config
from .tool_network import option_hosts, setting_hosts
from .web import domain_allowed, hosts_in_argument

if TYPE_CHECKING:
    from ..profiles.model import Profile

_INLINE_DESTRUCTIVE = (
    (re.compile(r"\bterraform\b.*\bdestroy\b|\btofu\b.*\bdestroy\b", re.S), "terraform_destroy"),
    (re.compile(r"\bkubectl\b.*\bdelete\b", re.S), "kubectl_delete"),
    (re.compile(r"\bcdk\b.*\bdestroy\b|\bpulumi\b.*\b(destroy|down)\b", re.S), "cdk_destroy"),
    (re.compile(r"\baws\b.*\b(delete|terminate|remove|deregister)-", re.S), "aws_delete"),
    (re.compile(r"\.(delete|terminate|deregister)_\w+\s*\(|\brm\s+-\w*[rR]", re.S), "inline_delete"),
)
_READ_HINT = "Use the Read, Glob and Grep tools for files inside the project, or pipe an allowed tool's output."
_NETWORK_SUBCOMMANDS = {
    "git": frozenset({"clone", "fetch", "pull", "push", "ls-remote", "remote", "submodule", "archive"}),
    "pip": frozenset({"install", "download", "wheel", "index"}),
    "npm": frozenset(
        {
            "install",
            "i",
            "add",
            "ci",
            "update",
            "up",
            "upgrade",
            "in",
            "ins",
            "inst",
            "isntall",
            "exec",
            "x",
            "view",
            "info",
        }
    ),
    "pnpm": frozenset({"install", "i", "add", "update", "up", "dlx"}),
    "yarn": frozenset({"add", "install", "up", "upgrade", "dlx"}),
}
_NETWORK_OPTIONS = ("--index-url", "-i", "--extra-index-url", "-f", "--find-links", "--registry", "--trusted-host")


def _names(name: str, ctx: PolicyContext) -> tuple[str, str]:
    folded = name.casefold() if ctx.case_insensitive else name
    return folded, canonical(folded.lower() if ctx.case_insensitive else folded)


@lru_cache(maxsize=256)
def _entry_set(entries: tuple[str, ...], case_insensitive: bool) -> frozenset[str]:
    """A profile list as a set, built once per list (decisions look names up for every program)."""
    return frozenset(e.casefold() for e in entries) if case_insensitive else frozenset(entries)


def _listed(names: tuple[str, str], entries: tuple[str, ...], ctx: PolicyContext) -> bool:
    folded = _entry_set(entries, ctx.case_insensitive)
    return names[0] in folded or names[1] in folded


def _profile_label(profile_name: str) -> str:
    return f"the `{profile_name}` security profile"


def _deny(rule: str, reason: str, analysis: Analysis) -> Decision:
    return Decision(False, rule, reason, analysis.programs)


def _inline_denied_word(code: str, deny: tuple[str, ...], ctx: PolicyContext) -> str | None:
    flags = re.IGNORECASE if ctx.case_insensitive else 0
    for entry in deny:
        if re.search(rf"(?<![\w.-]){re.escape(entry)}(?![\w-])", code, flags):
            return entry
    return None


def _network_hosts(ex: Execution, key: str) -> list[str | None]:
    subcommands = _NETWORK_SUBCOMMANDS.get(key)
    if not subcommands:
        return []
    literal = [a for a in ex.args if a is not None]
    operands = [a for a in literal if not a.startswith("-")]
    if not operands or not subcommands & set(operands[:2]):
        return []
    hosts: list[str | None] = []
    args = list(ex.args)
    for i, arg in enumerate(args):
        if arg is None:
            continue
        option, eq, value = arg.partition("=")
        if option in _NETWORK_OPTIONS and key != "git":
            target = value if eq else (args[i + 1] if i + 1 < len(args) else None)
            if option == "--trusted-host":
                continue
            hosts.extend(setting_hosts(target))  # a local `--find-links ./wheels` names no host
        elif not arg.startswith("-"):
            hosts.extend(hosts_in_argument(arg, shorthand=key in ("npm", "pnpm", "yarn") and arg not in operands[:1]))
    return hosts


def decide_shell(command: str, profile: Profile, ctx: PolicyContext) -> Decision:
    """Decide one shell command under `profile` (a profiles.Profile)."""
    name: str = profile.name
    shell = profile.shell
    if shell.mode == "none":
        return Decision(
            False,
            "plan_only.no_shell",
            f"Shell commands are disabled by {_profile_label(name)}. Use the Read, Glob and Grep tools to "
            "inspect the code, and describe the commands you would run in your plan instead.",
        )
    analysis = analyze(command)
    if analysis.error is not None:
        rule = "shell.too_deep" if "deep" in analysis.error else "shell.unparseable"
        return _deny(
            rule,
            f"The command could not be analysed safely ({analysis.error}), so it was not run. Rewrite it as "
            "plain commands with literal program names, without eval, nested shells or unusual quoting.",
            analysis,
        )
    for ex in analysis.executions:
        decision = _judge_execution(ex, analysis, profile, ctx)
        if decision is not None:
            return decision
    for write in analysis.writes:
        decision = _judge_write(write, analysis, profile, ctx)
        if decision is not None:
            return decision
    mode = "allowlist" if shell.mode == "allowlist" else "denylist"
    return Decision(True, f"shell.{mode}.allowed", f"Allowed by {_profile_label(name)}.", analysis.programs)


def _judge_execution(ex: Execution, analysis: Analysis, profile: Profile, ctx: PolicyContext) -> Decision | None:
    pname: str = profile.name
    shell = profile.shell
    allowlist = shell.mode == "allowlist"
    if ex.kind == "code":
        return _judge_code(ex, analysis, profile, ctx)
    if ex.kind == "network":
        restricted = profile.network_access == "restricted"
        hosts = setting_hosts(ex.args[0], bare_host=ex.origin == "host") if restricted else []
        return _judge_hosts(ex, hosts, analysis, profile)
    if ex.name is None:
        return _deny(
            "shell.unknown_program",
            "A command name in this command is only known at run time (a variable, substitution or glob), "
            "so it cannot be checked. Write the program name literally.",
            analysis,
        )
    names = _names(ex.name, ctx)
    tool = names[1].lower()
    killed = kills_the_agent(ex, tool, analysis) if ex.kind in ("program", "wrapper") else None
    if killed is not None:
        return _deny(
            "shell.protected_process",
            f"{killed}, which would end the session's safety checks; no profile allows it. Stop your own "
            "processes by their exact id, or ask the user.",
            analysis,
        )
    also = [n for n in shutdown_names(ex, tool) if _listed((n, n), shell.deny, ctx)]
    if also:
        return _deny(
            f"shell.deny.{also[0]}",
            f"`{ex.name}` would {also[0]} the machine, which {_profile_label(pname)} blocks. Ask the user.",
            analysis,
        )
    if _listed(names, shell.deny, ctx):
        return _deny(
            f"shell.deny.{names[1]}",
            f"`{ex.name}` is blocked by {_profile_label(pname)}"
            + (f" (found via {' → '.join(ex.via)})" if ex.via else "")
            + ". Do not try to run it another way; use the dedicated tools (WebFetch for documentation, "
            "Read/Edit for files) or ask the user to run it.",
            analysis,
        )
    unlisted = allowlist and ex.kind == "program" and not _listed(names, shell.allow, ctx)
    if unlisted and names[0] not in INERT_BUILTINS and shell.read_only_utilities and tool in UTILITIES:
        # A read-only text filter: admitted while it reads only stdin and project files.
        refusal = read_only_refusal(ex, tool, ctx)
        if refusal is not None:
            rule, what = refusal
            return _deny(rule, f"{what}, which {_profile_label(pname)} does not allow. {_READ_HINT}", analysis)
    elif unlisted and names[0] not in INERT_BUILTINS:
        return _deny(
            "shell.allowlist.not_allowed",
            f"`{ex.name}` is not on the allow list of {_profile_label(pname)} "
            f"(allowed: {', '.join(shell.allow) or 'none'}). "
            "Use the Read, Glob and Grep tools to inspect files and the Edit/Write tools to change them, "
            "or one of the allowed programs.",
            analysis,
        )
    if shell.block_destructive and ex.kind in ("program", "wrapper"):
        finding = destructive(ex, tool, ctx) or tool_destructive(ex, tool, ctx)
        if finding is not None:
            suffix, what = finding
            return _deny(
                f"shell.destructive.{suffix}",
                f"Destructive operation blocked by {_profile_label(pname)}: {what}. Describe the change for "
                "the user to perform, or limit it to files inside the project.",
                analysis,
            )
    if profile.network_access == "restricted" and ex.kind == "program":
        return _judge_hosts(ex, [*_network_hosts(ex, tool), *option_hosts(tool, ex.args)], analysis, profile)
    return None


def _judge_hosts(ex: Execution, hosts: list[str | None], analysis: Analysis, profile: Profile) -> Decision | None:
    domains: tuple[str, ...] = profile.allowed_domains
    for host in hosts:
        if host is None or not domain_allowed(host, domains):
            return _deny(
                "shell.network.domain_not_allowed",
                f"`{ex.name}` would reach {('`' + host + '`') if host else 'a host that cannot be checked'}, "
                f"which {_profile_label(profile.name)} does not allow. Allowed domains: "
                f"{', '.join(domains) or 'none'}.",
                analysis,
            )
    return None


def _judge_code(ex: Execution, analysis: Analysis, profile: Profile, ctx: PolicyContext) -> Decision | None:
    pname: str = profile.name
    shell = profile.shell
    label = ex.name or "?"
    if ex.origin == "pipe":
        return _deny(
            "shell.code_from_pipe",
            f"`{label}` would run code read from a pipe, which cannot be checked. Save the code to a file in "
            "the project, show it to the user, and run it only if the profile allows.",
            analysis,
        )
    if ex.origin == "dynamic":
        return _deny(
            "shell.dynamic_code",
            f"`{label}` would run code that is only known at run time, which cannot be checked. Write the "
            "command out literally.",
            analysis,
        )
    if ex.origin == "arithmetic":
        return _deny(
            "shell.arithmetic_code",
            f"`{label}`: bash evaluates arithmetic, array subscripts and `[[ -gt ]]` operands recursively, "
            "expanding `$(...)` found in them, so a value only known at run time there can run commands. "
            'Compare numbers with `[ "$n" -gt 2 ]` (test does not evaluate them), keep subscripts literal, or '
            "write the value out.",
            analysis,
        )
    if shell.mode == "allowlist":
        if ex.origin == "inline":
            return _deny(
                "shell.inline_code",
                f"Inline code for `{label}` is not allowed by {_profile_label(pname)}: it could run anything. "
                "Write the code to a file inside the project and run it through an allowed tool (for "
                "example a test), or use the Edit tool.",
                analysis,
            )
        return _deny(
            f"shell.opaque_code.{ex.origin}",
            f"`{label}` would load code the policy cannot inspect ({ex.origin}), which "
            f"{_profile_label(pname)} does not allow. Run the allowed programs directly.",
            analysis,
        )
    if ex.origin == "inline" and ex.code is not None:
        kind = interpreter_kind(label.lower()) or label.lower()
        if shell.block_destructive and (what := tree_delete(ex.code, kind)) is not None:
            return _deny(
                f"shell.destructive.inline_{what}_delete",
                f"The inline `{label}` code deletes "
                + ("a directory tree" if what == "tree" else "cloud resources")
                + f", which {_profile_label(pname)} blocks. Delete files inside the project with `rm`, or "
                "describe the change for the user to perform.",
                analysis,
            )
        if not runs_programs(ex.code, kind):
            return None  # it only mentions names: without an execution primitive it cannot run them
        word = _inline_denied_word(ex.code, shell.deny, ctx)
        if word is not None:
            return _deny(
                f"shell.inline_code.deny.{word}",
                f"The inline `{label}` code mentions `{word}`, which {_profile_label(pname)} blocks. Do not "
                "run blocked programs from scripts either; ask the user to run it.",
                analysis,
            )
        if shell.block_destructive:
            for pattern, suffix in _INLINE_DESTRUCTIVE:
                if pattern.search(ex.code):
                    return _deny(
                        f"shell.destructive.{suffix}",
                        f"The inline `{label}` code looks like a destructive operation, which "
                        f"{_profile_label(pname)} blocks. Describe the change for the user to perform.",
                        analysis,
                    )
    return None


def _judge_write(write: Write, analysis: Analysis, profile: Profile, ctx: PolicyContext) -> Decision | None:
    pname: str = profile.name
    level: str = profile.file_write
    target = write.target
    if write_protected(target, write.cwds, ctx, write.tree):
        return _deny(
            "file.protected",
            f"`{target}` controls the agent's own settings or audit trail and may not be written. Ask the "
            "user to change it.",
            analysis,
        )
    if target is not None and target.startswith(("/dev/tcp/", "/dev/udp/")) and profile.network_access != "allow":
        return _deny(
            "shell.network.dev_tcp",
            f"`{target}` opens a network connection, which {_profile_label(pname)} does not allow. Use the "
            "WebFetch tool for allowed sites.",
            analysis,
        )
    if guards_tool_config(profile.shell.mode, profile.network_access):
        tool = shell_write_tool_config(target, write.cwds, ctx)
        if tool is not None:
            return _deny(
                "file.tool_config",
                f"`{target}` configures {tool} (commands it runs, hosts it contacts), which "
                f"{_profile_label(pname)} does not let a command change. Pass settings as command options, "
                "or ask the user to change the file.",
                analysis,
            )
    if level == "any" or target in HARMLESS_TARGETS:
        return None
    if level == "none":
        return _deny(
            "shell.write.disabled",
            f"Writing files is disabled by {_profile_label(pname)}; `{write.via}` would write "
            f"`{target or '?'}`. Print the output instead.",
            analysis,
        )
    if write.after_link is not None and None in write.cwds:
        return _deny(
            "shell.write.after_link",
            f"`{write.after_link}` earlier in this command can create symbolic links, so where `{write.via}` "
            f"writes is only known once it has run; {_profile_label(pname)} allows writes inside the project "
            "only. Run the write as a separate command afterwards.",
            analysis,
        )
    if not write_allowed_inside(target, write.cwds, ctx):
        return _deny(
            "shell.write.outside_project",
            f"`{write.via}` would write `{target or 'a path only known at run time'}` outside the project, "
            f"which {_profile_label(pname)} does not allow. Write inside the project directory "
            f"({', '.join(ctx.project_dirs) or 'none'}) with a literal path.",
            analysis,
        )
    return None
