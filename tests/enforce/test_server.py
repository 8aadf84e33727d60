"""The resident DecisionServer: permissions, peer checks, the protocol, what it hands the launcher."""

from __future__ import annotations

import json
import os
import socket
import stat
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from claude_enterprise.constants import HOOK_MATCHERS
from claude_enterprise.enforce import protocol
from claude_enterprise.enforce.server import DecisionServer
from tests.enforce.conftest import decisions, payload

Serve = Callable[..., DecisionServer]


def raw_request(server: DecisionServer, data: bytes) -> bytes:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(10)
        sock.connect(server.socket_path)
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        return protocol.recv_all(sock) or b""


def test_session_files_are_private(serve: Serve) -> None:
    server = serve("restricted")
    assert stat.S_IMODE(os.stat(server.session_dir).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(server.socket_path).st_mode) == 0o600
    assert stat.S_ISSOCK(os.stat(server.socket_path).st_mode)
    assert stat.S_IMODE(os.stat(server.gate_path).st_mode) == 0o700


def test_an_existing_session_dir_is_tightened(serve: Serve, tmp_path: Path) -> None:
    loose = tmp_path / "loose"
    loose.mkdir(mode=0o755)
    serve("restricted", session_dir=loose)
    assert stat.S_IMODE(os.stat(loose).st_mode) == 0o700


@pytest.mark.skipif(not hasattr(socket, "SO_PEERCRED") or os.getuid() != 0, reason="needs root to switch uid")
def test_other_users_get_no_answer(serve: Serve, project: Path) -> None:
    server = serve("standard")
    os.chmod(server.session_dir, 0o711)  # let another uid reach the socket: the uid check must still refuse
    os.chmod(server.socket_path, 0o666)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: become nobody and ask
        os.close(read)
        try:
            os.setuid(65534)
            answer = protocol.ask_claimed(server.socket_path, b"hook", protocol.new_request_id(), json.dumps(
                payload("Bash", {"command": "ls"}, project)).encode())
            os.write(write, b"none" if answer is None else b"answered")
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    with os.fdopen(read, "rb") as handle:
        assert handle.read() == b"none"


@pytest.mark.parametrize(
    "data",
    [b"", b"garbage", b"2\0hook\0{}", b"1\0exec\0ls", b"1\0gate\0ls", b"1\0gate\0ls\0/\0extra", b"1\0hook"],
)
def test_malformed_requests_get_a_recorded_deny(serve: Serve, enforce_env: dict[str, str], data: bytes) -> None:
    server = serve("elevated")
    answer = protocol.parse_answer(raw_request(server, data))
    assert answer is not None and answer[0] is False
    [event] = decisions(enforce_env)
    assert event["decision"] == "deny"


def test_each_decision_reports_activity(serve: Serve, project: Path) -> None:
    calls: list[int] = []
    server = serve("standard", on_activity=lambda: calls.append(1))
    for command in ("ls", "sudo ls"):
        protocol.ask_claimed(server.socket_path, b"hook", protocol.new_request_id(),
                             json.dumps(payload("Bash", {"command": command}, project)).encode())
    assert calls == [1, 1]


def test_concurrent_clients_all_get_answers_and_records(serve: Serve, enforce_env: dict[str, str],
                                                        project: Path) -> None:
    server = serve("restricted")
    answers: list[tuple[bool, str, str] | None] = []
    request = json.dumps(payload("Bash", {"command": "git status"}, project)).encode()

    def ask() -> None:
        answers.append(protocol.ask_claimed(server.socket_path, b"hook", protocol.new_request_id(), request))

    threads = [threading.Thread(target=ask) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 16 and all(a is not None and a[0] for a in answers)
    events = decisions(enforce_env)
    assert len(events) == 16 and len({e["seq"] for e in events}) == 16


def test_settings_fragment_and_env(serve: Serve) -> None:
    server = serve("restricted")
    fragment = server.settings_fragment()
    entries = fragment["hooks"]["PreToolUse"]
    assert [entry["matcher"] for entry in entries] == list(HOOK_MATCHERS)
    assert entries[0]["hooks"] == entries[1]["hooks"]
    [hook] = entries[0]["hooks"]
    assert hook["type"] == "command" and os.path.isabs(hook["command"])
    assert hook["args"][0] == "-IS"  # isolated (a repository's PYTHONPATH cannot replace our modules), no site
    assert hook["args"][-4:] == ["--session", server.socket_path, "--profile", "restricted"]
    assert fragment["env"] == {"CLAUDE_CODE_SHELL_PREFIX": server.gate_path}
    assert server.env()["CLAUDE_CODE_SHELL_PREFIX"] == server.gate_path
    assert Path(server.gate_path).read_text().startswith("#!")


def test_settings_need_a_started_server(enforce_env: dict[str, str], tmp_path: Path) -> None:
    from claude_enterprise.resolve import resolve

    server = DecisionServer(resolve("standard", enforce_env), "s", tmp_path / "s")
    with pytest.raises(RuntimeError):
        server.settings_fragment()


def test_a_deep_session_dir_gets_a_short_socket(serve: Serve, tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    server = serve("standard", session_dir=deep)
    assert len(server.socket_path) <= 100 and os.path.exists(server.socket_path)
    short_dir = os.path.dirname(server.socket_path)
    assert stat.S_IMODE(os.stat(short_dir).st_mode) == 0o700
    server.stop()
    assert not os.path.exists(short_dir)


def test_stop_removes_the_socket_and_is_idempotent(serve: Serve) -> None:
    server = serve("standard")
    server.stop()
    server.stop()
    assert not os.path.exists(server.socket_path)
    assert protocol.ask(server.socket_path, b"gate", b"ls", b"/") is None
