"""Bash builtins that run code or change where later commands run: eval, source, trap, alias, cd,
command, exec, builtin, hash, enable.

Handlers share the signature of every registry in handlers.py: `(analyzer, word, name, args, stdin, frame)`.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from typing import TYPE_CHECKING

from .directories import cd_target, climbs, join_cwd
from .model import Execution

if TYPE_CHECKING:
    from .analysis import Analyzer, Frame, Stdin

Argv = list[str | None]

MAX_CWDS = 16  # possible working directories tracked before they collapse to "unknown"


def _eval(an: Analyzer, word: str, name: str, args: Argv, stdin: Stdin, frame: Frame) -> None:
    an.add(Execution("program", name, tuple(args), frame.via, word=word))
    text = None if any(a is None for a in args) else " ".join(a for a in args if a is not None)
    an.code(text, frame, "eval")


def _source(an: Analyzer, word: str, name: str, args: Argv, stdin: Stdin, frame: Frame) -> None:
    an.add(Execution("program", name, tuple(args), frame.via, word=word))
    an.add_code("source", args[0] if args and args[0] else "?", None, frame)


def _trap(an: Analyzer, word: str, name: str, args: Argv, stdin: Stdin, frame: Frame) -> None:
    an.add(Execution("program", name, tuple(args), frame.via, word=word))
    if len(args) >= 2 and (args[0] is None or not args[0].startswith("-")):
        an.code(args[0], frame, "trap")


def _alias(an: Analyzer, word: str, name: str, args: Argv, stdin: Stdin, frame: Frame) -> None:
    an.add(Execution("program", name, tuple(args), frame.via, word=word))
    for arg in args:
        if arg is None:
            an.add_code("dynamic", "alias", None, frame)
            continue
        alias_name, eq, value = arg.partition("=")
        if eq:
            an.aliases[alias_name] = value
            an.code(value, frame, f"alias {alias_name}")


def _cd(an: Analyzer, word: str, name: str, args: Argv, stdin: Stdin, frame: Frame) -> None:
    an.add(Execution("program", name, tuple(args), frame.via, word=word))
    target, searched = cd_target(name, args)
    new = [join_cwd(cwd, target) for cwd in an.cwds]
    # Directories CDPATH may redirect (and those below them): unknown if the command sets CDPATH.
    an.cdpath_cwds.update(n for n, c in zip(new, an.cwds, strict=True) if searched or c in an.cdpath_cwds)
    # Likewise `..` from a directory entered by name, if bash follows links physically.
    an.physical = an.physical or any(a is not None and a.startswith("-") and "P" in a for a in args)
    climbing = target is not None and climbs(target)
    an.climbed_cwds.update(
        n for n, c in zip(new, an.cwds, strict=True) if (climbing and c != "") or c in an.climbed_cwds
    )
    an.last_cd = list(dict.fromkeys(new))
    merged = list(dict.fromkeys([*an.cwds, *new]))
    an.cwds = merged if len(merged) <= MAX_CWDS else [*merged[: MAX_CWDS - 1], None]


def _command_builtin(an: Analyzer, word: str, name: str, args: Argv, stdin: Stdin, frame: Frame) -> None:
    i = 0
    while i < len(args) and args[i] in ("-p", "-v", "-V", "-pv", "-pV", "--"):
        if args[i] in ("-v", "-V", "-pv", "-pV"):
            an.add(Execution("program", "type", tuple(args), frame.via, word=word))
            return
        i += 1
    an.add(Execution("wrapper", name, tuple(args), frame.via, word=word))
    an.run(args[i:], stdin, frame.inner(name))


def _exec(an: Analyzer, word: str, name: str, args: Argv, stdin: Stdin, frame: Frame) -> None:
    an.add(Execution("wrapper", name, tuple(args), frame.via, word=word))
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "-a":
            i += 2
        elif arg in ("-c", "-l", "-cl", "-lc"):
            i += 1
        elif arg == "--":
            i += 1
            break
        else:
            break
    an.run(args[i:], stdin, frame.inner(name))


def _builtin(an: Analyzer, word: str, name: str, args: Argv, stdin: Stdin, frame: Frame) -> None:
    an.add(Execution("wrapper", name, tuple(args), frame.via, word=word))
    an.run(args, stdin, frame.inner(name))


def _hash(an: Analyzer, word: str, name: str, args: Argv, stdin: Stdin, frame: Frame) -> None:
    """`hash -p PATH NAME` makes NAME run PATH: the path is judged now, later calls of NAME as it."""
    an.add(Execution("program", name, tuple(args), frame.via, word=word))
    if "-p" in args:
        index = args.index("-p")
        path = args[index + 1] if index + 1 < len(args) else None
        an.run([path], None, frame.inner("hash -p"))
        for alias in args[index + 2 :]:
            if alias is not None and path is not None:
                an.aliases[alias] = shlex.quote(path)


def _enable(an: Analyzer, word: str, name: str, args: Argv, stdin: Stdin, frame: Frame) -> None:
    """`enable -f library.so NAME` loads a shared object into the shell: opaque code."""
    an.add(Execution("program", name, tuple(args), frame.via, word=word))
    if any(a is None or (a.startswith("-") and "f" in a) for a in args):
        an.add_code("config", "enable -f", None, frame)


# Every name here is a builtin only: `/usr/bin/eval` is no builtin, so a path is just a program.
BUILTINS: dict[str, Callable[..., None]] = {
    "eval": _eval,
    "source": _source,
    ".": _source,
    "trap": _trap,
    "alias": _alias,
    "cd": _cd,
    "pushd": _cd,
    "popd": _cd,
    "command": _command_builtin,
    "exec": _exec,
    "builtin": _builtin,
    "hash": _hash,
    "enable": _enable,
}
