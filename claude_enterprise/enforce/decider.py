"""One place that turns a hook payload or a wrapped shell string into a recorded decision.

Used by the resident DecisionServer (profile and engine loaded once) and by the thin clients when no server
answers (after resolving the profile themselves). Every path ends in a `policy.Decision`, the engine's own
type (the decider adds enforcement and auditing, not a second vocabulary), and an audit event: an engine
exception, a malformed payload or a tampered wrapper is a deny, and an allow that cannot be recorded is
turned into a deny (an unrecorded action must not happen).
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

from claude_enterprise.audit import AuditContext, AuditWriteError, record, report_unrecorded
from claude_enterprise.enforce.payload import PayloadError, ToolCall, parse_payload
from claude_enterprise.policy import Decision, PolicyContext, decide_shell, decide_tool
from claude_enterprise.policy.paths import resolve_tool_input, symlinked_write
from claude_enterprise.profiles import Profile

RETRY_HINT = "the call was blocked; retry it, and if this persists ask the user to check claude-enterprise"


def _failed(exc: BaseException) -> Decision:
    return deny("enforce.internal_error", f"policy evaluation failed ({type(exc).__name__}); {RETRY_HINT}")


def deny(rule_id: str, reason: str) -> Decision:
    return Decision(False, rule_id, reason)


def claude_config_dir(env: Mapping[str, str]) -> str:
    """Claude Code's config dir (where its shell snapshots live): CLAUDE_CONFIG_DIR or ~/.claude."""
    return env.get("CLAUDE_CONFIG_DIR") or os.path.join(os.path.expanduser("~"), ".claude")


def runtime_denied_reads(profile: Profile, home: str) -> tuple[str, ...]:
    """What no tool may read beyond the profile's own `files.deny_read` entries: the product's state dir (audit
    spool, sessions, caches) and, where a link moves them (a symlinked home), the credential stores' real
    locations, since read paths reach the engine resolved."""
    from claude_enterprise.paths import state_dir

    found = [os.path.realpath(state_dir())]
    for entry in profile.files.deny_read:
        if entry == "~" or entry.startswith("~/") or entry.startswith("/"):
            lexical = os.path.normpath(home + entry[1:] if entry.startswith("~") else entry)
            real = os.path.realpath(lexical)
            if real != lexical:
                found.append(real)
    return tuple(dict.fromkeys(found))


def runtime_protected_writes(profile: Profile, home: str, project_dirs: tuple[str, ...]) -> tuple[str, ...]:
    """What no tool may write beyond the engine's built-in list: the profile's `files.deny_write` (places
    that run code later; project-relative entries in every project directory) and the product's state and
    user configuration directories wherever they are (`CLAUDE_ENTERPRISE_STATE_DIR` can move the state)."""
    from claude_enterprise.paths import state_dir, user_config_dir

    found = [os.path.realpath(state_dir()), os.path.realpath(user_config_dir())]
    for entry in profile.files.deny_write:
        if entry == "~" or entry.startswith("~/"):
            found.append(os.path.normpath(home + entry[1:]))
        elif entry.startswith("/"):
            found.append(os.path.normpath(entry))
        else:
            found.extend(os.path.normpath(os.path.join(d, entry)) for d in project_dirs)
    return tuple(dict.fromkeys(found))


def session_outputs(config_dir: str, project_dirs: tuple[str, ...], session_id: str | None) -> tuple[str, ...]:
    """Where Claude Code persists this session's oversized tool outputs, which it then tells the model to Read
    (observed on 2.1.197: `<config>/projects/<project path, non-alphanumerics as ->/<session>/tool-results`).
    Only this session's: other sessions' transcripts and outputs stay outside a project-only read policy."""
    if not session_id:
        return ()
    return tuple(
        os.path.join(os.path.realpath(config_dir), "projects", "".join(c if c.isalnum() else "-" for c in d),
                     session_id, "tool-results")
        for d in project_dirs
    )


class Decider:
    """Decides and records with one already-resolved profile."""

    def __init__(
        self,
        profile: Profile,
        audit_ctx: AuditContext,
        *,
        project_dirs: tuple[str, ...],
        config_dir: str,
        home: str | None = None,
        on_activity: Callable[[], None] | None = None,
        wrapper: str | None = None,
        recorder: Callable[[dict[str, Any]], None] | None = None,
        approvals_dir: str | None = None,
    ) -> None:
        self.profile = profile
        # Where a decision's record goes when not to the spool (the sandboxed gate's outbox).
        self.recorder = recorder
        # Where Bash allows are left for the gate inside the OS sandbox (enforce.approvals).
        self.approvals_dir = approvals_dir
        # "unreachable": a wrapper session's hook or gate found no resident server (the wrapper crashed or
        # was killed, and its process guard with it); every decision then says so in the audit trail.
        self.wrapper = wrapper
        self.audit_ctx = audit_ctx
        self.config_dir = config_dir
        home = home or os.path.expanduser("~")
        projects = tuple(os.path.realpath(d) for d in project_dirs)
        self.policy_ctx = PolicyContext(
            project_dirs=projects,
            home=home,
            case_insensitive=sys.platform == "darwin",
            protected_paths=runtime_protected_writes(profile, home, projects),
            denied_reads=runtime_denied_reads(profile, home),
            allowed_reads=session_outputs(config_dir, tuple(dict.fromkeys([*project_dirs, *projects])),
                                          audit_ctx.session_id),
        )
        self.on_activity = on_activity

    # -- hook -------------------------------------------------------------------------------------------
    def hook(self, payload: bytes | None, error: str | None = None) -> Decision:
        """The verdict for one PreToolUse payload: the raw stdin bytes, or the `error` that kept the client
        from reading it (too large)."""
        call: ToolCall | None = None
        started = time.perf_counter()
        try:
            if error is not None:
                raise PayloadError(error)
            call = parse_payload(payload)
            verdict = self._decide_tool(call)
        except PayloadError as exc:
            verdict = deny("enforce.malformed_payload", f"the hook payload is malformed: {exc}; {RETRY_HINT}")
        except Exception as exc:  # the engine must never let a call through by failing
            verdict = _failed(exc)
        command, target = call.subject() if call else (None, None)
        recorded = self._record(
            verdict,
            enforcement="hook",
            command=command,
            target=target,
            tool_name=call.tool_name if call else None,
            tool_use_id=call.tool_use_id if call else None,
            agent_id=call.agent_id if call else None,
            decision_ms=round((time.perf_counter() - started) * 1000, 3),
        )
        if recorded.allow and self.approvals_dir and call is not None and call.tool_name == "Bash" and call.cwd:
            from claude_enterprise.enforce import approvals

            with contextlib.suppress(OSError):  # without it the gate decides in full: slower, as correct
                approvals.write(self.approvals_dir, call.cwd, str(call.tool_input["command"]), recorded.rule_id)
        return recorded

    def _decide_tool(self, call: ToolCall) -> Decision:
        if call.tool_name == "Bash" and not isinstance(call.tool_input.get("command"), str):
            raise PayloadError("tool_input.command must be a string")
        tool_input = resolve_tool_input(call.tool_name, dict(call.tool_input), call.cwd)
        ctx = self.policy_ctx._replace(cwd=call.cwd)
        decision = decide_tool(call.tool_name, tool_input, self.profile, ctx)
        if decision.allow and call.tool_name == "Bash":
            decision = symlinked_write(tool_input["command"], self.profile, ctx) or decision
        return decision

    # -- gate -------------------------------------------------------------------------------------------
    def gate(self, wrapped: str, cwd: str | None = None) -> Decision:
        """The verdict for one string handed to the exec gate by Claude Code, run from `cwd`."""
        from claude_enterprise.enforce.wrapped import ShapeError  # the gate's parser: not loaded by the hook

        command: str | None = wrapped
        started = time.perf_counter()
        ctx = self.policy_ctx._replace(cwd=cwd) if cwd and os.path.isabs(cwd) else self.policy_ctx
        try:
            verdict, command = self._decide_wrapped(wrapped, ctx)
        except ShapeError as exc:
            verdict = deny(
                "gate.shape",
                f"the shell string does not have Claude Code's exact shape ({exc}); nothing was run",
            )
        except Exception as exc:
            verdict = _failed(exc)
        return self._record(verdict, enforcement="gate", command=command, tool_name="Bash",
                            decision_ms=round((time.perf_counter() - started) * 1000, 3))

    def _decide_wrapped(self, text: str, ctx: PolicyContext) -> tuple[Decision, str]:
        from claude_enterprise.enforce.wrapped import Plain, parse, snapshot_problem

        shape = parse(text)
        if isinstance(shape, Plain):
            return self._shell(shape.command, ctx), shape.command
        if shape.snapshot is not None:
            problem = snapshot_problem(shape.snapshot, self.config_dir, os.getuid())
            if problem:
                return deny("gate.snapshot", f"{problem}; nothing was run"), shape.command
        if shape.env_script is not None:
            # The session env script and the scaffolding run as one script: judge all of it after the
            # (verified) snapshot, since where the env script ends is only knowable to the shell.
            return self._shell(shape.rest, ctx), shape.rest
        return self._shell(shape.command, ctx), shape.command

    def _shell(self, command: str, ctx: PolicyContext) -> Decision:
        decision = decide_shell(command, self.profile, ctx)
        if decision.allow and ctx.cwd is not None:
            decision = symlinked_write(command, self.profile, ctx) or decision
        return decision

    def refuse(self, rule_id: str, reason: str, enforcement: str) -> Decision:
        """A deny for a request that never became a tool call or a command (malformed client request)."""
        return self._record(deny(rule_id, reason), enforcement=enforcement)

    # -- audit ------------------------------------------------------------------------------------------
    def _record(self, verdict: Decision, **fields: object) -> Decision:
        if self.on_activity is not None:
            with contextlib.suppress(Exception):  # the guard's bookkeeping must not change a decision
                self.on_activity()
        extra: dict[str, Any] = {k: v for k, v in fields.items() if v is not None}
        if self.wrapper is not None:
            extra["wrapper"] = self.wrapper
        extra.update(decision="allow" if verdict.allow else "deny", rule_id=verdict.rule_id, reason=verdict.reason)
        try:
            if self.recorder is not None:
                self.recorder(extra)
            else:
                record("tool_decision", self.audit_ctx, **extra)
        except (AuditWriteError, OSError, ValueError) as exc:
            if verdict.allow:
                return deny("audit.unavailable", f"the audit trail cannot record this ({exc}); {RETRY_HINT}")
            report_unrecorded("tool_decision", extra, exc)
        return verdict


SESSION_FILE = "session.json"


def session_document(profile: Profile, audit_ctx: AuditContext, project_dirs: tuple[str, ...],
                     config_dir: str) -> dict[str, Any]:
    """What a wrapper session's gate needs to decide without the wrapper (written by the DecisionServer)."""
    return {
        "profile": profile.to_dict(),
        "audit": {"session_id": audit_ctx.session_id, "profile": audit_ctx.profile, "user": dict(audit_ctx.user),
                  "tags": dict(audit_ctx.tags), "host": audit_ctx.host},
        "project_dirs": list(project_dirs),
        "config_dir": config_dir,
    }


def decide_in_session(session_file: str, outbox: str | None, wrapped: str, cwd: str) -> Decision | None:
    """The gate's verdict from its wrapper session's own profile, when the decision socket cannot be reached:
    inside the OS sandbox (no Unix sockets there), or after the wrapper died. The record goes to the
    session's outbox, for the wrapper (or, if it died, the next session) to move into the spool: inside the
    sandbox the state directory is an empty in-memory mount, where a spool write would vanish. Without an
    outbox (the wrapper removed it at its end) it goes to the spool, marked `wrapper: unreachable`.
    None: no usable session file."""
    import json

    try:
        with open(session_file, encoding="utf-8") as handle:
            data = json.load(handle)
        profile = Profile.from_dict(data["profile"])
        audit = data["audit"]
        ctx = AuditContext(session_id=audit["session_id"], profile=audit["profile"], user=audit["user"],
                           tags=audit["tags"], host=audit["host"])
        project_dirs = tuple(data["project_dirs"])
        config_dir = data["config_dir"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    recorder: Callable[[dict[str, Any]], None] | None = None
    wrapper: str | None = "unreachable"
    if outbox and os.path.isdir(outbox):
        from claude_enterprise.enforce.outbox_post import post

        def recorder(fields: dict[str, Any]) -> None:
            post(outbox, {**fields, "enforcement": "gate"})

        wrapper = None
    decider = Decider(profile, ctx, project_dirs=project_dirs, config_dir=config_dir, wrapper=wrapper,
                      recorder=recorder)
    return decider.gate(wrapped, cwd)


def decide_locally(
    op: str,
    data: bytes | str | None,
    *,
    requested: str | None,
    session_id: str | None,
    project_dirs: tuple[str, ...],
    error: str | None = None,
    cwd: str | None = None,
    wrapper: str | None = None,
) -> Decision:
    """No server answered: resolve the profile exactly as the launcher does and decide in this process.

    `requested` is the session's profile when a wrapper started us (its argv, not the environment a
    repository's settings can change), else None (resolution from flag-less env, config and identity).
    A profile that cannot be resolved is a deny, recorded without a profile.
    """
    from claude_enterprise.resolve import resolve

    try:
        resolution = resolve(requested, os.environ)
    except Exception as exc:
        verdict = deny("enforce.no_profile", f"no security profile resolves ({exc}); nothing was run")
        try:
            record("tool_decision", AuditContext(session_id=session_id), decision="deny",
                   rule_id=verdict.rule_id, reason=verdict.reason, enforcement=op)
        except (AuditWriteError, OSError, ValueError) as exc:
            report_unrecorded("tool_decision", {"decision": "deny", "rule_id": verdict.rule_id,
                                                "session_id": session_id}, exc)
        return verdict
    decider = Decider(
        resolution.profile,
        resolution.audit_context(session_id),
        project_dirs=project_dirs,
        config_dir=claude_config_dir(os.environ),
        wrapper=wrapper,
    )
    if op == "hook":
        return decider.hook(data if isinstance(data, bytes) else None, error)
    return decider.gate(data if isinstance(data, str) else "", cwd)
