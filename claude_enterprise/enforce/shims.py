"""The PATH shim directory: prevention for denied programs invoked by name anywhere in the tree.

The launcher puts the directory first on claude's `PATH`. Each entry is a tiny `sh` script named after a
program the profile denies (`Profile.exec_deny()`: the shell deny list plus the exec-only extras); it calls
this module with the absolute interpreter recorded at build time (no PATH
lookup, `-IS`: no user site, no PYTHON* variables, no site-packages scan), which records `exec_blocked`,
prints one line and exits 126 before the real program could run. Invocations by absolute path or through a
renamed copy bypass the shims; the guard catches those after exec.

Shims are written only under `enforce`: under `monitor` a refusal would change what runs, and the guard
already reports every denied process. The OS sandbox's own socat bridges (`sandbox_helpers`) are passed to
the real program: refusing them would leave every sandboxed command without a network bridge.

Standard library only: this module runs on every shim invocation.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from claude_enterprise.fsutil import atomic_write
from claude_enterprise.interpreter import bootstrap, python_argv

if TYPE_CHECKING:  # the shim path must not import the profile loader (tens of ms per invocation)
    from claude_enterprise.profiles.model import Profile

CONTEXT_FILE = "context.json"
EXIT_REFUSED = 126  # the shell's "found but cannot execute"


def _check_name(name: str, source: str) -> None:
    if not name or name in (".", "..") or "/" in name or "\0" in name or name == CONTEXT_FILE:
        raise ValueError(f"{source}: exec.deny entry {name!r} is not a program name; list bare names "
                         "such as curl")


def build_shim_dir(profile: Profile, dest_dir: Path, audit_ctx: object | None = None, *,
                   spool_dir: Path | None = None, outbox: Path | None = None) -> Path:
    """Write one refusing shim per denied program into `dest_dir` (created, mode 0700).

    `audit_ctx` (an `audit.AuditContext`) and `spool_dir` are recorded in `context.json` so a shim's
    event carries the session; with `outbox` (the session's sandbox outbox) the event goes there instead,
    since inside the OS sandbox the spool cannot be written. Returns `dest_dir`, to prepend to `PATH`.
    Shims of a previous build that the profile no longer denies are removed.
    """
    dest = Path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True, mode=0o700)
    programs = sorted(set(profile.exec_deny())) if profile.exec.mode == "enforce" else []
    for name in programs:
        _check_name(name, profile.source or profile.name)
    context = {
        "profile": profile.name,
        "session_id": getattr(audit_ctx, "session_id", None),
        "user": dict(getattr(audit_ctx, "user", {}) or {}),
        "tags": dict(getattr(audit_ctx, "tags", {}) or {}),
        "host": getattr(audit_ctx, "host", None),
        "spool_dir": str(spool_dir) if spool_dir is not None else None,
        "outbox": str(outbox) if outbox is not None else None,
    }
    atomic_write(dest / CONTEXT_FILE, json.dumps(context), fsync=False)
    for stale in dest.iterdir():
        if stale.name != CONTEXT_FILE and stale.name not in programs:
            stale.unlink()
    for name in programs:
        atomic_write(dest / name, _script(name, profile.name, dest), mode=0o755, fsync=False)
    return dest


def _script(name: str, profile_name: str, dest: Path) -> str:
    boot = bootstrap("from claude_enterprise.enforce.shims import shim_main\nsys.exit(shim_main(sys.argv[1:]))",
                     site_packages=False)
    args = " ".join(shlex.quote(a) for a in (*python_argv(site=False), "-c", boot, str(dest.resolve()), name))
    return (f"#!/bin/sh\n# claude-enterprise: {name} is denied by security profile {profile_name}.\n"
            f'exec {args} "$@"\n')


def shim_main(args: list[str]) -> int:
    """Run by a shim: record the refusal, say it on one line, exit 126. Never runs the program, except the
    OS sandbox's own bridges, which it execs from PATH past the shim directory."""
    shim_dir, program, *rest = args
    from claude_enterprise.enforce.sandbox_helpers import is_sandbox_helper

    if is_sandbox_helper([program, *rest]):
        real = _real_program(program, shim_dir)
        if real is not None:
            os.execv(real, [program, *rest])
    try:
        context = json.loads((Path(shim_dir) / CONTEXT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        context = {}
    profile = context.get("profile") or "unknown"
    reason = f"{program} is denied by security profile {profile!r}"
    print(f"claude-enterprise: {reason}; not run.", file=sys.stderr, flush=True)
    try:
        outbox = context.get("outbox")
        if outbox and os.path.isdir(outbox):
            from claude_enterprise.enforce.outbox_post import post

            post(outbox, {"type": "exec_blocked", "decision": "deny", "rule_id": f"exec.deny.{program}",
                          "reason": reason, "command": shlex.join([program, *rest]), "program": program,
                          "cwd": _cwd() or "", "source": "shim"})
            return EXIT_REFUSED
        from claude_enterprise.audit import AuditContext, record

        ctx = AuditContext(session_id=context.get("session_id"), profile=profile,
                           user=context.get("user") or {}, tags=context.get("tags") or {},
                           **({"host": context["host"]} if context.get("host") else {}))
        spool = context.get("spool_dir")
        record("exec_blocked", ctx, spool_dir=Path(spool) if spool else None, decision="deny",
               rule_id=f"exec.deny.{program}", reason=reason, command=shlex.join([program, *rest]),
               program=program, argv=[program, *rest], cwd=_cwd(), pid=os.getpid(), ppid=os.getppid(),
               source="shim")
    except Exception as exc:  # the refusal stands; the lost record is said out loud
        print(f"claude-enterprise: could not record the refusal of {program}: {exc}", file=sys.stderr)
    return EXIT_REFUSED


def _real_program(program: str, shim_dir: str) -> str | None:
    """`program` as PATH would find it without the shim directory."""
    shim = os.path.realpath(shim_dir)
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        if not directory or os.path.realpath(directory) == shim:
            continue
        candidate = os.path.join(directory, program)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def _cwd() -> str | None:
    try:
        return os.getcwd()
    except OSError:
        return None
