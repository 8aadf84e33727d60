"""The on-disk audit spool: append-only JSON-lines segments with a hash chain, one spool per user.

Durability (fsync policy): every record is written with one `write()` on an O_APPEND descriptor and then
`fdatasync`ed before `record()` returns (`fsync` where fdatasync does not exist; on macOS that flushes
to the drive but not through its cache, F_FULLFSYNC would cost ~10 ms a record). Audit events are
records, not telemetry: a decision the hook returned must not vanish on power loss, and the cost
measured here (~0.2 ms on ext4) keeps an append well under a millisecond. A process killed with
SIGKILL never loses a completed write (it is in the page cache). A new segment's directory entry is
fsynced too. `CLAUDE_ENTERPRISE_AUDIT_FSYNC=0` disables the flush (benchmarks, throw-away CI runners).

Concurrency: writers are separate processes (hook, exec gate, wrapper) and threads. Every append holds
`flock` on `<spool>/.lock` (plus a thread lock) while it reads the chain head, writes and syncs, so `seq`
and `prev_hash` always continue the true last line. The head is read from the tail of the newest
segment (cached per process by inode and size, so a resident writer does not re-read its own lines).

Torn writes: a segment whose last byte is not a newline lost a write mid-way (crash, power loss). Under
the lock nobody is writing, so the next writer moves the partial bytes to `quarantine/`, truncates,
and records an `audit_spool_repaired` event describing what it moved (size, sha256): nothing is silently
dropped and the chain continues from the last complete event.

Bounds: segments rotate at `segment_bytes`. When the spool exceeds 80 % of `max_bytes`, segments the
shipper has acknowledged are deleted oldest first (their last seq/hash is kept in `anchor.json` so
`verify` still checks the chain from there). If unshipped events still fill 80 %, every append warns on
stderr and one `audit_spool_high_water` event is recorded; at 100 % one `audit_spool_full` event is
recorded and `record()` raises `AuditWriteError` so callers fail closed (deny) instead of losing records.

Standard library only (hot path).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from claude_enterprise.audit.events import Draft, Head, seal
from claude_enterprise.constants import ENV_AUDIT_FSYNC, ENV_AUDIT_MAX_BYTES
from claude_enterprise.fsutil import atomic_write, create_exclusive


def uuid4() -> str:
    """A random (version 4) UUID, as `str(uuid.uuid4())` gives, without importing `uuid` (and `platform`)
    on the per-command path."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

DEFAULT_MAX_BYTES = 256 * 1024 * 1024
DEFAULT_SEGMENT_BYTES = 8 * 1024 * 1024
HIGH_WATER_FRACTION = 0.8
LOCK_TIMEOUT_S = 5.0

SEGMENT_PREFIX = "seg-"
SEGMENT_SUFFIX = ".jsonl"
LOCK_FILE = ".lock"
HEAD_FILE = "head"
CURSOR_FILE = "cursor.json"
ANCHOR_FILE = "anchor.json"
QUARANTINE_DIR = "quarantine"
REJECTED_FILE = "rejected.jsonl"
_HIGH_MARK = ".alert-high-water"
_FULL_MARK = ".alert-full"
_HEAD_WIDTH = 160  # fixed-size head sidecar, rewritten in place with one pwrite


class AuditWriteError(RuntimeError):
    """The event could not be recorded durably. Callers must fail closed (deny / refuse)."""


def segment_name(number: int) -> str:
    return f"{SEGMENT_PREFIX}{number:08d}{SEGMENT_SUFFIX}"


def segment_number(name: str) -> int | None:
    if not (name.startswith(SEGMENT_PREFIX) and name.endswith(SEGMENT_SUFFIX)):
        return None
    digits = name[len(SEGMENT_PREFIX):-len(SEGMENT_SUFFIX)]
    return int(digits) if digits.isdigit() else None


def list_segments(directory: Path) -> list[tuple[str, int]]:
    """(name, size) of every segment, oldest first."""
    found: list[tuple[int, str, int]] = []
    try:
        entries = os.scandir(directory)
    except FileNotFoundError:
        return []
    with entries:
        for entry in entries:
            number = segment_number(entry.name)
            if number is not None:
                try:
                    found.append((number, entry.name, entry.stat().st_size))
                except FileNotFoundError:  # pruned concurrently
                    continue
    found.sort()
    return [(name, size) for _, name, size in found]


class Cursor(NamedTuple):
    """The shipper's acknowledgement: everything before `offset` in `segment` (and earlier segments)
    was accepted by CloudWatch."""

    segment: str = ""
    offset: int = 0


START = Cursor()  # nothing acknowledged yet


def read_cursor(directory: Path) -> Cursor:
    try:
        data = json.loads((directory / CURSOR_FILE).read_text(encoding="utf-8"))
        return Cursor(str(data["segment"]), int(data["offset"]))
    except FileNotFoundError:
        return START
    except (OSError, ValueError, KeyError, TypeError) as exc:
        # A corrupt cursor must not lose events: start over (at-least-once; duplicates carry event_id).
        print(f"claude-enterprise: audit cursor {directory / CURSOR_FILE} unreadable ({exc}); "
              "re-shipping from the start", file=sys.stderr)
        return START


def write_cursor(directory: Path, cursor: Cursor) -> None:
    """Atomically replace the cursor (write, fsync, rename) so a crash leaves the old or the new one."""
    atomic_write(directory / CURSOR_FILE, json.dumps({"segment": cursor.segment, "offset": cursor.offset}))


def read_anchor(directory: Path) -> Head:
    """Where the retained chain starts: genesis, or the last event of the newest pruned segment."""
    try:
        data = json.loads((directory / ANCHOR_FILE).read_text(encoding="utf-8"))
        return Head(int(data["seq"]), str(data["hash"]))
    except FileNotFoundError:
        return Head()
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise AuditWriteError(f"audit anchor {directory / ANCHOR_FILE} is corrupt: {exc}") from exc


def _head_check(body: str) -> str:
    return hashlib.sha256(body.encode("ascii")).hexdigest()[:16]


# The sidecar is rewritten in place while readers run, and Linux does not make a read atomic against a
# concurrent pwrite: a reader can see the new seq beside half of the old hash. The check field exposes such
# a torn read, and the reader simply reads again (a write is a single short pwrite, so one retry is enough
# in practice; the bound only keeps a damaged sidecar from looping forever).
_HEAD_READ_ATTEMPTS = 50


def read_head_sidecar(directory: Path) -> Head | None:
    """The head as last written by a writer; used by `verify` to notice events removed at the end.

    None when the sidecar is absent or never reads consistently (damaged)."""
    for _ in range(_HEAD_READ_ATTEMPTS):
        try:
            fields = (directory / HEAD_FILE).read_text(encoding="ascii").split()
            if len(fields) == 5 and _head_check(" ".join(fields[:4])) != fields[4]:
                continue  # torn read of a concurrent rewrite
            return Head(int(fields[0]), fields[1])
        except FileNotFoundError:
            return None
        except (OSError, ValueError, IndexError):
            continue
    return None


def acked_bytes(segments: list[tuple[str, int]], cursor: Cursor) -> int:
    """Bytes of the spool the shipper has had accepted."""
    if not cursor.segment:
        return 0
    total = 0
    for name, size in segments:
        if name < cursor.segment:
            total += size
        elif name == cursor.segment:
            total += min(cursor.offset, size)
    return total


def last_line(fd: int, size: int) -> tuple[bytes, int]:
    """(last complete line without its newline, its start offset) of a file of `size` ending in a newline."""
    pos = size - 1  # skip the final newline
    chunk = 4096
    buf = b""
    while pos > 0:
        start = max(0, pos - chunk)
        buf = os.pread(fd, pos - start, start) + buf  # buf now covers [start, end)
        pos = start
        nl = buf.rfind(b"\n")
        if nl != -1:
            return buf[nl + 1:], pos + nl + 1
        chunk *= 2
    return buf, 0


def tail_start(fd: int, size: int) -> int:
    """Offset just after the last newline (0 when there is none)."""
    pos = size
    chunk = 4096
    while pos > 0:
        start = max(0, pos - chunk)
        data = os.pread(fd, pos - start, start)
        nl = data.rfind(b"\n")
        if nl != -1:
            return start + nl + 1
        pos = start
        chunk *= 2
    return 0


class _Locked:
    """Inter-process (flock) + intra-process (thread) exclusion over one spool."""

    def __init__(self, spool: Spool) -> None:
        self.spool = spool

    def __enter__(self) -> int:
        self.spool._thread_lock.acquire()
        try:
            fd = self.spool._lock_fd()
            deadline = time.monotonic() + LOCK_TIMEOUT_S
            delay = 0.0005
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    if self.spool._lock_is_current():
                        return fd
                    self.spool._drop_lock_fd()  # closing releases the stale lock
                    fd = self.spool._lock_fd()
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise AuditWriteError(
                            f"audit spool {self.spool.directory} is locked by another process for more "
                            f"than {LOCK_TIMEOUT_S:.0f} s") from None
                    time.sleep(delay)
                    delay = min(delay * 2, 0.05)
        except BaseException:
            self.spool._thread_lock.release()
            raise

    def __exit__(self, *exc: object) -> None:
        try:
            fcntl.flock(self.spool._lock_fd(), fcntl.LOCK_UN)
        finally:
            self.spool._thread_lock.release()


class Spool:
    """One user's spool directory. Safe to share between threads; other processes coordinate via flock."""

    def __init__(self, directory: Path, *, max_bytes: int | None = None, segment_bytes: int | None = None,
                 fsync: bool | None = None) -> None:
        self.directory = Path(directory)
        env_max = os.environ.get(ENV_AUDIT_MAX_BYTES)
        self.max_bytes = max_bytes or (int(env_max) if env_max and env_max.isdigit() else DEFAULT_MAX_BYTES)
        self.segment_bytes = segment_bytes or min(DEFAULT_SEGMENT_BYTES, max(self.max_bytes // 16, 4096))
        self.fsync = fsync if fsync is not None else os.environ.get(ENV_AUDIT_FSYNC) != "0"
        self._thread_lock = threading.RLock()
        self._pid = -1
        self._lock = -1
        self._seg_name = ""
        self._seg_fd = -1
        # (segment, inode, size) at which our cached head was true.
        self._head_key: tuple[str, int, int] | None = None
        self._head = Head()
        self._warned_high = False

    # -- file descriptors (re-opened after fork: an inherited flock descriptor would share the lock) --

    def _reset_after_fork(self) -> None:
        if self._pid != os.getpid():
            self._pid = os.getpid()
            self._lock = -1
            self._seg_fd = -1
            self._seg_name = ""
            self._head_key = None

    def _lock_fd(self) -> int:
        self._reset_after_fork()
        if self._lock < 0:
            self._ensure_dir()
            self._lock = os.open(self.directory / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        return self._lock

    def _lock_is_current(self) -> bool:
        """After locking: is our descriptor still the file at `.lock`? If the spool directory was
        removed and re-created, a stale descriptor would lock nothing other writers see."""
        try:
            return os.stat(self.directory / LOCK_FILE).st_ino == os.fstat(self._lock).st_ino
        except FileNotFoundError:
            return False

    def _drop_lock_fd(self) -> None:
        if self._lock >= 0:
            os.close(self._lock)
        self._lock = -1
        self._seg_name = ""
        if self._seg_fd >= 0:
            os.close(self._seg_fd)
        self._seg_fd = -1
        self._head_key = None

    def _ensure_dir(self) -> None:
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise AuditWriteError(f"cannot create audit spool {self.directory}: {exc.strerror}") from exc

    def _segment_fd(self, name: str) -> int:
        path = self.directory / name
        if self._seg_name == name and self._seg_fd >= 0:
            try:
                stale = os.stat(path).st_ino != os.fstat(self._seg_fd).st_ino
            except FileNotFoundError:
                stale = True  # removed behind our back: writing to the old inode would lose events
            if stale:
                os.close(self._seg_fd)
                self._seg_fd = -1
        if self._seg_name != name or self._seg_fd < 0:
            if self._seg_fd >= 0:
                os.close(self._seg_fd)
                self._seg_fd = -1
            created = not path.exists()
            self._seg_fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._seg_name = name
            if created and self.fsync:
                self._sync_dir()
        return self._seg_fd

    def _sync_dir(self) -> None:
        dfd = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)

    def close(self) -> None:
        with self._thread_lock:
            if self._pid == os.getpid():
                for fd in (self._seg_fd, self._lock):
                    if fd >= 0:
                        os.close(fd)
            self._seg_fd = self._lock = -1
            self._seg_name = ""
            self._head_key = None

    # -- appending ------------------------------------------------------------------------------------

    def append(self, draft: Draft) -> dict[str, Any]:
        """Seal `draft` onto the chain and write it durably; returns the written event."""
        try:
            with _Locked(self):
                segments, _ = self._repair_locked()
                segments = self._check_space(segments)
                event, line = self._seal(draft, segments)
                self._write((event, line), segments)
                return event
        except AuditWriteError:
            raise
        except OSError as exc:
            reason = exc.strerror or exc
            raise AuditWriteError(f"cannot write audit spool {self.directory}: {reason}") from exc

    def _seal(self, draft: Draft, segments: list[tuple[str, int]]) -> tuple[dict[str, Any], str]:
        head = self._read_head(segments)
        return seal(draft, head=head, event_id=uuid4(), epoch_seconds=time.time())

    def _write(self, sealed: tuple[dict[str, Any], str], segments: list[tuple[str, int]]) -> None:
        event, line = sealed
        data = line.encode("utf-8")
        if segments and segments[-1][1] < self.segment_bytes:
            name = segments[-1][0]
        else:
            number = (segment_number(segments[-1][0]) or 0) + 1 if segments else 1
            name = segment_name(number)
        fd = self._segment_fd(name)
        before = os.fstat(fd).st_size
        try:
            written = 0
            while written < len(data):
                written += os.write(fd, data[written:])
            if self.fsync:
                (getattr(os, "fdatasync", None) or os.fsync)(fd)
        except OSError as exc:
            # Leave no partial line behind: the next writer would otherwise have to quarantine it.
            with contextlib.suppress(OSError):
                os.ftruncate(fd, before)
            if exc.errno == errno.ENOSPC:
                raise AuditWriteError(f"audit spool {self.directory}: disk full") from exc
            raise
        after = before + len(data)
        self._head = Head(event["seq"], event["hash"])
        self._head_key = (name, os.fstat(fd).st_ino, after)
        if segments and segments[-1][0] == name:
            segments[-1] = (name, after)
        else:
            segments.append((name, after))
        self._write_head_sidecar(name, after)

    def _write_head_sidecar(self, name: str, size: int) -> None:
        """Best effort, not fsynced: `verify` uses it to notice deleted trailing events; the spool itself
        is the source of truth for the chain."""
        body = f"{self._head.seq} {self._head.hash} {name} {size}"
        text = f"{body} {_head_check(body)}".ljust(_HEAD_WIDTH - 1) + "\n"
        try:
            fd = os.open(self.directory / HEAD_FILE, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                os.pwrite(fd, text.encode("ascii"), 0)
            finally:
                os.close(fd)
        except OSError:
            pass

    def _read_head(self, segments: list[tuple[str, int]]) -> Head:
        """The chain head: last event of the newest non-empty segment (or the anchor)."""
        for name, size in reversed(segments):
            if size == 0:
                continue
            fd = self._segment_fd(name)
            st = os.fstat(fd)
            if self._head_key == (name, st.st_ino, st.st_size):
                return self._head
            raw, _ = last_line(fd, st.st_size)
            try:
                event = json.loads(raw)
                head = Head(int(event["seq"]), str(event["hash"]))
            except (ValueError, KeyError, TypeError) as exc:
                raise AuditWriteError(
                    f"audit spool {self.directory / name}: last event unreadable ({exc}); "
                    "run `claude-enterprise audit verify`") from exc
            self._head, self._head_key = head, (name, st.st_ino, st.st_size)
            return head
        return read_anchor(self.directory)

    def _repair_tail(self, segments: list[tuple[str, int]]) -> dict[str, Any] | None:
        """Quarantine a torn or unparseable tail of the newest segment; describe what was moved.

        Loops because a torn write can follow a corrupt line: the writer must never wedge on a tail it
        cannot chain onto.
        """
        newest = [(name, size) for name, size in segments if size > 0]
        if not newest:
            return None
        name = newest[-1][0]
        fd = self._segment_fd(name)
        size = os.fstat(fd).st_size
        original_size = size
        problems: list[str] = []
        while size > 0:
            cut = tail_start(fd, size)
            if cut < size:
                problems.append("torn write: last line has no newline")
            else:
                raw, cut = last_line(fd, size)
                if _parses(raw):
                    break
                problems.append("last line is not a valid event")
            size = cut
        if size == original_size:
            return None
        moved = os.pread(fd, original_size - size, size)
        qdir = self.directory / QUARANTINE_DIR
        qdir.mkdir(mode=0o700, exist_ok=True)
        qpath = qdir / f"{name}.{size}.{time.time_ns()}.partial"
        create_exclusive(qpath, moved, fsync=True)
        os.ftruncate(fd, size)
        if self.fsync:
            os.fsync(fd)
        self._head_key = None
        print(f"claude-enterprise: audit spool {self.directory / name}: {'; '.join(problems)}; moved "
              f"{len(moved)} bytes to {qpath}", file=sys.stderr)
        return {"segment": name, "offset": size, "bytes": len(moved),
                "sha256": hashlib.sha256(moved).hexdigest(), "quarantined_to": str(qpath),
                "reason": "; ".join(problems)}

    def _check_space(self, segments: list[tuple[str, int]]) -> list[tuple[str, int]]:
        total = sum(size for _, size in segments)
        high = int(self.max_bytes * HIGH_WATER_FRACTION)
        if total < high:
            if self._warned_high or (self.directory / _HIGH_MARK).exists():
                _unlink(self.directory / _HIGH_MARK)
                _unlink(self.directory / _FULL_MARK)
                self._warned_high = False
            return segments
        segments = self._prune_acked(segments)
        total = sum(size for _, size in segments)
        if total < high:
            return segments
        unshipped = total - acked_bytes(segments, read_cursor(self.directory))
        if total >= self.max_bytes:
            message = (f"claude-enterprise: AUDIT SPOOL FULL: {self.directory} holds {total} bytes "
                       f"({unshipped} unshipped) of {self.max_bytes}; events are refused until "
                       "`claude-enterprise audit ship` succeeds")
            print(message, file=sys.stderr)
            if _mark_once(self.directory / _FULL_MARK):
                self._write(self._seal(_internal("audit_spool_full", {
                    "bytes": total, "unshipped_bytes": unshipped, "max_bytes": self.max_bytes}), segments),
                    segments)
            raise AuditWriteError(message.removeprefix("claude-enterprise: "))
        print(f"claude-enterprise: audit spool {self.directory} is {total * 100 // self.max_bytes}% full "
              f"({unshipped} bytes unshipped); ship it: `claude-enterprise audit ship`", file=sys.stderr)
        self._warned_high = True
        if _mark_once(self.directory / _HIGH_MARK):
            self._write(self._seal(_internal("audit_spool_high_water", {
                "bytes": total, "unshipped_bytes": unshipped, "max_bytes": self.max_bytes}), segments),
                segments)
        return segments

    def _prune_acked(self, segments: list[tuple[str, int]]) -> list[tuple[str, int]]:
        """Delete closed segments the shipper fully acknowledged, oldest first, keeping the anchor."""
        cursor = read_cursor(self.directory)
        keep = list(segments)
        while len(keep) > 1 and cursor.segment and keep[0][0] < cursor.segment:
            self._retire_segment(*keep.pop(0))
        return keep

    def _retire_segment(self, name: str, size: int) -> int | None:
        """Delete the oldest segment, first moving the chain's anchor to its last event (so `verify` checks
        what remains); returns that event's seq."""
        fd = os.open(self.directory / name, os.O_RDONLY)
        try:
            raw, _ = last_line(fd, size) if size else (b"", 0)
        finally:
            os.close(fd)
        seq = None
        if raw:
            event = json.loads(raw)
            seq = int(event["seq"])
            atomic_write(self.directory / ANCHOR_FILE,
                         json.dumps({"seq": event["seq"], "hash": event["hash"], "segment": name}))
        os.unlink(self.directory / name)
        return seq

    def retire_local(self, keep_bytes: int) -> dict[str, Any] | None:
        """With no CloudWatch sink the trail on this machine is the record, kept within `keep_bytes`: the
        oldest closed segments beyond it are retired, and that is itself an event (`audit_spool_retired`,
        with the last seq retired), so the bound never turns into silent loss or into refused tool calls."""
        with _Locked(self):
            segments = list_segments(self.directory)
            total = sum(size for _, size in segments)
            retired_bytes, through = 0, None
            while len(segments) > 1 and total - retired_bytes > keep_bytes:
                name, size = segments.pop(0)
                through = self._retire_segment(name, size) or through
                retired_bytes += size
            if not retired_bytes:
                return None
            fields = {"bytes": retired_bytes, "through_seq": through, "keep_bytes": keep_bytes,
                      "reason": "no CloudWatch sink configured: local retention"}
            self._write(self._seal(_internal("audit_spool_retired", fields), segments), segments)
            return fields

    # -- reading (no lock: only complete lines are returned) -----------------------------------------

    def repair(self) -> dict[str, Any] | None:
        """Repair a torn tail now (the shipper calls this so a crashed writer's tail does not linger)."""
        with _Locked(self):
            return self._repair_locked()[1]

    def _repair_locked(self) -> tuple[list[tuple[str, int]], dict[str, Any] | None]:
        """Under the lock: quarantine a torn tail and record that it did; the segments as they now are."""
        segments = list_segments(self.directory)
        repaired = self._repair_tail(segments)
        if repaired:
            segments = list_segments(self.directory)
            self._write(self._seal(_internal("audit_spool_repaired", repaired), segments), segments)
        return segments, repaired

    def locked(self) -> _Locked:
        return _Locked(self)


def iter_lines(directory: Path, start: Cursor = START) -> Iterator[tuple[str, int, int, bytes]]:
    """(segment, start offset, end offset, line without newline) of every complete line after `start`."""
    for name, _ in list_segments(directory):
        if start.segment and name < start.segment:
            continue
        offset = start.offset if name == start.segment else 0
        try:
            handle = open(directory / name, "rb")  # noqa: SIM115 - closed below, generator-safe
        except FileNotFoundError:
            continue
        with handle:
            handle.seek(offset)
            for raw in handle:
                if not raw.endswith(b"\n"):
                    break  # in progress, or torn (the next writer quarantines it)
                end = offset + len(raw)
                if raw.strip():
                    yield name, offset, end, raw[:-1]
                offset = end


def _parses(raw: bytes) -> bool:
    try:
        event = json.loads(raw)
        return isinstance(event, dict) and isinstance(event.get("seq"), int) and "hash" in event
    except ValueError:
        return False


def _internal(event_type: str, fields: dict[str, Any]) -> Draft:
    return Draft({"type": event_type, "session_id": None, "tool_use_id": None, "decision": None,
                  "rule_id": None, "reason": None, "command": None, **fields})


def _mark_once(path: Path) -> bool:
    """Create `path`; True the first time (so an alert event is recorded once per crossing)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        return True
    except FileExistsError:
        return False


def _unlink(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


_SPOOLS: dict[Path, Spool] = {}
_SPOOLS_LOCK = threading.Lock()


def spool_for(directory: Path, factory: Callable[[Path], Spool] = Spool) -> Spool:
    """The process-wide `Spool` for `directory` (one set of descriptors and one head cache each)."""
    key = Path(directory)
    with _SPOOLS_LOCK:
        spool = _SPOOLS.get(key)
        if spool is None:
            spool = _SPOOLS[key] = factory(key)
        return spool
