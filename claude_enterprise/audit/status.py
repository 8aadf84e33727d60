"""The spool's state for `--check-policy` and `audit` commands: depth, age, size, writability.

Standard library only: the launcher's compliance check imports it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, NamedTuple

from claude_enterprise.audit.spool import (
    HIGH_WATER_FRACTION,
    Spool,
    acked_bytes,
    iter_lines,
    list_segments,
    read_cursor,
    tail_start,
)


class SpoolStatus(NamedTuple):
    """What an administrator needs to know about a spool. `depth` counts events not yet accepted by
    CloudWatch; with no sink configured that is every event in the local trail."""

    directory: str
    depth: int
    oldest_unshipped_ts: str | None
    newest_ts: str | None
    bytes: int
    unshipped_bytes: int
    max_bytes: int
    segments: int
    writable: bool
    high_water: bool
    full: bool
    torn_tail: bool

    def as_dict(self) -> dict[str, Any]:
        return self._asdict()


def compute_status(spool: Spool) -> SpoolStatus:
    directory = spool.directory
    segments = list_segments(directory)
    cursor = read_cursor(directory)
    total = sum(size for _, size in segments)
    unshipped = max(0, total - acked_bytes(segments, cursor))
    depth = 0
    oldest: str | None = None
    for _, _, _, raw in iter_lines(directory, cursor):
        if oldest is None:
            oldest = _ts(raw)
        depth += 1
    return SpoolStatus(
        directory=str(directory),
        depth=depth,
        oldest_unshipped_ts=oldest,
        newest_ts=_newest_ts(directory, segments),
        bytes=total,
        unshipped_bytes=unshipped,
        max_bytes=spool.max_bytes,
        segments=len(segments),
        writable=_writable(directory),
        high_water=total >= spool.max_bytes * HIGH_WATER_FRACTION,
        full=total >= spool.max_bytes,
        torn_tail=_torn(directory, segments),
    )


def _ts(raw: bytes) -> str | None:
    try:
        value = json.loads(raw).get("ts")
        return value if isinstance(value, str) else None
    except (ValueError, AttributeError):
        return None


def _newest_ts(directory: Path, segments: list[tuple[str, int]]) -> str | None:
    for name, size in reversed(segments):
        if size == 0:
            continue
        with open(directory / name, "rb") as handle:
            handle.seek(max(0, size - 65536))
            lines = [line for line in handle.read().split(b"\n") if line.strip()]
        for raw in reversed(lines):
            ts = _ts(raw)
            if ts:
                return ts
    return None


def _torn(directory: Path, segments: list[tuple[str, int]]) -> bool:
    non_empty = [name for name, size in segments if size > 0]
    if not non_empty:
        return False
    fd = os.open(directory / non_empty[-1], os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        return tail_start(fd, size) < size
    finally:
        os.close(fd)


def _writable(directory: Path) -> bool:
    """The spool exists (or could be created) and this user can write it."""
    probe = directory
    while not probe.exists():
        if probe.parent == probe:
            return False
        probe = probe.parent
    return os.access(probe, os.W_OK | os.X_OK)
