"""A directory's compiled profile cache: `.compiled-profiles.json` beside the profile files.

It holds the validated documents with the SHA-256 of each source file, so loading needs only hashing and
`json`, not a YAML parser. It is trusted exactly as much as the directory it sits in (written by whoever owns
the profile files: the package build for the bundled set, the administrator for `profiles.d/`), and it is
ignored the moment any file's content, or the set of files, differs from what it recorded.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

CACHE_NAME = ".compiled-profiles.json"
_FORMAT = 1


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_if_current(directory: Path, files: list[Path]) -> list[tuple[str, dict[str, Any]]] | None:
    """The cached documents when the cache matches `files` exactly, else None (the caller parses)."""
    cache = directory / CACHE_NAME
    try:
        data = json.loads(cache.read_text(encoding="utf-8"))
        entries = data["files"]
        if data.get("format") != _FORMAT or [e["name"] for e in entries] != [p.name for p in files]:
            return None
        for entry, path in zip(entries, files, strict=True):
            if entry["sha256"] != _digest(path):
                return None
        return [(str(directory / e["name"]), e["document"]) for e in entries]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write(directory: Path, documents: list[tuple[Path, dict[str, Any]]]) -> Path:
    """Write the cache of `directory` for its already validated `documents` (path, document), in file order.

    Callers validate first (`profiles.validate.check_directory`): a cache is only ever written for a directory
    the runtime would load without error.
    """
    entries = [{"name": p.name, "sha256": _digest(p), "document": doc} for p, doc in documents]
    cache = directory / CACHE_NAME
    tmp = cache.with_suffix(".tmp")
    tmp.write_text(json.dumps({"format": _FORMAT, "files": entries}, indent=1, sort_keys=True) + "\n")
    tmp.replace(cache)
    return cache
