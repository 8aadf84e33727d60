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


# tree-sitter-bash 0.25.1 crashes the process (SIGSEGV) on some non-ASCII input, e.g. `{` followed by
# U+C5BE9 or U+E0001 (found by the property tests). The parser therefore only ever sees ASCII: every
# byte of a multi-byte character becomes \x01, a plain word character, so byte offsets stay those of the
# real UTF-8 text, from which node text is then read (words.node_text).
_ASCII_ONLY = bytes(range(128)) + b"\x01" * 128


def parse(source: str) -> tuple[Any, bytes]:
    """The syntax tree's root node for `source`, and the UTF-8 bytes its offsets index."""
    data = source.encode("utf-8")
    return bash_parser().parse(data.translate(_ASCII_ONLY)).root_node, data
