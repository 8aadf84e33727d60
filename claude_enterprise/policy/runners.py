"""Everyday programs with an option or argument that is itself a command line.

Under a deny list these would hide a denied program (`man -P 'sudo id' ls`, `ssh -o ProxyCommand=...`,
`tar --to-command=...`, `tmux new-session 'cmd'`, `echo cmd | at now`), so the command is analysed
like any other shell code. The program itself is judged as usual.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .model import Execution
from .options import parse_options, spec

if TYPE_CHECKING:
    from .analysis import Analyzer

Argv = list[str | None]

_SSH_OPTION = re.compile(r"\s*([A-Za-z0-9]+)\s*(?:=|\s)\s*(.*)", re.S)
_SSH_CODE_KEYS = ("proxycommand", "localcommand", "knownhostscommand", "remotecommand_local")
_TMUX_RUNS = frozenset(
    {
        "new", "new-session", "new-window", "neww", "split-window", "splitw", "respawn-pane", "respawnp",
        "respawn-window", "respawnw", "run-shell", "run", "if-shell", "if", "pipe-pane", "pipep",
        "display-popup", "popup", "send-keys", "send",
    }
)  # fmt: skip
_TMUX_VALUE = frozenset({"-s", "-n", "-t", "-c", "-e", "-F", "-x", "-y", "-l", "-L", "-w", "-f", "-S", "-T"})
_TMUX_KEYS = frozenset({"Enter", "C-m", "C-j", "KPEnter"})


def _program(an: Analyzer, word: str, name: str, args: Argv, frame: Any) -> None:
    an.add(Execution("program", name, tuple(args), frame.via, word=word))


def _option_values(args: Argv, names: tuple[str, ...]) -> list[str | None]:
    """Values of options given as `-x V`, `-xV`, `--long V` or `--long=V`."""
    values: list[str | None] = []
    for i, arg in enumerate(args):
        if arg is None:
            continue
        for name in names:
            if arg == name:
                values.append(args[i + 1] if i + 1 < len(args) else None)
            elif name.startswith("--") and arg.startswith(name + "="):
                values.append(arg[len(name) + 1 :])
            elif not name.startswith("--") and arg.startswith(name) and len(arg) > len(name):
                values.append(arg[len(name) :])
    return values


def _with_code_options(*names: str) -> Callable[..., None]:
    """Programs whose listed options carry a command line (`man -P`, `tar --to-command`)."""

    def handler(an: Analyzer, word: str, name: str, args: Argv, stdin: Any, frame: Any) -> None:
        _program(an, word, name, args, frame)
        for value in _option_values(args, names):
            an.code(value, frame, f"{name} option")

    return handler


def _tar(an: Analyzer, word: str, name: str, args: Argv, stdin: Any, frame: Any) -> None:
    _program(an, word, name, args, frame)
    code_options = ("--to-command", "--use-compress-program", "-I", "--rsh-command", "--info-script",
                    "--new-volume-script", "-F")  # fmt: skip
    for value in _option_values(args, code_options):
        an.code(value, frame, "tar option")
    for value in _option_values(args, ("--checkpoint-action",)):
        if value is None or value.startswith("exec="):
            an.code(None if value is None else value[5:], frame, "tar --checkpoint-action")


def _ssh(an: Analyzer, word: str, name: str, args: Argv, stdin: Any, frame: Any) -> None:
    _program(an, word, name, args, frame)
    for value in _option_values(args, ("-o",)):
        # ssh_config syntax: `Key=Value` or `Key Value`.
        match = _SSH_OPTION.match(value or "")
        if value is None or match is None or match.group(1).lower() in _SSH_CODE_KEYS:
            label = match.group(1) if match else "?"
            an.code(match.group(2) if match and value is not None else None, frame, f"{name} -o {label}")
    for value in _option_values(args, ("-F",)):
        an.add_code("config", f"{name} -F", value, frame)
    if name.lower() in ("scp", "sftp"):
        for value in _option_values(args, ("-S",)):
            an.run([value], None, frame.inner(f"{name} -S"))


def _tmux(an: Analyzer, word: str, name: str, args: Argv, stdin: Any, frame: Any) -> None:
    _program(an, word, name, args, frame)
    i = 0
    while i < len(args) and args[i] is not None and str(args[i]).startswith("-"):
        i += 2 if args[i] in ("-L", "-S", "-f", "-c", "-T") else 1
    if i >= len(args):
        return
    sub = args[i]
    if sub is None:
        an.add_code("dynamic", name, None, frame)
        return
    if sub not in _TMUX_RUNS:
        return
    rest = args[i + 1 :]
    j = 0
    while j < len(rest) and rest[j] is not None and str(rest[j]).startswith("-"):
        j += 2 if rest[j] in _TMUX_VALUE else 1
    command = [a for a in rest[j:] if a not in _TMUX_KEYS]
    if command:
        an.code(None if None in command else " ".join(a for a in command if a is not None), frame, f"tmux {sub}")


def _screen(an: Analyzer, word: str, name: str, args: Argv, stdin: Any, frame: Any) -> None:
    _program(an, word, name, args, frame)
    if "-X" in args:
        rest = args[args.index("-X") + 1 :]
        if rest[:1] == ["stuff"] or None in rest[:1]:
            an.code(rest[1] if len(rest) > 1 else None, frame, "screen -X stuff")
        return
    i = 0
    while i < len(args):
        arg = args[i]
        if arg is None:
            an.add_code("dynamic", name, None, frame)
            return
        if not arg.startswith("-"):
            break
        # -S name, -t title...; also at the end of a cluster (`-dmS name`).
        takes_value = arg in ("-Logfile", "-logfile") or (arg[1:].isalpha() and arg[-1] in "StcspehT")
        i += 2 if takes_value else 1
    if i < len(args):
        an.run(list(args[i:]), None, frame.inner(name))


_SCRIPT_OPTS = spec(
    "-E --echo -m --logging-format",
    "-a --append -e --return -f --flush -q --quiet --force",
    code="-c --command",
    writes="-T --log-timing -I --log-in -O --log-out -B --log-io",
)


def _script(an: Analyzer, word: str, name: str, args: Argv, stdin: Any, frame: Any) -> None:
    """script [-c command] [typescript-file]: runs the command, records to the file."""
    _program(an, word, name, args, frame)
    parsed = parse_options(args, _SCRIPT_OPTS)
    if parsed.command is None:
        an.add_code("dynamic", name, None, frame)
        return
    for text in parsed.code:
        an.code(text, frame, "script -c")
    for target in [*parsed.writes, *parsed.command[:1]]:
        an.add_write(target, "script")


def _at(an: Analyzer, word: str, name: str, args: Argv, stdin: Any, frame: Any) -> None:
    """at/batch read the commands to schedule from stdin (or a file given with -f)."""
    _program(an, word, name, args, frame)
    if stdin is not None and not _option_values(args, ("-f",)):
        an.stdin_code(name, stdin, frame, shell=True)


def _gdb(an: Analyzer, word: str, name: str, args: Argv, stdin: Any, frame: Any) -> None:
    _program(an, word, name, args, frame)
    for value in _option_values(args, ("-ex", "--eval-command", "-iex", "--init-eval-command")):
        an.add_code("inline", name, value, frame)
    if "--args" in args:
        an.run(list(args[args.index("--args") + 1 :]), None, frame.inner("gdb --args"))


RUNNERS: dict[str, Callable[..., None]] = {
    "man": _with_code_options("-P", "--pager"),
    "sort": _with_code_options("--compress-program"),
    "zip": _with_code_options("-TT", "--unzip-command"),
    "rsync": _with_code_options("-e", "--rsh"),
    "tar": _tar,
    "gtar": _tar,
    "bsdtar": _tar,
    "ssh": _ssh,
    "scp": _ssh,
    "sftp": _ssh,
    "tmux": _tmux,
    "screen": _screen,
    "script": _script,
    "at": _at,
    "batch": _at,
    "gdb": _gdb,
}
