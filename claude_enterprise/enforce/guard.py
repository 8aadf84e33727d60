"""The process guard: the profile's `exec` rules applied to every process in Claude Code's tree.

Hooks and the exec gate see the commands Claude Code runs; they cannot see what those programs start in
turn (an npm script calling curl, a Makefile, a double-forked daemon). The guard watches the tree from the
resident wrapper: a process whose executable basename or argv[0] basename is in `exec.deny` is reported
(`monitor`: one `policy_violation` per process and program) or stopped (`enforce`: SIGSTOP the offender,
collect and SIGSTOP its descendants, SIGKILL them all, one `process_killed` event with the parent chain).
It scans every `fast_interval` while a tool call runs (`set_active`) or the tree has just changed, and
every `idle_interval` otherwise. Its own failures are recorded (`guard_error`) and printed, never silent.

Platforms (see `proctree` for the mechanics):
- Linux: stdlib /proc scanning, no psutil. Only pids allocated since the previous scan are read; each
  member costs one `pread` per scan. The wrapper becomes child subreaper, so orphans (double fork,
  `setsid`) re-parent to it and stay attributed; signals go through pidfds checked against the start
  time, so a reused pid is never signalled. An exec that keeps the process name is noticed within
  `stat_interval` (1 s; 5 s when idle) instead of the next scan.
- macOS: psutil (sysctl, libproc). No subreaper: an orphan whose parent exited unseen re-parents to launchd
  and is followed only through the process group or session a member created. Exec is noticed by a name
  change. Signals are sent after a create-time check (no pidfd: a microsecond reuse window remains).
  Names are matched case-insensitively (the default file system is). The fast interval defaults to 50 ms
  (listing all processes there costs more than reading new pids from /proc).
Name matching is a tripwire, not a sandbox: a renamed copy of a denied program is not caught by name;
the profile's shell rules and the IAM/network controls are the other layers.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import sys
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

from claude_enterprise.audit import AuditContext, record
from claude_enterprise.enforce.proctree import (
    Member,
    ProcessTree,
    default_backend,
    freeze,
    is_subreaper,
    kill,
    set_subreaper,
)
from claude_enterprise.enforce.sandbox_helpers import HELPER_PROGRAMS, is_sandbox_helper
from claude_enterprise.profiles.model import Profile

CASE_INSENSITIVE_NAMES = sys.platform == "darwin"
_SHELLS = frozenset({"sh", "dash", "bash"})  # what runs our PATH shims (`#!/bin/sh` scripts)
_COMM_LEN = 15  # Linux truncates the kernel's process name to 15 bytes
CLEANUP_MODES = ("terminate", "keep")


def denied_program(exe: str | None, argv: tuple[str, ...], name: str, deny: frozenset[str], *,
                   casefold: bool = CASE_INSENSITIVE_NAMES) -> str | None:
    """The `deny` entry this process runs, or None. Pure.

    Matched: the resolved executable's basename, argv[0]'s basename (a login shell's leading `-` dropped)
    and the kernel's short name, against the entry truncated as the kernel truncates names. The short name
    catches what the other two miss: set-uid programs such as sudo hide their executable from us, and a
    `#!` script runs as its interpreter (exe /bin/dash, argv[0] /bin/sh) under the script's own name.
    `deny` must already be case-folded when `casefold` is set.
    """
    names: list[str] = []
    if exe:
        names.append(os.path.basename(exe))
    if argv and argv[0]:
        names.append(os.path.basename(argv[0]).lstrip("-"))
    if casefold:
        names = [n.casefold() for n in names]
    for candidate in names:
        if candidate in deny:
            return candidate
    if name:
        short = name.casefold() if casefold else name
        for entry in deny:
            if entry[:_COMM_LEN] == short:
                return entry
    return None


class Guard:
    """Watches `root_pid`'s process tree for the session; see the module docstring.

    `root_pid` may be the wrapper itself (`os.getpid()`, recommended: the guard then starts before claude is
    spawned and sees everything from its first fork; the wrapper is never signalled) or claude's pid.
    `exclude`: pids never attributed (helpers the wrapper started itself). `owned` (or `own(pid)`): children
    the caller waits for itself, never reaped by the guard (claude when `root_pid` is the wrapper; as
    subreaper the guard reaps the orphans it adopts). `cleanup`: what `stop()` does with
    members still alive (`terminate`: SIGTERM, then SIGKILL after `cleanup_grace`; `keep`: nothing).
    `on_failure` is called (from the guard thread) when the guard gives up; under `enforce` the launcher
    should end the session then. `subreaper`: None = on Linux when the guard runs in the root's parent or
    the root itself.
    """

    IDLE_STAT_INTERVAL = 5.0
    # The decision server only sees a tool call start (hook and gate), never its end: after each decision the
    # guard scans fast for this long, the window in which that call's programs appear.
    TOOL_CALL_WINDOW_S = 30.0

    def __init__(self, profile: Profile, root_pid: int, audit_ctx: AuditContext | None, *,
                 spool_dir: Path | None = None, fast_interval: float | None = None,
                 idle_interval: float = 0.5, linger: float = 1.0, stat_interval: float = 1.0,
                 full_scan_interval: float = 5.0, subreaper: bool | None = None, exclude: Iterable[int] = (),
                 owned: Iterable[int] = (),
                 cleanup: str = "terminate", cleanup_grace: float = 2.0, backend: str | None = None,
                 on_failure: Callable[[BaseException], None] | None = None, max_errors: int = 5,
                 stderr: TextIO | None = None, shim_dir: Path | None = None) -> None:
        if cleanup not in CLEANUP_MODES:
            raise ValueError(f"guard cleanup {cleanup!r} must be one of {', '.join(CLEANUP_MODES)}")
        self.profile = profile
        self.root_pid = root_pid
        self.mode = profile.exec.mode
        casefold = CASE_INSENSITIVE_NAMES
        self.deny = frozenset(n.casefold() if casefold else n for n in profile.exec_deny())
        self._ctx = audit_ctx or AuditContext(profile=profile.name)
        self._spool_dir = spool_dir
        self._backend_kind = backend
        self.fast_interval = fast_interval
        self.idle_interval = idle_interval
        self.linger = linger
        self.stat_interval = stat_interval
        self.full_scan_interval = full_scan_interval
        self._subreaper = subreaper
        self._exclude = tuple(exclude)
        self._owned = set(owned)
        self.cleanup = cleanup
        self.cleanup_grace = cleanup_grace
        self._on_failure = on_failure
        self._max_errors = max_errors
        self._stderr = stderr
        # The PATH shims' directory: a shim is a `sh` script the kernel names after the program it refuses (or,
        # for the sandbox's socat bridges, passes through); killing it would race its own refusal record, or
        # cut the sandbox's network.
        self._shim_dirs = {str(shim_dir), os.path.realpath(shim_dir)} if shim_dir is not None else set()
        self.tree: ProcessTree | None = None
        self.error: BaseException | None = None
        self._active = 0
        self._lock = threading.Lock()
        self._scan_lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._reported: OrderedDict[tuple[int, int, str], None] = OrderedDict()
        self._said: set[str] = set()
        self._restore_subreaper: bool | None = None
        self._last_change = 0.0
        self._fast_until = 0.0

    # -- lifecycle -------------------------------------------------------------------------------------
    @property
    def watching(self) -> bool:
        """False when the profile needs nothing from the guard (exec rules off and leftovers kept)."""
        return not (self.mode == "off" and self.cleanup == "keep")

    def start(self, *, background: bool = True) -> None:
        """Track the root's tree now (synchronously) and scan it from a daemon thread.

        Raises when the tree cannot be read at all (the root is gone, /proc unreadable); the failure is
        recorded as `guard_error` first. `background=False` starts no thread: the caller drives the
        scans with `scan_once()` (deterministic tests and benchmarks).
        """
        if not self.watching or self._thread is not None or self.tree is not None:
            return
        try:
            backend = default_backend(self._backend_kind)
            adopter = self._become_subreaper(backend)
            self.tree = ProcessTree(self.root_pid, backend, adopter=adopter, exclude=self._exclude,
                                    owned=self._owned, stat_interval=self.stat_interval)
            if self.fast_interval is None:
                self.fast_interval = 0.02 if type(backend).__name__ == "ProcfsBackend" else 0.05
            first = self.tree.start()
        except Exception as exc:
            self._report_error("guard could not start", exc, fatal=True)
            raise
        self._judge_all(first)
        if background:
            self._thread = threading.Thread(target=self._run, name="claude-enterprise-guard", daemon=True)
            self._thread.start()

    def own(self, pid: int) -> None:
        """`pid` is a child the caller waits for itself (claude, when `root_pid` is the wrapper): the guard
        never reaps it. Spawn it and call this inside `paused()` so no scan can come in between."""
        self._owned.add(pid)
        if self.tree is not None:
            self.tree.owned.add(pid)

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """No scan runs inside this block (at most one in progress is waited for)."""
        with self._scan_lock:
            yield

    @property
    def active(self) -> bool:
        """True while at least one tool call runs (see `set_active`)."""
        with self._lock:
            return self._active > 0

    def scan_once(self, *, full: bool = False) -> None:
        """One scan and the verdicts on what it found; for callers driving the guard without its thread."""
        if self._thread is not None:
            raise RuntimeError("the guard's thread is scanning; scan_once() is for start(background=False)")
        if self.tree is None:
            raise RuntimeError("start() the guard first")
        self._scan(full)

    def _scan(self, full: bool) -> None:
        assert self.tree is not None
        with self._scan_lock:
            changed = self.tree.scan(full=full)
            if changed:
                self._last_change = time.monotonic()
                self._judge_all(changed)

    def set_active(self, active: bool) -> None:
        """A tool call started (True) or ended (False). Calls nest: concurrent tool calls each count."""
        with self._lock:
            self._active = self._active + 1 if active else max(0, self._active - 1)
        if active:
            self._wake.set()

    def poke(self) -> None:
        """A tool call was just decided (the decision server's `on_activity`): scan fast for a while."""
        self._fast_until = time.monotonic() + self.TOOL_CALL_WINDOW_S
        self._wake.set()

    def stop(self) -> list[dict[str, Any]]:
        """Stop scanning; with `cleanup="terminate"` end members still alive (not the root, not the
        wrapper). Returns the leftovers found, `{pid, name, exe, argv, signal}` each."""
        self._stopping = True
        self._wake.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=10)
            if thread.is_alive():
                self._report_error("guard thread did not stop", TimeoutError("10 s"), fatal=True)
        leftovers: list[dict[str, Any]] = []
        if self.tree is not None:
            try:
                if self.cleanup == "terminate":
                    leftovers = self.reap_leftovers()
            except Exception as exc:
                self._report_error("leftover cleanup failed", exc, fatal=False)
            finally:
                self.tree.close()
                self.tree.reap_dead()
        if self._restore_subreaper is not None:
            set_subreaper(self._restore_subreaper)
            self._restore_subreaper = None
        return leftovers

    def _become_subreaper(self, backend: Any) -> int | None:
        me = os.getpid()
        wanted = self._subreaper
        if wanted is None:
            got = backend.read(self.root_pid)
            if got is not None:
                backend.release(got[1])
            wanted = self.root_pid == me or (got is not None and got[0].ppid == me)
        if not wanted:
            return None
        was = is_subreaper()
        if was or set_subreaper(True):
            self._restore_subreaper = None if was else False
            return me
        return None

    # -- scanning --------------------------------------------------------------------------------------
    def _run(self) -> None:
        errors = 0
        next_full = time.monotonic() + self.full_scan_interval
        while not self._stopping:
            try:
                now = time.monotonic()
                full = now >= next_full
                if full:
                    next_full = now + self.full_scan_interval
                self._scan(full)
                errors = 0
            except Exception as exc:
                errors += 1
                fatal = errors >= self._max_errors
                self._report_error("guard scan failed", exc, fatal=fatal)
                if fatal:
                    self.error = exc
                    if self._on_failure is not None:
                        self._on_failure(exc)
                    return
            interval = self._interval()
            if self.tree is not None:  # idle: full re-reads (same-name exec, re-parenting) less often too
                self.tree.stat_interval = self.stat_interval if interval < self.idle_interval else max(
                    self.stat_interval, self.IDLE_STAT_INTERVAL)
            self._wake.wait(interval)
            self._wake.clear()

    def _interval(self) -> float:
        now = time.monotonic()
        if self.active or now < self._fast_until or now - self._last_change < self.linger:
            return self.fast_interval or 0.01
        return self.idle_interval

    def _judge_all(self, members: Iterable[Member]) -> None:
        if self.mode == "off" or not self.deny:
            return
        queue = deque(members)
        while queue:
            member = queue.popleft()
            assert self.tree is not None
            if self.tree.members.get(member.pid) is member:
                program = denied_program(member.exe, member.argv, member.name, self.deny)
                if program is None or is_sandbox_helper(member.argv) or self._our_shim(member):
                    continue
                if program in HELPER_PROGRAMS and not member.argv:
                    # Read mid-exec: it may be one of the OS sandbox's own bridges; judge it with its arguments.
                    member.fingerprint, member.next_stat = None, 0.0
                    continue
                if self.mode != "enforce" and not member.argv:
                    # Read mid-exec (new image, arguments not set up yet): report on the next scan, with them.
                    member.fingerprint, member.next_stat = None, 0.0
                    continue
                queue.extend(self._act(member, program))

    def _our_shim(self, member: Member) -> bool:
        """One of our PATH shims: a shell (by its executable, not a name it was given) running a script from
        the shim directory, which the sandbox keeps read-only."""
        argv = member.argv
        return (bool(self._shim_dirs) and len(argv) >= 2 and os.path.basename(member.exe or "") in _SHELLS
                and os.path.dirname(argv[1]) in self._shim_dirs)

    def _act(self, member: Member, program: str) -> list[Member]:
        """Stop (enforce) or report (monitor) one offender; returns members seen meanwhile, to be judged."""
        assert self.tree is not None
        killed: list[Member] = []
        seen: list[Member] = []
        if self.mode == "enforce":
            killed, seen = freeze(self.tree, [member])
            if not member.argv:  # read mid-exec: stopped now, the arguments are in place
                member.exe, member.argv = self._settled(member)
        chain = self.tree.chain(member.pid)
        details = {
            "pid": member.pid,
            "create_time": round(self.tree.create_time(member), 3),
            "exe": member.exe,
            "argv": list(member.argv),
            "name": member.name,
            "program": program,
            "parent_chain": chain,
            "rule_id": f"exec.deny.{program}",
            "command": shlex.join(member.argv) if member.argv else member.exe or member.name,
            "profile": self.profile.name,
            "mode": self.mode,
        }
        if self.mode != "enforce":
            key = (member.pid, member.start, program)  # once per process and program, across re-reads
            if key in self._reported:
                return []
            self._reported[key] = None
            while len(self._reported) > 65536:
                self._reported.popitem(last=False)
            self._emit("policy_violation", decision="monitor",
                       reason=f"{program} is denied by security profile {self.profile.name!r} (monitor mode)",
                       **details)
            return []
        kill(self.tree, killed)
        stopped = any(k.pid == member.pid for k in killed)
        children = [k.describe() for k in killed if k.pid != member.pid]
        if stopped:
            self._emit("process_killed", decision="deny", signal="SIGKILL", killed_children=children,
                       reason=f"{program} is denied by security profile {self.profile.name!r}", **details)
        else:
            self._emit("policy_violation", decision="deny", killed_children=children,
                       reason=f"{program} is denied by security profile {self.profile.name!r}; it exited "
                              "before the guard could stop it", **details)
        return seen

    def _settled(self, member: Member) -> tuple[str | None, tuple[str, ...]]:
        """exe and argv of a process just sent SIGSTOP, once the stop has landed (after its exec)."""
        assert self.tree is not None
        exe, argv = member.exe, member.argv
        for _ in range(10):
            exe, argv = self.tree.backend.exe_argv(member.pid)
            if argv:
                break
            time.sleep(0.002)
        return exe, argv

    # -- leftovers -------------------------------------------------------------------------------------
    def reap_leftovers(self, grace: float | None = None) -> list[dict[str, Any]]:
        """End members still alive (claude has exited): SIGTERM, then SIGKILL what remains after `grace`.

        Call with the scan thread stopped (`stop()` does). Records one `session_cleanup` event when
        anything was left.
        """
        tree = self.tree
        if tree is None:
            return []
        grace = self.cleanup_grace if grace is None else grace
        tree.scan(full=True)
        found: dict[int, tuple[Member, str]] = {}
        deadline = time.monotonic() + grace
        while True:
            for member in self._leftover_members():
                if member.pid not in found and tree.signal(member, signal.SIGTERM):
                    found[member.pid] = (member, "SIGTERM")
            if not self._leftover_members() or time.monotonic() >= deadline:
                break
            time.sleep(0.02)
            tree.scan()
        remaining = self._leftover_members()
        if remaining:
            killed, _ = freeze(tree, remaining)
            kill(tree, killed)
            for member in killed:
                found[member.pid] = (member, "SIGKILL")
        tree.scan()
        if not found:
            return []
        leftovers = [{**m.describe(), "argv": list(m.argv), "signal": sig} for m, sig in found.values()]
        self._emit("session_cleanup", decision="terminate", reason="processes left when claude exited",
                   processes=leftovers, count=len(leftovers))
        return leftovers

    def _leftover_members(self) -> list[Member]:
        assert self.tree is not None
        return [m for m in self.tree.members.values()
                if m.pid != self.root_pid and m.pid not in self.tree.exclude]

    # -- reporting -------------------------------------------------------------------------------------
    def _emit(self, event_type: str, **fields: Any) -> None:
        """Record an event; a failure to record is itself reported (stderr), never swallowed."""
        try:
            record(event_type, self._ctx, spool_dir=self._spool_dir, **fields)
        except Exception as exc:
            self._say(f"claude-enterprise guard: could not record {event_type} "
                      f"(pid {fields.get('pid')}): {exc}")

    def _report_error(self, what: str, exc: BaseException, *, fatal: bool) -> None:
        message = f"{what}: {type(exc).__name__}: {exc}"
        if message in self._said and not fatal:
            return
        self._said.add(message)
        self._say(f"claude-enterprise guard: {message}" + (" (guard stopped)" if fatal else ""))
        with contextlib.suppress(Exception):  # already on stderr; the audit spool may be the cause
            record("guard_error", self._ctx, spool_dir=self._spool_dir, decision="error", reason=message,
                   fatal=fatal, mode=self.mode, profile=self.profile.name, root_pid=self.root_pid)

    def _say(self, line: str) -> None:
        stream = self._stderr or sys.stderr
        with contextlib.suppress(Exception):
            print(line, file=stream, flush=True)
