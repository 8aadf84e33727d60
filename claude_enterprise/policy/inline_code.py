"""Inline interpreter code under a deny list: what it calls, not the words in its strings.

`python3 -c "print('run with sudo')"` and `perl -pi -e 's/kubectl delete/kubectl get/' f` only mention a
blocked name; code can start a program only through an execution primitive (`os.system`, `child_process`,
backticks, `eval`, `getattr`...). So the whole text, strings included, is searched for blocked names and
destructive commands only when such a primitive appears anywhere in it (in a string too: `__import__('os')`).
Without one, only the code outside string literals and comments is searched, for calls that delete trees.
This stays a heuristic: under an allow list inline code is refused outright.
"""

from __future__ import annotations

import re

# Names through which code runs programs or reaches functions by a computed name, and the computed calls
# themselves: a call on a subscript (`m['ex' + 'ecSync'](...)`), a string concatenated inside brackets,
# a PHP variable function (`$f(...)`), a Perl symbolic call (`&{"sys" . "tem"}`), a dynamic `require`.
_PRIMITIVES = re.compile(
    r"\b(system|popen|exec\w*|spawn\w*|fork|subprocess|child_process|pty|os\.startfile|eval|Function|getattr"
    r"|__import__|importlib|__builtins__|builtins|__dict__|globals|globalThis|locals|vars|compile|pickle"
    r"|marshal|methodcaller|ctypes|cffi|dlopen|runIn\w*Context|compileFunction|Reflect|mainModule|_load"
    r"|qx|readpipe|shell_exec|passthru|proc_open|pcntl_exec|call_user_func\w*|Open3|Kernel|send|public_send"
    r"|__send__|const_get|instance_eval|class_eval|method|io\.popen|os\.execute|load\w*|dofile|_G|_ENV"
    r"|do\s+shell\s+script)\b|`|%x|\]\s*\(|\[\s*['\"][^'\"]*['\"]\s*[+.]|\$\w+\s*\(|&\s*[{$]|->\s*\$"
    r"|\brequire\s*\(\s*(?!['\"][\w@/.:-]*['\"]\s*\))"
)
# Perl and Ruby also run a command through `open` with a pipe in the (string) file name.
_OPEN = re.compile(r"\bopen\b")
# Languages whose inline code we can read this way; any other is searched whole (awk and sed code only
# counts as inline code when it already executes something).
_READABLE = frozenset({"python", "node", "perl", "ruby", "php", "lua"})
_STRINGS_AND_COMMENTS = {
    "python": re.compile(r"'''.*?'''|\"\"\".*?\"\"\"|'(?:\\.|[^'\\\n])*'|\"(?:\\.|[^\"\\\n])*\"|#[^\n]*", re.S),
    "hash": re.compile(r"'(?:\\.|[^'\\])*'|\"(?:\\.|[^\"\\])*\"|#[^\n]*", re.S),
    "slash": re.compile(r"'(?:\\.|[^'\\])*'|\"(?:\\.|[^\"\\])*\"|//[^\n]*|/\*.*?\*/", re.S),
    "lua": re.compile(r"'(?:\\.|[^'\\])*'|\"(?:\\.|[^\"\\])*\"|--[^\n]*", re.S),
}
_STYLE = {"python": "python", "perl": "hash", "ruby": "hash", "node": "slash", "php": "slash", "lua": "lua"}

# Calls that delete a directory tree or cloud resources, in any of the readable languages.
TREE_DELETES = (
    (re.compile(r"\b(rmtree|remove_tree|rm_rf|rm_r|remove_dir|remove_entry\w*|rimraf|rmSync|rmdirSync)\b"), "tree"),
    (re.compile(r"\bfs(?:\.promises)?\s*\.\s*(rm|rmdir)\s*\("), "tree"),
    (re.compile(r"\.(delete|terminate|deregister|destroy|purge)_\w+\s*\("), "sdk"),
    (re.compile(r"\.(delete|destroy|purge)\s*\(\s*\)"), "sdk"),
)


def runs_programs(code: str, kind: str) -> bool:
    """May `code` (interpreter `kind`) start programs or reach functions by a computed name?"""
    if kind not in _READABLE:
        return True
    return bool(_PRIMITIVES.search(code) or (kind in ("perl", "ruby") and _OPEN.search(code)))


def code_only(code: str, kind: str) -> str:
    """`code` with its string literals and comments blanked (a lexical approximation)."""
    pattern = _STRINGS_AND_COMMENTS.get(_STYLE.get(kind, ""))
    return pattern.sub(" ", code) if pattern is not None else code


def tree_delete(code: str, kind: str) -> str | None:
    """"tree" or "sdk" when the code calls something that deletes a tree or cloud resources."""
    text = code if runs_programs(code, kind) else code_only(code, kind)
    for pattern, what in TREE_DELETES:
        if pattern.search(text):
            return what
    return None
