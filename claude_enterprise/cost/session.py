"""End of a wrapper session: record the session's `usage` events (one per model) in the audit trail."""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from typing import Any


def record_usage(ctx: Any, session_id: str, env: Mapping[str, str], started_epoch: float) -> int:
    """Read the session's transcripts and record its usage; returns how many events were written.

    Never raises: a ledger that cannot be read is a warning, not a failed session (the trail says why)."""
    from claude_enterprise.audit import record
    from claude_enterprise.audit.events import rfc3339_ms
    from claude_enterprise.cost.ledger import session_usage

    try:
        since = rfc3339_ms(started_epoch - 1.0)  # claude's clock and ours agree to well under a second
        bodies = session_usage(session_id, env, since=since, today=time.strftime("%Y-%m-%d", time.gmtime()))
        for body in bodies:
            record("usage", ctx, **body)
        return len(bodies)
    except Exception as exc:  # the session is over: report and carry on
        print(f"claude-enterprise: warning: usage not recorded: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 0
