"""The session heartbeat: while a wrapper session runs, a `heartbeat` audit event every few minutes.

Liveness and activity are different signals: a host that only records tool decisions says nothing while
its user reads code, and a host whose protection was removed may still be busy. The heartbeat states what
is in force, so the fleet views can tell *active* hosts from *stale* and *missing* ones, and *degraded* ones
(heartbeats arrive, protection does not): the wrapper version (every event's `version`), the profile,
whether Claude Code's managed-settings.json is installed and its sha256, whether the enterprise config is
the admin-managed one, whether the OS sandbox and the hook/gate enforcement are in force, and `degraded`
with the reasons. Interval: `CLAUDE_ENTERPRISE_HEARTBEAT_S` (default 300 s; 0 turns it off).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from claude_enterprise.constants import ENV_HEARTBEAT_S

DEFAULT_INTERVAL_S = 300.0


def interval_from_env(env: dict[str, str] | os._Environ[str] | None = None) -> float | None:
    """Seconds between heartbeats (`CLAUDE_ENTERPRISE_HEARTBEAT_S`); None when turned off (0 or less, in any
    spelling: a zero interval would write heartbeats in a busy loop until the spool is full)."""
    value = (env if env is not None else os.environ).get(ENV_HEARTBEAT_S, "")
    try:
        seconds = float(value) if value.strip() else DEFAULT_INTERVAL_S
    except ValueError:
        return DEFAULT_INTERVAL_S
    return seconds if seconds > 0 else None


def managed_settings_state(path: Path) -> tuple[bool, str | None]:
    """(installed, sha256 of its bytes) of Claude Code's managed-settings.json."""
    try:
        return True, hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return False, None


def heartbeat_fields(*, managed_settings_file: Path, managed_config: bool, sandbox_in_force: bool,
                     sandbox_required: bool, enforcement: bool) -> dict[str, Any]:
    present, digest = managed_settings_state(managed_settings_file)
    reasons = []
    if not present:
        reasons.append("managed settings not installed")
    if not managed_config:
        reasons.append("enterprise config is not the admin-managed one")
    if sandbox_required and not sandbox_in_force:
        reasons.append("OS sandbox required by the profile but not in force")
    if not enforcement:
        reasons.append("hook/gate enforcement not running")
    return {"managed_settings": present, "managed_settings_sha256": digest,
            "managed_settings_path": str(managed_settings_file), "managed_config": managed_config,
            "sandbox": sandbox_in_force, "enforcement": enforcement, "degraded": bool(reasons),
            "degraded_reasons": reasons}


class Heartbeat:
    """Records one heartbeat at start, then one every `interval` seconds until `stop()`."""

    def __init__(self, beat: Callable[[int], None], interval: float) -> None:
        self._beat = beat
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.count = 0

    def _once(self) -> None:
        self.count += 1
        try:
            self._beat(self.count)
        except Exception as exc:  # a missed heartbeat is visible as silence; the session goes on
            with contextlib.suppress(OSError, ValueError):
                print(f"claude-enterprise: heartbeat not recorded: {exc}", file=sys.stderr)

    def start(self) -> None:
        self._once()
        if self.interval > 0:
            self._thread = threading.Thread(target=self._run, name="claude-enterprise-heartbeat", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._once()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
