"""Variables the command sets, by any means, and what their values reach.

Assignments are not the only way to set a variable: `read`, `printf -v`, `mapfile`/`readarray`,
`getopts`, `for` loops and namerefs (`declare -n r=PATH; r=...`) set them too, and an array element
(`PATH[0]=...`) is the variable itself. Every one of them is judged like `NAME=value` (code and loader
variables, tables.CODE_VARIABLES / LOADER_VARIABLES), and its value is remembered for arithmetic
(arithmetic.py). The tracking is flow-insensitive: every value a variable may get anywhere in the
command counts everywhere, which only adds scrutiny (loops and functions run in any order).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import arithmetic
from .model import Execution
from .tables import CODE_VARIABLES, LOADER_VARIABLE_PREFIXES, LOADER_VARIABLES, PROMPT_VARIABLES
from .words import is_pattern, literal, node_text

if TYPE_CHECKING:
    from .analysis import Analyzer

Argv = list[str | None]
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
_GLOB = re.compile(r"(?<!\\)[*?\[]")


class Variables:
    """Per-analysis record of variable values (None: known only at run time) and their uses."""

    __slots__ = ("_indirect", "_uses", "associative", "cdpath", "integers", "keyed", "namerefs", "unset", "values")

    def __init__(self) -> None:
        self.values: dict[str, list[str | None]] = {}
        self.integers: set[str] = set()  # declare -i: every value assigned is evaluated
        self.namerefs: dict[str, list[str | None]] = {}  # declare -n r=T: assignments to r go to T
        self.cdpath = False  # the command sets CDPATH: `cd name` may go anywhere
        self.associative: set[str] = set()  # declare -A, met before in the walk: subscripts are strings
        self.keyed: set[str] = set()  # associative arrays whose subscripts were not evaluated
        self.unset: set[str] = set()  # names unset anywhere (an unset array may come back indexed)
        self._uses: list[tuple[str, Any]] = []
        self._indirect: list[tuple[str, Any]] = []

    def use(self, name: str, frame: Any) -> None:
        """`name`'s value reaches arithmetic evaluation."""
        self._uses.append((name, frame))

    def keys_are_strings(self, array: str) -> bool:
        """Are `array`'s subscripts plain strings here (an associative array declared before)?"""
        if array in self.associative:
            self.keyed.add(array)
            return True
        return False

    def indirect(self, name: str, frame: Any) -> None:
        """`${!name}`: name's value is used as a variable reference."""
        self._indirect.append((name, frame))


def is_sensitive(name: str) -> bool:
    """A variable whose value runs code or changes what programs load (tables.py)."""
    return (
        name in CODE_VARIABLES
        or name in LOADER_VARIABLES
        or name in PROMPT_VARIABLES
        or name.startswith(LOADER_VARIABLE_PREFIXES)
    )


def assign(an: Analyzer, name: str, value: str | None, frame: Any) -> None:
    """Variable `name` (no subscript) may get `value`."""
    an.variables.values.setdefault(name, []).append(value)
    if name == "CDPATH":
        an.variables.cdpath = True
    an.check_variable(name, value, frame)


def assign_reference(an: Analyzer, text: str | None, value: str | None, frame: Any, label: str) -> None:
    """A builtin assigns `value` to the variable named by `text` (`read NAME`, `printf -v NAME`)."""
    if text is None:
        an.add_code("dynamic", f"{label} into a variable named at run time", None, frame)
        return
    name = arithmetic.reference(an, text, frame, label)
    if name is not None:
        assign(an, name, value, frame)


def settle(an: Analyzer) -> None:
    """After the walk: judge the values that reach arithmetic, indirection and namerefs. New uses found
    on the way (a value naming another variable) are followed until none are left."""
    state = an.variables
    for array in sorted(state.keyed & state.unset):
        an.add_code("arithmetic", f"{array}[...] after unset {array}", None, an.top_frame)
    if not (state._uses or state.integers or state._indirect or state.namerefs):
        return
    seen: set[str] = set()
    for name in sorted(state.integers):
        state.use(name, None)
    done_uses = done_indirect = 0
    while done_uses < len(state._uses) or done_indirect < len(state._indirect):
        while done_uses < len(state._uses):
            name, frame = state._uses[done_uses]
            done_uses += 1
            if name in seen:
                continue
            seen.add(name)
            frame = frame or an.top_frame
            if is_sensitive(name):
                an.check_variable(name, None, frame)  # `let PATH=5`, `(( IFS = 1 ))` assign a number
            for value in [*state.values.get(name, ()), *state.namerefs.get(name, ())]:
                if value is None:
                    an.add_code("arithmetic", f"${name} in arithmetic", None, frame)
                else:
                    arithmetic.evaluate_text(an, value, frame, f"${name} in arithmetic")
        while done_indirect < len(state._indirect):
            name, frame = state._indirect[done_indirect]
            done_indirect += 1
            for value in state.values.get(name, ()):
                arithmetic.reference(an, value, frame, f"${{!{name}}}")
    for ref, targets in state.namerefs.items():
        values = state.values.get(ref, [])
        for target in [*targets, *values]:
            if target is None:
                an.add_code("dynamic", f"nameref {ref} to a variable named at run time", None, an.top_frame)
                continue
            base = arithmetic.reference(an, target, an.top_frame, f"nameref {ref}")
            if base is not None:
                for value in values:
                    assign(an, base, value, an.top_frame)


# ----- declare, local, typeset, export, readonly -------------------------------------------------------
def declaration(an: Analyzer, node: Any, frame: Any) -> None:
    """`declare -i n=1`, `local -n r=PATH`, `export 'a[$(x)]=1'`: options first, then names and
    assignments. An argument only known at run time may name any variable: unknown code."""
    keyword = node.children[0].type
    flags = ""
    for child in node.children[1:]:
        if not child.is_named:
            continue
        if child.type == "variable_assignment":
            _declared(an, keyword, flags, child, frame)
            continue
        text = literal(child, frame.src)
        if text is not None and text[:1] in "-+" and len(text) > 1:
            if text[0] == "-":
                flags += text[1:]
            continue
        if text is None:
            an.add_code("dynamic", f"{keyword} of a name only known at run time", None, frame)
            continue
        name_text, eq, value = text.partition("=")
        name = arithmetic.reference(an, name_text.removesuffix("+"), frame, keyword)
        if name is None:
            continue
        _attributes(an, keyword, flags, name, frame)
        if eq:
            assign(an, name, value, frame)
        if "n" in flags and keyword != "export":
            an.variables.namerefs.setdefault(name, [])


def _attributes(an: Analyzer, keyword: str, flags: str, name: str, frame: Any) -> None:
    state = an.variables
    if "i" in flags:
        state.integers.add(name)
    # An associative array's subscripts are plain strings. Only a global declaration counts: one in a
    # function is local, and the same name outside it may be an indexed array.
    if "A" in flags and keyword in ("declare", "typeset") and not any(v.startswith("function ") for v in frame.via):
        state.associative.add(name)


def _declared(an: Analyzer, keyword: str, flags: str, node: Any, frame: Any) -> None:
    """One `NAME=value` of a declaration: a nameref's value is the name it refers to, not a value."""
    nameref = "n" in flags and keyword != "export"
    name_node = node.child_by_field_name("name")
    name = _base_name(name_node, frame) if name_node is not None else None
    if name is not None:
        _attributes(an, keyword, flags, name, frame)
    if not nameref:
        assignment(an, node, frame)
        return
    value_node = node.child_by_field_name("value")
    if value_node is not None:
        an.visit(value_node, None, frame)
    if name is not None:
        target = literal(value_node, frame.src) if value_node is not None else None
        an.variables.namerefs.setdefault(name, []).append(target)


def _base_name(name_node: Any, frame: Any) -> str | None:
    if name_node.type == "subscript":
        name_node = name_node.child_by_field_name("name")
    return node_text(name_node, frame.src) if name_node is not None else None


def assignment(an: Analyzer, node: Any, frame: Any) -> None:
    """`NAME=value`, `NAME+=value`, `NAME[i]=value`, `NAME=(...)`: the subscript is arithmetic, and the
    value is judged for the variable itself (`PATH[0]` is PATH)."""
    name_node = node.child_by_field_name("name")
    value_node = node.child_by_field_name("value")
    if name_node is not None and name_node.type == "subscript":
        an.visit(name_node, None, frame)
    if value_node is not None:
        an.visit(value_node, None, frame)
    name = _base_name(name_node, frame) if name_node is not None else None
    keyed = name is not None and an.variables.keys_are_strings(name)
    if value_node is not None and value_node.type == "array" and not keyed:
        arithmetic.array_elements(an, value_node, frame)
    if name is None:
        return
    literal_value = literal(value_node, frame.src) if value_node is not None else ""
    if value_node is None:
        value: str | None = ""
    elif literal_value is None and _numeric(value_node, frame):
        value = "0"  # `n=$((n+1))`: a number, whatever it is (a literal number keeps its value: PIP_USER=1)
    elif value_node.type == "array":
        elements = [literal(c, frame.src) for c in value_node.children if c.is_named]
        value = None if any(e is None for e in elements) else " ".join(e for e in elements if e is not None)
    else:
        value = literal_value
    assign(an, name, value, frame)


def _numeric(node: Any, frame: Any) -> bool:
    """A value that is certainly a number: `$(( ))`, `${#x}`, `$?`, `$#`, `$(wc -l < f)`..., digits."""
    kind = node.type
    if kind in ("arithmetic_expansion", "number"):
        return True
    if kind == "command_substitution":
        return arithmetic.numeric_output(node, frame.src)
    if kind == "simple_expansion":
        return node_text(node, frame.src)[1:] in arithmetic.NUMERIC_SPECIALS - {"-", "0"}
    if kind == "expansion":
        return node_text(node, frame.src).startswith("${#")
    if kind in ("string", "concatenation"):
        parts = [c for c in node.children if c.is_named]
        return bool(parts) and all(_numeric(c, frame) for c in parts)
    return kind == "word" and node_text(node, frame.src).isdigit()


def for_loop(an: Analyzer, node: Any, frame: Any) -> None:
    """`for x in words`: x takes each word; a glob or expansion gives a value known only at run time
    (a file name from the repository can be `a[$(cmd)]`); no `in` list: the positional parameters."""
    variable = node.child_by_field_name("variable")
    if variable is None:
        return
    values = node.children_by_field_name("value")
    name = node_text(variable, frame.src)
    if not values:
        assign(an, name, None, frame)
    for value_node in values:
        assign(an, name, _loop_value(value_node, frame), frame)


def _loop_value(node: Any, frame: Any) -> str | None:
    """A loop word's value. A brace pattern (`{1..5}`) only recombines text written in the command, so
    its text stands for its values; a glob yields file names, known only at run time."""
    if node.type == "command_substitution" and arithmetic.numeric_output(node, frame.src):
        return "0"  # `for i in $(seq 3)`
    if is_pattern(node, frame.src):
        text = node_text(node, frame.src)
        return None if _GLOB.search(text) else text
    return literal(node, frame.src)


# ----- builtins that set variables ---------------------------------------------------------------------
def _program(an: Analyzer, word: str, name: str, args: Argv, frame: Any) -> None:
    an.add(Execution("program", name, tuple(args), frame.via, word=word))


def _options(args: Argv, with_value: str) -> tuple[dict[str, str | None], Argv] | None:
    """Bash-builtin option parsing (clustered letters, values attached or next); None when an option is
    only known at run time."""
    values: dict[str, str | None] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        if arg is None:
            return None
        if arg == "--":
            i += 1
            break
        if not arg.startswith("-") or arg == "-":
            break
        j = 1
        while j < len(arg):
            letter = arg[j]
            if letter in with_value:
                if j + 1 < len(arg):
                    values[letter] = arg[j + 1 :]
                else:
                    i += 1
                    values[letter] = args[i] if i < len(args) else None
                break
            values[letter] = ""
            j += 1
        i += 1
    return values, args[i:]


def _read(an: Analyzer, word: str, name: str, args: Argv, stdin: Any, frame: Any) -> None:
    _program(an, word, name, args, frame)
    parsed = _options(args, "adinNptu")
    if parsed is None:
        an.add_code("dynamic", "read with options only known at run time", None, frame)
        return
    options, names = parsed
    # `read -r NAME <<< 'text'` with one name: the value is the text's first line, trimmed.
    value = None
    if stdin is not None and stdin[0] == "text" and stdin[1] is not None and "r" in options and len(names) <= 1:
        value = stdin[1].split("\n", 1)[0].strip(" \t")
    if "a" in options:
        assign_reference(an, options["a"], None, frame, "read -a")
    elif not names:
        assign(an, "REPLY", value, frame)
    for target in names:
        assign_reference(an, target, value, frame, "read")


def _mapfile(an: Analyzer, word: str, name: str, args: Argv, stdin: Any, frame: Any) -> None:
    _program(an, word, name, args, frame)
    parsed = _options(args, "dnOsuCc")
    if parsed is None:
        an.add_code("dynamic", f"{name} with options only known at run time", None, frame)
        return
    options, names = parsed
    if "C" in options:
        # The callback is evaluated with the element's index and the (quoted) line appended.
        callback = options["C"]
        an.code(None if callback is None else f'{callback} 0 "$__UNKNOWN__"', frame, f"{name} -C")
    assign_reference(an, names[0] if names else "MAPFILE", None, frame, name)


def _printf(an: Analyzer, word: str, name: str, args: Argv, stdin: Any, frame: Any) -> None:
    _program(an, word, name, args, frame)
    if not args or args[0] is None or not args[0].startswith("-v"):
        return
    target = args[0][2:] or (args[1] if len(args) > 1 else None)
    rest = args[1:] if args[0][2:] else args[2:]
    if rest[:1] == ["--"]:
        rest = rest[1:]
    # A format without conversions or escapes is the value itself; anything else is computed.
    plain = len(rest) == 1 and rest[0] is not None and not any(c in rest[0] for c in "%\\")
    assign_reference(an, target, rest[0] if plain else None, frame, "printf -v")


def _getopts(an: Analyzer, word: str, name: str, args: Argv, stdin: Any, frame: Any) -> None:
    _program(an, word, name, args, frame)
    if len(args) >= 2:
        assign_reference(an, args[1], None, frame, "getopts")
        assign(an, "OPTARG", None, frame)


def _let(an: Analyzer, word: str, name: str, args: Argv, stdin: Any, frame: Any) -> None:
    _program(an, word, name, args, frame)
    for arg in args:
        if arg is None:
            an.add_code("arithmetic", "let", None, frame)
        else:
            arithmetic.evaluate_text(an, arg, frame, "let")


def _test(an: Analyzer, word: str, name: str, args: Argv, stdin: Any, frame: Any) -> None:
    _program(an, word, name, args, frame)
    for i, arg in enumerate(args[:-1]):
        if arg == "-v":
            arithmetic.reference(an, args[i + 1], frame, f"{name} -v")


def unset(an: Analyzer, node: Any, frame: Any) -> None:
    """`unset 'a[$(cmd)]'` expands and evaluates the subscript."""
    for child in node.children[1:]:
        if child.is_named:
            text = literal(child, frame.src)
            if text is None or not text.startswith("-"):
                name = arithmetic.reference(an, text, frame, "unset")
                if name is not None:
                    an.variables.unset.add(name)


def _wait(an: Analyzer, word: str, name: str, args: Argv, stdin: Any, frame: Any) -> None:
    _program(an, word, name, args, frame)
    parsed = _options(args, "p")
    if parsed is None or "p" in parsed[0]:
        assign_reference(an, None if parsed is None else parsed[0]["p"], None, frame, "wait -p")


def fd_variable(an: Analyzer, word: Any, frame: Any) -> None:
    """`{NAME}>file` (any command, `exec` above all) stores the new descriptor's number in NAME:
    `true {PATH}>/dev/null` makes PATH a relative directory such as `10`."""
    text = node_text(word, frame.src)
    if text.startswith("{") and text.endswith("}") and _IDENTIFIER.fullmatch(text[1:-1]):
        assign(an, text[1:-1], "10", frame)


def harmless_prefix(name: str, command: str | None) -> bool:
    """`IFS= read -r line`: IFS given to a builtin that splits input only changes how it splits."""
    return name == "IFS" and command in ("read", "mapfile", "readarray")


# Bash builtins that set variables from text (dispatched through handlers.VARIABLE_BUILTINS).
BUILTINS: dict[str, Callable[..., None]] = {
    "read": _read,
    "mapfile": _mapfile,
    "readarray": _mapfile,
    "printf": _printf,
    "getopts": _getopts,
    "let": _let,
    "test": _test,
    "[": _test,
    "wait": _wait,
}
