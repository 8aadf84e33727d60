"""A hook payload is decided and recorded once, whichever side (the session's server or the hook after its
wait ran out) claims it first. The slow sides are real: a server whose decision takes longer than the
hook waits (its activity callback sleeps), and a request held back by a socat relay before it reaches the
server. Every test counts the records the real processes wrote."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from claude_enterprise.enforce import protocol
from tests.enforce.conftest import decisions, denial, hook_argv, payload, run_hook
from tests.enforce.test_server import Serve, raw_request

BEYOND_THE_WAIT_S = protocol.CLIENT_TIMEOUT_S + 1.5


def claims(socket_path: str) -> list[str]:
    return sorted(os.listdir(protocol.claims_dir(socket_path)))


def test_a_server_slower_than_the_hooks_wait_still_decides_and_records_alone(
    serve: Serve, enforce_env: dict[str, str], project: Path
) -> None:
    """The server claimed the call when it read it, then took longer than the hook waits: the hook finds the
    claim taken, keeps waiting, and enforces the server's verdict; the hook records nothing itself."""
    server = serve("restricted", on_activity=lambda: time.sleep(BEYOND_THE_WAIT_S))
    env = {**enforce_env, "CLAUDE_PROJECT_DIR": str(project)}
    reason = denial(run_hook(hook_argv(server), payload("Bash", {"command": "curl http://x"}, project), env))
    [event] = decisions(enforce_env)
    assert reason is not None and event["decision"] == "deny" and event["rule_id"] in reason
    assert "wrapper" not in event  # the server's record, not the in-process fallback's
    assert len(claims(server.socket_path)) == 1


@pytest.mark.skipif(shutil.which("socat") is None, reason="needs socat")
def test_a_request_reaching_the_server_after_the_hook_gave_up_is_not_decided_again(
    serve: Serve, enforce_env: dict[str, str], project: Path, tmp_path: Path
) -> None:
    """A relay holds the request back past the hook's wait: the hook claims it and decides in-process; when the
    request reaches the server at last, the claim is taken and the server neither decides nor records."""
    server = serve("restricted")
    assert os.path.dirname(server.socket_path) == server.session_dir
    front = os.path.join(server.session_dir, "front.sock")
    late = tmp_path / "late-relay"
    late.write_text(f"#!/bin/sh\nsleep {BEYOND_THE_WAIT_S}\nexec socat -t 60 - UNIX-CONNECT:{server.socket_path}\n")
    late.chmod(0o700)
    relay = subprocess.Popen(["socat", "-t", "60", f"UNIX-LISTEN:{front}", f"EXEC:{late}"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not os.path.exists(front) and time.monotonic() < deadline:
            time.sleep(0.02)
        argv = [front if arg == server.socket_path else arg for arg in hook_argv(server)]
        env = {**enforce_env, "CLAUDE_PROJECT_DIR": str(project)}
        reason = denial(run_hook(argv, payload("Bash", {"command": "curl http://x"}, project), env))
        relay.wait(timeout=60)  # the relay ends once the server has read the late request and closed it
    finally:
        relay.kill()
        relay.wait()
    [event] = decisions(enforce_env)
    assert reason is not None and event["decision"] == "deny" and event["wrapper"] == "unreachable"
    assert len(claims(server.socket_path)) == 1


def test_a_server_that_claimed_and_stalls_makes_the_client_refuse_without_deciding(
    serve: Serve, enforce_env: dict[str, str], project: Path
) -> None:
    """Past both waits the client must answer Claude Code (a timed-out hook lets the call proceed), but the
    claim is the server's: `Stalled`, and the one decision record is the server's when it finishes."""
    server = serve("restricted", on_activity=lambda: time.sleep(2.0))
    request = json.dumps(payload("Bash", {"command": "git status"}, project)).encode()
    with pytest.raises(protocol.Stalled):
        protocol.ask_claimed(server.socket_path, b"hook", protocol.new_request_id(), request,
                             timeout=0.2, claimed_wait=0.2)
    # the server's handler is still deciding: its record arrives when the delay ends
    deadline = time.monotonic() + 30
    while not decisions(enforce_env) and time.monotonic() < deadline:
        time.sleep(0.05)
    [event] = decisions(enforce_env)
    assert event["decision"] == "allow" and "wrapper" not in event


def test_the_hook_records_a_stall_as_a_stall_not_as_a_second_decision(enforce_env: dict[str, str]) -> None:
    from claude_enterprise.enforce.hook import _stalled
    from tests.support.launcher import audit_events

    allow, rule_id, reason = _stalled("the decision server gave no verdict within 45 s", "restricted")
    assert not allow and rule_id == "enforce.server_stalled" and "45 s" in reason
    events = audit_events(Path(enforce_env["CLAUDE_ENTERPRISE_STATE_DIR"]))
    assert [(e["type"], e["decision"], e["profile"]) for e in events] == [("decision_stalled", "deny", "restricted")]
    assert decisions(enforce_env) == []


@pytest.mark.parametrize("request_id", [b"../../escape", b"", b"A" * 32, b"0" * 31])
def test_a_hook_request_without_a_valid_id_is_a_recorded_deny(
    serve: Serve, enforce_env: dict[str, str], request_id: bytes
) -> None:
    server = serve("elevated")
    answer = protocol.parse_answer(raw_request(server, protocol.encode(b"hook", request_id, b"{}")))
    assert answer is not None and answer[1] == "enforce.bad_request"
    assert claims(server.socket_path) == []
    [event] = decisions(enforce_env)
    assert event["decision"] == "deny"


def test_a_fast_server_claims_and_records_each_call_once(
    serve: Serve, enforce_env: dict[str, str], project: Path
) -> None:
    server = serve("restricted")
    env = {**enforce_env, "CLAUDE_PROJECT_DIR": str(project)}
    for command in ("git status", "curl http://x"):
        run_hook(hook_argv(server), payload("Bash", {"command": command}, project), env)
    assert [e["decision"] for e in decisions(enforce_env)] == ["allow", "deny"]
    assert len(claims(server.socket_path)) == 2  # one claim per call


def test_a_trickling_answer_cannot_stretch_the_wait_past_its_deadline(tmp_path: Path) -> None:
    """Each wait is a deadline for the whole answer, not a timeout per recv: a peer sending its verdict a byte
    at a time (within every per-call timeout) would otherwise hold the hook past Claude Code's hook timeout,
    and a hook killed there lets the call proceed."""
    import socket
    import threading

    session = tmp_path / "session"
    os.makedirs(protocol.claims_dir(str(session)))
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(protocol.socket_path(str(session)))
    listener.listen(1)
    stop = threading.Event()

    def trickle() -> None:
        conn, _ = listener.accept()
        with conn:
            request = protocol.recv_all(conn)
            assert request is not None
            protocol.claim(protocol.claims_dir(str(session)), request.split(b"\0")[2])  # as the server does
            for byte in protocol.encode_answer(True, "shell.allow", "allowed " * 8):
                if stop.wait(0.05):
                    return
                conn.sendall(bytes([byte]))

    thread = threading.Thread(target=trickle)
    thread.start()
    try:
        with pytest.raises(protocol.Stalled):
            protocol.ask_claimed(str(session), b"hook", protocol.new_request_id(), b"{}", timeout=0.2,
                                 claimed_wait=0.3)
    finally:
        stop.set()
        thread.join(timeout=10)
        listener.close()
