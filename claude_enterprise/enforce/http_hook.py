"""The PreToolUse hook for Bash as an `http` hook served by the resident wrapper: no process per call.

A command hook starts an interpreter before every tool call (15-20 ms); Claude Code's `http` hooks POST the
same JSON to a URL and read the same answer, at no process cost. They fail open (a server that is down or
slow lets the call proceed, verified on 2.1.197), so they are used only where another layer holds on its
own: for Bash, the exec gate decides every command at exec time whatever the hook did. File, read, web and
MCP tools keep the command hook, which decides in-process when the server is gone.

The listener is on 127.0.0.1 only (the OS sandbox's network namespace cannot reach it) and answers only
requests carrying the session's secret header, which lives in the 0600 settings file.
"""

from __future__ import annotations

import contextlib
import hmac
import os
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from claude_enterprise.enforce import protocol

SECRET_HEADER = "X-Claude-Enterprise-Secret"
PATH = "/hook"


class HookServer:
    """Serves `decide(payload, error) -> (allow, rule_id, reason)` as Claude Code's http hook: `payload` the
    request body, or None with `error` saying why it was not read."""

    def __init__(self, decide: Callable[[bytes | None, str | None], tuple[bool, str, str]]) -> None:
        self.secret = os.urandom(24).hex()
        self._decide = decide
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> HookServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # the terminal belongs to claude
                return

            def do_POST(self) -> None:
                given = self.headers.get(SECRET_HEADER, "")
                length = int(self.headers.get("Content-Length") or 0)
                if self.path != PATH or not hmac.compare_digest(given, server.secret):
                    return self._answer(403, b"{}")
                if not 0 < length <= protocol.MAX_MESSAGE_BYTES:
                    allow, rule_id, reason = server._decide(None, "the hook payload is missing or too large")
                else:
                    allow, rule_id, reason = server._decide(self.rfile.read(length), None)
                body = b"{}" if allow else protocol.deny_output(rule_id, reason).encode()
                self._answer(200, body)

            def _answer(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        httpd.daemon_threads = True
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, name="claude-enterprise-http-hook",
                                        daemon=True)
        self._thread.start()
        return self

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("HookServer.start() must run first")
        return f"http://127.0.0.1:{self._httpd.server_address[1]}{PATH}"

    def hook(self, timeout_s: int) -> dict[str, Any]:
        """The settings entry: `type: http` with the secret header."""
        return {"type": "http", "url": self.url, "headers": {SECRET_HEADER: self.secret}, "timeout": timeout_s}

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            with contextlib.suppress(RuntimeError):
                self._thread.join(timeout=5)
        self._httpd = self._thread = None
