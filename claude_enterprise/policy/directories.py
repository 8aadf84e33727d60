"""Where a command really is: the directory `cd` leads to, and links made on the way.

- `cd NAME` searches CDPATH first when NAME does not start with `/`, `.` or `~`: if the command sets
  CDPATH (by any means, variables.py), such a directory is unknown.
- `cd -`, `popd`, `pushd` without a directory or with `+N`/`-N` go to a directory from the shell's
  history: unknown. A `..` after a named component (`cd link/..`) depends on symlinks: unknown.
- A link created earlier in the same command (`ln`, an archive extracted, `git checkout` of a branch
  with a symlink, `cp -r`, `mv`) turns a later write's path into somewhere else, and the hook's look at
  the file system (paths.symlinked_write) comes too early to see it. A write through a link `ln` makes
  with literal paths is judged at the link's target as well; any other write after such a command is
  judged as a write whose place is unknown (outside the project).
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING

from .model import Execution, Write
from .pathcheck import HARMLESS_TARGETS, fd_target

if TYPE_CHECKING:
    from .analysis import Analyzer

Argv = tuple[str | None, ...]

# git subcommands that write files of the repository (which may be symlinks) into the work tree.
_GIT_CHECKOUTS = frozenset(
    {
        "checkout", "switch", "restore", "reset", "pull", "merge", "rebase", "cherry-pick", "revert", "stash",
        "am", "apply", "clone", "worktree", "submodule", "read-tree", "checkout-index", "bisect",
        "sparse-checkout",
    }
)  # fmt: skip
_GIT_VALUE_OPTS = frozenset({"-C", "-c", "--git-dir", "--work-tree", "--namespace", "--config-env"})
_CP_LINKS = ("-r", "-R", "-a", "-d", "-P", "-s", "--recursive", "--archive", "--no-dereference",
             "--symbolic-link", "--preserve=links", "--preserve=all")  # fmt: skip
_ARCHIVERS = frozenset({"tar", "gtar", "bsdtar", "unzip", "cpio", "7z", "7za", "pax"})
LINK_PROGRAMS = _ARCHIVERS | {"ln", "mv", "cp", "rsync", "git"}


def join_cwd(cwd: str | None, target: str | None) -> str | None:
    """The directory `cd target` leads to from `cwd` (same encoding as Write.cwds)."""
    if cwd is None or target is None:
        return None
    if target.startswith("/"):
        return posixpath.normpath(target)
    if target == "~" or target.startswith("~/"):
        return "~/" + posixpath.normpath(target[2:] or ".")
    if target.startswith("~"):
        return None
    if cwd == "":
        return posixpath.normpath(target)
    return posixpath.normpath(posixpath.join(cwd, target))


def cd_target(name: str, args: list[str | None]) -> tuple[str | None, bool]:
    """Where `cd`/`pushd`/`popd` with `args` goes (None: unknown), and whether CDPATH is searched."""
    operands = [a for a in args if a is None or a == "-" or not (a.startswith("-") and len(a) > 1)]
    if operands[:1] == ["--"]:
        operands = operands[1:]
    lowered = name.lower()
    if lowered == "popd" or operands[:1] == ["-"]:
        return None, False
    if not operands:
        return (None, False) if lowered == "pushd" else ("~", False)
    target = operands[0]
    if target is None or (lowered == "pushd" and target[:1] in "+-"):
        return None, False
    if uncertain(target):
        return None, False
    # POSIX: CDPATH is not searched for `/...`, `.`, `..`, `./...`, `../...` (bash expanded `~` already).
    return target, not (target.startswith(("/", "./", "../", "~")) or target in (".", ".."))


def uncertain(path: str) -> bool:
    """`a/..` leads where a's link points, if it is one: the lexical answer may be wrong."""
    named = False
    for part in path.split("/"):
        if part == "..":
            if named:
                return True
        elif part not in ("", "."):
            named = True
    return False


def _makes_links(ex: Execution) -> bool:
    """Does this program create links (or files that may be links) where the command later writes?"""
    name = (ex.name or "").lower()
    args = [a for a in ex.args if a is not None]
    if name in ("ln", "mv") or name in _ARCHIVERS:
        return True  # archivers: listing (`tar t`) is rare enough to be judged with extraction
    if name == "cp":
        return any(a in _CP_LINKS or (a.startswith("-") and not a.startswith("--") and set(a[1:]) & set("rRadPs"))
                   for a in args)  # fmt: skip
    if name == "rsync":
        return any(a in ("--links", "--archive") or (a.startswith("-") and not a.startswith("--") and
                   set(a[1:]) & set("al")) for a in args)  # fmt: skip
    if name == "git":
        i = 0
        while i < len(args) and args[i].startswith("-"):
            i += 2 if args[i] in _GIT_VALUE_OPTS else 1
        rest = args[i:]
        if not rest or rest[0] not in _GIT_CHECKOUTS:
            return False
        # `git checkout -b new` / `git switch -c new` only name a branch at HEAD: no file changes.
        return not (len(rest) == 3 and rest[0] in ("checkout", "switch") and rest[1] in ("-b", "-c"))
    return False


class Links:
    """Links the command creates, in the order the walk meets them."""

    __slots__ = ("made",)

    def __init__(self) -> None:
        # (program, link path or None when anywhere, link's target or None, first write it may affect)
        self.made: list[tuple[str, str | None, str | None, int]] = []

    def note(self, an: Analyzer, ex: Execution) -> None:
        if ex.name is None or ex.name.lower() not in LINK_PROGRAMS or ex.kind != "program" or not _makes_links(ex):
            return
        # Loops and functions run their writes in any order relative to the link: all count.
        first = 0 if an.loops or an.functions or any(v.startswith("function ") for v in ex.via) else len(an.writes)
        program = ex.name or "?"
        link = _ln_link(ex) if program.lower() == "ln" else None
        if link is None:
            self.made.append((program, None, None, first))
            return
        name, target, symbolic = link
        for cwd in an.cwds:
            # A symbolic link's relative target is read from the link's directory, a hard link's from here.
            base = join_cwd(cwd, posixpath.dirname(name) or ".") if symbolic else cwd
            self.made.append((program, join_cwd(cwd, name), join_cwd(base, target), first))

    def settle(self, writes: list[Write]) -> list[Write]:
        """The writes as they really land: ones that may pass through a new link get a second reading."""
        if not self.made:
            return writes
        out: list[Write] = []
        for index, write in enumerate(writes):
            out.append(write)
            if write.target in HARMLESS_TARGETS or (write.target is not None and fd_target(write.target)):
                continue
            for program, path, target, first in self.made:
                if index >= first:
                    out.extend(_through(write, program, path, target))
        return out


def _through(write: Write, program: str, path: str | None, target: str | None) -> list[Write]:
    """`write` read as passing through a link at `path` to `target` (None: anywhere, unknown)."""
    # Through a link of unknown place, the path lands below a directory only known at run time.
    unknown = Write(write.target, (None,), write.via, after_link=program)
    if path is None:
        return [unknown]
    extra: list[Write] = []
    for cwd in write.cwds:
        landing = join_cwd(cwd, write.target)
        if landing is None or landing.startswith("/") != path.startswith("/"):
            extra.append(unknown)  # the two cannot be compared
            continue
        # `d/../x` climbs from d's target: compare the path with its `..` kept as well.
        for candidate in dict.fromkeys((landing, _raw_join(cwd, write.target))):
            if candidate is not None and (candidate == path or candidate.startswith(path.rstrip("/") + "/")):
                mapped = None if target is None else posixpath.normpath(target + candidate[len(path) :])
                extra.append(Write(mapped, ("",), write.via, after_link=program))
    return extra


def _raw_join(cwd: str | None, target: str | None) -> str | None:
    if cwd is None or target is None or target.startswith("~"):
        return None
    return target if target.startswith("/") or cwd == "" else f"{cwd}/{target}"


def climbs(path: str) -> bool:
    """Has `path` a `..` component? From a directory entered through a link, `..` goes where the link
    points when bash is in physical mode (`cd -P`, `set -P`)."""
    return ".." in path.split("/")


def sets_physical(args: tuple[str | None, ...]) -> bool:
    """`set -P`, `set -eP`, `set -o physical`: cd follows links physically from then on."""
    return any(
        a is None or (a.startswith("-") and not a.startswith("--") and "P" in a) or a == "physical" for a in args
    )


def _ln_link(ex: Execution) -> tuple[str, str | None, bool] | None:
    """(link path, its target, symbolic) for `ln [-s] TARGET LINK` or `ln [-s] TARGET`; None when more
    than one link or a target directory makes the place of the link uncertain."""
    options = [a for a in ex.args if a is not None and a.startswith("-") and a != "-"]
    operands = [a for a in ex.args if a is None or not a.startswith("-") or a == "-"]
    if any(o in ("-t", "--target-directory", "-S", "--suffix") or o.startswith("--target-directory=") for o in options):
        return None
    symbolic = any(o in ("-s", "--symbolic") or (not o.startswith("--") and "s" in o) for o in options)
    if len(operands) == 1 and operands[0] is not None:
        name = posixpath.basename(operands[0].rstrip("/"))
        return (name, operands[0], symbolic) if name else None
    if len(operands) != 2 or operands[1] is None:
        return None
    return operands[1], operands[0], symbolic
