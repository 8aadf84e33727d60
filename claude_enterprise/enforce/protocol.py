"""The wire between the thin clients (hook, exec gate) and the resident DecisionServer.

One request per connection over a Unix socket: the client writes its request and shuts down its write side,
the server answers and closes. Fields are separated by NUL, which none of them can contain (argv strings and
paths are C strings; Claude Code's JSON escapes control characters), so the client needs neither `json` nor
`socket` (the C `_socket` suffices): together they were most of the hook's start-up imports.

    request  = b"1" NUL op NUL field...   op "hook": the request id, the raw stdin bytes, or "hook-error": the
                                          request id, why stdin was not read; op "gate": the wrapped string,
                                          the gate's cwd
    answer   = b"1" NUL ("allow" | "deny") NUL rule_id NUL reason

Anything else, or no answer in time, is "no answer": the client then decides in-process, never allows by
default.

A hook request is decided and recorded once, by whoever claims its id first (`claim`: an O_EXCL file in the
`claims` dir beside the socket). The server claims when it has read a request, before deciding; a client
whose wait ran out claims before deciding in-process. The loser does not decide: a server that finds the id
taken closes without an answer, and a client that finds it taken keeps waiting for the server's answer.
"""

from __future__ import annotations

import _socket
import os
import time

VERSION = b"1"
SOCKET_NAME = "decide.sock"
GATE_SCRIPT_NAME = "gate"
# Hook payloads carry whole files (Write content); above this the call is denied rather than buffered.
MAX_MESSAGE_BYTES = 32 * 1024 * 1024
# The server answers in milliseconds; past this the client stops waiting and decides in-process.
CLIENT_TIMEOUT_S = 5.0
# A server that claimed the request is deciding it: the client waits this much longer for its answer. Claude
# Code gives the hook constants.HOOK_TIMEOUT_S in all and a hook that times out lets the call proceed, so the
# two waits plus recording the stall (the spool lock's wait) stay well inside it (tests/test_architecture.py).
CLAIMED_WAIT_S = 35.0
CLAIMS_DIR = "claims"
_REQUEST_ID_CHARS = frozenset(b"0123456789abcdef")


def socket_path(session_dir: str) -> str:
    return os.path.join(session_dir, SOCKET_NAME)


def socket_for(session: str) -> str:
    """The socket named by a client's `--session`: a socket path itself, or a session dir holding one."""
    return session if session.endswith(".sock") else socket_path(session)


def claims_dir(session: str) -> str:
    """Where the request claims of the session whose socket (or dir) is `session` live."""
    return os.path.join(os.path.dirname(socket_for(session)), CLAIMS_DIR)


def new_request_id() -> bytes:
    return os.urandom(16).hex().encode()


def valid_request_id(request_id: bytes) -> bool:
    """32 lowercase hex digits: a file name that cannot leave the claims dir."""
    return len(request_id) == 32 and _REQUEST_ID_CHARS.issuperset(request_id)


def claim(directory: str, request_id: bytes) -> bool:
    """Take the request: True for the first caller only, False when it was already taken. Where no claim can
    be written (no claims dir: no server ever served this session) the caller decides: True."""
    try:
        os.close(os.open(os.path.join(directory, os.fsdecode(request_id)),
                         os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        return False
    except OSError:
        return True
    return True


def encode(*fields: bytes) -> bytes:
    return b"\0".join((VERSION, *fields))


def encode_answer(allow: bool, rule_id: str, reason: str) -> bytes:
    return encode(b"allow" if allow else b"deny", rule_id.encode(), reason.encode())


def recv_all(sock: _socket.socket, limit: int = MAX_MESSAGE_BYTES, deadline: float | None = None) -> bytes | None:
    """Everything up to EOF, or None past `limit` bytes. With `deadline` (a `time.monotonic()` value) the
    whole read ends by then (TimeoutError): a per-recv timeout would let a trickling peer stretch it."""
    chunks: list[bytes] = []
    size = 0
    while True:
        if deadline is not None:
            sock.settimeout(_remaining(deadline))
        chunk = sock.recv(1 << 16)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)


def parse_answer(data: bytes | None) -> tuple[bool, str, str] | None:
    """(allow, rule_id, reason) from a server answer, or None when it is not exactly a valid answer."""
    parts = (data or b"").split(b"\0")
    if len(parts) != 4 or parts[0] != VERSION or parts[1] not in (b"allow", b"deny"):
        return None
    try:
        return parts[1] == b"allow", parts[2].decode(), parts[3].decode()
    except UnicodeDecodeError:
        return None


def ask(session: str, *fields: bytes, timeout: float = CLIENT_TIMEOUT_S) -> tuple[bool, str, str] | None:
    """Send one request to the session's server (`session`: socket or session dir); its verdict, or None
    when there is no usable answer."""
    try:
        sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
        try:
            sock.settimeout(timeout)
            sock.connect(socket_for(session))
            sock.sendall(encode(*fields))
            sock.shutdown(_socket.SHUT_WR)
            return parse_answer(recv_all(sock, 1 << 20))
        finally:
            sock.close()
    except (OSError, ValueError):
        return None


class Stalled(Exception):
    """The server claimed the request and did not answer in time: nobody else may decide it."""


def ask_claimed(session: str, op: bytes, request_id: bytes, data: bytes, *,
                timeout: float = CLIENT_TIMEOUT_S, claimed_wait: float = CLAIMED_WAIT_S
                ) -> tuple[bool, str, str] | None:
    """Send a claimable request (a hook payload). The server's verdict; None when the caller has claimed the
    request and must decide it (and record) itself; `Stalled` when the server claimed it but never answered."""
    # One deadline per phase, not a timeout per socket call: connect, send and every recv each waiting the
    # full timeout would add up past the hook timeout Claude Code enforces, and a hook killed there fails open.
    asked_by = time.monotonic() + timeout
    answered_by = asked_by + claimed_wait
    try:
        sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    except OSError:
        return None if claim(claims_dir(session), request_id) else _stalled(timeout)
    try:
        try:
            sock.settimeout(_remaining(asked_by))
            sock.connect(socket_for(session))
            sock.settimeout(_remaining(asked_by))
            sock.sendall(encode(op, request_id, data))
            sock.shutdown(_socket.SHUT_WR)
            answer = parse_answer(recv_all(sock, 1 << 20, deadline=asked_by))
            if answer is not None:
                return answer
        except (OSError, ValueError):
            pass
        if claim(claims_dir(session), request_id):
            return None
        try:  # the server holds the claim: only its answer can be the verdict
            answer = parse_answer(recv_all(sock, 1 << 20, deadline=answered_by))
        except (OSError, ValueError):
            answer = None
    finally:
        sock.close()
    return answer if answer is not None else _stalled(timeout + claimed_wait)


def _remaining(deadline: float) -> float:
    """Seconds left before `deadline`; TimeoutError once it has passed (a zero socket timeout would mean
    non-blocking, not "no time left")."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("the wait for the decision server ran out")
    return left


def _stalled(waited: float) -> tuple[bool, str, str]:
    raise Stalled(f"the decision server took the call and gave no verdict within {waited:g} s")


def deny_output(rule_id: str, reason: str) -> str:
    """The PreToolUse deny JSON: the model sees only the reason, which names the rule."""
    import json  # only on the deny path

    return json.dumps({
        "hookSpecificOutput": {
            "hookEventName": "PreToolUse",
            "permissionDecision": "deny",
            "permissionDecisionReason": f"[{rule_id}] {reason}",
        }
    })
