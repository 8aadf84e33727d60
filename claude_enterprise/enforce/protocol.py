"""The wire between the thin clients (hook, exec gate) and the resident DecisionServer.

One JSON object per connection each way over a Unix socket in the session directory: the client writes its
request and shuts down its write side, the server answers and closes. Standard library only, and only
`json`, `os` and `socket`: this module is imported on every tool call.

Requests: `{"v": 1, "op": "hook", "payload": <stdin text or null>}` and `{"v": 1, "op": "gate",
"wrapped": <the string Claude Code passed to the prefix>}`. Answer: `{"v": 1, "allow": bool,
"rule_id": str, "reason": str}`. Anything else, or no answer in time, is "no answer": the client then
decides in-process, never allows by default.
"""

from __future__ import annotations

import json
import os
import socket
from typing import Any

VERSION = 1
SOCKET_NAME = "decide.sock"
GATE_SCRIPT_NAME = "gate"
# Hook payloads carry whole files (Write content); above this the call is denied rather than buffered.
MAX_MESSAGE_BYTES = 32 * 1024 * 1024
# The server answers in milliseconds; past this the client stops waiting and decides in-process.
CLIENT_TIMEOUT_S = 5.0


def socket_path(session_dir: str) -> str:
    return os.path.join(session_dir, SOCKET_NAME)


def socket_for(session: str) -> str:
    """The socket named by a client's `--session`: a socket path itself, or a session dir holding one."""
    return session if session.endswith(".sock") else socket_path(session)


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, separators=(",", ":")).encode("utf-8")


def recv_all(sock: socket.socket, limit: int = MAX_MESSAGE_BYTES) -> bytes | None:
    """Everything up to EOF, or None past `limit` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = sock.recv(1 << 16)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)


def parse_answer(data: bytes | None) -> tuple[bool, str, str] | None:
    """(allow, rule_id, reason) from a server answer, or None when it is not exactly a valid answer."""
    if not data:
        return None
    try:
        answer = json.loads(data)
    except ValueError:
        return None
    if not isinstance(answer, dict) or answer.get("v") != VERSION:
        return None
    allow, rule_id, reason = answer.get("allow"), answer.get("rule_id"), answer.get("reason")
    if not isinstance(allow, bool) or not isinstance(rule_id, str) or not isinstance(reason, str):
        return None
    return allow, rule_id, reason


def ask(
    session: str, request: dict[str, Any], timeout: float = CLIENT_TIMEOUT_S
) -> tuple[bool, str, str] | None:
    """Send one request to the session's server (`session`: socket or session dir); its verdict, or None
    when there is no usable answer."""
    request = {"v": VERSION, **request}
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(socket_for(session))
            sock.sendall(encode(request))
            sock.shutdown(socket.SHUT_WR)
            return parse_answer(recv_all(sock, 1 << 20))
    except (OSError, ValueError):
        return None


def deny_output(rule_id: str, reason: str) -> str:
    """The PreToolUse deny JSON: the model sees only the reason, which names the rule."""
    return json.dumps({
        "hookSpecificOutput": {
            "hookEventName": "PreToolUse",
            "permissionDecision": "deny",
            "permissionDecisionReason": f"[{rule_id}] {reason}",
        }
    })
