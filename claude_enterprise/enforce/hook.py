"""`claude-enterprise hook`: Claude Code's PreToolUse handler, a thin client of the session's server.

    claude-enterprise hook [--session SOCKET|DIR --profile NAME]

With `--session` (written by the wrapper into its settings layer, which a repository cannot override) it
asks the wrapper's DecisionServer over the session socket; when that does not answer it resolves the
session's profile itself and decides in-process. Without it (managed settings, tests) it resolves the profile
exactly as the launcher does. Each call is decided and recorded once: the hook and the server race for its
claim (`protocol.ask_claimed`), and the loser does not decide. Deny: the PreToolUse deny JSON on stdout,
exit 0. Allow: no output, exit 0 (never an explicit "allow", which would bypass Claude Code's own permission
rules). Any failure is a deny.

Imports only `sys` and the protocol module at start-up: this runs once per tool call.
"""

from __future__ import annotations

import sys

from claude_enterprise.enforce import protocol

USAGE = "usage: claude-enterprise hook [--session SOCKET|DIR --profile NAME]"


def _options(argv: list[str]) -> dict[str, str]:
    options: dict[str, str] = {}
    rest = list(argv)
    while rest:
        flag = rest.pop(0)
        if flag not in ("--session", "--profile") or not rest:
            raise ValueError(f"unexpected argument {flag!r}; {USAGE}")
        options[flag[2:]] = rest.pop(0)
    return options


def _read_payload() -> tuple[bytes, str | None]:
    """(payload bytes, None) or (b"", why it cannot be judged)."""
    data = sys.stdin.buffer.read(protocol.MAX_MESSAGE_BYTES + 1)
    if len(data) > protocol.MAX_MESSAGE_BYTES:
        return b"", f"the payload exceeds {protocol.MAX_MESSAGE_BYTES} bytes"
    return data, None


def _decide(argv: list[str]) -> tuple[bool, str, str]:
    options = _options(argv)
    payload, error = _read_payload()
    session = options.get("session")
    if session:
        op, data = (b"hook-error", error.encode()) if error else (b"hook", payload)
        try:
            answer = protocol.ask_claimed(session, op, protocol.new_request_id(), data)
        except protocol.Stalled as exc:
            return _stalled(str(exc), options.get("profile"))
        if answer is not None:
            return answer
    import os

    from claude_enterprise.enforce.decider import decide_locally

    project = os.environ.get("CLAUDE_PROJECT_DIR") or os.getcwd()
    verdict = decide_locally(
        "hook", payload if error is None else None, requested=options.get("profile"),
        session_id=os.environ.get("CLAUDE_CODE_SESSION_ID"), project_dirs=(project,), error=error,
        wrapper="unreachable" if session else None,
    )
    return verdict.allow, verdict.rule_id, verdict.reason


def _stalled(why: str, profile: str | None) -> tuple[bool, str, str]:
    """The server holds the call's claim (it decides and records it) but gave no verdict in time: deny, and
    record the stall itself (not a second decision) so the denied call is never unexplained in the trail."""
    import os

    from claude_enterprise.audit import AuditContext, AuditWriteError, record, report_unrecorded

    rule_id, reason = "enforce.server_stalled", f"{why}; the call was blocked, retry it"
    fields = {"decision": "deny", "rule_id": rule_id, "reason": reason, "enforcement": "hook"}
    ctx = AuditContext(session_id=os.environ.get("CLAUDE_CODE_SESSION_ID"), profile=profile)
    try:
        record("decision_stalled", ctx, decision="deny", rule_id=rule_id, reason=reason, enforcement="hook")
    except (AuditWriteError, OSError, ValueError) as exc:
        report_unrecorded("decision_stalled", fields, exc)
    return False, rule_id, reason


def main(argv: list[str] | None = None) -> int:
    try:
        allow, rule_id, reason = _decide(sys.argv[1:] if argv is None else argv)
    except BaseException as exc:  # whatever happens, the call must not proceed
        allow, rule_id, reason = False, "enforce.internal_error", f"the policy hook failed ({exc})"
    if allow:
        return 0
    try:
        sys.stdout.write(protocol.deny_output(rule_id, reason) + "\n")
        sys.stdout.flush()
        return 0
    except Exception:
        # stdout is gone: exit 2 also blocks the call (Claude Code shows the model stderr).
        sys.stderr.write(f"[{rule_id}] {reason}\n")
        return 2


if __name__ == "__main__":
    sys.exit(main())
