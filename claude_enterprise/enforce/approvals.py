"""The hook's allow of a Bash command, where the exec gate inside the OS sandbox can read it.

Inside Claude Code's sandbox the gate cannot ask the wrapper (no Unix sockets), and deciding afresh costs
the policy engine's start-up on every command. But for a normal tool call the PreToolUse hook, outside the
sandbox, has just decided the very same command in the very same directory with the same engine and profile:
the decision server records each Bash allow as a file named by the hash of (directory, command) in the
session's `approved/` directory, which the sandbox may read but not write. The gate finds it with one stat
and runs the command; anything the hook did not allow (hooks switched off, a subagent's command the hook
never saw, another directory) takes the full decision. The gate still records its decision (outbox).

Standard library only: the gate imports it before every command (the builtin SHA-256, not `hashlib`,
which loads OpenSSL first).
"""

from __future__ import annotations

import os

DIR_NAME = "approved"


def key(cwd: str, command: str) -> str:
    try:
        from _sha2 import sha256  # CPython 3.12+
    except ImportError:
        try:
            from _sha256 import sha256  # CPython 3.10, 3.11
        except ImportError:
            from hashlib import sha256
    return sha256(b"%s\0%s" % (os.fsencode(cwd), os.fsencode(command))).hexdigest()


def write(directory: str, cwd: str, command: str, rule_id: str) -> None:
    """Record an allow (atomic: the gate never reads half a file). The directory is the session's own."""
    from claude_enterprise.fsutil import atomic_write

    atomic_write(os.path.join(directory, key(cwd, command)), rule_id, fsync=False)  # lost in a crash: harmless


def lookup(directory: str, cwd: str, command: str) -> str | None:
    """The rule id of the hook's allow of `command` in `cwd`, or None when the hook did not allow it."""
    try:
        with open(os.path.join(directory, key(cwd, command)), encoding="utf-8") as handle:
            return handle.read(200) or None
    except OSError:
        return None
