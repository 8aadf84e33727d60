"""Small private JSON files for the identity caches (JWKS, principal-tag map).

Writes are atomic (temp file + rename) so a hook running concurrently never reads half a file, and
private (0600 in a 0700 directory) because they describe the user's identity set-up.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

MAX_CACHE_BYTES = 1024 * 1024


def read_json_object(path: Path) -> dict[str, Any] | None:
    """The JSON object stored at `path`, or None when it is missing, oversized or not an object.

    A damaged cache is the same as no cache: the caller refetches or reports why it cannot.
    """
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_CACHE_BYTES + 1)
    except OSError:
        return None
    if len(raw) > MAX_CACHE_BYTES:
        return None
    try:
        value = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):  # bad UTF-8/JSON, over-long integers, absurd nesting
        return None
    return value if isinstance(value, dict) else None


def write_json_private(path: Path, value: dict[str, Any]) -> None:
    """Atomically replace `path` with `value` as JSON, mode 0600; raises OSError on failure."""
    from claude_enterprise.fsutil import atomic_write

    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    atomic_write(path, json.dumps(value, sort_keys=True))
