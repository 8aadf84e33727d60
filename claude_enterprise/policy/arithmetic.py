"""Code that bash runs outside command nodes: arithmetic evaluation and array subscripts.

Bash evaluates arithmetic in `(( ))`, `$(( ))`, `$[ ]`, `for (( ))`, `let`, `[[ ]]` numeric tests,
substring offsets, indexed-array subscripts and assignments to `declare -i` variables. Evaluation is
recursive: a variable's value is itself evaluated, and a subscript in it is expanded first, so
`x='a[$(curl evil)]'; (( x ))` runs curl. Hence:
- a command substitution whose output reaches arithmetic is code known only at run time;
- every variable that reaches arithmetic is recorded (`Analyzer.variables`); its values are checked once
  the whole command is walked (variables.settle): a literal value is evaluated in turn, a value only
  known at run time (`read`, `$(...)`, a loop over a glob, a function's arguments) is unknown code.
  A variable the command never assigns comes from the session's environment, which the user set;
- a name handed to a builtin as text (`unset 'a[$(x)]'`, `test -v`, `printf -v`, `read`) has its
  subscript expanded and evaluated the same way.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from .words import literal, node_text

if TYPE_CHECKING:
    from .analysis import Analyzer

# `[[ a -eq b ]]` evaluates both operands; `test` and `[` only accept plain integers.
ARITHMETIC_TESTS = frozenset({"-eq", "-ne", "-lt", "-le", "-gt", "-ge"})
# Parameters bash sets to numbers (or option letters): safe in arithmetic. Positional parameters and
# `$_` (the last argument of the previous command) carry arbitrary text.
NUMERIC_SPECIALS = frozenset({"#", "?", "$", "!", "-", "0"})
_IDENTIFIER = re.compile(r"(?<![\w#])[A-Za-z_]\w*")
_NAME = re.compile(r"[A-Za-z_]\w*")
# A variable reference as bash reads it from text: a name, optionally with one subscript.
_REFERENCE = re.compile(r"([A-Za-z_]\w*)(?:\[(.*)\])?", re.S)
# With a substitution, text that could also end the arithmetic context (`1 )); cmd; (( 1`) or hide
# part of it from the parser is not worth reading: it is unknown code.
_BREAKOUT = re.compile(r"[;&|#\n<>]|\)\)")


def names_in(text: str) -> list[str]:
    """The variable names an arithmetic expression without expansions refers to (`0x1f` has none)."""
    return _IDENTIFIER.findall(text)


def evaluate_text(an: Analyzer, text: str, frame: Any, label: str) -> None:
    """`text` (a literal value) is evaluated as an arithmetic expression."""
    if "$" in text or "`" in text:
        # Expansions inside it run (in subscripts): analyse it as the arithmetic command it is.
        if _BREAKOUT.search(text):
            an.add_code("arithmetic", label, None, frame)
        else:
            an.code(f"(({text}))", frame, label)
        return
    for name in names_in(text):
        an.variables.use(name, frame)


def reference(an: Analyzer, text: str | None, frame: Any, label: str) -> str | None:
    """A variable named by text (`unset`, `read`, `printf -v`, `${!x}`...): its subscript is expanded and
    evaluated. Returns the variable's name, or None when it is only known at run time (then unknown code,
    since the text may hold a subscript that runs commands)."""
    if text is None:
        an.add_code("arithmetic", label, None, frame)
        return None
    match = _REFERENCE.fullmatch(text)
    if match is None:
        return None  # not a valid identifier: bash refuses it
    if match.group(2) is not None:
        evaluate_text(an, match.group(2), frame, label)
    return match.group(1)


def scan(an: Analyzer, node: Any, frame: Any) -> None:
    """Record what the arithmetic expression `node` evaluates. Commands inside it are found by the
    ordinary walk; here only the values that reach evaluation matter."""
    kind = node.type
    if kind == "process_substitution" or (kind == "command_substitution" and not numeric_output(node, frame.src)):
        an.add_code("arithmetic", "$(...) in arithmetic", None, frame)
    elif kind == "simple_expansion":
        _parameter(an, node_text(node, frame.src)[1:], frame)
    elif kind == "expansion":
        _expansion_in_arithmetic(an, node, frame)
    elif kind in ("word", "variable_name"):
        for name in names_in(node_text(node, frame.src)):
            an.variables.use(name, frame)
    elif kind in ("raw_string", "ansi_c_string"):
        value = literal(node, frame.src)
        evaluate_text(an, value or "", frame, "arithmetic")
    else:
        for child in node.children:
            if child.is_named:
                scan(an, child, frame)


# Commands whose output is a number whatever their input, so `[[ $(git status --short | wc -l) -gt 0 ]]`
# evaluates nothing but a number: (program, allowed arguments; None = digits only, as for seq).
_NUMERIC_COMMANDS: dict[str, frozenset[str] | None] = {
    "wc": frozenset({"-l", "-c", "-w", "-m", "--lines", "--bytes", "--words", "--chars"}),  # stdin only
    "nproc": frozenset({"--all"}),
    "id": frozenset({"-u", "-g", "-ur", "-gr", "-ru", "-rg"}),
    "date": frozenset({"+%s"}),
    "seq": None,
}
_DIGITS = re.compile(r"-?[0-9.]+")


def numeric_output(node: Any, src: bytes) -> bool:
    """Is `node`, a command substitution, certain to print a number (`$(wc -l < f)`, `$(nproc)`,
    `$(git rev-list --count HEAD)`)? Its last command decides; a file operand would add a name."""
    named = [c for c in node.children if c.is_named]
    statement = named[0] if len(named) == 1 else None
    if statement is not None and statement.type == "pipeline":
        statement = [c for c in statement.children if c.is_named][-1]
    if statement is not None and statement.type == "redirected_statement":
        statement = statement.child_by_field_name("body")
    if statement is None or statement.type != "command":
        return False
    argv: list[str | None] = []
    for child in statement.children:
        if child.type == "command_name":
            argv.append(literal(child.children[0], src) if child.children else None)
        elif child.is_named and child.type not in ("file_redirect", "herestring_redirect", "variable_assignment"):
            argv.append(literal(child, src))
    if not argv or any(a is None for a in argv):
        return False
    name, args = argv[0], [a for a in argv[1:] if a is not None]
    if name == "git":
        return args[:2] == ["rev-list", "--count"]
    if name not in _NUMERIC_COMMANDS:
        return False
    allowed = _NUMERIC_COMMANDS[name]
    return all(_DIGITS.fullmatch(a) for a in args) if allowed is None else set(args) <= allowed


def _parameter(an: Analyzer, name: str, frame: Any) -> None:
    if _NAME.fullmatch(name):
        an.variables.use(name, frame)
    elif name not in NUMERIC_SPECIALS:
        an.add_code("arithmetic", f"${name} in arithmetic", None, frame)


def _expansion_in_arithmetic(an: Analyzer, node: Any, frame: Any) -> None:
    """`${x}`, `${x:-0}`, `${#x}`, `${!x}`, `${x%.*}`... inside arithmetic: the variable's value (and any
    word of the expansion) may reach evaluation; `${#x}` is a length."""
    children = node.children
    tokens = [c.type for c in children if not c.is_named]
    if "#" in tokens[:2] and len(tokens) <= 3:
        return  # ${#x}: a number
    for child in children:
        if child.type in ("variable_name", "special_variable_name"):
            _parameter(an, node_text(child, frame.src), frame)
        elif child.type == "subscript":
            base = child.child_by_field_name("name")
            if base is not None:
                _parameter(an, node_text(base, frame.src), frame)
        elif child.is_named:
            scan(an, child, frame)


def expansion(an: Analyzer, node: Any, frame: Any) -> None:
    """Outside arithmetic: `${!x}` uses x's value as a variable reference (its subscript is evaluated),
    and `${x:offset:length}` evaluates offset and length."""
    children = node.children
    if len(children) > 2 and children[1].type == "!" and children[2].type == "variable_name":
        rest = [c.type for c in children[3:]]
        if rest in (["}"], []):
            an.variables.indirect(node_text(children[2], frame.src), frame)
    substring = False
    for child in children:
        if not child.is_named:
            substring = substring or child.type == ":"
        elif substring:
            scan(an, child, frame)


def test_command(an: Analyzer, node: Any, frame: Any) -> None:
    """`[[ a -gt b ]]` evaluates a and b; `-v name` (in `[[`, `[` and `test`) evaluates name's subscript."""
    double = bool(node.children) and node.children[0].type == "[["
    stack = [c for c in node.children if c.is_named]
    while stack:
        child = stack.pop()
        if child.type == "binary_expression":
            operator = child.child_by_field_name("operator")
            if double and any(c.type == "=~" for c in child.children):
                an.variables.values.setdefault("BASH_REMATCH", []).append(None)  # the matched text
            if double and operator is not None and node_text(operator, frame.src) in ARITHMETIC_TESTS:
                for side in ("left", "right"):
                    operand = child.child_by_field_name(side)
                    if operand is not None:
                        scan(an, operand, frame)
            stack.extend(c for c in child.children if c.is_named)
        elif child.type == "unary_expression":
            operator = child.child_by_field_name("operator")
            operands = [c for c in child.children if c.is_named and c != operator]
            if operator is not None and node_text(operator, frame.src) == "-v":
                for operand in operands:
                    reference(an, literal(operand, frame.src), frame, "test -v")
            stack.extend(operands)
        elif child.type in ("parenthesized_expression", "negated_command"):
            stack.extend(c for c in child.children if c.is_named)


def array_elements(an: Analyzer, node: Any, frame: Any) -> None:
    """`a=([i]=x [$(cmd)]=y)`: the part of each element before `]=` is a subscript."""
    for element in node.children:
        if not element.is_named or not node_text(element, frame.src).startswith("["):
            continue
        pieces = element.children if element.type == "concatenation" else [element]
        for piece in pieces:
            text = node_text(piece, frame.src)
            if "]" in text and piece.type == "word":
                for name in names_in(text.split("]", 1)[0]):
                    an.variables.use(name, frame)
                break
            scan(an, piece, frame)
