"""Claude Code's process tree as the guard sees it: which processes belong to the session, and what each runs.

Identity is (pid, start): `start` is the kernel's start time of the process, so a pid that is freed and
reused by an unrelated process is never mistaken for a member, and no signal reaches it (see `signal`).

Membership ("attribution"): the root and every process whose parent is a live member, re-checked as
processes appear, so a member stays a member after its parent dies and it is re-parented. Orphans lose the
link to their parent, so two more links keep them:
- with the wrapper as child subreaper (Linux, `become_subreaper`), every orphan of the tree re-parents to the
  wrapper (`adopter`) instead of init, even after `setsid` and a double fork: its children are members;
- a process whose process group or session was created by a member (the member was its leader) is a member.
  A group id stays allocated while the group has a process, so it cannot name an unrelated new group unless
  the pid was freed and reused: then the reused pid is alive and not a member, and the link is refused.

Backends:
- Linux (`ProcfsBackend`, stdlib only): new pids are found without listing `/proc`: the last pid the kernel
  allocated (`/proc/loadavg`) tells which pids are new since the previous scan; only those are read. Each
  member keeps `/proc/PID/comm` open: one `pread` per scan notices death (ESRCH) and exec (the name changes);
  its full `stat` is re-read every `stat_interval` to notice an exec that kept the name, re-parenting and
  `setsid`. Signals go through a pidfd opened first, then checked against the member's held descriptor
  (alive = still that process) and start time: no pid-reuse race.
- macOS and others (`PsutilBackend`): `psutil.pids()` diffed against the previous listing; per member a
  `psutil.Process` (create time checked); exec is noticed by the process name only, and a signal is sent
  after a create-time check (a tiny pid-reuse window remains: macOS has no pidfd). macOS has no child
  subreaper: orphans go to launchd and are followed only through the links above.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal as _signal
import sys
import time
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

_PR_SET_CHILD_SUBREAPER = 36
_PR_GET_CHILD_SUBREAPER = 37


@dataclass(frozen=True)
class Stat:
    """One reading of a process: its links to others and what it currently runs."""

    pid: int
    ppid: int
    pgid: int
    sid: int
    start: int  # opaque, comparable start token (Linux: clock ticks since boot; psutil: microseconds)
    name: str  # the kernel's short name (Linux `comm`, 15 bytes)
    zombie: bool
    fingerprint: object  # changes when the process execs


@dataclass
class Member:
    """A process attributed to the session, with what it was last seen running."""

    pid: int
    start: int
    ppid: int
    pgid: int
    sid: int
    name: str
    fingerprint: object
    exe: str | None = None
    argv: tuple[str, ...] = ()
    handle: Any = None  # backend's per-process handle
    quick: Any = None  # backend's cheap change marker (Linux: raw comm); None until the first scan
    next_stat: float = 0.0  # monotonic time of the next full re-read

    @property
    def identity(self) -> tuple[int, int]:
        return (self.pid, self.start)

    def describe(self) -> dict[str, Any]:
        return {"pid": self.pid, "name": self.name, "exe": self.exe}


class Backend(Protocol):
    """What the tree needs from the operating system."""

    def candidates(self) -> Iterable[int]: ...
    def all_pids(self) -> list[int]: ...
    def read(self, pid: int) -> tuple[Stat, Any] | None: ...
    def is_process(self, pid: int) -> bool: ...
    def sweep(self, members: Iterable[Member], now: float) -> list[tuple[Member, bool, Any]]: ...
    def poll(self, member: Member) -> Stat | None: ...
    def release(self, handle: Any) -> None: ...
    def exe_argv(self, pid: int) -> tuple[str | None, tuple[str, ...]]: ...
    def exists(self, pid: int) -> bool: ...
    def create_time(self, start: int) -> float: ...
    def signal(self, pid: int, start: int, sig: int, handle: Any = None) -> bool: ...


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


def _parse_stat(data: bytes) -> Stat | None:
    """Parse `/proc/PID/stat`. The name may hold spaces and parentheses, hence the last `)`."""
    close = data.rfind(b")")
    if close < 0:
        return None
    fields = data[close + 2:].split()
    if len(fields) < 49:
        return None
    # Field n of proc(5) is fields[n - 3]. The fingerprint: the name (field 2) and the code, stack, data,
    # brk, argument and environment addresses (fields 26-28, 45-51): a new image after exec moves them
    # (ASLR), and they read as 0 once a set-uid exec makes the process unreadable to us: also a change.
    name = data[data.find(b"(") + 1:close]
    return Stat(
        pid=int(data[:data.find(b" ")]),
        ppid=int(fields[1]),
        pgid=int(fields[2]),
        sid=int(fields[3]),
        start=int(fields[19]),
        name=_decode(name),
        zombie=fields[0] in (b"Z", b"X"),
        fingerprint=(name, fields[23], fields[24], fields[25], *fields[42:49]),
    )


class ProcfsBackend:
    """Linux, standard library only: see the module docstring for the scan strategy."""

    # Beyond this many new pids since the previous scan, one listing of /proc is cheaper than probing.
    RANGE_LIMIT = 1024

    def __init__(self, max_open: int | None = None) -> None:
        self._clk = os.sysconf("SC_CLK_TCK")
        self._boot = _boot_time()
        try:
            with open("/proc/sys/kernel/pid_max", "rb") as f:
                self._pid_max = int(f.read())
        except (OSError, ValueError):
            self._pid_max = 4194304
        soft = _nofile_soft_limit()
        # Held descriptors (one per member) stay well under the process's limit: others need some too.
        self._max_open = max_open if max_open is not None else max(0, min(4096, soft // 2))
        self._open = 0
        self._loadavg: int | None
        try:
            self._loadavg = os.open("/proc/loadavg", os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            self._loadavg = None
        self._last = self._last_pid()
        self._retry: list[int] = []
        self._retrying: set[int] = set()

    def _last_pid(self) -> int | None:
        if self._loadavg is None:
            return None
        try:
            return int(os.pread(self._loadavg, 128, 0).split()[-1])
        except (OSError, ValueError, IndexError):
            return None

    def candidates(self) -> Iterable[int]:
        """Pids allocated since the previous call, plus those not yet visible then (a fork in progress)."""
        last = self._last_pid()
        previous, self._last = self._last, last
        retry, self._retry = self._retry, []
        self._retrying = set(retry)  # retried once only: most were short-lived processes already gone
        if last is None or previous is None:
            return self.all_pids()
        if last == previous:
            return retry
        if last > previous:
            count = last - previous
            ranges = [range(previous + 1, last + 1)]
        else:  # wrapped around pid_max
            count = self._pid_max - previous + last
            ranges = [range(previous + 1, self._pid_max), range(1, last + 1)]
        if count > self.RANGE_LIMIT:
            return self.all_pids()
        return [*retry, *(pid for r in ranges for pid in r)]

    def all_pids(self) -> list[int]:
        return [int(name) for name in os.listdir("/proc") if name.isdigit()]

    def read(self, pid: int) -> tuple[Stat, Any] | None:
        try:
            fd = os.open(f"/proc/{pid}/stat", os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            if pid not in self._retrying:
                self._retry.append(pid)
            return None
        except OSError:
            return None
        try:
            stat = _parse_stat(os.read(fd, 4096))
        except (OSError, ValueError):
            stat = None
        finally:
            os.close(fd)
        if stat is None:
            return None
        return stat, self._hold(pid, stat.start)

    def _hold(self, pid: int, start: int) -> int | None:
        """Open the member's `comm` and check it still names the process just read (start time)."""
        if self._open >= self._max_open:
            return None
        try:
            fd = os.open(f"/proc/{pid}/comm", os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            return None
        again = self._fresh(pid)
        if again is None or again.start != start:
            os.close(fd)
            return None
        self._open += 1
        return fd

    def _fresh(self, pid: int) -> Stat | None:
        try:
            fd = os.open(f"/proc/{pid}/stat", os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            return None
        try:
            return _parse_stat(os.read(fd, 4096))
        except (OSError, ValueError):
            return None
        finally:
            os.close(fd)

    def is_process(self, pid: int) -> bool:
        """False for a thread id: threads share the pid space and read like processes under /proc/TID."""
        try:
            with open(f"/proc/{pid}/status", "rb") as f:
                head = f.read(512)
        except OSError:
            return False
        at = head.find(b"\nTgid:")
        if at < 0:
            return False
        return int(head[at + 6:head.index(b"\n", at + 1)]) == pid

    def sweep(self, members: Iterable[Member], now: float) -> list[tuple[Member, bool, Any]]:
        """(member, alive, marker) for members gone, changed (`comm` differs) or due a full re-read.

        One pread of each held `comm` (ESRCH once the process is gone: the descriptor never follows a
        reused pid); members without a held descriptor get a full read. This loop is the guard's
        steady-state cost, hence kept flat.
        """
        pread = os.pread
        out: list[tuple[Member, bool, Any]] = []
        for member in members:
            fd = member.handle
            if fd is None:
                stat = self._fresh(member.pid)
                if stat is None or stat.start != member.start or stat.zombie:
                    out.append((member, False, None))
                else:
                    out.append((member, True, stat.name.encode()))
                continue
            try:
                raw = pread(fd, 64, 0)
            except OSError:
                out.append((member, False, None))
                continue
            if raw != member.quick or now >= member.next_stat:
                out.append((member, bool(raw), raw))
        return out

    def poll(self, member: Member) -> Stat | None:
        stat = self._fresh(member.pid)
        if stat is None or stat.start != member.start:
            return None
        return stat

    def release(self, handle: Any) -> None:
        if handle is not None:
            os.close(handle)
            self._open -= 1

    def exe_argv(self, pid: int) -> tuple[str | None, tuple[str, ...]]:
        exe: str | None
        try:
            exe = os.readlink(f"/proc/{pid}/exe").removesuffix(" (deleted)")
        except OSError:  # set-uid programs, other users' processes: fall back on the name and argv
            exe = None
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                raw = f.read()
        except OSError:
            raw = b""
        argv = tuple(_decode(a) for a in raw.split(b"\0")[:-1]) if raw.endswith(b"\0") else (
            (_decode(raw),) if raw else ())
        return exe, argv

    def exists(self, pid: int) -> bool:
        return os.path.exists(f"/proc/{pid}")

    def create_time(self, start: int) -> float:
        return self._boot + start / self._clk

    def signal(self, pid: int, start: int, sig: int, handle: Any = None) -> bool:
        """Signal the process only if it is still the one identified: a pidfd is opened first, then the
        identity is checked, so the pidfd cannot name a process that took the pid in between.

        The check is exact with the member's held descriptor (`handle`: it reads only while that very
        process lives, and a live process keeps its pid). Without one, the start time is compared: its
        resolution is one clock tick (10 ms), so a pid reused within the same tick would pass.
        """
        pidfd: int | None = None
        try:
            pidfd = os.pidfd_open(pid)
        except ProcessLookupError:
            return False
        except (OSError, AttributeError):  # kernel < 5.3: a check-then-kill window of microseconds
            pidfd = None
        try:
            if handle is not None:
                try:
                    if not os.pread(handle, 64, 0):
                        return False
                except OSError:
                    return False
            stat = self._fresh(pid)
            if stat is None or stat.start != start:
                return False
            if pidfd is not None:
                _signal.pidfd_send_signal(pidfd, sig)
            else:
                os.kill(pid, sig)
            return True
        except ProcessLookupError:
            return False
        finally:
            if pidfd is not None:
                os.close(pidfd)


class PsutilBackend:
    """macOS and other platforms: see the module docstring for what differs from Linux."""

    def __init__(self) -> None:
        import psutil  # not at module import: the Linux scan path never needs it

        self._psutil = psutil
        self._seen: set[int] = set()

    def candidates(self) -> Iterable[int]:
        now = set(self._psutil.pids())
        new, self._seen = now - self._seen, now
        return sorted(new)

    def all_pids(self) -> list[int]:
        self._seen = set(self._psutil.pids())
        return sorted(self._seen)

    def _stat(self, proc: Any) -> Stat:
        with proc.oneshot():
            name = proc.name()
            stat = Stat(
                pid=proc.pid,
                ppid=proc.ppid(),
                pgid=os.getpgid(proc.pid),
                sid=os.getsid(proc.pid),
                start=round(proc.create_time() * 1_000_000),
                name=name,
                zombie=proc.status() == self._psutil.STATUS_ZOMBIE,
                fingerprint=name,
            )
        return stat

    def read(self, pid: int) -> tuple[Stat, Any] | None:
        try:
            proc = self._psutil.Process(pid)
            return self._stat(proc), proc
        except (self._psutil.Error, OSError):
            return None

    def is_process(self, pid: int) -> bool:
        return True

    def sweep(self, members: Iterable[Member], now: float) -> list[tuple[Member, bool, Any]]:
        """One `name()` per held `psutil.Process`; the create-time check waits for `poll`."""
        out: list[tuple[Member, bool, Any]] = []
        for member in members:
            try:
                name = member.handle.name()
            except (self._psutil.Error, OSError):
                out.append((member, False, None))
                continue
            if name != member.quick or now >= member.next_stat:
                out.append((member, True, name))
        return out

    def poll(self, member: Member) -> Stat | None:
        try:
            stat = self._stat(self._psutil.Process(member.pid))
        except (self._psutil.Error, OSError):
            return None
        return stat if stat.start == member.start else None

    def release(self, handle: Any) -> None:
        return None

    def exe_argv(self, pid: int) -> tuple[str | None, tuple[str, ...]]:
        try:
            proc = self._psutil.Process(pid)
        except self._psutil.Error:
            return None, ()
        try:
            exe = proc.exe() or None
        except self._psutil.Error:
            exe = None
        try:
            argv = tuple(proc.cmdline())
        except self._psutil.Error:
            argv = ()
        return exe, argv

    def exists(self, pid: int) -> bool:
        return bool(self._psutil.pid_exists(pid))

    def create_time(self, start: int) -> float:
        return start / 1_000_000

    def signal(self, pid: int, start: int, sig: int, handle: Any = None) -> bool:
        try:
            proc = self._psutil.Process(pid)
            if round(proc.create_time() * 1_000_000) != start:
                return False
            proc.send_signal(sig)
            return True
        except self._psutil.Error:
            return False


def default_backend(kind: str | None = None) -> Backend:
    """`procfs` on Linux, `psutil` elsewhere; `kind` forces one (tests run both on Linux)."""
    if kind is None:
        kind = "procfs" if sys.platform.startswith("linux") and os.path.isdir("/proc/self") else "psutil"
    if kind == "procfs":
        return ProcfsBackend()
    if kind == "psutil":
        return PsutilBackend()
    raise ValueError(f"unknown process backend {kind!r} (use procfs or psutil)")


class ProcessTree:
    """The session's live members, kept current by `scan()`.

    `adopter`: our own pid when we are the child subreaper of the root's tree (orphans re-parent to us);
    `exclude`: pids never attributed (the wrapper itself, helpers the wrapper started);
    `owned`: our own children that we wait for ourselves (claude): never reaped here, or their owner
    would lose the exit status.
    """

    DEPARTED_KEPT = 4096  # dead members remembered to name ancestors in parent chains

    def __init__(self, root_pid: int, backend: Backend, *, adopter: int | None = None,
                 exclude: Iterable[int] = (), owned: Iterable[int] = (), stat_interval: float = 1.0) -> None:
        self.root_pid = root_pid
        self.backend = backend
        self.adopter = adopter
        self.exclude = {os.getpid(), *exclude}
        self.owned = {root_pid, *owned}
        self.stat_interval = stat_interval
        self.members: dict[int, Member] = {}
        self._leaders: set[int] = set()
        self._foreign: set[tuple[int, int]] = set()  # the adopter's children from before the session
        self._departed: OrderedDict[int, Member] = OrderedDict()

    # -- discovery -------------------------------------------------------------------------------------
    def start(self) -> list[Member]:
        """Admit the root and every current descendant; returns them (all need a first look)."""
        got = self.backend.read(self.root_pid)
        if got is None:
            raise ProcessLookupError(f"process {self.root_pid} does not exist")
        root = self._admit(*got)
        pids = list(self.backend.all_pids())
        if self.adopter is not None:
            self._foreign = self._children_of(self.adopter, pids)
        return [root, *self._discover(pids)]

    def _children_of(self, parent: int, pids: Iterable[int]) -> set[tuple[int, int]]:
        """(pid, start) of `parent`'s current children other than the root.

        As subreaper, the adopter's children count as re-parented members; those it already had when the
        session began cannot be orphans of this session (a test runner's servers, the wrapper's helpers).
        """
        found: set[tuple[int, int]] = set()
        for pid in pids:
            if pid == self.root_pid or pid in self.exclude:
                continue
            got = self.backend.read(pid)
            if got is None:
                continue
            stat, handle = got
            self.backend.release(handle)
            if stat.ppid == parent:
                found.add((stat.pid, stat.start))
        return found

    def track(self, pid: int, start: int) -> Member | None:
        """Admit the process (pid, start) if it is still that process (a process the wrapper knows of)."""
        got = self.backend.read(pid)
        if got is None:
            return None
        stat, handle = got
        if stat.start != start or stat.zombie:
            self.backend.release(handle)
            return None
        return self._admit(stat, handle)

    def scan(self, *, full: bool = False) -> list[Member]:
        """Refresh members and admit new ones; returns members that are new or exec'd since last seen."""
        changed: list[Member] = []
        now = time.monotonic()
        for member, alive, marker in self.backend.sweep(list(self.members.values()), now):
            if not alive:
                self._drop(member)
                continue
            stat = self.backend.poll(member)
            if stat is None or stat.zombie:
                self._drop(member)
                continue
            member.quick, member.next_stat = marker, now + self.stat_interval
            self._relink(member, stat)
            if stat.fingerprint != member.fingerprint:
                member.fingerprint, member.name = stat.fingerprint, stat.name
                member.exe, member.argv = self.backend.exe_argv(member.pid)
                changed.append(member)
        pids = self.backend.all_pids() if full else self.backend.candidates()
        changed.extend(self._discover(pids))
        return changed

    def _discover(self, pids: Iterable[int]) -> list[Member]:
        pending: list[tuple[Stat, Any]] = []
        for pid in pids:
            if pid in self.members or pid in self.exclude:
                continue
            got = self.backend.read(pid)
            if got is not None:
                pending.append(got)
        admitted: list[Member] = []
        progress = True
        while pending and progress:  # a child may come before its parent (pid wrap, listing order)
            progress = False
            rest: list[tuple[Stat, Any]] = []
            for stat, handle in pending:
                if not self._belongs(stat):
                    rest.append((stat, handle))
                elif stat.zombie or not self.backend.is_process(stat.pid):
                    self.backend.release(handle)
                    if stat.zombie:  # an orphan that lived and died between two scans
                        self._reap(stat.pid)
                else:
                    admitted.append(self._admit(stat, handle))
                    progress = True
            pending = rest
        for _stat, handle in pending:
            self.backend.release(handle)
        return admitted

    def _belongs(self, stat: Stat) -> bool:
        if stat.ppid in self.members:
            return True
        if self.adopter is not None and stat.ppid == self.adopter:
            return (stat.pid, stat.start) not in self._foreign
        return any(self._our_group(group) for group in (stat.pgid, stat.sid) if group != stat.pid)

    def _our_group(self, group: int) -> bool:
        """A group/session a member created; refused when its id now names an unrelated live process."""
        return group in self._leaders and (group in self.members or not self.backend.exists(group))

    def _admit(self, stat: Stat, handle: Any) -> Member:
        member = Member(pid=stat.pid, start=stat.start, ppid=stat.ppid, pgid=stat.pgid, sid=stat.sid,
                        name=stat.name, fingerprint=stat.fingerprint, handle=handle,
                        next_stat=time.monotonic() + self.stat_interval)
        member.exe, member.argv = self.backend.exe_argv(stat.pid)
        self.members[stat.pid] = member
        self._relink(member, stat)
        return member

    def _relink(self, member: Member, stat: Stat) -> None:
        member.ppid, member.pgid, member.sid = stat.ppid, stat.pgid, stat.sid
        if stat.pgid == stat.pid or stat.sid == stat.pid:
            self._leaders.add(stat.pid)

    def _drop(self, member: Member) -> None:
        self.backend.release(member.handle)
        member.handle = None
        self.members.pop(member.pid, None)
        self._departed[member.pid] = member
        while len(self._departed) > self.DEPARTED_KEPT:
            self._departed.popitem(last=False)
        self._reap(member.pid)

    def _reap(self, pid: int) -> None:
        """Collect an adopted orphan's exit status: as subreaper we are its parent, nobody else waits.

        Never an `owned` process (the wrapper's own children are waited for by whoever started them).
        waitpid on a process that is not our child only fails (ECHILD).
        """
        if self.adopter is None or pid in self.owned or pid in self.exclude:
            return
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(pid, os.WNOHANG)

    # -- views -----------------------------------------------------------------------------------------
    def descendants(self, pid: int) -> list[Member]:
        """Live members below `pid` (current parent links), nearest first."""
        children: dict[int, list[Member]] = {}
        for member in self.members.values():
            children.setdefault(member.ppid, []).append(member)
        found: list[Member] = []
        seen = {pid}
        queue = [pid]
        while queue:
            for child in children.get(queue.pop(0), ()):
                if child.pid not in seen:
                    seen.add(child.pid)
                    found.append(child)
                    queue.append(child.pid)
        return found

    def chain(self, pid: int) -> list[dict[str, Any]]:
        """Ancestors from the parent up to the root (or the first one no longer known)."""
        chain: list[dict[str, Any]] = []
        member = self.members.get(pid) or self._departed.get(pid)
        seen = {pid}
        while member is not None and member.pid != self.root_pid:
            parent_pid = member.ppid
            if parent_pid in seen or parent_pid <= 0:
                break
            seen.add(parent_pid)
            parent = self.members.get(parent_pid) or self._departed.get(parent_pid)
            chain.append(parent.describe() if parent else {"pid": parent_pid, "name": None, "exe": None})
            member = parent
        return chain

    def create_time(self, member: Member) -> float:
        return self.backend.create_time(member.start)

    def signal(self, member: Member, sig: int) -> bool:
        """Signal a live member (never an excluded process, never one already seen gone)."""
        if member.pid in self.exclude or self.members.get(member.pid) is not member:
            return False
        return self.backend.signal(member.pid, member.start, sig, member.handle)

    def reap_dead(self) -> None:
        """Reap every dead member that was our child, owned ones excepted (end of session: the owner
        has collected what it waits for)."""
        for member in list(self._departed.values()):
            self._reap(member.pid)

    def close(self) -> None:
        for member in list(self.members.values()):
            self._drop(member)


def _boot_time() -> float:
    with open("/proc/stat", "rb") as f:
        for line in f:
            if line.startswith(b"btime"):
                return float(line.split()[1])
    raise OSError("no btime in /proc/stat")


def _nofile_soft_limit() -> int:
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    except (ImportError, OSError, ValueError):
        return 1024
    return 1024 if soft == resource.RLIM_INFINITY else int(soft)


def _prctl() -> Any | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None
    return libc.prctl


def is_subreaper() -> bool:
    prctl = _prctl()
    if prctl is None:
        return False
    value = ctypes.c_int(0)
    return prctl(_PR_GET_CHILD_SUBREAPER, ctypes.byref(value), 0, 0, 0) == 0 and bool(value.value)


def set_subreaper(on: bool = True) -> bool:
    """Make this process the child subreaper (Linux): orphans of its descendants re-parent here, not to
    init, so they stay attributable. Call before spawning claude. False where unsupported (macOS)."""
    prctl = _prctl()
    return prctl is not None and prctl(_PR_SET_CHILD_SUBREAPER, int(on), 0, 0, 0) == 0


def freeze(tree: ProcessTree, targets: Sequence[Member], *,
           rounds: int = 8) -> tuple[list[Member], list[Member]]:
    """SIGSTOP `targets` and their descendants, re-discovering children forked meanwhile.

    Stopped, nothing in the subtree can fork or exec further while we collect it. Returns (members
    stopped, members the re-scans found new or exec'd: the caller still has to judge those).
    """
    frozen: dict[int, Member] = {}
    seen: list[Member] = []
    wave = list(targets)
    for _ in range(rounds):
        for member in wave:
            if member.pid not in frozen and tree.signal(member, _signal.SIGSTOP):
                frozen[member.pid] = member
        seen.extend(tree.scan())  # children forked before their parent stopped
        wave = [d for m in list(frozen.values()) for d in tree.descendants(m.pid) if d.pid not in frozen]
        if not wave:
            break
    return list(frozen.values()), seen


def kill(tree: ProcessTree, members: Iterable[Member]) -> None:
    """SIGKILL (a stopped process needs no continue first); the next scan re-reads them (and reaps)."""
    for member in members:
        tree.signal(member, _signal.SIGKILL)
        member.next_stat = 0.0
