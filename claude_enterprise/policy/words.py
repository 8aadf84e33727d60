"""Shell words to the literal strings bash would pass, or None when the value is only known at run time.

A word counts as literal only when every part is fixed text: any parameter, command or arithmetic
expansion makes it unknown. Quoting and escaping are undone exactly as bash does, so `c''url`, `"curl"`,
`\\curl`, `c\\url` and `$'\\x63url'` all read `curl`.
"""

from __future__ import annotations

import re
from typing import Any

# Characters after which a backslash inside double quotes is removed (bash manual, "Double Quotes").
_DQ_ESCAPABLE = frozenset('$`"\\\n')

_ANSI_SIMPLE = {
    "a": "\a",
    "b": "\b",
    "e": "\x1b",
    "E": "\x1b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "?": "?",
}
_OCTAL = re.compile(r"[0-7]{1,3}")
_HEX = {"x": 2, "u": 4, "U": 8}

# Unquoted characters that make a command word a pattern bash expands (globs, brace expansion).
_PATTERN_CHARS = re.compile(r"(?<!\\)[*?\[{]")


def _unescape(text: str, escapable: frozenset[str] | None) -> str:
    """Drop the backslash before each character it quotes (any, or those in `escapable`); a quoted newline
    vanishes with its backslash."""
    if "\\" not in text:
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and (escapable is None or text[i + 1] in escapable):
            if text[i + 1] != "\n":
                out.append(text[i + 1])
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def unescape_unquoted(text: str) -> str:
    """Remove backslash quoting from an unquoted word: `\\x` is `x`, backslash-newline vanishes."""
    return _unescape(text, None)


def unescape_double_quoted(text: str) -> str:
    """Inside double quotes a backslash only quotes `$`, backquote, `"`, backslash and newline."""
    return _unescape(text, _DQ_ESCAPABLE)


def decode_ansi_c(body: str) -> str:
    """Decode the inside of `$'...'` (bash's ANSI-C quoting)."""
    out: list[str] = []
    i = 0
    n = len(body)
    while i < n:
        ch = body[i]
        if ch != "\\" or i + 1 >= n:
            out.append(ch)
            i += 1
            continue
        nxt = body[i + 1]
        if nxt in _ANSI_SIMPLE:
            out.append(_ANSI_SIMPLE[nxt])
            i += 2
        elif nxt in _HEX:
            digits = re.match(f"[0-9A-Fa-f]{{1,{_HEX[nxt]}}}", body[i + 2 :])
            if digits:
                out.append(chr(min(int(digits.group(0), 16), 0x10FFFF)))
                i += 2 + len(digits.group(0))
            else:
                out.append("\\" + nxt)
                i += 2
        elif nxt == "c" and i + 2 < n:
            out.append(chr(ord(body[i + 2]) & 0x1F))
            i += 3
        else:
            octal = _OCTAL.match(body, i + 1)
            if octal:
                out.append(chr(int(octal.group(0), 8) & 0xFF))
                i += 1 + len(octal.group(0))
            else:
                out.append("\\" + nxt)
                i += 2
    return "".join(out)


def node_text(node: Any, src: bytes) -> str:
    """The node's text, read from the real source (the parser saw an ASCII-only copy: parser.parse)."""
    return src[node.start_byte : node.end_byte].decode("utf-8")


def literal(node: Any, src: bytes) -> str | None:
    """The string bash would produce for `node`, or None when it depends on run-time values."""
    kind = node.type
    if kind == "word":
        return unescape_unquoted(node_text(node, src))
    if kind in ("number", "variable_name", "extglob_pattern", "regex", "test_operator"):
        return node_text(node, src)
    if kind == "raw_string":
        return node_text(node, src)[1:-1]
    if kind == "ansi_c_string":
        return decode_ansi_c(node_text(node, src)[2:-1])
    if kind == "string":
        parts: list[str] = []
        for child in node.children:
            ctype = child.type
            if ctype == '"':
                continue
            if ctype == "string_content":
                parts.append(unescape_double_quoted(node_text(child, src)))
            elif child.is_named:
                return None
            else:
                parts.append(node_text(child, src))
        return "".join(parts)
    if kind == "translated_string":
        inner = [c for c in node.children if c.type == "string"]
        return literal(inner[0], src) if inner else None
    if kind == "concatenation":
        pieces: list[str] = []
        for child in node.children:
            value = literal(child, src)
            if value is None:
                return None
            pieces.append(value)
        return "".join(pieces)
    return None


def is_pattern(node: Any, src: bytes) -> bool:
    """True when bash would expand the word as a glob or brace pattern (its value is then unknown)."""
    kind = node.type
    if kind in ("brace_expression", "extglob_pattern"):
        return True
    if kind == "word":
        return bool(_PATTERN_CHARS.search(node_text(node, src)))
    if kind == "concatenation":
        return any(is_pattern(child, src) for child in node.children)
    return False
