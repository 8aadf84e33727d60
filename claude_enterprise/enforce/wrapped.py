"""The exact shape of the string Claude Code hands to `CLAUDE_CODE_SHELL_PREFIX`, and the command inside it.

For every Bash tool call Claude Code 2.1 builds (read from the binary and observed verbatim)::

    [source SNAPSHOT 2>/dev/null || true && ]
    [ENV_SCRIPT\\n: && ]                                          (CLAUDE_ENV_FILE / SessionStart env files)
    [export BUN_OPTIONS="--smol${BUN_OPTIONS:+ $BUN_OPTIONS}" && ] (CLAUDE_CODE_REMOTE only)
    { shopt -u extglob || setopt NO_EXTENDED_GLOB NO_BARE_GLOB_QUAL; } >/dev/null 2>&1 || true
     && eval WORD[ < /dev/null] && pwd -P >| CWD_FILE

where WORD is the command quoted as one shell word: bare when it only has `[A-Za-z0-9_./:=@+,-]`, else
single-quoted with each `'` written `'"'"'`. The parse below is left to right over literal tokens and that
word grammar, the way bash tokenises it, so the command we judge is exactly the one `eval` runs. Anything
that deviates by one byte is not the Bash tool's string.

Claude Code also runs shell-form hook commands and stdio MCP servers through the prefix (as a plain shell
command line, without this scaffolding): those are `Plain` and judged whole.

The parse is pure (no I/O); `snapshot_problem`, the one function here that reads the file system, checks the
snapshot file itself at decision time. The gate parses
before every command, so this module imports neither `re` nor `dataclasses` (tens of ms at start-up): the
word grammar is scanned by hand.
"""

from __future__ import annotations

import os
import stat
from collections import namedtuple

SHOPT = "{ shopt -u extglob || setopt NO_EXTENDED_GLOB NO_BARE_GLOB_QUAL; } >/dev/null 2>&1 || true"
BUN = 'export BUN_OPTIONS="--smol${BUN_OPTIONS:+ $BUN_OPTIONS}"'
_SOURCE_TAIL = " 2>/dev/null || true && "
_SEP = " && "
_STDIN = " < /dev/null"
_PWD = "pwd -P >| "
_DIGITS = frozenset("0123456789")
_ALNUM = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") | _DIGITS
_BARE = _ALNUM | frozenset("_./:=@+,-")  # a word Claude Code leaves unquoted
_HEX = frozenset("0123456789abcdef")
_QUOTE_JOIN = "'\"'\"'"  # how Claude Code writes a `'` inside a single-quoted word
# Markers no plain command line needs but every Bash tool string has: seeing them outside the exact shape
# means a tampered or unknown wrapper, refused rather than judged as a plain command.
_SCAFFOLD_MARKERS = ("pwd -P >| ", "shopt -u extglob")


class ShapeError(ValueError):
    """The string looks like Claude Code's Bash wrapper but is not exactly its shape."""


class Wrapped(namedtuple("Wrapped", "command snapshot env_script cwd_file stdin_devnull rest")):
    """A Bash tool call as Claude Code wraps it: `command` is what `eval` runs; `snapshot` the shell snapshot
    sourced first (Claude Code's own file), if any; `env_script` the text between the snapshot and the
    scaffolding (session env files), if any; `rest` everything after the snapshot's `source ... && `, what
    runs once the snapshot is loaded."""

    __slots__ = ()
    command: str
    snapshot: str | None
    env_script: str | None
    cwd_file: str
    stdin_devnull: bool
    rest: str

    @property
    def shell(self) -> str:
        """`zsh` when Claude Code snapshotted a zsh, else `bash` (the string is valid in both)."""
        if self.snapshot and os.path.basename(self.snapshot).startswith("snapshot-zsh-"):
            return "zsh"
        return "bash"


class Plain(namedtuple("Plain", "command")):
    """A hook command or MCP server command line run through the prefix: judged as a whole."""

    __slots__ = ()
    command: str


def _word(text: str, pos: int) -> tuple[str, int]:
    """Unquote the shell word Claude Code's quoting produced at `pos`; (value, end): `'...'` pieces joined
    by `'"'"'`, or a run of characters that need no quoting."""
    if text.startswith("'", pos):
        end = text.find("'", pos + 1)
        while end >= 0 and text.startswith(_QUOTE_JOIN, end):
            end = text.find("'", end + len(_QUOTE_JOIN))
        if end < 0:
            raise ShapeError(f"unterminated quoted word at offset {pos}")
        return text[pos + 1:end].replace(_QUOTE_JOIN, "'"), end + 1
    end = pos
    while end < len(text) and text[end] in _BARE:
        end += 1
    if end == pos:
        raise ShapeError(f"expected a quoted word at offset {pos}")
    return text[pos:end], end


def _is_snapshot_name(name: str) -> bool:
    """`snapshot-(bash|zsh)-DIGITS-ALNUM.sh`, Claude Code's snapshot file name."""
    parts = name[:-3].split("-") if name.endswith(".sh") else []
    return (len(parts) == 4 and parts[0] == "snapshot" and parts[1] in ("bash", "zsh")
            and bool(parts[2]) and set(parts[2]) <= _DIGITS and bool(parts[3]) and set(parts[3]) <= _ALNUM)


def _is_cwd_name(name: str) -> bool:
    """`claude-HEX-cwd` or `cwd-[A-Za-z0-9_-]+`, Claude Code's cwd file name."""
    if name.startswith("claude-") and name.endswith("-cwd"):
        middle = name[len("claude-"):-len("-cwd")]
        return bool(middle) and set(middle) <= _HEX
    rest = name[len("cwd-"):]
    return name.startswith("cwd-") and bool(rest) and set(rest) <= _ALNUM | {"_", "-"}


def _literal(text: str, pos: int, literal: str) -> int:
    if not text.startswith(literal, pos):
        raise ShapeError(f"expected {literal!r} at offset {pos}")
    return pos + len(literal)


def parse(text: str) -> Wrapped | Plain:
    """Classify and take apart what the prefix received. Raises ShapeError for a near-miss wrapper."""
    if not (text.startswith(("source ", SHOPT)) or any(m in text for m in _SCAFFOLD_MARKERS)):
        return Plain(text)
    pos = 0
    snapshot = env_script = None
    if text.startswith("source "):
        snapshot, pos = _word(text, len("source "))
        pos = _literal(text, pos, _SOURCE_TAIL)
    rest = text[pos:]
    if not text.startswith((SHOPT, BUN), pos):
        # Session env scripts are arbitrary shell; where one ends is only knowable by parsing it, so the
        # decision judges the whole remainder (see Decider) and the parse only finds the eval'd word.
        end = text.find("\n:" + _SEP, pos)
        if end < 0:
            raise ShapeError("unknown text before the scaffolding")
        env_script = text[pos:end]
        pos = end + len("\n:" + _SEP)
    if text.startswith(BUN, pos):
        pos = _literal(text, pos + len(BUN), _SEP)
    pos = _literal(text, pos, SHOPT)
    pos = _literal(text, pos, _SEP + "eval ")
    command, pos = _word(text, pos)
    stdin_devnull = text.startswith(_STDIN, pos)
    if stdin_devnull:
        pos += len(_STDIN)
    pos = _literal(text, pos, _SEP + _PWD)
    cwd_file, pos = _word(text, pos)
    if pos != len(text):
        raise ShapeError(f"unexpected text after the cwd file at offset {pos}")
    if not os.path.isabs(cwd_file) or not _is_cwd_name(os.path.basename(cwd_file)):
        raise ShapeError(f"cwd file {cwd_file!r} is not Claude Code's")
    return Wrapped(command, snapshot, env_script, cwd_file, stdin_devnull, rest)


def snapshot_problem(path: str, config_dir: str, uid: int) -> str | None:
    """Why `path` is not Claude Code's own shell snapshot for this user, or None when it is.

    The snapshot runs unjudged before every command, so it must be the file Claude Code wrote: under the
    trusted config dir's `shell-snapshots/`, a regular file (no symlink), owned by the user and writable by
    nobody else, in a directory nobody else can write.
    """
    directory, name = os.path.split(path)
    if not _is_snapshot_name(name):
        return f"snapshot name {name!r} is not Claude Code's"
    expected = os.path.join(os.path.realpath(config_dir), "shell-snapshots")
    if os.path.realpath(directory) != expected or os.path.normpath(directory) != directory:
        return f"snapshot {path!r} is not under {expected}"
    for item, want_dir in ((directory, True), (path, False)):
        try:
            st = os.lstat(item)
        except OSError as exc:
            return f"snapshot {item!r}: {exc.strerror}"
        kind_ok = stat.S_ISDIR(st.st_mode) if want_dir else stat.S_ISREG(st.st_mode)
        if not kind_ok or st.st_uid != uid or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return f"snapshot {item!r} is not a private {'directory' if want_dir else 'file'} of uid {uid}"
    return None
