"""Audit trail: build, redact, chain and durably spool events; the shipper sends them to CloudWatch.

    from claude_enterprise.audit import AuditContext, record
    ctx = AuditContext(session_id=sid, profile="restricted", user={"sub": ..., "email": ...},
                       tags={"department": ...})
    record("tool_decision", ctx, tool_use_id=tid, decision="deny", rule_id="shell.deny.curl",
           reason="...", command="curl ...")

`record` raises `AuditWriteError` when the event cannot be written durably (disk full, spool full,
permissions): callers on an enforcing path must then deny. The fsync, locking, rotation and torn-write
policies are described in `claude_enterprise.audit.spool`.

Standard library only at import time: the hook and the exec gate record on every tool call. The
CloudWatch shipper (`claude_enterprise.audit.shipper`) imports boto3 and is never imported from here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from claude_enterprise.audit.events import COMMON_FIELDS, EVENT_TYPES, RESERVED_FIELDS, SCHEMA, Draft
from claude_enterprise.audit.redact import redact, redact_value
from claude_enterprise.audit.spool import AuditWriteError, Spool, spool_for
from claude_enterprise.audit.status import SpoolStatus
from claude_enterprise.records import EMPTY

__all__ = [
    "EVENT_TYPES",
    "SCHEMA",
    "AuditContext",
    "AuditWriteError",
    "SpoolStatus",
    "default_spool_dir",
    "record",
    "redact",
    "report_unrecorded",
    "spool_status",
]


@lru_cache(maxsize=1)
def _hostname() -> str:
    # uname's nodename is what socket.gethostname() returns on POSIX, without importing socket on the hot path.
    return os.uname().nodename


class AuditContext(NamedTuple):
    """Who and where: attached to every event of a session so each record stands on its own."""

    session_id: str | None = None
    profile: str | None = None
    user: Mapping[str, str] = EMPTY  # sub, email, identity_id
    tags: Mapping[str, str] = EMPTY  # department, cost_center, team, ...
    host: str | None = None  # None: this machine


def default_spool_dir() -> Path:
    from claude_enterprise.paths import state_dir

    return state_dir() / "audit"


def record(event_type: str, ctx: AuditContext | None = None, *, spool_dir: Path | None = None,
           **fields: object) -> dict[str, Any]:
    """Append one event to the spool durably and return it as written (with seq, hash, ...).

    `fields` add to or override the common fields (`tool_use_id`, `decision`, `rule_id`, `reason`,
    `command`, `session_id`, `profile`); the spool-owned fields (`RESERVED_FIELDS`) cannot be set.
    Every string is redacted before anything touches the disk.
    """
    if event_type not in EVENT_TYPES:
        raise ValueError(f"{event_type!r} is not a declared audit event type (audit.events.EVENT_TYPES)")
    reserved = RESERVED_FIELDS.intersection(fields)
    if reserved:
        raise ValueError(f"audit fields {sorted(reserved)} are set by the spool, not by callers")
    ctx = ctx or AuditContext()
    body: dict[str, object] = dict.fromkeys(COMMON_FIELDS)
    body.update(type=event_type, session_id=ctx.session_id, user=dict(ctx.user), tags=dict(ctx.tags),
                profile=ctx.profile, host=ctx.host or _hostname())
    body.update(fields)
    try:
        clean = redact_value(body)
    except (ValueError, TypeError, RecursionError) as exc:
        raise AuditWriteError(f"audit event {event_type} cannot be serialised: {exc}") from exc
    assert isinstance(clean, dict)
    _cap_command(clean)
    try:
        return spool_for(Path(spool_dir) if spool_dir else default_spool_dir()).append(Draft(clean))
    except (ValueError, TypeError) as exc:
        raise AuditWriteError(f"audit event {event_type} cannot be serialised: {exc}") from exc


# A command longer than this is stored as its first COMMAND_CAP characters plus the sha256 and length of the
# whole (redacted) command: a few huge commands (heredocs, minified scripts) must not fill the spool, and an
# auditor can still match the record against the full text kept elsewhere.
COMMAND_CAP = 4096


def _cap_command(body: dict[str, Any]) -> None:
    command = body.get("command")
    if isinstance(command, str) and len(command) > COMMAND_CAP:
        import hashlib

        body["command"] = command[:COMMAND_CAP]
        body["command_truncated"] = True
        body["command_length"] = len(command)
        body["command_sha256"] = hashlib.sha256(command.encode("utf-8", "surrogatepass")).hexdigest()


def report_unrecorded(event_type: str, fields: Mapping[str, object], exc: BaseException) -> None:
    """An event that could not be written (spool full, disk error) is never dropped silently: it is said on
    stderr, where the user and the wrapper's log see it, with what the record would have said."""
    import contextlib
    import json
    import sys

    summary = {k: fields.get(k) for k in ("decision", "rule_id", "session_id", "tool_use_id") if fields.get(k)}
    command = fields.get("command")
    if isinstance(command, str):
        summary["command"] = redact(command[:200])
    with contextlib.suppress(OSError, ValueError):
        print(f"claude-enterprise: AUDIT RECORD LOST: {event_type} {json.dumps(summary, default=str)} could "
              f"not be written to the audit trail: {exc}", file=sys.stderr, flush=True)


def spool_status(spool_dir: Path | None = None) -> SpoolStatus:
    """Depth (unshipped events), oldest unshipped timestamp, size, writability and fullness."""
    from claude_enterprise.audit.status import compute_status

    return compute_status(spool_for(Path(spool_dir) if spool_dir else default_spool_dir()))


def open_spool(spool_dir: Path | None = None) -> Spool:
    """The process-wide `Spool` object (readers, the shipper, tests with custom limits)."""
    return spool_for(Path(spool_dir) if spool_dir else default_spool_dir())
