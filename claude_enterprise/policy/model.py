"""The engine's plain data: the decision it returns, the context it needs, what analysis finds."""

from __future__ import annotations

from typing import NamedTuple


class Decision(NamedTuple):
    """One verdict. `rule_id` is stable (audit queries and tests key on it); `reason` is written for the
    model and says what it may do instead; `programs` lists what the command would execute."""

    allow: bool
    rule_id: str
    reason: str
    programs: tuple[str, ...] = ()


class PolicyContext(NamedTuple):
    """Where the session works. `cwd` is the shell's current directory when the caller knows it (the
    hook's `cwd`); None means "somewhere inside a project directory". `protected_paths` adds files and
    directories no tool may write (the caller's audit spool and config locations, when relocated);
    `denied_reads` files and directories no tool may read besides the profile's `files.deny_read`: runtime
    locations only the caller knows (the product's state dir, credential stores behind a symlinked home);
    `allowed_reads` directories a project-only read policy admits besides the project and `files.read_allow`
    (the session's own persisted tool outputs, which Claude Code tells the model to Read)."""

    project_dirs: tuple[str, ...]
    home: str
    case_insensitive: bool = False
    cwd: str | None = None
    protected_paths: tuple[str, ...] = ()
    denied_reads: tuple[str, ...] = ()
    allowed_reads: tuple[str, ...] = ()


class Execution(NamedTuple):
    """Something the command would run (a NamedTuple: analysis creates many, cheaply).

    kind: "program" (an executable or builtin the profile must permit), "wrapper" (runs its arguments
    and changes nothing else: `timeout`, `nice`, `env`, `xargs`...; only the deny list applies to it),
    "function" (a function defined earlier in the same command; its body is analysed where defined),
    "code" (code we cannot see as commands: `origin` says why: "inline" interpreter code in `code`,
    "pipe" code read from a pipe, "dynamic" code built at run time, "config" code loaded from
    configuration or a loader variable, "source" a sourced file, "arithmetic" a value only known at run
    time that bash evaluates as arithmetic or as a subscript, where it can run commands), "network" (a
    registry, index or proxy a tool would contact, set by configuration: `args` holds the setting's value).
    """

    kind: str
    name: str | None  # program name as written, path stripped; None when not a literal word
    args: tuple[str | None, ...] = ()
    via: tuple[str, ...] = ()  # the wrappers, shells and launchers it was found through, outermost first
    origin: str = ""
    code: str | None = None
    word: str | None = None  # the command word as written (with its path)
    cwds: tuple[str | None, ...] = ("",)  # directories it may run in (Write.cwds encoding)
    reads: tuple[str | None, ...] = ()  # files given to it on stdin (`< file`)

    def label(self) -> str:
        if self.kind == "code":
            return f"<{self.origin} code: {self.name or '?'}>"
        if self.kind == "network":
            return f"<network: {self.name}>"
        return self.name if self.name is not None else "?"


class Write(NamedTuple):
    """A file the command would write (redirection, `tee`, `cp`, `sed -i`...). `target` None: not a literal path.
    `cwds` are the directories it may be relative to: "" is the starting directory, a relative path is
    relative to it, "~/..." to the home directory, None unknown."""

    target: str | None
    cwds: tuple[str | None, ...]
    via: str
    after_link: str | None = None  # an earlier program of the command that may have made the path a link
    tree: bool = False  # it may write anything below `target` (`tar -x -C dir`, `mv dir`, `rm -r dir`)


class Analysis(NamedTuple):
    """Everything one shell command would execute and write, or why it could not be analysed."""

    executions: tuple[Execution, ...]
    writes: tuple[Write, ...]
    error: str | None = None  # set when analysis failed: the command must then be denied

    @property
    def programs(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for execution in self.executions:
            seen.setdefault(execution.label(), None)
        return tuple(seen)
