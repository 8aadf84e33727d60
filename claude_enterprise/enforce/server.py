"""The resident DecisionServer: answers the hook and the exec gate for one wrapper session.

The wrapper builds it with the resolved profile, so a decision costs no imports, no profile loading and no
identity check: the thin client only connects, sends its JSON and reads the verdict.

    server = DecisionServer(resolution, session_id, session_dir, on_activity=guard_poke).start()
    layer = merge(layer, server.settings_fragment()); env.update(server.env())   # after start()
    ... run claude ...
    server.stop()

Transport: a Unix socket `decide.sock` in the session dir (dir 0700, socket 0600); on Linux each peer's uid is
checked with SO_PEERCRED, on macOS with LOCAL_PEERCRED, and must be ours. One request per connection, one
thread per connection (a stalled client never blocks the others), 5 s per connection.
The session dir also receives `gate`, the generated exec-gate script named by `CLAUDE_CODE_SHELL_PREFIX`:
Claude Code takes the prefix as one executable path without arguments, and the script pins the session,
the profile and `python -I` (so a repository's `PYTHONPATH` cannot replace our modules).
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import stat
import struct
import sys
import tempfile
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from claude_enterprise.constants import ENV_SESSION, ENV_SHELL_PREFIX, HOOK_TIMEOUT_S
from claude_enterprise.enforce import approvals, protocol
from claude_enterprise.enforce.decider import SESSION_FILE, Decider, claude_config_dir, session_document
from claude_enterprise.interpreter import HOOK_CALL, bootstrap, python_argv
from claude_enterprise.launch.settings import hook_entries
from claude_enterprise.policy.model import Decision

if TYPE_CHECKING:
    from claude_enterprise.resolve import Resolution

_CONNECTION_TIMEOUT_S = 5.0
_SOL_LOCAL, _LOCAL_PEERCRED = 0, 0x001  # macOS <sys/un.h>
_MAX_SOCKET_PATH = 100


def _peer_uid(conn: socket.socket) -> int | None:
    """The connecting process's uid where the OS tells us; None where it cannot."""
    if hasattr(socket, "SO_PEERCRED"):
        creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        return int(struct.unpack("3i", creds)[1])
    if sys.platform == "darwin":
        xucred = conn.getsockopt(_SOL_LOCAL, _LOCAL_PEERCRED, 76)
        return int(struct.unpack_from("2I", xucred)[1])
    return None


class DecisionServer:
    def __init__(
        self,
        resolution: Resolution,
        session_id: str,
        session_dir: str | os.PathLike[str],
        on_activity: Callable[[], None] | None = None,
        *,
        project_dirs: tuple[str, ...] | None = None,
        outbox: str | None = None,
    ) -> None:
        self.session_id = session_id
        self.outbox = outbox
        self.session_dir = os.path.abspath(session_dir)
        self.profile_name = resolution.profile.name
        # Fixed at start: the model can `cd` anywhere, the project it may write to does not move with it.
        self.decider = Decider(
            resolution.profile,
            resolution.audit_context(session_id),
            project_dirs=project_dirs or (os.getcwd(),),
            config_dir=claude_config_dir(os.environ),
            on_activity=on_activity,
        )
        self.socket_path = protocol.socket_path(self.session_dir)
        self._short_dir: str | None = None
        self.gate_path = os.path.join(self.session_dir, protocol.GATE_SCRIPT_NAME)
        self.session_file = os.path.join(self.session_dir, SESSION_FILE)
        self.approvals_dir = os.path.join(self.session_dir, approvals.DIR_NAME)
        self.decider.approvals_dir = self.approvals_dir
        self._listener: socket.socket | None = None
        self._wake_r, self._wake_w = -1, -1
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------------------------
    def start(self) -> DecisionServer:
        self._prepare_dir()
        if len(self.socket_path.encode()) > _MAX_SOCKET_PATH:
            # sun_path holds 104 bytes on macOS, 108 on Linux: a deep home directory needs a short private dir.
            self._short_dir = tempfile.mkdtemp(prefix="claude-enterprise-", dir="/tmp")
            self.socket_path = protocol.socket_path(self._short_dir)
        os.makedirs(self.approvals_dir, mode=0o700, exist_ok=True)
        os.makedirs(protocol.claims_dir(self.socket_path), mode=0o700, exist_ok=True)
        self._write_session_file()
        self._write_gate_script()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.socket_path)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(self.socket_path)  # inside a 0700 dir: nobody else can reach it before the chmod
        os.chmod(self.socket_path, 0o600)
        listener.listen(64)
        self._listener = listener
        self._wake_r, self._wake_w = os.pipe()
        self._thread = threading.Thread(target=self._serve, name="claude-enterprise-decisions", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is None:
            return
        os.write(self._wake_w, b"x")
        self._thread.join(timeout=5)
        for fd in (self._wake_r, self._wake_w):
            os.close(fd)
        if self._listener is not None:
            self._listener.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.socket_path)
        if self._short_dir:  # ours alone (mkdtemp): the socket's claims go with it
            import shutil

            shutil.rmtree(self._short_dir, ignore_errors=True)
        self._thread = self._listener = None

    def __enter__(self) -> DecisionServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what the launcher merges -----------------------------------------------------------------------
    def _started(self) -> None:
        if self._listener is None:
            raise RuntimeError("DecisionServer.start() must run before its settings and env are used")

    def env(self) -> dict[str, str]:
        """Variables for claude's environment: the exec gate from the first process on."""
        self._started()
        return {ENV_SHELL_PREFIX: self.gate_path, ENV_SESSION: self.session_dir}

    def hook_command(self) -> dict[str, Any]:
        """The PreToolUse hook in exec form (`command` + `args`): Claude Code then starts it directly — no
        shell, and not through the exec gate, which wraps shell-form hook commands too."""
        self._started()
        python = python_argv(site=False)
        code = bootstrap(HOOK_CALL,
                         site_packages=True)
        return {
            "type": "command",
            "command": python[0],
            "args": [*python[1:], "-c", code, "--session", self.socket_path, "--profile", self.profile_name],
            "timeout": HOOK_TIMEOUT_S,
        }

    def settings_fragment(self) -> dict[str, Any]:
        """Merge into the generated `--settings` layer: the hook, and the gate re-asserted in `env` (the
        `--settings` layer's env beats a repository's, which could otherwise blank the prefix)."""
        return {
            "hooks": {"PreToolUse": hook_entries(self.hook_command())},
            "env": {ENV_SHELL_PREFIX: self.gate_path},
        }

    # -- internals --------------------------------------------------------------------------------------
    def _prepare_dir(self) -> None:
        os.makedirs(self.session_dir, mode=0o700, exist_ok=True)
        st = os.lstat(self.session_dir)
        if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():
            raise PermissionError(f"session dir {self.session_dir} is not a directory owned by this user")
        os.chmod(self.session_dir, 0o700)

    def _write_session_file(self) -> None:
        """The session's resolved profile and audit context, for the gate where the socket is out of reach."""
        import json

        decider = self.decider
        doc = session_document(decider.profile, decider.audit_ctx, decider.policy_ctx.project_dirs,
                               decider.config_dir)
        fd = os.open(self.session_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(doc, handle)

    def _write_gate_script(self) -> None:
        python = python_argv(site=False)
        call = (
            "from claude_enterprise.enforce.gate import main\n"
            f"sys.exit(main(session={self.socket_path!r}, profile={self.profile_name!r}, "
            f"session_file={self.session_file!r}, outbox={self.outbox!r}, approvals={self.approvals_dir!r}, "
            f"config_dir={self.decider.config_dir!r}))"
        )
        head = " ".join(python)
        if any(c.isspace() for c in python[0]) or len(head) > 120:
            # A shebang cannot quote a path with spaces and is length-limited: go through sh instead.
            quoted = "'" + python[0].replace("'", "'\"'\"'") + "'"
            code = bootstrap(call, site_packages=True).replace("'", "'\"'\"'")
            text = f"#!/bin/sh\nexec {quoted} {' '.join(python[1:])} -c '{code}' \"$@\"\n"
        else:
            text = f"#!{head}\n{bootstrap(call, site_packages=True)}"
        tmp = self.gate_path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o700)
        os.replace(tmp, self.gate_path)

    def _serve(self) -> None:
        listener = self._listener
        assert listener is not None
        while True:
            ready, _, _ = select.select([listener.fileno(), self._wake_r], [], [])
            if self._wake_r in ready:
                return
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.settimeout(_CONNECTION_TIMEOUT_S)
                uid = _peer_uid(conn)
                if uid is not None and uid != os.getuid():
                    return  # another user's process: no answer (its client then decides in-process)
                verdict = self._verdict(protocol.recv_all(conn))
                if verdict is None:
                    return  # the client claimed the request first: it decides and records, not us
                conn.sendall(protocol.encode_answer(verdict.allow, verdict.rule_id, verdict.reason))
            except OSError:
                return

    def _verdict(self, data: bytes | None) -> Decision | None:
        """The recorded verdict for one request; None when its claim was already taken (by a client that
        stopped waiting and decides in-process)."""
        fields = data.split(b"\0", 2) if data else []
        if len(fields) == 3 and fields[0] == protocol.VERSION:
            if fields[1] in (b"hook", b"hook-error"):
                request_id, sep, body = fields[2].partition(b"\0")
                if sep and protocol.valid_request_id(request_id):
                    if not protocol.claim(protocol.claims_dir(self.socket_path), request_id):
                        return None
                    if fields[1] == b"hook":
                        return self.decider.hook(body)
                    return self.decider.hook(None, body.decode("utf-8", "replace"))
            gate = fields[2].split(b"\0")
            if fields[1] == b"gate" and len(gate) == 2:
                return self.decider.gate(os.fsdecode(gate[0]), os.fsdecode(gate[1]))
        # Only our own clients talk to this socket: anything else is a recorded deny, not a silent drop.
        return self.decider.refuse("enforce.bad_request", "the decision request is malformed", "server")
