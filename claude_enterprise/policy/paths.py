"""The engine's one I/O helper: resolve file-tool paths before the pure decision sees them.

Kept apart from the pure modules on purpose: `decide_tool` compares paths lexically, so symlinks and
`..` must be resolved first, or a link inside the project could point a write anywhere.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

_PATH_KEYS = ("file_path", "notebook_path")


def resolve_tool_input(tool_name: str, tool_input: Mapping[str, Any], cwd: str) -> dict[str, Any]:
    """A copy of `tool_input` whose file paths are absolute and fully resolved (relative ones against
    `cwd`). A path that is not a string is left as is: the decision denies it."""
    resolved = dict(tool_input)
    for key in _PATH_KEYS:
        value = resolved.get(key)
        if isinstance(value, str) and value:
            expanded = os.path.expanduser(value) if value.startswith("~") else value
            resolved[key] = os.path.realpath(os.path.join(cwd, expanded))
    return resolved
