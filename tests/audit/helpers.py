"""Helpers shared by the audit tests."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
REGION = "us-east-1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def read_stream(client: Any, group: str, stream: str) -> list[str]:
    """Every message in `stream`, oldest first."""
    messages: list[str] = []
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"logGroupName": group, "logStreamName": stream, "startFromHead": True}
        if token:
            kwargs["nextToken"] = token
        page = client.get_log_events(**kwargs)
        messages.extend(event["message"] for event in page["events"])
        if not page["events"] or page.get("nextForwardToken") == token:
            return messages
        token = page["nextForwardToken"]


def subprocess_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    env.update(extra)
    return env
