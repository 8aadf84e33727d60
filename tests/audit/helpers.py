"""Helpers shared by the audit tests."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

from claude_enterprise.audit.remote import stream_events

REPO = Path(__file__).resolve().parents[2]
REGION = "us-east-1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def read_stream(client: Any, group: str, stream: str) -> list[str]:
    """Every message in `stream`, oldest first (read as `audit verify --remote` reads it)."""
    return [message for _, message in stream_events(client, group, stream)]


def subprocess_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    env.update(extra)
    return env


def bulk_spool(spool: Path, count: int, pad: int = 0, start_seq: int = 0, prev_hash: str | None = None) -> int:
    """Write `count` chained events straight into a spool segment (no fsync per event), fast enough to
    build 100,000-event spools in a test. Uses the same sealing code as `record()`. Returns bytes."""
    import time
    import uuid

    from claude_enterprise.audit.events import GENESIS_HASH, Draft, Head, seal
    from claude_enterprise.audit.spool import segment_name

    spool.mkdir(parents=True, exist_ok=True)
    head = Head(start_seq, prev_hash or GENESIS_HASH)
    now = time.time()
    written = 0
    with open(spool / segment_name(1), "a", encoding="utf-8") as handle:
        for i in range(count):
            body = {"type": "tool_decision", "session_id": "bulk", "decision": "allow", "command": f"c{i}",
                    "pad": "p" * pad}
            event, line = seal(Draft(body), head=head, event_id=str(uuid.uuid4()), epoch_seconds=now)
            head = Head(event["seq"], event["hash"])
            handle.write(line)
            written += len(line)
    return written
