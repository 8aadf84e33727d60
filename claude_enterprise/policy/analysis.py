"""From a shell command to everything it would execute and write.

The walk covers every construct bash runs commands from (pipelines, lists, subshells, groups, loops,
conditionals, substitutions anywhere, heredocs and here-strings fed to shells, functions and aliases,
`sh -c` recursion, `eval`, wrappers, interpreters with inline code, launchers inside tools). Whatever it
cannot see through becomes an Execution with an unknown name or opaque code, so the rules can deny it.
Anything the walker does not recognise is an analysis failure, never a silent pass.
"""

from __future__ import annotations

import shlex
from functools import lru_cache
from typing import Any

from . import arithmetic, handlers, launchers, npm_commands, runners, tool_network, tool_writes, variables
from .directories import Links, sets_physical
from .model import Analysis, Execution, Write
from .options import parse_options
from .parser import parse
from .readonly import UTILITIES, read_only_use
from .tables import (
    AWK_EXECUTES,
    AWK_OPTS,
    AWKS,
    CODE_VARIABLES,
    FOREIGN_SHELL_CODE_OPTS,
    FOREIGN_SHELLS,
    INTERPRETERS,
    LOADER_VARIABLE_PREFIXES,
    LOADER_VARIABLES,
    PAGER_VARIABLES,
    PLAIN_PAGER,
    PRIVILEGED,
    PROMPT_VARIABLES,
    SED_EXECUTES,
    SED_INPLACE,
    SED_OPTS,
    SHELL_VALUE_OPTS,
    SHELLS,
    TRANSPARENT,
    canonical,
    interpreter_kind,
)
from .variables import Variables
from .words import is_pattern, literal, node_text
from .writers import file_writes, in_place_files

MAX_DEPTH = 8  # nested code strings (`sh -c "eval '...'"`) before we give up and deny
MAX_EXECUTIONS = 2000  # a bound on alias/function fan-out

Stdin = tuple[str, "str | None"] | None  # ("pipe"|"text"|"file", value) or None: Claude Code's /dev/null

# Node types the walker descends into without special meaning (statements and expression parts).
_TRANSPARENT_NODES = frozenset(
    {
        "program", "list", "compound_statement", "subshell", "do_group", "if_statement", "elif_clause",
        "else_clause", "while_statement", "for_statement", "c_style_for_statement", "case_statement",
        "case_item", "negated_command", "test_command", "binary_expression", "unary_expression",
        "ternary_expression", "postfix_expression", "parenthesized_expression", "command_substitution",
        "word", "string", "raw_string", "ansi_c_string", "translated_string", "concatenation",
        "simple_expansion", "expansion", "arithmetic_expansion", "brace_expression", "array", "subscript",
        "number", "variable_name", "special_variable_name", "string_content", "heredoc_body",
        "heredoc_content", "heredoc_start", "heredoc_end", "test_operator", "regex", "extglob_pattern",
        "file_descriptor", "comment",
    }
)  # fmt: skip
# Nodes that cannot contain anything that runs: skipped without descending.
_LEAVES = frozenset(
    {
        "word", "raw_string", "number", "ansi_c_string", "variable_name", "special_variable_name",
        "string_content", "heredoc_content", "heredoc_start", "heredoc_end", "test_operator", "regex",
        "extglob_pattern", "file_descriptor", "comment", "simple_expansion",
    }
)  # fmt: skip
_REDIRECTS = frozenset({"file_redirect", "heredoc_redirect", "herestring_redirect"})
_LOOPS = frozenset({"while_statement", "for_statement", "c_style_for_statement"})
# Nodes where bash evaluates arithmetic, follows a name in a value or sets a variable (arithmetic.py).
_EVALUATING = frozenset(
    {"compound_statement", "arithmetic_expansion", "c_style_for_statement", "subscript", "test_command", "expansion"}
)
_WRITE_OPERATORS = frozenset({">", ">>", "&>", "&>>", ">|", ">&", "&>|"})
_PIPE_TOKENS = frozenset({"|", "|&"})
_NETWORK_DEVICES = ("/dev/tcp/", "/dev/udp/")


def _no_writes(args: list[str | None]) -> list[tuple[str | None, str]]:
    return []


class AnalysisError(Exception):
    """The command cannot be analysed with certainty; it must be denied."""


class Frame:
    """Where the walker is: nesting depth of code strings, the chain of launchers, top level or not."""

    __slots__ = ("depth", "src", "top", "via")

    def __init__(self, depth: int, via: tuple[str, ...], top: bool, src: bytes) -> None:
        self.depth = depth
        self.via = via
        self.top = top
        self.src = src  # the UTF-8 source the current tree's byte offsets index

    def inner(self, label: str) -> Frame:
        return Frame(self.depth, (*self.via, label), False, self.src)


def _basename(word: str) -> str:
    return word.rstrip("/").rsplit("/", 1)[-1] if "/" in word else word


def _short_option(arg: str | None, letter: str) -> bool:
    return arg is not None and arg.startswith("-") and not arg.startswith("--") and letter in arg


def _quote(arg: str | None) -> str:
    # An unknown argument stays unknown when re-parsed: a parameter expansion bash cannot fold.
    return '"$__UNKNOWN__"' if arg is None else shlex.quote(arg)


class Analyzer:
    """One analysis run. Public methods are the callbacks of the handler modules (see handlers.py)."""

    top_frame = Frame(0, (), True, b"")  # where checks made after the walk (variables.settle) stand

    def __init__(self) -> None:
        self.executions: list[Execution] = []
        self.writes: list[Write] = []
        self.cwds: list[str | None] = [""]
        self.functions: set[str] = set()
        self.aliases: dict[str, str] = {}
        self.variables = Variables()
        self.links = Links()
        self.loops = False  # a loop was met: writes and links may run in any order
        self.cdpath_cwds: set[str | None] = set()  # directories `cd` found through CDPATH, and below
        self.physical = False  # `cd -P` or `set -P` met: `..` after a link goes where the link points
        self.climbed_cwds: set[str | None] = set()  # directories reached by `..` from one entered by name
        self.last_cd: list[str | None] | None = None  # the directories the latest `cd` leads to

    # ----- results -------------------------------------------------------------------------------------
    def add(self, execution: Execution) -> None:
        if len(self.executions) >= MAX_EXECUTIONS:
            raise AnalysisError("the command expands to too many executions")
        self.executions.append(execution)
        self.links.note(self, execution)
        if execution.name == "set" and sets_physical(execution.args):
            self.physical = True

    def add_code(self, origin: str, name: str, code: str | None, frame: Frame) -> None:
        if origin == "inline" and code is None:
            origin = "dynamic"  # inline code built at run time cannot be inspected at all
        self.add(Execution("code", name, (), frame.via, origin=origin, code=code, word=name))

    def add_write(self, target: str | None, via: str, tree: bool = False) -> None:
        self.writes.append(Write(target, tuple(self.cwds), via, tree=tree))

    def settle_places(self) -> None:
        """After the walk: directories CDPATH may have changed, writes through links made on the way."""
        unsure = (self.cdpath_cwds if self.variables.cdpath else set()) | (
            self.climbed_cwds if self.physical else set()
        )
        if unsure:
            self.writes = [w._replace(cwds=tuple(None if c in unsure else c for c in w.cwds)) for w in self.writes]
            self.executions = [
                e._replace(cwds=tuple(None if c in unsure else c for c in e.cwds)) for e in self.executions
            ]
        self.writes = self.links.settle(self.writes)

    # ----- code strings --------------------------------------------------------------------------------
    def code(self, text: str | None, frame: Frame, label: str) -> None:
        """Analyse `text` as bash code run by `label` (`bash -c`, `eval`, an alias...)."""
        if text is None:
            self.add_code("dynamic", label, None, frame)
            return
        if frame.depth + 1 > MAX_DEPTH:
            raise AnalysisError(f"code nested more than {MAX_DEPTH} levels deep")
        root, src = parse(text)
        if root.has_error:
            raise AnalysisError(f"the code run by `{label}` is not valid shell syntax")
        self.visit(root, None, Frame(frame.depth + 1, (*frame.via, label), False, src))

    # ----- the syntax tree -----------------------------------------------------------------------------
    def visit(self, node: Any, stdin: Stdin, frame: Frame) -> None:
        kind = node.type
        if kind in _LEAVES:
            return
        if kind == "command":
            self._command(node, stdin, frame)
        elif kind == "pipeline":
            piped = False
            for child in node.children:
                if child.type in _PIPE_TOKENS:
                    piped = True
                elif child.is_named:
                    self.visit(child, ("pipe", None) if piped else stdin, frame)
        elif kind == "redirected_statement":
            self._redirected(node, stdin, frame)
        elif kind == "program":
            top = frame.depth == 0 and not frame.via
            for child in node.children:
                if child.is_named:
                    self.visit(child, stdin, Frame(frame.depth, frame.via, top, frame.src))
        elif kind == "function_definition":
            self._function(node, frame)
        elif kind == "variable_assignment":
            self._assignment(node, frame)
        elif kind == "variable_assignments":
            for child in node.children:
                if child.is_named:
                    self.visit(child, stdin, frame)
        elif kind in ("declaration_command", "unset_command"):
            name = node.children[0].type
            if kind == "unset_command":
                variables.unset(self, node, frame)
            else:
                variables.declaration(self, node, frame)
            self.add(Execution("program", name, (), frame.via, word=name))
            previous_end = node.children[0].end_byte
            for child in node.children[1:]:
                if child.is_named:
                    if child.start_byte == previous_end:  # a split word (see _command)
                        raise AnalysisError(f"ambiguous quoting in `{name}`; add a space or quote it")
                    if child.type != "variable_assignment":  # assignments: variables.declaration
                        self.visit(child, stdin, frame)
                previous_end = child.end_byte
        elif kind == "process_substitution":
            # >(cmd) reads what the outer command writes: a pipe into cmd.
            writes_into = node.children[0].type == ">("
            for child in node.children:
                if child.is_named:
                    self.visit(child, ("pipe", None) if writes_into else None, frame)
        elif kind in _REDIRECTS:
            self._redirect(node, frame)
        elif kind == "list":
            self._list(node, stdin, frame)
        elif kind in _TRANSPARENT_NODES:
            inner = frame if not frame.top else Frame(frame.depth, frame.via, False, frame.src)
            if kind in _EVALUATING:
                self._evaluated(node, inner)
            elif kind == "for_statement":
                variables.for_loop(self, node, inner)
            self.loops = self.loops or kind in _LOOPS
            for child in node.children:
                if child.is_named:
                    self.visit(child, stdin, inner)
        else:
            raise AnalysisError(f"unsupported shell construct `{kind}`")

    def _list(self, node: Any, stdin: Stdin, frame: Frame) -> None:
        """`a && b` / `a || b` / `a; b`. What follows `cd DIR &&` runs only if the cd succeeded, so there
        the directory before it no longer applies (`cd build && rm -rf *` stays inside build)."""
        inner = frame if not frame.top else Frame(frame.depth, frame.via, False, frame.src)
        children = node.children
        for index, child in enumerate(children):
            if not child.is_named:
                continue
            self.last_cd = None
            self.visit(child, stdin, inner)
            follows = children[index + 1].type if index + 1 < len(children) else ""
            if follows == "&&" and child.type == "command" and self.last_cd is not None:
                self.cwds = self.last_cd

    def _function(self, node: Any, frame: Frame) -> None:
        name_node = node.child_by_field_name("name")
        body = node.child_by_field_name("body")
        name = literal(name_node, frame.src) if name_node is not None else None
        # Only a definition that certainly runs before later calls (top level of the command itself)
        # makes its name a function; otherwise a call may still reach a program of that name.
        if name is not None and frame.top:
            self.functions.add(name)
        if body is not None:
            self.visit(body, None, frame.inner(f"function {name or '?'}"))
        for child in node.children:
            if child.type in _REDIRECTS:
                self._redirect(child, frame)

    def _assignment(self, node: Any, frame: Frame) -> None:
        variables.assignment(self, node, frame)

    def _evaluated(self, node: Any, frame: Frame) -> None:
        """Arithmetic contexts, substring offsets and indirection (arithmetic.py)."""
        kind = node.type
        if kind == "compound_statement" or kind == "arithmetic_expansion" or kind == "c_style_for_statement":
            if kind != "compound_statement" or (node.children and node.children[0].type == "(("):
                body = node.child_by_field_name("body")
                for child in node.children:
                    if child.is_named and child != body:
                        arithmetic.scan(self, child, frame)
        elif kind == "subscript":
            index = node.child_by_field_name("index")
            array = node.child_by_field_name("name")
            if array is not None and self.variables.keys_are_strings(node_text(array, frame.src)):
                return
            if index is not None:
                arithmetic.scan(self, index, frame)
        elif kind == "test_command":
            arithmetic.test_command(self, node, frame)
        else:
            arithmetic.expansion(self, node, frame)

    def check_variable(self, name: str, value: str | None, frame: Frame) -> None:
        """Assignments that make code run: a command in GIT_SSH_COMMAND, a loader such as LD_PRELOAD;
        or that configure allowed tools (registries, proxies, npm settings naming programs)."""
        tool_network.check_variable(self, name, value, frame)
        for target, via in tool_writes.variable_writes(name, value):
            self.add_write(target, via)
        npm_commands.code_variable(self, name, value, frame)
        if name in CODE_VARIABLES:
            if name in PAGER_VARIABLES and value is not None and PLAIN_PAGER.fullmatch(value):
                return
            self.code(value, frame, f"${name}")
        elif name in PROMPT_VARIABLES:
            # Prompts are expanded when shown (PS4 under `set -x`): a substitution in one runs.
            if value is None or "$(" in value or "`" in value:
                self.add_code("dynamic", f"${name}", value, frame)
        elif name in LOADER_VARIABLES or name.startswith(LOADER_VARIABLE_PREFIXES):
            self.add_code("config", name, value, frame)

    def _redirected(self, node: Any, stdin: Stdin, frame: Frame) -> None:
        body = node.child_by_field_name("body")
        after: list[Any] = []
        # tree-sitter-bash attaches `a && b > f` to the whole list: record writes after the body, so a
        # `cd` inside it counts (more candidate directories only ever add scrutiny).
        writes: list[tuple[str | None, str]] = []
        for child in node.children:
            if not child.is_named or child == body:
                continue
            if child.type in _REDIRECTS:
                stdin = self._redirect(child, frame, stdin, after, writes)
            else:
                self.visit(child, None, frame)
        cwds_before = self.cwds
        if body is not None:
            if body.type == "command" and body.children:
                # `true {PATH}>/dev/null` ends the command with the variable a redirection sets.
                redirect = next((c for c in node.children if c.type in _REDIRECTS), None)
                if redirect is not None and body.children[-1].end_byte == redirect.start_byte:
                    variables.fd_variable(self, body.children[-1], frame)
            self.visit(body, stdin, frame)
        cwds_after = self.cwds
        if body is None or body.type != "list":
            # A group's redirection is opened before its body runs: a `cd` inside does not apply to it.
            self.cwds = list(dict.fromkeys([*cwds_before, *cwds_after]))
        for target, operator in writes:
            self.add_write(target, operator)
        self.cwds = cwds_after
        for statement in after:
            self.visit(statement, None, frame)

    def _redirect(
        self,
        node: Any,
        frame: Frame,
        stdin: Stdin = None,
        after: list[Any] | None = None,
        writes: list[tuple[str | None, str]] | None = None,
    ) -> Stdin:
        """Record a redirection's writes (or queue them in `writes`); return the stdin it gives the
        command. Statements that follow a heredoc's start on the same line (`cat <<EOF | sh`) are parsed
        inside it: queue them in `after`."""
        record = self.add_write if writes is None else (lambda target, op: writes.append((target, op)))
        kind = node.type
        if kind == "file_redirect":
            operator = ""
            target: str | None = None
            pieces = 0
            previous_end = -1
            for child in node.children:
                if not child.is_named:
                    operator = child.type
                elif child.type != "file_descriptor":
                    # The destination may arrive split in pieces (see _command); they must be adjacent.
                    if pieces and child.start_byte != previous_end:
                        raise AnalysisError("a redirection has more than one destination")
                    self.visit(child, None, frame)
                    piece = literal(child, frame.src)
                    target = None if (pieces and target is None) or piece is None else (target or "") + piece
                    pieces += 1
                    previous_end = child.end_byte
            if not pieces:
                target = None
            if operator in _WRITE_OPERATORS:
                if operator == ">&" and (target is None or target.isdigit() or target == "-"):
                    if target is None:
                        record(None, operator)
                    return stdin
                record(target, operator)
            elif operator in ("<", "<&"):
                if target is not None and target.startswith(_NETWORK_DEVICES):
                    record(target, operator)  # bash opens a network connection for /dev/tcp/host/port
                return ("file", target)
            return stdin
        if kind == "herestring_redirect":
            value: str | None = ""
            for child in node.children:
                if child.is_named:
                    self.visit(child, None, frame)
                    piece = literal(child, frame.src)
                    value = None if value is None or piece is None else value + piece
            return ("text", value)
        # heredoc
        quoted = False
        strip_tabs = False
        text: str | None = ""
        for child in node.children:
            ctype = child.type
            if ctype == "<<-":
                strip_tabs = True
            elif ctype == "heredoc_start":
                quoted = any(q in node_text(child, frame.src) for q in ("'", '"', "\\"))
            elif ctype == "heredoc_body":
                body = node_text(child, frame.src)
                dynamic = any(c.is_named and c.type != "heredoc_content" for c in child.children)
                if not quoted:
                    self.visit(child, None, frame)
                    if dynamic or "\\" in body:
                        text = None
                if text is not None:
                    text = "\n".join(line.lstrip("\t") for line in body.split("\n")) if strip_tabs else body
            elif child.is_named and ctype != "heredoc_end":
                if after is not None:
                    after.append(child)
                else:
                    self.visit(child, None, frame)
        return ("text", text)

    def _command(self, node: Any, stdin: Stdin, frame: Frame) -> None:
        # tree-sitter-bash splits one shell word after a quoted part when a backslash follows
        # (`cu'r'\l` becomes `cu'r'` and `\l`). Pieces with no space between them are one word in bash,
        # so adjacent pieces are merged; where a split piece would leave an assignment or a redirection
        # (`X='a'\b cmd`), the words cannot be attributed safely and analysis fails.
        words: list[list[Any]] = []
        assignments: list[Any] = []
        name_seen = False
        previous = ""  # what the last child was: "assignment", "word" or "redirect"
        previous_end = -1
        for child in node.children:
            kind = child.type
            adjacent = child.start_byte == previous_end
            if kind == "variable_assignment":
                assignments.append(child)
                previous = "assignment"
            elif kind == "command_name":
                if adjacent:
                    raise AnalysisError("ambiguous quoting right after an assignment; add a space or quote it")
                name_seen = True
                if child.children:
                    words.append([child.children[0]])
                previous = "word"
            elif kind in _REDIRECTS:
                if adjacent and previous == "assignment":
                    raise AnalysisError("ambiguous quoting around a redirection; add a space")
                stdin = self._redirect(child, frame, stdin)
                previous = "redirect"
            elif child.is_named:
                if adjacent and previous == "word" and words:
                    words[-1].append(child)
                elif adjacent:
                    raise AnalysisError("ambiguous quoting around a redirection; add a space")
                else:
                    words.append([child])
                previous = "word"
            elif kind == "$":
                raise AnalysisError('unsupported quoting `$"..."` in an argument')
            else:
                raise AnalysisError(f"unexpected token `{kind}` in a command")
            previous_end = child.end_byte
        argv: list[str | None] = []
        for index, pieces in enumerate(words):
            value: str | None = ""
            for piece in pieces:
                if piece.type not in _LEAVES:
                    self.visit(piece, None, frame)
                text = literal(piece, frame.src)
                value = None if value is None or text is None else value + text
            if index == 0 and any(is_pattern(piece, frame.src) for piece in pieces):
                value = None  # a glob or brace pattern as the command word: unknown program
            argv.append(value)
        for assignment in assignments:
            name_node = assignment.child_by_field_name("name")
            name = node_text(name_node, frame.src) if name_node is not None else ""
            if not (name_seen and argv and variables.harmless_prefix(name, argv[0])):
                self._assignment(assignment, frame)
        if name_seen:
            self.run(argv, stdin, frame)

    # ----- argv dispatch -------------------------------------------------------------------------------
    def run(self, argv: list[str | None], stdin: Stdin, frame: Frame) -> None:
        """Judge one argv: a program, or something that runs other things."""
        if not argv:
            return
        word = argv[0]
        args = argv[1:]
        if word is None:
            self.add(Execution("program", None, tuple(args), frame.via))
            return
        name = _basename(word)
        key = name.lower()
        plain = "/" not in word
        if plain and word in self.functions:
            self.add(Execution("function", name, tuple(args), frame.via, word=word))
            return
        if plain and word in self.aliases:
            # Aliases may or may not expand (expand_aliases, same line): judge both readings.
            self.add(Execution("program", name, tuple(args), frame.via, word=word))
            self.code(" ".join([self.aliases[word], *map(_quote, args)]), frame, f"alias {word}")
            return
        if plain and word in handlers.VARIABLE_BUILTINS:
            handlers.VARIABLE_BUILTINS[word](self, word, name, args, stdin, frame)
            return
        if key == "coproc":
            raise AnalysisError("`coproc` is not supported; run the command directly")
        for target, via in tool_writes.TOOLS.get(canonical(key), _no_writes)(args):
            self.add_write(target, via)
        handler = handlers.HANDLERS.get(key)
        if handler is not None and (plain or key not in handlers.BUILTIN_ONLY):
            handler(self, word, name, args, stdin, frame)
            return
        for write in file_writes(key, tuple(args)):
            self.add_write(*write)
        if key in UTILITIES and read_only_use(key, tuple(args)) is not None:
            self._program(word, name, args, stdin, frame)  # fully understood: no runner needed
        elif key in TRANSPARENT:
            self._wrapper(word, name, args, stdin, frame, transparent=True)
        elif key in PRIVILEGED:
            self._wrapper(word, name, args, stdin, frame, transparent=False)
        elif key in SHELLS:
            self._shell(word, name, args, stdin, frame)
        elif key in FOREIGN_SHELLS:
            self._foreign_shell(word, name, args, stdin, frame)
        elif key in AWKS:
            self._awk(word, name, args, frame)
        elif key in ("sed", "gsed"):
            self._sed(word, name, args, frame)
        elif interpreter_kind(key) is not None:
            self._interpreter(word, name, args, stdin, frame)
        elif key in launchers.LAUNCHERS:
            launchers.LAUNCHERS[key](self, word, name, args, stdin, frame)
        elif key in runners.RUNNERS:
            runners.RUNNERS[key](self, word, name, args, stdin, frame)
        else:
            self._program(word, name, args, stdin, frame)

    def _program(self, word: str, name: str, args: list[str | None], stdin: Stdin, frame: Frame) -> None:
        reads = (stdin[1],) if stdin is not None and stdin[0] == "file" else ()
        self.add(Execution("program", name, tuple(args), frame.via, word=word, cwds=tuple(self.cwds), reads=reads))
        if name.lower() == "tee":
            self._tee(args)

    def _wrapper(
        self, word: str, name: str, args: list[str | None], stdin: Stdin, frame: Frame, *, transparent: bool
    ) -> None:
        key = name.lower()
        opts = TRANSPARENT[key] if transparent else PRIVILEGED[key]
        self.add(Execution("wrapper" if transparent else "program", name, tuple(args), frame.via, word=word))
        parsed = parse_options(args, opts)
        for target in parsed.writes:
            self.add_write(target, f"{name} output")
        for text in parsed.code:
            self.code(text, frame, f"{name} -c")
        for assignment in parsed.assignments:
            var, _, value = assignment.partition("=")
            variables.assign(self, var, value, frame)
        inner = frame.inner(name)
        command = parsed.command
        if command is None:
            self.add(Execution("program", None, (), inner.via))
            return
        split = parsed.values.get("-S", parsed.values.get("--split-string", ""))
        if key == "env" and split != "":
            # env -S splits its string into words placed before the remaining arguments.
            text = None if split is None else " ".join([split, *map(_quote, command)])
            self.code(text, frame, "env -S")
            return
        if key == "xargs":
            command = (command or ["echo"]) + [None]  # xargs appends arguments read from stdin
        elif key in ("sudo", "doas") and parsed.present & {"-s", "--shell", "-i", "--login"}:
            if command:
                self.code(" ".join(map(_quote, command)), frame, f"{name} -s")
            return
        elif key == "sudo" and parsed.present & {"-e", "--edit", "-l", "--list", "-v", "--validate"}:
            return
        elif key == "flock" and command[:1] in (["-c"], ["--command"]):
            self.code(command[1] if len(command) > 1 else None, frame, "flock -c")
            return
        self.run(command, stdin, inner)

    def _shell(self, word: str, name: str, args: list[str | None], stdin: Stdin, frame: Frame) -> None:
        self.add(Execution("program", name, tuple(args), frame.via, word=word))
        code_mode = False
        stdin_mode = False
        i = 0
        while i < len(args):
            arg = args[i]
            if arg is None:
                self.add_code("dynamic", name, None, frame)
                return
            if arg == "--" or arg == "-":
                i += 1
                break
            if arg in SHELL_VALUE_OPTS:
                i += 2
                continue
            if arg.startswith("--"):
                i += 1
                continue
            if arg[0] in "-+" and len(arg) > 1:
                code_mode = code_mode or (arg[0] == "-" and "c" in arg[1:])
                stdin_mode = stdin_mode or (arg[0] == "-" and "s" in arg[1:])
                i += 1
                continue
            break
        rest = args[i:]
        if code_mode:
            self.code(rest[0] if rest else "", frame, f"{name} -c")
        elif rest and not stdin_mode:
            return  # a script file: running it is running `name`, which the profile judges
        elif stdin is not None:
            self.stdin_code(name, stdin, frame, shell=True)

    def stdin_code(self, name: str, stdin: tuple[str, str | None], frame: Frame, *, shell: bool) -> None:
        """A shell or interpreter reading its program from stdin."""
        source, value = stdin
        if source == "pipe":
            self.add_code("pipe", name, None, frame)
        elif source == "file":
            return  # `sh < script.sh` is `sh script.sh`
        elif shell:
            self.code(value, frame, f"{name} <<<")
        else:
            self.add_code("inline", name, value, frame)

    def _foreign_shell(self, word: str, name: str, args: list[str | None], stdin: Stdin, frame: Frame) -> None:
        self.add(Execution("program", name, tuple(args), frame.via, word=word))
        for i, arg in enumerate(args):
            if arg is None or arg in FOREIGN_SHELL_CODE_OPTS or (arg.startswith("-") and arg.endswith("c")):
                self.add_code("inline", name, args[i + 1] if i + 1 < len(args) else None, frame)
                return
        if not args and stdin is not None:
            self.stdin_code(name, stdin, frame, shell=False)

    def _interpreter(self, word: str, name: str, args: list[str | None], stdin: Stdin, frame: Frame) -> None:
        kind = interpreter_kind(name.lower()) or ""
        spec = INTERPRETERS[kind]
        i = 0
        while i < len(args):
            arg = args[i]
            nxt = args[i + 1] if i + 1 < len(args) else None
            if arg is None:
                self.add(Execution("program", name, tuple(args), frame.via, word=word))
                self.add_code("dynamic", name, None, frame)
                return
            if arg == "--":
                i += 1
                break
            if arg == "-" or not arg.startswith("-"):
                break
            letters: list[tuple[str, str | None]]
            if arg.startswith("--"):
                long_name, eq, long_value = arg.partition("=")
                letters = [(long_name, long_value if eq else None)]
            else:
                letters = [("-" + arg[j], arg[j + 1 :] or None) for j in range(1, len(arg))]
            step = 1
            for option, attached in letters:
                if option in spec.code:
                    self.add(Execution("program", name, tuple(args), frame.via, word=word))
                    self.add_code("inline", name, attached if attached is not None else nxt, frame)
                    if kind in ("perl", "ruby") and any(_short_option(a, "i") for a in args[: i + 1]):
                        # perl/ruby -i: the operands after the code are files edited in place.
                        files = args[i + (1 if attached is not None else 2) :]
                        for write in in_place_files(files, f"{name} -i"):
                            self.add_write(*write)
                    return
                if option in spec.module:
                    module = attached if attached is not None else nxt
                    rest = args[i + (1 if attached is not None else 2) :]
                    # `python -m pytest` runs pytest: the interpreter is only its launcher.
                    self.add(Execution("wrapper", name, tuple(args), frame.via, word=word))
                    self.run([module, *rest], stdin, frame.inner(f"{name} -m"))
                    return
                if option in spec.value:
                    step = 1 if attached is not None else 2
                    break
                if option in spec.attached_only:
                    break
            i += step
        self.add(Execution("program", name, tuple(args), frame.via, word=word))
        rest = args[i:]
        if (not rest or rest[0] == "-") and stdin is not None:
            self.stdin_code(name, stdin, frame, shell=False)

    def _awk(self, word: str, name: str, args: list[str | None], frame: Frame) -> None:
        self.add(Execution("program", name, tuple(args), frame.via, word=word))
        parsed = parse_options(args, AWK_OPTS)
        if parsed.command is None:
            self.add_code("dynamic", name, None, frame)
            return
        if parsed.present & {"-f", "--file"} or not parsed.command:
            return
        program = parsed.command[0]
        if program is None or AWK_EXECUTES.search(program):
            self.add_code("inline", name, program, frame)

    def _sed(self, word: str, name: str, args: list[str | None], frame: Frame) -> None:
        self.add(Execution("program", name, tuple(args), frame.via, word=word))
        plain = [a for a in args if a is None or not SED_INPLACE.match(a)]
        parsed = parse_options(plain, SED_OPTS)
        if parsed.command is None:
            self.add_code("dynamic", name, None, frame)
            return
        scripts = [v for k, v in parsed.values.items() if k in ("-e", "--expression")]
        files = parsed.command
        if not scripts and not parsed.present & {"-f", "--file"} and parsed.command:
            scripts, files = [parsed.command[0]], parsed.command[1:]
        if len(plain) < len(args):
            for write in in_place_files(files, f"{name} -i"):
                self.add_write(*write)
        for script in scripts:
            if script is None or SED_EXECUTES.search(script):
                self.add_code("inline", name, script, frame)

    def _tee(self, args: list[str | None]) -> None:
        for arg in args:
            if arg is None or not arg.startswith("-"):
                self.add_write(arg, "tee")


@lru_cache(maxsize=1024)
def analyze(command: str) -> Analysis:
    """Everything `command` would execute and write. Never raises: a failure is `Analysis.error`.

    Cached by text (results are immutable and depend on nothing else): the hook and the exec gate judge
    the same command moments apart, often under several profiles in tests and `explain`."""
    analyzer = Analyzer()
    if "\x00" in command:
        return Analysis((), (), "the command contains a NUL character")
    try:
        root, src = parse(command)
        if root.has_error:
            return Analysis((), (), "the command is not valid shell syntax")
        analyzer.visit(root, None, Frame(0, (), True, src))
        variables.settle(analyzer)
        analyzer.settle_places()
    except AnalysisError as exc:
        return Analysis(tuple(analyzer.executions), tuple(analyzer.writes), str(exc))
    except RecursionError:
        return Analysis((), (), "the command is nested too deeply to analyse")
    except UnicodeError:
        return Analysis((), (), "the command contains characters that are not valid UTF-8")
    except Exception as exc:  # fail closed: a defect here must deny, never allow or crash the hook
        return Analysis((), (), f"internal analysis error ({type(exc).__name__})")
    return Analysis(tuple(analyzer.executions), tuple(analyzer.writes))
