"""A fault-injecting HTTP proxy on 127.0.0.1 in front of the moto server.

It forwards every request and, for PutLogEvents calls, can answer instead with throttling, a 500,
access denied,
a TCP reset, an `InvalidParameterException` when the body contains a marker, or add a
`rejectedLogEventsInfo` to moto's answer. `down` resets every connection (endpoint unreachable) and
`delay` slows PutLogEvents (to kill a shipper mid-batch).
"""

from __future__ import annotations

import http.client
import json
import socket
import struct
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    proxy: FaultProxy

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Resets are the point of some faults; keep test output clean."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reset(self) -> None:
        self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        # The buffered file objects hold references: close them so the socket really closes (RST now).
        self.rfile.close()
        self.wfile.close()
        self.request.close()

    def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: int, code: str, message: str) -> None:
        body = json.dumps({"__type": code, "message": message}).encode()
        self._answer(status, body, {"Content-Type": "application/x-amz-json-1.1", "x-amzn-ErrorType": code})

    def do_POST(self) -> None:
        proxy = self.server.proxy
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if proxy.down:
            proxy.count("refused")
            self._reset()
            return
        target = self.headers.get("X-Amz-Target", "")
        is_put = target.endswith(".PutLogEvents")
        if target.endswith(".CreateLogGroup") and proxy.create_faults:
            fault = proxy.create_faults.popleft()
            if fault == "500":
                self._error(500, "InternalFailure", "injected server error")
            else:
                self._error(400, "AccessDeniedException", "injected: not authorized")
            return
        if is_put:
            fault = proxy.next_fault()
            if proxy.delay:
                time.sleep(proxy.delay)
            if fault == "throttle":
                self._error(400, "ThrottlingException", "Rate exceeded")
                return
            if fault == "500":
                self._error(500, "InternalFailure", "injected server error")
                return
            if fault == "denied":
                self._error(400, "AccessDeniedException", "injected: not authorized")
                return
            if fault == "reset":
                self._reset()
                return
            if proxy.invalid_marker and proxy.invalid_marker.encode() in body:
                proxy.count("invalid")
                self._error(400, "InvalidParameterException", "injected: log event is invalid")
                return
        status, headers, answer = proxy.forward(self.command, self.path, dict(self.headers), body)
        if is_put and status == 200:
            proxy.count("put_ok")
            proxy.count("events_ok", len(json.loads(body)["logEvents"]))
            if proxy.reject_info is not None:
                data = json.loads(answer or b"{}")
                data["rejectedLogEventsInfo"] = proxy.reject_info
                proxy.reject_info = None
                answer = json.dumps(data).encode()
        self._answer(status, answer, headers)


class FaultProxy:
    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.faults: deque[str] = deque()
        self.create_faults: deque[str] = deque()  # "500" or "denied", for CreateLogGroup calls
        self.invalid_marker: str | None = None
        self.reject_info: dict[str, int] | None = None
        self.down = False
        self.delay = 0.0
        self.counts: dict[str, int] = {}
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.proxy = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def next_fault(self) -> str | None:
        with self._lock:
            self.counts["put"] = self.counts.get("put", 0) + 1
            return self.faults.popleft() if self.faults else None

    def count(self, key: str, n: int = 1) -> None:
        with self._lock:
            self.counts[key] = self.counts.get(key, 0) + n

    def forward(self, method: str, path: str, headers: dict[str, str],
                body: bytes) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            answer = response.read()
            keep = {k: v for k, v in response.getheaders()
                    if k.lower() not in ("content-length", "transfer-encoding", "connection")}
            return response.status, keep, answer
        finally:
            conn.close()
