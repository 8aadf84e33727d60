"""The guard against real process trees: denied programs started every way a tree can start them."""

from __future__ import annotations

import io
import os
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from claude_enterprise.enforce.guard import Guard
from claude_enterprise.enforce.proctree import is_subreaper
from claude_enterprise.profiles import Profile
from tests.guard.helpers import Procs, events, gone, identity, read_pid, wait_until

BACKENDS = ["procfs", "psutil"]
# How the session root starts the stand-in `curl`: by name (PATH), via `sh -c`, by absolute path, double
# fork (re-parented), setsid + double fork (daemon), the setsid command, and exec in a running member.
MODES = ["direct", "sh", "abspath", "doublefork", "daemon", "setsid", "exec-later"]


@pytest.fixture
def guards(procs: Procs, spool: Path) -> Iterator[Callable[..., Guard]]:
    made: list[Guard] = []

    def make(profile: Profile, root_pid: int, **kwargs: Any) -> Guard:
        kwargs.setdefault("cleanup", "keep")
        kwargs.setdefault("stderr", io.StringIO())
        guard = Guard(profile, root_pid, None, spool_dir=spool, **kwargs)
        made.append(guard)
        return guard

    yield make
    for guard in made:
        guard.stop()


def program_for(mode: str, fake_bin: Path) -> str:
    return str(fake_bin / "curl") if mode == "abspath" else "curl"


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("mode", MODES)
def test_enforce_stops_denied_program(mode: str, backend: str, make_profile: Callable[..., Profile],
                                      fake_bin: Path, path_env: dict[str, str], procs: Procs,
                                      guards: Callable[..., Guard], spool: Path, tmp_path: Path) -> None:
    pidfile = tmp_path / "denied.pid"
    root = procs.spawner(mode, program_for(mode, fake_bin), pidfile, "30", env=path_env)
    guard = guards(make_profile("enforce"), root.pid, backend=backend)
    guard.start()
    guard.poke()  # as the decision server does on every decision
    denied = read_pid(pidfile)
    procs.adopt(denied)
    assert wait_until(lambda: gone(denied)), f"{mode}: denied program still running"
    killed = wait_until(lambda: [e for e in events(spool, "process_killed") if e["pid"] == denied])
    assert killed, f"{mode}: no process_killed event; saw {events(spool)}"
    event = killed[0]
    assert event["rule_id"] == "exec.deny.curl"
    assert event["decision"] == "deny"
    assert event["profile"] == "restricted"
    assert event["argv"][1:] == ["30"]
    assert event["create_time"] > 0
    assert os.path.basename(event["exe"] or "") in ("curl", "sleep")
    assert event["parent_chain"], "parent chain missing"
    assert all({"pid", "name", "exe"} <= set(link) for link in event["parent_chain"])
    if mode in ("direct", "abspath", "setsid"):
        assert event["parent_chain"][0]["pid"] == root.pid
    if mode == "sh":
        assert event["parent_chain"][0]["name"] == "sh"
        assert event["parent_chain"][-1]["pid"] == root.pid
    assert root.poll() is None, "the session root must survive"
    if mode in ("doublefork", "daemon") and sys.platform.startswith("linux"):
        # adopted by this process (subreaper) and reaped by the guard: no zombie left behind
        assert wait_until(lambda: not psutil.pid_exists(denied))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("mode", MODES)
def test_monitor_reports_once_and_leaves_running(mode: str, backend: str,
                                                 make_profile: Callable[..., Profile], fake_bin: Path,
                                                 path_env: dict[str, str], procs: Procs,
                                                 guards: Callable[..., Guard], spool: Path,
                                                 tmp_path: Path) -> None:
    pidfile = tmp_path / "denied.pid"
    root = procs.spawner(mode, program_for(mode, fake_bin), pidfile, "30", env=path_env)
    guard = guards(make_profile("monitor"), root.pid, backend=backend)
    guard.start(background=False)

    def reported() -> list[dict[str, Any]]:
        guard.scan_once()
        return [e for e in events(spool, "policy_violation") if pidfile.exists()
                and e["pid"] == int(pidfile.read_text())]

    assert wait_until(reported), f"{mode}: no policy_violation; saw {events(spool)}"
    denied = read_pid(pidfile)
    procs.adopt(denied)
    for _ in range(3):
        guard.scan_once(full=True)
    violations = [e for e in events(spool, "policy_violation") if e["pid"] == denied]
    assert len(violations) == 1
    assert violations[0]["decision"] == "monitor"
    assert violations[0]["parent_chain"]
    assert not gone(denied), "monitor mode must not stop the program"
    assert not events(spool, "process_killed")


@pytest.mark.parametrize("backend", BACKENDS)
def test_allowed_tree_is_untouched(backend: str, make_profile: Callable[..., Profile], procs: Procs,
                                   guards: Callable[..., Guard], spool: Path) -> None:
    root = procs.spawn(["sh", "-c", "sleep 30 & (sleep 30 & sleep 30; wait) & sh -c 'sleep 30; :' & wait"])
    guard = guards(make_profile("enforce"), root.pid, backend=backend)
    guard.start(background=False)
    assert wait_until(lambda: (guard.scan_once(), len(guard.tree.members) >= 6)[1] if guard.tree else False)
    members = [(m.pid, guard.tree.create_time(m)) for m in guard.tree.members.values()] if guard.tree else []
    for _ in range(5):
        guard.scan_once(full=True)
    assert all(not gone(pid) for pid, _ in members)
    assert events(spool) == []


def test_offender_children_are_stopped_with_it(make_profile: Callable[..., Profile], fake_bin: Path,
                                               procs: Procs, guards: Callable[..., Guard], spool: Path,
                                               tmp_path: Path) -> None:
    """`wget` (a copy of sh) already has children when the guard starts: the whole subtree is stopped."""
    marker = tmp_path / "ready"
    root = procs.spawn(["sh", "-c", f"{fake_bin / 'wget'} -c 'sleep 30 & sleep 30 & touch {marker}; wait'"
                                    " & wait"])
    assert wait_until(marker.exists)
    procs.adopt(root.pid)
    offender = next(p for p in psutil.Process(root.pid).children() if p.name() == "wget")
    children = [(c.pid, c.create_time()) for c in offender.children()]
    assert len(children) == 2
    guard = guards(make_profile("enforce", ("wget",)), root.pid)
    guard.start(background=False)
    assert gone(offender.pid)
    assert all(gone(pid, created) for pid, created in children)
    (event,) = events(spool, "process_killed")
    assert event["pid"] == offender.pid
    assert sorted(c["pid"] for c in event["killed_children"]) == sorted(pid for pid, _ in children)
    assert root.wait(timeout=10) == 0  # the root itself was not signalled: its `wait` returned


@pytest.mark.parametrize("backend", BACKENDS)
def test_orphans_followed_through_process_group_without_subreaper(
        backend: str, make_profile: Callable[..., Profile], path_env: dict[str, str], procs: Procs,
        guards: Callable[..., Guard], spool: Path, tmp_path: Path) -> None:
    """macOS has no subreaper: a double-forked orphan is still a member through the group its root leads."""
    pidfile = tmp_path / "denied.pid"
    root = procs.spawner("doublefork", "curl", pidfile, "30", env=path_env, new_session=True)
    guard = guards(make_profile("enforce"), root.pid, backend=backend, subreaper=False)
    guard.start()
    guard.set_active(True)
    denied = read_pid(pidfile)
    procs.adopt(denied)
    assert not is_subreaper()
    assert wait_until(lambda: gone(denied))
    assert wait_until(lambda: [e for e in events(spool, "process_killed") if e["pid"] == denied])


def test_guard_restores_subreaper_state(make_profile: Callable[..., Profile], procs: Procs,
                                        guards: Callable[..., Guard]) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("child subreaper is Linux only")
    root = procs.spawn(["sleep", "30"])
    guard = guards(make_profile("enforce"), root.pid)
    guard.start()
    assert is_subreaper()
    guard.stop()
    assert not is_subreaper()


def test_set_active_nests(make_profile: Callable[..., Profile], procs: Procs,
                          guards: Callable[..., Guard]) -> None:
    guard = guards(make_profile("enforce"), procs.spawn(["sleep", "30"]).pid)
    guard.set_active(True)
    guard.set_active(True)
    guard.set_active(False)
    assert guard.active
    guard.set_active(False)
    guard.set_active(False)
    assert not guard.active


def test_off_profile_without_cleanup_starts_nothing(make_profile: Callable[..., Profile], procs: Procs,
                                                    guards: Callable[..., Guard]) -> None:
    guard = guards(make_profile("off"), procs.spawn(["sleep", "30"]).pid, cleanup="keep")
    guard.start()
    assert not guard.watching
    assert guard.tree is None


def test_leftovers_are_terminated_when_the_session_ends(make_profile: Callable[..., Profile], procs: Procs,
                                                        guards: Callable[..., Guard], spool: Path,
                                                        tmp_path: Path) -> None:
    """Children left behind (one ignoring SIGTERM, one double-forked away) are ended after claude exits."""
    pidfile = tmp_path / "orphan.pid"
    root = procs.spawn(["sh", "-c", f"trap '' TERM; sleep 30 & {sys.executable} "
                                    f"{Path(__file__).with_name('spawner.py')} doublefork sleep {pidfile} 30 &"
                                    " sleep 0.3; exit 0"])
    guard = guards(make_profile("monitor", ()), root.pid, cleanup="terminate", cleanup_grace=0.5)
    guard.start()
    guard.set_active(True)
    orphan = read_pid(pidfile)
    procs.adopt(orphan)
    assert root.wait(timeout=10) == 0
    members = wait_until(lambda: [m for m in guard.tree.members.values() if m.pid == orphan]
                         if guard.tree else [])
    assert members, "the double-forked orphan was never attributed"
    leftovers = guard.stop()
    pids = {item["pid"] for item in leftovers}
    assert orphan in pids
    assert all(gone(pid) for pid in pids)
    (event,) = events(spool, "session_cleanup")
    assert event["count"] == len(leftovers) >= 3  # sleep, the spawner, its orphan


def test_cleanup_keep_leaves_leftovers(make_profile: Callable[..., Profile], procs: Procs,
                                       guards: Callable[..., Guard], spool: Path) -> None:
    root = procs.spawn(["sh", "-c", "sleep 30 & sleep 0.2"])
    guard = guards(make_profile("monitor", ()), root.pid, cleanup="keep")
    guard.start()
    guard.set_active(True)
    assert root.wait(timeout=10) == 0
    kept = [m.pid for m in guard.tree.members.values() if m.argv == ("sleep", "30")] if guard.tree else []
    assert guard.stop() == []
    assert kept and all(not gone(pid) for pid in kept)
    assert events(spool, "session_cleanup") == []


def test_start_failure_is_recorded_and_raised(make_profile: Callable[..., Profile], procs: Procs,
                                              guards: Callable[..., Guard], spool: Path) -> None:
    dead = procs.spawn(["true"])
    dead.wait()
    err = io.StringIO()
    guard = guards(make_profile("enforce"), dead.pid, stderr=err)
    with pytest.raises(ProcessLookupError):
        guard.start()
    (event,) = events(spool, "guard_error")
    assert event["fatal"] is True and str(dead.pid) in event["reason"]
    assert "guard could not start" in err.getvalue()


def test_scan_failures_are_reported_then_fatal(make_profile: Callable[..., Profile], procs: Procs,
                                               guards: Callable[..., Guard], spool: Path) -> None:
    root = procs.spawn(["sleep", "30"])
    failures: list[BaseException] = []
    err = io.StringIO()
    guard = guards(make_profile("enforce"), root.pid, stderr=err, on_failure=failures.append, max_errors=3,
                   fast_interval=0.001)
    guard.start()
    assert guard.tree is not None

    def broken(*, full: bool = False) -> list[Any]:
        raise OSError(5, "proc unreadable")

    guard.tree.scan = broken  # type: ignore[method-assign]
    guard.set_active(True)
    assert wait_until(lambda: failures)
    assert isinstance(guard.error, OSError)
    errors = events(spool, "guard_error")
    assert [e["fatal"] for e in errors] == [False, True]
    assert "proc unreadable" in errors[0]["reason"]
    assert "guard stopped" in err.getvalue()


def test_audit_failure_is_said_and_the_offender_still_stopped(
        make_profile: Callable[..., Profile], fake_bin: Path, procs: Procs, tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the spool directory should be")
    root = procs.spawn([str(fake_bin / "curl"), "30"])
    err = io.StringIO()
    guard = Guard(make_profile("enforce"), root.pid, None, spool_dir=blocked, stderr=err, cleanup="keep")
    try:
        guard.start(background=False)
    finally:
        guard.stop()
    assert root.wait(timeout=10) == -signal.SIGKILL
    assert "could not record process_killed" in err.getvalue()


def test_non_member_is_never_signalled(make_profile: Callable[..., Profile], fake_bin: Path, procs: Procs,
                                       guards: Callable[..., Guard], spool: Path) -> None:
    """A denied program outside the session's tree is none of the guard's business."""
    outsider = procs.spawn([str(fake_bin / "curl"), "30"], start_new_session=True)
    root = procs.spawn(["sleep", "30"])
    guard = guards(make_profile("enforce"), root.pid, exclude=(outsider.pid,))
    guard.start(background=False)
    for _ in range(3):
        guard.scan_once(full=True)
    assert outsider.poll() is None
    assert events(spool) == []


def test_scan_once_refused_while_thread_runs(make_profile: Callable[..., Profile], procs: Procs,
                                             guards: Callable[..., Guard]) -> None:
    guard = guards(make_profile("enforce"), procs.spawn(["sleep", "30"]).pid)
    guard.start()
    with pytest.raises(RuntimeError):
        guard.scan_once()


def test_root_may_be_the_wrapper_itself(make_profile: Callable[..., Profile], fake_bin: Path,
                                        path_env: dict[str, str], procs: Procs,
                                        guards: Callable[..., Guard], spool: Path) -> None:
    """Started on the wrapper's own pid before claude exists, the guard sees claude's first fork."""
    guard = guards(make_profile("enforce"), os.getpid())
    guard.start()
    guard.set_active(True)
    with guard.paused():
        child = procs.spawn(["sh", "-c", "curl 30; exit 7"], env=path_env)
        guard.own(child.pid)
    assert wait_until(lambda: events(spool, "process_killed"))
    assert child.wait(timeout=10) == 7  # sh survives (only curl was denied) and its status is ours to read
    assert identity(os.getpid()) > 0  # the wrapper was never signalled
