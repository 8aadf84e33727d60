"""Files written by programs that write through their arguments, not through redirections.

`cp x ~/.claude/settings.json` writes the agent's own settings as surely as `> ~/.claude/settings.json`
does, so each writer's destinations become Writes and meet the same rules (protected files, project-only
writes). Option tables are deliberately loose: a value we mistake for an operand only adds a write, and
destinations are found from the end of the argument list (`cp SRC... DEST`) or from `-t DIR`.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from typing import NamedTuple

from .readonly import read_only_use


class FileWrite(NamedTuple):
    target: str | None
    via: str
    tree: bool = False  # the command may write anything below `target` (a directory it fills or removes)


# Options taking a separate value, so that value is not taken for a file operand.
_VALUE_OPTS = {
    "cp": frozenset({"-S", "--suffix"}),
    "mv": frozenset({"-S", "--suffix"}),
    "ln": frozenset({"-S", "--suffix"}),
    "install": frozenset({"-S", "--suffix", "-m", "--mode", "-o", "--owner", "-g", "--group", "--strip-program"}),
    "truncate": frozenset({"-s", "--size", "-r", "--reference"}),
    "shred": frozenset({"-n", "--iterations", "-s", "--size", "--random-source"}),
    "rm": frozenset(),
    "unlink": frozenset(),
}
_TARGET_DIR = frozenset({"-t", "--target-directory"})
_TAR_VALUE_LETTERS = "fCTXbgKLNVH"
_TAR_WRITE_MODES = frozenset("cruA")
# git subcommands that write the work tree (or, for clone, a new directory).
_GIT_TREE_WRITERS = frozenset(
    {
        "checkout", "switch", "restore", "reset", "merge", "pull", "stash", "rebase", "cherry-pick", "revert",
        "am", "apply", "clean", "read-tree", "checkout-index", "mv", "rm", "worktree",
    }
)  # fmt: skip
_GIT_GLOBAL_VALUE = frozenset({"-c", "--git-dir", "--namespace", "--exec-path", "--config-env", "--super-prefix"})


def _at(args: tuple[str | None, ...], i: int) -> str | None:
    return args[i] if i < len(args) else None


def _operands(key: str, args: tuple[str | None, ...]) -> tuple[list[str | None], list[str | None], bool]:
    """(operands, -t directories, recursive) of a cp-like command line."""
    values = _VALUE_OPTS.get(key, frozenset())
    operands: list[str | None] = []
    target_dirs: list[str | None] = []
    recursive = False
    i = 0
    done = False
    while i < len(args):
        arg = args[i]
        i += 1
        if arg is None or done or arg == "-" or not arg.startswith("-"):
            operands.append(arg)
        elif arg == "--":
            done = True
        elif arg.startswith("--"):
            name, eq, value = arg.partition("=")
            recursive = recursive or name in ("--recursive", "--archive")
            if name in _TARGET_DIR:
                target_dirs.append(value if eq else _at(args, i))
                i += 0 if eq else 1
            elif name in values and not eq:
                i += 1
        else:
            recursive = recursive or any(c in arg for c in "rRa")
            for j in range(1, len(arg)):
                option = "-" + arg[j]
                if option in _TARGET_DIR or option in values:
                    if option in _TARGET_DIR:
                        target_dirs.append(arg[j + 1 :] or _at(args, i))
                    i += 0 if arg[j + 1 :] else 1
                    break
    return operands, target_dirs, recursive


def _join(directory: str | None, source: str | None) -> str | None:
    if directory is None or source is None:
        return None
    name = posixpath.basename(source.rstrip("/"))
    return posixpath.join(directory, name) if name not in ("", ".", "..") else directory


def _copy_like(key: str, args: tuple[str | None, ...]) -> Iterator[FileWrite]:
    operands, target_dirs, recursive = _operands(key, args)
    if key == "install" and any(a in ("-d", "--directory") for a in args):
        yield from (FileWrite(o, key) for o in operands)
        return
    if key == "mv":
        recursive = True  # moving a directory moves everything below it
        sources = operands if target_dirs else operands[:-1]
        yield from (FileWrite(s, "mv (source)", tree=True) for s in sources)
    if target_dirs:
        destinations, sources = target_dirs, operands
    elif None in operands:
        # Words only known at run time (`xargs cp a b` appends zero or more): any operand may be the
        # destination.
        destinations, sources = operands, []
    elif len(operands) >= 2 or (key == "ln" and operands):
        destinations, sources = [operands[-1] if len(operands) >= 2 else "."], operands[:-1] or operands
    else:
        return
    for destination in destinations:
        yield FileWrite(destination, key)
        for source in sources:
            joined = _join(destination, source)
            yield FileWrite(joined if joined is not None else destination, key, tree=recursive or joined is None)


def _tar(args: tuple[str | None, ...]) -> Iterator[FileWrite]:
    modes: set[str] = set()
    archive: list[str | None] = []
    directory: str | None = "."
    to_stdout = False
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg is None:
            continue
        if arg.startswith("--"):
            name, eq, value = arg.partition("=")
            long_modes = {"--extract": "x", "--get": "x", "--create": "c", "--append": "r", "--update": "u"}
            if name in long_modes:
                modes.add(long_modes[name])
            elif name in ("--file", "--directory"):
                target = value if eq else _at(args, i)
                i += 0 if eq else 1
                if name == "--file":
                    archive.append(target)
                else:
                    directory = target
            to_stdout = to_stdout or name == "--to-stdout"
            continue
        # The first word may be old-style bundled letters without a dash (`tar xzf a.tgz`).
        if not arg.startswith("-") and i != 1:
            continue
        letters = arg.lstrip("-")
        for j, letter in enumerate(letters):
            if letter in "xcruAt":
                modes.add(letter)
            to_stdout = to_stdout or letter == "O"
            if letter in _TAR_VALUE_LETTERS:
                attached = letters[j + 1 :] if arg.startswith("-") else ""
                letter_value = attached or _at(args, i)
                i += 0 if attached else 1
                if letter == "f":
                    archive.append(letter_value)
                elif letter == "C":
                    directory = letter_value
                if attached:
                    break
    if "x" in modes and not to_stdout:
        yield FileWrite(directory, "tar -x", tree=True)
    if modes & _TAR_WRITE_MODES:
        yield from (FileWrite(a, "tar (archive)") for a in archive if a != "-")


def _git(args: tuple[str | None, ...]) -> Iterator[FileWrite]:
    trees: list[str | None] = []
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg is None:
            return
        name, eq, value = arg.partition("=")
        if name in ("--work-tree", "-C"):
            trees.append(value if eq else _at(args, i))
            i += 0 if eq else 1
        elif arg in _GIT_GLOBAL_VALUE:
            i += 1
        elif not arg.startswith("-"):
            if arg in _GIT_TREE_WRITERS:
                yield from (FileWrite(t, f"git --work-tree {arg}", tree=True) for t in trees)
            elif arg == "clone":
                operands = [a for a in args[i:] if a is None or not a.startswith("-")]
                if len(operands) >= 2:
                    yield FileWrite(operands[1], "git clone", tree=True)
            return


def _plain(key: str, args: tuple[str | None, ...]) -> Iterator[FileWrite]:
    operands, _, _ = _operands(key, args)
    yield from (FileWrite(o, key, tree=key in ("rm", "unlink")) for o in operands)


def file_writes(key: str, args: tuple[str | None, ...]) -> Iterator[FileWrite]:
    """The files program `key` (lower-cased name) writes through its arguments."""
    if key in ("cp", "mv", "ln", "install"):
        yield from _copy_like(key, args)
    elif key in ("rm", "unlink", "truncate", "shred"):
        yield from _plain(key, args)
    elif key == "dd":
        yield from (FileWrite(a[3:], "dd of=") for a in args if a is not None and a.startswith("of="))
        if None in args:
            yield FileWrite(None, "dd")
    elif key in ("tar", "gtar", "bsdtar"):
        yield from _tar(args)
    elif key == "git":
        yield from _git(args)
    elif key != "tee":  # tee's files are recorded with its execution
        use = read_only_use(key, args)
        if use is not None:
            yield from (FileWrite(w, f"{key} output") for w in use.writes)


def in_place_files(files: list[str | None], via: str) -> Iterator[FileWrite]:
    """Files edited in place (`sed -i`, `perl -i`): each is written."""
    yield from (FileWrite(f, via) for f in files if f != "-")
