"""Shared pieces of the immutable records (typing.NamedTuple) used on the per-command path.

The hook and the exec gate resolve, decide and audit in a fresh process on every tool call when no wrapper
serves them; `dataclasses` costs several milliseconds to import and about a millisecond per class to build,
a NamedTuple a fraction of that. Mapping fields default to one shared read-only empty mapping.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

EMPTY: Mapping[str, Any] = MappingProxyType({})
