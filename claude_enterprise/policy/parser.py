"""The tree-sitter-bash parser, built once on first use.

tree-sitter is imported here only, lazily, so importing the policy package stays cheap for callers that
never judge a shell command (file and web tools). The cache is the engine's one piece of module state.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def bash_parser() -> Any:
    import tree_sitter_bash
    from tree_sitter import Language, Parser

    return Parser(Language(tree_sitter_bash.language()))


def parse(source: str) -> Any:
    """The syntax tree's root node for `source`."""
    return bash_parser().parse(source.encode("utf-8")).root_node
