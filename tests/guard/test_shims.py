"""PATH shims: a denied program invoked by name is refused and reported before it runs."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from claude_enterprise.audit import AuditContext
from claude_enterprise.enforce.shims import CONTEXT_FILE, EXIT_REFUSED, build_shim_dir
from claude_enterprise.profiles import Profile
from tests.guard.helpers import events


def test_one_executable_shim_per_denied_program(catalog: dict[str, Profile], tmp_path: Path) -> None:
    profile = catalog["restricted"]
    shim_dir = build_shim_dir(profile, tmp_path / "shims")
    names = sorted(p.name for p in shim_dir.iterdir() if p.name != CONTEXT_FILE)
    assert names == sorted(set(profile.exec_deny()))
    # One deny list for every layer: what the shell rules deny is refused in project code too.
    assert {"rm", "docker", "kubectl", "curl", "socat"} <= set(names)
    assert all(os.access(shim_dir / n, os.X_OK) for n in names)
    assert (shim_dir.stat().st_mode & 0o777) == 0o700


def test_monitor_profile_gets_no_shims(catalog: dict[str, Profile], tmp_path: Path) -> None:
    """Under monitor a refusal would change what runs; the guard reports instead."""
    assert catalog["standard"].exec.mode == "monitor"
    shim_dir = build_shim_dir(catalog["standard"], tmp_path / "shims")
    assert [p.name for p in shim_dir.iterdir()] == [CONTEXT_FILE]


def test_rebuild_removes_shims_no_longer_denied(make_profile: Callable[..., Profile], tmp_path: Path) -> None:
    build_shim_dir(make_profile("enforce", ("curl", "wget")), tmp_path / "shims")
    shim_dir = build_shim_dir(make_profile("enforce", ("curl",)), tmp_path / "shims")
    assert sorted(p.name for p in shim_dir.iterdir()) == sorted([CONTEXT_FILE, "curl"])


@pytest.mark.parametrize("bad", ["../curl", "", "a/b", "..", CONTEXT_FILE])
def test_bad_deny_entry_is_a_clear_error(make_profile: Callable[..., Profile], tmp_path: Path,
                                         bad: str) -> None:
    with pytest.raises(ValueError, match=r"exec\.deny entry"):
        build_shim_dir(make_profile("enforce", (bad,)), tmp_path / "shims")


def test_shim_refuses_and_records_before_the_program_runs(make_profile: Callable[..., Profile],
                                                          tmp_path: Path, spool: Path) -> None:
    ctx = AuditContext(session_id="sess-1", profile="restricted", user={"sub": "u1"})
    shim_dir = build_shim_dir(make_profile("enforce", ("touch",)), tmp_path / "shims", ctx, spool_dir=spool)
    marker = tmp_path / "must-not-exist"
    env = {**os.environ, "PATH": f"{shim_dir}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(["sh", "-c", f"touch {marker}"], env=env, capture_output=True, text=True,
                            cwd=tmp_path)
    assert result.returncode == EXIT_REFUSED
    assert not marker.exists()
    assert result.stderr.strip().splitlines() == [
        "claude-enterprise: touch is denied by security profile 'restricted'; not run."]
    (event,) = events(spool, "exec_blocked")
    assert event["session_id"] == "sess-1"
    assert event["user"]["sub"] == "u1"
    assert event["rule_id"] == "exec.deny.touch"
    assert event["argv"] == ["touch", str(marker)]
    assert event["cwd"] == str(tmp_path)
    assert event["source"] == "shim"


def test_shim_needs_no_python_on_path(make_profile: Callable[..., Profile], tmp_path: Path,
                                      spool: Path) -> None:
    shim_dir = build_shim_dir(make_profile("enforce", ("curl",)), tmp_path / "shims", spool_dir=spool)
    result = subprocess.run([str(shim_dir / "curl"), "-s", "https://example.invalid"],
                            env={"PATH": str(shim_dir)}, capture_output=True, text=True)
    assert result.returncode == EXIT_REFUSED
    assert [e["argv"] for e in events(spool, "exec_blocked")] == [["curl", "-s", "https://example.invalid"]]


def test_shim_refuses_even_when_the_audit_spool_is_unwritable(make_profile: Callable[..., Profile],
                                                              tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the spool directory should be")
    shim_dir = build_shim_dir(make_profile("enforce", ("curl",)), tmp_path / "shims", spool_dir=blocked)
    result = subprocess.run([str(shim_dir / "curl")], capture_output=True, text=True)
    assert result.returncode == EXIT_REFUSED
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("claude-enterprise: curl is denied")
    assert lines[1].startswith("claude-enterprise: could not record the refusal of curl")


def test_the_guard_leaves_our_own_shims_alone(catalog: dict[str, Profile], tmp_path: Path) -> None:
    """A shim runs as `sh SHIM_DIR/curl ...`, which the kernel names curl: killing it would race its own refusal
    record (or, for socat, cut the sandbox's network). Only a shell running a script from the shim dir counts;
    a real program given that argv[0] and argv[1] (`exec -a sh curl SHIM_DIR/curl`) does not."""
    from claude_enterprise.enforce.guard import Guard
    from claude_enterprise.enforce.proctree import Member

    shims = tmp_path / "shims"
    guard = Guard(catalog["restricted"], os.getpid(), None, shim_dir=shims)
    def member(exe: str, script: Path) -> Member:
        return Member(pid=1, start=0, ppid=0, pgid=0, sid=0, name="curl", fingerprint=None, exe=exe,
                      argv=("/bin/sh", str(script), "https://example.com"))

    assert guard._our_shim(member("/usr/bin/dash", shims / "curl"))
    assert not guard._our_shim(member("/usr/bin/curl", shims / "curl"))  # a disguised real program
    assert not guard._our_shim(member("/usr/bin/dash", tmp_path / "curl"))  # a script elsewhere
