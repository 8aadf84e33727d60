"""A scripted fake of the Anthropic Messages API on 127.0.0.1, for driving the real `claude` binary.

Each test queues the model's turns (`tool_use` calls, then a final text) and afterwards reads what Claude Code
sent back — above all the `tool_result` blocks, which tell whether a tool really ran or which layer blocked it.

Only requests that offer tools (the agent loop) consume the script; Claude Code's side requests (titles,
quota probes, summaries) get a short plain answer so they never eat a scripted turn.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DEFAULT_FINAL_TEXT = "done"


@dataclass(frozen=True)
class ToolUse:
    """The model asks Claude Code to run one tool."""

    name: str
    input: Mapping[str, Any]
    id: str = ""


@dataclass(frozen=True)
class Text:
    text: str


Block = ToolUse | Text


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None
    received: float = field(default_factory=time.monotonic)  # when it arrived (benchmarks time tool calls)

    @property
    def is_agent_turn(self) -> bool:
        return bool(self.body and self.body.get("tools"))

    @property
    def model(self) -> str | None:
        return None if self.body is None else self.body.get("model")


@dataclass(frozen=True)
class ToolResult:
    tool_use_id: str
    content: str
    is_error: bool


@dataclass
class _State:
    script: list[list[Block]] = field(default_factory=list)
    requests: list[RecordedRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))


class FakeModel:
    """`with FakeModel() as model: model.queue(...); run claude with model.env()`."""

    def __init__(self) -> None:
        self._state = _State()
        state = self._state

        class Handler(_Handler):
            shared = state

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-model", daemon=True)

    # lifecycle -----------------------------------------------------------------------------------------
    def start(self) -> FakeModel:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeModel:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        """Variables that point Claude Code at this server (Anthropic API provider)."""
        return {"ANTHROPIC_BASE_URL": self.base_url, "ANTHROPIC_API_KEY": "sk-ant-test-dummy"}

    # scripting -----------------------------------------------------------------------------------------
    def queue(self, *turns: Block | Iterable[Block]) -> None:
        """Append turns; a turn is one block or a list of blocks answered in one response."""
        with self._state.lock:
            for turn in turns:
                blocks = [turn] if isinstance(turn, (ToolUse, Text)) else list(turn)
                numbered = [
                    ToolUse(b.name, b.input, b.id or f"toolu_fake{next(self._state.ids):04d}")
                    if isinstance(b, ToolUse)
                    else b
                    for b in blocks
                ]
                self._state.script.append(numbered)

    @property
    def pending(self) -> int:
        with self._state.lock:
            return len(self._state.script)

    # inspection ----------------------------------------------------------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        with self._state.lock:
            return list(self._state.requests)

    def agent_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.is_agent_turn]

    def tool_results(self) -> dict[str, ToolResult]:
        """Every tool_result Claude Code sent back, by tool_use_id (the latest wins)."""
        found: dict[str, ToolResult] = {}
        for request in self.agent_requests():
            for message in (request.body or {}).get("messages", []):
                content = message.get("content")
                if message.get("role") != "user" or not isinstance(content, list):
                    continue
                for block in content:
                    if isinstance(block, dict) and block.get("type") == "tool_result":
                        found[block["tool_use_id"]] = ToolResult(
                            block["tool_use_id"], _flatten(block.get("content")), bool(block.get("is_error"))
                        )
        return found


def _flatten(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(_flatten(c.get("text", "")) if isinstance(c, dict) else str(c) for c in content)
    return "" if content is None else str(content)


class _Handler(BaseHTTPRequestHandler):
    shared: _State
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _record(self, body: dict[str, Any] | None) -> RecordedRequest:
        recorded = RecordedRequest(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        with self.shared.lock:
            self.shared.requests.append(recorded)
        return recorded

    def do_HEAD(self) -> None:
        self._record(None)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        self._record(None)
        self._send_json(404, {"type": "error", "error": {"type": "not_found_error", "message": "fake"}})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = {"_unparsed": raw.decode("utf-8", "replace")}
        recorded = self._record(body)
        if not self.path.startswith("/v1/messages") or self.path.startswith("/v1/messages/count_tokens"):
            self._send_json(200, {"input_tokens": 10})
            return
        blocks: list[Block]
        if recorded.is_agent_turn:
            with self.shared.lock:
                blocks = self.shared.script.pop(0) if self.shared.script else [Text(DEFAULT_FINAL_TEXT)]
        else:
            blocks = [Text("ok")]
        message_id = f"msg_fake{next(self.shared.ids):04d}"
        model = str(body.get("model") or "claude-sonnet-4-5")
        if body.get("stream"):
            self._send_stream(message_id, model, blocks)
        else:
            self._send_json(200, _message(message_id, model, blocks))

    def _send_json(self, status: int, payload: Mapping[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send_stream(self, message_id: str, model: str, blocks: list[Block]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        for event in _stream_events(message_id, model, blocks):
            self.wfile.write(f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode())
        self.wfile.flush()
        self.close_connection = True


def _usage() -> dict[str, int]:
    """Token usage as the real API reports it, cache writes split by TTL (the ledger tests sum these)."""
    return {"input_tokens": 12, "output_tokens": 7, "cache_creation_input_tokens": 300, "cache_read_input_tokens": 2000,
            "cache_creation": {"ephemeral_5m_input_tokens": 200, "ephemeral_1h_input_tokens": 100},
            "service_tier": "standard"}


def _stop_reason(blocks: list[Block]) -> str:
    return "tool_use" if any(isinstance(b, ToolUse) for b in blocks) else "end_turn"


def _message(message_id: str, model: str, blocks: list[Block]) -> dict[str, Any]:
    content = [
        {"type": "tool_use", "id": b.id, "name": b.name, "input": dict(b.input)}
        if isinstance(b, ToolUse)
        else {"type": "text", "text": b.text}
        for b in blocks
    ]
    return {
        "id": message_id, "type": "message", "role": "assistant", "model": model, "content": content,
        "stop_reason": _stop_reason(blocks), "stop_sequence": None, "usage": _usage(),
    }


def _stream_events(message_id: str, model: str, blocks: list[Block]) -> Iterator[dict[str, Any]]:
    start = _message(message_id, model, [])
    start.update(stop_reason=None, usage={**_usage(), "output_tokens": 1})
    yield {"type": "message_start", "message": start}
    for index, block in enumerate(blocks):
        if isinstance(block, ToolUse):
            yield {"type": "content_block_start", "index": index,
                   "content_block": {"type": "tool_use", "id": block.id, "name": block.name, "input": {}}}
            yield {"type": "content_block_delta", "index": index,
                   "delta": {"type": "input_json_delta", "partial_json": json.dumps(dict(block.input))}}
        else:
            yield {"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}}
            yield {"type": "content_block_delta", "index": index,
                   "delta": {"type": "text_delta", "text": block.text}}
        yield {"type": "content_block_stop", "index": index}
    yield {"type": "message_delta", "delta": {"stop_reason": _stop_reason(blocks), "stop_sequence": None},
           "usage": {"output_tokens": 7}}
    yield {"type": "message_stop"}
