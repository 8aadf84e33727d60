"""Identity is (pid, start time): a reused pid is never confused with the process that held it before."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from claude_enterprise.enforce.guard import Guard, denied_program
from claude_enterprise.enforce.proctree import ProcessTree, default_backend
from claude_enterprise.profiles import Profile
from tests.guard.helpers import Procs, events, read_pid, wait_until

BACKENDS = ["procfs", "psutil"]
NS_LAST_PID = Path("/proc/sys/kernel/ns_last_pid")


def spawn_with_pid(procs: Procs, pid: int, argv: list[str]) -> subprocess.Popen[bytes] | None:
    """Start `argv` as process `pid` by steering the kernel's pid allocator (needs CAP_SYS_ADMIN)."""
    for _ in range(20):
        try:
            NS_LAST_PID.write_text(str(pid - 1))
        except OSError:
            return None
        proc = procs.spawn(argv, start_new_session=True)
        if proc.pid == pid:
            return proc
        proc.kill()
        proc.wait()
    return None


@pytest.mark.parametrize("backend", BACKENDS)
def test_stale_identity_cannot_signal_a_live_process(backend: str, procs: Procs) -> None:
    proc = procs.spawn(["sleep", "30"])
    tree = ProcessTree(proc.pid, default_backend(backend))
    (member,) = tree.start()
    assert not tree.backend.signal(proc.pid, member.start - 1, signal.SIGKILL)
    assert tree.track(proc.pid, member.start - 1) is None
    assert proc.poll() is None
    assert tree.backend.signal(proc.pid, member.start, signal.SIGKILL)
    assert proc.wait(timeout=10) == -signal.SIGKILL
    tree.close()


def test_reused_pid_of_a_member_is_not_touched(make_profile: Callable[..., Profile], fake_bin: Path,
                                               procs: Procs, spool: Path, tmp_path: Path) -> None:
    """An allowed member dies; a denied program outside the session gets its pid (often within the same
    10 ms clock tick, so the start times are equal): neither signalled through the stale member nor
    attributed by the next scans. (procfs only: psutil on Linux has the same tick-resolution start time
    and no held descriptor; on macOS its create time has microsecond resolution.)"""
    backend = "procfs"
    pidfile = tmp_path / "member.pid"
    root = procs.spawn(["sh", "-c", f'sleep 30 & echo $! > {pidfile}; wait; sleep 30'])
    member_pid = read_pid(pidfile)
    guard = Guard(make_profile("enforce"), root.pid, None, spool_dir=spool, backend=backend, subreaper=False,
                  cleanup="keep")
    try:
        guard.start(background=False)
        assert guard.tree is not None and member_pid in guard.tree.members
        old = guard.tree.members[member_pid]
        os.kill(member_pid, signal.SIGKILL)
        assert wait_until(lambda: not psutil.pid_exists(member_pid))  # reaped by sh: pid free
        outsider = spawn_with_pid(procs, member_pid, [str(fake_bin / "curl"), "30"])
        if outsider is None:
            pytest.skip("cannot steer pid allocation here (needs CAP_SYS_ADMIN over /proc/sys/kernel/ns_last_pid)")
        assert guard.tree.members.get(member_pid) is old  # not rescanned yet: the stale entry is listed
        assert not guard.tree.signal(old, signal.SIGKILL)  # its held descriptor proves that process gone
        guard.scan_once()
        guard.scan_once(full=True)
        assert member_pid not in guard.tree.members
        assert outsider.poll() is None
        assert events(spool) == []
    finally:
        guard.stop()


def test_stat_parser_survives_hostile_names(procs: Procs, tmp_path: Path) -> None:
    """A process name may contain spaces and parentheses: the start time must still parse right."""
    weird = tmp_path / "a) b (c"
    shutil.copy2(shutil.which("sleep") or "/bin/sleep", weird)
    proc = procs.spawn([str(weird), "30"])
    tree = ProcessTree(proc.pid, default_backend("procfs"))
    psutil_tree = ProcessTree(proc.pid, default_backend("psutil"))
    (member,) = tree.start()
    (other,) = psutil_tree.start()
    assert member.name == "a) b (c"
    assert abs(tree.create_time(member) - psutil_tree.create_time(other)) < 0.02
    tree.close()
    psutil_tree.close()


@pytest.mark.parametrize(("exe", "argv", "name", "expected"), [
    ("/usr/bin/curl", ("curl", "-s"), "curl", "curl"),
    ("/usr/bin/sleep", ("/tmp/x/curl", "1"), "sleep", "curl"),  # symlink named curl: argv[0]
    ("/opt/tools/curl", ("fetch",), "curl", "curl"),  # renamed argv[0]: the executable
    ("/usr/bin/bash", ("-curl",), "bash", "curl"),  # login-shell style argv[0]
    (None, ("sudo", "ls"), "sudo", "sudo"),  # set-uid: executable unreadable
    (None, (), "averyverylongde", "averyverylongdeniedname"),  # kernel name truncated to 15
    ("/usr/bin/curlx", ("curlx",), "curlx", None),
    ("/usr/bin/python3", ("python3", "curl"), "python3", None),  # an argument is not the program
])
def test_denied_program_matching(exe: str | None, argv: tuple[str, ...], name: str,
                                 expected: str | None) -> None:
    deny = frozenset({"curl", "sudo", "averyverylongdeniedname"})
    assert denied_program(exe, argv, name, deny, casefold=False) == expected


def test_denied_program_case_insensitive_where_file_systems_are() -> None:
    deny = frozenset({"curl"})
    assert denied_program("/usr/bin/CURL", ("CURL",), "CURL", deny, casefold=True) == "curl"
    assert denied_program("/usr/bin/CURL", ("CURL",), "CURL", deny, casefold=False) is None
