"""Programs whose job is running other commands: su/runuser -c, find -exec, watch, busybox, parallel.

Unlike runners.py (everyday programs with one option that is a command line), these are dispatched before
the read-only and file-write tables, as the builtins are. Handlers share the signature of every registry in
handlers.py: `(analyzer, word, name, args, stdin, frame)`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .model import Execution
from .tables import SU_LIKE

if TYPE_CHECKING:
    from .analysis import Analyzer, Frame, Stdin

Argv = list[str | None]


def _su(an: Analyzer, word: str, name: str, args: Argv, stdin: Stdin, frame: Frame) -> None:
    an.add(Execution("program", name, tuple(args), frame.via, word=word))
    i = 0
    codes: list[str | None] = []
    while i < len(args):
        arg = args[i]
        if arg is None:
            codes.append(None)
            break
        if arg in SU_LIKE.code:
            codes.append(args[i + 1] if i + 1 < len(args) else None)
            i += 2
            continue
        if arg.startswith("--") and "=" in arg and arg.split("=", 1)[0] in SU_LIKE.code:
            codes.append(arg.split("=", 1)[1])
        elif arg in SU_LIKE.value:
            i += 1
        i += 1
    for code in codes:
        an.code(code, frame, f"{name} -c")


def _find(an: Analyzer, word: str, name: str, args: Argv, stdin: Stdin, frame: Frame) -> None:
    an.add(Execution("program", name, tuple(args), frame.via, word=word))
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in ("-exec", "-execdir", "-ok", "-okdir"):
            end = i + 1
            while end < len(args) and args[end] not in (";", "+"):
                end += 1
            an.run(list(args[i + 1 : end]), None, frame.inner(f"find {arg}"))
            i = end + 1
            continue
        if arg in ("-fprint", "-fprint0", "-fprintf", "-fls"):
            an.add_write(args[i + 1] if i + 1 < len(args) else None, f"find {arg}")
        i += 1


def _watch(an: Analyzer, word: str, name: str, args: Argv, stdin: Stdin, frame: Frame) -> None:
    an.add(Execution("wrapper", name, tuple(args), frame.via, word=word))
    i = 0
    exec_mode = False
    while i < len(args):
        arg = args[i]
        if arg is None:
            an.add(Execution("program", None, (), frame.via))
            return
        if arg in ("-n", "--interval", "-q", "--equexit"):
            i += 2
            continue
        if arg == "--":
            i += 1
            break
        if not arg.startswith("-"):
            break
        if arg in ("-x", "--exec"):
            exec_mode = True
        i += 1
    rest = args[i:]
    if exec_mode:
        an.run(rest, None, frame.inner(name))
    elif rest:
        # watch hands its arguments, joined by spaces, to `sh -c`.
        joined = None if any(a is None for a in rest) else " ".join(a for a in rest if a is not None)
        an.code(joined, frame, "watch")


def _busybox(an: Analyzer, word: str, name: str, args: Argv, stdin: Stdin, frame: Frame) -> None:
    an.add(Execution("program", name, tuple(args), frame.via, word=word))
    if args and (args[0] is None or not args[0].startswith("-")):
        an.run(args, stdin, frame.inner(name))


def _parallel(an: Analyzer, word: str, name: str, args: Argv, stdin: Stdin, frame: Frame) -> None:
    an.add(Execution("wrapper", name, tuple(args), frame.via, word=word))
    separators = {":::", "::::", ":::+", "::::+"}
    split = next((i for i, a in enumerate(args) if a in separators), len(args))
    head = args[:split]
    i = 0
    while i < len(head):
        arg = head[i]
        if arg is None or not arg.startswith("-"):
            break
        if arg in ("-j", "--jobs", "-N", "-n", "--max-args", "-I", "--colsep", "-d", "--delimiter"):
            i += 2
        elif arg in ("-k", "--keep-order", "-0", "--null", "-q", "--quote", "-v", "--verbose", "--dry-run"):
            i += 1
        else:
            an.add(Execution("program", None, (), frame.via))
            return
    command = head[i:]
    # GNU parallel runs its command template through a shell; with no template each input is one.
    templates = [command] if command else [[a] for a in args[split:] if a not in separators]
    for template in templates:
        text = None if any(a is None for a in template) else " ".join(a for a in template if a is not None)
        an.code(text, frame, "parallel")


PROGRAMS: dict[str, Callable[..., None]] = {
    "su": _su,
    "runuser": _su,
    "find": _find,
    "gfind": _find,
    "watch": _watch,
    "busybox": _busybox,
    "parallel": _parallel,
}
