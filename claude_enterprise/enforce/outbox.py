"""The exec gate's audit records from inside the OS sandbox, handed to the wrapper through a directory.

Inside Claude Code's sandbox the gate can neither write the spool (the state directory is read- and
write-protected there) nor reach the decision socket (no Unix sockets), yet its decision must be recorded.
The wrapper gives each session one private directory the sandbox may write: the gate posts each record as
one file (written, fsynced, then renamed into place, so a half-written record is never read) and the wrapper's
`Ingester` moves it into the hash-chained spool within a fraction of a second, and at the session's end.
Records of a wrapper that died are swept into the trail by the next session (`sweep_orphans`).

Sandboxed code can write that directory too: ingested records say `reported_from: sandbox`, only known fields
with string values are taken, and the context (user, session, profile) is the wrapper's own, never the
file's. The hook, outside the sandbox, records the same Bash call independently.

The posting side (`outbox_post`) is a module of its own: it runs in the gate before every command.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from claude_enterprise.enforce.outbox_post import FIELDS, SUFFIX, post

if TYPE_CHECKING:
    from claude_enterprise.audit import AuditContext

__all__ = ["FIELDS", "Ingester", "create", "drain", "post", "remove", "sweep_orphans"]
TYPES = ("tool_decision", "exec_blocked")
_MAX_BYTES = 1 << 20
_OWNER_FILE = "wrapper.pid"


def create(root: Path, session_name: str) -> Path:
    """A fresh private outbox for this wrapper (0700, ours), recording our pid for orphan sweeps."""
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    st = os.lstat(root)
    if not root.is_dir() or root.is_symlink() or st.st_uid != os.getuid():
        raise PermissionError(f"outbox root {root} is not a directory owned by this user")
    os.chmod(root, 0o700)
    outbox = root / session_name
    outbox.mkdir(mode=0o700)
    (outbox / _OWNER_FILE).write_text(str(os.getpid()), encoding="utf-8")
    return outbox


def _read(path: Path) -> dict[str, str] | None:
    try:
        if path.is_symlink() or path.stat().st_size > _MAX_BYTES:
            return None
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    return {k: v for k, v in data.items() if k in FIELDS and isinstance(v, str)}


def drain(outbox: Path, ctx: AuditContext, **extra: Any) -> int:
    """Move every complete record of `outbox` into the spool; returns how many. A record that cannot be
    recorded (spool full, disk error) stays for the next drain; an unreadable one is recorded as such."""
    from claude_enterprise.audit import record

    moved = 0
    try:
        names = sorted(p for p in os.listdir(outbox) if p.endswith(SUFFIX) and not p.startswith("."))
    except FileNotFoundError:
        return 0
    for name in names:
        path = outbox / name
        fields = _read(path)
        event_type = fields.pop("type", "tool_decision") if fields is not None else ""
        if fields is None or event_type not in TYPES:
            record("audit_outbox_invalid", ctx, decision="deny", rule_id="audit.outbox_invalid",
                   reason=f"a file in the sandbox outbox was not a record the gate or a shim posts ({name}: "
                          "unreadable, not JSON, or another event type); it was discarded",
                   reported_from="sandbox", **extra)
        else:
            body: dict[str, Any] = {**fields, "reported_from": "sandbox", **extra}
            record(event_type, ctx, **body)
        path.unlink()
        moved += 1
    return moved


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_orphans(root: Path, ctx: AuditContext) -> int:
    """Records left by wrappers that died (kill -9, crash) go into the trail now, marked with their outbox."""
    moved = 0
    with contextlib.suppress(FileNotFoundError):
        for outbox in root.iterdir():
            try:
                owner = int((outbox / _OWNER_FILE).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if owner == os.getpid() or _alive(owner):
                continue
            moved += drain(outbox, ctx, orphaned_outbox=outbox.name)
            remove(outbox)
    return moved


def remove(outbox: Path) -> None:
    """Delete an outbox once drained (left alone while records remain)."""
    with contextlib.suppress(OSError):
        for leftover in outbox.glob(".*.tmp"):  # a gate killed mid-write: nothing complete to keep
            leftover.unlink()
        (outbox / _OWNER_FILE).unlink()
        outbox.rmdir()


class Ingester:
    """The wrapper's side: drains the session's outbox every `interval` seconds and once more at stop."""

    def __init__(self, outbox: Path, ctx: AuditContext, interval: float = 0.2) -> None:
        self.outbox = outbox
        self.ctx = ctx
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="claude-enterprise-outbox", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._drain_quietly()

    def _drain_quietly(self) -> None:
        from claude_enterprise.audit import AuditWriteError

        with contextlib.suppress(AuditWriteError, OSError):  # retried on the next tick; said at stop
            drain(self.outbox, self.ctx)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        drain(self.outbox, self.ctx)
        remove(self.outbox)
