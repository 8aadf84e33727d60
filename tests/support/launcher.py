"""Run `claude-enterprise` (our launcher, from the source tree) as a real process, as a user would."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

RUN_TIMEOUT_S = 120


def run_launcher(args: Sequence[str], env: Mapping[str, str], cwd: Path,
                 timeout: float = RUN_TIMEOUT_S) -> subprocess.CompletedProcess[str]:
    """`python -m claude_enterprise.launch ARGS` in `cwd`; stdin is closed like a CI job's."""
    return subprocess.run(
        [sys.executable, "-m", "claude_enterprise.launch", *args],
        cwd=cwd, env=dict(env), capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL,
        check=False,
    )


def audit_events(state_dir: Path) -> list[dict[str, Any]]:
    """Every event in the local audit spool under `state_dir`, in order."""
    events: list[dict[str, Any]] = []
    for segment in sorted((state_dir / "audit").glob("seg-*.jsonl")):
        for line in segment.read_text(encoding="utf-8").splitlines():
            if line.strip():
                events.append(json.loads(line))
    return events
