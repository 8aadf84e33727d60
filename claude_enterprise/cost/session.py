"""A wrapper session's `usage` events: periodically while claude runs (long sessions), and at its end.

Each recording writes only what is new since the previous one (per model: tokens, responses, cost), so the
trail's usage events of a session always sum to the session's transcripts, however often it was sampled.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Mapping
from typing import Any

INTERVAL_S = 600.0  # a long session reports every 10 minutes
_COUNTERS = ("responses", "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens")
_TOKEN_KINDS = ("input", "output", "cache_read", "cache_write", "cache_write_5m", "cache_write_1h")


class UsageRecorder:
    def __init__(self, ctx: Any, session_id: str, env: Mapping[str, str], started_epoch: float, *,
                 spool_dir: Any = None, interval: float = INTERVAL_S) -> None:
        from claude_enterprise.audit.events import rfc3339_ms

        self.ctx, self.session_id, self.env = ctx, session_id, dict(env)
        self.since = rfc3339_ms(started_epoch - 1.0)  # claude's clock and ours agree to well under a second
        self.spool_dir = spool_dir
        self.interval = interval
        self.recorded: dict[str, dict[str, Any]] = {}  # model -> totals already in the trail
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self) -> UsageRecorder:
        self.thread = threading.Thread(target=self._loop, name="usage-ledger", daemon=True)
        self.thread.start()
        return self

    def _loop(self) -> None:
        while not self.stopping.wait(self.interval):
            self.record(final=False)

    def finish(self) -> int:
        self.stopping.set()
        return self.record(final=True)

    def record(self, *, final: bool) -> int:
        """Record what is new; returns the number of events written. Never raises (a warning instead)."""
        from claude_enterprise.audit import record
        from claude_enterprise.cost.ledger import session_usage

        try:
            with self.lock:
                today = time.strftime("%Y-%m-%d", time.gmtime())
                written = 0
                for body in session_usage(self.session_id, self.env, since=self.since, today=today):
                    delta = self._delta(body)
                    if delta is None:
                        continue
                    extra = {"spool_dir": self.spool_dir} if self.spool_dir is not None else {}
                    record("usage", self.ctx, **extra, **delta, final=final)
                    self.recorded[body["model"]] = body
                    written += 1
                return written
        except Exception as exc:  # the session goes on (or is over): report and carry on
            print(f"claude-enterprise: warning: usage not recorded: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 0

    def _delta(self, body: dict[str, Any]) -> dict[str, Any] | None:
        model = body["model"]
        before = self.recorded.get(model)
        if before is None:
            return body
        if all(body[k] == before[k] for k in _COUNTERS) and body["tokens"] == before["tokens"]:
            return None
        delta = dict(body)
        for key in _COUNTERS:
            delta[key] = body[key] - before[key]
        now, was = body["tokens"][model], before["tokens"][model]
        delta["tokens"] = {model: {k: now[k] - was[k] for k in _TOKEN_KINDS}}
        if body["cost_usd"] is not None and before["cost_usd"] is not None:
            delta["cost_usd"] = round(body["cost_usd"] - before["cost_usd"], 6)
        return delta


def start_usage(ctx: Any, session_id: str, env: Mapping[str, str], started_epoch: float) -> UsageRecorder:
    """Called once claude runs: the periodic recorder of a long session."""
    return UsageRecorder(ctx, session_id, env, started_epoch).start()
