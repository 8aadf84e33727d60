"""Validation of the PreToolUse hook payload (REFERENCE.md §1): exactly the fields we rely on, right types.

Pure. Anything missing or mistyped is a `PayloadError`, which the decider turns into a deny under every
profile: Claude Code always sends a well-formed payload, so a malformed one means something between it and
us is broken or forged, and the threat model says fail closed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any, NamedTuple


class PayloadError(ValueError):
    """The hook payload is not a well-formed PreToolUse event."""


class ToolCall(NamedTuple):
    tool_name: str
    tool_input: Mapping[str, Any]
    cwd: str
    session_id: str
    tool_use_id: str
    agent_id: str | None = None

    def subject(self) -> tuple[str | None, str | None]:
        """(command, target) for the audit event: the shell command, or the file/URL/query acted on."""
        if self.tool_name == "Bash":
            command = self.tool_input.get("command")
            return (command if isinstance(command, str) else None), None
        for key in ("file_path", "notebook_path", "path", "filePath", "url", "query"):
            value = self.tool_input.get(key)
            if isinstance(value, str):
                return None, value
        return None, None


def _field(event: Mapping[str, Any], name: str, kind: type) -> Any:
    if name not in event:
        raise PayloadError(f"missing field {name!r}")
    value = event[name]
    if not isinstance(value, kind) or (kind is str and not value):
        raise PayloadError(f"field {name!r} must be a non-empty {kind.__name__}")
    return value


def parse_payload(data: bytes | None) -> ToolCall:
    if data is None:
        raise PayloadError("no payload")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise PayloadError("stdin is not UTF-8") from None
    try:
        event = json.loads(text)
    except ValueError as exc:
        raise PayloadError(f"stdin is not JSON ({exc.__class__.__name__})") from None
    if not isinstance(event, dict):
        raise PayloadError("the payload is not a JSON object")
    if _field(event, "hook_event_name", str) != "PreToolUse":
        raise PayloadError(f"hook_event_name is {event['hook_event_name']!r}, not 'PreToolUse'")
    cwd = _field(event, "cwd", str)
    if not os.path.isabs(cwd):
        raise PayloadError("field 'cwd' must be an absolute path")
    agent_id = event.get("agent_id")
    if agent_id is not None and not isinstance(agent_id, str):
        raise PayloadError("field 'agent_id' must be a string")
    return ToolCall(
        tool_name=_field(event, "tool_name", str),
        tool_input=_field(event, "tool_input", dict),
        cwd=cwd,
        session_id=_field(event, "session_id", str),
        tool_use_id=_field(event, "tool_use_id", str),
        agent_id=agent_id,
    )
