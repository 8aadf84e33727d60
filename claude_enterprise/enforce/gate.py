"""`claude-enterprise-gate`: the `CLAUDE_CODE_SHELL_PREFIX` exec gate.

Claude Code runs every Bash tool command as `GATE "<whole wrapped bash string>"` (one argument; also
shell-form hook commands and stdio MCP servers, as plain command lines). The gate asks the session's
DecisionServer (or, with none answering, decides in-process after resolving the profile) and then either
`exec`s the shell on the untouched original string — no extra process, the exit status is the command's — or
prints one line on stderr and exits 126 without running anything. It sees what hooks miss: subagents,
background commands, hooks switched off or failed.

The wrapper starts it through a generated script that passes `session` (its socket), `profile` (so a repository's
settings cannot redirect it), and `session_file` and `outbox`: inside Claude Code's OS sandbox the socket is out of
reach, so the gate runs what the hook allowed (`enforce.approvals`), decides anything else with the session's own
resolved profile, and posts its record to the outbox (`enforce.outbox`). Started directly it resolves the
profile like the launcher does.
Imports only `os`, `sys` and the protocol module at start-up: it runs before every command.
"""

from __future__ import annotations

import os
import sys

from claude_enterprise.enforce import protocol

REFUSED = 126  # "found but cannot execute": the shell's own code for a command that was not run
_SHELL_DIRS = ("/bin", "/usr/bin", "/usr/local/bin", "/opt/homebrew/bin")
# Variables that make the shell run code the policy never saw: startup files of non-interactive shells and
# exported functions (`BASH_FUNC_git%%=() { ...; }` would silently replace an allowed `git`).
_UNSAFE_ENV = ("BASH_ENV", "ENV")


def _shell(wrapped: str) -> str:
    """The shell Claude Code snapshotted (the wrapper string is written for bash or zsh), from system dirs."""
    first = wrapped.split(" ", 2)[1] if wrapped.startswith("source ") else ""
    kind = "zsh" if "/snapshot-zsh-" in first else "bash"
    for directory in _SHELL_DIRS:
        path = os.path.join(directory, kind)
        if os.access(path, os.X_OK):
            return path
    login = os.environ.get("SHELL", "")
    if os.path.isabs(login) and os.path.basename(login) == kind and os.access(login, os.X_OK):
        return login
    raise OSError(f"no {kind} found in {', '.join(_SHELL_DIRS)}")


def _clean_env() -> dict[str, str]:
    return {
        k: v for k, v in os.environ.items() if k not in _UNSAFE_ENV and not k.startswith("BASH_FUNC_")
    }


def _approved(wrapped: str, cwd: str, approvals: str, outbox: str | None,
              config_dir: str) -> tuple[bool, str, str] | None:
    """The hook already allowed exactly this command here (enforce.approvals): allow, recorded in the outbox.
    None: take the full decision (not Claude Code's Bash shape, an env script, a foreign snapshot, no allow
    on file, or the record cannot be posted)."""
    from claude_enterprise.enforce import approvals as allowed
    from claude_enterprise.enforce.wrapped import Plain, ShapeError, parse, snapshot_problem

    try:
        shape = parse(wrapped)
    except ShapeError:
        return None
    if isinstance(shape, Plain) or shape.env_script is not None or not outbox:
        return None
    if shape.snapshot is not None and snapshot_problem(shape.snapshot, config_dir, os.getuid()):
        return None
    rule_id = allowed.lookup(approvals, cwd, shape.command)
    if rule_id is None:
        return None
    reason = "the PreToolUse hook allowed this command in this directory"
    from claude_enterprise.enforce.outbox_post import post

    try:
        post(outbox, {"decision": "allow", "rule_id": rule_id, "reason": reason, "command": shape.command,
                      "tool_name": "Bash", "enforcement": "gate"})
    except OSError:
        return None
    return True, rule_id, reason


def _decide(wrapped: str, session: str | None, profile: str | None, session_file: str | None,
            outbox: str | None, approvals: str | None, config_dir: str | None) -> tuple[bool, str, str]:
    cwd = os.getcwd()  # Claude Code starts the command in the shell's tracked directory
    if session:
        answer = protocol.ask(session, b"gate", os.fsencode(wrapped), os.fsencode(cwd))
        if answer is not None:
            return answer
    if approvals and config_dir:
        fast = _approved(wrapped, cwd, approvals, outbox, config_dir)
        if fast is not None:
            return fast
    if session_file:  # inside the OS sandbox, or the wrapper is gone: the session's own profile decides
        from claude_enterprise.enforce.decider import decide_in_session

        in_session = decide_in_session(session_file, outbox, wrapped, cwd)
        if in_session is not None:
            return in_session.allow, in_session.rule_id, in_session.reason
    from claude_enterprise.enforce.decider import decide_locally

    verdict = decide_locally(
        "gate", wrapped, requested=profile, session_id=os.environ.get("CLAUDE_CODE_SESSION_ID"),
        project_dirs=(os.environ.get("CLAUDE_PROJECT_DIR") or cwd,), cwd=cwd,
        wrapper="unreachable" if session else None,
    )
    return verdict.allow, verdict.rule_id, verdict.reason


def main(argv: list[str] | None = None, *, session: str | None = None, profile: str | None = None,
         session_file: str | None = None, outbox: str | None = None, approvals: str | None = None,
         config_dir: str | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    try:
        if len(args) != 1:
            raise ValueError(f"expected exactly one argument (the wrapped command), got {len(args)}")
        allow, rule_id, reason = _decide(args[0], session, profile, session_file, outbox, approvals, config_dir)
        if allow:
            shell = _shell(args[0])
            os.execve(shell, [shell, "-c", args[0]], _clean_env())
    except BaseException as exc:  # whatever happens, nothing runs
        rule_id, reason = "enforce.internal_error", f"the exec gate failed ({exc}); nothing was run"
    sys.stderr.write(f"claude-enterprise: blocked [{rule_id}] {reason}\n")
    return REFUSED


if __name__ == "__main__":
    sys.exit(main())
